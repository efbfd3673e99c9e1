"""ACS3-HMAC-SM3 and unknown Authorization schemes (issue 16, IKP-X3).

The reference server verifies V3 signatures made with SM3 exactly as the official signer
computes them. The official signer here is the ``get_authorization``/``hash`` pair of the
Alibaba Cloud OpenAPI utilities that ``alibabacloud-ecs20140526`` installs: since
``alibabacloud-tea-openapi`` 0.4 they live in ``alibabacloud_tea_openapi.utils.Utils`` (with a
pure-Python SM3, ``alibabacloud_tea_openapi.sm3``); older installs have them in
``alibabacloud_openapi_util.client.Client``. The tests compare the server's functions with the
library's on fixed and generated inputs, keep vectors captured from the library so that they
do not depend on it alone, drive the real SDK with ``signature_algorithm='ACS3-HMAC-SM3'``
against a running server, and check that an Authorization scheme the server does not know is
a 400 ``IncompleteSignature`` naming it. (Just over 400 lines: the signer adapters, the
captured vectors and the running-server checks are one feature, kept in one place.)
"""

from __future__ import annotations

import time
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance import contract
from conformance.reference import RunningServer, auth, errors, start_server

from .keytools import md5_of
from .rawhttp import Reply, call

try:  # the official signer (see the module docstring for the two layouts)
    from alibabacloud_tea_openapi.utils import Utils as OfficialSigner
except ImportError:  # pragma: no cover - older alibabacloud-tea-openapi
    from alibabacloud_openapi_util.client import Client as OfficialSigner

SM3 = auth.V3_SM3_ALGORITHM
SHA256 = auth.V3_ALGORITHM
ALGORITHMS = (SHA256, SM3)
AK, SECRET = "sdk-sm3-id", "sdk-sm3-secret"
REGION = contract.DEFAULT_REGION

pytestmark = pytest.mark.skipif(
    SM3 not in auth.V3_ALGORITHMS, reason="this OpenSSL has no SM3 (the server then treats it as unknown)"
)


def official_authorization(
    algorithm: str,
    method: str,
    path: str,
    query: dict[str, str],
    headers: dict[str, str],
    payload_hash: str,
    access_key_id: str,
    secret: str,
) -> str:
    """The Authorization header the official signer computes; it signs every header given."""
    request = SimpleNamespace(pathname=path, query=query, headers=headers, method=method)
    value: str = OfficialSigner.get_authorization(request, algorithm, payload_hash, access_key_id, secret)
    return value


def official_payload_hash(algorithm: str, body: bytes) -> str:
    digest: bytes = OfficialSigner.hash(body, algorithm)
    return digest.hex()


def server_authorization(
    algorithm: str,
    method: str,
    path: str,
    query: dict[str, str],
    headers: dict[str, str],
    payload_hash: str,
    access_key_id: str,
    secret: str,
) -> str:
    """The same header from the server's own functions (signing every header given)."""
    signed = sorted({name.lower() for name in headers})
    canonical = auth.v3_canonical_request(method, path, query, list(headers.items()), signed, payload_hash)
    signature = auth.v3_signature(secret, auth.v3_string_to_sign(canonical, algorithm), algorithm)
    return f"{algorithm} Credential={access_key_id},SignedHeaders={';'.join(signed)},Signature={signature}"


# -- SM3 itself ---------------------------------------------------------------------------------

EMPTY_SM3 = "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"


def test_sm3_matches_the_standard_examples() -> None:
    # GB/T 32905-2016 appendix A, examples 1 and 2.
    assert auth.sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert auth.sm3_hex(b"abcd" * 16) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    assert auth.v3_payload_hash(b"", SM3) == EMPTY_SM3
    assert auth.v3_payload_hash(b"", SHA256) == auth.EMPTY_SHA256


