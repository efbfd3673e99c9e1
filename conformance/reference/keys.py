"""PublicKeyBody: parsing, validation and the fingerprint (IKP-K1..K5, IKP-R2).

Written from the wire formats (RFC 4251/4253/5656, PROTOCOL.certkeys rev 1.3 for v00 and
rev 1.19 for v01); ``cryptography`` is used only for curve-point checks, PEM decoding and
CA-signature verification. Nothing here comes from the suite's strategies or oracle.

Readings chosen for the Profile points:
- IKP-K4: RFC 4716 ``---- BEGIN SSH2 PUBLIC KEY ----`` blocks and PEM ``BEGIN RSA PUBLIC KEY``
  / ``BEGIN PUBLIC KEY`` are accepted; the fingerprint is that of the equivalent SSH blob.
- IKP-K5: leading/trailing whitespace, a trailing newline, CRLF and tabs between fields are
  tolerated; an authorized_keys options prefix, two keys in one body, RSA moduli outside
  1024..4096 bits, public exponents over 32 bits and non-minimal mpints are rejected; a
  certificate's CA signature is verified (a bad one is rejected) but its validity window is
  not checked.
- IKP-R2: a certificate's fingerprint is the certified plain key's (what ssh-keygen prints).

Over 400 lines because it is the server's own SSH parser for every documented type and both
certificate versions, written apart from the judge's (``strategies/sshwire.py``) on purpose:
a bug the judge and the judged shared would be one no test finds.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import itertools
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from conformance import contract

RSA_MIN_BITS = min(contract.RSA_KEY_SIZES)
RSA_MAX_BITS = max(contract.RSA_KEY_SIZES)
# Public exponents above 32 bits are refused (as Windows CNG does; every SSH tool uses 65537 or 3).
# This is what tells an ECDSA key written into an ssh-rsa certificate ("nistp521" read as e)
# from an RSA key.
RSA_MAX_EXPONENT_BITS = 32
_DSA_Q_BITS = (160, 224, 256)
_CURVES: dict[str, ec.EllipticCurve] = {
    "nistp256": ec.SECP256R1(),
    "nistp384": ec.SECP384R1(),
    "nistp521": ec.SECP521R1(),
}
_CURVE_HASH: dict[str, type[hashes.HashAlgorithm]] = {
    "nistp256": hashes.SHA256,
    "nistp384": hashes.SHA384,
    "nistp521": hashes.SHA512,
}
_CERT_V00 = "-cert-v00@openssh.com"
_CERT_V01 = "-cert-v01@openssh.com"
_RFC4716_BEGIN = "---- BEGIN SSH2 PUBLIC KEY ----"
_RFC4716_END = "---- END SSH2 PUBLIC KEY ----"
_PEM = re.compile(r"-----BEGIN (RSA PUBLIC KEY|PUBLIC KEY)-----\n([A-Za-z0-9+/=\n]+)\n-----END \1-----")


class MalformedKey(ValueError):
    """The body is not a documented public key (maps to InvalidPublicKeyBody.Malformed)."""


@dataclass(frozen=True)
class PublicKey:
    """A validated key: its type name, the plain key blob and the MD5 fingerprint (and the
    whole blob received, which differs from the plain one for a certificate)."""

    key_type: str
    plain_blob: bytes
    fingerprint: str
    is_certificate: bool
    blob: bytes = b""


def md5_fingerprint(blob: bytes) -> str:
    """RFC 4716 section 4: MD5 of the blob as lowercase hex pairs joined by ':'."""
    return ":".join(f"{b:02x}" for b in hashlib.md5(blob, usedforsecurity=False).digest())


# -- RFC 4251 reader ----------------------------------------------------------------------------


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise MalformedKey("truncated")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def uint32(self) -> int:
        value: int = struct.unpack(">I", self.take(4))[0]
        return value

    def uint64(self) -> int:
        value: int = struct.unpack(">Q", self.take(8))[0]
        return value

    def string(self) -> bytes:
        return self.take(self.uint32())

    def text(self) -> str:
        try:
            return self.string().decode("ascii")
        except UnicodeDecodeError:
            raise MalformedKey("non-ASCII name") from None

    def mpint(self) -> int:
        """A non-negative, minimally encoded mpint (RFC 4251 section 5)."""
        raw = self.string()
        if not raw:
            return 0
        if raw[0] & 0x80:
            raise MalformedKey("negative mpint")
        if raw[0] == 0 and (len(raw) == 1 or not raw[1] & 0x80):
            raise MalformedKey("non-minimal mpint")
        return int.from_bytes(raw, "big")

    def done(self) -> None:
        if self.pos != len(self.data):
            raise MalformedKey("trailing bytes")


def _w_string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _w_mpint(value: int) -> bytes:
    if value == 0:
        return _w_string(b"")
    return _w_string(value.to_bytes(value.bit_length() // 8 + 1, "big"))


# -- plain key fields ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fields:
    """The key fields of one plain key type, parsed and checked."""

    base_type: str
    values: tuple[int | bytes | str, ...]

    def plain_blob(self) -> bytes:
        out = [_w_string(self.base_type.encode())]
        for v in self.values:
            if isinstance(v, int):
                out.append(_w_mpint(v))
            elif isinstance(v, str):
                out.append(_w_string(v.encode()))
            else:
                out.append(_w_string(v))
        return b"".join(out)


def _read_rsa(r: _Reader, *, check_size: bool = True) -> _Fields:
    e = r.mpint()
    n = r.mpint()
    if e < 3 or e % 2 == 0 or e >= n or e.bit_length() > RSA_MAX_EXPONENT_BITS:
        raise MalformedKey("bad RSA exponent")
    if check_size and not RSA_MIN_BITS <= n.bit_length() <= RSA_MAX_BITS:
        raise MalformedKey("RSA modulus size")
    return _Fields("ssh-rsa", (e, n))


def _read_dss(r: _Reader) -> _Fields:
    p, q, g, y = r.mpint(), r.mpint(), r.mpint(), r.mpint()
    if p.bit_length() != contract.DSA_KEY_SIZE or q.bit_length() not in _DSA_Q_BITS:
        raise MalformedKey("DSA size")
    if not (1 < g < p and 0 < y < p):
        raise MalformedKey("DSA values")
    return _Fields("ssh-dss", (p, q, g, y))


def _read_ecdsa(r: _Reader, curve_name: str) -> _Fields:
    inner = r.text()
    if inner != curve_name:
        raise MalformedKey("curve mismatch")
    point = r.string()
    curve = _CURVES[curve_name]
    size = (curve.key_size + 7) // 8
    if len(point) != 1 + 2 * size or point[0] != 0x04:
        raise MalformedKey("not an uncompressed point")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
    except ValueError:
        raise MalformedKey("point not on curve") from None
    return _Fields("ecdsa-sha2-" + curve_name, (curve_name, point))


def _read_fields(r: _Reader, base_type: str) -> _Fields:
    if base_type == "ssh-rsa":
        return _read_rsa(r)
    if base_type == "ssh-dss":
        return _read_dss(r)
    if base_type.startswith("ecdsa-sha2-") and base_type[len("ecdsa-sha2-") :] in _CURVES:
        return _read_ecdsa(r, base_type[len("ecdsa-sha2-") :])
    raise MalformedKey("unsupported type")


# -- certificates -------------------------------------------------------------------------------


def _check_name_list(raw: bytes) -> None:
    r = _Reader(raw)
    while r.pos < len(raw):
        r.string()


def _check_options(raw: bytes) -> None:
    r = _Reader(raw)
    while r.pos < len(raw):
        r.string()
        r.string()


def _ca_public_key(blob: bytes) -> object:
    """The CA's key (plain ssh-rsa, ssh-dss, ECDSA or ssh-ed25519; never a certificate)."""
    r = _Reader(blob)
    ca_type = r.text()
    ca: object
    if ca_type == "ssh-rsa":
        e, n = r.mpint(), r.mpint()
        if e < 3 or e % 2 == 0 or e >= n:
            raise MalformedKey("bad CA key")
        ca = rsa.RSAPublicNumbers(e, n).public_key()
    elif ca_type == "ssh-dss":
        p, q, g, y = r.mpint(), r.mpint(), r.mpint(), r.mpint()
        try:
            ca = dsa.DSAPublicNumbers(y, dsa.DSAParameterNumbers(p, q, g)).public_key()
        except ValueError:
            raise MalformedKey("bad CA key") from None
    elif ca_type.startswith("ecdsa-sha2-") and ca_type[len("ecdsa-sha2-") :] in _CURVES:
        curve_name = ca_type[len("ecdsa-sha2-") :]
        point = _read_ecdsa(r, curve_name).values[1]
        assert isinstance(point, bytes)
        ca = ec.EllipticCurvePublicKey.from_encoded_point(_CURVES[curve_name], point)
    elif ca_type == "ssh-ed25519":
        pk = r.string()
        if len(pk) != 32:
            raise MalformedKey("bad CA key")
        ca = ed25519.Ed25519PublicKey.from_public_bytes(pk)
    else:
        raise MalformedKey("unsupported CA type")
    r.done()
    return ca


