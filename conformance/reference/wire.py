"""What travels on the wire: strict parameter decoding, response formats, RequestIds.

Owns: decoding a query string or form body into parameters (malformed percent-encoding,
invalid UTF-8 and repeated parameters are client errors, never crashes), merging query and
body, choosing JSON or XML (IKP-T2), and rendering success and error bodies (IKP-T3, IKP-T4).
No API logic lives here.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_to_bytes

from conformance.reference import errors

JSON_CONTENT_TYPE = "application/json;charset=utf-8"
XML_CONTENT_TYPE = "text/xml;charset=utf-8"  # exactly this: tea-openapi parses XML only then
HOST_ID = "ecs.aliyuncs.com"
FORMAT_JSON = "JSON"
FORMAT_XML = "XML"
DEFAULT_FORMAT = FORMAT_XML  # IKP-T2 Profile: the common-parameter docs say XML

_PERCENT_OK = re.compile(rb"%[0-9A-Fa-f]{2}")


class WireError(errors.InvalidParameter):
    """A query string or body that cannot be decoded (bad %-escape, invalid UTF-8, repeats)."""


def new_request_id() -> str:
    """A fresh UUID-like, uppercase RequestId (IKP-T3)."""
    return str(uuid.uuid4()).upper()


def _unquote(raw: bytes, what: str) -> str:
    """Strict ``application/x-www-form-urlencoded`` decoding of one name or value: every
    ``%`` must start a two-hex-digit escape, and the bytes must be UTF-8."""
    raw = raw.replace(b"+", b" ")
    escapes = raw.count(b"%")
    if escapes:
        if len(_PERCENT_OK.findall(raw)) != escapes:
            raise WireError(what)
        raw = unquote_to_bytes(raw)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise WireError(what) from None


def _printable_name(raw: bytes) -> str:
    """A parameter name fit to quote in an error message, whatever bytes it had."""
    text = raw.decode("utf-8", "replace")
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:64] or "?"


def parse_params(raw: bytes, into: dict[str, str] | None = None) -> dict[str, str]:
    """Decode ``a=1&b=2`` (query string or form body) into ``into``; repeats are errors.

    Empty pieces (``&&``) are skipped; a piece without ``=`` is a parameter with an empty
    value. A name that appears twice (also once in the query and once in the body) is
    ``InvalidParameter`` naming it: the API has no multi-valued parameters.
    """
    params: dict[str, str] = {} if into is None else into
    if not raw:
        return params
    for piece in raw.split(b"&"):
        if not piece:
            continue
        name_raw, _, value_raw = piece.partition(b"=")
        try:
            name = _unquote(name_raw, "")
        except WireError:
            raise WireError(_printable_name(name_raw)) from None  # named only when it fails
        value = _unquote(value_raw, name or "?")
        if name in params:
            raise WireError(_printable_name(name.encode("utf-8")))
        params[name] = value
    return params


def sniff_format(query: bytes, body: bytes, accept: str | None, default: str = DEFAULT_FORMAT) -> str:
    """Best-effort response format for a request whose parameters may not even decode."""
    for raw in (query, body):
        m = re.search(rb"(?:^|&)Format=([A-Za-z]+)(?:&|$)", raw or b"")
        if m:
            value = m.group(1).decode("ascii").upper()
            if value in (FORMAT_JSON, FORMAT_XML):
                return value
    return format_from_accept(accept, default)


def format_from_accept(accept: str | None, default: str = DEFAULT_FORMAT) -> str:
    """V3 requests send no ``Format`` but ``Accept: application/json`` (IKP-T1)."""
    if accept:
        lowered = accept.lower()
        if "json" in lowered:
            return FORMAT_JSON
        if "xml" in lowered:
            return FORMAT_XML
    return default


def choose_format(params: Mapping[str, str], accept: str | None, default: str = DEFAULT_FORMAT) -> str:
    """``Format`` (case-insensitive) wins; else the Accept header; else XML (IKP-T2)."""
    value = params.get("Format")
    if value:
        upper = value.upper()
        if upper in (FORMAT_JSON, FORMAT_XML):
            return upper
        raise errors.InvalidParameter("Format")
    return format_from_accept(accept, default)


# -- rendering -------------------------------------------------------------------------------

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_text(value: object) -> str:
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # XML 1.0 cannot carry these characters at all; they never occur in names or codes.
    return _XML_BAD.sub("\ufffd", text)


def _xml_element(name: str, value: Any, out: list[str]) -> None:
    if isinstance(value, Mapping):
        out.append(f"<{name}>")
        for key, child in value.items():
            if isinstance(child, list):
                for item in child:
                    _xml_element(key, item, out)
            else:
                _xml_element(key, child, out)
        out.append(f"</{name}>")
    elif value is None:
        out.append(f"<{name}></{name}>")
    else:
        out.append(f"<{name}>{_xml_text(value)}</{name}>")


def render(root: str, body: Mapping[str, Any], fmt: str) -> tuple[bytes, str]:
    """Serialise a response body; a list under a key repeats that key's element in XML.

    Returns (bytes, content type). JSON ``{"KeyPairs": {"KeyPair": [..]}}`` becomes XML
    ``<KeyPairs><KeyPair>..</KeyPair><KeyPair>..</KeyPair></KeyPairs>``.
    """
    if fmt == FORMAT_JSON:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), JSON_CONTENT_TYPE
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    _xml_element(root, body, out)
    return "".join(out).encode("utf-8"), XML_CONTENT_TYPE


def error_body(error: errors.ApiError, request_id: str) -> dict[str, str]:
    """The gateway's error shape: RequestId, HostId, Code, Message, Recommend (IKP-T4)."""
    return {
        "RequestId": request_id,
        "HostId": HOST_ID,
        "Code": error.code,
        "Message": error.message,
        "Recommend": f"https://api.aliyun.com/troubleshoot?q={error.code}&product=Ecs&requestId={request_id}",
    }


def render_error(error: errors.ApiError, request_id: str, fmt: str) -> tuple[bytes, str]:
    """Serialise an error: JSON object or XML ``<Error>`` (IKP-T4)."""
    return render("Error", error_body(error, request_id), fmt)
