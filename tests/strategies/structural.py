"""A structural-only reader of SSH public-key bodies: the oracle of every broken family (IKP-K3).

Written for the tests from the published formats (OpenSSH's PROTOCOL.certkeys, both certificate
versions; RFC 4251 section 5, 4253 section 6.6, 5656 section 3.1 and 4716 section 3), independently
of ``strategies/`` and of the reference server. It checks exactly what the contract's Core
requires of a key ("Soundness comes first", IKP-K3) and judges no numbers:

- the OpenSSH one-line form ``TYPE BASE64 [COMMENT]`` (single spaces, no surrounding
  whitespace, one line) with strict base64 (RFC 4648 alphabet,
  whole quanta, ``=`` padding only at the end). The pad bits of the last quantum are not
  judged: RFC 4648 section 3.5 lets decoders accept non-zero ones;
- the type word equals the blob's type string, and is one of ``DOCUMENTED_KEY_TYPES``;
- the field layout of each plain type and of each certificate version (v01: nonce first, then
  the key, serial, ..., extensions; v00: the key first, no serial, no extensions, the nonce
  after the constraints); every length prefix within bounds, nothing left over;
- ECDSA: the curve name matches the type, the point is well formed and on the curve
  (``cryptography``'s ``from_encoded_point``, which also takes compressed points: RFC 5656
  allows them, so a lenient reader may too).

It accepts any mpint bytes (negative, non-minimal, empty), any RSA ``e``/``n``, any DSA numbers,
any certificate validity window and any CA signature bytes: those are Profile (IKP-K5).

What it decided about the certificate's nested parts: Core does not require a server to look
inside ``signature key`` and ``signature`` (checking the CA signature is Profile, IKP-K5, and a
server that does not check it need not parse the CA key), nor inside ``valid principals``,
``critical options``/``constraints`` and ``extensions`` (certificate semantics). So the default
reading asks only that each of them is a string within bounds. ``nested=True`` adds the
structure the spec gives them (CA key = a plain blob of ``ssh-rsa``/``ssh-dss``/ECDSA/
``ssh-ed25519`` with nothing left over, ECDSA CA points on their curve; signature =
``string algorithm, string blob``; principals = packed strings; options and extensions =
(name, data) pairs; certificate type 1 or 2): the valid-key tests hold valid certificates to it.

``lenient=True`` reads the body the way the most permissive legal server may (IKP-K4, IKP-K5):
surrounding whitespace, CRLF, tabs or runs of blanks between fields, an authorized_keys options
prefix, several lines (any one key line is enough), RFC 4716 ``---- BEGIN SSH2 PUBLIC KEY ----``
blocks and PEM ``PUBLIC KEY``/``RSA PUBLIC KEY`` text. A broken family must be rejected under
both readings.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec

from conformance.contract import DOCUMENTED_KEY_TYPES

_CURVES: dict[str, ec.EllipticCurve] = {
    "nistp256": ec.SECP256R1(),
    "nistp384": ec.SECP384R1(),
    "nistp521": ec.SECP521R1(),
}
_CA_TYPES = ("ssh-rsa", "ssh-dss", "ssh-ed25519", *(f"ecdsa-sha2-{c}" for c in _CURVES))
_BASE64 = re.compile(r"[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_PEM_PUBLIC_LABELS = ("PUBLIC KEY", "RSA PUBLIC KEY")


class Malformed(ValueError):
    """The body is not a key Core accepts; the message says why."""


@dataclass(frozen=True)
class Accepted:
    """A body the reader accepts: its type, the blob, and the plain key it carries (for a
    certificate, the certified key re-labelled with its plain type: what ssh-keygen
    fingerprints)."""

    key_type: str
    blob: bytes
    plain_blob: bytes
    ok: bool = True


@dataclass(frozen=True)
class Rejected:
    """A body the reader rejects, and why."""

    reason: str
    ok: bool = False


Reading = Accepted | Rejected


# -- wire data (RFC 4251 section 5) -------------------------------------------------------------
class _Wire:
    def __init__(self, data: bytes, what: str) -> None:
        self.data = data
        self.pos = 0
        self.what = what

    def take(self, n: int, field: str) -> bytes:
        if n > len(self.data) - self.pos:
            raise Malformed(f"{self.what}: field '{field}' runs past the end")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def uint32(self, field: str) -> int:
        return int.from_bytes(self.take(4, field), "big")

    def uint64(self, field: str) -> int:
        return int.from_bytes(self.take(8, field), "big")

    def string(self, field: str) -> bytes:
        return self.take(self.uint32(field), field)

    def mpint(self, field: str) -> bytes:
        return self.string(field)  # any bytes: numbers are not judged (IKP-K5)

    def end(self) -> None:
        if self.pos != len(self.data):
            raise Malformed(f"{self.what}: {len(self.data) - self.pos} bytes after the last field")


def _s(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


# -- plain key fields ---------------------------------------------------------------------------
def _point(curve_id: str, q: bytes, what: str) -> None:
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(_CURVES[curve_id], q)
    except ValueError as exc:
        raise Malformed(f"{what}: the point is not on {curve_id} or not a point ({exc})") from exc


def _key_fields(wire: _Wire, plain_type: str) -> bytes:
    """Read the key fields of ``plain_type``; return them, each with its length prefix."""
    start = wire.pos
    if plain_type == "ssh-rsa":
        wire.mpint("e")
        wire.mpint("n")
    elif plain_type == "ssh-dss":
        for name in "pqgy":
            wire.mpint(name)
    elif plain_type.startswith("ecdsa-sha2-") and plain_type[len("ecdsa-sha2-") :] in _CURVES:
        curve_id = plain_type[len("ecdsa-sha2-") :]
        named = wire.string("curve")
        if named != curve_id.encode():
            raise Malformed(f"{wire.what}: curve name {named!r} under the type {plain_type}")
        _point(curve_id, wire.string("Q"), wire.what)
    elif plain_type == "ssh-ed25519":  # only ever read as a CA key (nested=True)
        if len(wire.string("pk")) != 32:
            raise Malformed(f"{wire.what}: an Ed25519 key is 32 bytes")
    else:
        raise Malformed(f"{wire.what}: no key layout for {plain_type}")
    return wire.data[start : wire.pos]


def _plain_type(key_type: str) -> tuple[str, str | None]:
    """(plain type, certificate version or None) of a type name."""
    for version in ("v00", "v01"):
        suffix = f"-cert-{version}@openssh.com"
        if key_type.endswith(suffix):
            return key_type[: -len(suffix)], version
    return key_type, None


# -- certificates (ssh-keys.md 1.3, 1.4) ------------------------------------------------------
def _packed_strings(data: bytes, what: str) -> None:
    wire = _Wire(data, what)
    while wire.pos < len(data):
        wire.string("entry")


def _pairs(data: bytes, what: str) -> None:
    wire = _Wire(data, what)
    while wire.pos < len(data):
        wire.string("name")
        wire.string("data")


def _ca_key(blob: bytes) -> None:
    wire = _Wire(blob, "signature key")
    ca_type = wire.string("type").decode("ascii", "replace")
    if ca_type not in _CA_TYPES:
        raise Malformed(f"signature key: {ca_type!r} is not a CA key type")
    _key_fields(wire, ca_type)
    wire.end()


def _signature(blob: bytes) -> None:
    wire = _Wire(blob, "signature")
    wire.string("algorithm")
    wire.string("blob")
    wire.end()


def _certificate(wire: _Wire, plain_type: str, version: str, nested: bool) -> bytes:
    """Read a certificate after its type string; return the certified key's fields."""
    if version == "v01":
        wire.string("nonce")
        fields = _key_fields(wire, plain_type)
        wire.uint64("serial")
    else:
        fields = _key_fields(wire, plain_type)
    cert_type = wire.uint32("type")
    wire.string("key id")
    principals = wire.string("valid principals")
    wire.uint64("valid after")
    wire.uint64("valid before")
    options = [wire.string("critical options" if version == "v01" else "constraints")]
    if version == "v01":
        options.append(wire.string("extensions"))
    else:
        wire.string("nonce")
    wire.string("reserved")
    ca = wire.string("signature key")
    signature = wire.string("signature")
    wire.end()
    if nested:
        if cert_type not in (1, 2):
            raise Malformed(f"certificate type {cert_type} is neither user (1) nor host (2)")
        _packed_strings(principals, "valid principals")
        for data in options:
            _pairs(data, "options")
        _ca_key(ca)
        _signature(signature)
    return fields


