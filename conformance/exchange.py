"""One request the suite sent and the answer it got: the ``Exchange`` record.

The target client (``target.py``) produces Exchanges; the oracle reads them; the
results and the reports print them. Everything in an Exchange is already redacted:
no AccessKeySecret, Signature or SecurityToken ever enters one (``redaction.py``).

It also owns the one reading of "is this answer an error?" (``is_error_answer``) that the
client's retry rule, the oracle and the state model share.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from conformance import contract


class Transport(StrEnum):
    """How the parameters travel (IKP-T1)."""

    GET = "get"  # all parameters in the query string of a GET
    POST_QUERY = "post-query"  # POST, parameters in the query string (official SDKs)
    POST_FORM = "post-form"  # POST, parameters form-encoded in the body (Terraform)
    V3 = "v3"  # POST, Action/Version in x-acs-* headers, parameters in the query (ACS3)


class BodyFormat(StrEnum):
    """The ``Format`` common parameter the suite sent (IKP-T2)."""

    JSON = "JSON"
    XML = "XML"
    ABSENT = "absent"


# What a kept exchange holds of each body (results.json, the report, the failures in memory).
KEPT_BODY_CHARACTERS = 4096


def kept(text: str, limit: int = KEPT_BODY_CHARACTERS) -> str:
    """``text`` up to ``limit`` characters, then a note of how many were cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n[... {len(text) - limit} more characters cut: the report keeps {limit}]"


@dataclass(frozen=True)
class ParsedBody:
    """What could be read out of a response body, JSON or XML alike.

    ``fields`` holds the top-level scalar children (``RequestId``, ``Code``, ``Message``,
    ``KeyPairName``, ...). ``syntax`` is ``json``, ``xml`` or ``None`` when the body parsed
    as neither; ``root`` is the XML root element name (``Error``, ``ImportKeyPairResponse``).
    ``document`` is the whole parsed JSON object (or a dict built from the XML tree).
    """

    syntax: str | None
    root: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    document: Any = None
    error: str | None = None  # why it did not parse


# The fields whose presence makes a 2xx body a success even when it also carries a ``Code``
# (IKP-R1: extra fields are allowed). DeleteKeyPairs' success has none but RequestId: there
# only the whole error shape (``Code`` and ``Message``, IKP-T4) makes a 2xx an error body.
SUCCESS_FIELDS: Mapping[str, tuple[str, ...]] = {
    contract.ACTION_IMPORT: ("KeyPairName", "KeyPairFingerPrint"),
    contract.ACTION_DESCRIBE: ("TotalCount",),
}
ERROR_ROOT = "Error"


def is_error_answer(action: str, status: int, parsed: ParsedBody) -> bool:
    """Whether an answer is an error: any non-2xx status; or a 2xx whose body is an error,
    that is an XML ``<Error>`` root, or a non-empty ``Code`` without the action's success
    fields (a 200 with RequestId, KeyPairName, KeyPairFingerPrint and an extra ``Code`` is
    a success, IKP-R1; a 200 that is an error body is what IKP-T4 forbids). For an action
    without success fields (DeleteKeyPairs) a 2xx is an error body only with both ``Code``
    and ``Message``: ``{"RequestId", "Code": "200", "Success": true}`` is a success."""
    if not 200 <= status < 300:
        return True
    if parsed.root == ERROR_ROOT:
        return True
    if not parsed.fields.get("Code"):
        return False
    wanted = SUCCESS_FIELDS.get(action, ())
    if not wanted:
        return parsed.fields.get("Message") is not None
    return not all(parsed.fields.get(f) is not None for f in wanted)


@dataclass(frozen=True)
class Exchange:
    """A request as sent (redacted) and the response as received."""

    action: str
    transport: Transport
    body_format: BodyFormat
    method: str
    url: str  # redacted
    params: Mapping[str, str]  # every parameter sent (business + common), redacted
    request_headers: Mapping[str, str]  # redacted
    request_body: str  # redacted
    status: int | None  # None when no response came (see ``transport_error``)
    response_headers: Mapping[str, str] = field(default_factory=dict)
    response_text: str = ""
    parsed: ParsedBody = field(default_factory=lambda: ParsedBody(None))
    elapsed: float = 0.0
    transport_error: str | None = None  # connection refused, timeout, retries exhausted ...
    attempts: int = 1
    signed: bool = False
    # The business parameters the caller asked for (redacted), without the common ones the
    # client added; and the signature faults deliberately applied (``target.Tamper``), so a
    # signed request can be replayed (``reproduce.py``).
    business_params: Mapping[str, str] = field(default_factory=dict)
    tamper: Mapping[str, str] = field(default_factory=dict)
    encoding: str = "suite"  # the client encoding the request was written in (client_encodings)

    @property
    def content_type(self) -> str:
        """The response's Content-Type header, or an empty string."""
        for name, value in self.response_headers.items():
            if name.lower() == "content-type":
                return value
        return ""

    @property
    def is_error(self) -> bool:
        """``is_error_answer`` of this exchange (False when no answer came)."""
        return self.status is not None and is_error_answer(self.action, self.status, self.parsed)

    def field(self, name: str) -> str | None:
        """A top-level field of the parsed body (``Code``, ``RequestId`` ...), or None."""
        return self.parsed.fields.get(name)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (for results.json and the report). Bodies are kept up to
        ``KEPT_BODY_CHARACTERS`` each, with a note of how much was cut: what a run keeps does
        not grow with the size of a target's answers (the oracle judged the whole body)."""
        return {
            "action": self.action,
            "transport": self.transport.value,
            "format": self.body_format.value,
            "method": self.method,
            "url": self.url,
            "params": dict(self.params),
            "request_headers": dict(self.request_headers),
            "request_body": kept(self.request_body),
            "status": self.status,
            "response_headers": dict(self.response_headers),
            "response_text": kept(self.response_text),
            "elapsed": round(self.elapsed, 6),
            "transport_error": self.transport_error,
            "attempts": self.attempts,
            "signed": self.signed,
            "business_params": dict(self.business_params),
            "tamper": dict(self.tamper),
        }
