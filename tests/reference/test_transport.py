"""Transport: the ways parameters arrive, JSON/XML bodies, error bodies, bad HTTP (IKP-T1..T5)."""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Iterator

import pytest

from conformance import contract
from conformance.reference import RunningServer, start_server

from .rawhttp import body_of, call, raw_exchange, read_response, status_of

REGION = contract.DEFAULT_REGION
REQUEST_ID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with start_server(client_timeout=2.0) as running:
        yield running


def _import_params(name: str, body: str) -> dict[str, str]:
    return {"Action": contract.ACTION_IMPORT, "RegionId": REGION, "KeyPairName": name, "PublicKeyBody": body}


def test_get_post_query_post_form_and_split_all_work(server: RunningServer, rsa_pub: str) -> None:
    fingerprints = set()
    r = call(server.url, _import_params("viaGet", rsa_pub))
    fingerprints.add(r.json()["KeyPairFingerPrint"])
    r = call(server.url, _import_params("viaPostQuery", rsa_pub), method="POST")
    fingerprints.add(r.json()["KeyPairFingerPrint"])
    r = call(
        server.url,
        None,
        method="POST",
        body={**_import_params("viaForm", rsa_pub), "Format": "JSON", "Version": contract.API_VERSION},
        fmt=None,
        version=None,
    )
    assert r.status == 200, r.raw
    fingerprints.add(r.json()["KeyPairFingerPrint"])
    split = _import_params("viaSplit", rsa_pub)
    body = {"KeyPairName": split.pop("KeyPairName"), "PublicKeyBody": split.pop("PublicKeyBody")}
    r = call(server.url, split, method="POST", body=body)
    assert r.status == 200, r.raw
    fingerprints.add(r.json()["KeyPairFingerPrint"])
    assert len(fingerprints) == 1
    listed = call(server.url, {"Action": contract.ACTION_DESCRIBE, "RegionId": REGION}).json()
    assert {kp["KeyPairName"] for kp in listed["KeyPairs"]["KeyPair"]} == {
        "viaGet",
        "viaPostQuery",
        "viaForm",
        "viaSplit",
    }


def test_v3_style_headers_instead_of_action_and_version(server: RunningServer, rsa_pub: str) -> None:
    params = _import_params("viaV3", rsa_pub)
    del params["Action"]
    r = call(
        server.url,
        params,
        method="POST",
        fmt=None,
        version=None,
        headers={
            "x-acs-action": contract.ACTION_IMPORT,
            "x-acs-version": contract.API_VERSION,
            "Accept": "application/json",
        },
    )
    assert r.status == 200
    assert r.content_type == "application/json;charset=utf-8"
    assert r.json()["KeyPairName"] == "viaV3"


@pytest.mark.parametrize(
    ("fmt", "kind"),
    [("JSON", "json"), ("json", "json"), ("Json", "json"), ("XML", "xml"), ("xml", "xml"), (None, "xml")],
)
def test_format_selects_body(server: RunningServer, rsa_pub: str, fmt: str | None, kind: str) -> None:
    ok = call(server.url, _import_params(f"fmt{fmt}", rsa_pub), fmt=fmt)
    err = call(server.url, _import_params("1bad", rsa_pub), fmt=fmt)
    assert ok.status == 200
    assert err.status == contract.INVALID_KEY_PAIR_NAME.status
    if kind == "json":
        assert ok.content_type == err.content_type == "application/json;charset=utf-8"
        assert ok.json()["KeyPairName"] == f"fmt{fmt}"
        assert err.json()["Code"] == contract.INVALID_KEY_PAIR_NAME.code
    else:
        assert ok.content_type == err.content_type == "text/xml;charset=utf-8"
        assert ok.xml().tag == "ImportKeyPairResponse"
        assert ok.field("KeyPairName") == f"fmt{fmt}"
        assert err.xml().tag == "Error"
        assert err.field("Code") == contract.INVALID_KEY_PAIR_NAME.code
    for reply in (ok, err):
        assert REQUEST_ID.match(reply.field("RequestId") or "")
    for name in ("RequestId", "HostId", "Code", "Message", "Recommend"):
        assert err.field(name)
    assert err.field("Message") == contract.INVALID_KEY_PAIR_NAME.message


def test_xml_roots_of_describe_and_delete(server: RunningServer, rsa_pub: str) -> None:
    call(server.url, _import_params("xmlOne", rsa_pub))
    described = call(server.url, {"Action": contract.ACTION_DESCRIBE, "RegionId": REGION}, fmt="XML")
    root = described.xml()
    assert root.tag == "DescribeKeyPairsResponse"
    assert root.findtext("KeyPairs/KeyPair/KeyPairName") == "xmlOne"
    assert root.findtext("TotalCount") == "1"
    deleted = call(
        server.url,
        {"Action": contract.ACTION_DELETE, "RegionId": REGION, "KeyPairNames": '["xmlOne"]'},
        fmt="XML",
    )
    assert deleted.xml().tag == "DeleteKeyPairsResponse"
    assert REQUEST_ID.match(deleted.field("RequestId") or "")