# -- the blob -----------------------------------------------------------------------------------
def read_blob(blob: bytes, line_type: str | None = None, nested: bool = False) -> Accepted:
    """Check a decoded blob (and, if given, the type word of its line); raise ``Malformed``."""
    wire = _Wire(blob, "blob")
    raw_type = wire.string("type")
    try:
        key_type = raw_type.decode("ascii")
    except UnicodeDecodeError as exc:
        raise Malformed(f"the blob's type {raw_type!r} is not ASCII") from exc
    if line_type is not None and line_type != key_type:
        raise Malformed(f"line type {line_type!r}, blob type {key_type!r}")
    if key_type not in DOCUMENTED_KEY_TYPES:
        raise Malformed(f"{key_type!r} is not a documented key type")
    plain_type, version = _plain_type(key_type)
    if version is None:
        fields = _key_fields(wire, plain_type)
        wire.end()
    else:
        fields = _certificate(wire, plain_type, version, nested)
    return Accepted(key_type, blob, _s(plain_type.encode()) + fields)


def strict_base64(text: str) -> bytes:
    """Decode base64 the strict way (alphabet, whole quanta, padding only at the end)."""
    if not text or len(text) % 4 or not _BASE64.fullmatch(text):
        raise Malformed("not strict base64")
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:  # pragma: no cover - the pattern already rules these out
        raise Malformed(f"not strict base64 ({exc})") from exc


