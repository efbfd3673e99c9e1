"""Cross-check: ``signing.py`` recomputes the signatures the official SDKs put on their own
requests (spec/ecs-api.md section 5), sent to a loopback server. Skipped when the SDKs (dev
dependencies) are not installed."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.target import signing

from .conftest import RecordingServer, json_reply

SECRET = "sdk-secret/+="
TOKEN = "sdk-token/+="
NAME = "k 1*~"


def tea_client(server: RecordingServer, algorithm: str | None) -> Any:
    models = pytest.importorskip("alibabacloud_tea_openapi.models")
    client_module = pytest.importorskip("alibabacloud_ecs20140526.client")
    config = models.Config(
        access_key_id="sdkid",
        access_key_secret=SECRET,
        security_token=TOKEN,
        region_id="cn-hangzhou",
        endpoint=server.url.removeprefix("http://"),
        protocol="HTTP",
    )
    if algorithm:
        config.signature_algorithm = algorithm
    return client_module.Client(config)


def import_with_tea(server: RecordingServer, algorithm: str | None) -> None:
    ecs = pytest.importorskip("alibabacloud_ecs20140526.models")
    server.responder = lambda r: json_reply(200, KeyPairName=NAME, KeyPairFingerPrint="aa")
    request = ecs.ImportKeyPairRequest(
        region_id="cn-hangzhou",
        key_pair_name=NAME,
        public_key_body="ssh-rsa AAAA+/=",
        tag=[ecs.ImportKeyPairRequestTag(key="a b", value="")],
    )
    tea_client(server, algorithm).import_key_pair(request)


def test_tea_openapi_v3_signature(server: RecordingServer) -> None:
    import_with_tea(server, None)
    got = server.last
    auth = got.header("authorization")
    assert auth.startswith("ACS3-HMAC-SHA256 ")
    signed = auth.split("SignedHeaders=")[1].split(",")[0].split(";")
    lower = {k.lower(): v for k, v in got.headers.items()}
    headers = {name: lower[name] for name in signed}  # the SDK signs every header it had (spec 3.3)
    mine = signing.v3_authorization(
        got.method,
        "/",
        got.query,
        headers,
        signing.sha256_hex(got.body),
        access_key_id="sdkid",
        secret=SECRET,
    )
    assert mine == auth
    assert got.query["KeyPairName"] == NAME and "x-acs-security-token" in signed


def test_tea_openapi_v2_signature(server: RecordingServer) -> None:
    import_with_tea(server, "v2")
    params = server.last.all_params
    assert params["SignatureMethod"] == "HMAC-SHA1" and params["SecurityToken"] == TOKEN
    assert signing.v1_signature(server.last.method, params, SECRET) == params["Signature"]


def test_legacy_core_sdk_signature(server: RecordingServer) -> None:
    client_module = pytest.importorskip("aliyunsdkcore.client")
    request_module = pytest.importorskip("aliyunsdkecs.request.v20140526.ImportKeyPairRequest")
    server.responder = lambda r: json_reply(200, KeyPairName=NAME, KeyPairFingerPrint="aa")
    client = client_module.AcsClient("sdkid", SECRET, "cn-hangzhou")
    request = request_module.ImportKeyPairRequest()
    request.set_endpoint(server.url.removeprefix("http://"))
    request.set_protocol_type("http")
    request.set_KeyPairName(NAME)
    request.set_PublicKeyBody("ssh-rsa AAAA+/=")
    request.set_Tags([{"Key": "a b", "Value": ""}])
    client.do_action_with_exception(request)
    got = server.last
    params = got.all_params
    assert params["SignatureType"] == ""  # signed although empty (spec 3.1)
    assert signing.v1_signature(got.method, params, SECRET) == params["Signature"]
