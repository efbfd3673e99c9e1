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
from conformance.exchange import Transport
from conformance.runner.extended import (
    TAMPERING,
    import_and_describe,
    judge_listed,
    require_delete,
    require_describe,
    require_signatures,
    send_signed,
    signed_case,
)
from conformance.runner.marks import requires
from conformance.runner.session import Suite
from conformance.runner.simple import simple_case
from conformance.target import Tamper
from strategies import cases
from strategies.rows import VERBATIM_TAGS, verbatim_tag_part


@requires("IKP-X1")
@given(data=st.data())
def test_describe_lists_the_imported_key_pair(
    ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject
) -> None:
    """DescribeKeyPairs shows an imported key pair with its name, fingerprint, group and tags,
    in JSON and in XML."""
    require_describe(ikp)
    case = data.draw(ikp.valid_cases(), label="case")
    # The name actually sent: freshen renames a name this run already used in any region or
    # any case (a case-sensitive check here let "...-D" through after "...-d", then the
    # listing was searched for a name that was never imported).
    import_and_describe(ikp, ikp.freshen(case))


@requires("IKP-X1")
@pytest.mark.parametrize("row", sorted(VERBATIM_TAGS))
def test_describe_shows_tags_verbatim(ikp: Suite, requirement_ids: tuple[str, ...], row: str) -> None:
    """Tags with XML specials or 128 multi-byte characters are listed exactly as imported."""
    require_describe(ikp)
    base = simple_case(ikp.unique_name("verbatim"), ikp.region)
    import_and_describe(ikp, cases.recombine(base, verbatim_tag_part(row)))


@requires("IKP-X2")
def test_delete_frees_the_name(ikp: Suite, requirement_ids: tuple[str, ...]) -> None:
    """After DeleteKeyPairs the name imports again (the model adds IKP-X2 to that case)."""
    require_delete(ikp)
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
    require_describe(ikp)
    name = ikp.unique_name("keep")
    kept: dict[str, oracle.ExpectedKeyPair] = {}
    for other in (name + "0", name + "-x"):
        case = simple_case(other, ikp.region)
        kept[other] = oracle.ExpectedKeyPair.imported_by(case, ikp.expect(case))
    ikp.expect(simple_case(name, ikp.region))
    ikp.delete_checked(ikp.region, [name])
    judge_listed(ikp, None, kept)


# -- IKP-X3: signatures --------------------------------------------------------------------------


@requires("IKP-X3", "IKP-T1")
@pytest.mark.parametrize(
    "transport", [Transport.GET, Transport.POST_FORM, Transport.V3], ids=["v1", "v1-form", "v3"]
)
def test_correct_signatures_are_accepted(
    ikp: Suite, requirement_ids: tuple[str, ...], transport: Transport
) -> None:
    """A correctly signed V1 (HMAC-SHA1) or V3 (ACS3-HMAC-SHA256) import succeeds."""
    require_signatures(ikp)
    case = simple_case(ikp.unique_name("sigok"), ikp.region)
    # Both IDs: a failure here is a signature bug or a transport one (say, a form body ignored).
    reqs = (*case.requirements, "IKP-X3", "IKP-T1")
    ikp.expect(dataclasses.replace(case, requirements=reqs), transport=transport)


@requires("IKP-X3")
@pytest.mark.parametrize("transport", [Transport.GET, Transport.V3], ids=["v1", "v3"])
@pytest.mark.parametrize("fault", sorted(TAMPERING))
def test_bad_signatures_are_rejected(
    ikp: Suite, requirement_ids: tuple[str, ...], fault: str, transport: Transport
) -> None:
    """A wrong signature, an unknown AccessKeyId, a timestamp more than 15 minutes off: each
    rejected with its code (and nothing stored)."""
    require_signatures(ikp)
    make, rows = TAMPERING[fault]
    send_signed(ikp, signed_case(ikp, rows), transport, make(), strict_messages=False)


@requires("IKP-X3")
@pytest.mark.parametrize("transport", [Transport.GET, Transport.V3], ids=["v1", "v3"])
def test_reused_nonce_is_rejected(ikp: Suite, requirement_ids: tuple[str, ...], transport: Transport) -> None:
    """The same SignatureNonce twice: the first request succeeds, the second gets
    SignatureNonceUsed."""
    require_signatures(ikp)
    nonce = uuid.uuid4().hex
    send_signed(ikp, simple_case(ikp.unique_name("nonce"), ikp.region), transport, Tamper(nonce=nonce))
    time.sleep(0.01)
    send_signed(ikp, signed_case(ikp, (contract.SIGNATURE_NONCE_USED,)), transport, Tamper(nonce=nonce))
