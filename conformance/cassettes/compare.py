"""Differential runs, cassette side: a run's answers against a cassette's, key by key.

``compare`` takes the run's own ``Cassette`` (what ``Recorder`` collected) and a recorded one.
For each canonical key of the run that the cassette has, the answers are compared as a
multiset (one key may be sent several times, concurrently sent requests may be answered in
any order) on what the contract lets a client rely on: the status, ``Code``, the
``KeyPairFingerPrint`` format (``fingerprint_format``) and the body shape (syntax, XML root,
top-level field names); ``Message`` and the fingerprint's value are not compared. Each run
answer no recorded answer matches is paired, in order, with a recorded answer no run answer
matches, and the pair is a divergence naming the aspects that differ. A key the cassette lacks,
or sent more often than recorded with no recorded answer left to pair, is listed as
``uncompared``, never guessed. A divergence is not a conformance failure: it goes to
results.json (``divergences``, ``comparison``) and report.html, and to the exit status only
with ``--fail-on-divergence`` (``conformance/results/gate.py``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from conformance.cassettes.cassette import Answer, Cassette

ASPECTS = ("status", "code", "fingerprint format", "body shape", "answered")
_COLON_MD5 = re.compile(r"[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){15}")
_HEX32 = re.compile(r"[0-9a-fA-F]{32}")


def fingerprint_format(value: str | None) -> str:
    """``absent``, ``md5-colon`` (16 colon-separated hex pairs), ``hex32`` (32 hex digits, no
    colons, as real ECS was observed answering) or ``other``."""
    if value is None:
        return "absent"
    if _COLON_MD5.fullmatch(value):
        return "md5-colon"
    if _HEX32.fullmatch(value):
        return "hex32"
    return "other"


def _aspects(answer: Answer) -> dict[str, Any]:
    return {
        "status": answer.get("status"),
        "code": answer.get("code"),
        "fingerprint format": fingerprint_format(answer.get("fingerprint")),
        "body shape": (answer.get("syntax"), answer.get("root"), tuple(answer.get("fields") or ())),
        "answered": not answer.get("transport_error"),
    }


def _projection(answer: Answer) -> tuple[Any, ...]:
    return tuple(_aspects(answer).values())


def _shape(answer: Answer) -> dict[str, Any]:
    aspects = _aspects(answer)
    syntax, root, fields = aspects["body shape"]
    return {
        "status": aspects["status"],
        "code": aspects["code"],
        "message": answer.get("message"),
        "fingerprint_format": aspects["fingerprint format"],
        "body_shape": {"syntax": syntax, "root": root, "fields": list(fields)},
        "answered": aspects["answered"],
    }


@dataclass
class Comparison:
    """The outcome of comparing a run with a cassette (``to_json`` for results.json)."""

    source: str
    header: dict[str, Any]
    compared: int = 0
    divergences: list[dict[str, Any]] = field(default_factory=list)
    uncompared: list[dict[str, Any]] = field(default_factory=list)
    unsent: int = 0  # keys of the cassette the run never sent

    def summary(self) -> dict[str, Any]:
        return {
            "cassette": self.source,
            "recorded_suite_version": self.header.get("suite_version"),
            "seed": self.header.get("seed"),
            "hypothesis_profile": self.header.get("hypothesis_profile"),
            "compared": self.compared,
            "divergent": len(self.divergences),
            "uncompared": self.uncompared,
            "cassette_keys_not_sent": self.unsent,
        }


def _leftover(answers: list[Answer], surplus: Counter[tuple[Any, ...]]) -> list[Answer]:
    """The answers (in order) whose projections make up ``surplus``."""
    left = Counter(surplus)
    out = []
    for answer in answers:
        p = _projection(answer)
        if left[p] > 0:
            left[p] -= 1
            out.append(answer)
    return out


def compare(run: Cassette, recorded: Cassette, source: str) -> Comparison:
    """Every divergence of ``run`` from ``recorded`` (see the module docstring)."""
    out = Comparison(source=source, header=dict(recorded.header))
    out.unsent = sum(1 for ident in recorded.keys if ident not in run.keys)
    for ident, key in run.keys.items():
        mine = run.answers[ident]
        theirs = recorded.answers.get(ident)
        if theirs is None:
            out.uncompared.append({"key": key, "sent": len(mine), "why": "not in the cassette"})
            continue
        my_counts = Counter(map(_projection, mine))
        their_counts = Counter(map(_projection, theirs))
        out.compared += min(len(mine), len(theirs))
        only_mine = _leftover(mine, my_counts - their_counts)
        only_theirs = _leftover(theirs, their_counts - my_counts)
        for answer, recorded_answer in zip(only_mine, only_theirs, strict=False):
            a, b = _aspects(answer), _aspects(recorded_answer)
            out.divergences.append(
                {
                    "test": key.get("test"),
                    "action": key.get("action"),
                    "key_id": ident,
                    "key": key,
                    "aspects": [name for name in ASPECTS if a[name] != b[name]],
                    "run": _shape(answer),
                    "cassette": _shape(recorded_answer),
                }
            )
        extra = len(only_mine) - len(only_theirs)
        if extra > 0:
            out.uncompared.append(
                {"key": key, "sent": extra, "why": f"sent {len(mine)} times, recorded {len(theirs)}"}
            )
    return out
