"""OpenSSH certificates, v00 and v01, hand-encoded and really signed (IKP-K2).

This module owns the certificate layouts of ssh-keys.md:

* v01 (section 1.3): type, nonce, key fields, serial, type, key id, principals, validity,
  critical options, extensions (both lexically ordered), reserved, signature key, signature;
* v00 (section 1.4, OpenSSH's own legacy layout): type, key fields, type, key id,
  principals, validity, constraints, **nonce**, reserved, signature key, signature; no serial
  and no extensions field;

and the signature over the blob up to and including the signature key (section 1.5).
``build_certificate`` also takes the few deliberate mistakes the broken and Profile
families need (another type name, the other version's layout, a flipped signature bit).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from typing import Literal

from hypothesis import strategies as st

from conformance.contract import CERTIFICATE_KEY_TYPES
from strategies.authorities import CA_KINDS, CertificateAuthority, authority
from strategies.draws import memoized, pick
from strategies.keys import PlainKey, keys_of_type
from strategies.sshwire import WireBlob, blob, name_data_list, string, string_list, u32, u64

Version = Literal["v00", "v01"]
USER_CERT, HOST_CERT = 1, 2
FOREVER = 2**64 - 1
# Validity bounds that hold "now" for any run of the suite (2020-01-01 .. 2100-01-01).
_PAST = 1577836800
_FUTURE = 4102444800

CRITICAL_OPTIONS = ("force-command", "source-address", "verify-required")
EXTENSIONS = (
    "no-touch-required",
    "permit-X11-forwarding",
    "permit-agent-forwarding",
    "permit-port-forwarding",
    "permit-pty",
    "permit-user-rc",
)
# ssh-keygen 6.9 wrote every v00 option into "constraints", in this order (ssh-keys.md 1.4).
V00_CONSTRAINTS = (
    "force-command",
    "permit-X11-forwarding",
    "permit-agent-forwarding",
    "permit-port-forwarding",
    "permit-pty",
    "permit-user-rc",
    "source-address",
)
_VALUED_OPTIONS = {"force-command", "source-address"}
# The CA kinds the v00 format defined (PROTOCOL.certkeys rev 1.3): the only ones IKP-K2 makes
# Core for v00. A v00 certificate signed by an ECDSA or Ed25519 CA (OpenSSH 6.9 could make
# one) is a Profile question (IKP-K5, bodies.py).
V00_CA_KINDS = ("rsa", "dsa")


def certificate_type_name(plain_type: str, version: Version) -> str:
    """``ssh-rsa`` + ``v01`` -> ``ssh-rsa-cert-v01@openssh.com``."""
    return f"{plain_type}-cert-{version}@openssh.com"


def plain_type_of(cert_type: str) -> str:
    """``ssh-rsa-cert-v01@openssh.com`` -> ``ssh-rsa``."""
    return cert_type.split("-cert-")[0]


def version_of(cert_type: str) -> Version:
    """``...-cert-v00@openssh.com`` -> ``v00``."""
    return "v00" if "-cert-v00@" in cert_type else "v01"


@dataclass(frozen=True)
class CertificateFields:
    """The drawn contents of a certificate (the key and CA aside)."""

    nonce: bytes
    serial: int
    cert_type: int
    key_id: str
    principals: tuple[str, ...]
    valid_after: int
    valid_before: int
    critical_options: tuple[tuple[str, bytes], ...]
    extensions: tuple[tuple[str, bytes], ...]


@dataclass(frozen=True)
class Certificate:
    """A certificate: its type name, version, certified key, CA, algorithm, fields and blob."""

    key_type: str
    version: Version
    subject: PlainKey
    ca: CertificateAuthority
    algorithm: str
    fields: CertificateFields
    blob: WireBlob

    @property
    def documented_type(self) -> str:
        """The certificate type name as documented (IKP-K2)."""
        return certificate_type_name(self.subject.key_type, self.version)

    @property
    def public_key(self) -> object:
        """The certified key's ``cryptography`` object."""
        return self.subject.public_key