@pytest.mark.parametrize("key", [b"secret", b"k" * 64, b"k" * 100], ids=["short", "block", "long"])
def test_hmac_sm3_matches_the_official_one(key: bytes) -> None:
    """The library's HMAC is ``hmac.new(key, msg, Sm3)``: RFC 2104 over 64-byte blocks, long
    keys hashed first; ``cryptography``'s HMAC(SM3) must agree, short, block-sized and long."""
    import hmac

    from alibabacloud_tea_openapi.sm3 import Sm3  # the library's own SM3

    message = "ACS3-HMAC-SM3\n" + EMPTY_SM3
    assert auth.hmac_sm3_hex(key, message.encode()) == hmac.new(key, message.encode(), Sm3).hexdigest()


# -- vectors captured from the official signer ---------------------------------------------------

# Vector E of spec/ecs-api.md 3.3 (RunInstances, empty body) signed with SM3 instead.
E_QUERY = {"ImageId": "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd", "RegionId": "cn-shanghai"}
E_HEADERS = {
    "host": "ecs.cn-shanghai.aliyuncs.com",
    "x-acs-action": "RunInstances",
    "x-acs-content-sha256": EMPTY_SM3,
    "x-acs-date": "2023-10-26T09:01:01Z",
    "x-acs-signature-nonce": "d410180a5abf7fe235dd9b74aca91fc0",
    "x-acs-version": "2014-05-26",
}
E_SM3_AUTHORIZATION = (
    "ACS3-HMAC-SM3 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;"
    "x-acs-date;x-acs-signature-nonce;x-acs-version,"
    "Signature=e5c83e4b9c82885a81aee25f04506d7c248f0cdf6770ec81cfb1ede37dd9831c"
)
# A form body, a UTF-8 and reserved-character query value, an empty value, one header twice.
G_BODY = b"KeyPairName=%E6%B5%8B%E8%AF%95&PublicKeyBody=ssh-rsa+AAAA"
G_BODY_SM3 = "fb8d5fe4668af95456c431e1d2f2f6ba37e9b180e7e90bb5e862f98efa33320a"
G_QUERY = {"test": "ok", "empty": "", "KeyPairName": "测试 a*b~"}
G_HEADERS = {"x-acs-test": "http", "x-acs-TEST": "https", "x-acs-content-sha256": G_BODY_SM3}
G_SM3_AUTHORIZATION = (
    "ACS3-HMAC-SM3 Credential=acesskey,SignedHeaders=x-acs-content-sha256;x-acs-test,"
    "Signature=9664562b7337bbc4c2cfdb8322f0cbd369aca0b2ace50d061162061acfe293f4"
)
VECTORS = {
    "E": ("POST", E_QUERY, E_HEADERS, b"", "YourAccessKeyId", "YourAccessKeySecret", E_SM3_AUTHORIZATION),
    "G": ("POST", G_QUERY, G_HEADERS, G_BODY, "acesskey", "secret", G_SM3_AUTHORIZATION),
}


@pytest.mark.parametrize("vector", sorted(VECTORS))
def test_captured_sm3_vectors(vector: str) -> None:
    method, query, headers, body, ak, secret, expected = VECTORS[vector]
    payload = auth.v3_payload_hash(body, SM3)
    assert payload == headers["x-acs-content-sha256"]
    assert server_authorization(SM3, method, "/", query, headers, payload, ak, secret) == expected
    parsed = auth.parse_v3_authorization(expected)
    assert parsed is not None and parsed.algorithm == SM3
    assert parsed.access_key_id == ak and parsed.signature == expected.rpartition("=")[2]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("vector", sorted(VECTORS))
def test_vectors_match_the_official_signer_now(vector: str, algorithm: str) -> None:
    method, query, headers, body, ak, secret, _ = VECTORS[vector]
    payload = official_payload_hash(algorithm, body)
    assert payload == auth.v3_payload_hash(body, algorithm)
    headers = {**headers, "x-acs-content-sha256": payload}
    assert official_authorization(algorithm, method, "/", query, headers, payload, ak, secret) == (
        server_authorization(algorithm, method, "/", query, headers, payload, ak, secret)
    )


