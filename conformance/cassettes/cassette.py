"""The cassette file: a run's requests, each under a canonical key, with the answers they got.

A cassette is one JSON document (UTF-8), versioned by ``format_version``::

    {
      "format": "ikp-cassette",
      "format_version": 2,
      "about": "<what the file is, in one paragraph>",
      "suite_version": "0.x",            # conformance.__version__ of the recording run
      "seed": "1",                       # its --hypothesis-seed ("derandomized" for ci)
      "hypothesis_profile": "quick",
      "target": "http://127.0.0.1:...",  # redacted: no userinfo, query or fragment
      "recorded": "2026-12-01T17:00:00+00:00",
      "profile": [{"requirement", "question", "readings": {"<reading>": count}}, ...],
      "entries": [
        {"id": "<16 hex digits>",        # sha256 of the canonical key, for look-ups
         "key": {"test", "action", "transport", "format", "encoding", "tamper",
                 "params", "param_count", "params_sha256"},
         "answers": [{"status", "code", "message", "syntax", "root", "fields",
                      "fingerprint", "transport_error",
                      "verdict": {"status", "failed", "warned"} or null}, ...]}
      ]
    }

The **canonical key** of a request (``canonical_key``) is what the suite asked for: the test
(its node id without the directory), the action, the way it was sent (transport, Format,
client encoding, signature faults applied; not whether it was signed, which is the run's
credentials, so that a signed run's cassette answers for an unsigned mock) and the business parameters, with
the run's name prefix written ``<PREFIX>`` (``<PREFIX:upper>`` and the like when a test changed
its case, ``<PREFIX:+x>`` when a character was put inside it) and the fresh-name counter of
``hygiene.unique_name`` (``<prefix><label><6 hex salt><4+ hex counter>``) written
``<salt><N>``: so two runs with one seed give the same keys although their prefixes differ,
and a test whose names were numbered differently (a target that kept other names) still finds
its requests. A random ``nonce`` of a signature fault is written ``<nonce>``. The key shows
``SHOWN_PARAMETERS`` (values longer than ``LONG_VALUE`` characters as their length and
sha256) and holds all the normalised business parameters as ``param_count`` and
``params_sha256``. Requests raced from threads (``runner/races.py``) are one key per test and
way (``"raced": true``, only RegionId shown): which racer wins is the target's choice, not the
seed's. One key may be sent several times (Hypothesis examples, fresh names, racers): its
answers are kept in order, and compared as a multiset (``compare.py``).

The **answer** (``answer_of``) is the status (None: no response), ``Code``, ``Message`` (with
the prefix and counter normalised), the body shape (syntax, XML root, sorted top-level field
names), ``KeyPairFingerPrint`` and the suite's **verdict** on it (``Recorder.judged``): PASS or
FAIL, the requirements it failed and those it warned about (a Message that is not the documented
text, IKP-R3), or ``null`` for an exchange the suite sends without judging it (clean-up, the
capability probe). The **behaviour profile** of the run, every Profile reading the verdicts
observed with how often, is the header's ``profile``. Nothing else of an exchange is kept,
and the whole document is scrubbed as the reports are (``reports.redact.scrub``) before it
is written: the exchanges are already redacted by the target client, and no Signature,
AccessKeyId, SecurityToken or Authorization value is ever part of a key or an answer.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from conformance.exchange import Exchange
from conformance.verdict import Status, Verdict

FORMAT = "ikp-cassette"
FORMAT_VERSION = 2
LONG_VALUE = 200
# The parameters a key shows (the others are in its ``params_sha256`` only, to keep it small).
SHOWN_PARAMETERS = frozenset({"RegionId", "KeyPairName", "KeyPairNames", "PageSize", "PageNumber"})
# Never part of a key, whatever a test put among its business parameters or signature faults
# (matched on the lower-cased letters of the name: ``access_key_id`` too): written ``<set>``.
NEVER_KEPT = frozenset({"signature", "accesskeyid", "securitytoken", "authorization", "accesskeysecret"})
ABOUT = (
    "An ImportKeyPair conformance suite cassette: every request of one run under its canonical "
    "key (test, action, way sent, business parameters with the run's name prefix written <PREFIX> "
    "and the fresh-name counter written <N>) and the answers it got (status, Code, Message, body "
    "shape, KeyPairFingerPrint, the suite's verdict) and the run's behaviour profile. "
    "Redacted as the reports are. Compare a run with it: "
    "pytest --pyargs conformance --hypothesis-seed=SEED --hypothesis-profile=PROFILE --compare-with FILE"
)

Key = dict[str, Any]
Answer = dict[str, Any]
# Exchanges noted and not judged yet, at most (the clean-up's and the probe's never are).
_MAX_PENDING = 1024


def _salt_of(test: str) -> str:
    """The 6 hex digits ``testids.PerTestCounters`` salts a test's fresh names with."""
    return hashlib.sha256(test.encode()).digest()[:3].hex()