def build_certificate(
    subject: PlainKey,
    fields: CertificateFields,
    ca: CertificateAuthority,
    algorithm: str | None = None,
    *,
    version: Version = "v01",
    layout: Version | None = None,
    type_name: str | None = None,
    corrupt_signature: bool = False,
) -> Certificate:
    """Encode and sign a certificate of ``subject``.

    ``layout`` (default ``version``) picks the field order, ``type_name`` the name written
    in the blob; ``corrupt_signature`` flips one bit of the signature value."""
    alg = algorithm or ca.algorithms[0]
    name = type_name or certificate_type_name(subject.key_type, version)
    head = [("type", string(name))]
    options = ("critical options", string(name_data_list(fields.critical_options)))
    common = [
        ("cert type", u32(fields.cert_type)),
        ("key id", string(fields.key_id)),
        ("principals", string(string_list(fields.principals))),
        ("valid after", u64(fields.valid_after)),
        ("valid before", u64(fields.valid_before)),
    ]
    if (layout or version) == "v01":
        body = [
            *head,
            ("nonce", string(fields.nonce)),
            *subject.fields,
            ("serial", u64(fields.serial)),
            *common,
            options,
            ("extensions", string(name_data_list(fields.extensions))),
            ("reserved", string(b"")),
        ]
    else:
        body = [
            *head,
            *subject.fields,
            *common,
            (options[0].replace("critical options", "constraints"), options[1]),
            ("nonce", string(fields.nonce)),
            ("reserved", string(b"")),
        ]
    body.append(("signature key", string(ca.public_blob)))
    signed = b"".join(raw for _, raw in body)
    signature = ca.sign(signed, alg)
    if corrupt_signature:
        signature = signature[:-1] + bytes([signature[-1] ^ 0x01])
    body.append(("signature", string(signature)))
    return Certificate(name, version, subject, ca, alg, fields, blob(body))


# -- strategies -------------------------------------------------------------------------------
_WORD_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-._"
_KEY_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789@.-_ "
# Principals are one text split on commas; the comma has several byte values so that a drawn
# text often holds more than one principal.
_PRINCIPAL_CHARS = _WORD_ALPHABET + "," * 8
_SOURCE_ADDRESSES = ("10.0.0.0/8", "192.0.2.1/32", "10.0.0.0/8,2001:db8::/32")
_COMMANDS = ("/bin/true", "echo hello", "/usr/bin/rsync --server")
_KEY_ID_MAX = 40
_PRINCIPALS_MAX = 60

# Every optional field of a certificate comes from ONE drawn fixed-size byte string (one
# Hypothesis draw instead of a dozen): the layout below, read in this order for both
# versions (v00 ignores the serial and extensions bytes). Each field maps the all-zero bytes
# to its simplest value, and Hypothesis shrinks a fixed-size ``st.binary`` byte by byte
# towards zero, so shrinking still ends at the simplest certificate.
FIELD_BYTES = (
    32  # nonce (its first 16 or 32 bytes)
    + 1  # flags: bit 0 a 32-byte nonce, bit 1 a host certificate
    + (1 + 4)  # valid after: mode (0: 0, 1: 2020, else the value up to 2020) and value
    + (1 + 8)  # valid before: mode (0: forever, 1: 2100, else the value from 2100) and value
    + (1 + 8)  # serial: width (1, 2, 4, 8 bytes or 2^64-1) and value
    + (1 + 2)  # options mask, force-command and source-address value indices
    + 1  # extensions mask
    + (1 + _KEY_ID_MAX)  # key id: length and characters
    + (1 + _PRINCIPALS_MAX)  # principals: length and characters
)
_field_bytes = st.binary(min_size=FIELD_BYTES, max_size=FIELD_BYTES)
# certificates(): one more byte in front, the signer's index
_signer_and_field_bytes = st.binary(min_size=1 + FIELD_BYTES, max_size=1 + FIELD_BYTES)