_UNRESERVED = st.text(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~", min_size=1, max_size=12
)
_HEADER_NAME = st.text("abcdefghijklmnopqrstuvwxyzABC-", min_size=1, max_size=10).map(lambda s: "x-acs-" + s)
_HEADER_VALUE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20)


@settings(max_examples=60, deadline=None)
@given(
    algorithm=st.sampled_from(ALGORITHMS),
    method=st.sampled_from(["GET", "POST"]),
    query=st.dictionaries(_UNRESERVED, st.text(max_size=15), max_size=5),
    headers=st.dictionaries(_HEADER_NAME, _HEADER_VALUE, min_size=1, max_size=5),
    body=st.binary(max_size=200),
    secret=st.text(min_size=1, max_size=70),
)
def test_server_agrees_with_the_official_signer(
    algorithm: str,
    method: str,
    query: dict[str, str],
    headers: dict[str, str],
    body: bytes,
    secret: str,
) -> None:
    """Any query values (the library leaves keys unencoded, so keys are unreserved), header
    names differing only in case, any body, any secret (longer than a block too)."""
    payload = official_payload_hash(algorithm, body)
    assert payload == auth.v3_payload_hash(body, algorithm)
    assert official_authorization(algorithm, method, "/", query, headers, payload, "ak", secret) == (
        server_authorization(algorithm, method, "/", query, headers, payload, "ak", secret)
    )


# -- the verifier ------------------------------------------------------------------------------


def _stamp(offset: float = 0) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset))


def _signed(
    algorithm: str, secret: str = "s3cret", nonce: str | None = None, date: str | None = None
) -> auth.SignedRequest:
    """A V3 request signed by the official signer."""
    query = {"RegionId": REGION, "KeyPairName": "a b*"}
    body = b"PublicKeyBody=x"
    payload = official_payload_hash(algorithm, body)
    headers = {
        "host": "127.0.0.1:8080",
        "x-acs-action": contract.ACTION_DESCRIBE,
        "x-acs-version": contract.API_VERSION,
        "x-acs-date": date or _stamp(),
        "x-acs-signature-nonce": nonce or uuid.uuid4().hex,
        "x-acs-content-sha256": payload,
    }
    authorization = official_authorization(algorithm, "POST", "/", query, headers, payload, "ak", secret)
    pairs = [*headers.items(), ("Authorization", authorization)]
    return auth.SignedRequest("POST", "/", query, query, pairs, body)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_verifier_checks_sm3_like_sha256(algorithm: str) -> None:
    verifier = auth.Verifier({"ak": "s3cret"})
    good = _signed(algorithm)
    verifier.verify(good)
    with pytest.raises(errors.SignatureNonceUsed):
        verifier.verify(good)
    with pytest.raises(errors.SignatureDoesNotMatch) as wrong:
        verifier.verify(_signed(algorithm, secret="wrong"))
    assert wrong.value.string_to_sign.startswith(algorithm + "\n")
    with pytest.raises(errors.TimestampExpired):
        verifier.verify(_signed(algorithm, date=_stamp(-contract.TIMESTAMP_SKEW_SECONDS - 60)))
    tampered = _signed(algorithm)
    with pytest.raises(errors.SignatureDoesNotMatch):  # the body is not what was hashed
        verifier.verify(
            auth.SignedRequest("POST", "/", tampered.query, tampered.params, tampered.headers, b"x=1")
        )
    # The other algorithm's name on the same signature does not verify.
    other = SHA256 if algorithm == SM3 else SM3
    renamed = [
        (k, v.replace(algorithm, other, 1) if k == "Authorization" else v)
        for k, v in _signed(algorithm).headers
    ]
    with pytest.raises(errors.SignatureDoesNotMatch):
        verifier.verify(auth.SignedRequest("POST", "/", good.query, good.params, renamed, good.body))