def _verify_ca_signature(ca_blob: bytes, signature: bytes, signed: bytes) -> None:
    ca = _ca_public_key(ca_blob)
    r = _Reader(signature)
    alg = r.text()
    sig = r.string()
    r.done()
    try:
        if isinstance(ca, rsa.RSAPublicKey):
            digest: hashes.HashAlgorithm
            if alg == "ssh-rsa":
                digest = hashes.SHA1()
            elif alg == "rsa-sha2-256":
                digest = hashes.SHA256()
            elif alg == "rsa-sha2-512":
                digest = hashes.SHA512()
            else:
                raise MalformedKey("signature algorithm")
            size = (ca.key_size + 7) // 8
            if len(sig) > size:
                raise MalformedKey("signature length")
            ca.verify(sig.rjust(size, b"\0"), signed, padding.PKCS1v15(), digest)
        elif isinstance(ca, dsa.DSAPublicKey):
            if alg != "ssh-dss" or len(sig) != 40:
                raise MalformedKey("signature algorithm")
            rr = int.from_bytes(sig[:20], "big")
            ss = int.from_bytes(sig[20:], "big")
            ca.verify(encode_dss_signature(rr, ss), signed, hashes.SHA1())
        elif isinstance(ca, ec.EllipticCurvePublicKey):
            curve_name = {v.name: k for k, v in _CURVES.items()}[ca.curve.name]
            if alg != "ecdsa-sha2-" + curve_name:
                raise MalformedKey("signature algorithm")
            sr = _Reader(sig)
            rr, ss = sr.mpint(), sr.mpint()
            sr.done()
            ca.verify(encode_dss_signature(rr, ss), signed, ec.ECDSA(_CURVE_HASH[curve_name]()))
        elif isinstance(ca, ed25519.Ed25519PublicKey):
            if alg != "ssh-ed25519":
                raise MalformedKey("signature algorithm")
            ca.verify(sig, signed)
        else:  # pragma: no cover - _ca_public_key returns only the above
            raise MalformedKey("unsupported CA")
    except (InvalidSignature, ValueError, UnsupportedAlgorithm) as exc:
        if isinstance(exc, MalformedKey):
            raise
        raise MalformedKey("bad CA signature") from None


