"""Extended requirements, checked when the target supports them: DescribeKeyPairs (IKP-X1),
DeleteKeyPairs (IKP-X2) and request signatures (IKP-X3). A target without them is reported
UNSUPPORTED for these, never failed."""

from __future__ import annotations

import dataclasses
import time
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import contract, oracle
from conformance.case import Case, Outcome, OutcomeKind
from conformance.exchange import BodyFormat, Transport
from conformance.runner.marks import requires
from conformance.runner.suite import Suite, simple_case
from conformance.target import Tamper
from strategies import cases
from strategies.samples import valid_part
from strategies.tags import Tag, flatten


@requires("IKP-X1")
@given(data=st.data())
def test_describe_lists_the_imported_key_pair(
    ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject
) -> None:
    """DescribeKeyPairs shows an imported key pair with its name, fingerprint, group and tags,
    in JSON and in XML."""
    _require_describe(ikp)
    case = data.draw(ikp.valid_cases(), label="case")
    # The name actually sent: freshen renames a name this run already used in any region or
    # any case (a case-sensitive check here let "...-D" through after "...-d", then the
    # listing was searched for a name that was never imported).
    _import_and_describe(ikp, ikp.freshen(case))


def _require_describe(ikp: Suite) -> None:
    if not ikp.capabilities.describe:
        ikp.results.mark_unsupported(
            "IKP-X1", ikp.capabilities.notes.get("DescribeKeyPairs", "no DescribeKeyPairs")
        )
        pytest.skip("the target has no DescribeKeyPairs (IKP-X1 UNSUPPORTED)")


def _import_and_describe(ikp: Suite, case: Case) -> None:
    """Import ``case`` (judged), then judge DescribeKeyPairs of its name in JSON and in XML."""
    name = case.params["KeyPairName"]
    exchange = ikp.expect(case)
    expected = oracle.ExpectedKeyPair.imported_by(case, exchange)
    _judge_listed(ikp, case, {name: expected})


def _judge_listed(ikp: Suite, case: Case | None, expected: dict[str, oracle.ExpectedKeyPair]) -> None:
    """DescribeKeyPairs of each expected name, in JSON and in XML, lists it as expected."""
    for name, want in expected.items():
        for body_format in (BodyFormat.JSON, BodyFormat.XML):
            listing = ikp.describe(ikp.region, body_format, KeyPairName=name)
            verdict = oracle.judge_describe(listing, region=ikp.region, expected={name: want})
            ikp.record(verdict, case, listing)
            ikp.check(verdict)


# Tags whose text must come back verbatim in either format: XML specials (an XML writer that
# does not escape them breaks its body) and 128 multi-byte characters (IKP-TG1, IKP-X1).
_VERBATIM_TAGS: dict[str, list[Tag]] = {
    "xml-specials": [(1, "a&b<c>", "R&D <core> \"q\" 'a' &amp;"), (2, "k]]>", "]]><x/>")],
    "multibyte-max": [(1, "\u952e" * contract.TAG_KEY_MAX_LENGTH, "\u00e9" * contract.TAG_VALUE_MAX_LENGTH)],
}


@requires("IKP-X1")
@pytest.mark.parametrize("row", sorted(_VERBATIM_TAGS))
def test_describe_shows_tags_verbatim(ikp: Suite, requirement_ids: tuple[str, ...], row: str) -> None:
    """Tags with XML specials or 128 multi-byte characters are listed exactly as imported."""
    _require_describe(ikp)
    base = simple_case(ikp.unique_name("verbatim"), ikp.region)
    part = valid_part(flatten(_VERBATIM_TAGS[row]), ("IKP-TG1",), f"tags:{row}")
    _import_and_describe(ikp, cases.recombine(base, part))


@requires("IKP-X2")
def test_delete_frees_the_name(ikp: Suite, requirement_ids: tuple[str, ...]) -> None:
    """After DeleteKeyPairs the name imports again (the model adds IKP-X2 to that case)."""
    if not ikp.capabilities.delete:
        ikp.results.mark_unsupported(
            "IKP-X2", ikp.capabilities.notes.get("DeleteKeyPairs", "no DeleteKeyPairs")
        )
        pytest.skip("the target has no DeleteKeyPairs (IKP-X2 UNSUPPORTED)")
    name = ikp.unique_name("del")
    ikp.expect(simple_case(name, ikp.region))
    ikp.delete_checked(ikp.region, [name])
    ikp.expect(simple_case(name, ikp.region), fresh=False)


