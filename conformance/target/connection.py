"""The target client's HTTP/1.1 connections: one keep-alive connection per thread, one request
at a time, every answer read within a deadline and a size cap.

This module owns the wire side of ``target.Target``: opening (and reopening) connections,
sending a request exactly as built, reading the status, headers and body, decoding a gzip or
deflate body without letting it grow past the cap, and turning every network failure into a
``SendError`` whose message names the target and says whether the request surely never left
(only those are safe to send again).

It uses the standard library's ``http.client``. ``requests`` (with urllib3) re-validates a URL
character by character in Python three times per request, 0.8 ms each for the 2.4 KB query of
a GET carrying a 4096-bit certificate: more than the rest of the suite's client put together.
The client writes and percent-encodes every URL itself (``signing.encode_pairs``), so nothing
here rewrites it; redirects are never followed; no proxy or ``.netrc`` is read.
"""

from __future__ import annotations

import http.client
import select
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

READ_CHUNK = 16 * 1024


# (method, request target, headers as sent, body)
Request = tuple[str, str, Mapping[str, str], bytes]


class SendError(Exception):
    """A request that got no usable answer; ``retryable`` when it surely never reached the target."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Response:
    """Status, headers (repeated ones joined with ``, ``), the body as decoded and a note when
    the body was cut at the cap."""

    status: int
    headers: dict[str, str]
    body: bytes
    note: str | None = None


@dataclass(frozen=True)
class Pending:
    """A request sent and not yet answered: its connection and its deadline."""

    conn: http.client.HTTPConnection
    deadline: float


class _Decoder:
    """Content-Encoding ``gzip``/``deflate`` (zlib or raw) decoding, at most ``room`` + 1 bytes
    out per ``feed``."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS)
        self._first = True

    def feed(self, data: bytes, room: int) -> bytes:
        try:
            return self._zlib.decompress(data, room + 1)
        except zlib.error:
            if self.encoding == "deflate" and self._first:  # some servers send raw deflate
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                self._first = False
                return self._zlib.decompress(data, room + 1)
            raise
        finally:
            self._first = False