def _read_certificate(r: _Reader, blob: bytes, base_type: str, legacy: bool) -> _Fields:
    if legacy:
        # PROTOCOL.certkeys rev 1.3 (ssh-keys.md section 1.4): RSA and DSA subjects only.
        if base_type not in ("ssh-rsa", "ssh-dss"):
            raise MalformedKey("v00 subject type")
        fields = _read_fields(r, base_type)
        cert_type = r.uint32()
        r.string()  # key id
        _check_name_list(r.string())  # valid principals
        r.uint64()  # valid after
        r.uint64()  # valid before
        _check_options(r.string())  # constraints
        r.string()  # nonce
    else:
        # PROTOCOL.certkeys rev 1.19 (section 1.3): nonce first, then the key fields.
        r.string()  # nonce
        fields = _read_fields(r, base_type)
        r.uint64()  # serial
        cert_type = r.uint32()
        r.string()  # key id
        _check_name_list(r.string())
        r.uint64()
        r.uint64()
        _check_options(r.string())  # critical options
        _check_options(r.string())  # extensions
    if cert_type not in (1, 2):
        raise MalformedKey("certificate type")
    r.string()  # reserved
    ca_blob = r.string()
    signed = blob[: r.pos]
    signature = r.string()
    r.done()
    _verify_ca_signature(ca_blob, signature, signed)
    return fields


