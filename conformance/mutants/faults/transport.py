"""Faults of the transport and the formats (IKP-T1..T5).

Form bodies or V3 headers ignored, the wrong format or root element, no RequestId, errors
answered with 200, a crash on non-ASCII names; and two sections of issue-12 arrivals: bugs in
decoding a form body (IKP-T1) and per-format rendering bugs (IKP-T2, T3, T4; one of them,
``xml-fingerprint-renamed``, breaks IKP-R1 through the XML template only).
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote_to_bytes

from conformance import contract
from conformance.mutants.catalogue import Fault, fault
from conformance.mutants.combinators import (
    Recast,
    chain_errors,
    has_form_body,
    import_with,
    name_rule,
    request_header,
)
from conformance.reference import auth, errors, wire
from conformance.reference.actions import Behaviour


def _non_ascii_crashes(name: str, inner: Callable[[str], str]) -> str:
    if not name.isascii():
        raise errors.InternalError()  # e.g. a latin-1 encode deep in the mock
    return inner(name)


def _always_json(b: Behaviour) -> Behaviour:
    render, render_error = b.render, b.render_error
    return dataclasses.replace(
        b,
        render=lambda root, body, fmt: render(root, body, wire.FORMAT_JSON),
        render_error=lambda error, rid, fmt: render_error(error, rid, wire.FORMAT_JSON),
    )


def _error_root_response(b: Behaviour) -> Behaviour:
    return dataclasses.replace(
        b, render_error=lambda error, rid, fmt: b.render("Response", wire.error_body(error, rid), fmt)
    )


def _no_request_id(b: Behaviour) -> Behaviour:
    def strip(body: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in body.items() if k != "RequestId"}

    render = b.render
    return dataclasses.replace(
        b,
        render=lambda root, body, fmt: render(root, strip(body), fmt),
        render_error=lambda error, rid, fmt: render("Error", strip(wire.error_body(error, rid)), fmt),
    )


_OK = 200


def _errors_with_200(b: Behaviour) -> Behaviour:
    def adjust(error: errors.ApiError) -> errors.ApiError:
        return Recast(contract.ERRORS_BY_CODE.get(error.code, error.row), error.message, _OK)

    return dataclasses.replace(b, adjust_error=chain_errors(b.adjust_error, adjust))


def _no_form_body(b: Behaviour) -> Behaviour:
    return dataclasses.replace(b, form_body=False)


def _no_header_action(b: Behaviour) -> Behaviour:
    return dataclasses.replace(b, header_action=False)


def _pieces(raw: bytes) -> list[tuple[bytes, bytes]]:
    return [(n, v) for n, _, v in (p.partition(b"=") for p in raw.split(b"&") if p)]


def _unquote_keeping_plus(raw: bytes) -> str:
    """``urllib.parse.unquote`` where ``unquote_plus`` was meant: '+' stays '+'."""
    return unquote_to_bytes(raw).decode("utf-8", "replace")


def _plus_kept(params: Mapping[str, str], request: auth.SignedRequest) -> Mapping[str, str]:
    if not has_form_body(request):
        return params
    body = {_unquote_keeping_plus(n): _unquote_keeping_plus(v) for n, v in _pieces(request.body)}
    return {**params, **body}


_LOWER_ESCAPE = re.compile(rb"%(?:[a-f][0-9A-Fa-f]|[0-9A-F][a-f])")


def _lowercase_escape_refused(params: Mapping[str, str], request: auth.SignedRequest) -> Mapping[str, str]:
    # A hand-written decoder matching only %[0-9A-F]{2}: RFC 3986 2.1 says the case of the
    # hex digits does not matter, and IKP-T1 says every encoding a client sends must work.
    match = _LOWER_ESCAPE.search(request.body) if has_form_body(request) else None
    if match:
        raise errors.InvalidParameter(match.group(0).decode())
    return params


def _body_with_charset_ignored(params: Mapping[str, str], request: auth.SignedRequest) -> Mapping[str, str]:
    content_type = request_header(request, "content-type") or ""
    if not has_form_body(request) or ";" not in content_type:
        return params
    # Content-Type compared with == "application/x-www-form-urlencoded": "; charset=UTF-8" loses the body.
    return dict(request.query)


def _query_ignored_with_body(params: Mapping[str, str], request: auth.SignedRequest) -> Mapping[str, str]:
    if not has_form_body(request):
        return params
    body = wire.parse_params(request.body)
    # "params = body if body else query": the parameters a split request left in the query are lost.
    kept = {"Action", "Version", "Format", "AccessKeyId", "Signature", "SignatureNonce", "Timestamp"}
    return {k: v for k, v in params.items() if k in body or k in kept}


_FORMAT = threading.local()


def _remember_format(b: Behaviour) -> Behaviour:
    admit = b.admit

    def remember(action: str | None, params: Mapping[str, str]) -> None:
        _FORMAT.sent = params.get("Format")
        admit(action, params)

    return dataclasses.replace(b, admit=remember)


def _format_case_sensitive(b: Behaviour) -> Behaviour:
    # if params["Format"] == "JSON": ... else XML: "json" and "Json" get XML (IKP-T2: case-insensitive)
    b = _remember_format(b)
    render, render_error = b.render, b.render_error

    def fmt_of(fmt: str) -> str:
        sent, _FORMAT.sent = getattr(_FORMAT, "sent", None), None
        return wire.FORMAT_XML if sent and sent not in (wire.FORMAT_JSON, wire.FORMAT_XML) else fmt

    return dataclasses.replace(
        b,
        render=lambda root, body, fmt: render(root, body, fmt_of(fmt)),
        render_error=lambda error, rid, fmt: render_error(error, rid, fmt_of(fmt)),
    )


def _xml_unescaped(b: Behaviour) -> Behaviour:
    # the XML of successes built with f"<{k}>{v}</{k}>": '&' and '<' in tag values are not escaped
    render = b.render

    def raw(root: str, body: Mapping[str, Any], fmt: str) -> tuple[bytes, str]:
        data, content_type = render(root, body, fmt)
        if fmt != wire.FORMAT_XML:
            return data, content_type
        return data.replace(b"&lt;", b"<").replace(b"&gt;", b">").replace(b"&amp;", b"&"), content_type

    return dataclasses.replace(b, render=raw)


def _xml_field_renamed(b: Behaviour) -> Behaviour:
    # the XML template spells the element <KeyPairFingerprint>; the JSON path is right
    render = b.render

    def renamed(root: str, body: Mapping[str, Any], fmt: str) -> tuple[bytes, str]:
        if fmt == wire.FORMAT_XML and root == contract.ACTION_IMPORT + "Response":
            body = {("KeyPairFingerprint" if k == "KeyPairFingerPrint" else k): v for k, v in body.items()}
        return render(root, body, fmt)

    return dataclasses.replace(b, render=renamed)


def _json_error_keys_lowercase(b: Behaviour) -> Behaviour:
    # errors serialised from a Go-style struct with json:"code" tags
    render_error = b.render_error

    def lower(error: errors.ApiError, rid: str, fmt: str) -> tuple[bytes, str]:
        if fmt != wire.FORMAT_JSON:
            return render_error(error, rid, fmt)
        body = {k[:1].lower() + k[1:]: v for k, v in wire.error_body(error, rid).items()}
        return b.render("Error", body, fmt)

    return dataclasses.replace(b, render_error=lower)


def _xml_success_root_response(b: Behaviour) -> Behaviour:
    render = b.render
    return dataclasses.replace(
        b, render=lambda root, body, fmt: render("Response" if fmt == wire.FORMAT_XML else root, body, fmt)
    )


FAULTS: tuple[Fault, ...] = (
    # Transport and formats (IKP-T1..T5)
    fault("form-body-ignored", "IKP-T1", "parameters in a form-encoded POST body are ignored", _no_form_body),
    fault("v3-header-action-ignored", "IKP-T1", "Action/Version in x-acs-* headers (V3) are ignored",
        _no_header_action),
    fault("xml-answered-as-json", "IKP-T2", "Format=XML is answered with a JSON body", _always_json),
    fault("no-request-id", "IKP-T3", "bodies carry no RequestId", _no_request_id),
    fault("xml-error-root-response", "IKP-T4", "XML errors have the root <Response> instead of <Error>",
        _error_root_response),
    fault("errors-with-200", "IKP-T4", "errors are answered with HTTP 200", _errors_with_200),
    fault("non-ascii-name-500", "IKP-T5", "a non-ASCII name crashes the mock (500 InternalError)",
        name_rule(_non_ascii_crashes)),
)  # fmt: skip


ENCODING_BUGS: tuple[Fault, ...] = (
    # Encoding bugs. IKP-T1: "in an application/x-www-form-urlencoded POST body (Terraform), or
    # split between the two. All three must work."
    fault("form-plus-kept", "IKP-T1", "'+' in a form body is not decoded as a space (unquote)",
        import_with(_plus_kept)),
    fault("form-lowercase-escape-rejected", "IKP-T1",
        "lower-case percent-escapes (%2b) in a form body refused", import_with(_lowercase_escape_refused)),
    fault("form-charset-ignored", "IKP-T1",
        "a form body sent with '; charset=UTF-8' in Content-Type is ignored",
        import_with(_body_with_charset_ignored)),
    fault("split-query-ignored", "IKP-T1", "with a form body, parameters left in the query are ignored",
        import_with(_query_ignored_with_body)),
)  # fmt: skip


FORMAT_BUGS: tuple[Fault, ...] = (
    # Per-format bugs. IKP-T2: "Format=JSON gives JSON, Format=XML gives XML (case-insensitive)";
    # IKP-R1: "with RequestId, KeyPairName ... and KeyPairFingerPrint"; IKP-T4: "Error bodies are
    # {RequestId, Code, Message}; success XML root <ImportKeyPairResponse>".
    fault("xml-values-unescaped", "IKP-T2 IKP-X1", "XML successes leave '&', '<' unescaped (Describe tags)",
        _xml_unescaped),
    fault("xml-fingerprint-renamed", "IKP-R1", "XML success names it KeyPairFingerprint (JSON is right)",
        _xml_field_renamed),
    fault("format-case-sensitive", "IKP-T2", "Format=json (not JSON) is answered in XML",
        _format_case_sensitive),
    # Also IKP-T3: the body carries no RequestId field, only a requestId.
    fault("json-error-keys-lowercase", "IKP-T4 IKP-T3", "JSON errors use code/message/requestId keys",
        _json_error_keys_lowercase),
    fault("xml-success-root-response", "IKP-T4", "XML successes have the root <Response>",
        _xml_success_root_response),
)  # fmt: skip
