"""Request signatures: V1 (HMAC-SHA1) and V3 (ACS3-HMAC-SHA256) verification (IKP-X3).

Written from spec/ecs-api.md sections 3.2 and 3.3. The pure functions (``v1_string_to_sign``,
``v1_signature``, ``v3_canonical_request``, ``v3_string_to_sign``, ``v3_signature``) are what
the published test vectors check; ``Verifier`` applies them to a request, checks the access
key, the timestamp window and nonce reuse (nonces are remembered for the skew window).
"""

from __future__ import annotations

import base64
import calendar
import functools
import hashlib
import hmac
import re
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from conformance import contract
from conformance.reference import errors

V3_ALGORITHM = "ACS3-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


_RESERVED_RUN = re.compile(r"[^A-Za-z0-9\-_.~]+")


_ASCII_TABLE = {i: f"%{i:02X}" for i in range(128) if _RESERVED_RUN.fullmatch(chr(i))}


def _escape_run(match: re.Match[str]) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group().encode("utf-8"))


@functools.lru_cache(maxsize=4096)
def percent_encode(value: str) -> str:
    """RFC 3986 encoding: keep ``A-Za-z0-9-_.~``, everything else ``%XY`` (UTF-8, uppercase).

    ASCII text goes through ``str.translate`` and other text's runs of reserved characters
    are found in C: ``quote`` walks every byte in Python, which made signature checks the
    largest cost of a request with tags (the canonical query is encoded twice). Results are
    cached: names, common values, key bodies and tags repeat from request to request."""
    if value.isascii():
        return value.translate(_ASCII_TABLE)
    return _RESERVED_RUN.sub(_escape_run, value)


# -- V1 -------------------------------------------------------------------------------------


def v1_string_to_sign(method: str, params: Mapping[str, str]) -> str:
    """``METHOD&%2F&percentEncode(sorted k=v pairs)``, all parameters except Signature."""
    canonical = "&".join(
        f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()) if k != "Signature"
    )
    # ``canonical`` is encoded already: only its '%', '&' and '=' need encoding again.
    again = canonical.replace("%", "%25").replace("&", "%26").replace("=", "%3D")
    return f"{method}&{percent_encode('/')}&{again}"