@requires("IKP-X1", "IKP-X2")
def test_delete_removes_only_the_names_given(ikp: Suite, requirement_ids: tuple[str, ...]) -> None:
    """Deleting a name leaves the key pairs whose names it is a prefix of: they are still
    listed as imported (IKP-X1)."""
    if not ikp.capabilities.delete:
        pytest.skip("the target has no DeleteKeyPairs (IKP-X2 UNSUPPORTED)")
    _require_describe(ikp)
    name = ikp.unique_name("keep")
    kept: dict[str, oracle.ExpectedKeyPair] = {}
    for other in (name + "0", name + "-x"):
        case = simple_case(other, ikp.region)
        kept[other] = oracle.ExpectedKeyPair.imported_by(case, ikp.expect(case))
    ikp.expect(simple_case(name, ikp.region))
    ikp.delete_checked(ikp.region, [name])
    _judge_listed(ikp, None, kept)


# -- IKP-X3: signatures --------------------------------------------------------------------------


def _signed_case(ikp: Suite, rows: tuple[contract.ErrorRow, ...]) -> Case:
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


def _require_signatures(ikp: Suite) -> None:
    if ikp.config.credentials is None:
        ikp.results.mark_unsupported("IKP-X3", "no credentials in the environment: signatures not exercised")
        pytest.skip("no ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET: IKP-X3 UNSUPPORTED")
    if not _signatures_checked(ikp):
        ikp.results.mark_unsupported("IKP-X3", "the target accepts a wrong signature: it checks none")
        pytest.skip("the target does not check signatures (IKP-X3 UNSUPPORTED)")


@requires("IKP-X3", "IKP-T1")
@pytest.mark.parametrize(
    "transport", [Transport.GET, Transport.POST_FORM, Transport.V3], ids=["v1", "v1-form", "v3"]
)
def test_correct_signatures_are_accepted(
    ikp: Suite, requirement_ids: tuple[str, ...], transport: Transport
) -> None:
    """A correctly signed V1 (HMAC-SHA1) or V3 (ACS3-HMAC-SHA256) import succeeds."""
    _require_signatures(ikp)
    case = simple_case(ikp.unique_name("sigok"), ikp.region)
    # Both IDs: a failure here is a signature bug or a transport one (say, a form body ignored).
    reqs = (*case.requirements, "IKP-X3", "IKP-T1")
    ikp.expect(dataclasses.replace(case, requirements=reqs), transport=transport)


TAMPERING = {
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


@requires("IKP-X3")
@pytest.mark.parametrize("transport", [Transport.GET, Transport.V3], ids=["v1", "v3"])
@pytest.mark.parametrize("fault", sorted(TAMPERING))
def test_bad_signatures_are_rejected(
    ikp: Suite, requirement_ids: tuple[str, ...], fault: str, transport: Transport
) -> None:
    """A wrong signature, an unknown AccessKeyId, a timestamp more than 15 minutes off: each
    rejected with its code (and nothing stored)."""
    _require_signatures(ikp)
    make, rows = TAMPERING[fault]
    case = _signed_case(ikp, rows)
    exchange = ikp.target.import_key_pair(case.params, transport=transport, tamper=make())
    verdict = oracle.judge_import(case, exchange, strict_messages=False)
    ikp.model.observe(case, exchange)
    ikp.record(verdict, case, exchange)
    ikp.check(verdict)


@requires("IKP-X3")
@pytest.mark.parametrize("transport", [Transport.GET, Transport.V3], ids=["v1", "v3"])
def test_reused_nonce_is_rejected(ikp: Suite, requirement_ids: tuple[str, ...], transport: Transport) -> None:
    """The same SignatureNonce twice: the first request succeeds, the second gets
    SignatureNonceUsed."""
    _require_signatures(ikp)
    nonce = uuid.uuid4().hex
    first = simple_case(ikp.unique_name("nonce"), ikp.region)
    exchange = ikp.target.import_key_pair(first.params, transport=transport, tamper=Tamper(nonce=nonce))
    verdict = oracle.judge_import(first, exchange)
    ikp.model.observe(first, exchange)
    ikp.record(verdict, first, exchange)
    ikp.check(verdict)
    time.sleep(0.01)
    second = _signed_case(ikp, (contract.SIGNATURE_NONCE_USED,))
    exchange = ikp.target.import_key_pair(second.params, transport=transport, tamper=Tamper(nonce=nonce))
    verdict = oracle.judge_import(second, exchange)
    ikp.model.observe(second, exchange)
    ikp.record(verdict, second, exchange)
    ikp.check(verdict)
