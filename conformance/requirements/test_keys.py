"""PublicKeyBody: IKP-K1..K5 and the fingerprint IKP-R2, for every documented key type."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance import contract
from conformance.case import Case
from conformance.runner.marks import requires
from conformance.runner.session import Suite
from strategies import cases, classes
from strategies.authorities import CA_KINDS
from strategies.bodies import PROFILE_FAMILIES, profile_keys, valid_keys
from strategies.broken import BROKEN_FAMILIES, broken_keys
from strategies.encodings import optional_comments
from strategies.keys import ed25519_keys, rsa_keys
from strategies.samples import KeySample
from strategies.seeded import one_line_sample, undocumented_line_sample


def _with_key(ikp: Suite, data: st.DataObject, key: KeySample) -> Case:
    """A valid request around ``key`` (valid name, region, tags)."""
    return cases.combine([*data.draw(ikp.valid_parts(), label="request"), key])


@requires("IKP-K2", "IKP-R2")
@pytest.mark.parametrize("key_type", contract.PLAIN_KEY_TYPES)
@given(data=st.data())
def test_plain_keys_are_accepted(
    ikp: Suite, requirement_ids: tuple[str, ...], key_type: str, data: st.DataObject
) -> None:
    """Each plain type, one-line, with and without a comment: 200 and the MD5 of the blob."""
    case = data.draw(
        ikp.valid_cases(key_types=(key_type,)),
        label="case",
    )
    ikp.expect_each_way(case)


@requires("IKP-K2", "IKP-R2")
@pytest.mark.parametrize("bits", contract.RSA_KEY_SIZES)
@given(data=st.data())
def test_every_rsa_size(ikp: Suite, requirement_ids: tuple[str, ...], bits: int, data: st.DataObject) -> None:
    """ssh-rsa keys of 1024, 2048, 3072 and 4096 bits are all accepted."""
    key = data.draw(rsa_keys((bits,)), label="key")
    comment = data.draw(optional_comments(), label="comment")
    ikp.expect_each_way(_with_key(ikp, data, one_line_sample(key, f"rsa-{bits}", comment)))


@requires("IKP-K2", "IKP-R2")
@pytest.mark.parametrize("cert_type", contract.CERTIFICATE_KEY_TYPES)
@given(data=st.data())
def test_certificates_are_accepted(
    ikp: Suite, requirement_ids: tuple[str, ...], cert_type: str, data: st.DataObject
) -> None:
    """Every certificate type (v00 and v01), signed by any kind of CA: accepted, with the
    certified key's fingerprint or the whole blob's (the profile records which)."""
    key = data.draw(valid_keys((cert_type,)), label="key")
    ikp.expect_each_way(_with_key(ikp, data, key))


@requires("IKP-K2", "IKP-R2")
@pytest.mark.parametrize("ca_kind", CA_KINDS)
@given(data=st.data())
def test_certificates_by_every_kind_of_ca(
    ikp: Suite, requirement_ids: tuple[str, ...], ca_kind: str, data: st.DataObject
) -> None:
    """Certificates of any documented type signed by each kind of CA (RSA, DSA, ECDSA,
    Ed25519), so every CA kind is exercised whatever the example budget (v00 only with the
    RSA and DSA CAs its format defined: IKP-K2; the others are IKP-K5)."""
    key = data.draw(valid_keys(contract.CERTIFICATE_KEY_TYPES, (ca_kind,)), label="key")
    ikp.expect_each_way(_with_key(ikp, data, key))


# One row per one-line form of each documented type (IKP-K2 classes of ``strategies/classes.py``):
# the drawn tests above choose the comment at random, a row sends each form for sure.
VALID_ROWS = [
    c.id.removeprefix("key:") for c in classes.classes_of("IKP-K2") if c.id.startswith("key:openssh")
]


@requires("IKP-K2", "IKP-R2")
@pytest.mark.parametrize("row", VALID_ROWS)
@settings(max_examples=1)
@given(data=st.data())
def test_valid_key_rows(ikp: Suite, requirement_ids: tuple[str, ...], row: str, data: st.DataObject) -> None:
    """Each documented type once without and once with a comment: 200 and the right fingerprint."""
    form, key_type = row.split("@", 1)
    key = data.draw(valid_keys((key_type,), with_comment=form == "openssh-comment"), label="key")
    assert key.label() == f"key:{row}"
    ikp.expect(_with_key(ikp, data, key))


@requires("IKP-K3")
@given(data=st.data())
def test_broken_keys_are_rejected(ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject) -> None:
    """Not a key, bad base64, truncated, trailing bytes, type/curve mismatch, off-curve
    points, undocumented types, private keys, broken certificates -> Malformed."""
    key = data.draw(broken_keys(), label="key")
    ikp.expect_each_way(_with_key(ikp, data, key))


@requires("IKP-K3")
@pytest.mark.parametrize("key_type", contract.DOCUMENTED_KEY_TYPES)
@given(data=st.data())
def test_broken_keys_of_each_type(
    ikp: Suite, requirement_ids: tuple[str, ...], key_type: str, data: st.DataObject
) -> None:
    """The ways to break a key of each documented type, type by type."""
    key = data.draw(broken_keys((key_type,)), label="key")
    ikp.expect_each_way(_with_key(ikp, data, key))


@requires("IKP-K3")
@pytest.mark.parametrize("family", sorted(BROKEN_FAMILIES))
@given(data=st.data())
def test_broken_keys_of_each_family(
    ikp: Suite, requirement_ids: tuple[str, ...], family: str, data: st.DataObject
) -> None:
    """Each way to break a key, family by family: a draw over all families reaches a given one
    (a pasted private key, an undocumented type) in only a few of the quick profile's examples."""
    key = data.draw(broken_keys(families=(family,)), label="key")
    ikp.expect_each_way(_with_key(ikp, data, key))


