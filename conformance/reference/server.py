"""The HTTP side of the reference server: connections, framing, and the Python API.

Owns the HTTP of the RPC transport (IKP-T1): GET and POST, the request line, headers and body
read within bounds (Content-Length or chunked), HTTP/1.1 keep-alive with every response
written in ONE send (headers and body together; separate writes cost ~40 ms per response
through delayed ACKs); socket timeouts for idle and slow clients, and a reaper for requests
that trickle in; a 4xx with a proper error body for every client mistake (bad methods, bad
framing, oversized bodies or headers). What a request asks for (its parameters, action,
version, signature, format) is read by ``dispatch``.

Python API (the pytest plugin's): ``start_server(...) -> RunningServer``.

Over 400 lines because HTTP/1.1 framing (keep-alive, Content-Length and chunked bodies, the
size and time limits, the idle-connection reaper) is one concern whose parts share state.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from conformance import contract
from conformance.reference import actions, auth, dispatch, errors, wire
from conformance.reference.store import KeyPairStore

log = logging.getLogger("conformance.reference")

MAX_REQUEST_LINE = 65536
CLIENT_TIMEOUT_SECONDS = 15.0
_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    411: "Length Required",
    413: "Payload Too Large",
    414: "URI Too Long",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class _HttpError(errors.ApiError):
    """A malformed HTTP request (bad request line, headers, framing): InvalidParameter's row."""

    row = contract.INVALID_PARAMETER

    def __init__(self, what: str, status: int = 400) -> None:
        self.http_status = status
        super().__init__(contract.INVALID_PARAMETER.message.format(name=what))

    @property
    def status(self) -> int:
        return self.http_status


class _TooLarge(errors.RequestTooLarge):
    def __init__(self, status: int = 413) -> None:
        self.http_status = status
        super().__init__()

    @property
    def status(self) -> int:
        return self.http_status


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ikp-reference"
    sys_version = ""
    server: ReferenceHTTPServer

    # -- connection lifecycle -----------------------------------------------------------------

    def setup(self) -> None:
        self.timeout = self.server.client_timeout  # type: ignore[misc]
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.track(self.connection, False)

    def handle(self) -> None:
        try:
            super().handle()
        except OSError:
            self.close_connection = True

    def handle_one_request(self) -> None:
        # From the first byte awaited to the answer sent: the reaper bounds this whole span.
        self.server.mark(self.connection, True)
        try:
            self._handle_one_request()
        finally:
            self.server.mark(self.connection, False)

    def _handle_one_request(self) -> None:
        self._request_id = wire.new_request_id()
        self._format = self.server.config.behaviour.default_format
        self.command = ""
        self.request_version = "HTTP/1.1"
        try:
            self.raw_requestline = self.rfile.readline(MAX_REQUEST_LINE + 1)
        except (TimeoutError, OSError):
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if len(self.raw_requestline) > MAX_REQUEST_LINE:
            self._send_error(_TooLarge(414), close=True)
            return
        try:
            if not self.parse_request():  # answers through send_error on failure
                return
        except (TimeoutError, OSError):
            self.close_connection = True
            return
        if self.request_version == "HTTP/0.9":
            self._send_error(_HttpError("HTTP version"), close=True)
            return
        try:
            self._dispatch()
        except (TimeoutError, OSError):
            self.close_connection = True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Called by ``parse_request`` for a malformed request line or headers."""
        error: errors.ApiError
        if code in (413, 414, 431):
            error = _TooLarge(code)
        else:
            error = _HttpError("HTTP request", code if 400 <= code < 500 else 400)
        self._send_error(error, close=True)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    # -- one request --------------------------------------------------------------------------

    def _send(self, status: int, content_type: str, body: bytes, close: bool) -> None:
        if close:
            self.close_connection = True
        lines = [
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}",
            f"Content-Type: {content_type}",
            f"Content-Length: {len(body)}",
            f"Date: {self.date_time_string()}",
            f"Server: {self.server_version}",
            f"x-acs-request-id: {self._request_id}",
            "Connection: close" if self.close_connection else "Connection: keep-alive",
        ]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        # ONE write: headers and body in a single sendall (no delayed-ACK stall on keep-alive).
        self.wfile.write(head if self.command == "HEAD" else head + body)
        if self.server.verbose:
            self.log_message('"%s" %d %d', self.requestline, status, len(body))

    def _send_error(self, error: errors.ApiError, *, close: bool = False) -> None:
        rules = self.server.config.behaviour
        error = rules.adjust_error(error)
        body, content_type = rules.render_error(error, self._request_id, self._format)
        self._send(error.status, content_type, body, close)

    def _read_body(self) -> bytes:
        transfer = self.headers.get("Transfer-Encoding")
        lengths = self.headers.get_all("Content-Length") or []
        if transfer is not None:
            if transfer.strip().lower() != "chunked" or lengths:
                raise _HttpError("Transfer-Encoding")
            return self._read_chunked()
        if not lengths:
            return b""
        if len(set(lengths)) != 1 or not lengths[0].strip().isdigit() or not lengths[0].isascii():
            raise _HttpError("Content-Length")
        length = int(lengths[0].strip())
        if length > contract.MAX_REQUEST_BODY_BYTES:
            raise _TooLarge()
        body: bytes = self.rfile.read(length)
        if len(body) != length:
            raise OSError("client closed the connection mid-body")
        return body

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1026)
            if not line.endswith(b"\n"):
                raise _HttpError("chunked body")
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise _HttpError("chunked body") from None
            if size < 0:
                raise _HttpError("chunked body")
            if size == 0:
                while True:  # trailers
                    trailer = self.rfile.readline(MAX_REQUEST_LINE + 1)
                    if trailer in (b"\r\n", b"\n", b""):
                        return b"".join(parts)
                    if len(trailer) > MAX_REQUEST_LINE:
                        raise _HttpError("chunked body")
            total += size
            if total > contract.MAX_REQUEST_BODY_BYTES:
                raise _TooLarge()
            chunk = self.rfile.read(size)
            if len(chunk) != size or self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise _HttpError("chunked body")
            parts.append(chunk)

    def _dispatch(self) -> None:
        method = self.command
        default_format = self.server.config.behaviour.default_format
        request = dispatch.Request(method, self.path, self.headers, default_format)
        self._format = request.format
        if method not in ("GET", "POST"):
            # The body (if any) is not read: close so the stream never desynchronises.
            self._send_error(errors.UnsupportedHttpMethod(), close=True)
            return
        try:
            body = self._read_body()
        except errors.ApiError as exc:
            self._send_error(exc, close=True)
            return
        try:
            status, payload, content_type = dispatch.answer(
                request, body, self.server.config, self.server.verifier, self._request_id
            )
        except errors.ApiError as exc:
            self._format = request.format
            self._send_error(exc)
            return
        except Exception:  # a bug in the server, never a client mistake
            log.exception("internal error answering %r", self.requestline)
            self._format = request.format
            self._send_error(errors.InternalError())
            return
        self._format = request.format
        self._send(status, content_type, payload, close=False)


class ReferenceHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer with the reference server's configuration and connection tracking."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        config: actions.Config,
        verifier: auth.Verifier,
        *,
        client_timeout: float = CLIENT_TIMEOUT_SECONDS,
        verbose: bool = False,
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.config = config
        self.verifier = verifier
        self.client_timeout = client_timeout
        self.verbose = verbose
        # open connection -> monotonic time its current request started (None: idle)
        self._connections: dict[socket.socket, float | None] = {}
        self._connections_lock = threading.Lock()
        self.request_deadline = max(2 * client_timeout, 1.0)
        self._reaper_stop = threading.Event()
        super().__init__(address, _Handler)
        self._reaper = threading.Thread(target=self._reap, name="ikp-reference-reaper", daemon=True)
        self._reaper.start()

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls getfqdn(), which can stall without DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def track(self, conn: socket.socket, opened: bool) -> None:
        with self._connections_lock:
            if opened:
                self._connections[conn] = None
            else:
                self._connections.pop(conn, None)

    def mark(self, conn: socket.socket, busy: bool) -> None:
        """Note that a request started (``busy``) or was answered on ``conn``."""
        with self._connections_lock:
            if conn in self._connections:
                self._connections[conn] = time.monotonic() if busy else None

    def _reap(self) -> None:
        """Drop connections whose request has taken longer than ``request_deadline``.

        The socket timeout bounds each read; this bounds a whole request, so a client that
        trickles one byte at a time cannot hold a thread forever (slowloris)."""
        while not self._reaper_stop.wait(min(1.0, self.request_deadline / 4)):
            now = time.monotonic()
            with self._connections_lock:
                stale = [
                    c
                    for c, t in self._connections.items()
                    if t is not None and now - t > self.request_deadline
                ]
            for conn in stale:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)

    def server_close(self) -> None:
        self._reaper_stop.set()
        super().server_close()

    def close_connections(self) -> None:
        with self._connections_lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return
        log.exception("error serving %s", client_address)


class RunningServer:
    """A reference server serving in a background thread; ``close()`` stops and joins it."""

    def __init__(self, server: ReferenceHTTPServer, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        self._closed = False
        self._close_lock = threading.Lock()
        host, port = server.server_address[:2]
        self.host = str(host)
        self.port = int(port)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def store(self) -> KeyPairStore:
        return self._server.config.store

    def close(self) -> None:
        """Stop serving, drop open connections, join the thread. Idempotent."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()
        self._thread.join()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RunningServer({self.url})"


