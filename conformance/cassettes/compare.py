"""Differential runs, cassette side: a run's answers against a cassette's, key by key.

``compare`` takes the run's own ``Cassette`` (what ``Recorder`` collected) and a recorded one.
For each canonical key of the run that the cassette has, the answers are compared as a
multiset (one key may be sent several times, concurrently sent requests may be answered in
any order) on what the contract lets a client rely on: the status, ``Code``, the
``KeyPairFingerPrint`` format (``fingerprint_format``), the body shape (syntax, XML root,
top-level field names) and, where both sides judged every answer of the key, the suite's
**verdict** (PASS or FAIL, the requirements failed and warned about: so a wrong fingerprint or a
Message that is not the documented text shows although neither is compared as such); a
``Message`` and a fingerprint's value are not compared otherwise. Each run
answer no recorded answer matches is paired, in order, with a recorded answer no run answer
matches, and the pair is a divergence naming the aspects that differ. A key the cassette lacks,
or sent more often than recorded with no recorded answer left to pair, is listed as
``uncompared``, never guessed.

Each divergence names the **requirements** it bears on (``requirements_of``): those whose verdict
differs between the two answers, else those a side failed, else the requirement IDs of the test
that sent it. The **behaviour profiles** (every Profile reading each side's verdicts observed,
the cassette header's ``profile``) are put side by side, question by question (``profiles``).

A divergence is not a conformance failure: it goes to
results.json (``divergences``, ``comparison``) and report.html, and to the exit status only
with ``--fail-on-divergence`` (``conformance/results/gate.py``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from conformance import contract
from conformance.cassettes.cassette import Answer, Cassette, Key

ASPECTS = ("status", "code", "fingerprint format", "body shape", "answered", "verdict")
# The requirement IDs in a test's node id (``test_x[IKP-N2,IKP-N3]``) and of each action's tests.
_IDS = re.compile(r"IKP-[A-Z]+\d+")
_ACTION_REQUIREMENTS = {contract.ACTION_DESCRIBE: ["IKP-X1"], contract.ACTION_DELETE: ["IKP-X2"]}
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


def _verdict(answer: Answer) -> tuple[Any, ...] | None:
    verdict = answer.get("verdict")
    if not verdict:
        return None
    return (verdict.get("status"), tuple(verdict.get("failed") or ()), tuple(verdict.get("warned") or ()))


def _aspects(answer: Answer, *, verdicts: bool = True) -> dict[str, Any]:
    return {
        "status": answer.get("status"),
        "code": answer.get("code"),
        "fingerprint format": fingerprint_format(answer.get("fingerprint")),
        "body shape": (answer.get("syntax"), answer.get("root"), tuple(answer.get("fields") or ())),
        "answered": not answer.get("transport_error"),
        "verdict": _verdict(answer) if verdicts else None,
    }


def _projection(answer: Answer, verdicts: bool) -> tuple[Any, ...]:
    return tuple(_aspects(answer, verdicts=verdicts).values())


def requirements_of(key: Key, run: Answer, recorded: Answer) -> list[str]:
    """The requirements a divergence bears on (see the module docstring)."""
    mine, theirs = run.get("verdict") or {}, recorded.get("verdict") or {}

    def judged(verdict: dict[str, Any]) -> set[str]:
        return {*verdict.get("failed", ()), *verdict.get("warned", ())}

    differ = judged(mine) ^ judged(theirs)
    if differ:
        return sorted(differ)
    failed = judged(mine) | judged(theirs)
    if failed:
        return sorted(failed)
    named = _IDS.findall(str(key.get("test", "")))
    return sorted(set(named)) or list(_ACTION_REQUIREMENTS.get(str(key.get("action")), []))


def profiles(run: list[dict[str, Any]], recorded: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The two behaviour profiles side by side: per Profile question, the readings each side's
    verdicts observed (with counts) and whether the two sets of readings are the same (None
    when only one side met the question)."""
    mine = {(p["requirement"], p["question"]): p.get("readings", {}) for p in run}
    theirs = {(p["requirement"], p["question"]): p.get("readings", {}) for p in recorded}
    rows = []
    for req, question in sorted(mine.keys() | theirs.keys()):
        a, b = mine.get((req, question)), theirs.get((req, question))
        rows.append(
            {
                "requirement": req,
                "question": question,
                "run": a,
                "cassette": b,
                # None: only one side met the question (a narrowed run, a test the other lacks)
                "same": None if a is None or b is None else set(a) == set(b),
            }
        )
    return rows


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
        "verdict": answer.get("verdict"),
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
    profile: list[dict[str, Any]] = field(default_factory=list)  # ``profiles``

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
            "requirements": self.requirements(),
            "profile": self.profile,
            "profile_differences": sum(1 for row in self.profile if row["same"] is False),
        }

    def requirements(self) -> dict[str, int]:
        """How many divergences bear on each requirement."""
        counts: Counter[str] = Counter(r for d in self.divergences for r in d["requirements"])
        return dict(sorted(counts.items()))


def _leftover(answers: list[Answer], surplus: Counter[tuple[Any, ...]], verdicts: bool) -> list[Answer]:
    """The answers (in order) whose projections make up ``surplus``."""
    left = Counter(surplus)
    out = []
    for answer in answers:
        p = _projection(answer, verdicts)
        if left[p] > 0:
            left[p] -= 1
            out.append(answer)
    return out


def compare(run: Cassette, recorded: Cassette, source: str) -> Comparison:
    """Every divergence of ``run`` from ``recorded`` (see the module docstring)."""
    out = Comparison(source=source, header=dict(recorded.header))
    out.profile = profiles(run.header.get("profile") or [], recorded.header.get("profile") or [])
    out.unsent = sum(1 for ident in recorded.keys if ident not in run.keys)
    for ident, key in run.keys.items():
        mine = run.answers[ident]
        theirs = recorded.answers.get(ident)
        if theirs is None:
            out.uncompared.append({"key": key, "sent": len(mine), "why": "not in the cassette"})
            continue
        # Verdicts are compared where both sides judged every answer of the key.
        verdicts = all(a.get("verdict") for a in (*mine, *theirs))
        my_counts = Counter(_projection(a, verdicts) for a in mine)
        their_counts = Counter(_projection(a, verdicts) for a in theirs)
        out.compared += min(len(mine), len(theirs))
        only_mine = _leftover(mine, my_counts - their_counts, verdicts)
        only_theirs = _leftover(theirs, their_counts - my_counts, verdicts)
        for answer, recorded_answer in zip(only_mine, only_theirs, strict=False):
            a, b = _aspects(answer, verdicts=verdicts), _aspects(recorded_answer, verdicts=verdicts)
            out.divergences.append(
                {
                    "test": key.get("test"),
                    "action": key.get("action"),
                    "key_id": ident,
                    "key": key,
                    "requirements": requirements_of(key, answer, recorded_answer),
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