# One row per IKP-K3 class of the inventory (``strategies/classes.py``): each way to break each
# documented type, each undocumented type, each kind of non-key and pasted private key. A
# draw over types or families reaches a given pair in only some quick runs; a row always does.
BROKEN_ROWS = [c.id.removeprefix("key:") for c in classes.classes_of("IKP-K3")]


@requires("IKP-K3")
@pytest.mark.parametrize("row", BROKEN_ROWS)
@settings(max_examples=1)
@given(data=st.data())
def test_broken_key_rows(ikp: Suite, requirement_ids: tuple[str, ...], row: str, data: st.DataObject) -> None:
    """Each structural break of each documented type and certificate version, each
    undocumented type (a curve or type name differing only in case too) -> Malformed, once."""
    family, variant = row.split("@", 1)
    if BROKEN_FAMILIES[family].applies is None:
        key = data.draw(broken_keys(families=(family,), variant=variant), label="key")
    else:
        key = data.draw(broken_keys((variant,), (family,)), label="key")
    assert key.label() == f"key:{row}"
    ikp.expect(_with_key(ikp, data, key))


@requires("IKP-K4", "IKP-K5")
@pytest.mark.parametrize("family", sorted(PROFILE_FAMILIES))
@settings(max_examples=1)
@given(data=st.data())
def test_profile_key_rows(
    ikp: Suite, requirement_ids: tuple[str, ...], family: str, data: st.DataObject
) -> None:
    """Each IKP-K4 encoding and IKP-K5 variation once (ten draws over all of them miss some):
    accepted with the right fingerprint, or Malformed; the reading is recorded."""
    key = data.draw(profile_keys(families=(family,)), label="key")
    ikp.expect(_with_key(ikp, data, key))


@requires("IKP-K3")
@given(data=st.data())
def test_broken_keys_ed25519(ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject) -> None:
    """``ssh-ed25519`` (not in the documented list, and what a lenient mock most often takes)
    -> Malformed, every time (it is one of twelve names in the undocumented-type family)."""
    key = data.draw(ed25519_keys(), label="key")
    comment = data.draw(optional_comments(), label="comment")
    ikp.expect_each_way(_with_key(ikp, data, undocumented_line_sample(key, comment)))


@requires("IKP-K1")
@pytest.mark.parametrize("empty", [False, True], ids=["absent", "empty"])
@given(data=st.data())
def test_missing_key(ikp: Suite, requirement_ids: tuple[str, ...], empty: bool, data: st.DataObject) -> None:
    """No PublicKeyBody, or an empty one -> MissingParameter."""
    parts = data.draw(ikp.valid_parts(), label="request")
    ikp.expect_each_way(cases.combine([*parts, cases.missing_part(cases.KEY_PARAM, "IKP-K1", empty=empty)]))


@requires("IKP-K4", "IKP-K5")
@given(data=st.data())
def test_profile_encodings_and_variations(
    ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject
) -> None:
    """RFC 4716, PEM, whitespace variants, options prefixes, odd sizes, bad or expired
    certificates: accepted (with the right fingerprint) or Malformed; the reading is recorded."""
    case = data.draw(
        ikp.profile_cases("key"),
        label="case",
    )
    ikp.expect_each_way(case)
