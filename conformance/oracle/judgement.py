"""What every judgement of the oracle shares: the accumulator, the answer the checks read,
and the readings of an exchange that more than one judgement makes.

- ``Judgement`` accumulates what one judgement exercised and found (failures charged to a
  requirement, warnings, Profile observations) and turns it into a ``Verdict``.
- ``Answer`` is one ImportKeyPair answer as the per-rule checks read it (``imports.CHECKS``);
  ``Check`` is the shape of such a check.
- ``not_a_verdict``: ERROR for an exchange that says nothing about the contract (no answer,
  or one the retry rule still calls retryable).
- ``is_error_body``, ``got_label``, ``text``: how the judgements read an answer.
- ``describe_outcomes``: the report's labels of a set of acceptable outcomes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from conformance.case import Case, Outcome, OutcomeKind
from conformance.exchange import Exchange
from conformance.target import retry
from conformance.verdict import Observation, Status, Verdict

# Requirement IDs the oracle charges (spelled once here; contract.py is the source).
T2, T3, T4, T5 = "IKP-T2", "IKP-T3", "IKP-T4", "IKP-T5"
R1, R2, R3 = "IKP-R1", "IKP-R2", "IKP-R3"
S3, X1, X2 = "IKP-S3", "IKP-X1", "IKP-X2"


def text(value: Any) -> str | None:
    """A scalar field as text (JSON numbers included), None when absent or structured."""
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _outcome_order(o: Outcome) -> tuple[int, int, str]:
    kinds = {OutcomeKind.SUCCESS: 0, OutcomeKind.ERROR: 1, OutcomeKind.ANY_CLIENT_ERROR: 2}
    return (kinds[o.kind], o.status or 0, o.code or "")


def describe_outcomes(outcomes: Iterable[Outcome]) -> list[str]:
    """Human labels of ``outcomes`` for the report, deduplicated, in a stable order:
    ``["200 success", "400 InvalidKeyPairName.Malformed", "4xx (any code)"]``."""
    return list(dict.fromkeys(o.label() for o in sorted(outcomes, key=_outcome_order)))


@dataclass
class Judgement:
    """Accumulates what one judgement checked and found."""

    requirements: list[str]
    failures: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)

    def exercised(self, *req_ids: str) -> None:
        for req_id in req_ids:
            if req_id not in self.requirements:
                self.requirements.append(req_id)

    def fail(self, req_id: str, reason: str) -> None:
        self.exercised(req_id)
        if (req_id, reason) not in self.failures:
            self.failures.append((req_id, reason))

    def verdict(self) -> Verdict:
        reasons = tuple(dict.fromkeys(f"{req}: {why}" for req, why in self.failures))
        return Verdict(
            status=Status.FAIL if self.failures else Status.PASS,
            requirements=tuple(self.requirements),
            reasons=reasons,
            failed_requirements=tuple(self.failures),
            warnings=tuple(dict.fromkeys(self.warnings)),
            observations=tuple(self.observations),
        )


@dataclass(frozen=True)
class Answer:
    """One ImportKeyPair answer as the checks read it: the case, the exchange, and what the
    judge worked out once for all of them."""

    case: Case
    exchange: Exchange
    outcomes: frozenset[Outcome]  # the acceptable set (``case.outcomes`` or the model's)
    status: int
    parsed_ok: bool  # the body parsed as JSON or XML
    error_body: bool  # ``is_error_body``
    matched: tuple[Outcome, ...]  # the acceptable outcomes the answer is
    strict_messages: bool  # IKP-R3 fails instead of warning
    # The observed reading's relaxation applies (``readings.py``): a success is judged for its
    # fields, its fingerprint's value is not (real ECS fingerprints a body it cannot parse).
    relaxed: bool = False

    def field(self, name: str) -> str | None:
        """The top-level field ``name`` of the body as text."""
        return text(self.exchange.field(name))


# One rule's check of one answer: it records what it exercised and found in the Judgement,
# and does nothing when the rule does not apply to the answer.
Check = Callable[[Answer, Judgement], None]


def not_a_verdict(exchange: Exchange, requirements: Iterable[str]) -> Verdict | None:
    """ERROR for an exchange that says nothing about the contract, else None."""
    if exchange.transport_error or exchange.status is None:
        why = exchange.transport_error or "no response"
        return Verdict(Status.ERROR, tuple(requirements), reasons=(f"no verdict: {why}",))
    code = text(exchange.field("Code"))
    if retry.is_retryable(exchange.action, exchange.status, exchange.parsed):
        return Verdict(
            Status.ERROR,
            tuple(requirements),
            reasons=(f"no verdict: {exchange.status} {code} after {exchange.attempts} attempt(s)",),
        )
    return None


def is_error_body(exchange: Exchange) -> bool:
    """Whether the response is an error (``exchange.is_error_answer``): any non-2xx status, or
    a 2xx whose body is an error (an XML ``<Error>`` root, or a ``Code`` without the success
    fields: what IKP-T4 forbids). A 200 with the success fields and a ``Code`` is a success."""
    return exchange.status is None or exchange.is_error


def got_label(exchange: Exchange, error_body: bool) -> str:
    """The answer as the reasons name it: ``200 success``, ``400 InvalidKeyPairName.Malformed``,
    ``200 (no Code) (error body with a success status)``, ``500 (unparseable body)``."""
    status = exchange.status
    code = text(exchange.field("Code"))
    if exchange.parsed.syntax is None:
        return f"{status} (unparseable body)"
    if not error_body:
        return f"{status} success" if status == 200 else f"{status} (success body)"
    if status is not None and 200 <= status < 300:
        return f"{status} {code or '(no Code)'} (error body with a success status)"
    return f"{status} {code}" if code else f"{status} (no Code)"
