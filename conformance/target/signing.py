"""Client-side request signing: V1 (HMAC-SHA1, RPC) and V3 (ACS3-HMAC-SHA256).

This module owns the arithmetic of both signature schemes (Alibaba Cloud's published V1 and V3
signature algorithms) and nothing else: no HTTP, no clock, no randomness. Every function takes its inputs
(method, parameters, headers, body hash, secret, nonce, timestamp) explicitly, so the unit
tests can feed the published test vectors and the target client can feed fresh values.

It is written for the suite alone: the reference server verifies signatures with its own,
independent code (DESIGN.md: a bug shared by the judge and the judged is found by nobody).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote

V1_SIGNATURE_METHOD = "HMAC-SHA1"
V1_SIGNATURE_VERSION = "1.0"
V3_ALGORITHM = "ACS3-HMAC-SHA256"
EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()

# Parameters the V1 scheme adds to a request (besides Action/Version/Format).
V1_PARAMETERS = (
    "AccessKeyId",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
    "SecurityToken",
    "Signature",
)
# Headers the V3 scheme adds to a request.
V3_HEADERS = (
    "host",
    "x-acs-action",
    "x-acs-version",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-content-sha256",
    "x-acs-security-token",
    "authorization",
)


_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
_ESCAPES = {i: f"%{i:02X}" for i in range(128) if chr(i) not in _UNRESERVED}


@functools.lru_cache(maxsize=4096)
def percent_encode(text: str) -> str:
    """RFC 3986 encoding of ``text`` as UTF-8 (spec 3.2 step 2).

    Only ``A-Z a-z 0-9 - _ . ~`` stay as they are; everything else becomes ``%XY`` with
    upper-case hex, so a space is ``%20`` (never ``+``) and ``*`` is ``%2A``. ASCII text (a
    key body, a canonical query) goes through ``str.translate`` in C, many times faster
    than ``quote``'s byte-by-byte loop on a 2 KB body. Results are
    cached: the names and most values repeat from request to request.
    """
    if text.isascii():
        return text.translate(_ESCAPES)
    return quote(text.encode("utf-8"), safe="-_.~")


def format_timestamp(moment: datetime | float) -> str:
    """ISO 8601 UTC without fractions, ``yyyy-MM-ddTHH:mm:ssZ`` (V1 Timestamp, V3 x-acs-date).

    ``moment`` is an aware datetime or POSIX seconds.
    """
    when = moment if isinstance(moment, datetime) else datetime.fromtimestamp(moment, tz=UTC)
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def encode_pairs(params: Mapping[str, str]) -> str:
    """``k=v&k=v`` with both sides percent-encoded, in the mapping's order (a query or form body)."""
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in params.items())


def _sorted_encoded(params: Mapping[str, str]) -> str:
    """Parameters sorted by name (code point order, the same as UTF-8 byte order), encoded."""
    return "&".join(f"{percent_encode(name)}={percent_encode(params[name])}" for name in sorted(params))


# -- V1 ------------------------------------------------------------------------------------------


def v1_canonicalized_query(params: Mapping[str, str]) -> str:
    """The CanonicalizedQueryString over every parameter except ``Signature`` (spec 3.2 steps 1-3)."""
    return _sorted_encoded({k: v for k, v in params.items() if k != "Signature"})


def v1_string_to_sign(method: str, params: Mapping[str, str]) -> str:
    """``METHOD&%2F&percentEncode(CanonicalizedQueryString)`` (spec 3.2 step 4).

    ``params`` is the union of query and form-body parameters.
    """
    canonical = v1_canonicalized_query(params)
    # Percent-encoding the canonical query again: it holds only unreserved characters and
    # '%', '&', '=' (each pair was encoded), so three replacements are the whole encoding.
    encoded = canonical.replace("%", "%25").replace("&", "%26").replace("=", "%3D")
    return "&".join((method.upper(), percent_encode("/"), encoded))


