"""The one results object of a run, from which every output is rendered.

``RunResults`` collects, per requirement of the contract, how many cases exercised it
and with which outcome, the failures (the minimal example: Hypothesis replays the
shrunk example last, so the last failure recorded for a test wins, and once a test's final
replay records a failure, what its earlier, unshrunk examples recorded under other
requirements is dropped), the behaviour
profile (Profile readings observed), message warnings, capabilities, and key pairs
left behind. The terminal summary, ``results.json``, JUnit properties and
``report.html`` are all rendered from it, so no two outputs can disagree. Under
pytest-xdist each worker's results are serialised and merged on the controller.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from conformance import contract
from conformance import observed as ecs_observed
from conformance.contract import Tier
from conformance.exchange import Exchange
from conformance.verdict import Status, Verdict
from strategies import classes as input_classes

SCHEMA_VERSION = 1


class Verdicts:
    """The run's overall verdict values (Gateway-API style)."""

    CONFORMANT = "conformant"
    NOT_CONFORMANT = "not conformant"
    INCOMPLETE = "incomplete"


@dataclass
class Failure:
    """One failing (or erroring) example, as the report shows it."""

    test_id: str
    requirement: str
    status: str  # FAIL or ERROR
    reason: str
    case: dict[str, Any] | None
    exchange: dict[str, Any] | None
    acceptable: list[str]
    reproduce: str
    # Whether the example was minimised (shrinking.py): False when the shrink budget or an
    # earlier test that explains the same deviation (``explained_by``) stopped it; None outside
    # Hypothesis or without a budget.
    shrunk: bool | None = None
    explained_by: str | None = None
    # Under the documented reading, the evidence that real ECS was observed doing the same
    # (``conformance/observed.py``): [{"id", "note"}]; None (left out of the JSON) otherwise.
    observed: list[dict[str, str]] | None = None

    def to_json(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        if out.get("observed") is None:
            out.pop("observed", None)
        return out


@dataclass
class RequirementResult:
    """Counts and status of one requirement over the run."""

    id: str
    cases: int = 0
    passed: int = 0
    failed: int = 0
    errors: int = 0
    unsupported_reason: str | None = None

    @property
    def tier(self) -> Tier:
        return contract.requirement(self.id).tier

    @property
    def status(self) -> Status:
        if self.failed:
            return Status.FAIL
        if self.errors:
            return Status.ERROR
        if self.cases:
            return Status.PASS
        if self.unsupported_reason is not None:
            return Status.UNSUPPORTED
        return Status.NOT_COVERED

    def to_json(self) -> dict[str, Any]:
        req = contract.requirement(self.id)
        return {
            "id": self.id,
            "tier": req.tier.value,
            "group": req.group,
            "text": req.text,
            "quote": req.quote,
            "status": self.status.value,
            "cases": self.cases,
            "passed": self.passed,
            "failed": self.failed,
            "errors": self.errors,
            "unsupported_reason": self.unsupported_reason,
        }


@dataclass
class RunResults:
    """Everything one run learned. Thread-safe: concurrent tests may record at once."""

    meta: dict[str, Any] = field(default_factory=dict)
    requirements: dict[str, RequirementResult] = field(
        default_factory=lambda: {r.id: RequirementResult(r.id) for r in contract.REQUIREMENTS}
    )
    failures: dict[str, Failure] = field(default_factory=dict)
    observations: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)
    warnings: Counter[str] = field(default_factory=Counter)
    capabilities: dict[str, bool] = field(default_factory=dict)
    leftovers: list[dict[str, str]] = field(default_factory=list)
    exchanges: int = 0
    # How many recorded verdicts sent a part of each input class (``strategies/classes.py``),
    # and of each label the inventory does not list.
    classes: Counter[str] = field(default_factory=Counter)
    unlisted: Counter[str] = field(default_factory=Counter)
    # Verdicts an observed-evidence entry decided (``Verdict.evidence``), by evidence ID: passed
    # by a relaxation of ``--reading observed`` (``relaxed``), failures of the documented
    # reading that real ECS shares (``shared``).
    relaxed: Counter[str] = field(default_factory=Counter)
    shared: Counter[str] = field(default_factory=Counter)
    # Per test, what its Hypothesis examples before the final replay failed: (failure key,
    # the requirements that example failed), one row per recorded failure.
    _provisional: dict[str, list[tuple[str, frozenset[str]]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    # -- recording -----------------------------------------------------------------------
    def record(
        self,
        test_id: str,
        verdict: Verdict,
        *,
        case: dict[str, Any] | None = None,
        exchange: Exchange | None = None,
        acceptable: list[str] | None = None,
        reproduce: str = "",
        final: bool | None = None,
        labels: tuple[str, ...] = (),
        shrunk: bool | None = None,
        explained_by: str | None = None,
    ) -> None:
        """Count ``verdict`` against each requirement it names; keep the latest failure per test.

        ``final``: recorded by Hypothesis's final replay of a shrunk example (True), by an
        example on the way there (False), or outside Hypothesis (None). A final failure
        drops the provisional ones of its test: the report shows minimal examples only.
        ``labels``: the rule labels of the case's parts, counted as input classes."""
        with self._lock:
            self.exchanges += 1 if exchange is not None else 0
            for label in labels:
                cls = input_classes.class_of(label)
                if cls is None:
                    self.unlisted[label] += 1
                else:
                    self.classes[cls] += 1
            failed = dict(verdict.failed_requirements)
            for req_id in dict.fromkeys((*verdict.requirements, *failed)):
                res = self.requirements[req_id]
                res.cases += 1
                if req_id in failed or (verdict.status is Status.FAIL and not failed):
                    res.failed += 1
                elif verdict.status is Status.ERROR:
                    res.errors += 1
                else:
                    res.passed += 1
            for warning in verdict.warnings:
                self.warnings[warning] += 1
            for obs in verdict.observations:
                self.observations.setdefault((obs.requirement, obs.question), Counter())[obs.reading] += 1
            for evidence_id in verdict.evidence:
                (self.shared if verdict.status is Status.FAIL else self.relaxed)[evidence_id] += 1
            if verdict.status in (Status.FAIL, Status.ERROR):
                first = next(iter(failed), verdict.requirements[0] if verdict.requirements else "")
                reason = "; ".join(verdict.reasons) or "; ".join(failed.values())
                key = f"{test_id}::{first}"
                charged = frozenset(failed) or frozenset(verdict.requirements)
                if final:
                    self._withdraw_provisional(test_id, charged)
                elif final is False:
                    self._provisional.setdefault(test_id, []).append((key, charged))
                self.failures[key] = Failure(
                    test_id=test_id,
                    requirement=first,
                    status=verdict.status.value,
                    reason=reason,
                    case=case,
                    exchange=exchange.to_json() if exchange is not None else None,
                    acceptable=list(acceptable or []),
                    reproduce=reproduce,
                    shrunk=shrunk,
                    explained_by=explained_by,
                    observed=ecs_observed.failure_notes(verdict.evidence),
                )

    def not_minimised(self, test_id: str, explained_by: str | None) -> None:
        """The shrink budget ended ``test_id``'s search (``runner/shrinking.py``): its recorded
        failures are the examples as found, ``explained_by`` the test showing the minimal one."""
        with self._lock:
            for failure in self.failures.values():
                if failure.test_id == test_id:
                    failure.shrunk, failure.explained_by = False, explained_by
            self._provisional.pop(test_id, None)

    def _withdraw_provisional(self, test_id: str, final: frozenset[str]) -> None:
        """The final replay of ``test_id`` failed ``final``: an earlier example that failed
        one of those too saw the same deviation before it was shrunk, when its request may
        have pointed at more rules than the minimal one does (a 128-character name with a
        ``:``). Its failure entry is dropped and its charge to the other rules withdrawn.
        An earlier example that failed none of ``final`` saw another deviation: it stays."""
        kept: list[tuple[str, frozenset[str]]] = []
        for key, charged in self._provisional.pop(test_id, []):
            if not charged & final:
                kept.append((key, charged))
                continue
            self.failures.pop(key, None)
            for req_id in charged - final:
                res = self.requirements[req_id]
                res.failed, res.cases = max(0, res.failed - 1), max(0, res.cases - 1)
        if kept:
            self._provisional[test_id] = kept

    def mark_unsupported(self, req_id: str, reason: str) -> None:
        """An Extended requirement the target does not implement (never a FAIL)."""
        with self._lock:
            self.requirements[req_id].unsupported_reason = reason

    def add_leftover(self, region: str, name: str, why: str) -> None:
        """A key pair the suite created and could not delete."""
        with self._lock:
            self.leftovers.append({"region": region, "name": name, "why": why})

    # -- verdict ---------------------------------------------------------------------------
    def status_of(self, req_id: str) -> Status:
        return self.requirements[req_id].status

    def verdict(self) -> str:
        """``conformant`` only if every Core requirement was exercised and passed and nothing failed."""
        statuses = [r.status for r in self.requirements.values()]
        if any(s is Status.FAIL for s in statuses):
            return Verdicts.NOT_CONFORMANT
        core = [self.requirements[i].status for i in contract.core_ids()]
        if all(s is Status.PASS for s in core):
            return Verdicts.CONFORMANT
        return Verdicts.INCOMPLETE

    # -- serialisation and merging (pytest-xdist) ---------------------------------------------
    def to_json(self) -> dict[str, Any]:
        with self._lock:
            reqs = [self.requirements[r.id].to_json() for r in contract.REQUIREMENTS]
            counts = Counter(r["status"] for r in reqs)
            return {
                "schema_version": SCHEMA_VERSION,
                "meta": dict(self.meta),
                "verdict": self.verdict(),
                "statistics": {
                    "requirements": len(reqs),
                    "by_status": dict(counts),
                    "exchanges": self.exchanges,
                    "failures": len(self.failures),
                },
                "tiers": tier_summary(reqs),
                "requirements": reqs,
                "failures": [f.to_json() for f in self.failures.values()],
                "profile": [
                    {"requirement": req, "question": q, "readings": dict(c)}
                    for (req, q), c in sorted(self.observations.items())
                ],
                "warnings": [{"message": w, "count": n} for w, n in sorted(self.warnings.items())],
                "capabilities": dict(self.capabilities),
                "leftovers": list(self.leftovers),
                "classes": self.classes_json(),
                "reading": ecs_observed.reading_json(
                    str(self.meta.get("reading", ecs_observed.DOCUMENTED)), self.relaxed, self.shared
                ),
            }

    def classes_json(self) -> dict[str, Any]:
        """Per requirement, every inventory class with how often it was sent (0: never drawn),
        and the labels the inventory does not list."""
        by_requirement: dict[str, list[dict[str, Any]]] = {}
        for cls in input_classes.INVENTORY:
            by_requirement.setdefault(cls.requirement, []).append(
                {"id": cls.id, "description": cls.description, "why": cls.why, "count": self.classes[cls.id]}
            )
        return {
            "requirements": [{"requirement": req, "classes": rows} for req, rows in by_requirement.items()],
            "unlisted": dict(sorted(self.unlisted.items())),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunResults:
        out = cls(meta=dict(data.get("meta", {})))
        for row in data.get("requirements", []):
            res = out.requirements[row["id"]]
            res.cases, res.passed = row["cases"], row["passed"]
            res.failed, res.errors = row["failed"], row["errors"]
            res.unsupported_reason = row.get("unsupported_reason")
        for f in data.get("failures", []):
            failure = Failure(**f)
            out.failures[f"{failure.test_id}::{failure.requirement}"] = failure
        for p in data.get("profile", []):
            out.observations[(p["requirement"], p["question"])] = Counter(p["readings"])
        for w in data.get("warnings", []):
            out.warnings[w["message"]] += w["count"]
        out.capabilities = dict(data.get("capabilities", {}))
        out.leftovers = list(data.get("leftovers", []))
        out.exchanges = data.get("statistics", {}).get("exchanges", 0)
        classes = data.get("classes", {})
        for group in classes.get("requirements", []):
            for row in group["classes"]:
                if row["count"]:
                    out.classes[row["id"]] += row["count"]
        out.unlisted.update(classes.get("unlisted", {}))
        reading = data.get("reading", {})
        out.relaxed.update({r["id"]: r["applied"] for r in reading.get("relaxations", []) if r["applied"]})
        out.shared.update(reading.get("shared_failures", {}))
        return out

    def merge(self, other: RunResults) -> None:
        """Fold a worker's results into this one."""
        with self._lock:
            for req_id, theirs in other.requirements.items():
                mine = self.requirements[req_id]
                mine.cases += theirs.cases
                mine.passed += theirs.passed
                mine.failed += theirs.failed
                mine.errors += theirs.errors
                mine.unsupported_reason = mine.unsupported_reason or theirs.unsupported_reason
            self.failures.update(other.failures)
            for key, counter in other.observations.items():
                self.observations.setdefault(key, Counter()).update(counter)
            self.warnings.update(other.warnings)
            for cap, value in other.capabilities.items():
                self.capabilities.setdefault(cap, value)
            self.leftovers.extend(other.leftovers)
            self.exchanges += other.exchanges
            self.classes.update(other.classes)
            self.unlisted.update(other.unlisted)
            self.relaxed.update(other.relaxed)
            self.shared.update(other.shared)


def tier_summary(reqs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Core, Extended and Profile results kept apart (Gateway API ConformanceReport style).

    ``result`` per tier: ``failure`` if any requirement FAILed, ``incomplete`` if any ERRORed
    or was NOT COVERED, ``success`` if all PASSed, ``partial`` for PASS mixed with UNSUPPORTED,
    ``unsupported`` if the target supports none of them. The run's verdict stays ``verdict()``.
    """
    out: dict[str, dict[str, Any]] = {}
    for tier in Tier:
        rows = [r for r in reqs if r["tier"] == tier.value]
        counts = Counter(r["status"] for r in rows)
        if counts[Status.FAIL.value]:
            result = "failure"
        elif counts[Status.ERROR.value] or counts[Status.NOT_COVERED.value]:
            result = "incomplete"
        elif counts[Status.PASS.value] == len(rows):
            result = "success"
        elif counts[Status.PASS.value]:
            result = "partial"
        else:
            result = "unsupported"
        out[tier.value.lower()] = {
            "result": result,
            "statistics": {
                "requirements": len(rows),
                "cases": sum(r["cases"] for r in rows),
                "by_status": dict(counts),
            },
            "failed": [r["id"] for r in rows if r["status"] == Status.FAIL.value],
            "errors": [r["id"] for r in rows if r["status"] == Status.ERROR.value],
            "unsupported": [r["id"] for r in rows if r["status"] == Status.UNSUPPORTED.value],
            "not_covered": [r["id"] for r in rows if r["status"] == Status.NOT_COVERED.value],
        }
    return out


# Where the plugin keeps the run's results on the pytest config (``config.stash[RESULTS_KEY]``).
def _stash_key() -> Any:
    import pytest

    return pytest.StashKey[RunResults]()


RESULTS_KEY = _stash_key()
