"""Signature verification: the published vectors (spec/ecs-api.md 3.2-3.3) and the server's checks."""

from __future__ import annotations

import time
import urllib.parse
import uuid

import pytest

from conformance import contract
from conformance.reference import auth, errors

VECTOR_A_PARAMS = {
    "AccessKeyId": "testid",
    "Action": "DescribeRegions",
    "Format": "XML",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    "SignatureVersion": "1.0",
    "Timestamp": "2016-02-23T12:46:24Z",
    "Version": "2014-05-26",
}


def test_vector_a() -> None:
    sts = auth.v1_string_to_sign("GET", VECTOR_A_PARAMS)
    assert sts == (
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1"
        "%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0"
        "%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
    )
    assert auth.v1_signature("testsecret", sts) == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
    # Signature itself is never signed
    assert auth.v1_string_to_sign("GET", {**VECTOR_A_PARAMS, "Signature": "x"}) == sts


def test_vector_b_timestamp_spelled_with_capital_s() -> None:
    params = dict(VECTOR_A_PARAMS)
    params["TimeStamp"] = params.pop("Timestamp")
    assert (
        auth.v1_signature("testsecret", auth.v1_string_to_sign("GET", params))
        == "CT9X0VtwR86fNWSnsc6v8YGOjuE="
    )


def test_vector_c() -> None:
    sts = auth.v1_string_to_sign("GET", {"query": "test", "body": "test"})
    assert sts == "GET&%2F&body%3Dtest%26query%3Dtest"
    assert auth.v1_signature("secret", sts) == "XlUyV4sXjOuX5FnjUz9IF9tm5rU="


def test_vector_d_regression() -> None:
    params = {
        "Action": "ImportKeyPair",
        "KeyPairName": "测试.key:a_b-c",
        "Tag.1.Key": "a b*c~",
        "Tag.1.Value": "",
        "Version": "2014-05-26",
    }
    sts = auth.v1_string_to_sign("POST", params)
    assert sts == (
        "POST&%2F&Action%3DImportKeyPair%26KeyPairName%3D%25E6%25B5%258B%25E8%25AF%2595.key%253Aa_b-c"
        "%26Tag.1.Key%3Da%2520b%252Ac~%26Tag.1.Value%3D%26Version%3D2014-05-26"
    )
    assert auth.v1_signature("testsecret", sts) == "HjixcSNlqFVytZgc54dm3/J5jsY="


def test_vector_e() -> None:
    headers = [
        ("host", "ecs.cn-shanghai.aliyuncs.com"),
        ("x-acs-action", "RunInstances"),
        ("x-acs-content-sha256", auth.EMPTY_SHA256),
        ("x-acs-date", "2023-10-26T09:01:01Z"),
        ("x-acs-signature-nonce", "d410180a5abf7fe235dd9b74aca91fc0"),
        ("x-acs-version", "2014-05-26"),
    ]
    query = {"ImageId": "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd", "RegionId": "cn-shanghai"}
    canonical = auth.v3_canonical_request(
        "POST", "/", query, headers, [h for h, _ in headers], auth.EMPTY_SHA256
    )
    signature = auth.v3_signature("YourAccessKeySecret", auth.v3_string_to_sign(canonical))
    assert signature == "e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804"


def test_vector_f() -> None:
    headers = [("x-acs-test", "http"), ("x-acs-TEST", "https")]
    canonical = auth.v3_canonical_request(
        "GET",
        "/",
        {"test": "ok", "empty": ""},
        headers,
        ["x-acs-test"],
        "55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23",
    )
    assert "\nempty=&test=ok\n" in canonical
    assert "x-acs-test:http,https\n" in canonical
    signature = auth.v3_signature("secret", auth.v3_string_to_sign(canonical))
    assert signature == "d16b30a7699ae9e43875b13195b2f81bcc3ed10c14a9b5eb780e51619aa50be1"
    parsed = auth.parse_v3_authorization(
        f"ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=x-acs-test,Signature={signature}"
    )
    assert parsed == auth.V3Authorization("acesskey", ("x-acs-test",), signature)


# -- the verifier ------------------------------------------------------------------------------


def _stamp(offset: float = 0) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset))


def _v1_request(secret: str = "s3cret", key_id: str = "ak", **overrides: str) -> auth.SignedRequest:
    params = {
        "Action": contract.ACTION_DESCRIBE,
        "RegionId": contract.DEFAULT_REGION,
        "AccessKeyId": key_id,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": str(uuid.uuid4()),
        "Timestamp": _stamp(),
        "Version": contract.API_VERSION,
        **overrides,
    }
    params["Signature"] = auth.v1_signature(secret, auth.v1_string_to_sign("POST", params))
    return auth.SignedRequest("POST", "/", params, params, [], b"")


