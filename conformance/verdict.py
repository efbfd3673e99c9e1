"""The judgement of one exchange: ``Verdict`` and its ``Status`` ladder.

The oracle returns Verdicts; the results model aggregates them per requirement.
Status ladder (worst first, OCI conformance style): FAIL > ERROR > UNSUPPORTED > PASS.
A requirement no case exercised is NOT_COVERED.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """Outcome of a check or of a requirement."""

    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"  # not a verdict on the contract: connection refused, retries exhausted, suite bug
    UNSUPPORTED = "UNSUPPORTED"  # Extended requirement the target does not implement
    NOT_COVERED = "NOT COVERED"  # no case exercised the requirement

    @property
    def severity(self) -> int:
        """Higher is worse; combining statuses keeps the worst."""
        return _SEVERITY[self]


_SEVERITY = {
    Status.PASS: 0,
    Status.NOT_COVERED: 1,
    Status.UNSUPPORTED: 2,
    Status.ERROR: 3,
    Status.FAIL: 4,
}


@dataclass(frozen=True)
class Observation:
    """A Profile reading seen on the target: which answer it chose for an AMBIGUOUS point."""

    requirement: str  # e.g. "IKP-N5"
    question: str  # e.g. "'.' in a name"
    reading: str  # e.g. "accepted" / "400 InvalidKeyPairName.Malformed"

    def to_json(self) -> dict[str, Any]:
        return {"requirement": self.requirement, "question": self.question, "reading": self.reading}


@dataclass(frozen=True)
class Verdict:
    """PASS, FAIL (with reasons) or ERROR for one exchange, plus what it taught us."""

    status: Status
    requirements: tuple[str, ...]
    reasons: tuple[str, ...] = ()
    # Failures charged to a specific requirement (e.g. a missing RequestId fails IKP-T3
    # even when the case exercises IKP-N2): requirement ID -> reason.
    failed_requirements: tuple[tuple[str, str], ...] = ()
    warnings: tuple[str, ...] = ()  # message mismatches (IKP-R3) unless --strict-messages
    observations: tuple[Observation, ...] = field(default_factory=tuple)
    # Observed-evidence IDs (``conformance/observed.py``) that decided this verdict: a
    # relaxation the observed reading applied (PASS), or a failure of the documented reading
    # that real ECS was observed sharing (FAIL).
    evidence: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return self.status is Status.PASS

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "requirements": list(self.requirements),
            "reasons": list(self.reasons),
            "failed_requirements": [list(p) for p in self.failed_requirements],
            "warnings": list(self.warnings),
            "observations": [o.to_json() for o in self.observations],
            **({"evidence": list(self.evidence)} if self.evidence else {}),
        }
