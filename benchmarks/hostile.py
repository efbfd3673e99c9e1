"""Hostile targets: small loopback servers that answer the way a broken new mock does.

Each ``HOSTILE`` entry starts a server on 127.0.0.1 (a free port) in a thread of this process
and returns its URL and a ``close``. The kinds (issue 14): success to everything, one error to
everything, a body that is neither JSON nor XML, a 64 MiB body, a redirect to another
loopback address, headers then silence, no answer at all, a connection closed at once, errors
with HTML and ``<script>`` in ``Message``, a billion-laughs XML body, and a redirect to a
"thief" that records whether a signed request (its ``Signature``, ``AccessKeyId`` or the
secret) ever reached it. ``broken_targets.py`` runs the suite against each; tests load this
module through ``tests/mutation/bench.py``.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

_JSON = "application/json;charset=utf-8"
_XML = "text/xml;charset=utf-8"
_FINGERPRINT = ":".join(["00"] * 16)
HUGE_BODY_BYTES = 64 * 1024 * 1024
_OTHER = "127.0.0.2"  # another loopback address (Linux routes all of 127/8 to lo)
_BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10)
    )
    + "]>\n<ImportKeyPairResponse><RequestId>&lol9;</RequestId></ImportKeyPairResponse>"
)


@dataclass
class Recorder:
    """What a server saw: request heads (for the thief)."""

    heads: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, head: str) -> None:
        with self.lock:
            self.heads.append(head)


def _read_request(conn: socket.socket) -> str:
    """One request's head and body (by Content-Length), as text; '' when the client left."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return ""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return (head + b"\r\n\r\n" + body).decode("latin-1")


def _response(status: str, body: bytes, content_type: str, extra: str = "") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n{extra}"
        "Connection: keep-alive\r\n\r\n"
    ).encode() + body


Handler = Callable[[socket.socket, str], bool]  # (connection, request) -> keep the connection?


def _canned(status: str, body: str | bytes, content_type: str = _JSON, extra: str = "") -> Handler:
    raw = body.encode() if isinstance(body, str) else body
    response = _response(status, raw, content_type, extra)

    def handle(conn: socket.socket, request: str) -> bool:
        conn.sendall(response)
        return True

    return handle


def _huge(conn: socket.socket, request: str) -> bool:
    head = (f"HTTP/1.1 200 OK\r\nContent-Type: {_JSON}\r\nContent-Length: {HUGE_BODY_BYTES}\r\n\r\n").encode()
    conn.sendall(head + b'{"RequestId": "')
    chunk = b"x" * (1024 * 1024)
    sent = 16
    while sent + len(chunk) <= HUGE_BODY_BYTES - 2:
        conn.sendall(chunk)
        sent += len(chunk)
    conn.sendall(b"x" * (HUGE_BODY_BYTES - 2 - sent) + b'"}')
    return True


class Server:
    """A threaded loopback TCP server calling ``handler`` once per request."""

    def __init__(self, handler: Handler | None, *, host: str = "127.0.0.1", silent: bool = False,
                 close_at_once: bool = False, recorder: Recorder | None = None) -> None:  # fmt: skip
        self.handler, self.silent, self.close_at_once = handler, silent, close_at_once
        self.recorder = recorder
        self._sock = socket.create_server((host, 0))
        self._stop = threading.Event()
        self._conns: list[socket.socket] = []
        self.url = f"http://{host}:{self._sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self._sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            self._conns.append(conn)
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn: socket.socket) -> None:
        try:
            if self.close_at_once:
                return
            while not self._stop.is_set():
                request = _read_request(conn)
                if not request:
                    return
                if self.recorder is not None:
                    self.recorder.add(request)
                if self.silent:  # read, then never answer: wait for the client to give up
                    self._stop.wait()
                    return
                assert self.handler is not None
                if not self.handler(conn, request):
                    return
        except OSError:
            return
        finally:
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._sock.close()
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.close()


def _headers_then_silence(conn: socket.socket, request: str) -> bool:
    conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: {_JSON}\r\nContent-Length: 100\r\n\r\n".encode())
    threading.Event().wait(3600)
    return False


@dataclass
class Running:
    url: str
    close: Callable[[], None]
    recorder: Recorder | None = None  # the thief's, for the signed-request-thief kind


def _one(handler: Handler | None, **kwargs: object) -> Running:
    server = Server(handler, **kwargs)  # type: ignore[arg-type]
    return Running(server.url, server.close)


def _redirect_to(status: str, other: Server, recorder: Recorder | None = None) -> Running:
    front = Server(_canned(status, "", "text/plain", f"Location: {other.url}/?stolen=1\r\n"))

    def close() -> None:
        front.close()
        other.close()

    return Running(front.url, close, recorder)


def _elsewhere() -> Server:
    return Server(_canned("200 OK", _SUCCESS), host=_OTHER)


def _thief() -> Running:
    recorder = Recorder()
    thief = Server(_canned("200 OK", '{"RequestId": "thief"}'), host=_OTHER, recorder=recorder)
    return _redirect_to("307 Temporary Redirect", thief, recorder)


_SUCCESS = (
    '{"RequestId": "ok-0000", "KeyPairName": "ikp-anything", '
    f'"KeyPairFingerPrint": "{_FINGERPRINT}", "KeyPairId": "kp-1"}}'
)
_MISSING = '{"RequestId": "e-0000", "Code": "MissingParameter", "Message": "The input parameter is missing."}'
_HTML = (
    '{"RequestId": "h-0000", "Code": "InvalidParameter", '
    '"Message": "<html><body><script>alert(document.cookie)</script><b>bad</b></body></html>"}'
)

# name -> (what it does, start)
HOSTILE: dict[str, tuple[str, Callable[[], Running]]] = {
    "success-to-everything": ("200 with a success body to everything",
                              lambda: _one(_canned("200 OK", _SUCCESS))),
    "missing-parameter-to-everything": ("400 MissingParameter to everything",
                                        lambda: _one(_canned("400 Bad Request", _MISSING))),
    "garbage-body": ("200 with a body that is neither JSON nor XML",
                     lambda: _one(_canned("200 OK", "this is neither json nor xml\n", "text/plain"))),
    "huge-body": ("200 with a 64 MiB body", lambda: _one(_huge)),
    "redirect-loopback": ("302 to another loopback address", lambda: _redirect_to("302 Found", _elsewhere())),
    "headers-then-silence": ("headers, then silence", lambda: _one(_headers_then_silence)),
    "never-answers": ("reads the request, never answers", lambda: _one(None, silent=True)),
    "closes-at-once": ("closes the connection at once", lambda: _one(None, close_at_once=True)),
    "html-in-message": ("errors with HTML and <script> in Message",
                        lambda: _one(_canned("400 Bad Request", _HTML))),
    "billion-laughs": ("200 with a billion-laughs XML body",
                       lambda: _one(_canned("200 OK", _BILLION_LAUGHS, _XML))),
    "redirect-to-thief": ("307 to a thief that records signed requests", _thief),
}  # fmt: skip


def stolen(recorder: Recorder | None, secrets: tuple[str, ...]) -> list[str]:
    """What of ``secrets`` (or any Signature / AccessKeyId / Authorization) reached the thief."""
    if recorder is None:
        return []
    found: list[str] = []
    for head in recorder.heads:
        for word in ("Signature=", "AccessKeyId=", "authorization:", *secrets):
            if word.lower() in head.lower() and word not in found:
                found.append(word)
    return found