class Normaliser:
    """Writes a run's prefix and a test's fresh-name counters the same way in every run."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        first, rest = re.escape(prefix[:1]), re.escape(prefix[1:])
        # The prefix in any case, or with up to 12 characters put right after its first one
        # (``names.insert_at``: a forbidden character inside an otherwise valid name).
        self._pattern = (
            re.compile(f"{first}(.{{0,12}}?){rest}", re.IGNORECASE | re.DOTALL) if prefix else None
        )

    def _prefix(self, match: re.Match[str]) -> str:
        inserted = match.group(1)
        text = match.group(0)
        plain = text[:1] + text[1 + len(inserted) :]
        if plain == self.prefix:
            case = ""
        elif plain == self.prefix.upper():
            case = "upper"
        elif plain == self.prefix.swapcase():
            case = "swapped"
        else:
            case = "mixed"
        notes = [n for n in (case, f"+{inserted}" if inserted else "") if n]
        return f"<PREFIX:{','.join(notes)}>" if notes else "<PREFIX>"

    def text(self, value: str, test: str) -> str:
        if self._pattern is not None:
            value = self._pattern.sub(self._prefix, value)
        salt = _salt_of(test)
        return re.sub(f"{salt}[0-9a-f]{{1,}}(?![0-9A-Za-z])", f"{salt}<N>", value)


def _shortened(value: str) -> str:
    if len(value) <= LONG_VALUE:
        return value
    return f"<{len(value)} characters, sha256 {hashlib.sha256(value.encode()).hexdigest()[:16]}>"


def short_test_id(test_id: str) -> str:
    """A test's node id without its directory part (as ``PerTestCounters`` counts it)."""
    return test_id.rsplit("/", 1)[-1]


def canonical_key(exchange: Exchange, test_id: str, normaliser: Normaliser, *, raced: bool = False) -> Key:
    """The canonical key of ``exchange`` sent by ``test_id`` (see the module docstring)."""
    test = short_test_id(test_id)
    params = {normaliser.text(k, test): normaliser.text(v, test) for k, v in _kept(exchange.business_params)}
    tamper = dict(_kept(exchange.tamper))
    if "nonce" in tamper:  # a fresh random nonce each run (sent twice to test its reuse)
        tamper["nonce"] = "<nonce>"
    key: Key = {
        "test": test,
        "action": exchange.action,
        "transport": exchange.transport.value,
        "format": exchange.body_format.value,
        "encoding": exchange.encoding,
        "tamper": tamper,
    }
    if raced:
        # Which of the racing requests wins is the target's choice, not the seed's: a test's
        # racers are one key, and their answers are compared as one multiset.
        key["raced"] = True
        key["params"] = {k: v for k, v in params.items() if k == "RegionId"}
        return key
    key["params"] = {k: _shortened(v) for k, v in params.items() if k in SHOWN_PARAMETERS}
    key["param_count"] = len(params)
    key["params_sha256"] = _digest(params)
    return key


def _kept(values: Mapping[str, str]) -> list[tuple[str, str]]:
    """``values`` sorted, a credential's value (by its name, in any spelling) written ``<set>``."""
    return [
        (k, "<set>" if re.sub(r"[^a-z]", "", k.lower()) in NEVER_KEPT else v)
        for k, v in sorted(values.items())
    ]


