"""The conformance session: one target, one state model, one results object, and hygiene.

``Suite`` is what the conformance tests use (the ``ikp`` fixture). ``send_import`` is the
whole data flow for one request: the state model adjusts the Case's acceptable outcomes,
the target client sends it, the oracle judges it, the model learns from it, the results
record it (with a reproduce command), and cleanup learns which names may now exist.

Hygiene (requirements.md, "What the suite itself promises"): every name the suite creates
carries the per-run prefix or is recorded when created; only recorded names and names
under this run's prefix are ever deleted, after each test and in a final sweep (also after
failures and Ctrl-C, since the sweep runs in the session fixture's teardown). Against a
target without DeleteKeyPairs the names stay and the report lists them.

Reproducibility (requirements.md, "A run is reproducible"): nothing that shapes a request is
drawn at random here. Fresh names come from a counter per test (``unique_name``, ``freshen``),
the keys of ``simple_case`` from a counter of seeds (``fresh_seed``), and every loop over
regions or names is sorted, so the same seed and target behaviour give the same requests
apart from the per-run prefix, signatures, nonces and timestamps. Only the bundled server's
throwaway credentials are random.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import os
import secrets
import string
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.control import current_build_context
from hypothesis.errors import InvalidArgument

from conformance import contract, oracle
from conformance.case import Case
from conformance.exchange import BodyFormat, Exchange, Transport
from conformance.oracle.model import TargetModel
from conformance.results import RunResults
from conformance.results.reproduce import command_for
from conformance.target import Call, Credentials, Target, TargetConfig, list_at
from conformance.target.encodings import SUITE, ClientEncoding
from conformance.verdict import Status, Verdict
from strategies import cases
from strategies import classes as input_classes
from strategies.bodies import key_sample
from strategies.cases import combine, region_part
from strategies.encodings import openssh_line
from strategies.keys import rsa_key, rsa_modulus
from strategies.names import NAME_REQUIREMENTS
from strategies.samples import Part, Validity, valid_part

# After this many exchanges in a row without an answer the target is taken as gone: later
# sends are not attempted (so Hypothesis cannot spend minutes shrinking against a dead
# target) and pytest stops after the current test.
MAX_CONSECUTIVE_TRANSPORT_ERRORS = 5
FRESHEN_ATTEMPTS = 1000
# ``freshen`` rewrites at most this many letters and digits at the end of a taken name.
FRESHEN_WINDOW = 8
# A long Hypothesis test deletes what it created once fewer slots than this are left, so
# that valid cases keep meaning "success" (the quota tests switch this off).
AUTO_CLEANUP_ROOM = 50


# The ways ``Suite.expect_each_way`` sends every generated case (IKP-T1, IKP-T2): GET with
# JSON first, then each other transport, and both body formats over GET and the form body.
# A case costs more to draw than to send, so judging it over every way is cheap coverage.
EACH_WAY = (
    (Transport.GET, BodyFormat.JSON),
    (Transport.POST_QUERY, BodyFormat.XML),
    (Transport.POST_FORM, BodyFormat.JSON),
    (Transport.V3, BodyFormat.ABSENT),
    (Transport.GET, BodyFormat.XML),
    (Transport.POST_FORM, BodyFormat.XML),
)


def _final_example() -> bool | None:
    """True in Hypothesis's final replay of a (shrunk) example, False in any other example,
    None outside a Hypothesis test."""
    try:
        return bool(current_build_context().is_final)
    except InvalidArgument:
        return None


def another_way(case: Case) -> Case:
    """``case`` for judging it sent another way (transport, encoding) once it was answered
    right the suite's own way: a valid case then keeps only IKP-T1 (the same parameters were
    accepted, so a refusal now is the transport's); an invalid one keeps its parts and adds
    IKP-T1 (the same parameters were refused, so an acceptance now is the rule's check skipped
    on that path: charged to the rule, then to IKP-T1)."""
    if case.expects_success():
        return dataclasses.replace(case, requirements=("IKP-T1",), parts=())
    return dataclasses.replace(case, requirements=tuple(dict.fromkeys((*case.requirements, "IKP-T1"))))


def current_test_id() -> str:
    """The running test's node id (pytest sets it in the environment)."""
    return os.environ.get("PYTEST_CURRENT_TEST", "session").rsplit(" (", 1)[0]


