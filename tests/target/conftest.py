"""Fixtures for the target-client tests: tiny loopback servers that record what they receive."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest


@dataclass
class Received:
    """One request as the server saw it."""

    method: str
    path: str  # the raw request target, query included
    headers: dict[str, str]
    body: bytes
    client_port: int

    @property
    def raw_query(self) -> str:
        return urlsplit(self.path).query

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(self.raw_query, keep_blank_values=True))

    @property
    def form(self) -> dict[str, str]:
        if self.header("content-type").startswith("application/x-www-form-urlencoded"):
            return dict(parse_qsl(self.body.decode(), keep_blank_values=True))
        return {}

    @property
    def all_params(self) -> dict[str, str]:
        return {**self.query, **self.form}

    def header(self, name: str) -> str:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return ""


Reply = tuple[int, dict[str, str], bytes | Iterable[bytes]]


def json_reply(status: int = 200, **fields: str) -> Reply:
    body = json.dumps({"RequestId": "req-1", **fields}).encode()
    return status, {"Content-Type": "application/json;charset=utf-8"}, body


@dataclass
class RecordingServer:
    """An HTTP/1.1 server on 127.0.0.1 that records requests and answers with ``responder``."""

    responder: Callable[[Received], Reply] = field(default=lambda r: json_reply(Echo="ok"))
    received: list[Received] = field(default_factory=list)

    def start(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go in two writes

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                got = Received(
                    self.command, self.path, dict(self.headers.items()), body, self.client_address[1]
                )
                owner.received.append(got)
                status, headers, payload = owner.responder(got)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if isinstance(payload, bytes):
                    if "Content-Length" not in headers and "Transfer-Encoding" not in headers:
                        self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    with contextlib.suppress(OSError):  # the client stopped reading (a capped body)
                        self.wfile.write(payload)
                    return
                self.end_headers()
                try:
                    for piece in payload:  # a trickle: flushed piece by piece
                        self.wfile.write(piece)
                        self.wfile.flush()
                except OSError:
                    pass  # the client gave up

            do_GET = do_POST = do_PUT = _handle

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def last(self) -> Received:
        assert self.received, "the server received nothing"
        return self.received[-1]


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    srv = RecordingServer()
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A socket that accepts connections (the kernel completes the handshake) and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


@pytest.fixture
def refused_url() -> str:
    """A loopback port with nothing listening (bound then closed)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"