def start_server(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    resource_groups: Sequence[str] = (contract.DEFAULT_RESOURCE_GROUP,),
    access_keys: Mapping[str, str] | None = None,
    state_file: str | None = None,
    client_timeout: float = CLIENT_TIMEOUT_SECONDS,
    verbose: bool = False,
    fault: str | None = None,
    variant: str | None = None,
) -> RunningServer:
    """Start a reference server in a background thread and return at once.

    ``resource_groups`` are the groups the server knows (the first is the default for imports
    without ``ResourceGroupId``); ``access_keys`` maps AccessKeyId to secret and turns on
    signature checks; ``state_file`` keeps the key pairs across restarts. ``variant`` picks
    another legal reading of the Profile points (``conformance.mutants.variants.VARIANTS``);
    ``fault`` injects one documented deviation (``conformance.mutants.faults.FAULTS``), to
    measure what the suite catches. Unknown names raise ``ValueError``.
    """
    behaviour = actions.Behaviour()
    if variant is not None:
        from conformance.mutants.variants import apply_variant

        behaviour = apply_variant(variant, behaviour)
    if fault is not None:
        from conformance.mutants.faults import apply_fault

        behaviour = apply_fault(fault, behaviour)
    groups = tuple(resource_groups) or (contract.DEFAULT_RESOURCE_GROUP,)
    config = actions.Config(
        store=behaviour.make_store(state_file), resource_groups=groups, behaviour=behaviour
    )
    server = ReferenceHTTPServer(
        (host, port),
        config,
        behaviour.make_verifier(access_keys),
        client_timeout=client_timeout,
        verbose=verbose,
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="ikp-reference", daemon=True
    )
    thread.start()
    return RunningServer(server, thread)
