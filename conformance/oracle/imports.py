"""The judgement of one ImportKeyPair answer: ``judge_import`` and its table of checks.

The oracle never re-validates the request. The ``Case`` says which outcomes are acceptable
(the strategies know why a name or a key is invalid); the state model (``model.py``) adjusts
that set for duplicates and the quota (``TargetModel.adjust``). The judge only checks that
the response is *one of* those outcomes (requirements.md, "Outcome of a request") and that
it is well formed (IKP-T2..T5, IKP-R1..R3), and judges only what the contract says: the
body, not the Content-Type header (IKP-T2); a 200 with the success fields is a success even
with an extra ``Code`` (IKP-R1); either fingerprint form of IKP-R2.

``CHECKS`` lists the checks of one answer, one per rule, in the order they run (the order
of the verdict's failures, warnings and observations). Each is a plain function
(``judgement.Check``) that charges what it finds to the requirement it breaks, so one wrong
answer fails the requirement it breaks and not the others:

- ``IKP-T2 syntax`` (``syntax.body_syntax``): body syntax vs the requested ``Format``. A
  Content-Type that contradicts the body is only a warning. A body that parses as neither
  JSON nor XML fails IKP-T2 and IKP-T4 only (its missing RequestId is not charged again).
- ``IKP-T3 RequestId`` (``syntax.request_id``): a non-empty ``RequestId``.
- ``IKP-T4 error shape`` (``syntax.error_shape``): ``Code``, ``Message``, XML root ``Error``,
  error status 4xx/5xx and never 200; success XML root ``ImportKeyPairResponse``.
- ``IKP-T5 no 5xx`` (``syntax.no_server_error``): any 5xx (the suite only sends generated
  requests).
- ``outcome``: status and Code outside the acceptable set fail the requirement of the part
  of the request the answer contradicts (``attribution.blame``: the code names the
  parameter, the case knows which part exercises which requirement, the model's outcomes
  say whether the name exists or the region is full); every requirement of the case only
  when no part is to blame. A Profile case never fails for choosing a legal reading (the
  reading is recorded), but an answer outside the set is no legal reading.
- ``IKP-R3 message``: the documented ``Message`` of the matched code; a warning unless
  ``strict_messages``.
- ``IKP-R1 fields``: a success is a 200 that echoes ``KeyPairName``.
- ``IKP-R2 fingerprint`` (``fingerprints.check_fingerprint``): ``KeyPairFingerPrint`` is
  acceptable, with or without colons (the Profile records which form).

The reading (``readings.py``): ``documented`` (the default) judges by the contract as written;
``observed`` also accepts what real ECS was seen doing where the evidence is strong. For a case
the observed relaxation covers (``readings.relaxation_for``: a broken key of the shape real ECS
accepted, the request's only fault), both readings are judged: the observed one adds success
to the acceptable set (a non-empty fingerprint, its value not judged). The verdict of the run's
reading is returned, carrying the evidence ID when the readings disagree (``Verdict.evidence``:
under ``observed`` the relaxation that passed it, under ``documented`` the evidence that real
ECS shares the failure).

Before the checks, an exchange that says nothing about the contract (no response,
``transport_error``, or an answer the retry rule still calls retryable: ``retry.is_retryable``)
is ERROR, never PASS or FAIL (requirements.md, "What the suite itself promises"), and no
transport requirement counts as exercised.
"""

from __future__ import annotations

import dataclasses
import re

from conformance import contract
from conformance.case import Case, Outcome, OutcomeKind
from conformance.contract import Tier
from conformance.exchange import Exchange
from conformance.oracle import attribution, readings, syntax
from conformance.oracle.fingerprints import check_fingerprint
from conformance.oracle.judgement import (
    R1,
    R3,
    Answer,
    Check,
    Judgement,
    describe_outcomes,
    got_label,
    is_error_body,
    not_a_verdict,
    text,
)
from conformance.verdict import Observation, Status, Verdict

_REQ_ID_PREFIX = re.compile(r"^\s*(IKP-[A-Z]+\d+)\s*[:\-]?\s*")


def _matches(outcome: Outcome, exchange: Exchange, error_body: bool) -> bool:
    """Whether the response is ``outcome``; a body no client can read matches nothing."""
    status = exchange.status
    code = text(exchange.field("Code"))
    if exchange.parsed.syntax is None:
        return False
    if outcome.kind is OutcomeKind.SUCCESS:
        return status == 200 and not error_body
    if not error_body or not code or status is None:
        return False
    if outcome.kind is OutcomeKind.ANY_CLIENT_ERROR:
        return 400 <= status <= 499
    return status == outcome.status and code == outcome.code


def _profile_requirement(case: Case) -> tuple[str, str]:
    """(requirement ID, question) of ``case.profile`` ("IKP-N5: '.' in a name")."""
    question = case.profile or ""
    match = _REQ_ID_PREFIX.match(question)
    if match and match.group(1) in contract.REQUIREMENTS_BY_ID:
        return match.group(1), question[match.end() :] or question
    for req_id in case.requirements:
        req = contract.REQUIREMENTS_BY_ID.get(req_id)
        if req is not None and req.tier is Tier.PROFILE:
            return req_id, question
    return (case.requirements[0] if case.requirements else ""), question


