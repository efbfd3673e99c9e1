"""Request signatures: V1 (HMAC-SHA1) and V3 (ACS3-HMAC-SHA256, ACS3-HMAC-SM3) verification (IKP-X3).

Written from Alibaba Cloud's published V1 and V3 signature algorithms. The pure functions
(``v1_string_to_sign``, ``v1_signature``, ``v3_canonical_request``, ``v3_string_to_sign``,
``v3_signature``) are what the published test vectors check; ``Verifier`` applies them to a
request, checks the access key, the timestamp window and nonce reuse (nonces are remembered for
the skew window).

V3 has two HMAC algorithms, named by the first word of the ``Authorization`` header and
repeated as the first line of the StringToSign. ``ACS3-HMAC-SM3`` (offered by the official
signers, ``Config(signature_algorithm='ACS3-HMAC-SM3')``) builds the same canonical request and
StringToSign as ``ACS3-HMAC-SHA256`` with SM3 (GB/T 32905) wherever SHA-256 is used: the
hashed payload is hex SM3 of the body (the header that carries it keeps the name
``x-acs-content-sha256``), the StringToSign is ``ACS3-HMAC-SM3\\n`` + hex SM3 of the canonical
request and the signature is hex HMAC-SM3 keyed with the plain secret. SM3 comes from
``cryptography`` (``hashlib`` has it only when its OpenSSL does). Any other Authorization
scheme is answered ``IncompleteSignature`` naming the scheme (``UnknownScheme``).
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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

from conformance import contract
from conformance.reference import errors

V3_ALGORITHM = "ACS3-HMAC-SHA256"
V3_SM3_ALGORITHM = "ACS3-HMAC-SM3"
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


def sm3_hex(data: bytes) -> str:
    """Hex SM3 digest of ``data``."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def hmac_sm3_hex(key: bytes, message: bytes) -> str:
    """Hex HMAC-SM3 (RFC 2104 over SM3's 64-byte blocks) of ``message`` keyed with ``key``."""
    mac = crypto_hmac.HMAC(key, hashes.SM3())
    mac.update(message)
    return mac.finalize().hex()


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac_sha256_hex(key: bytes, message: bytes) -> str:
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class V3Algorithm:
    """One V3 signature algorithm: its name, its hash and its MAC (both hex)."""

    name: str
    hash_hex: Callable[[bytes], str]
    mac_hex: Callable[[bytes, bytes], str]


def _sm3_available() -> bool:
    try:
        sm3_hex(b"")
    except UnsupportedAlgorithm:  # an OpenSSL built without SM3: the scheme is then unknown
        return False
    return True


V3_ALGORITHMS: dict[str, V3Algorithm] = {
    V3_ALGORITHM: V3Algorithm(V3_ALGORITHM, _sha256_hex, _hmac_sha256_hex),
}
if _sm3_available():
    V3_ALGORITHMS[V3_SM3_ALGORITHM] = V3Algorithm(V3_SM3_ALGORITHM, sm3_hex, hmac_sm3_hex)


def v3_payload_hash(body: bytes, algorithm: str = V3_ALGORITHM) -> str:
    """The HashedPayload: hex digest of the body with the algorithm's hash."""
    return V3_ALGORITHMS[algorithm].hash_hex(body)


def v3_string_to_sign(canonical_request: str, algorithm: str = V3_ALGORITHM) -> str:
    """``<algorithm>\\n`` + hex digest of the canonical request with the algorithm's hash."""
    return algorithm + "\n" + V3_ALGORITHMS[algorithm].hash_hex(canonical_request.encode("utf-8"))


def v3_signature(secret: str, string_to_sign: str, algorithm: str = V3_ALGORITHM) -> str:
    """Hex HMAC of the StringToSign with the algorithm's hash, keyed with the plain secret."""
    return V3_ALGORITHMS[algorithm].mac_hex(secret.encode("utf-8"), string_to_sign.encode("utf-8"))


_AUTH_V3 = re.compile(
    r"(\S+)\s+Credential=([^,\s]*)\s*,\s*SignedHeaders=([^,\s]*)\s*,\s*Signature=([0-9a-fA-F]*)\s*"
)


@dataclass(frozen=True)
class V3Authorization:
    access_key_id: str
    signed_headers: tuple[str, ...]
    signature: str
    algorithm: str = V3_ALGORITHM


def authorization_scheme(value: str) -> str:
    """The first word of an Authorization header (``ACS3-HMAC-SHA256``, ``Bearer``, ...)."""
    return value.strip().split(None, 1)[0] if value.strip() else ""


def parse_v3_authorization(value: str) -> V3Authorization | None:
    """The parts of a V3 (``ACS3-HMAC-SHA256`` or ``ACS3-HMAC-SM3``) Authorization header, or
    None if it is not one."""
    m = _AUTH_V3.fullmatch(value.strip())
    if m is None or m.group(1) not in V3_ALGORITHMS:
        return None
    signed = tuple(h for h in m.group(3).lower().split(";") if h)
    return V3Authorization(m.group(2), signed, m.group(4).lower(), m.group(1))


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


class UnknownScheme(errors.IncompleteSignature):
    """An Authorization header whose scheme is neither V3 algorithm: ``IncompleteSignature``
    (the code a malformed V3 header or an unsupported V1 ``SignatureMethod`` gets), with a
    message that names the scheme (cut to 64 characters) and the ones the server knows."""

    def __init__(self, scheme: str) -> None:
        self.scheme = scheme
        shown = scheme if len(scheme) <= 64 else scheme[:64] + "..."
        known = ", ".join(V3_ALGORITHMS)
        super().__init__(
            f"{contract.INCOMPLETE_SIGNATURE.message} The Authorization scheme {shown!r} is not supported "
            f"(supported: {known}; or a V1 signature in the parameters, without an Authorization header)."
        )


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
        scheme = authorization_scheme(authorization or "")
        if not scheme:  # no (or a blank) Authorization header: a V1 signature in the parameters
            self._verify_v1(request)
        elif scheme in V3_ALGORITHMS:
            self._verify_v3(request, authorization or "")
        else:
            raise UnknownScheme(scheme)

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
            v3_payload_hash(request.body, auth.algorithm),
        )
        string_to_sign = v3_string_to_sign(canonical, auth.algorithm)
        expected = v3_signature(secret, string_to_sign, auth.algorithm)
        if not hmac.compare_digest(expected, auth.signature):
            raise errors.SignatureDoesNotMatch(string_to_sign)
        self._check_time_and_nonce(
            headers["x-acs-date"].strip(), headers["x-acs-signature-nonce"], auth.access_key_id
        )