def v1_signature(secret: str, string_to_sign: str) -> str:
    """Base64(HMAC-SHA1(secret + "&", StringToSign))."""
    mac = hmac.new((secret + "&").encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


# -- V3 -------------------------------------------------------------------------------------


def v3_canonical_query(query: Mapping[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(query.items()))


def v3_canonical_headers(headers: Sequence[tuple[str, str]], signed: Sequence[str]) -> str:
    """``name:value\\n`` for each signed header, lowercase, trimmed, repeats joined by ','."""
    values: dict[str, list[str]] = {}
    for name, value in headers:
        values.setdefault(name.lower(), []).append(value.strip())
    out = []
    for name in sorted(signed):
        out.append(f"{name}:{','.join(sorted(values.get(name, [])))}\n")
    return "".join(out)


def v3_canonical_request(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Sequence[tuple[str, str]],
    signed_headers: Sequence[str],
    hashed_payload: str,
) -> str:
    return "\n".join(
        (
            method,
            path or "/",
            v3_canonical_query(query),
            v3_canonical_headers(headers, signed_headers),
            ";".join(sorted(signed_headers)),
            hashed_payload,
        )
    )


def v3_string_to_sign(canonical_request: str) -> str:
    return V3_ALGORITHM + "\n" + hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()


def v3_signature(secret: str, string_to_sign: str) -> str:
    return hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


_AUTH_V3 = re.compile(
    r"ACS3-HMAC-SHA256\s+Credential=([^,\s]*)\s*,\s*SignedHeaders=([^,\s]*)\s*,\s*Signature=([0-9a-fA-F]*)\s*"
)


@dataclass(frozen=True)
class V3Authorization:
    access_key_id: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_v3_authorization(value: str) -> V3Authorization | None:
    """The parts of an ``ACS3-HMAC-SHA256`` Authorization header, or None if it is not one."""
    m = _AUTH_V3.fullmatch(value.strip())
    if m is None:
        return None
    signed = tuple(h for h in m.group(2).lower().split(";") if h)
    return V3Authorization(m.group(1), signed, m.group(3).lower())


# -- verification ---------------------------------------------------------------------------

_TIMESTAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?Z")


def parse_timestamp(value: str) -> float:
    """ISO 8601 UTC ``yyyy-MM-ddTHH:mm:ssZ`` (fractions allowed) to epoch seconds."""
    m = _TIMESTAMP.fullmatch(value)
    if m is None:
        raise errors.TimestampFormat()
    try:
        parts = tuple(int(g) for g in m.groups())
        return float(calendar.timegm(time.struct_time((*parts, 0, 0, 0))))
    except (ValueError, OverflowError):
        raise errors.TimestampFormat() from None


class NonceCache:
    """Nonces seen within the skew window; thread-safe, pruned as time passes."""

    def __init__(self, window: float = 2 * contract.TIMESTAMP_SKEW_SECONDS, limit: int = 2_000_000) -> None:
        self._window = window
        self._limit = limit
        self._seen: set[tuple[str, str]] = set()
        self._order: deque[tuple[float, tuple[str, str]]] = deque()
        self._lock = threading.Lock()

    def use(self, access_key_id: str, nonce: str, now: float | None = None) -> bool:
        """Record the nonce; False when it was already used."""
        now = time.time() if now is None else now
        key = (access_key_id, nonce)
        with self._lock:
            while self._order and (self._order[0][0] < now - self._window or len(self._order) > self._limit):
                self._seen.discard(self._order.popleft()[1])
            if key in self._seen:
                return False
            self._seen.add(key)
            self._order.append((now, key))
            return True


@dataclass(frozen=True)
class SignedRequest:
    """What the verifier needs from one HTTP request."""

    method: str
    path: str
    query: Mapping[str, str]
    params: Mapping[str, str]  # query and body merged
    headers: Sequence[tuple[str, str]]
    body: bytes


class Verifier:
    """Checks V1 and V3 signatures against configured access keys (None: accept all)."""

    def __init__(self, access_keys: Mapping[str, str] | None) -> None:
        self.access_keys = dict(access_keys) if access_keys else None
        self.nonces = NonceCache()

    def _secret(self, access_key_id: str) -> str:
        assert self.access_keys is not None
        secret = self.access_keys.get(access_key_id)
        if secret is None:
            raise errors.AccessKeyNotFound()
        return secret

    def _check_time_and_nonce(self, stamp: str, nonce: str, access_key_id: str) -> None:
        when = parse_timestamp(stamp)
        if abs(time.time() - when) > contract.TIMESTAMP_SKEW_SECONDS:
            raise errors.TimestampExpired()
        if not self.nonces.use(access_key_id, nonce):
            raise errors.SignatureNonceUsed()

    def verify(self, request: SignedRequest) -> None:
        """Raise the gateway's error for a request that fails authentication."""
        if self.access_keys is None:
            return
        authorization = next((v for k, v in request.headers if k.lower() == "authorization"), None)
        if authorization is not None and authorization.lstrip().startswith(V3_ALGORITHM):
            self._verify_v3(request, authorization)
        else:
            self._verify_v1(request)

    def _verify_v1(self, request: SignedRequest) -> None:
        params = request.params
        for required in ("AccessKeyId", "Signature", "SignatureNonce", "Timestamp"):
            if not params.get(required):
                raise errors.MissingParameter(required)
        secret = self._secret(params["AccessKeyId"])
        if params.get("SignatureMethod", "HMAC-SHA1") != "HMAC-SHA1" or params.get(
            "SignatureVersion", "1.0"
        ) not in ("1.0",):
            raise errors.IncompleteSignature()
        parse_timestamp(params["Timestamp"])
        string_to_sign = v1_string_to_sign(request.method, params)
        expected = v1_signature(secret, string_to_sign)
        if not hmac.compare_digest(expected.encode(), params["Signature"].encode("utf-8", "replace")):
            raise errors.SignatureDoesNotMatch(string_to_sign)
        self._check_time_and_nonce(params["Timestamp"], params["SignatureNonce"], params["AccessKeyId"])

    def _verify_v3(self, request: SignedRequest, authorization: str) -> None:
        auth = parse_v3_authorization(authorization)
        if auth is None or not auth.signed_headers or not auth.signature:
            raise errors.IncompleteSignature()
        secret = self._secret(auth.access_key_id)
        headers = {k.lower(): v for k, v in request.headers}
        for required in ("x-acs-date", "x-acs-signature-nonce"):
            if not headers.get(required):
                raise errors.MissingParameter(required)
        parse_timestamp(headers["x-acs-date"].strip())
        canonical = v3_canonical_request(
            request.method,
            request.path,
            request.query,
            request.headers,
            auth.signed_headers,
            hashlib.sha256(request.body).hexdigest(),
        )
        string_to_sign = v3_string_to_sign(canonical)
        expected = v3_signature(secret, string_to_sign)
        if not hmac.compare_digest(expected, auth.signature):
            raise errors.SignatureDoesNotMatch(string_to_sign)
        self._check_time_and_nonce(
            headers["x-acs-date"].strip(), headers["x-acs-signature-nonce"], auth.access_key_id
        )
