"""The Python API the pytest plugin uses: start_server / RunningServer."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conformance import contract
from conformance.reference import RunningServer, start_server


def _get(url: str, **params: str) -> tuple[int, dict[str, object]]:
    query = urllib.parse.urlencode({"Format": "JSON", "Version": contract.API_VERSION, **params})
    try:
        with urllib.request.urlopen(f"{url}/?{query}", timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_start_server_returns_running_server_with_url() -> None:
    server = start_server()
    try:
        assert isinstance(server, RunningServer)
        assert server.host == "127.0.0.1"
        assert server.port > 0
        assert server.url == f"http://127.0.0.1:{server.port}"
        status, body = _get(server.url, Action="DescribeKeyPairs", RegionId=contract.DEFAULT_REGION)
        assert status == 200
        assert body["TotalCount"] == 0
    finally:
        server.close()


def test_close_is_idempotent_and_stops_listening() -> None:
    with start_server() as server:
        port = server.port
    server.close()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


def test_close_drops_keep_alive_connections() -> None:
    server = start_server()
    conn = socket.create_connection((server.host, server.port), timeout=5)
    conn.sendall(b"GET /?Action=x HTTP/1.1\r\nHost: x\r\n\r\n")
    assert conn.recv(65536).startswith(b"HTTP/1.1 404")
    server.close()
    assert conn.recv(65536) == b""
    conn.close()


def test_missing_public_key_body_is_missing_parameter() -> None:
    with start_server() as server:
        status, body = _get(
            server.url, Action=contract.ACTION_IMPORT, RegionId=contract.DEFAULT_REGION, KeyPairName="ab"
        )
    assert status == contract.MISSING_PARAMETER.status
    assert body["Code"] == contract.MISSING_PARAMETER.code
    assert body["Message"] == contract.missing_parameter_message("PublicKeyBody")
    assert body["RequestId"]


def test_unknown_resource_group_is_rejected_and_configured_one_accepted(rsa_pub: str) -> None:
    with start_server(resource_groups=("rg-one", "rg-two")) as server:
        common = {"Action": contract.ACTION_IMPORT, "RegionId": contract.DEFAULT_REGION}
        status, body = _get(
            server.url, **common, KeyPairName="a1", PublicKeyBody=rsa_pub, ResourceGroupId="rg-x"
        )
        assert (status, body["Code"]) == (
            contract.RESOURCE_GROUP_NOT_FOUND.status,
            contract.RESOURCE_GROUP_NOT_FOUND.code,
        )
        status, _ = _get(
            server.url, **common, KeyPairName="a2", PublicKeyBody=rsa_pub, ResourceGroupId="rg-two"
        )
        assert status == 200
        status, _ = _get(server.url, **common, KeyPairName="a3", PublicKeyBody=rsa_pub)
        assert status == 200
        status, body = _get(server.url, Action=contract.ACTION_DESCRIBE, RegionId=contract.DEFAULT_REGION)
    groups = {kp["KeyPairName"]: kp["ResourceGroupId"] for kp in body["KeyPairs"]["KeyPair"]}  # type: ignore[index]
    assert groups == {"a2": "rg-two", "a3": "rg-one"}
