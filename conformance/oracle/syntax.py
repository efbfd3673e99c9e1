"""The transport-level checks of one ImportKeyPair answer (IKP-T2..T5).

Each is a ``judgement.Check`` registered in ``imports.CHECKS``:

- ``body_syntax`` (IKP-T2): the body is JSON or XML as the request asked; its Content-Type
  is only judged for warnings (the body is judged, not the header). A body that parses as
  neither also fails IKP-T4 (it is no documented response body).
- ``request_id`` (IKP-T3): every parsed response carries a non-empty ``RequestId``.
- ``error_shape`` (IKP-T4): an error body has ``Code`` and ``Message`` (XML root ``Error``)
  and a 4xx/5xx status, never 200; a success in XML has the root ``ImportKeyPairResponse``.
- ``no_server_error`` (IKP-T5): never a 5xx to a generated request.
"""

from __future__ import annotations

from conformance import contract
from conformance.exchange import ERROR_ROOT, BodyFormat, Exchange, Transport
from conformance.oracle.judgement import T2, T3, T4, T5, Answer, Judgement
from conformance.verdict import Observation

# Exactly the content type tea-openapi (the default official SDK) needs to parse an XML error.
SDK_XML_CONTENT_TYPE = "text/xml;charset=utf-8"
_JSON_MEDIA_TYPES = ("application/json",)
_XML_MEDIA_TYPES = ("text/xml", "application/xml")

SUCCESS_ROOT = f"{contract.ACTION_IMPORT}Response"


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _accepted_syntax(exchange: Exchange) -> str | None:
    """``json``/``xml`` when the request's Accept header names exactly one of them."""
    accept = next((v for k, v in exchange.request_headers.items() if k.lower() == "accept"), "").lower()
    wants = {syntax for syntax in ("json", "xml") if syntax in accept}
    return wants.pop() if len(wants) == 1 else None


def _expected_syntax(exchange: Exchange) -> str | None:
    """``json``/``xml`` when the request pinned the body syntax, None when either is legal.

    ``Format`` decides (IKP-T2). Without it, a V3 request asks with its Accept header
    (``Accept: application/json``, IKP-T1), so the Accept header decides when it names JSON
    or XML; a request without either (absent Format, ``Accept: */*``) may get either.
    """
    if exchange.body_format is BodyFormat.JSON:
        return "json"
    if exchange.body_format is BodyFormat.XML:
        return "xml"
    if exchange.transport is Transport.V3:
        return _accepted_syntax(exchange)
    return None


def body_syntax(answer: Answer, j: Judgement) -> None:
    """IKP-T2 (and IKP-T4 for an unparseable body): the body syntax, then its Content-Type.

    The body is judged, not the header (IKP-T2): a JSON body under anything but
    an ``application/json`` media type, or an XML body under anything but ``text/xml`` or
    ``application/xml`` (parameters such as ``charset`` are free), is a **warning**: the
    label misleads generic clients, but the contract does not make it a failure.
    For an XML *error* body, tea-openapi parses XML only under exactly
    ``text/xml;charset=utf-8`` (the common error body); any other XML media type is a warning
    too (the official SDKs never ask for XML).
    """
    exchange = answer.exchange
    j.exercised(T2)
    parsed = exchange.parsed
    if parsed.syntax is None:
        detail = f" ({parsed.error})" if parsed.error else ""
        snippet = exchange.response_text[:60]
        j.fail(T2, f"body is neither JSON nor XML{detail}: {snippet!r}")
        j.fail(T4, "body is not a documented JSON or XML response body")
        return
    want = _expected_syntax(exchange)
    if want is None:
        j.observations.append(Observation(T2, "body syntax when Format is absent", parsed.syntax))
    elif parsed.syntax != want:
        asked = exchange.body_format.value if exchange.body_format is not BodyFormat.ABSENT else "Accept"
        j.fail(T2, f"asked for {want.upper()} ({asked}), got a {parsed.syntax.upper()} body")
    media = _media_type(exchange.content_type)
    allowed = _JSON_MEDIA_TYPES if parsed.syntax == "json" else _XML_MEDIA_TYPES
    if media not in allowed:
        j.warnings.append(
            f"{T2}: {parsed.syntax.upper()} body with Content-Type {exchange.content_type!r} "
            f"(a {parsed.syntax.upper()} body is labelled {' or '.join(allowed)}); the body is judged"
        )
    elif (
        parsed.syntax == "xml" and parsed.root == ERROR_ROOT and exchange.content_type != SDK_XML_CONTENT_TYPE
    ):
        j.warnings.append(
            f"{T2}: XML error with Content-Type {exchange.content_type!r}; tea-openapi parses XML "
            f"errors only under exactly {SDK_XML_CONTENT_TYPE!r}"
        )


def request_id(answer: Answer, j: Judgement) -> None:
    """IKP-T3: every parsed response carries a non-empty RequestId (an unparseable body
    already failed IKP-T2 and IKP-T4 and is not charged again here)."""
    if not answer.parsed_ok:
        return
    j.exercised(T3)
    if not (answer.field("RequestId") or "").strip():
        j.fail(T3, "response without a non-empty RequestId")


def error_shape(answer: Answer, j: Judgement) -> None:
    """IKP-T4: an error's shape and status; a success's XML root."""
    parsed = answer.exchange.parsed
    status = answer.status
    j.exercised(T4)
    if answer.error_body:
        if not 400 <= status <= 599:
            j.fail(T4, f"error body with HTTP {status}: an error's status is 4xx/5xx (never 200)")
        if answer.parsed_ok:
            missing = [f for f in ("Code", "Message") if answer.field(f) is None]
            if not answer.field("Code") and "Code" not in missing:
                missing.insert(0, "Code")
            if missing:
                j.fail(T4, f"error body without {', '.join(missing)}")
            if parsed.syntax == "xml" and parsed.root != ERROR_ROOT:
                j.fail(T4, f"XML error root is <{parsed.root}>, not <{ERROR_ROOT}>")
    elif answer.parsed_ok and parsed.syntax == "xml" and parsed.root != SUCCESS_ROOT:
        j.fail(T4, f"XML success root is <{parsed.root}>, not <{SUCCESS_ROOT}>")


def no_server_error(answer: Answer, j: Judgement) -> None:
    """IKP-T5: never a 5xx to a generated request."""
    j.exercised(T5)
    if answer.status >= 500:
        j.fail(T5, f"HTTP {answer.status} {answer.field('Code') or ''}".rstrip())
