"""Helpers of the Extended requirements' tests: what to do when the target lacks an operation
(``require_describe``, ``require_delete``, ``require_signatures``: mark the requirement
UNSUPPORTED and skip), judging DescribeKeyPairs of imported key pairs (``import_and_describe``,
``judge_listed``; IKP-X1), and signed requests (``signed_case``, ``TAMPERING``,
``send_signed``; IKP-X3)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from conformance import contract, oracle
from conformance.case import Case, Outcome, OutcomeKind
from conformance.exchange import BodyFormat, Transport
from conformance.runner.session import Suite
from conformance.runner.simple import simple_case
from conformance.target import Tamper


def require_describe(ikp: Suite) -> None:
    """Skip (IKP-X1 UNSUPPORTED) against a target without DescribeKeyPairs."""
    if not ikp.capabilities.describe:
        ikp.results.mark_unsupported(
            "IKP-X1", ikp.capabilities.notes.get(contract.ACTION_DESCRIBE, "no DescribeKeyPairs")
        )
        pytest.skip("the target has no DescribeKeyPairs (IKP-X1 UNSUPPORTED)")


def require_delete(ikp: Suite) -> None:
    """Skip (IKP-X2 UNSUPPORTED) against a target without DeleteKeyPairs."""
    if not ikp.capabilities.delete:
        ikp.results.mark_unsupported(
            "IKP-X2", ikp.capabilities.notes.get(contract.ACTION_DELETE, "no DeleteKeyPairs")
        )
        pytest.skip("the target has no DeleteKeyPairs (IKP-X2 UNSUPPORTED)")


def import_and_describe(ikp: Suite, case: Case) -> None:
    """Import ``case`` (judged), then judge DescribeKeyPairs of its name in JSON and in XML."""
    name = case.params["KeyPairName"]
    exchange = ikp.expect(case)
    expected = oracle.ExpectedKeyPair.imported_by(case, exchange)
    judge_listed(ikp, case, {name: expected})


def judge_listed(ikp: Suite, case: Case | None, expected: dict[str, oracle.ExpectedKeyPair]) -> None:
    """DescribeKeyPairs of each expected name, in JSON and in XML, lists it as expected."""
    for name, want in expected.items():
        for body_format in (BodyFormat.JSON, BodyFormat.XML):
            listing = ikp.describe(ikp.region, body_format, KeyPairName=name)
            verdict = oracle.judge_describe(listing, region=ikp.region, expected={name: want})
            ikp.record(verdict, case, listing)
            ikp.check(verdict)


# -- IKP-X3: signatures --------------------------------------------------------------------------


def signed_case(ikp: Suite, rows: tuple[contract.ErrorRow, ...]) -> Case:
    """A valid import whose only acceptable answers are the given signature errors (any
    status the row's code has been seen with: ECS tables disagree on 400 vs 404)."""
    base = simple_case(ikp.unique_name("sig"), ikp.region)
    outcomes = frozenset(
        Outcome(OutcomeKind.ERROR, status, row.code, None) for row in rows for status in {row.status, 400}
    )
    # No parts: whatever else the answer gets wrong, a signature test charges IKP-X3.
    return dataclasses.replace(base, outcomes=outcomes, requirements=("IKP-X3",), fingerprints={}, parts=())


def _signatures_checked(ikp: Suite) -> bool:
    """Probe once: does the target reject a wrong signature? (No credentials: unknown.)"""
    caps = ikp.capabilities
    if caps.signatures_checked is None and ikp.config.credentials is not None:
        probe = simple_case(ikp.unique_name("sigprobe"), ikp.region)
        exchange = ikp.target.import_key_pair(probe.params, tamper=Tamper(wrong_signature=True))
        ikp.model.observe(probe, exchange)
        caps.signatures_checked = exchange.status is not None and 400 <= exchange.status < 500
        ikp.results.capabilities["signature checks"] = caps.signatures_checked
    return bool(caps.signatures_checked)


def require_signatures(ikp: Suite) -> None:
    """Skip (IKP-X3 UNSUPPORTED) without credentials or against a target checking none."""
    if ikp.config.credentials is None:
        ikp.results.mark_unsupported("IKP-X3", "no credentials in the environment: signatures not exercised")
        pytest.skip("no ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET: IKP-X3 UNSUPPORTED")
    if not _signatures_checked(ikp):
        ikp.results.mark_unsupported("IKP-X3", "the target accepts a wrong signature: it checks none")
        pytest.skip("the target does not check signatures (IKP-X3 UNSUPPORTED)")


# fault -> (the tampering, the signature errors it must get)
TAMPERING: dict[str, tuple[Callable[[], Tamper], tuple[contract.ErrorRow, ...]]] = {
    "wrong-signature": (lambda: Tamper(wrong_signature=True), (contract.SIGNATURE_DOES_NOT_MATCH,)),
    "unknown-key-id": (lambda: Tamper(access_key_id="ikpUnknownKeyId0000"), (contract.ACCESS_KEY_NOT_FOUND,)),
    "stale-timestamp": (
        lambda: Tamper(timestamp_shift=-(contract.TIMESTAMP_SKEW_SECONDS + 60)),
        (contract.TIMESTAMP_EXPIRED,),
    ),
    "future-timestamp": (
        lambda: Tamper(timestamp_shift=contract.TIMESTAMP_SKEW_SECONDS + 60),
        (contract.TIMESTAMP_EXPIRED,),
    ),
}


def send_signed(
    ikp: Suite, case: Case, transport: Transport, tamper: Tamper, *, strict_messages: bool | None = None
) -> None:
    """Send ``case`` signed with ``tamper`` applied (no freshening, no model adjustment: the
    case says what it expects), judge it, fold it into the model, record it and check it.
    ``strict_messages``: passed to the oracle when given, else the oracle's default."""
    exchange = ikp.target.import_key_pair(case.params, transport=transport, tamper=tamper)
    if strict_messages is None:
        verdict = oracle.judge_import(case, exchange)
    else:
        verdict = oracle.judge_import(case, exchange, strict_messages=strict_messages)
    ikp.model.observe(case, exchange)
    ikp.record(verdict, case, exchange)
    ikp.check(verdict)