class Connections:
    """Keep-alive connections to one origin (``scheme://host[:port]``), one per thread."""

    def __init__(
        self, origin: str, *, timeout: float, max_body: int, user_agent: str, ca_file: str | None = None
    ) -> None:
        parts = urlsplit(origin)
        self.origin = origin
        self.host_header = parts.netloc
        self._hostname = parts.hostname or ""
        self._https = parts.scheme == "https"
        self._port = parts.port or (443 if self._https else 80)
        self.timeout = timeout
        self.max_body = max_body
        self.user_agent = user_agent
        self._ca_file = ca_file
        self._context: ssl.SSLContext | None = None
        self._local = threading.local()
        self._all: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    # -- connections -----------------------------------------------------------------------
    def _new(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection
        if self._https:
            if self._context is None:  # loads the CA bundle: once, not per connection
                self._context = ssl.create_default_context(cafile=self._ca_file)
            conn = http.client.HTTPSConnection(
                self._hostname, self._port, timeout=self.timeout, context=self._context
            )
        else:
            conn = http.client.HTTPConnection(self._hostname, self._port, timeout=self.timeout)
        with self._lock:
            self._all.append(conn)
        return conn

    def _connection(self, slot: int = 0) -> http.client.HTTPConnection:
        """This thread's connection number ``slot``, open; a reused one that the peer closed
        (or that has unread bytes) is replaced first, so a request is never sent on a dead
        socket."""
        conns: list[http.client.HTTPConnection] | None = getattr(self._local, "conns", None)
        if conns is None:
            conns = self._local.conns = []
        while len(conns) <= slot:
            conns.append(self._new())
        conn = conns[slot]
        if conn.sock is not None and _dropped(conn.sock):
            conn.close()
        if conn.sock is None:
            self._connect(conn)
        return conn

    def _connect(self, conn: http.client.HTTPConnection) -> None:
        try:
            conn.connect()
        except ssl.SSLError as exc:
            conn.close()
            raise SendError(f"connection to {self.origin} failed: {_reason(exc)}", retryable=False) from None
        except TimeoutError:
            conn.close()
            raise SendError(
                f"connecting to {self.origin} timed out after {self.timeout:g} s", retryable=True
            ) from None
        except socket.gaierror:
            conn.close()
            raise SendError(
                f"cannot connect to {self.origin}: cannot resolve {self._hostname}", retryable=True
            ) from None
        except OSError as exc:
            conn.close()
            reason = "connection refused" if isinstance(exc, ConnectionRefusedError) else _reason(exc)
            raise SendError(f"cannot connect to {self.origin}: {reason}", retryable=True) from None

    def close(self) -> None:
        """Close every connection of every thread."""
        with self._lock:
            conns, self._all = self._all, []  # every thread's, every slot's
        for conn in conns:
            conn.close()
        self._local = threading.local()

    def request_headers(self, method: str, headers: Mapping[str, str], body: bytes) -> dict[str, str]:
        """The headers a request will carry, in the order sent (recorded in the Exchange)."""
        out = {"Host": self.host_header, "User-Agent": self.user_agent, "Accept-Encoding": "identity"}
        out["Accept"] = "*/*"
        out["Connection"] = "keep-alive"
        for name, value in headers.items():
            for existing in [k for k in out if k.lower() == name.lower()]:
                del out[existing]
            out[name] = value
        if body or method == "POST":
            out["Content-Length"] = str(len(body))
        return out

    # -- one exchange ----------------------------------------------------------------------
    def start(self, slot: int, request: Request) -> Pending | SendError:
        """Send ``request`` (headers exactly as given, see ``request_headers``) on this
        thread's connection number ``slot`` and read nothing yet: requests started on
        several slots are all in flight while ``finish`` reads their answers in turn. The
        answer is due ``timeout`` seconds after the start, even on a trickle."""
        method, target, headers, body = request
        try:
            conn = self._connection(slot)
        except SendError as failure:
            return failure
        deadline = time.monotonic() + self.timeout
        try:
            conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in headers.items():
                conn.putheader(name, value)
            conn.endheaders(body or None)
        except (OSError, http.client.HTTPException) as exc:
            return self._lost(conn, exc)
        return Pending(conn, deadline)

    def finish(self, pending: Pending | SendError) -> Response | SendError:
        """The answer to a ``start``ed request (or the failure that stopped it)."""
        if isinstance(pending, SendError):
            return pending
        try:
            return self._receive(pending.conn, pending.deadline)
        except SendError as failure:
            pending.conn.close()
            return failure

    def _lost(self, conn: http.client.HTTPConnection, exc: BaseException) -> SendError:
        conn.close()
        if isinstance(exc, TimeoutError | socket.timeout):
            waited = f"timed out after {self.timeout:g} s waiting for a response from {self.origin}"
            return SendError(waited, retryable=False)
        return SendError(f"connection to {self.origin} failed: {_reason(exc)}", retryable=False)

    def _receive(self, conn: http.client.HTTPConnection, deadline: float) -> Response:
        try:
            response = conn.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            raise self._lost(conn, exc) from None
        body_read, note = self._read_body(response, deadline)
        response.close()  # read to its end: the connection can carry the next request
        if note is not None or response.will_close:
            conn.close()
        joined: dict[str, str] = {}
        for name, value in response.getheaders():
            joined[name] = f"{joined[name]}, {value}" if name in joined else value
        return Response(response.status, joined, body_read, note)

    def _read_body(self, response: http.client.HTTPResponse, deadline: float) -> tuple[bytes, str | None]:
        """At most ``max_body`` bytes (decoded); gives up at ``deadline``. A body whose
        declared length is already over ``max_body`` is not read at all: reading (and keeping)
        its first ``max_body`` bytes would tell the oracle nothing more than its length does."""
        encoding = (response.getheader("Content-Encoding") or "").strip().lower()
        decoder = _Decoder(encoding) if encoding in ("gzip", "deflate") else None
        if decoder is None and response.length is not None and response.length > self.max_body:
            return b"", (
                f"response body of {response.length} bytes (Content-Length) is larger than "
                f"{self.max_body} bytes; not read"
            )
        chunks: list[bytes] = []
        size = 0
        while True:
            if time.monotonic() > deadline:
                raise SendError(
                    f"timed out after {self.timeout:g} s reading the response body from {self.origin}",
                    retryable=False,
                )
            try:
                raw = response.read1(READ_CHUNK) if response.length != 0 else b""
                if not raw:
                    return b"".join(chunks), None
                chunk = raw if decoder is None else decoder.feed(raw, self.max_body - size)
            except TimeoutError:
                raise SendError(
                    f"timed out after {self.timeout:g} s reading the response body from {self.origin}",
                    retryable=False,
                ) from None
            except (OSError, http.client.HTTPException, zlib.error) as exc:
                raise SendError(
                    f"connection to {self.origin} failed: {_reason(exc)}", retryable=False
                ) from None
            chunks.append(chunk)
            size += len(chunk)
            if size > self.max_body:
                cut = b"".join(chunks)[: self.max_body]
                return cut, f"response body larger than {self.max_body} bytes; not read further"


def _dropped(sock: socket.socket) -> bool:
    """True when an idle keep-alive socket is readable: the peer closed it (or sent bytes
    nobody asked for), so it must not carry another request."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _reason(exc: BaseException) -> str:
    text = str(exc)
    return type(exc).__name__ + (f": {text}" if text else "")