def test_unknown_format_value_is_a_client_error(server: RunningServer) -> None:
    r = call(server.url, {"Action": contract.ACTION_DESCRIBE, "RegionId": REGION}, fmt="YAML")
    assert r.status == contract.INVALID_PARAMETER.status
    assert r.field("Code") == contract.INVALID_PARAMETER.code


@pytest.mark.parametrize(
    ("params", "row"),
    [
        ({"RegionId": REGION}, contract.ACTION_NOT_FOUND),
        ({"Action": "RunInstances", "RegionId": REGION}, contract.ACTION_NOT_FOUND),
        ({"Action": "importkeypair", "RegionId": REGION}, contract.ACTION_NOT_FOUND),
        (
            {"Action": contract.ACTION_DESCRIBE, "RegionId": REGION, "Version": "2016-01-01"},
            contract.INVALID_VERSION,
        ),
        ({"Action": contract.ACTION_DESCRIBE, "RegionId": "mars-1"}, contract.REGION_NOT_FOUND),
        ({"Action": contract.ACTION_DESCRIBE}, contract.MISSING_PARAMETER),
    ],
)
def test_action_version_region_errors(
    server: RunningServer, params: dict[str, str], row: contract.ErrorRow
) -> None:
    r = call(server.url, params)
    assert (r.status, r.json()["Code"]) == (row.status, row.code)


def test_missing_version(server: RunningServer) -> None:
    r = call(server.url, {"Action": contract.ACTION_DESCRIBE, "RegionId": REGION}, version=None)
    assert (r.status, r.json()["Code"]) == (
        contract.MISSING_PARAMETER.status,
        contract.MISSING_PARAMETER.code,
    )
    assert r.json()["Message"] == contract.missing_parameter_message("Version")


def _raw(server: RunningServer, data: bytes) -> tuple[int, bytes]:
    response = raw_exchange(server.host, server.port, data)
    return status_of(response), body_of(response)


@pytest.mark.parametrize(
    "query",
    [
        b"Action=DescribeKeyPairs&RegionId=%zz",
        b"Action=DescribeKeyPairs&RegionId=%4",
        b"Action=DescribeKeyPairs&RegionId=%ff%fe",
        b"Action=DescribeKeyPairs&RegionId=a&RegionId=b",
        b"Action=DescribeKeyPairs&Action=DescribeKeyPairs&RegionId=cn-hangzhou",
    ],
    ids=["bad hex", "short escape", "invalid utf-8", "repeated", "repeated identical"],
)
def test_bad_query_strings_get_a_4xx_error_body(server: RunningServer, query: bytes) -> None:
    status, body = _raw(
        server, b"GET /?Format=JSON&Version=2014-05-26&" + query + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    assert status == contract.INVALID_PARAMETER.status
    parsed = json.loads(body)
    assert parsed["Code"] == contract.INVALID_PARAMETER.code
    assert parsed["RequestId"]


def test_parameter_in_query_and_body_is_repeated(server: RunningServer) -> None:
    r = call(
        server.url,
        {"Action": contract.ACTION_DESCRIBE, "RegionId": REGION},
        method="POST",
        body={"RegionId": REGION},
    )
    assert r.status == contract.INVALID_PARAMETER.status


def test_body_over_limit_is_413(server: RunningServer) -> None:
    too_big = contract.MAX_REQUEST_BODY_BYTES + 1
    head = (
        f"POST /?Format=JSON HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {too_big}\r\n\r\n"
    ).encode()
    status, body = _raw(server, head + b"a" * 1000)
    assert status == contract.REQUEST_TOO_LARGE.status
    assert json.loads(body)["Code"] == contract.REQUEST_TOO_LARGE.code
    # a body exactly at the limit is read and answered normally
    at_limit = b"Action=DescribeKeyPairs&RegionId=cn-hangzhou&Version=2014-05-26&Format=JSON&Pad="
    at_limit += b"x" * (contract.MAX_REQUEST_BODY_BYTES - len(at_limit))
    r = call(server.url, None, method="POST", body=at_limit, fmt=None, version=None,
             headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert r.status == 200


def test_chunked_body_is_accepted(server: RunningServer) -> None:
    payload = b"Action=DescribeKeyPairs&RegionId=cn-hangzhou"
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(payload), payload)
    status, body = _raw(
        server,
        b"POST /?Format=JSON&Version=2014-05-26 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n\r\n" + chunked,
    )
    assert status == 200
    assert json.loads(body)["TotalCount"] == 0


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/2.0\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nBadHeaderNoColon\r\n\r\n",
        b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n",
        b"GET / HTTP/1.1\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(150)) + b"\r\n",
        b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"GET /other/path?Action=DescribeKeyPairs HTTP/1.1\r\n\r\n",
    ],
    ids=[
        "garbage line",
        "http/2.0",
        "header without colon",
        "huge header",
        "too many headers",
        "huge request line",
        "non-numeric length",
        "negative length",
        "conflicting lengths",
        "unknown transfer-encoding",
        "bad chunk size",
        "other path",
    ],
)
def test_bad_http_gets_4xx_with_error_body(server: RunningServer, request_bytes: bytes) -> None:
    status, body = _raw(server, request_bytes)
    assert 400 <= status < 500, (status, body[:200])
    assert b"<Code>" in body or b'"Code"' in body
    assert b"RequestId" in body


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO"])
def test_bad_methods_get_unsupported_http_method(server: RunningServer, method: str) -> None:
    r = call(server.url, {"Action": contract.ACTION_DESCRIBE, "RegionId": REGION}, method=method)
    assert (r.status, r.json()["Code"]) == (
        contract.UNSUPPORTED_HTTP_METHOD.status,
        contract.UNSUPPORTED_HTTP_METHOD.code,
    )