def _one_line(line: str, nested: bool) -> Accepted:
    if "\n" in line or "\r" in line:
        raise Malformed("more than one line")
    if line != line.strip():
        raise Malformed("surrounding whitespace (IKP-K5; the strict reading takes none)")
    parts = line.split(" ", 2)
    if len(parts) < 2:
        raise Malformed("not 'TYPE BASE64 [COMMENT]'")
    if len(parts) == 3 and parts[2][:1].isspace():
        raise Malformed("more than one blank before the comment")
    return read_blob(strict_base64(parts[1]), parts[0], nested)


def _options_prefix(line: str) -> str | None:
    """The rest of an authorized_keys line after its options (quotes may hold blanks)."""
    match = re.match(r'(?:[^\s"]|"(?:[^"\\]|\\.)*")+\s+', line)
    return line[match.end() :] if match else None


def _lenient_line(line: str, nested: bool) -> Accepted:
    line = line.strip()
    reasons = []
    for candidate in filter(None, (line, _options_prefix(line))):
        words = candidate.split(None, 2)
        if len(words) >= 2:
            try:
                return _one_line(" ".join(words[:2]), nested)
            except Malformed as exc:
                reasons.append(str(exc))
    raise Malformed("; ".join(reasons) or "not 'TYPE BASE64 [COMMENT]'")


def _rfc4716(text: str, nested: bool) -> Accepted:
    lines = text.strip().splitlines()
    if len(lines) < 2 or lines[0].strip() != "---- BEGIN SSH2 PUBLIC KEY ----":
        raise Malformed("not an RFC 4716 block")
    if lines[-1].strip() != "---- END SSH2 PUBLIC KEY ----":
        raise Malformed("an RFC 4716 block without its END line")
    body, in_headers, continued = [], True, False
    for line in lines[1:-1]:
        if in_headers and (continued or ":" in line):
            continued = line.endswith("\\")
            continue
        in_headers = False
        body.append(line.strip())
    return read_blob(strict_base64("".join(body)), None, nested)


def _pem_public(text: str) -> Accepted | None:
    match = re.fullmatch(r"\s*-----BEGIN ([A-Z ]+)-----\s*(.*?)\s*-----END \1-----\s*", text, re.S)
    if not match or match.group(1) not in _PEM_PUBLIC_LABELS:
        return None
    der = strict_base64("".join(match.group(2).split()))
    return Accepted(match.group(1), der, der)


def read_body(body: str, *, lenient: bool = False, nested: bool = False) -> Reading:
    """The reader's verdict on a ``PublicKeyBody``: ``Accepted`` with the blob, or
    ``Rejected`` with a reason. ``lenient`` and ``nested``: see the module docstring."""
    try:
        if not lenient:
            return _one_line(body, nested)
        pem = _pem_public(body)
        if pem is not None:
            return pem
        if body.strip().startswith("---- BEGIN SSH2"):
            return _rfc4716(body, nested)
        reasons = []
        for line in body.splitlines() or [body]:
            if line.strip():
                try:
                    return _lenient_line(line, nested)
                except Malformed as exc:
                    reasons.append(str(exc))
        raise Malformed("; ".join(reasons) or "empty body")
    except Malformed as exc:
        return Rejected(str(exc))


def rejects_everywhere(body: str) -> str | None:
    """``None`` if both readings reject ``body``; else which reading accepts it."""
    for lenient in (False, True):
        if read_body(body, lenient=lenient).ok:
            return "lenient" if lenient else "strict one-line"
    return None