def outcome(answer: Answer, j: Judgement) -> None:
    """The case's requirements: status and Code within the acceptable set, charged to the
    part of the request a wrong answer contradicts; a Profile case records its reading."""
    case, exchange = answer.case, answer.exchange
    if not answer.matched:
        got = got_label(exchange, answer.error_body)
        reason = f"expected one of [{', '.join(describe_outcomes(answer.outcomes))}], got {got}"
        culprit = attribution.blame(
            case,
            frozenset(answer.outcomes),
            success=answer.parsed_ok and not answer.error_body,
            code=answer.field("Code") if answer.parsed_ok and answer.error_body else None,
            message=answer.field("Message"),
            transport=exchange.transport,
        )
        if culprit.why:
            reason = f"{reason} ({culprit.why})"
        for req_id in culprit.requirements:
            j.fail(req_id, reason)
    elif case.profile:
        req_id, question = _profile_requirement(case)
        reading = "accepted" if not answer.error_body else f"{answer.status} {answer.field('Code')}"
        j.observations.append(Observation(req_id, question, reading))


def message(answer: Answer, j: Judgement) -> None:
    """IKP-R3: an acceptable error's Message is the documented text of the matched code."""
    if not answer.error_body:
        return
    documented = [o.message for o in answer.matched if o.kind is OutcomeKind.ERROR and o.message is not None]
    if not documented:
        return
    j.exercised(R3)
    said = answer.field("Message")
    if said in documented:
        return
    code = answer.field("Code")
    why = f"{answer.status} {code} Message {said!r} differs from the documented {documented[0]!r}"
    if answer.strict_messages:
        j.fail(R3, why)
    else:
        j.warnings.append(f"{R3}: {why}")


def _is_success_body(answer: Answer) -> bool:
    return answer.parsed_ok and not answer.error_body


def success_fields(answer: Answer, j: Judgement) -> None:
    """IKP-R1: a success is a 200 that echoes the ``KeyPairName`` sent."""
    if not _is_success_body(answer):
        return
    j.exercised(R1)
    if answer.status != 200:
        j.fail(R1, f"success with HTTP {answer.status}, not 200")
    sent = answer.case.params.get("KeyPairName")
    name = answer.field("KeyPairName")
    if name is None:
        j.fail(R1, "success without KeyPairName")
    elif name != sent:
        j.fail(R1, f"KeyPairName {name!r} is not the name sent {sent!r}")


def fingerprint(answer: Answer, j: Judgement) -> None:
    """IKP-R2: a success's ``KeyPairFingerPrint`` (``fingerprints.check_fingerprint``); under
    the observed relaxation only its presence (IKP-R1), not its value."""
    if not _is_success_body(answer):
        return
    if answer.relaxed:
        if not answer.field("KeyPairFingerPrint"):
            j.fail(R1, "success without a KeyPairFingerPrint (a field every success carries)")
        return
    check_fingerprint(answer.case, answer.field("KeyPairFingerPrint"), j)


# The checks of one ImportKeyPair answer, by name, in the order ``judge_import`` runs them.
CHECKS: dict[str, Check] = {
    "IKP-T2 syntax": syntax.body_syntax,
    "IKP-T3 RequestId": syntax.request_id,
    "IKP-T4 error shape": syntax.error_shape,
    "IKP-T5 no 5xx": syntax.no_server_error,
    "outcome": outcome,
    "IKP-R3 message": message,
    "IKP-R1 fields": success_fields,
    "IKP-R2 fingerprint": fingerprint,
}


def judge_import(
    case: Case,
    exchange: Exchange,
    *,
    expected: frozenset[Outcome] | None = None,
    strict_messages: bool = False,
    reading: str = readings.DOCUMENTED,
) -> Verdict:
    """Judge one ImportKeyPair exchange: run ``CHECKS`` in order.

    ``expected`` replaces ``case.outcomes`` as the acceptable set when given.
    ``strict_messages`` turns IKP-R3 warnings into failures. ``reading``: ``documented`` or
    ``observed`` (module docstring). The verdict lists every requirement the exchange
    exercised: the case's IDs, IKP-T2..T5 on every response, IKP-R1/R2 on a success, IKP-R3
    when an error's documented message was compared; failures are charged to the requirement
    they break (an answer outside the acceptable set: ``attribution.blame``).
    """
    if reading not in readings.READINGS:
        raise ValueError(f"unknown reading {reading!r} (one of {', '.join(readings.READINGS)})")
    outcomes = case.outcomes if expected is None else expected
    if not case.requirements or not outcomes:
        # A suite bug, not a verdict: a wrong answer would have no requirement to fail.
        why = "names no requirement" if not case.requirements else "has no acceptable outcome"
        return Verdict(Status.ERROR, case.requirements, reasons=(f"suite bug: the case {why}",))
    stop = not_a_verdict(exchange, case.requirements)
    if stop is not None:
        return stop
    documented = _judge(case, exchange, outcomes, strict_messages, relaxed=False)
    evidence = readings.relaxation_for(case)
    if evidence is None:
        return documented
    observed = _judge(case, exchange, outcomes | {Outcome.success()}, strict_messages, relaxed=True)
    if documented.status is observed.status:
        return observed if reading == readings.OBSERVED else documented
    chosen = observed if reading == readings.OBSERVED else documented
    return dataclasses.replace(chosen, evidence=(evidence.id,))


def _judge(
    case: Case, exchange: Exchange, outcomes: frozenset[Outcome], strict_messages: bool, *, relaxed: bool
) -> Verdict:
    assert exchange.status is not None  # not_a_verdict returned ERROR otherwise
    error_body = is_error_body(exchange)
    answer = Answer(
        case=case,
        exchange=exchange,
        outcomes=outcomes,
        status=exchange.status,
        parsed_ok=exchange.parsed.syntax is not None,
        error_body=error_body,
        matched=tuple(o for o in outcomes if _matches(o, exchange, error_body)),
        strict_messages=strict_messages,
        relaxed=relaxed,
    )
    j = Judgement(list(dict.fromkeys(case.requirements)))
    for check in CHECKS.values():
        check(answer, j)
    return j.verdict()
