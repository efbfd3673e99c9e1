"""Tiny HTTP helpers for the reference server's tests: http.client calls and raw-socket exchanges."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import urllib.parse
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from conformance import contract


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def json(self) -> Any:
        return json.loads(self.raw)

    def xml(self) -> ET.Element:
        return ET.fromstring(self.raw)

    def field(self, name: str) -> str | None:
        """A top-level field whatever the format."""
        if self.content_type.startswith("application/json"):
            value = self.json().get(name)
            return None if value is None else str(value)
        node = self.xml().find(name)
        return None if node is None else (node.text or "")


def call(
    url: str,
    params: dict[str, str] | None = None,
    *,
    method: str = "GET",
    body: dict[str, str] | bytes | None = None,
    headers: dict[str, str] | None = None,
    fmt: str | None = "JSON",
    version: str | None = contract.API_VERSION,
) -> Reply:
    """One request; params go in the query string, ``body`` (dict) form-encoded."""
    query = dict(params or {})
    if fmt is not None:
        query.setdefault("Format", fmt)
    if version is not None:
        query.setdefault("Version", version)
    hdrs = dict(headers or {})
    data: bytes | None = None
    if isinstance(body, dict):
        data = urllib.parse.urlencode(body).encode()
        hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
    elif body is not None:
        data = body
    parsed = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=20)
    try:
        path = "/?" + urllib.parse.urlencode(query) if query else "/"
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


def raw_exchange(host: str, port: int, data: bytes, timeout: float = 10.0) -> bytes:
    """Send raw bytes, read until the server closes or the response is complete."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        with contextlib.suppress(OSError):
            sock.sendall(data)
        return read_response(sock)


def read_response(sock: socket.socket) -> bytes:
    """Read one HTTP response (status line, headers, Content-Length body) from ``sock``."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        try:
            chunk = sock.recv(65536)
        except OSError:
            return buf
        if not chunk:
            return buf
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if head.startswith(b"HEAD") or b" 100 " in head.split(b"\r\n")[0]:
        return buf
    while len(rest) < length:
        try:
            chunk = sock.recv(65536)
        except OSError:
            break
        if not chunk:
            break
        rest += chunk
    return head + b"\r\n\r\n" + rest


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/") else 0


def body_of(response: bytes) -> bytes:
    return response.partition(b"\r\n\r\n")[2]
