"""The two extreme legal servers (issue 11): ``lenient`` reads keys for structure only and takes
every latitude of the wire; ``strict`` takes real keys only and refuses every optional form."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa

from conformance import contract
from conformance.mutants import latitude, realkeys
from conformance.mutants.variants import LENIENT_CONTENT_TYPE_EVERY, apply_variant
from conformance.reference import actions, keys, start_server, wire
from conformance.reference.errors import ApiError, KeyPairAlreadyExists
from conformance.reference.store import KeyPair

from .certs import key_fields, line, mpint, plain_blob, string, v00_certificate, v01_certificate
from .keytools import make_key, md5_of

LENIENT = apply_variant("lenient", actions.Behaviour())
STRICT = apply_variant("strict", actions.Behaviour())
CLEAN = actions.Behaviour()


@pytest.fixture(scope="module")
def rsa_ca() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


@pytest.fixture(scope="module")
def rsa_subject() -> rsa.RSAPublicKey:
    return rsa.generate_private_key(65537, 2048).public_key()


@pytest.fixture(scope="module")
def dsa_subject() -> dsa.DSAPublicKey:
    return dsa.generate_private_key(1024).public_key()


def _line(blob: bytes) -> str:
    return line(blob, "c")


def _accepts(behaviour: actions.Behaviour, body: str) -> keys.PublicKey | None:
    try:
        return behaviour.parse_key(body)
    except keys.MalformedKey:
        return None


# -- both: real keys, as ssh-keygen makes them ----------------------------------------------------


_KEYGEN = [("rsa", 1024), ("rsa", 4096), ("dsa", None), ("ecdsa", 256), ("ecdsa", 521)]


@pytest.mark.parametrize(("kind", "bits"), _KEYGEN)
def test_both_extremes_take_ssh_keygen_keys(keydir: Path, kind: str, bits: int | None) -> None:
    name = f"extreme_{kind}{bits or 0}"
    pub = Path(f"{make_key(keydir, kind, bits, name)}.pub")
    md5 = md5_of(pub)
    assert LENIENT.parse_key(pub.read_text()).fingerprint == md5.replace(":", "")
    assert STRICT.parse_key(pub.read_text().strip()).fingerprint == md5


# -- lenient: structure only ----------------------------------------------------------------------


def test_lenient_fingerprint_is_md5_of_the_blob_without_colons(rsa_subject: rsa.RSAPublicKey) -> None:
    blob = plain_blob(rsa_subject)
    key = LENIENT.parse_key(_line(blob))
    assert key.fingerprint == keys.md5_fingerprint(blob).replace(":", "")
    assert CLEAN.parse_key(_line(blob)).fingerprint == keys.md5_fingerprint(blob)


@pytest.mark.parametrize(
    "fields",
    [
        mpint(4) + mpint(15),  # even exponent, 4-bit modulus
        mpint(65537) + mpint(2**5000 + 1),  # over 4096 bits
        string(b"\x00\x00\x01\x00\x01") + mpint(2**2047 + 1),  # non-minimal mpint
        string(b"\xff") + string(b""),  # a negative exponent and an empty modulus
    ],
    ids=["tiny", "huge", "non-minimal", "negative-and-empty"],
)
def test_lenient_judges_no_rsa_numbers(fields: bytes) -> None:
    blob = string("ssh-rsa") + fields
    assert _accepts(CLEAN, _line(blob)) is None
    key = _accepts(LENIENT, _line(blob))
    assert key is not None and key.fingerprint == keys.md5_fingerprint(blob).replace(":", "")


def test_lenient_accepts_ecdsa_fields_under_an_rsa_certificate_name(rsa_ca: rsa.RSAPrivateKey) -> None:
    """The issue's case: structurally, P-256 key fields read as an RSA certificate's (e, n)."""
    subject = ec.generate_private_key(ec.SECP256R1()).public_key()
    blob = v01_certificate(subject, rsa_ca, type_name="ssh-rsa-cert-v01@openssh.com")
    assert _accepts(CLEAN, _line(blob)) is None
    key = _accepts(LENIENT, _line(blob))
    assert key is not None and key.is_certificate
    assert key.fingerprint == keys.md5_fingerprint(blob).replace(":", "")  # the whole blob's


def test_lenient_checks_no_ca_signature_and_takes_v00_from_any_ca(rsa_subject: rsa.RSAPublicKey) -> None:
    ed_ca = ed25519.Ed25519PrivateKey.generate()
    v00 = v00_certificate(rsa_subject, ed_ca)  # type: ignore[arg-type]
    bad = v00_certificate(rsa_subject, ed_ca, corrupt_signature=True)  # type: ignore[arg-type]
    assert _accepts(LENIENT, _line(v00)) is not None
    assert _accepts(LENIENT, _line(bad)) is not None
    assert _accepts(CLEAN, _line(bad)) is None
    assert _accepts(STRICT, _line(v00)) is None


def _off_curve(point: bytes) -> bytes:
    size = (len(point) - 1) // 2
    y = int.from_bytes(point[1 + size :], "big")
    return point[: 1 + size] + ((y + 1) % (1 << (8 * size))).to_bytes(size, "big")


@pytest.fixture(scope="module")
def p256_fields() -> bytes:
    return key_fields(ec.generate_private_key(ec.SECP256R1()).public_key())[1]


def _structurally_broken(p256_fields: bytes, rsa_subject: rsa.RSAPublicKey) -> dict[str, str]:
    rsa_blob = plain_blob(rsa_subject)
    point = string(p256_fields[4 + len("nistp256") + 4 :])
    point_raw = p256_fields[4 + len("nistp256") + 8 :]
    p256 = string("ecdsa-sha2-nistp256")
    return {
        "not-a-key": "ABC1234567",
        "bad-base64": "ssh-rsa " + base64.b64encode(rsa_blob).decode()[:-4] + "!!!!",
        "truncated": _line(rsa_blob[:-3]),
        "trailing-bytes": _line(rsa_blob + b"\0"),
        "type-mismatch": "ssh-dss " + base64.b64encode(rsa_blob).decode(),
        "curve-mismatch": _line(p256 + string("nistp384") + point),
        "off-curve": _line(p256 + string("nistp256") + string(_off_curve(point_raw))),
        "undocumented": _line(plain_blob(ed25519.Ed25519PrivateKey.generate().public_key())),
        "made-up-type": _line(string("ssh-foo") + rsa_blob[11:]),
    }


def test_lenient_rejects_what_is_structurally_broken(
    p256_fields: bytes, rsa_subject: rsa.RSAPublicKey
) -> None:
    for name, body in _structurally_broken(p256_fields, rsa_subject).items():
        assert _accepts(LENIENT, body) is None, name
        assert _accepts(STRICT, body) is None, name


def test_lenient_rejects_a_truncated_certificate(
    rsa_ca: rsa.RSAPrivateKey, rsa_subject: rsa.RSAPublicKey
) -> None:
    blob = v01_certificate(rsa_subject, rsa_ca)
    assert _accepts(LENIENT, _line(blob)) is not None
    for cut in (1, 40, len(blob) // 2):
        assert _accepts(LENIENT, _line(blob[:-cut])) is None, cut


def test_lenient_takes_optional_forms(rsa_subject: rsa.RSAPublicKey) -> None:
    blob = plain_blob(rsa_subject)
    one = "ssh-rsa " + base64.b64encode(blob).decode()
    other = (
        "ssh-rsa " + base64.b64encode(plain_blob(rsa.generate_private_key(65537, 1024).public_key())).decode()
    )
    expected = keys.md5_fingerprint(blob).replace(":", "")
    for body in (
        f"  {one}\r\n",
        f'from="10.0.0.0/8",no-pty {one} c',
        f"{one}\n{other}",
        f"ssh-rsa\t{one[8:]}",
    ):
        key = _accepts(LENIENT, body)
        assert key is not None and key.fingerprint == expected, body
        assert _accepts(STRICT, body) is None, body


# -- strict: real keys only ------------------------------------------------------------------------


def test_strict_refuses_an_rsa_modulus_with_a_small_factor(rsa_subject: rsa.RSAPublicKey) -> None:
    n = rsa_subject.public_numbers().n
    n -= n % 3  # divisible by 3, same size
    if n % 2 == 0:
        n -= 3
    blob = string("ssh-rsa") + mpint(65537) + mpint(n)
    assert _accepts(CLEAN, _line(blob)) is not None
    assert _accepts(STRICT, _line(blob)) is None
    assert _accepts(STRICT, _line(plain_blob(rsa_subject))) is not None


def test_strict_refuses_dsa_numbers_without_the_group_relations(dsa_subject: dsa.DSAPublicKey) -> None:
    nums = dsa_subject.public_numbers()
    p, q, g, y = nums.parameter_numbers.p, nums.parameter_numbers.q, nums.parameter_numbers.g, nums.y
    assert _accepts(STRICT, _line(plain_blob(dsa_subject))) is not None
    for bad in ((p, q, g, y + 1), (p, q, g + 1, y), (p, q + 2, g, y)):
        blob = string("ssh-dss") + b"".join(mpint(v) for v in bad)
        assert _accepts(STRICT, _line(blob)) is None, bad


def test_realkeys_checks_rsa_and_dsa_numbers() -> None:
    assert realkeys.SMALL_PRIMES[:5] == (2, 3, 5, 7, 11) and realkeys.SMALL_PRIMES[-1] == 997
    with pytest.raises(keys.MalformedKey):
        realkeys.check_rsa(4, 2**1023 + 1)  # even exponent
    with pytest.raises(keys.MalformedKey):
        realkeys.check_rsa(65537, 2**1024 - 2**512 + 1 - 1)  # even modulus
    with pytest.raises(keys.MalformedKey):
        realkeys.check_dsa(2**1023 + 1, 2**159 + 1, 2, 2)


def test_strict_checks_the_validity_window_and_v00_ca_types(
    rsa_ca: rsa.RSAPrivateKey, rsa_subject: rsa.RSAPublicKey
) -> None:
    v00_rsa_ca = v00_certificate(rsa_subject, rsa_ca)
    assert _accepts(STRICT, _line(v00_rsa_ca)) is not None
    v00_ecdsa_ca = v00_certificate(rsa_subject, ec.generate_private_key(ec.SECP256R1()))  # type: ignore[arg-type]
    assert _accepts(CLEAN, _line(v00_ecdsa_ca)) is not None
    assert _accepts(STRICT, _line(v00_ecdsa_ca)) is None


def test_strict_names_are_unique_across_regions_and_case() -> None:
    store = STRICT.make_store(None)
    other = next(r for r in contract.KNOWN_REGIONS if r != contract.DEFAULT_REGION)
    store.add(KeyPair(contract.DEFAULT_REGION, "Abc", "f", "k", "g", (), 0.0))
    with pytest.raises(KeyPairAlreadyExists):
        store.add(KeyPair(other, "aBC", "f", "k", "g", (), 0.0))
    assert store.delete(contract.DEFAULT_REGION, ["ABC"]) == 1
    store.add(KeyPair(other, "aBC", "f", "k", "g", (), 0.0))


# -- lenient: the wire ---------------------------------------------------------------------------


def _throttle_raises(throttle: Any, action: str, params: dict[str, str]) -> ApiError | None:
    try:
        throttle(action, params)
    except ApiError as exc:
        return exc
    return None


def test_throttling_every_nth_and_never_the_same_request_twice() -> None:
    throttle = latitude._Throttle(2)
    refused = []
    for i in range(12):
        request = {"KeyPairName": f"n{i}", "SignatureNonce": "a"}
        for attempt in range(4):  # the suite's bounded retries: 1 + 3 attempts
            error = _throttle_raises(throttle, "ImportKeyPair", {**request, "SignatureNonce": str(attempt)})
            if error is None:
                break
            refused.append((error.status, error.code))
        else:
            pytest.fail(f"request {i} refused four times")
    expected = [(row.status, row.code) for row in latitude.THROTTLING_ANSWERS]
    assert len(refused) >= 6 and refused[:3] == expected
    assert {code for _, code in refused} == {"Throttling.User", "Throttling", "ServiceUnavailable"}


def test_extra_success_fields_and_contradicting_content_types() -> None:
    body, content_type = LENIENT.render("ImportKeyPairResponse", {"RequestId": "R"}, wire.FORMAT_JSON)
    assert json.loads(body)["Code"] == "200" and "RequestId" in json.loads(body)
    labels = []
    for _ in range(2 * LENIENT_CONTENT_TYPE_EVERY):
        body, content_type = LENIENT.render("X", {"RequestId": "R"}, wire.FORMAT_JSON)
        json.loads(body)
        labels.append(content_type)
    assert (
        labels.count(wire.XML_CONTENT_TYPE) == 2 and labels.count(wire.JSON_CONTENT_TYPE) == len(labels) - 2
    )


def _call(url: str, **params: str) -> tuple[int, dict[str, Any]]:
    query = urllib.parse.urlencode({"Version": contract.API_VERSION, **params})
    for _ in range(4):  # the lenient server throttles now and then
        try:
            with urllib.request.urlopen(f"{url}/?{query}", timeout=10) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            status, body = err.code, json.loads(err.read())
            if not str(body.get("Code", "")).startswith(("Throttling", "ServiceUnavailable")):
                return status, body
    raise AssertionError("throttled four times")


def test_lenient_server_end_to_end(rsa_subject: rsa.RSAPublicKey) -> None:
    """Unicode and '.' in names, the account's default group and a system tag in Describe,
    repeated tag keys, ``acs:`` tag values, JSON when Format is absent (no Format is sent)."""
    body = "ssh-rsa " + base64.b64encode(plain_blob(rsa_subject)).decode()
    region = contract.DEFAULT_REGION
    with start_server(variant="lenient") as server:
        status, answer = _call(server.url, Action="ImportKeyPair", RegionId=region, KeyPairName="Ключ.1",
                               PublicKeyBody=body, **{"Tag.1.Key": "k", "Tag.1.Value": "acs:x",
                                                      "Tag.2.Key": "k", "Tag.2.Value": "y"})  # fmt: skip
        assert status == 200, answer
        assert answer["KeyPairFingerPrint"] == keys.md5_fingerprint(plain_blob(rsa_subject)).replace(":", "")
        status, listed = _call(server.url, Action="DescribeKeyPairs", RegionId=region)
        (item,) = listed["KeyPairs"]["KeyPair"]
        assert item["ResourceGroupId"] == latitude.ACCOUNT_DEFAULT_GROUP
        tags = [(t["TagKey"], t["TagValue"]) for t in item["Tags"]["Tag"]]
        assert tags == [("k", "acs:x"), ("k", "y"), (latitude.SYSTEM_TAG_KEY, latitude.ACCOUNT_DEFAULT_GROUP)]
