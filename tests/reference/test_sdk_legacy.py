"""The legacy aliyun-python-sdk-ecs + aliyun-python-sdk-core against the reference server (V1 signed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.DeleteKeyPairsRequest import DeleteKeyPairsRequest
from aliyunsdkecs.request.v20140526.DescribeKeyPairsRequest import DescribeKeyPairsRequest
from aliyunsdkecs.request.v20140526.ImportKeyPairRequest import ImportKeyPairRequest

from conformance import contract
from conformance.reference import RunningServer, start_server

from .keytools import md5_of

AK, SECRET = "sdk-legacy-id", "sdk-legacy-secret"


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with start_server(access_keys={AK: SECRET}) as running:
        yield running


def _call(server: RunningServer, request: Any, secret: str = SECRET) -> dict[str, Any]:
    client = AcsClient(AK, secret, contract.DEFAULT_REGION, auto_retry=False)
    request.set_endpoint(f"127.0.0.1:{server.port}")
    request.set_protocol_type("http")
    result: dict[str, Any] = json.loads(client.do_action_with_exception(request))
    return result


def _import(name: str, body: str) -> ImportKeyPairRequest:
    request = ImportKeyPairRequest()
    request.set_KeyPairName(name)
    request.set_PublicKeyBody(body)
    return request


def test_import_describe_delete(server: RunningServer, rsa_key: Path, rsa_pub: str) -> None:
    request = _import("legacy-1", rsa_pub)
    request.set_Tags([{"Key": "env", "Value": ""}])
    imported = _call(server, request)
    assert imported["KeyPairName"] == "legacy-1"
    assert imported["KeyPairFingerPrint"] == md5_of(Path(str(rsa_key) + ".pub"))

    describe = DescribeKeyPairsRequest()
    describe.set_KeyPairName("legacy-*")
    listed = _call(server, describe)
    assert listed["TotalCount"] == 1
    item = listed["KeyPairs"]["KeyPair"][0]
    assert item["KeyPairFingerPrint"] == imported["KeyPairFingerPrint"]
    assert item["Tags"]["Tag"] == [{"TagKey": "env", "TagValue": ""}]

    delete = DeleteKeyPairsRequest()
    delete.set_KeyPairNames(json.dumps(["legacy-1"]))
    assert _call(server, delete)["RequestId"]
    assert _call(server, describe)["TotalCount"] == 0


def test_documented_error_parsed_by_sdk(server: RunningServer, rsa_pub: str) -> None:
    with pytest.raises(ServerException) as exc:
        _call(server, _import("1-starts-with-digit", rsa_pub))
    assert exc.value.get_error_code() == contract.INVALID_KEY_PAIR_NAME.code
    assert exc.value.get_http_status() == contract.INVALID_KEY_PAIR_NAME.status
    assert exc.value.get_request_id()
    with pytest.raises(ServerException) as missing:
        _call(server, _import("legacy-missing", ""))
    assert missing.value.get_error_code() == contract.MISSING_PARAMETER.code


def test_wrong_secret(server: RunningServer) -> None:
    """The SDK compares the StringToSign after ``server string to sign is:`` with its own.

    They match (same algorithm, only the secret differs), so it reports the
    SignatureDoesNotMatch answer as InvalidAccessKeySecret, keeping the 400 status.
    """
    with pytest.raises(ServerException) as exc:
        _call(server, DescribeKeyPairsRequest(), secret="wrong")
    assert exc.value.get_http_status() == contract.SIGNATURE_DOES_NOT_MATCH.status
    assert exc.value.get_error_code() == "InvalidAccessKeySecret"


def test_unknown_access_key(server: RunningServer) -> None:
    client = AcsClient("nobody", SECRET, contract.DEFAULT_REGION, auto_retry=False)
    request = DescribeKeyPairsRequest()
    request.set_endpoint(f"127.0.0.1:{server.port}")
    with pytest.raises(ServerException) as exc:
        client.do_action_with_exception(request)
    assert exc.value.get_error_code() == contract.ACCESS_KEY_NOT_FOUND.code
    assert exc.value.get_http_status() == contract.ACCESS_KEY_NOT_FOUND.status