def test_v1_verifier_accepts_good_and_rejects_each_fault() -> None:
    verifier = auth.Verifier({"ak": "s3cret"})
    good = _v1_request()
    verifier.verify(good)
    with pytest.raises(errors.SignatureNonceUsed):
        verifier.verify(good)
    with pytest.raises(errors.SignatureDoesNotMatch) as exc:
        verifier.verify(_v1_request(secret="wrong"))
    assert exc.value.message.startswith("Specified signature is not matched with our calculation.")
    assert exc.value.message.split(":")[1].startswith(
        "POST&%2F&AccessKeyId%3Dak"
    )  # what the legacy SDK reads
    with pytest.raises(errors.AccessKeyNotFound):
        verifier.verify(_v1_request(key_id="nobody"))
    with pytest.raises(errors.TimestampExpired):
        verifier.verify(_v1_request(Timestamp=_stamp(-contract.TIMESTAMP_SKEW_SECONDS - 60)))
    with pytest.raises(errors.TimestampExpired):
        verifier.verify(_v1_request(Timestamp=_stamp(contract.TIMESTAMP_SKEW_SECONDS + 60)))
    verifier.verify(_v1_request(Timestamp=_stamp(-contract.TIMESTAMP_SKEW_SECONDS + 60)))
    with pytest.raises(errors.TimestampFormat):
        verifier.verify(_v1_request(Timestamp="yesterday"))
    unsigned = {"Action": contract.ACTION_DESCRIBE, "RegionId": contract.DEFAULT_REGION}
    with pytest.raises(errors.MissingParameter):
        verifier.verify(auth.SignedRequest("GET", "/", unsigned, unsigned, [], b""))


def test_no_access_keys_accepts_everything() -> None:
    verifier = auth.Verifier(None)
    verifier.verify(_v1_request(secret="anything"))
    verifier.verify(auth.SignedRequest("GET", "/", {}, {}, [], b""))


def _v3_request(
    secret: str = "s3cret", nonce: str | None = None, date: str | None = None
) -> auth.SignedRequest:
    query = {"RegionId": contract.DEFAULT_REGION, "KeyPairName": "a b*"}
    body = b""
    headers = [
        ("host", "127.0.0.1:8080"),
        ("x-acs-action", contract.ACTION_DESCRIBE),
        ("x-acs-version", contract.API_VERSION),
        ("x-acs-date", date or _stamp()),
        ("x-acs-signature-nonce", nonce or uuid.uuid4().hex),
        ("x-acs-content-sha256", auth.EMPTY_SHA256),
        ("accept", "application/json"),
    ]
    signed = [h for h, _ in headers]
    canonical = auth.v3_canonical_request("POST", "/", query, headers, signed, auth.EMPTY_SHA256)
    signature = auth.v3_signature(secret, auth.v3_string_to_sign(canonical))
    headers.append(
        (
            "Authorization",
            f"ACS3-HMAC-SHA256 Credential=ak,SignedHeaders={';'.join(signed)},Signature={signature}",
        )
    )
    return auth.SignedRequest("POST", "/", query, query, headers, body)


def test_v3_verifier() -> None:
    verifier = auth.Verifier({"ak": "s3cret"})
    good = _v3_request()
    verifier.verify(good)
    with pytest.raises(errors.SignatureNonceUsed):
        verifier.verify(good)
    with pytest.raises(errors.SignatureDoesNotMatch):
        verifier.verify(_v3_request(secret="wrong"))
    with pytest.raises(errors.TimestampExpired):
        verifier.verify(_v3_request(date=_stamp(-3600)))
    tampered = _v3_request()
    with pytest.raises(errors.SignatureDoesNotMatch):
        verifier.verify(
            auth.SignedRequest(
                "POST", "/", {**tampered.query, "x": "1"}, tampered.params, tampered.headers, b""
            )
        )
    with pytest.raises(errors.SignatureDoesNotMatch):  # body not what x-acs-content-sha256 promised
        verifier.verify(
            auth.SignedRequest("POST", "/", tampered.query, tampered.params, tampered.headers, b"x=1")
        )


def test_percent_encode_matches_rfc3986() -> None:
    assert auth.percent_encode("a b*c~/:+") == "a%20b%2Ac~%2F%3A%2B"
    assert urllib.parse.unquote(auth.percent_encode("测试")) == "测试"


def test_nonce_cache_forgets_after_window() -> None:
    cache = auth.NonceCache(window=10)
    assert cache.use("ak", "n", now=100.0)
    assert not cache.use("ak", "n", now=105.0)
    assert cache.use("other", "n", now=105.0)
    assert cache.use("ak", "n", now=200.0)