UNKNOWN_SCHEMES = {
    "ACS3-HMAC-MD5": "ACS3-HMAC-MD5 Credential=ak,SignedHeaders=host,Signature=00ff",
    "Bearer": "Bearer x",
    "Basic": "Basic dXNlcjpwYXNz",
    "acs": "acs ak:c2lnbmF0dXJl",  # the ROA (V2) scheme; ECS is an RPC API
    "ACS3-HMAC-SHA256,Credential=ak": "ACS3-HMAC-SHA256,Credential=ak",  # no space: not V3
}


@pytest.mark.parametrize("scheme", sorted(UNKNOWN_SCHEMES))
def test_verifier_names_an_unknown_scheme(scheme: str) -> None:
    request = auth.SignedRequest("POST", "/", {}, {}, [("Authorization", UNKNOWN_SCHEMES[scheme])], b"")
    with pytest.raises(errors.IncompleteSignature) as exc:
        auth.Verifier({"ak": "s3cret"}).verify(request)
    assert isinstance(exc.value, auth.UnknownScheme) and exc.value.scheme == scheme
    assert exc.value.message.startswith(contract.INCOMPLETE_SIGNATURE.message)
    assert repr(scheme) in exc.value.message and SM3 in exc.value.message


def test_blank_authorization_is_no_authorization() -> None:
    request = auth.SignedRequest("POST", "/", {}, {}, [("Authorization", "  ")], b"")
    with pytest.raises(errors.MissingParameter):
        auth.Verifier({"ak": "s3cret"}).verify(request)


def test_a_very_long_scheme_is_cut_in_the_message() -> None:
    scheme = "X" * 5000
    with pytest.raises(auth.UnknownScheme) as exc:
        auth.Verifier({"ak": "s3cret"}).verify(
            auth.SignedRequest("GET", "/", {}, {}, [("authorization", scheme + " y")], b"")
        )
    assert len(exc.value.message) < 400 and exc.value.scheme == scheme


# -- a running server ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with start_server(access_keys={AK: SECRET}) as running:
        yield running


def _client(server: RunningServer, algorithm: str, secret: str = SECRET) -> Client:
    return Client(
        Config(
            access_key_id=AK,
            access_key_secret=secret,
            region_id=REGION,
            endpoint=f"127.0.0.1:{server.port}",
            protocol="HTTP",
            signature_algorithm=algorithm,
        )
    )


def test_sdk_signs_with_sm3_and_the_server_accepts(
    server: RunningServer, rsa_key: Path, rsa_pub: str
) -> None:
    client = _client(server, SM3)
    name = "tea-sm3-Key:1"
    tag = ecs.ImportKeyPairRequestTag(key="team", value="conformance")
    resp = client.import_key_pair(
        ecs.ImportKeyPairRequest(region_id=REGION, key_pair_name=name, public_key_body=rsa_pub, tag=[tag])
    )
    assert resp.status_code == 200
    assert resp.body.key_pair_finger_print == md5_of(Path(str(rsa_key) + ".pub"))
    described = client.describe_key_pairs(
        ecs.DescribeKeyPairsRequest(region_id=REGION, key_pair_name=name, include_public_key=True)
    ).body
    assert described.total_count == 1
    assert described.key_pairs.key_pair[0].public_key == rsa_pub
    client.delete_key_pairs(ecs.DeleteKeyPairsRequest(region_id=REGION, key_pair_names=f'["{name}"]'))
    after = client.describe_key_pairs(ecs.DescribeKeyPairsRequest(region_id=REGION, key_pair_name=name)).body
    assert after.total_count == 0


def test_wrong_sm3_signature_is_answered_like_a_wrong_sha256_one(server: RunningServer) -> None:
    answers = {}
    for algorithm in ALGORITHMS:
        with pytest.raises(ClientException) as exc:
            _client(server, algorithm, secret="not-the-secret").describe_key_pairs(
                ecs.DescribeKeyPairsRequest(region_id=REGION)
            )
        answers[algorithm] = (exc.value.status_code, exc.value.code)
        assert f"server string to sign is:{algorithm}\n" in exc.value.message
    assert (
        answers[SM3]
        == answers[SHA256]
        == (
            contract.SIGNATURE_DOES_NOT_MATCH.status,
            contract.SIGNATURE_DOES_NOT_MATCH.code,
        )
    )