def v1_signature(method: str, params: Mapping[str, str], secret: str) -> str:
    """Base64(HMAC-SHA1(secret + "&", StringToSign)) (spec 3.2 step 5); not yet URL-encoded."""
    key = (secret + "&").encode("utf-8")
    digest = hmac.new(key, v1_string_to_sign(method, params).encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def v1_common_parameters(
    access_key_id: str, nonce: str, timestamp: str, security_token: str | None = None
) -> dict[str, str]:
    """The signature-related common parameters, before ``Signature`` itself (spec 3.1)."""
    common = {
        "AccessKeyId": access_key_id,
        "SignatureMethod": V1_SIGNATURE_METHOD,
        "SignatureVersion": V1_SIGNATURE_VERSION,
        "SignatureNonce": nonce,
        "Timestamp": timestamp,
    }
    if security_token is not None:
        common["SecurityToken"] = security_token
    return common


def sign_v1(
    method: str,
    query: Mapping[str, str],
    form: Mapping[str, str],
    *,
    access_key_id: str,
    secret: str,
    nonce: str,
    timestamp: str,
    security_token: str | None = None,
) -> dict[str, str]:
    """Sign a V1 request; returns the new query (``query`` + common parameters + ``Signature``).

    ``form`` is the form-encoded body's parameters: they are signed but stay in the body
    (Terraform's split, IKP-T1). The signature covers query union form.
    """
    signed_query = dict(query)
    signed_query.update(v1_common_parameters(access_key_id, nonce, timestamp, security_token))
    everything = {**form, **signed_query}
    signed_query["Signature"] = v1_signature(method, everything, secret)
    return signed_query


# -- V3 ------------------------------------------------------------------------------------------


def sha256_hex(body: bytes) -> str:
    """Lower-case hex SHA-256 of the body: the ``x-acs-content-sha256`` value and HashedPayload."""
    return hashlib.sha256(body).hexdigest()


def v3_canonical_query(query: Mapping[str, str]) -> str:
    """Sorted, RFC 3986-encoded query; an empty value gives ``key=``."""
    return _sorted_encoded(query)


def v3_canonical_headers(headers: Mapping[str, str]) -> tuple[str, str]:
    """(CanonicalHeaders, SignedHeaders) over every header given.

    Names are lower-cased and sorted; values trimmed; the values of names that differ only
    in case are joined with ``,`` in the order given. The caller decides which headers to
    sign (``v3_headers_to_sign``).
    """
    merged: dict[str, list[str]] = {}
    for name, value in headers.items():
        merged.setdefault(name.strip().lower(), []).append(value.strip())
    names = sorted(merged)
    canonical = "".join(f"{name}:{','.join(merged[name])}\n" for name in names)
    return canonical, ";".join(names)


def v3_headers_to_sign(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers the V3 document says to sign: ``host``, ``content-type`` and every ``x-acs-*``."""
    return {
        name: value
        for name, value in headers.items()
        if name.lower() in ("host", "content-type") or name.lower().startswith("x-acs-")
    }


def v3_canonical_request(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    payload_hash: str,
) -> str:
    """``Method\\nURI\\nQuery\\nCanonicalHeaders\\nSignedHeaders\\nHashedPayload`` (spec 3.3)."""
    canonical_headers, signed_headers = v3_canonical_headers(headers)
    return "\n".join(
        (
            method.upper(),
            path or "/",
            v3_canonical_query(query),
            canonical_headers,
            signed_headers,
            payload_hash,
        )
    )


def v3_string_to_sign(canonical_request: str) -> str:
    """``ACS3-HMAC-SHA256\\n`` + hex SHA-256 of the canonical request."""
    return f"{V3_ALGORITHM}\n{sha256_hex(canonical_request.encode('utf-8'))}"


def v3_signature(string_to_sign: str, secret: str) -> str:
    """Hex HMAC-SHA256 keyed with the plain secret (no ``&``)."""
    return hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def v3_authorization(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    payload_hash: str,
    *,
    access_key_id: str,
    secret: str,
) -> str:
    """The ``Authorization`` header value; ``headers`` are exactly the headers to sign."""
    canonical = v3_canonical_request(method, path, query, headers, payload_hash)
    _, signed_headers = v3_canonical_headers(headers)
    signature = v3_signature(v3_string_to_sign(canonical), secret)
    return f"{V3_ALGORITHM} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}"


def sign_v3(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: bytes,
    *,
    host: str,
    action: str,
    version: str,
    access_key_id: str,
    secret: str,
    nonce: str,
    timestamp: str,
) -> dict[str, str]:
    """Sign a V3 request; returns ``headers`` plus the x-acs-* headers, ``host`` and ``Authorization``.

    A security token, if any, is passed in ``headers`` as ``x-acs-security-token`` so that it
    is signed like every other x-acs header.
    """
    payload_hash = sha256_hex(body)
    out = dict(headers)
    out.update(
        {
            "host": host,
            "x-acs-action": action,
            "x-acs-version": version,
            "x-acs-date": timestamp,
            "x-acs-signature-nonce": nonce,
            "x-acs-content-sha256": payload_hash,
        }
    )
    out["Authorization"] = v3_authorization(
        method,
        path,
        query,
        v3_headers_to_sign(out),
        payload_hash,
        access_key_id=access_key_id,
        secret=secret,
    )
    return out
