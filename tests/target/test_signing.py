"""Signing against the published vectors (spec/ecs-api.md 3.2, 3.3) and a few properties."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import unquote

from hypothesis import given
from hypothesis import strategies as st

from conformance.target import signing

from .independent import rfc3986, v1_expected_signature

VECTOR_A = {
    "AccessKeyId": "testid",
    "Action": "DescribeRegions",
    "Format": "XML",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    "SignatureVersion": "1.0",
    "Timestamp": "2016-02-23T12:46:24Z",
    "Version": "2014-05-26",
}
VECTOR_A_STRING_TO_SIGN = (
    "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1"
    "%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0"
    "%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
)


def test_vector_a_string_to_sign_and_signature() -> None:
    assert signing.v1_string_to_sign("GET", VECTOR_A) == VECTOR_A_STRING_TO_SIGN
    assert signing.v1_signature("GET", VECTOR_A, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
    assert signing.percent_encode("OLeaidS1JvxuMvnyHOwuJ+uX5qY=") == "OLeaidS1JvxuMvnyHOwuJ%2BuX5qY%3D"


def test_vector_a_ignores_a_signature_parameter() -> None:
    with_signature = {**VECTOR_A, "Signature": "anything"}
    assert signing.v1_signature("GET", with_signature, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_vector_a_through_sign_v1() -> None:
    business = {"Action": "DescribeRegions", "Format": "XML", "Version": "2014-05-26"}
    query = signing.sign_v1(
        "GET", business, {}, access_key_id="testid", secret="testsecret",
        nonce="3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", timestamp="2016-02-23T12:46:24Z",
    )  # fmt: skip
    assert query == {**VECTOR_A, "Signature": "OLeaidS1JvxuMvnyHOwuJ+uX5qY="}


def test_vector_b_timestamp_with_capital_s() -> None:
    params = dict(VECTOR_A)
    params["TimeStamp"] = params.pop("Timestamp")
    assert "SignatureVersion%3D1.0%26TimeStamp%3D2016-02-23T12%253A46%253A24Z" in signing.v1_string_to_sign(
        "GET", params
    )
    assert signing.v1_signature("GET", params, "testsecret") == "CT9X0VtwR86fNWSnsc6v8YGOjuE="


def test_vector_c_openapi_util() -> None:
    params = {"query": "test", "body": "test"}
    assert signing.v1_string_to_sign("GET", params) == "GET&%2F&body%3Dtest%26query%3Dtest"
    assert signing.v1_signature("GET", params, "secret") == "XlUyV4sXjOuX5FnjUz9IF9tm5rU="


def test_vector_d_regression_unicode_space_star_tilde_empty() -> None:
    params = {
        "Action": "ImportKeyPair",
        "KeyPairName": "测试.key:a_b-c",
        "Tag.1.Key": "a b*c~",
        "Tag.1.Value": "",
        "Version": "2014-05-26",
    }
    assert signing.v1_string_to_sign("POST", params) == (
        "POST&%2F&Action%3DImportKeyPair%26KeyPairName%3D%25E6%25B5%258B%25E8%25AF%2595.key%253Aa_b-c"
        "%26Tag.1.Key%3Da%2520b%252Ac~%26Tag.1.Value%3D%26Version%3D2014-05-26"
    )
    assert signing.v1_signature("POST", params, "testsecret") == "HjixcSNlqFVytZgc54dm3/J5jsY="


E_QUERY = {"ImageId": "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd", "RegionId": "cn-shanghai"}
E_HEADERS = {
    "host": "ecs.cn-shanghai.aliyuncs.com",
    "x-acs-action": "RunInstances",
    "x-acs-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "x-acs-date": "2023-10-26T09:01:01Z",
    "x-acs-signature-nonce": "d410180a5abf7fe235dd9b74aca91fc0",
    "x-acs-version": "2014-05-26",
}
E_SIGNATURE = "e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804"


def test_vector_e_v3_authorization() -> None:
    auth = signing.v3_authorization(
        "POST", "/", E_QUERY, E_HEADERS, signing.EMPTY_BODY_SHA256,
        access_key_id="YourAccessKeyId", secret="YourAccessKeySecret",
    )  # fmt: skip
    assert auth == (
        "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;"
        f"x-acs-date;x-acs-signature-nonce;x-acs-version,Signature={E_SIGNATURE}"
    )


def test_vector_e_through_sign_v3() -> None:
    headers = signing.sign_v3(
        "POST", "/", E_QUERY, {"Accept": "application/json"}, b"",
        host="ecs.cn-shanghai.aliyuncs.com", action="RunInstances", version="2014-05-26",
        access_key_id="YourAccessKeyId", secret="YourAccessKeySecret",
        nonce="d410180a5abf7fe235dd9b74aca91fc0", timestamp="2023-10-26T09:01:01Z",
    )  # fmt: skip
    assert headers["Authorization"].endswith(f"Signature={E_SIGNATURE}")
    assert headers["Accept"] == "application/json"  # kept, but not signed (the doc's rule)
    assert "accept" not in headers["Authorization"]
    assert headers["x-acs-content-sha256"] == hashlib.sha256(b"").hexdigest()


def test_vector_f_openapi_util_repeated_header() -> None:
    auth = signing.v3_authorization(
        "GET", "", {"test": "ok", "empty": ""}, {"x-acs-test": "http", "x-acs-TEST": "https"},
        "55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23",
        access_key_id="acesskey", secret="secret",
    )  # fmt: skip
    assert auth == (
        "ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=x-acs-test,"
        "Signature=d16b30a7699ae9e43875b13195b2f81bcc3ed10c14a9b5eb780e51619aa50be1"
    )
    assert signing.v3_canonical_query({"test": "ok", "empty": ""}) == "empty=&test=ok"
    assert signing.v3_canonical_headers({"x-acs-test": "http", "x-acs-TEST": "https"}) == (
        "x-acs-test:http,https\n",
        "x-acs-test",
    )


def test_v3_security_token_is_signed() -> None:
    headers = signing.sign_v3(
        "POST", "/", {}, {"x-acs-security-token": "tok"}, b"x",
        host="h", action="A", version="V", access_key_id="id", secret="s", nonce="n", timestamp="t",
    )  # fmt: skip
    assert "x-acs-security-token" in headers["Authorization"].split("SignedHeaders=")[1].split(",")[0]
    assert headers["x-acs-content-sha256"] == hashlib.sha256(b"x").hexdigest()


def test_v3_headers_to_sign_keeps_host_content_type_and_x_acs_only() -> None:
    kept = signing.v3_headers_to_sign(
        {"Host": "h", "Content-Type": "c", "X-Acs-Date": "d", "Accept": "a", "User-Agent": "u"}
    )
    assert set(kept) == {"Host", "Content-Type", "X-Acs-Date"}


def test_sign_v1_covers_form_but_leaves_it_out_of_the_query() -> None:
    form = {"KeyPairName": "k 1", "RegionId": "cn-hangzhou"}
    query = signing.sign_v1(
        "POST", {"Action": "ImportKeyPair"}, form, access_key_id="id", secret="sec",
        nonce="n1", timestamp="2020-01-01T00:00:00Z", security_token="tok",
    )  # fmt: skip
    assert "KeyPairName" not in query
    assert query["SecurityToken"] == "tok"
    assert query["Signature"] == v1_expected_signature("POST", {**query, **form}, "sec")
    assert query["Signature"] != v1_expected_signature("POST", query, "sec")


def test_format_timestamp() -> None:
    assert signing.format_timestamp(0) == "1970-01-01T00:00:00Z"
    assert signing.format_timestamp(1456231584.9) == "2016-02-23T12:46:24Z"
    plus8 = datetime(2016, 2, 23, 20, 46, 24, tzinfo=timezone(timedelta(hours=8)))
    assert signing.format_timestamp(plus8) == "2016-02-23T12:46:24Z"
    assert signing.format_timestamp(datetime(2016, 2, 23, 12, 46, 24, tzinfo=UTC)) == "2016-02-23T12:46:24Z"


TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]))  # encodable as UTF-8


@given(TEXT)
def test_percent_encode_matches_an_independent_encoder_and_round_trips(text: str) -> None:
    encoded = signing.percent_encode(text)
    assert encoded == rfc3986(text)
    assert "+" not in encoded and " " not in encoded and "*" not in encoded
    assert unquote(encoded) == text


@given(st.dictionaries(TEXT.filter(bool), TEXT, max_size=6), TEXT, st.sampled_from(["GET", "POST"]))
def test_v1_signature_matches_the_independent_one(params: dict[str, str], secret: str, method: str) -> None:
    assert signing.v1_signature(method, params, secret) == v1_expected_signature(method, params, secret)