def _v3_raw(
    server: RunningServer, algorithm: str, body: dict[str, str], *, tamper: bytes | None = None
) -> Reply:
    """A form-body POST ImportKeyPair signed by the official signer (the SDK sends no body)."""
    data = urllib.parse.urlencode(body).encode()
    payload = official_payload_hash(algorithm, data)
    headers = {
        "host": f"127.0.0.1:{server.port}",
        "content-type": "application/x-www-form-urlencoded",
        "accept": "application/json",
        "x-acs-action": contract.ACTION_IMPORT,
        "x-acs-version": contract.API_VERSION,
        "x-acs-date": _stamp(),
        "x-acs-signature-nonce": uuid.uuid4().hex,
        "x-acs-content-sha256": payload,
    }
    query = {"RegionId": REGION}
    headers["Authorization"] = official_authorization(
        algorithm, "POST", "/", query, headers, payload, AK, SECRET
    )
    return call(
        server.url, query, method="POST", body=tamper or data, headers=headers, fmt=None, version=None
    )


def test_sm3_form_body_over_http(server: RunningServer, rsa_pub: str) -> None:
    body = {
        "KeyPairName": "sm3-body:Key_1",
        "PublicKeyBody": rsa_pub,
        "Tag.1.Key": "k",
        "Tag.1.Value": "测试 a*b",
    }
    ok = _v3_raw(server, SM3, body)
    assert ok.status == 200, ok.raw
    assert ok.json()["KeyPairName"] == body["KeyPairName"]
    changed = urllib.parse.urlencode({**body, "KeyPairName": "sm3-other"}).encode()
    bad = _v3_raw(server, SM3, body, tamper=changed)
    assert (bad.status, bad.json()["Code"]) == (
        contract.SIGNATURE_DOES_NOT_MATCH.status,
        contract.SIGNATURE_DOES_NOT_MATCH.code,
    )


def _v1_params(secret: str = SECRET) -> dict[str, str]:
    params = {
        "Action": contract.ACTION_DESCRIBE,
        "RegionId": REGION,
        "Format": "JSON",
        "Version": contract.API_VERSION,
        "AccessKeyId": AK,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": str(uuid.uuid4()),
        "Timestamp": _stamp(),
    }
    params["Signature"] = auth.v1_signature(secret, auth.v1_string_to_sign("GET", params))
    return params


@pytest.mark.parametrize("fmt", ["JSON", "XML"])
@pytest.mark.parametrize("scheme", sorted(UNKNOWN_SCHEMES))
def test_unknown_scheme_over_http_is_a_400_naming_it(server: RunningServer, scheme: str, fmt: str) -> None:
    reply = call(
        server.url,
        {"Action": contract.ACTION_DESCRIBE, "RegionId": REGION},
        headers={"Authorization": UNKNOWN_SCHEMES[scheme]},
        fmt=fmt,
    )
    assert reply.status == contract.INCOMPLETE_SIGNATURE.status == 400
    assert reply.field("Code") == contract.INCOMPLETE_SIGNATURE.code
    message = reply.field("Message") or ""
    assert repr(scheme) in message and SM3 in message
    assert contract.MISSING_PARAMETER.code not in reply.raw.decode()


def test_unknown_scheme_wins_over_v1_parameters(server: RunningServer) -> None:
    """The Authorization header decides the scheme: a V1 signature beside a Bearer token is
    not looked at (a client that sends both is told which header is wrong)."""
    params = _v1_params()
    assert call(server.url, params, fmt=None).status == 200
    reply = call(server.url, _v1_params(), headers={"Authorization": "Bearer x"}, fmt=None)
    assert (reply.status, reply.field("Code")) == (400, contract.INCOMPLETE_SIGNATURE.code)