class PerTestCounters:
    """One counter per conformance test (by its node id without the directory part), and a
    salt per test: what a test sends then depends on that test alone, not on which tests ran
    before it in this process (a ``-k`` replay, an xdist worker's share of the tests)."""

    def __init__(self) -> None:
        self._counters: dict[str, itertools.count[int]] = {}
        self._lock = threading.Lock()

    def next(self) -> tuple[int, int]:
        """(the running test's salt, its next number)."""
        test = current_test_id().rsplit("/", 1)[-1]
        with self._lock:
            counter = self._counters.setdefault(test, itertools.count())
            number = next(counter)
        return int.from_bytes(hashlib.sha256(test.encode()).digest()[:3], "big"), number


_SEEDS = PerTestCounters()


def fresh_seed() -> bytes:
    """The next 16-byte key seed of the running test: a counter, not randomness, so that the
    same Hypothesis seed replays the same requests (requirements.md, "A run is reproducible")."""
    salt, number = _SEEDS.next()
    return hashlib.sha256(b"ikp-simple-case:%d:%d" % (salt, number)).digest()[:16]


def simple_case(name: str, region: str, seed: bytes | None = None) -> Case:
    """A valid import of an RSA-1024 key under ``name`` (no tags, no group): the cheapest
    valid request, for the state tests that send hundreds of them. Without ``seed`` the key
    comes from ``fresh_seed`` (a new key per call, the same ones in every run)."""
    key = rsa_key(rsa_modulus(1024, seed if seed is not None else fresh_seed()))
    sample = key_sample(
        key, openssh_line(key.key_type, key.blob.data), encoding="openssh", validity=Validity.VALID,
        requirements=("IKP-K2", "IKP-R2"), rule="rsa-1024",
    )  # fmt: skip
    return combine(
        [valid_part({"KeyPairName": name}, NAME_REQUIREMENTS, "name:valid"), sample, region_part(region)]
    )


_CLASSES = (string.ascii_lowercase, string.ascii_uppercase, string.digits)


def _class_of(char: str) -> str | None:
    """The alphabet ``freshen`` may move ``char`` in (its case of ASCII letters, or the
    digits); None for any other character, which ``freshen`` leaves alone."""
    return next((alphabet for alphabet in _CLASSES if char in alphabet), None)


def _window(name: str, start: int) -> list[int]:
    """The positions ``rewritten_tail`` may change: the last ``FRESHEN_WINDOW`` ASCII letters
    and digits of ``name`` at or after ``start``."""
    return [i for i in range(start, len(name)) if _class_of(name[i])][-FRESHEN_WINDOW:]


def tail_capacity(name: str, start: int) -> int:
    """How many distinct names ``rewritten_tail`` makes of ``name`` (``name`` itself included)."""
    capacity = 1
    for i in _window(name, start):
        capacity *= len(_class_of(name[i]) or "")
    return capacity


def rewritten_tail(name: str, start: int, number: int) -> str:
    """``name`` with ``number`` (0 < number < ``tail_capacity``) added, digit by digit in mixed
    radix with the last position least significant, to its last ``FRESHEN_WINDOW`` ASCII
    letters and digits at or after ``start``, each moved within its own class. The length and
    the case and class of every character are kept; ``:``, ``_``, ``-``, ``.`` and non-ASCII
    letters are not touched. Distinct ``number`` give names that differ in every case."""
    chars = list(name)
    rest = number
    for i in reversed(_window(name, start)):
        alphabet = _class_of(name[i]) or ""
        rest, digit = divmod(rest, len(alphabet))
        chars[i] = alphabet[(alphabet.index(name[i]) + digit) % len(alphabet)]
    return "".join(chars)


class TargetGone(Exception):
    """The target stopped answering: an ERROR, never a verdict on the contract."""


@dataclass
class Capabilities:
    """What the target supports beyond ImportKeyPair (probed once per session)."""

    describe: bool = False
    delete: bool = False
    signatures_checked: bool | None = None  # None: unknown (no credentials to test with)
    notes: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, bool]:
        return {
            "DescribeKeyPairs": self.describe,
            "DeleteKeyPairs": self.delete,
            "signature checks": bool(self.signatures_checked),
        }