def certificate_window_and_ca(blob: bytes) -> tuple[int, int, bytes]:
    """A certificate blob's (valid after, valid before, CA key blob); no signature check.

    For ``faults`` and ``variants`` (other readings of the validity window, a CA-key
    fingerprint); the clean parser does not look at the window (PROFILE.md, IKP-K5)."""
    r = _Reader(blob)
    blob_type = r.text()
    legacy = blob_type.endswith(_CERT_V00)
    if not (legacy or blob_type.endswith(_CERT_V01)):
        raise MalformedKey("not a certificate")
    base_type = blob_type[: -len(_CERT_V00)]
    if not legacy:
        r.string()  # nonce
    _read_fields(r, base_type)
    if not legacy:
        r.uint64()  # serial
    r.uint32()  # type
    r.string()  # key id
    r.string()  # principals
    after, before = r.uint64(), r.uint64()
    r.string()  # critical options / constraints
    if legacy:
        r.string()  # nonce
    else:
        r.string()  # extensions
    r.string()  # reserved
    return after, before, r.string()


# -- text forms ---------------------------------------------------------------------------------


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise MalformedKey("bad base64") from None


def _parse_blob(line_type: str, blob: bytes) -> PublicKey:
    if line_type not in contract.DOCUMENTED_KEY_TYPES:
        raise MalformedKey("undocumented key type")
    r = _Reader(blob)
    blob_type = r.text()
    if blob_type != line_type:
        raise MalformedKey("type mismatch")
    if blob_type.endswith(_CERT_V00) or blob_type.endswith(_CERT_V01):
        legacy = blob_type.endswith(_CERT_V00)
        base_type = blob_type[: -len(_CERT_V00)]
        fields = _read_certificate(r, blob, base_type, legacy)
        plain = fields.plain_blob()
        return PublicKey(blob_type, plain, md5_fingerprint(plain), True, blob)
    _read_fields(r, blob_type)
    r.done()
    return PublicKey(blob_type, blob, md5_fingerprint(blob), False, blob)


BlobReader = Callable[[str, bytes], PublicKey]
"""Reads one decoded blob, given the type name of its line: the clean ``_parse_blob`` here,
or another reading's (``structural.read_blob``, the lenient one)."""


def _parse_one_line(text: str, read_blob: BlobReader) -> PublicKey:
    fields = text.split()
    if len(fields) < 2:
        raise MalformedKey("not a key line")
    # A comment may contain anything (even a type name), but "TYPE BASE64" again is two keys.
    for name, data in itertools.pairwise(fields[2:]):
        if _looks_like_key(name, data):
            raise MalformedKey("two keys")
    return read_blob(fields[0], _b64(fields[1]))


def _looks_like_key(name: str, data: str) -> bool:
    """True when ``name data`` is a key: ``data`` is base64 of a blob whose type is ``name``."""
    try:
        blob = base64.b64decode(data.encode("ascii"), validate=True)
        return _Reader(blob).text() == name
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return False


def _parse_rfc4716(text: str, read_blob: BlobReader) -> PublicKey:
    lines = text.split("\n")
    if lines[0].strip() != _RFC4716_BEGIN or lines[-1].strip() != _RFC4716_END:
        raise MalformedKey("RFC 4716 markers")
    body_lines = lines[1:-1]
    i = 0
    # Headers (RFC 4716 section 3.3): "Tag: value", continued by a trailing backslash.
    while i < len(body_lines) and ":" in body_lines[i]:
        while body_lines[i].endswith("\\"):
            i += 1
            if i >= len(body_lines):
                raise MalformedKey("RFC 4716 header continuation")
        i += 1
    data = "".join(line.strip() for line in body_lines[i:])
    if not data:
        raise MalformedKey("RFC 4716 body")
    blob = _b64(data)
    return read_blob(_Reader(blob).text(), blob)


