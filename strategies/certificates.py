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

    @property
    def signed_length(self) -> int:
        """Bytes covered by the CA signature: everything before the ``signature`` field."""
        return len(self.blob.data) - len(self.blob.fields[-1][1])


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
_SOURCE_ADDRESSES = ("10.0.0.0/8", "192.0.2.1/32", "10.0.0.0/8,2001:db8::/32")
_COMMANDS = ("/bin/true", "echo hello", "/usr/bin/rsync --server")


def _subset(draw: st.DrawFn, names: tuple[str, ...]) -> list[str]:
    """Some of ``names``, as one drawn bit mask (one draw; shrinks towards none)."""
    mask = draw(st.integers(0, (1 << len(names)) - 1))
    return [name for i, name in enumerate(names) if mask >> i & 1]


@memoized
@st.composite
def certificate_fields(
    draw: st.DrawFn, version: Version = "v01", valid_now: bool = True
) -> CertificateFields:
    """Drawn nonce, serial, type, key id, principals, validity window, options, extensions.

    ``valid_now`` windows include every instant from 2020 to 2100. Options and extensions
    are lexically ordered for v01; v00 constraints follow ssh-keygen 6.9's order. Shrinks
    to a user certificate with serial 0, empty key id, no principals, valid forever, no
    options."""
    nonce_bytes = draw(st.binary(min_size=32, max_size=32))[: pick(draw, (16, 32))]
    after, before = 0, FOREVER
    if valid_now:
        after = draw(st.one_of(st.just(0), st.integers(0, _PAST)))
        before = draw(st.one_of(st.just(FOREVER), st.integers(_FUTURE, FOREVER)))
    names = CRITICAL_OPTIONS if version == "v01" else V00_CONSTRAINTS
    chosen = _subset(draw, names)
    ordered = sorted(chosen) if version == "v01" else chosen  # V00_CONSTRAINTS is in 6.9's order
    critical = tuple((n, _option_value(draw, n)) for n in ordered)
    extensions: tuple[tuple[str, bytes], ...] = ()
    if version == "v01":
        extensions = tuple((n, b"") for n in sorted(_subset(draw, EXTENSIONS)))
    # principals: one text split on commas (one draw; shrinks towards none)
    principals = tuple(p for p in draw(st.text(alphabet=_WORD_ALPHABET + ",", max_size=60)).split(",") if p)
    return CertificateFields(
        nonce=nonce_bytes,
        serial=draw(st.integers(0, 2**64 - 1)) if version == "v01" else 0,
        cert_type=pick(draw, (USER_CERT, HOST_CERT)),
        key_id=draw(st.text(alphabet=_KEY_ID_ALPHABET, max_size=40)),
        principals=principals,
        valid_after=after,
        valid_before=before,
        critical_options=critical,
        extensions=extensions,
    )


def _option_value(draw: st.DrawFn, name: str) -> bytes:
    """The data of an option: empty for a flag, ``string(value)`` for a valued option."""
    if name == "source-address":
        return string(pick(draw, _SOURCE_ADDRESSES))
    if name == "force-command":
        return string(pick(draw, _COMMANDS))
    return b""


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
    CA of ``ca_kinds`` with each algorithm it has.

    Shrinks towards the first type listed (``ssh-rsa-cert-v00``), the Ed25519 CA, minimal fields."""
    cert_type = pick(draw, types)
    version = version_of(cert_type)
    subject = draw(keys_of_type(plain_type_of(cert_type)))
    ca, alg = pick(draw, signers(ca_kinds, version))
    fields = draw(certificate_fields(version))
    return build_certificate(subject, fields, ca, alg, version=version)


def with_fields(cert: Certificate, **changes: object) -> Certificate:
    """The same certificate re-signed with some fields changed."""
    fields = replace(cert.fields, **changes)  # type: ignore[arg-type]
    return build_certificate(cert.subject, fields, cert.ca, cert.algorithm, version=cert.version)