class Suite:
    """One conformance session against one target (see the module docstring)."""

    def __init__(
        self,
        target: Target,
        results: RunResults,
        *,
        prefix: str,
        strict_messages: bool = False,
        known_resource_group: str | None = None,
    ) -> None:
        self.target = target
        self.config: TargetConfig = target.config
        self.results = results
        self.prefix = prefix
        self.strict_messages = strict_messages
        self.known_resource_group = known_resource_group
        self.model = TargetModel()
        self.capabilities = Capabilities()
        self._lock = threading.Lock()
        self._consecutive_errors = 0
        self._numbers = PerTestCounters()
        self._auto_cleanup = True
        self.gone: str | None = None

    # -- regions -----------------------------------------------------------------------------
    @property
    def region(self) -> str:
        return self.config.region

    @property
    def other_region(self) -> str:
        return self.config.other_region

    # -- the strategies, bound to this session's region, name prefix and known group ---------
    def valid_cases(self, **kw: Any) -> st.SearchStrategy[Case]:
        """``strategies.cases.valid_import_cases`` for this session (``kw``: key_types, max_tags)."""
        return cases.valid_import_cases(self.region, self.prefix, self.known_resource_group, **kw)

    def valid_parts(self, **kw: Any) -> st.SearchStrategy[tuple[Part, ...]]:
        """``strategies.cases.valid_request_parts`` for this session: a valid request but its
        key (``kw``: max_tags)."""
        return cases.valid_request_parts(self.region, self.prefix, self.known_resource_group, **kw)

    def invalid_cases(self, *slots: str, max_violations: int = 1) -> st.SearchStrategy[Case]:
        """Requests broken in 1..``max_violations`` of ``slots`` (name, key, region, ...)."""
        return cases.invalid_import_cases(
            self.region, self.prefix, self.known_resource_group, max_violations=max_violations, slots=slots
        )

    def profile_cases(self, *slots: str) -> st.SearchStrategy[Case]:
        """Requests asking one Profile question about one of ``slots`` (key, name, tags)."""
        return cases.profile_import_cases(self.region, self.prefix, self.known_resource_group, slots=slots)

    def any_cases(self, **kw: Any) -> st.SearchStrategy[Case]:
        """Valid, Profile and invalid requests (``strategies.cases.import_cases``)."""
        return cases.import_cases(self.region, self.prefix, self.known_resource_group, **kw)

    def _next_number(self) -> tuple[int, int]:
        """(salt, number) from the running test's counter: names are numbered, never drawn at
        random (requirements.md, "A run is reproducible"), and per test (``PerTestCounters``)."""
        return self._numbers.next()

    def unique_name(self, label: str = "") -> str:
        """A fresh name under this run's prefix (letters, digits and '-' only): the prefix,
        ``label``, the running test's salt (6 hex digits) and its counter (4 or more), skipping
        any name the model knows (in any region, in any case)."""
        for _ in range(FRESHEN_ATTEMPTS):
            salt, number = self._next_number()
            name = f"{self.prefix}{label}{salt:06x}{number:04x}"[: contract.NAME_MAX_LENGTH]
            if not self.model.taken(name):
                break
        return name

    def freshen(self, case: Case, avoid: frozenset[str] = frozenset()) -> Case:
        """``case`` with a name no key pair of this run has (in any region, in any case), if
        success is among its outcomes: Hypothesis replays names across examples, and a
        replayed name would test IKP-N6 instead of what the case was drawn for.

        The new name is the drawn one with a number from the run counter written into the
        last letters and digits after the prefix (``rewritten_tail``): the same length, every
        character of the same class, so every name rule the draw exercised still holds, and
        the same calls in the same order give the same names. Only when every such rewrite is
        taken does the name grow by a letter. ``avoid``: lower-cased names about to be sent
        alongside (taken too)."""
        name = case.params.get("KeyPairName")
        if not name or not case.expects_success():
            return case

        def taken(candidate: str) -> bool:
            return candidate.lower() in avoid or self.model.taken(candidate)

        if not taken(name):
            return case
        # Never rewrite the prefix (a Profile name may put a character before it) nor the
        # first character (the one IKP-N3 judges).
        at = name.lower().find(self.prefix.lower())
        start = at + len(self.prefix) if at >= 0 else 1
        salt, number = self._next_number()
        base = salt * 65536 + number
        attempts = 0
        while attempts < FRESHEN_ATTEMPTS:
            capacity = tail_capacity(name, start)
            for offset in range(min(capacity - 1, FRESHEN_ATTEMPTS - attempts)):
                attempts += 1
                candidate = rewritten_tail(name, start, 1 + (base + offset) % (capacity - 1))
                if not taken(candidate):
                    return dataclasses.replace(case, params=dict(case.params, KeyPairName=candidate))
            if len(name) >= contract.NAME_MAX_LENGTH:
                break
            name += "a"  # every rewrite of this length is taken: make room
            if not taken(name):
                return dataclasses.replace(case, params=dict(case.params, KeyPairName=name))
        return case  # cannot happen in practice; the model then expects AlreadyExist

    # -- the data flow of one request ----------------------------------------------------------
    def send_import(
        self,
        case: Case,
        *,
        transport: Transport = Transport.GET,
        body_format: BodyFormat = BodyFormat.JSON,
        target: Target | None = None,
        record: bool = True,
        fresh: bool = True,
        encoding: ClientEncoding = SUITE,
    ) -> tuple[Verdict, Exchange]:
        """Send ``case`` and judge it against the model's expectation; record the result.

        ``fresh`` (the default) gives a case that may succeed a name unused so far
        (``freshen``); the tests of duplicates pass ``fresh=False``. ``encoding``: how the
        parameters are written on the wire (``client_encodings``, IKP-T1)."""
        adjusted = self._prepare(case, fresh=fresh)
        exchange = (target or self.target).import_key_pair(
            adjusted.params, transport=transport, body_format=body_format, encoding=encoding
        )
        return self._conclude(adjusted, exchange, record=record), exchange

    def _prepare(self, case: Case, *, fresh: bool, avoid: frozenset[str] = frozenset()) -> Case:
        """Before sending: a fresh name (``freshen``), room in the region, and the outcomes
        the model expects now."""
        if self.gone:
            raise TargetGone(self.gone)
        if fresh:
            case = self.freshen(case, avoid)
        region = case.params.get("RegionId", "")
        if self._auto_cleanup and region and self.model.room(region) < AUTO_CLEANUP_ROOM:
            self.cleanup()
        return self.model.adjust(case)

    def _conclude(self, adjusted: Case, exchange: Exchange, *, record: bool) -> Verdict:
        """After the answer: the oracle's verdict, the model's update, the record."""
        verdict = oracle.judge_import(
            adjusted, exchange, expected=adjusted.outcomes, strict_messages=self.strict_messages
        )
        self.model.observe(adjusted, exchange)
        self._note_transport(exchange)
        if record:
            self.record(verdict, adjusted, exchange)
        return verdict

    def record(self, verdict: Verdict, case: Case | None, exchange: Exchange | None) -> None:
        """Count ``verdict`` in the results; a FAIL or ERROR also keeps the case, the exchange,
        the acceptable outcomes and a reproduce command (built only then: most verdicts pass)."""
        labels = tuple(p.rule for p in case.parts) if case is not None else ()  # input classes
        if exchange is not None:
            labels += input_classes.transport_labels(
                exchange.transport, exchange.body_format, exchange.encoding
            )
        if verdict.status not in (Status.FAIL, Status.ERROR):
            self.results.record(current_test_id(), verdict, exchange=exchange, labels=labels)
            return
        self.results.record(
            current_test_id(),
            verdict,
            labels=labels,
            case=case.to_json() if case is not None else None,
            exchange=exchange,
            acceptable=oracle.describe_outcomes(case.outcomes) if case is not None else [],
            reproduce=command_for(exchange, self.config) if exchange is not None else "",
            final=_final_example(),
        )

    def _note_transport(self, exchange: Exchange) -> None:
        with self._lock:
            if exchange.status is None:
                self._consecutive_errors += 1
                if self._consecutive_errors >= MAX_CONSECUTIVE_TRANSPORT_ERRORS:
                    self.gone = (
                        f"target {self.config.origin} stopped answering "
                        f"({self._consecutive_errors} requests in a row): {exchange.transport_error}"
                    )
            else:
                self._consecutive_errors = 0

    @staticmethod
    def check(verdict: Verdict) -> None:
        """Turn a verdict into the pytest outcome: FAIL fails the test, ERROR errors it."""
        if verdict.status is Status.FAIL:
            pytest.fail("\n".join(verdict.reasons) or "FAIL", pytrace=False)
        if verdict.status is Status.ERROR:
            raise TargetGone("ERROR (not a verdict on the contract): " + "; ".join(verdict.reasons))

    def fail(
        self, req_id: str, reason: str, case: Case | None = None, exchange: Exchange | None = None
    ) -> None:
        """Record a FAIL of ``req_id`` found by a test's own check, and fail the test."""
        verdict = Verdict(Status.FAIL, (req_id,), (f"{req_id}: {reason}",), ((req_id, reason),))
        self.record(verdict, case, exchange)
        pytest.fail(f"{req_id}: {reason}", pytrace=False)

    def passed(self, req_id: str, case: Case | None = None, exchange: Exchange | None = None) -> None:
        """Record that a test's own check of ``req_id`` passed."""
        self.record(Verdict(Status.PASS, (req_id,)), case, exchange)

    def unsupported_half(self, req_id: str, note: str) -> None:
        """Note that part of ``req_id`` could not be checked against this target (the report
        shows it; the rest of the requirement is still judged by its other tests)."""
        notes = self.results.meta.setdefault("notes", [])
        if f"{req_id}: {note}" not in notes:
            notes.append(f"{req_id}: {note}")

    def expect(self, case: Case, **kw: object) -> Exchange:
        """``send_import`` then ``check``: the one-liner most tests use."""
        verdict, exchange = self.send_import(case, **kw)  # type: ignore[arg-type]
        self.check(verdict)
        return exchange

    def expect_each_way(self, case: Case) -> Exchange:
        """``expect`` over each of ``EACH_WAY``: GET with JSON first, alone, then POST query
        (XML), POST form (JSON), V3, GET with XML and POST form with XML, those five in
        flight at once (``Target.call_many``; IKP-T1, IKP-T2).

        GET is judged against the case's requirements before anything else is sent (the
        others are judged as ``another_way`` says): a
        target that wrongly accepts a request under its name must be caught there, not in
        a race between ways sharing that name (only a case that may succeed gets a fresh
        name per way). The other five then differ from GET by transport alone: a wrong
        answer to one of them is charged to IKP-T1 (and to whichever of IKP-T2..T5 and
        IKP-R1/R2 the oracle finds broken in that answer). They are judged, folded into
        the model and recorded in order, every one before the first failure fails the
        test. Returns the GET exchange."""
        (transport, body_format), *others = EACH_WAY
        first = self.expect(case, transport=transport, body_format=body_format)
        over_transport = another_way(case)
        prepared: list[Case] = []
        avoid: set[str] = set()
        for _ in others:
            adjusted = self._prepare(over_transport, fresh=True, avoid=frozenset(avoid))
            avoid.add(adjusted.params.get("KeyPairName", "").lower())
            prepared.append(adjusted)
        exchanges = self.target.call_many(
            [Call(contract.ACTION_IMPORT, a.params, t, f) for a, (t, f) in zip(prepared, others, strict=True)]
        )
        verdicts = [self._conclude(a, e, record=True) for a, e in zip(prepared, exchanges, strict=True)]
        for verdict in verdicts:
            self.check(verdict)
        return first

    @contextmanager
    def no_auto_cleanup(self) -> Iterator[None]:
        """Keep every key pair until the block ends (the quota tests fill a region on purpose)."""
        self._auto_cleanup = False
        try:
            yield
        finally:
            self._auto_cleanup = True

    def delete_checked(self, region: str, names: Sequence[str]) -> Exchange:
        """DeleteKeyPairs judged for IKP-X2 (recorded; a FAIL fails the test)."""
        exchange = self.delete(region, names)
        if exchange is None:
            pytest.fail(f"refusing to delete {names!r}: not created by this run", pytrace=False)
        verdict = oracle.judge_delete(exchange)
        if verdict.status is Status.UNSUPPORTED:
            self.results.mark_unsupported("IKP-X2", "; ".join(verdict.reasons))
            pytest.skip("; ".join(verdict.reasons))
        self.record(verdict, None, exchange)
        self.check(verdict)
        return exchange

    # -- Extended operations -------------------------------------------------------------------
    def describe(self, region: str, body_format: BodyFormat = BodyFormat.JSON, **filters: str) -> Exchange:
        return self.target.call(
            contract.ACTION_DESCRIBE, {"RegionId": region, **filters}, body_format=body_format
        )

    def delete(self, region: str, names: Sequence[str]) -> Exchange | None:
        """Delete ``names`` (only names this suite created or that carry its prefix)."""
        mine = [n for n in names if self._is_ours(region, n)]
        if not mine or not self.capabilities.delete:
            return None
        exchange = self.target.delete_key_pairs(region, mine)
        if exchange.status == 200:
            self.model.deleted(region, mine)
        return exchange

    def _is_ours(self, region: str, name: str) -> bool:
        return name.startswith(self.prefix) or (region, name) in set(self.model.created())

    def cleanup(self) -> None:
        """Delete every key pair the suite created (in batches of the documented maximum)."""
        if self.gone:
            return
        by_region: dict[str, list[str]] = {}
        for region, name in self.model.created():
            by_region.setdefault(region, []).append(name)
        for region, names in by_region.items():
            for start in range(0, len(names), contract.DELETE_NAMES_MAX):
                self.delete(region, names[start : start + contract.DELETE_NAMES_MAX])

    def sweep(self) -> None:
        """Delete whatever still carries this run's prefix; report what could not be deleted."""
        if not self.gone and self.capabilities.describe and self.capabilities.delete:
            # sorted: a set's order changes with PYTHONHASHSEED, and so would the requests
            for region in sorted({self.region, self.other_region, *self.model.regions()}):
                for _ in range(contract.KEY_PAIRS_PER_REGION // contract.DESCRIBE_PAGE_SIZE_MAX + 2):
                    names = self.list_names(region, f"{self.prefix}*")
                    if not names:
                        break
                    self.delete(region, names[: contract.DELETE_NAMES_MAX])
        for region, name in self.model.created():
            why = "the target has no DeleteKeyPairs" if not self.capabilities.delete else "delete failed"
            if self.gone:
                why = self.gone
            self.results.add_leftover(region, name, why)

    def list_names(self, region: str, pattern: str | None = None) -> list[str]:
        """Names DescribeKeyPairs lists in ``region`` (first page of the maximum size)."""
        filters = {"PageSize": str(contract.DESCRIBE_PAGE_SIZE_MAX)}
        if pattern:
            filters["KeyPairName"] = pattern
        exchange = self.describe(region, BodyFormat.JSON, **filters)
        if exchange.status != 200:
            return []
        return [
            str(kp.get("KeyPairName"))
            for kp in list_at(exchange.parsed.document, "KeyPairs", "KeyPair")
            if isinstance(kp, Mapping)
        ]

    def total_count(self, region: str) -> int | None:
        """DescribeKeyPairs' TotalCount in ``region`` (None when not available)."""
        exchange = self.describe(region, PageSize="1")
        value = exchange.field("TotalCount")
        return int(value) if exchange.status == 200 and value and value.isdigit() else None

    # -- capabilities --------------------------------------------------------------------------
    def probe_capabilities(self) -> None:
        """Which Extended operations the target answers, and what is already in the regions."""
        caps = self.capabilities
        for region in (self.region, self.other_region):
            count = self.total_count(region)
            if count is not None:
                caps.describe = True
                self.model.preexisting(region, count)
        probe = self.target.delete_key_pairs(self.region, [f"{self.prefix}probe"])
        caps.delete = probe.status == 200
        if not caps.delete:
            caps.notes["DeleteKeyPairs"] = f"answered {probe.status} {probe.field('Code') or ''}".strip()
        if not caps.describe:
            caps.notes["DescribeKeyPairs"] = "no TotalCount in DescribeKeyPairs"
        self.results.capabilities.update(caps.as_dict())


@contextmanager
def open_suite(config: pytest.Config, results: RunResults, *, prefix: str) -> Iterator[Suite]:
    """Start (or reach) the target, probe it, yield the Suite, and always clean up."""
    url = config.getoption("target")
    resource_group = config.getoption("resource_group")
    credentials = Credentials.from_env()
    server = None
    if not url:
        from conformance.reference.process import spawn_server

        # The bundled server checks signatures with a throwaway key, so that V1/V3 signing
        # (IKP-X3) is certified too. The secret lives only in this process and its child's
        # environment. A child process: the server's work runs on a core of its own.
        key_id = "ikp" + secrets.token_hex(8)
        credentials = Credentials(key_id, secrets.token_urlsafe(24), None)
        server = spawn_server(access_keys={key_id: credentials.access_key_secret})
        url = server.url
        resource_group = resource_group or contract.DEFAULT_RESOURCE_GROUP
    target = Target(
        TargetConfig(
            base_url=url,
            region=config.getoption("region"),
            other_region=config.getoption("other_region"),
            resource_group=resource_group,
            credentials=credentials,
            timeout=config.getoption("request_timeout"),
        )
    )
    results.meta["config"] = target.config.redacted()
    suite = Suite(
        target,
        results,
        prefix=prefix,
        strict_messages=config.getoption("strict_messages"),
        known_resource_group=resource_group,
    )
    try:
        suite.probe_capabilities()
        yield suite
    finally:
        try:
            suite.cleanup()
            suite.sweep()
        finally:
            results.meta["requests_sent"] = results.meta.get("requests_sent", 0) + target.requests_sent
            target.close()
            if server is not None:
                server.close()