class _Reader:
    """Consumes a drawn byte string field by field."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, size: int) -> bytes:
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def uint(self, size: int) -> int:
        return int.from_bytes(self.take(size), "big")

    def text(self, alphabet: str, max_size: int) -> str:
        """A text of up to ``max_size`` characters of ``alphabet`` (all zero: empty)."""
        size = self.uint(1) % (max_size + 1)
        chars = self.take(max_size)[:size]
        return "".join(alphabet[b % len(alphabet)] for b in chars)


def _mask_names(mask: int, names: tuple[str, ...]) -> list[str]:
    return [name for i, name in enumerate(names) if mask >> i & 1]


def fields_from_bytes(data: bytes, version: Version = "v01", valid_now: bool = True) -> CertificateFields:
    """The certificate fields that ``data`` (``FIELD_BYTES`` bytes) stands for.

    Deterministic; ``FIELD_BYTES`` zero bytes give a user certificate with serial 0, empty key
    id, no principals, valid forever and no options or extensions (a 16-byte zero nonce)."""
    if len(data) != FIELD_BYTES:
        raise ValueError(f"expected {FIELD_BYTES} bytes, got {len(data)}")
    read = _Reader(data)
    nonce = read.take(32)
    flags = read.uint(1)
    nonce = nonce[: 32 if flags & 1 else 16]
    cert_type = HOST_CERT if flags & 2 else USER_CERT
    after_mode, after_value = read.uint(1) % 4, read.uint(4)
    before_mode, before_value = read.uint(1) % 4, read.uint(8)
    after, before = 0, FOREVER
    if valid_now:  # windows include every instant from 2020 to 2100
        after = (0, _PAST)[after_mode] if after_mode < 2 else after_value % (_PAST + 1)
        if before_mode == 1:
            before = _FUTURE
        elif before_mode > 1:
            before = FOREVER - before_value % (FOREVER - _FUTURE + 1)
    width, serial_bytes = read.uint(1) % 5, read.take(8)
    serial = FOREVER if width == 4 else int.from_bytes(serial_bytes[: (1, 2, 4, 8)[width]], "big")
    options_mask = read.uint(1)
    command, source = _COMMANDS[read.uint(1) % 3], _SOURCE_ADDRESSES[read.uint(1) % 3]
    extensions_mask = read.uint(1)
    key_id = read.text(_KEY_ID_ALPHABET, _KEY_ID_MAX)
    principals = tuple(p for p in read.text(_PRINCIPAL_CHARS, _PRINCIPALS_MAX).split(",") if p)
    names = CRITICAL_OPTIONS if version == "v01" else V00_CONSTRAINTS
    chosen = _mask_names(options_mask, names)
    ordered = sorted(chosen) if version == "v01" else chosen  # V00_CONSTRAINTS is in 6.9's order
    values = {"force-command": string(command), "source-address": string(source)}
    extensions: tuple[tuple[str, bytes], ...] = ()
    if version == "v01":
        extensions = tuple((n, b"") for n in sorted(_mask_names(extensions_mask, EXTENSIONS)))
    return CertificateFields(
        nonce=nonce,
        serial=serial if version == "v01" else 0,
        cert_type=cert_type,
        key_id=key_id,
        principals=principals,
        valid_after=after,
        valid_before=before,
        critical_options=tuple((n, values.get(n, b"")) for n in ordered),
        extensions=extensions,
    )


@memoized
def certificate_fields(
    version: Version = "v01", valid_now: bool = True
) -> st.SearchStrategy[CertificateFields]:
    """Drawn nonce, serial, type, key id, principals, validity window, options, extensions.

    ``valid_now`` windows include every instant from 2020 to 2100. Options and extensions
    are lexically ordered for v01; v00 constraints follow ssh-keygen 6.9's order. One draw
    (``fields_from_bytes`` of a fixed-size byte string); shrinks to a user certificate with
    serial 0, empty key id, no principals, valid forever, no options or extensions."""
    return _field_bytes.map(lambda data: fields_from_bytes(data, version, valid_now))


@cache
def signers(
    kinds: tuple[str, ...] = CA_KINDS, version: Version = "v01"
) -> tuple[tuple[CertificateAuthority, str], ...]:
    """(CA, signature algorithm) pairs, Ed25519 first. v00 CAs sign RSA with ``ssh-rsa`` only
    (the v00 era predates rsa-sha2)."""
    return tuple(
        (authority(kind), alg)
        for kind in kinds
        for alg in authority(kind).algorithms
        if version == "v01" or not alg.startswith("rsa-sha2-")
    )


@memoized
@st.composite
def certificates(
    draw: st.DrawFn,
    types: tuple[str, ...] = CERTIFICATE_KEY_TYPES,
    ca_kinds: tuple[str, ...] = CA_KINDS,
) -> Certificate:
    """Valid certificates of the documented certificate types, valid now, really signed by a
    CA of ``ca_kinds`` with each algorithm it has; v00 only by the ``V00_CA_KINDS`` among
    them (IKP-K2).

    Draws the type (when ``types`` has several), the certified key (``keys_of_type``), then
    one byte string: its first byte picks the signer, the rest is ``fields_from_bytes``.
    Shrinks towards the first type listed (``ssh-rsa-cert-v00``), the Ed25519 CA, minimal
    fields."""
    cert_type = pick(draw, types)
    version = version_of(cert_type)
    subject = draw(keys_of_type(plain_type_of(cert_type)))
    data = draw(_signer_and_field_bytes)
    kinds = ca_kinds if version == "v01" else tuple(k for k in ca_kinds if k in V00_CA_KINDS)
    if not kinds:
        raise ValueError(f"no CA of {ca_kinds} signs a Core {cert_type} (v00: {V00_CA_KINDS})")
    choices = signers(kinds, version)
    ca, alg = choices[data[0] % len(choices)]
    fields = fields_from_bytes(data[1:], version)
    return build_certificate(subject, fields, ca, alg, version=version)


def with_fields(cert: Certificate, **changes: object) -> Certificate:
    """The same certificate re-signed with some fields changed."""
    fields = replace(cert.fields, **changes)  # type: ignore[arg-type]
    return build_certificate(cert.subject, fields, cert.ca, cert.algorithm, version=cert.version)
