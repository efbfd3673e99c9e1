"""Hand-built Cases and Exchanges for the oracle and model tests.

The bodies are real text (JSON or XML); ``ParsedBody`` is derived from that text here with
the standard library, the way a client would, so a test shows the wire form it judges.
"""

from __future__ import annotations

import base64
import hashlib
import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from conformance import contract
from conformance.case import Case, Outcome
from conformance.exchange import BodyFormat, Exchange, ParsedBody, Transport

REGION = contract.DEFAULT_REGION
OTHER_REGION = contract.DEFAULT_OTHER_REGION
REQUEST_ID = "473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E"
JSON_CT = "application/json;charset=utf-8"
XML_CT = "text/xml;charset=utf-8"

BLOB = b"\x00\x00\x00\x07ssh-rsa\x00\x00\x00\x03\x01\x00\x01\x00\x00\x00\x41\x00" + bytes(range(64))
CERT_BLOB = b"\x00\x00\x00\x1cssh-rsa-cert-v01@openssh.com" + bytes(range(100))


def md5_colon(data: bytes) -> str:
    """The IKP-R2 fingerprint: MD5, 16 lowercase hex pairs joined by ':'."""
    return ":".join(f"{b:02x}" for b in hashlib.md5(data).digest())


FP = md5_colon(BLOB)
CERT_PLAIN_FP = md5_colon(BLOB)  # the certified plain key
CERT_BLOB_FP = md5_colon(CERT_BLOB)  # MD5 over the whole certificate blob
WRONG = {
    "sha256-blob": "SHA256:" + base64.b64encode(hashlib.sha256(BLOB).digest()).decode().rstrip("="),
    "sha1-blob": ":".join(f"{b:02x}" for b in hashlib.sha1(BLOB).digest()),
    "md5-spki-der": md5_colon(b"a DER SubjectPublicKeyInfo stand-in"),
}


def valid_case(
    name: str = "Key-1",
    region: str = REGION,
    *,
    requirements: tuple[str, ...] = ("IKP-N2",),
    profile: str | None = None,
    outcomes: frozenset[Outcome] | None = None,
) -> Case:
    """A case whose only acceptable answer is success with ``FP``."""
    return Case(
        params={"RegionId": region, "KeyPairName": name, "PublicKeyBody": "ssh-rsa AAAA"},
        outcomes=outcomes if outcomes is not None else frozenset({Outcome.success()}),
        requirements=requirements,
        profile=profile,
        fingerprints={"plain-key": FP},
        wrong_fingerprints=dict(WRONG),
        key_type="ssh-rsa",
        encoding="openssh",
    )


def error_case(
    row: contract.ErrorRow = contract.INVALID_KEY_PAIR_NAME,
    *,
    name: str = "1bad",
    requirements: tuple[str, ...] = ("IKP-N3",),
    parameter: str | None = None,
) -> Case:
    """A case whose only acceptable answer is the error ``row``."""
    return Case(
        params={"RegionId": REGION, "KeyPairName": name, "PublicKeyBody": "ssh-rsa AAAA"},
        outcomes=frozenset({Outcome.error(row, parameter=parameter)}),
        requirements=requirements,
    )


def _scalars(mapping: Mapping[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in mapping.items() if not isinstance(v, dict | list) and v is not None}


def parse(text: str) -> ParsedBody:
    """What a client reads out of ``text``: JSON first, then XML, else an unparsed body."""
    try:
        doc = json.loads(text)
    except ValueError:
        pass
    else:
        fields = _scalars(doc) if isinstance(doc, dict) else {}
        return ParsedBody("json", None, fields, doc)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        return ParsedBody(None, error=str(exc))
    fields = {child.tag: child.text or "" for child in root if len(child) == 0}
    return ParsedBody("xml", root.tag, fields, {root.tag: fields})


def exchange(
    status: int | None,
    text: str = "",
    *,
    content_type: str | None = JSON_CT,
    fmt: BodyFormat = BodyFormat.JSON,
    transport: Transport = Transport.GET,
    action: str = contract.ACTION_IMPORT,
    transport_error: str | None = None,
    accept: str | None = None,
) -> Exchange:
    """An exchange with the response ``status`` / ``text`` (parsed here)."""
    headers = {"Content-Type": content_type} if content_type is not None else {}
    return Exchange(
        action=action,
        transport=transport,
        body_format=fmt,
        method="GET",
        url="http://127.0.0.1:1/",
        params={"Action": action},
        request_headers={"Accept": accept} if accept is not None else {},
        request_body="",
        status=status,
        response_headers=headers,
        response_text=text,
        parsed=parse(text) if text else ParsedBody(None, error="empty body"),
        transport_error=transport_error,
    )


def json_body(**fields: Any) -> str:
    return json.dumps(fields)


def xml_body(root: str, **fields: str) -> str:
    inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items())
    return f'<?xml version="1.0" encoding="UTF-8"?><{root}>{inner}</{root}>'


def success_json(name: str = "Key-1", fingerprint: str = FP, **extra: Any) -> Exchange:
    body = {"RequestId": REQUEST_ID, "KeyPairName": name, "KeyPairFingerPrint": fingerprint, **extra}
    return exchange(200, json.dumps(body))


def success_xml(name: str = "Key-1", fingerprint: str = FP, root: str = "ImportKeyPairResponse") -> Exchange:
    text = xml_body(root, RequestId=REQUEST_ID, KeyPairName=name, KeyPairFingerPrint=fingerprint)
    return exchange(200, text, content_type=XML_CT, fmt=BodyFormat.XML)


def error_json(
    row: contract.ErrorRow = contract.INVALID_KEY_PAIR_NAME,
    *,
    status: int | None = None,
    message: str | None = None,
    **overrides: Any,
) -> Exchange:
    body: dict[str, Any] = {
        "RequestId": REQUEST_ID,
        "HostId": "ecs.aliyuncs.com",
        "Code": row.code,
        "Message": row.message if message is None else message,
    }
    body.update(overrides)
    body = {k: v for k, v in body.items() if v is not None}
    return exchange(row.status if status is None else status, json.dumps(body))


def error_xml(
    row: contract.ErrorRow = contract.INVALID_KEY_PAIR_NAME,
    *,
    root: str = "Error",
    content_type: str = XML_CT,
    fmt: BodyFormat = BodyFormat.XML,
) -> Exchange:
    text = xml_body(root, RequestId=REQUEST_ID, HostId="ecs.aliyuncs.com", Code=row.code, Message=row.message)
    return exchange(row.status, text, content_type=content_type, fmt=fmt)


def charged(verdict: Any) -> set[str]:
    """The requirement IDs a verdict failed."""
    return {req for req, _ in verdict.failed_requirements}
