"""An independent check of what the target client sends: written without ``conformance.target.signing``.

The encoder walks the UTF-8 bytes one by one (``signing.py`` uses ``urllib.parse.quote``), and the
signatures are recomputed from what the test server *received*, with plain ``hmac``/``hashlib``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


def rfc3986(text: str) -> str:
    out = []
    for byte in text.encode("utf-8"):
        out.append(chr(byte) if byte in _UNRESERVED else f"%{byte:02X}")
    return "".join(out)


def v1_expected_signature(method: str, params: Mapping[str, str], secret: str) -> str:
    """Signature V1 over every received parameter except ``Signature``."""
    names = sorted(n for n in params if n != "Signature")
    canonical = "&".join(rfc3986(n) + "=" + rfc3986(params[n]) for n in names)
    to_sign = method + "&" + rfc3986("/") + "&" + rfc3986(canonical)
    mac = hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def v3_expected_authorization(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    authorization: str,
) -> tuple[str, str]:
    """(expected signature, received signature) rebuilt from the SignedHeaders the client listed."""
    scheme, _, rest = authorization.partition(" ")
    assert scheme == "ACS3-HMAC-SHA256", authorization
    parts = dict(item.split("=", 1) for item in rest.split(","))
    signed = parts["SignedHeaders"].split(";")
    lower = {k.lower(): v for k, v in headers.items()}
    canonical_headers = "".join(f"{name}:{lower[name].strip()}\n" for name in signed)
    canonical_query = "&".join(rfc3986(k) + "=" + rfc3986(query[k]) for k in sorted(query))
    canonical_request = "\n".join(
        [
            method,
            path,
            canonical_query,
            canonical_headers,
            parts["SignedHeaders"],
            hashlib.sha256(body).hexdigest(),
        ]
    )
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical_request.encode()).hexdigest()
    expected = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    return expected, parts["Signature"]
