"""A loopback proxy that records every request the suite sends, for the reproducibility test.

``RecordingProxy`` forwards each request unchanged to the upstream server and keeps what
arrived: the method, the path, the query and form parameters (in order, duplicates kept),
the headers and the body. A request to ``MARK_PATH`` is not forwarded: it is the
``recordmarks`` plugin (loaded into the suite's pytest process) saying which conformance
test starts, so the log can be cut into one group per test. ``normalized`` turns a
recorded request into what requirements.md promises stays the same across runs with one seed:
everything but the per-run name prefix, signatures, nonces and timestamps.
"""

from __future__ import annotations

import http.client
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

MARK_PATH = "/__ikp_recording_mark__"

# V1 common parameters that change with every request (requirements.md, "A run is reproducible").
VOLATILE_PARAMETERS = frozenset({"Signature", "SignatureNonce", "Timestamp"})
# Headers that change with every request or with the proxy's port: the V3 signature, nonce
# and date; Host (the port is a free one); Content-Length (follows the body, compared itself).
VOLATILE_HEADERS = frozenset(
    {"authorization", "x-acs-signature-nonce", "x-acs-date", "host", "content-length"}
)

_HOP_HEADERS = frozenset({"content-length", "connection", "transfer-encoding", "date", "server"})


@dataclass(frozen=True)
class Recorded:
    """One request as it arrived at the proxy."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def form(self) -> tuple[tuple[str, str], ...]:
        content_type = dict((k.lower(), v) for k, v in self.headers).get("content-type", "")
        if "x-www-form-urlencoded" not in content_type:
            return ()
        return tuple(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))

    def normalized(self, prefix: str) -> tuple[object, ...]:
        """Method, path, sorted query and form parameters, sorted headers and the body of a
        non-form request, with ``prefix`` (in any case) replaced by ``<PREFIX>`` and the
        volatile parameters and headers left out. A prefix with a character inserted at
        index 1 (a forbidden character right after the first, ``names.insert_at``) becomes
        ``<PREFIX>`` with that character kept: ``<PREFIX:%20>``."""
        first, rest = re.escape(prefix[:1]), re.escape(prefix[1:])
        split = re.compile(f"{first}(.{{1,12}}?){rest}", re.IGNORECASE | re.DOTALL)
        whole = re.compile(re.escape(prefix), re.IGNORECASE)

        class _Hide:
            @staticmethod
            def sub(repl: str, text: str) -> str:
                return split.sub(lambda m: f"<PREFIX:{m.group(1)}>", whole.sub(repl, text))

        hide = _Hide()

        def clean(pairs: Iterable[tuple[str, str]], volatile: frozenset[str]) -> tuple[tuple[str, str], ...]:
            kept = ((k, v) for k, v in pairs if k not in volatile)
            return tuple(sorted((hide.sub("<PREFIX>", k), hide.sub("<PREFIX>", v)) for k, v in kept))

        form = self.form()
        body = b"" if form else self.body
        lowered = ((k.lower(), v) for k, v in self.headers)
        return (
            self.method,
            hide.sub("<PREFIX>", self.path),
            clean(self.query, VOLATILE_PARAMETERS),
            clean(form, VOLATILE_PARAMETERS),
            clean(lowered, VOLATILE_HEADERS),
            hide.sub("<PREFIX>", body.decode("utf-8", "replace")),
        )

    def text(self) -> str:
        """Everything that arrived, as one string (to check the prefix was really sent)."""
        parts = [self.method, self.path, *(f"{k}={v}" for k, v in self.query + self.form())]
        return " ".join(parts)


class RecordingProxy:
    """A loopback HTTP proxy to ``upstream`` that records every request (see the module docstring).

    ``log`` holds ``("mark", node id)`` and ``("request", Recorded)`` entries in arrival order."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        self.log: list[tuple[str, object]] = []
        lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _reply(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
                self.send_response(status)
                for key, value in headers:
                    if key.lower() not in _HOP_HEADERS:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                if split.path == MARK_PATH:
                    with lock:
                        proxy.log.append(("mark", dict(parse_qsl(split.query)).get("test", "")))
                    self._reply(204, [], b"")
                    return
                recorded = Recorded(
                    self.command, split.path, tuple(parse_qsl(split.query, keep_blank_values=True)),
                    tuple(self.headers.items()), body,
                )  # fmt: skip
                with lock:
                    proxy.log.append(("request", recorded))
                conn = http.client.HTTPConnection(host, port, timeout=30)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                    conn.request(self.command, self.path, body=body or None, headers=headers)
                    reply = conn.getresponse()
                    self._reply(reply.status, reply.getheaders(), reply.read())
                finally:
                    conn.close()

            do_GET = do_POST = do_PUT = do_DELETE = _forward

        class QuietServer(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that hangs up is not news

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05})
        self.thread.daemon = True
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def requests(self) -> list[Recorded]:
        return [entry for kind, entry in self.log if kind == "request" and isinstance(entry, Recorded)]

    def by_test(self) -> list[tuple[str, list[Recorded]]]:
        """The log cut at the marks: (node id, its requests in arrival order), in test order;
        requests before the first mark go under ``""``."""
        groups: list[tuple[str, list[Recorded]]] = [("", [])]
        for kind, entry in self.log:
            if kind == "mark":
                groups.append((str(entry), []))
            elif isinstance(entry, Recorded):
                groups[-1][1].append(entry)
        return groups

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