def _ssh_blob_from_pem(text: str) -> bytes:
    m = _PEM.fullmatch(text)
    if m is None:
        raise MalformedKey("PEM shape")
    try:
        if m.group(1) == "RSA PUBLIC KEY":
            key = serialization.load_der_public_key(_pkcs1_to_spki(_b64(m.group(2).replace("\n", ""))))
        else:
            key = serialization.load_pem_public_key(text.encode("ascii"))
    except (ValueError, UnsupportedAlgorithm, TypeError):
        raise MalformedKey("bad PEM") from None
    if isinstance(key, rsa.RSAPublicKey):
        nums = key.public_numbers()
        return _w_string(b"ssh-rsa") + _w_mpint(nums.e) + _w_mpint(nums.n)
    if isinstance(key, dsa.DSAPublicKey):
        d = key.public_numbers()
        pn = d.parameter_numbers
        fields = (_w_mpint(pn.p), _w_mpint(pn.q), _w_mpint(pn.g), _w_mpint(d.y))
        return _w_string(b"ssh-dss") + b"".join(fields)
    if isinstance(key, ec.EllipticCurvePublicKey):
        names = {v.name: k for k, v in _CURVES.items()}
        curve_name = names.get(key.curve.name)
        if curve_name is None:
            raise MalformedKey("unsupported curve")
        point = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        type_name = f"ecdsa-sha2-{curve_name}".encode()
        return _w_string(type_name) + _w_string(curve_name.encode()) + _w_string(point)
    raise MalformedKey("unsupported PEM key type")


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _pkcs1_to_spki(pkcs1: bytes) -> bytes:
    """Wrap a PKCS#1 RSAPublicKey in SubjectPublicKeyInfo (rsaEncryption, NULL params)."""
    alg = bytes.fromhex("300d06092a864886f70d0101010500")
    bitstring = b"\x03" + _der_len(len(pkcs1) + 1) + b"\x00" + pkcs1
    inner = alg + bitstring
    return b"\x30" + _der_len(len(inner)) + inner


def parse_public_key(body: str) -> PublicKey:
    """Validate a PublicKeyBody; raises ``MalformedKey`` for anything not a documented key.

    A pure function of the body (no clock: validity windows are not checked), so verdicts
    are remembered for the last few hundred bodies: a client sending one key over several
    transports, or retrying, costs one parse and one CA signature check."""
    verdict = _remembered(body)
    if isinstance(verdict, PublicKey):
        return verdict
    raise MalformedKey(*verdict)


@functools.lru_cache(maxsize=512)
def _remembered(body: str) -> PublicKey | tuple[Any, ...]:
    try:
        return _parse_public_key(body)
    except MalformedKey as exc:
        return exc.args


def _parse_public_key(body: str) -> PublicKey:
    return parse_text(body, _parse_blob)


def parse_text(body: str, read_blob: BlobReader) -> PublicKey:
    """The text forms of a PublicKeyBody (one OpenSSH line, RFC 4716, PEM PKCS#1 or SPKI;
    surrounding whitespace and CR/CRLF tolerated; one key only), each blob read by
    ``read_blob``. The clean server reads blobs with ``_parse_blob``; the lenient variant
    reuses these forms with a structural-only reader (``structural``)."""
    text = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise MalformedKey("empty")
    if text.startswith("---- BEGIN SSH2"):
        return _parse_rfc4716(text, read_blob)
    if text.startswith("-----BEGIN"):
        blob = _ssh_blob_from_pem(text)
        return read_blob(_Reader(blob).text(), blob)
    if "\n" in text:
        raise MalformedKey("more than one line")
    return _parse_one_line(text, read_blob)
