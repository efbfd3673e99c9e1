"""Deliberately broken targets: a loopback proxy in front of the reference server that spoils
its answers in one documented way each (issue 5: the suite must report each breakage
against the right requirement ID).

Each ``Breakage`` names the requirement(s) the suite must fail, the conformance tests that
exercise it (a ``-k`` expression, to keep the runs short), and a ``mutate`` function that
rewrites one response (status, headers, body) given the request that caused it. The
behavioural faults (quota off by one, name rules, races) are the reference server's own
``--fault`` catalogue; these are the wire-level ones a proxy can inject.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

Response = tuple[int, dict[str, str], bytes]
Mutation = Callable[[dict[str, str], int, dict[str, str], bytes], Response]


def _fields(body: bytes, content_type: str) -> tuple[str, dict[str, str] | ET.Element | None]:
    if "xml" in content_type:
        try:
            return "xml", ET.fromstring(body)
        except ET.ParseError:
            return "xml", None
    try:
        data = json.loads(body)
    except ValueError:
        return "json", None
    return "json", data if isinstance(data, dict) else None


def edit(body: bytes, content_type: str, fn: Callable[[dict[str, str]], None]) -> bytes:
    """Apply ``fn`` to the top-level scalar fields of a JSON or XML body."""
    kind, doc = _fields(body, content_type)
    if doc is None:
        return body
    if kind == "json":
        assert isinstance(doc, dict)
        fn(doc)
        return json.dumps(doc).encode()
    assert isinstance(doc, ET.Element)
    scalars = {child.tag: child.text or "" for child in doc if len(child) == 0}
    before = dict(scalars)
    fn(scalars)
    for child in list(doc):
        if child.tag in before and child.tag not in scalars:
            doc.remove(child)
        elif child.tag in scalars:
            child.text = scalars[child.tag]
    for tag, value in scalars.items():
        if tag not in before:
            ET.SubElement(doc, tag).text = value
    return ET.tostring(doc, encoding="utf-8")


def _content_type(headers: dict[str, str]) -> str:
    return next((v for k, v in headers.items() if k.lower() == "content-type"), "")


def on_import(fn: Callable[[dict[str, str]], None], *, errors: bool | None = None) -> Mutation:
    """Edit the fields of ImportKeyPair answers (only errors, only successes, or both)."""

    def mutate(request: dict[str, str], status: int, headers: dict[str, str], body: bytes) -> Response:
        if request.get("Action") != "ImportKeyPair":
            return status, headers, body
        if errors is not None and (status >= 400) != errors:
            return status, headers, body
        return status, headers, edit(body, _content_type(headers), fn)

    return mutate


def _sha256_fingerprint(fields: dict[str, str]) -> None:
    if "KeyPairFingerPrint" in fields:
        digest = hashlib.sha256(fields["KeyPairFingerPrint"].encode()).hexdigest()
        fields["KeyPairFingerPrint"] = ":".join(digest[i : i + 2] for i in range(0, 64, 2))


def _errors_as_200(request: dict[str, str], status: int, headers: dict[str, str], body: bytes) -> Response:
    return (200 if status >= 400 else status), headers, body


def _errors_as_500(request: dict[str, str], status: int, headers: dict[str, str], body: bytes) -> Response:
    if request.get("Action") == "ImportKeyPair" and status == 400:
        return 500, headers, body
    return status, headers, body


def _always_json(request: dict[str, str], status: int, headers: dict[str, str], body: bytes) -> Response:
    if "xml" not in _content_type(headers):
        return status, headers, body
    root = ET.fromstring(body)
    doc = {child.tag: child.text or "" for child in root if len(child) == 0}
    out = dict(headers)
    for key in list(out):
        if key.lower() == "content-type":
            out[key] = "application/json;charset=utf-8"
    return status, out, json.dumps(doc).encode()


def _same_error_for_everything(
    request: dict[str, str], status: int, headers: dict[str, str], body: bytes
) -> Response:
    if request.get("Action") != "ImportKeyPair":
        return status, headers, body
    out = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    out["Content-Type"] = "application/json;charset=utf-8"
    doc = {"RequestId": "00000000-0000-0000-0000-000000000000", "Code": "InvalidParameter", "Message": "no"}
    return 400, out, json.dumps(doc).encode()


def _rename(old: str, new: str) -> Callable[[dict[str, str]], None]:
    def fn(fields: dict[str, str]) -> None:
        if fields.get("Code") == old:
            fields["Code"] = new

    return fn


@dataclass(frozen=True)
class Breakage:
    """One deliberate deviation, what it must fail, and where the suite looks for it."""

    name: str
    fails: tuple[str, ...]
    tests: str  # a -k expression selecting the conformance tests that exercise it
    mutate: Mutation
    extra_args: tuple[str, ...] = ()
    any_of: bool = False  # one of ``fails`` failing is enough (Hypothesis stops at the first)


def _set(name: str, value: str | None) -> Callable[[dict[str, str]], None]:
    def fn(fields: dict[str, str]) -> None:
        if value is None:
            fields.pop(name, None)
        elif name in fields:
            fields[name] = value

    return fn


CATALOGUE: tuple[Breakage, ...] = (
    Breakage("no-request-id", ("IKP-T3",), "test_valid_names", on_import(_set("RequestId", None))),
    Breakage(
        "uppercase-fingerprint",
        ("IKP-R2",),
        "test_plain_keys",
        on_import(
            lambda f: f.update(KeyPairFingerPrint=f.get("KeyPairFingerPrint", "").upper()), errors=False
        ),
    ),
    Breakage(
        "sha256-fingerprint", ("IKP-R2",), "test_plain_keys", on_import(_sha256_fingerprint, errors=False)
    ),
    Breakage(
        "wrong-name-echoed",
        ("IKP-R1",),
        "test_valid_names",
        on_import(_set("KeyPairName", "other"), errors=False),
    ),
    Breakage("errors-with-200", ("IKP-T4",), "test_invalid_names", _errors_as_200),
    Breakage("errors-as-500", ("IKP-T5",), "test_invalid_names", _errors_as_500),
    Breakage("xml-answered-as-json", ("IKP-T2",), "test_every_transport_and_format and xml", _always_json),
    Breakage(
        "wrong-name-code",
        ("IKP-N2", "IKP-N3", "IKP-N4"),
        "test_invalid_names",
        on_import(_rename("InvalidKeyPairName.Malformed", "InvalidParameter"), errors=True),
        any_of=True,
    ),
    Breakage(
        "wrong-key-code",
        ("IKP-K3",),
        "test_broken_keys_are_rejected",
        on_import(_rename("InvalidPublicKeyBody.Malformed", "InvalidParameter"), errors=True),
    ),
    Breakage(
        "reworded-messages",
        ("IKP-R3",),
        "test_invalid_names",
        on_import(_set("Message", "Bad name."), errors=True),
        ("--strict-messages",),
    ),
    Breakage(
        "same-error-for-everything", ("IKP-R1", "IKP-K2"), "test_plain_keys", _same_error_for_everything
    ),
)


class BrokenProxy:
    """A loopback HTTP proxy to ``upstream`` that applies ``mutation`` to every answer."""

    def __init__(self, upstream: str, mutation: Mutation) -> None:
        parts = urlsplit(upstream)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
                if body and "form" in (self.headers.get("Content-Type") or ""):
                    request.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
                if "x-acs-action" in self.headers:
                    request["Action"] = self.headers["x-acs-action"]
                conn = http.client.HTTPConnection(host, port, timeout=10)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection",)}
                conn.request(self.command, self.path, body=body or None, headers=headers)
                reply = conn.getresponse()
                status, out_headers, data = reply.status, dict(reply.getheaders()), reply.read()
                conn.close()
                status, out_headers, data = proxy.mutation(request, status, out_headers, data)
                self.send_response(status)
                for key, value in out_headers.items():
                    if key.lower() not in (
                        "content-length",
                        "connection",
                        "transfer-encoding",
                        "date",
                        "server",
                    ):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _forward

        class QuietServer(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that hangs up (the suite's timeouts) is not news

        self.mutation = mutation
        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05})
        self.thread.daemon = True
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