def _digest(params: Mapping[str, str]) -> str:
    text = json.dumps(params, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def key_id(key: Mapping[str, Any]) -> str:
    """The look-up id of a canonical key: 16 hex digits of the sha256 of its sorted JSON."""
    text = json.dumps(key, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def body_fields(exchange: Exchange) -> list[str]:
    """The sorted top-level field names of the answer's body."""
    document = exchange.parsed.document
    names = document.keys() if isinstance(document, dict) else exchange.parsed.fields.keys()
    return sorted(str(n) for n in names)


def answer_of(exchange: Exchange, test_id: str, normaliser: Normaliser) -> Answer:
    """What a cassette keeps of an answer (see the module docstring)."""
    test = short_test_id(test_id)
    message = exchange.field("Message")
    return {
        "status": exchange.status,
        "code": exchange.field("Code"),
        "message": None if message is None else normaliser.text(message, test),
        "syntax": exchange.parsed.syntax,
        "root": exchange.parsed.root,
        "fields": body_fields(exchange),
        "fingerprint": exchange.field("KeyPairFingerPrint"),
        "transport_error": exchange.transport_error is not None,
        "verdict": None,
    }


def verdict_of(verdict: Verdict) -> dict[str, Any]:
    """What a cassette keeps of the suite's verdict on an answer: status, failed and warned
    requirement IDs (sorted)."""
    failed = {r for r, _ in verdict.failed_requirements} or set(verdict.requirements)
    return {
        "status": verdict.status.value,
        "failed": sorted(failed) if verdict.status is Status.FAIL else [],
        "warned": sorted({w.split(":", 1)[0] for w in verdict.warnings}),
    }


def _merged(before: dict[str, Any] | None, now: dict[str, Any]) -> dict[str, Any]:
    """Two verdicts on one answer (a test may judge one exchange for several requirements):
    FAIL if either failed, the requirements of both."""
    if before is None:
        return now
    status = Status.FAIL.value if Status.FAIL.value in (before["status"], now["status"]) else now["status"]
    return {
        "status": status,
        "failed": sorted({*before["failed"], *now["failed"]}),
        "warned": sorted({*before["warned"], *now["warned"]}),
    }


def redacted_target(target: str) -> str:
    """A target URL without userinfo, query or fragment (anything else is kept as given)."""
    parts = urlsplit(target)
    if not parts.scheme or not parts.hostname:
        return target
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


@dataclass
class Cassette:
    """A cassette in memory: the header and, per key id, the key and its answers in order."""

    header: dict[str, Any] = field(default_factory=dict)
    keys: dict[str, Key] = field(default_factory=dict)
    answers: dict[str, list[Answer]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        entries = [{"id": i, "key": self.keys[i], "answers": self.answers[i]} for i in self.keys]
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "about": ABOUT,
            **self.header,
            "entries": entries,
        }

    def save(self, path: Path) -> None:
        """Write the cassette, scrubbed as the reports are (``reports.redact.scrub``)."""
        from reports.redact import scrub

        path.parent.mkdir(parents=True, exist_ok=True)
        doc = scrub(self.to_json())
        entries = doc.pop("entries")
        head = json.dumps(doc, indent=1, ensure_ascii=False)[:-2]  # without the closing brace
        # One entry a line: small, and a diff of two cassettes shows the requests that changed.
        lines = ",\n".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in entries)
        path.write_text(f'{head},\n "entries": [\n{lines}\n ]\n}}\n', encoding="utf-8")

    @classmethod
    def from_json(cls, doc: Any) -> Cassette:
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ValueError(f'not a cassette (no "format": "{FORMAT}")')
        if doc.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"cassette format version {doc.get('format_version')!r}; this suite reads {FORMAT_VERSION}"
            )
        header = {k: v for k, v in doc.items() if k not in ("format", "format_version", "about", "entries")}
        out = cls(header=header)
        for entry in doc.get("entries", []):
            out.keys[entry["id"]] = entry["key"]
            out.answers[entry["id"]] = list(entry["answers"])
        return out

    @classmethod
    def load(cls, path: Path) -> Cassette:
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot read cassette {path}: {exc}") from exc
        return cls.from_json(doc)


class Recorder:
    """Collects a run's exchanges as a ``Cassette`` (thread-safe: concurrent tests send at once)."""

    def __init__(self, prefix: str, header: Mapping[str, Any] | None = None) -> None:
        self.normaliser = Normaliser(prefix)
        self.cassette = Cassette(header=dict(header or {}))
        self._lock = threading.Lock()
        # The answer noted for each exchange still to be judged (by identity: an Exchange is
        # not hashable by value, and two equal answers are two answers).
        self._pending: dict[int, tuple[Exchange, Answer]] = {}
        self._profile: dict[tuple[str, str], dict[str, int]] = {}

    def note(self, exchange: Exchange, test_id: str, *, raced: bool = False) -> None:
        """Keep ``exchange``; ``raced``: it was sent by a thread racing others (``races.py``)."""
        key = canonical_key(exchange, test_id, self.normaliser, raced=raced)
        answer = answer_of(exchange, test_id, self.normaliser)
        ident = key_id(key)
        with self._lock:
            self.cassette.keys.setdefault(ident, key)
            self.cassette.answers.setdefault(ident, []).append(answer)
            if len(self._pending) >= _MAX_PENDING:  # exchanges nobody judged: forget the oldest
                self._pending.pop(next(iter(self._pending)))
            self._pending[id(exchange)] = (exchange, answer)

    def judged(self, exchange: Exchange, verdict: Verdict) -> None:
        """The suite's verdict on ``exchange`` (noted before): kept with its answer, and its
        Profile readings counted in the run's behaviour profile. An exchange this recorder did
        not note (another target's) is ignored."""
        with self._lock:
            noted = self._pending.get(id(exchange))
            if noted is None or noted[0] is not exchange:
                return
            noted[1]["verdict"] = _merged(noted[1]["verdict"], verdict_of(verdict))
            for seen in verdict.observations:
                readings = self._profile.setdefault((seen.requirement, seen.question), {})
                readings[seen.reading] = readings.get(seen.reading, 0) + 1

    def profile(self) -> list[dict[str, Any]]:
        """The behaviour profile the verdicts observed: per Profile question, each reading and
        how often (sorted, so that two runs with one seed write the same)."""
        with self._lock:
            return [
                {"requirement": req, "question": question, "readings": dict(sorted(readings.items()))}
                for (req, question), readings in sorted(self._profile.items())
            ]

    def finish(self) -> None:
        """Put the behaviour profile in the header (at the end of the run)."""
        self.cassette.header["profile"] = self.profile()

    def stamp(self) -> None:
        self.cassette.header.setdefault("recorded", _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"))