def test_head_gets_error_status_without_body(server: RunningServer) -> None:
    r = call(server.url, {"Action": contract.ACTION_DESCRIBE, "RegionId": REGION}, method="HEAD")
    assert r.status == contract.UNSUPPORTED_HTTP_METHOD.status
    assert r.raw == b""


def test_keep_alive_serves_many_requests_on_one_connection(server: RunningServer) -> None:
    request = (
        b"GET /?Action=DescribeKeyPairs&RegionId=cn-hangzhou&Version=2014-05-26&Format=JSON HTTP/1.1\r\n"
        b"Host: x\r\n\r\n"
    )
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        ids = set()
        for _ in range(20):
            sock.sendall(request)
            response = read_response(sock)
            assert status_of(response) == 200
            assert b"Connection: keep-alive" in response
            ids.add(json.loads(body_of(response))["RequestId"])
    assert len(ids) == 20


def test_idle_client_is_disconnected(server: RunningServer) -> None:
    """The fixture's client timeout is 2 s: a silent client is dropped, not held forever (the
    socket's own 10 s timeout would raise instead; how long it takes: bench_timeouts.py)."""
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(b"GET /?Action=Desc")  # a partial request line, then silence
        assert sock.recv(1024) == b""
    assert call(server.url, {"Action": contract.ACTION_DESCRIBE, "RegionId": REGION}).status == 200


def test_trickling_client_is_cut_off(server: RunningServer) -> None:
    """A client sending one byte a second never times out a single read, but the whole request
    is bounded (slowloris): the fixture's 2 s client timeout gives a 4 s request deadline, so
    the server hangs up long before the 31 s the line takes at this pace (how long it takes:
    bench_timeouts.py)."""
    line = b"GET /?Action=DescribeKeyPairs&RegionId=cn-hangzhou HTTP/1.1\r\n"
    with socket.create_connection((server.host, server.port), timeout=20) as sock:
        sent = 0
        for byte in line:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                break  # the server hung up
            sent += 1
            time.sleep(0.5)
        assert sent < len(line)
    assert call(server.url, {"Action": contract.ACTION_DESCRIBE, "RegionId": REGION}).status == 200


def test_each_response_is_one_write(server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Headers and body leave in ONE sendall: written apart, a keep-alive client waits ~40 ms
    per response for a delayed ACK."""
    import socketserver

    writes: list[int] = []
    real_write = socketserver._SocketWriter.write

    def counting_write(self: socketserver._SocketWriter, data: bytes) -> int:
        writes.append(len(data))
        return real_write(self, data)

    monkeypatch.setattr(socketserver._SocketWriter, "write", counting_write)
    request = (
        b"GET /?Action=DescribeKeyPairs&RegionId=cn-hangzhou&Version=2014-05-26&Format=XML HTTP/1.1\r\n"
        b"Host: x\r\n\r\n"
    )
    bad = b"GET /?Action=Nope&Version=2014-05-26 HTTP/1.1\r\nHost: x\r\n\r\n"
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sizes = []
        for data in (request, bad) * 5:
            sock.sendall(data)
            response = read_response(sock)
            sizes.append(len(response))
    assert writes == sizes
