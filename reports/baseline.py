"""Compare a run with a kept ``results.json`` (``--baseline FILE``).

A baseline lets a known-imperfect target gate on *changes*: a requirement that FAILed in the
baseline and still FAILs is *known*; a requirement that now FAILs (or ERRORs) and did not
before is a *regression*. The baseline never changes the verdict: a run with a FAIL stays
"not conformant" whatever the baseline says; it only decides the exit status (by the rule of
``conformance/results/gate.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance import contract
from conformance.results import RunResults
from conformance.verdict import Status

_BAD = (Status.FAIL, Status.ERROR)


@dataclass
class BaselineDiff:
    """How this run's requirement statuses moved from the baseline's."""

    source: str = ""
    known: list[str] = field(default_factory=list)  # FAIL (or ERROR) then, the same now
    regressions: list[str] = field(default_factory=list)  # newly FAIL/ERROR, or a PASS lost
    fixed: list[str] = field(default_factory=list)  # FAIL/ERROR then, better now
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (then, now)

    def summary(self) -> str:
        if self.regressions:
            return f"{len(self.regressions)} regression(s) from baseline: {', '.join(self.regressions)}"
        return "no regressions from baseline"

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "summary": self.summary(),
            "known": list(self.known),
            "regressions": list(self.regressions),
            "fixed": list(self.fixed),
            "changes": [
                {"id": req_id, "baseline": then, "current": now}
                for req_id, (then, now) in self.changes.items()
            ],
        }


def load_baseline(path: Path) -> dict[str, Any]:
    """Read a kept results.json; ValueError says what is wrong with it."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read baseline {path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("requirements"), list):
        raise ValueError(f"baseline {path} is not a results.json (no 'requirements' list)")
    return data


def compare_baseline(results: RunResults, baseline: dict[str, Any], source: str = "") -> BaselineDiff:
    """Requirement by requirement, what changed between ``baseline`` (a results.json) and ``results``.

    A requirement missing from the baseline counts as NOT COVERED there. A regression is a
    status now FAIL or ERROR that is worse on the ladder than the baseline's (a new FAIL,
    PASS -> FAIL, PASS -> ERROR, ERROR -> FAIL), or a PASS lost in any other way (PASS ->
    NOT COVERED: the run no longer exercises it; PASS -> UNSUPPORTED: the target dropped it),
    since without a baseline such a run would not be conformant either.
    """
    then_by_id: dict[str, Status] = {}
    for row in baseline.get("requirements", []):
        try:
            then_by_id[row["id"]] = Status(row["status"])
        except (KeyError, ValueError, TypeError):
            continue
    diff = BaselineDiff(source=source)
    for req in contract.REQUIREMENTS:
        now = results.status_of(req.id)
        then = then_by_id.get(req.id, Status.NOT_COVERED)
        if now != then:
            diff.changes[req.id] = (then.value, now.value)
        if (now in _BAD and now.severity > then.severity) or (then is Status.PASS and now is not then):
            diff.regressions.append(req.id)
        elif now in _BAD:
            diff.known.append(req.id)
        elif then in _BAD:
            diff.fixed.append(req.id)
    return diff
