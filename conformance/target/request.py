"""Building one request: where each parameter goes, which headers, what is signed.

This module owns the translation of (action, business parameters, transport, body format,
credentials, tamper, client encoding) into a ``Built`` request, unredacted and ready to
send: the RPC common parameters, the query, the form body or the V3 headers (IKP-T1), the
body format asked for (IKP-T2), and the V1 or V3 signature (``signing.py``), spoiled on
purpose when a ``Tamper`` says so (IKP-X3). It sends nothing and hides nothing: the client
(``client.py``) sends a Built and records it through redaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from conformance import contract
from conformance.exchange import BodyFormat, Transport
from conformance.target import signing
from conformance.target.config import Credentials, TargetConfig
from conformance.target.encodings import SUITE, ClientEncoding
from conformance.target.tamper import Tamper

# V3 sends no Format: it asks with Accept. JSON is what the SDK asks for (IKP-T1), and what
# a V3 request asks for unless the caller explicitly wants XML.
V3_ACCEPT = {
    BodyFormat.JSON: "application/json",
    BodyFormat.ABSENT: "application/json",
    BodyFormat.XML: "application/xml",
}

# Parameters the client adds itself; everything else in a request is a business parameter.
COMMON_PARAMETERS = frozenset({"Action", "Version", "Format", *signing.V1_PARAMETERS})


@dataclass
class Built:
    """One request, ready to send (unredacted)."""

    method: str
    url: str
    params: dict[str, str]  # every parameter sent, query and form
    headers: dict[str, str]
    body: bytes
    form: bool
    query: dict[str, str] = field(default_factory=dict)  # the URL's parameters, in their order
    form_params: dict[str, str] = field(default_factory=dict)  # the form body's parameters
    encoding: ClientEncoding = SUITE  # how the URL and the form body were written (IKP-T1)


def url(config: TargetConfig, query: Mapping[str, str], encoding: ClientEncoding = SUITE) -> str:
    """The RPC URL of ``config`` with ``query`` written as ``encoding`` writes it."""
    encoded = encoding.encode(query)
    return f"{config.origin}{config.path}" + (f"?{encoded}" if encoded else "")


def build(
    config: TargetConfig,
    action: str,
    business: dict[str, str],
    transport: Transport,
    body_format: BodyFormat,
    creds: Credentials | None,
    tamper: Tamper | None,
    encoding: ClientEncoding = SUITE,
    *,
    nonce: Callable[[], str],
    clock: Callable[[], float],
) -> Built:
    """The request for one attempt, signed with ``creds`` when given (``nonce`` is asked
    unless the tamper fixes it, then ``clock`` for the timestamp: fresh for each attempt)."""
    tamper = tamper or Tamper()
    method = "GET" if transport is Transport.GET else "POST"
    headers: dict[str, str] = {}
    query: dict[str, str] = {}
    form: dict[str, str] = {}
    sig_nonce = tamper.nonce if tamper.nonce is not None else nonce()
    timestamp = signing.format_timestamp(clock() + tamper.timestamp_shift)
    key_id = tamper.access_key_id  # None: the real one

    if transport is Transport.V3:
        query = dict(business)
        headers["Accept"] = V3_ACCEPT[body_format]
        body = b""
        if creds is None:
            headers.update(
                {"host": config.host, "x-acs-action": action, "x-acs-version": contract.API_VERSION}
            )
        else:
            if creds.security_token:
                headers["x-acs-security-token"] = creds.security_token
            secret = creds.access_key_secret + ("-wrong" if tamper.wrong_signature else "")
            headers = signing.sign_v3(
                method, config.path, query, headers, body,
                host=config.host, action=action, version=contract.API_VERSION,
                access_key_id=key_id or creds.access_key_id, secret=secret,
                nonce=sig_nonce, timestamp=timestamp,
            )  # fmt: skip
        return Built(
            method, url(config, query, encoding), dict(query), headers, body,
            form=False, query=query, encoding=encoding,
        )  # fmt: skip

    common = {"Action": action, "Version": contract.API_VERSION}
    if body_format is not BodyFormat.ABSENT:
        common["Format"] = body_format.value
    if transport is Transport.POST_FORM:
        # A business parameter named like a common one (``Format=xml`` to probe IKP-T2's
        # case-insensitivity) replaces the client's own, as it does in the query transports.
        query = {k: v for k, v in common.items() if k not in business}
        query.update({k: v for k, v in business.items() if k in encoding.in_query})
        form = {k: v for k, v in business.items() if k not in encoding.in_query}
    else:
        query = {**common, **business}
    if creds is not None:
        secret = creds.access_key_secret + ("-wrong" if tamper.wrong_signature else "")
        query = signing.sign_v1(
            method, query, form,
            access_key_id=key_id or creds.access_key_id, secret=secret,
            nonce=sig_nonce, timestamp=timestamp, security_token=creds.security_token,
        )  # fmt: skip
    body = b""
    if encoding.all_in_body:  # the whole signed request in the body (Node pop-core's POST)
        query, form = {}, {**query, **form}
    if transport is Transport.POST_FORM:
        headers["Content-Type"] = encoding.content_type
        body = encoding.encode(form).encode("ascii")
    return Built(
        method, url(config, query, encoding), {**query, **form}, headers, body,
        form=bool(form), query=query, form_params=form, encoding=encoding,
    )  # fmt: skip
