"""From a received HTTP request to the API's answer: the request parsing behind ``server``.

Owns the RPC reading of a request (IKP-T1): the request target split into path and query
(absolute-form targets and fragments too), parameters in the query string, in an
``application/x-www-form-urlencoded`` body or split between them, Action and Version from the
parameters or from V3's ``x-acs-action``/``x-acs-version`` headers; the response format as it
becomes known (sniffed before the parameters decode, then chosen from them, IKP-T2); the
signature check, the action call and the rendering of its result. ``server`` owns the HTTP:
connections, framing, reading the body, writing the answer.
"""

from __future__ import annotations

from email.message import Message

from conformance import contract
from conformance.reference import actions, auth, errors, wire

_FORM = "application/x-www-form-urlencoded"


def split_target(target: str) -> tuple[str, bytes]:
    """The path and the raw query string of a request target."""
    for scheme in ("http://", "https://"):  # absolute-form request target
        if target.lower().startswith(scheme):
            slash = target.find("/", len(scheme))
            target = target[slash:] if slash >= 0 else "/"
    target = target.split("#", 1)[0]
    path, _, query_text = target.partition("?")
    return path, query_text.encode("latin-1", "replace")


class Request:
    """One HTTP request as the API reads it, and the format its answer or error goes out in
    so far (``format``: sniffed from the query, then from the body, then chosen from the
    decoded parameters)."""

    def __init__(self, method: str, target: str, headers: Message, default_format: str) -> None:
        self.method = method
        self.headers = headers
        self.path, self.query_raw = split_target(target)
        self.accept = headers.get("Accept")
        self.default_format = default_format
        self.format = wire.sniff_format(self.query_raw, b"", self.accept, default_format)


def answer(
    request: Request, body: bytes, config: actions.Config, verifier: auth.Verifier, request_id: str
) -> tuple[int, bytes, str]:
    """(status, body, content type) of the answer to ``request`` with ``body``; raises an
    ``errors.ApiError`` to be answered in ``request.format``."""
    request.format = wire.sniff_format(request.query_raw, body, request.accept, request.default_format)
    rules = config.behaviour
    headers = request.headers
    query = wire.parse_params(request.query_raw)
    params = dict(query)
    content_type = (headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
    if body and content_type in ("", _FORM) and rules.form_body:
        wire.parse_params(body, into=params)
    request.format = wire.choose_format(params, request.accept, rules.default_format)
    path = request.path
    if path not in ("", "/"):
        raise errors.ActionNotFound()
    from_headers = rules.header_action
    action = params.get("Action") or (headers.get("x-acs-action") if from_headers else None)
    rules.admit(action, params)  # e.g. throttling, before any other check (variants)
    verifier.verify(
        auth.SignedRequest(
            method=request.method,
            path=path or "/",
            query=query,
            params=params,
            headers=list(headers.items()),
            body=body,
        )
    )
    handler = rules.action(action) if action else None
    if not action or handler is None:
        raise errors.ActionNotFound()
    version = params.get("Version") or (headers.get("x-acs-version") if from_headers else None)
    if not version:
        raise errors.MissingParameter("Version")
    if version != contract.API_VERSION:
        raise errors.InvalidVersion()
    result = handler(params, config)
    response = {"RequestId": request_id, **result}
    payload, response_type = rules.render(action + "Response", response, request.format)
    return 200, payload, response_type
