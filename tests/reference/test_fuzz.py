"""Fuzzing: random raw HTTP never gets a 5xx or kills the server; random key bodies never crash the parser."""

from __future__ import annotations

import base64
import socket
import urllib.parse
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance import contract
from conformance.reference import RunningServer, keys, start_server

from . import certs
from .rawhttp import call, read_response, status_of

PARAM_NAMES = [
    "Action",
    "Version",
    "Format",
    "RegionId",
    "KeyPairName",
    "PublicKeyBody",
    "ResourceGroupId",
    "Tag.1.Key",
    "Tag.1.Value",
    "Tag.21.Key",
    "KeyPairNames",
    "PageSize",
    "PageNumber",
    "IncludePublicKey",
    "KeyPairFingerPrint",
    "Signature",
    "AccessKeyId",
]
PARAM_VALUES = [
    contract.ACTION_IMPORT,
    contract.ACTION_DESCRIBE,
    contract.ACTION_DELETE,
    contract.API_VERSION,
    "JSON",
    "xml",
    contract.DEFAULT_REGION,
    "ssh-rsa AAAAB3NzaC1yc2E",
    '["a1"]',
    "*",
    "50",
]
METHODS = [b"GET", b"POST", b"HEAD", b"PUT", b"DELETE", b"OPTIONS", b"PATCH", b"CONNECT", b"get", b"PRI"]
VERSIONS = [b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2.0", b"HTTP/0.9", b"HTTP/1.1x", b"", b"FOO/1.1"]
HEADER_NAMES = [b"Content-Type", b"Accept", b"Content-Length", b"Transfer-Encoding", b"Connection", b"Expect",
                b"x-acs-action", b"x-acs-version", b"Authorization", b"Host", b"X-Random"]  # fmt: skip
TOKEN = st.binary(min_size=1, max_size=12).filter(lambda b: not any(c in b for c in b" \r\n\t:"))


def _pair(name: str, value: str | bytes) -> bytes:
    if isinstance(value, bytes):
        return urllib.parse.quote_from_bytes(name.encode()).encode() + b"=" + value
    return urllib.parse.quote(name).encode() + b"=" + urllib.parse.quote(value).encode()


@st.composite
def query_strings(draw: st.DrawFn) -> bytes:
    pairs = draw(
        st.lists(
            st.tuples(
                st.sampled_from(PARAM_NAMES) | st.text(max_size=8),
                st.sampled_from(PARAM_VALUES) | st.text(max_size=40) | st.binary(max_size=20),
            ),
            max_size=8,
        )
    )
    return b"&".join(_pair(n, v) for n, v in pairs)


@st.composite
def structured_requests(draw: st.DrawFn) -> bytes:
    # Mostly well-formed HTTP, so that most examples reach the API layer.
    method = draw(st.sampled_from([b"GET", b"POST"]) | st.sampled_from(METHODS) | TOKEN)
    path = draw(
        st.just(b"/") | st.sampled_from([b"/x", b"*", b"http://h/", b"//"]) | TOKEN.map(lambda b: b"/" + b)
    )
    query = draw(query_strings())
    if draw(st.booleans()):
        action = draw(
            st.sampled_from([contract.ACTION_IMPORT, contract.ACTION_DESCRIBE, contract.ACTION_DELETE])
        )
        common = f"Action={action}&Version={contract.API_VERSION}&RegionId={contract.DEFAULT_REGION}"
        query = common.encode() + (b"&" + query if query else b"")
    version = draw(st.just(b"HTTP/1.1") | st.sampled_from(VERSIONS))
    target = path + (b"?" + query if query or draw(st.booleans()) else b"")
    body = draw(st.one_of(st.just(b""), query_strings(), st.binary(max_size=300)))
    headers = draw(
        st.lists(
            st.tuples(
                st.sampled_from(HEADER_NAMES) | TOKEN,
                st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")),
            ),
            max_size=6,
        )
    )
    lines = [b" ".join(p for p in (method, target, version) if p)]
    if draw(st.booleans()):
        lines.append(b"Content-Length: %d" % len(body))
    lines += [n + b": " + v for n, v in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


@st.composite
def api_requests(draw: st.DrawFn) -> bytes:
    """Well-formed HTTP with well-encoded text parameters: these reach the three operations."""
    action = draw(st.sampled_from([contract.ACTION_IMPORT, contract.ACTION_DESCRIBE, contract.ACTION_DELETE]))
    params = {"Action": action, "Version": contract.API_VERSION, "RegionId": contract.DEFAULT_REGION}
    params.update(
        draw(
            st.dictionaries(
                st.sampled_from(PARAM_NAMES[2:]) | st.text(min_size=1, max_size=8),
                st.sampled_from(PARAM_VALUES) | st.text(max_size=60),
                max_size=6,
            )
        )
    )
    encoded = urllib.parse.urlencode(params).encode()
    if draw(st.booleans()):
        return b"GET /?" + encoded + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    return (
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(encoded), encoded)
    )


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with start_server(client_timeout=1.0) as running:
        yield running


def _exchange(server: RunningServer, data: bytes) -> bytes:
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)  # the server sees EOF instead of waiting for more bytes
        except OSError:
            pass
        return read_response(sock)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(structured_requests(), api_requests(), api_requests(), st.binary(max_size=600)))
def test_random_http_never_gets_5xx(server: RunningServer, data: bytes) -> None:
    response = _exchange(server, data)
    if response:
        status = status_of(response)
        assert 200 <= status < 500, response[:300]
        assert b"x-acs-request-id:" in response


def test_server_still_answers_after_fuzzing(server: RunningServer) -> None:
    r = call(server.url, {"Action": contract.ACTION_DESCRIBE, "RegionId": contract.DEFAULT_REGION})
    assert r.status == 200
    assert r.json()["RequestId"]


_RSA_SUBJECT = rsa.generate_private_key(65537, 1024).public_key()
_CA = ec.generate_private_key(ec.SECP256R1())
SEEDS = [
    certs.plain_blob(_RSA_SUBJECT),
    certs.plain_blob(ec.generate_private_key(ec.SECP384R1()).public_key()),
    certs.v00_certificate(_RSA_SUBJECT, _CA),
    certs.v01_certificate(_RSA_SUBJECT, _CA),
]


@st.composite
def mutated_blobs(draw: st.DrawFn) -> bytes:
    blob = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "cut", "insert"]))
        pos = draw(st.integers(0, max(len(blob) - 1, 0)))
        if op == "flip" and blob:
            blob[pos] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del blob[pos : pos + draw(st.integers(1, 16))]
        else:
            blob[pos:pos] = draw(st.binary(min_size=1, max_size=8))
    return bytes(blob)


@settings(max_examples=400, deadline=None)
@given(blob=mutated_blobs(), type_name=st.sampled_from(contract.DOCUMENTED_KEY_TYPES))
def test_mutated_key_blobs_are_accepted_or_malformed(blob: bytes, type_name: str) -> None:
    try:
        parsed = keys.parse_public_key(f"{type_name} {base64.b64encode(blob).decode()}")
    except keys.MalformedKey:
        return
    assert parsed.key_type == type_name
    assert len(parsed.fingerprint.split(":")) == contract.FINGERPRINT_DIGEST_BYTES


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300))
def test_random_text_bodies_are_accepted_or_malformed(text: str) -> None:
    try:
        keys.parse_public_key(text)
    except keys.MalformedKey:
        return
    pytest.fail(f"random text accepted as a key: {text!r}")
