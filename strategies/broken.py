"""Broken ``PublicKeyBody`` families (IKP-K3): one family per way to break a key.

This module owns the bodies the contract says must be rejected with
``InvalidPublicKeyBody.Malformed``. Each family is broken *structurally* (requirements.md
"Soundness comes first"): a reader of the SSH wire format that judges no numbers, and reads
the text as leniently as any legal server may (IKP-K4 encodings, IKP-K5 whitespace), rejects
every body, by construction. Each builder says why. A body that only a numeric or semantic
check can reject (RSA exponent or modulus, CA signature) is a Profile question (IKP-K5,
``bodies.py``) and never comes from here. Each family is labelled (``KeySample.rule``) and knows
which documented types it can be derived from. ``KEYGEN_READS`` names the few families that
``ssh-keygen -l`` still reads although the contract rejects them (keys of undocumented types
it knows, pasted private keys), so the tests know which oracle applies.

Over 400 lines because the families are one table over one walk of the wire format: each
family is a few lines, and splitting the table would hide which breaks exist.
"""

from __future__ import annotations

import base64
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.utils import CryptographyDeprecationWarning
from hypothesis import strategies as st

from conformance.contract import (
    CERTIFICATE_KEY_TYPES,
    DOCUMENTED_KEY_TYPES,
    PLAIN_KEY_TYPES,
    UNDOCUMENTED_KEY_TYPES,
)
from strategies.authorities import CA_KINDS, authority
from strategies.bodies import SshKey, documented_keys
from strategies.certificates import (
    Certificate,
    Version,
    build_certificate,
    certificate_fields,
    certificate_type_name,
    plain_type_of,
    version_of,
)
from strategies.draws import memoized, pick
from strategies.encodings import b64, draw_openssh_line
from strategies.keys import (
    CURVE_IDS,
    PlainKey,
    curve,
    ecdsa_key,
    ed25519_keys,
    expand,
    rsa_key,
    rsa_modulus,
)
from strategies.samples import KeySample, Validity
from strategies.sshwire import read_string, read_u32, string

DOC_EXAMPLE_BODY = "ABC1234567"  # ImportKeyPair.md, the PublicKeyBody example
REQUIREMENTS = ("IKP-K3",)
MADE_UP_TYPES = (
    "ssh-foo",
    "ssh-rsa2",
    "ecdsa-sha2-nistp999",
    "ssh-rsa-cert-v02@openssh.com",
    "x509v3-ssh-rsa",
)
SK_APPLICATION = "ssh:"

Built = tuple[str, bytes | None, str]  # body, blob carried (if any), description
# ``(draw, key) -> Built``; a family that needs no key gets the variant to build instead (one
# of its ``variants``), or ``None`` to draw one.
Builder = Callable[[st.DrawFn, Any], Built]


@dataclass(frozen=True)
class BrokenFamily:
    """One way to break a body: the documented types it derives from (``None``: it needs no
    key), and its builder ``(draw, key) -> (body, blob, description)``."""

    name: str
    applies: tuple[str, ...] | None
    build: Builder
    variants: tuple[str, ...] = ()  # families that need no key: what they can be


# -- families that need no documented key -----------------------------------------------------
NOT_A_KEY_KINDS = ("doc-example", "type-only", "base64-only", "free-text", "url")
_NOT_A_KEY_DESCRIPTIONS = {
    "doc-example": "the documentation's own example value",
    "type-only": "a type name and nothing else",
    "base64-only": "a key's base64 without its type name",
    "url": "a URL",
    "free-text": "free text",
}


def _not_a_key(draw: st.DrawFn, chosen: str | None) -> Built:
    kind = chosen or pick(draw, NOT_A_KEY_KINDS)
    if kind == "doc-example":
        return DOC_EXAMPLE_BODY, None, _NOT_A_KEY_DESCRIPTIONS[kind]
    if kind == "type-only":
        return pick(draw, DOCUMENTED_KEY_TYPES), None, _NOT_A_KEY_DESCRIPTIONS[kind]
    if kind == "base64-only":
        key = draw(documented_keys(PLAIN_KEY_TYPES))
        return b64(key.blob.data), key.blob.data, _NOT_A_KEY_DESCRIPTIONS[kind]
    if kind == "url":
        return "https://example.com/id_rsa.pub", None, _NOT_A_KEY_DESCRIPTIONS[kind]
    text = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 .,-", min_size=1, max_size=80))
    return (text.strip() or "not a key"), None, _NOT_A_KEY_DESCRIPTIONS[kind]


def _undocumented(draw: st.DrawFn, chosen: str | None) -> Built:
    name = chosen or pick(draw, UNDOCUMENTED_KEY_TYPES + MADE_UP_TYPES)
    seed = draw(st.binary(min_size=16, max_size=16))
    if name == "ssh-ed25519":
        data = draw(ed25519_keys()).blob.data
    elif name == "ssh-ed448":
        data = string(name) + string(expand(seed, 57))
    elif name == "sk-ssh-ed25519@openssh.com":
        pk = draw(ed25519_keys()).fields[0][1]
        data = string(name) + pk + string(SK_APPLICATION)
    elif name == "sk-ecdsa-sha2-nistp256@openssh.com":
        plain = draw(documented_keys(("ecdsa-sha2-nistp256",)))
        data = string(name) + b"".join(raw for _, raw in plain.blob.fields[1:]) + string(SK_APPLICATION)
    elif name == "ssh-ed25519-cert-v01@openssh.com":
        ca = authority(pick(draw, CA_KINDS))
        cert = build_certificate(draw(ed25519_keys()), draw(certificate_fields()), ca)
        data = cert.blob.data
    else:  # rsa-sha2-256/512 used as a key type, or a made-up name: RSA key fields under it
        rsa = rsa_key(rsa_modulus(1024, seed))
        data = string(name) + b"".join(raw for _, raw in rsa.fields)
    return draw_openssh_line(draw, name, data), data, f"a key of the undocumented type {name}"


PRIVATE_KEY_SOURCES = tuple(dict.fromkeys(("ecdsa", "ed25519", *CA_KINDS)))


def _private_key(draw: st.DrawFn, chosen: str | None) -> Built:
    source = chosen or pick(draw, PRIVATE_KEY_SOURCES)
    if source == "ecdsa":
        curve_id = pick(draw, CURVE_IDS)
        key: Any = ec.derive_private_key(draw(st.integers(1, 2**255)), curve(curve_id))
    elif source == "ed25519":
        key = ed25519.Ed25519PrivateKey.from_private_bytes(draw(st.binary(min_size=32, max_size=32)))
    else:
        key = authority(source).private_key
    formats = ["openssh", "pkcs8"] + ([] if isinstance(key, ed25519.Ed25519PrivateKey) else ["traditional"])
    fmt = pick(draw, formats)
    with warnings.catch_warnings():
        # A DSA key in OpenSSH format is deprecated in cryptography: known, and exactly the point.
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        text = key.private_bytes(
            serialization.Encoding.PEM, _PRIVATE_FORMATS[fmt], serialization.NoEncryption()
        )
    if fmt == "openssh":
        text = _fixed_check_ints(text, draw(st.binary(min_size=4, max_size=4)))
    return text.decode(), None, f"a {source} private key ({fmt} PEM)"


def _fixed_check_ints(pem: bytes, check: bytes) -> bytes:
    """An OpenSSH private key file with its two random check ints set to ``check`` (so that
    one seed gives one body). Layout: magic, cipher, kdf, kdf options, count, public keys,
    then the private section, which starts with the check ints."""
    lines = pem.decode().splitlines()
    raw = bytearray(base64.b64decode("".join(lines[1:-1])))
    data = bytes(raw)
    offset = len(b"openssh-key-v1\0")
    for _ in range(3):  # cipher, kdf, kdf options
        _, offset = read_string(data, offset)
    count, offset = read_u32(data, offset)
    for _ in range(count):
        _, offset = read_string(data, offset)
    _, offset = read_u32(data, offset)  # the private section's length
    raw[offset : offset + 8] = check + check
    text = base64.b64encode(bytes(raw)).decode()
    width = len(lines[1])
    body = [text[i : i + width] for i in range(0, len(text), width)]
    return ("\n".join([lines[0], *body, lines[-1]]) + "\n").encode()


_PRIVATE_FORMATS = {
    "openssh": serialization.PrivateFormat.OpenSSH,
    "pkcs8": serialization.PrivateFormat.PKCS8,
    "traditional": serialization.PrivateFormat.TraditionalOpenSSL,
}


# -- families derived from a documented key ---------------------------------------------------
def _bad_base64(draw: st.DrawFn, key: SshKey) -> Built:
    text = b64(key.blob.data)
    position = draw(st.integers(0, len(text) - 1))
    bad = pick(draw, "!$%&*,.;?~[]#")
    if draw(st.booleans()):
        text = text[:position] + bad + text[position + 1 :]
    else:
        text = text[:position] + bad + text[position:]
    return f"{key.key_type} {text}", None, f"a '{bad}' in the base64"


def _truncated_at_boundary(draw: st.DrawFn, key: SshKey) -> Built:
    spans = key.blob.spans()
    index = draw(st.integers(0, len(spans) - 2))
    label, _, end = spans[index]
    data = key.blob.data[:end]
    return draw_openssh_line(draw, key.key_type, data), data, f"cut after the field '{label}'"


def _truncated_mid_field(draw: st.DrawFn, key: SshKey) -> Built:
    spans = [s for s in key.blob.spans() if s[2] - s[1] >= 2]
    label, start, end = pick(draw, spans)
    cut = draw(st.integers(start + 1, end - 1))
    data = key.blob.data[:cut]
    return draw_openssh_line(draw, key.key_type, data), data, f"cut inside the field '{label}'"


def _trailing_bytes(draw: st.DrawFn, key: SshKey) -> Built:
    data = key.blob.data + draw(st.binary(min_size=1, max_size=32))
    return draw_openssh_line(draw, key.key_type, data), data, "bytes after the blob's last field"


def _type_mismatch(draw: st.DrawFn, key: SshKey) -> Built:
    other = pick(draw, [t for t in DOCUMENTED_KEY_TYPES if t != key.key_type])
    data = key.blob.data
    return draw_openssh_line(draw, other, data), data, f"line type {other}, blob type {key.key_type}"


def _curve_mismatch(draw: st.DrawFn, key: SshKey) -> Built:
    assert isinstance(key, PlainKey)
    curve_id = key.key_type.removeprefix("ecdsa-sha2-")
    wrong = pick(draw, [c for c in CURVE_IDS if c != curve_id])
    bad = ecdsa_key(curve_id, key.fields[1][1][4:], name_curve=wrong)
    data = bad.blob.data
    return draw_openssh_line(draw, key.key_type, data), data, f"type {key.key_type}, curve name {wrong}"


def _case_variants(name: str) -> tuple[str, str]:
    """``name`` in capitals and capitalised: equal to it only without regard to case."""
    return name.upper(), name[:1].upper() + name[1:]


def _curve_case(draw: st.DrawFn, key: SshKey) -> Built:
    """The curve name in the blob differs from the type's only in letter case (``NISTP256``
    under ``ecdsa-sha2-nistp256``): SSH names are case-sensitive (RFC 4251 section 6), so the
    curve does not match the type, whatever the numbers."""
    assert isinstance(key, PlainKey)
    curve_id = key.key_type.removeprefix("ecdsa-sha2-")
    wrong = pick(draw, _case_variants(curve_id))
    data = ecdsa_key(curve_id, key.fields[1][1][4:], name_curve=wrong).blob.data
    return draw_openssh_line(draw, key.key_type, data), data, f"type {key.key_type}, curve name {wrong}"


def _type_case(draw: st.DrawFn, key: SshKey) -> Built:
    """The documented type name in another letter case, on the line and inside the blob
    (``SSH-RSA``): a name outside the list (SSH names are case-sensitive, RFC 4251 section 6),
    which only a reader that folds case would take for the documented one."""
    name = pick(draw, _case_variants(key.key_type))
    own = string(key.key_type)
    assert key.blob.data.startswith(own)
    data = string(name) + key.blob.data[len(own) :]
    return draw_openssh_line(draw, name, data), data, f"the type {key.key_type} written {name}"


def _off_curve_point(draw: st.DrawFn, key: PlainKey) -> PlainKey:
    """The same key with its ``y`` moved off the curve (checked with ``cryptography``)."""
    curve_id = key.key_type.removeprefix("ecdsa-sha2-")
    point = key.fields[1][1][4:]
    size = (len(point) - 1) // 2
    x = int.from_bytes(point[1 : 1 + size], "big")
    y = int.from_bytes(point[1 + size :], "big")
    delta = draw(st.integers(1, 2**16))
    while True:
        moved = (y + delta) % (1 << (8 * size))
        try:
            ec.EllipticCurvePublicNumbers(x, moved, curve(curve_id)).public_key()
        except ValueError:
            break
        delta += 1  # pragma: no cover - (x, y + delta) on the curve: vanishingly rare
    bad = b"\x04" + x.to_bytes(size, "big") + moved.to_bytes(size, "big")
    return ecdsa_key(curve_id, bad)


def _point_off_curve(draw: st.DrawFn, key: SshKey) -> Built:
    assert isinstance(key, PlainKey)
    data = _off_curve_point(draw, key).blob.data
    return draw_openssh_line(draw, key.key_type, data), data, "an ECDSA point that is not on the curve"


def _safe_relabels(own: str, version: Version) -> list[str]:
    """The type names ``own`` certificate key fields fail to parse under, whatever the numbers:

    * the plain name ``own``: its layout ends after the key fields, leaving the rest of the
      certificate over (for ECDSA, the v01 nonce is read as the curve name, and a nonce is
      16 or 32 bytes, a curve name 8);
    * an ECDSA certificate name of another curve, or over RSA/DSA fields: the curve string is
      then another curve's name, RSA's ``e`` (at most 3 bytes here), DSA's ``p`` or ``q``, or
      (v01 name over v00 fields) the first key field, none of them the 8-byte curve name.

    Not RSA <-> DSA or ECDSA -> RSA: mpints read any bytes, so those relabellings can parse
    (ECDSA's curve name and point are a fine RSA ``e`` and ``n``), and only a numeric check
    would reject them (IKP-K5)."""
    names = [own]
    for name in CERTIFICATE_KEY_TYPES:
        inner = plain_type_of(name)
        if inner.startswith("ecdsa-") and inner != own and (version == "v01" or version_of(name) == "v01"):
            names.append(name)
    return names


def _cert_wrong_inner_type(draw: st.DrawFn, key: SshKey) -> Built:
    assert isinstance(key, Certificate)
    own = plain_type_of(key.key_type)
    assert key.subject.key_type != "ssh-rsa" or len(key.subject.fields[0][1]) <= 4 + 3  # e fits 3 bytes
    name = pick(draw, _safe_relabels(own, key.version))
    bad = build_certificate(
        key.subject, key.fields, key.ca, key.algorithm, version=key.version, type_name=name
    )
    data = bad.blob.data
    return draw_openssh_line(draw, name, data), data, f"{own} key fields under the type name {name}"


# A key id this long makes the v00 layout fail under a v01 name (see _cert_layout_swapped).
_LONG_KEY_ID = 16


def _cert_layout_swapped(draw: st.DrawFn, key: SshKey) -> Built:
    """The other version's field order under the certificate's own name. Why no reading of
    the name's layout can parse it, whatever the numbers:

    * v00 name, v01 fields: the v00 reader takes the nonce and the first key fields as the
      key, the last key field's length prefix as the certificate type, and the first 4 bytes
      of that field (a minimal mpint of at least 4 bytes: ``00 8x ..`` or a non-zero byte
      first) as the key id's length: at least 2^23, longer than any blob here;
    * v01 name, v00 fields, ECDSA: the v01 reader takes the curve name as the nonce, then the
      point (65 bytes or more) as the curve name;
    * v01 name, v00 fields, RSA/DSA: the v01 reader takes the certificate type (1 or 2) as the
      length of the last key field, which then ends inside the key id's length prefix; two
      fields on, the key id's length is read from 4 key id characters (printable, so at least
      0x20202020). The key id is padded to ``_LONG_KEY_ID`` characters for that."""
    assert isinstance(key, Certificate)
    other: Version = "v00" if key.version == "v01" else "v01"
    name = certificate_type_name(key.subject.key_type, key.version)
    fields = key.fields
    if other == "v00" and len(fields.key_id) < _LONG_KEY_ID:
        fields = replace(fields, key_id=fields.key_id.ljust(_LONG_KEY_ID, "k"))
    bad = build_certificate(key.subject, fields, key.ca, key.algorithm, version=key.version, layout=other)
    data = bad.blob.data
    return draw_openssh_line(draw, name, data), data, f"the {other} layout under the {key.version} name"


def _cert_key_off_curve(draw: st.DrawFn, key: SshKey) -> Built:
    assert isinstance(key, Certificate)
    bad = build_certificate(
        _off_curve_point(draw, key.subject), key.fields, key.ca, key.algorithm, version=key.version
    )
    data = bad.blob.data
    return draw_openssh_line(draw, key.key_type, data), data, "a certificate of an off-curve ECDSA point"


_ECDSA_PLAIN = tuple(t for t in PLAIN_KEY_TYPES if t.startswith("ecdsa-"))
_ECDSA_CERTS = tuple(t for t in CERTIFICATE_KEY_TYPES if t.startswith("ecdsa-"))
_CERT_TYPES = CERTIFICATE_KEY_TYPES
_ALL = DOCUMENTED_KEY_TYPES

BROKEN_FAMILIES: dict[str, BrokenFamily] = {
    f.name: f
    for f in (
        BrokenFamily("not-a-key", None, _not_a_key, NOT_A_KEY_KINDS),
        BrokenFamily("bad-base64", _ALL, _bad_base64),
        BrokenFamily("truncated-at-boundary", _ALL, _truncated_at_boundary),
        BrokenFamily("truncated-mid-field", _ALL, _truncated_mid_field),
        BrokenFamily("trailing-bytes", _ALL, _trailing_bytes),
        BrokenFamily("type-mismatch", _ALL, _type_mismatch),
        BrokenFamily("curve-mismatch", _ECDSA_PLAIN, _curve_mismatch),
        BrokenFamily("curve-case", _ECDSA_PLAIN, _curve_case),
        BrokenFamily("type-case", _ALL, _type_case),
        BrokenFamily("point-off-curve", _ECDSA_PLAIN, _point_off_curve),
        BrokenFamily("undocumented-type", None, _undocumented, UNDOCUMENTED_KEY_TYPES + MADE_UP_TYPES),
        BrokenFamily("private-key", None, _private_key, PRIVATE_KEY_SOURCES),
        BrokenFamily("cert-wrong-inner-type", _CERT_TYPES, _cert_wrong_inner_type),
        BrokenFamily("cert-layout-swapped", _CERT_TYPES, _cert_layout_swapped),
        BrokenFamily("cert-key-off-curve", _ECDSA_CERTS, _cert_key_off_curve),
    )
}
# Families ssh-keygen -l reads although the contract rejects them (see module docstring).
KEYGEN_READS = frozenset({"undocumented-type", "private-key"})


@memoized
@st.composite
def broken_keys(
    draw: st.DrawFn,
    types: tuple[str, ...] | None = None,
    families: tuple[str, ...] | None = None,
    variant: str | None = None,
) -> KeySample:
    """Bodies that break IKP-K3 in one labelled way -> ``InvalidPublicKeyBody.Malformed``.

    ``types`` limits the families derived from a documented key to those types (and, when
    given, leaves out the families that need no key); ``families`` picks families by name and
    ``variant`` what a family that needs no key builds (a row of ``classes.py``). Each sample's
    ``variant`` is its class within the family: the documented type it derives from, or what
    the keyless family built (``ssh-ed25519``, ``doc-example``, ``rsa``).
    Shrinks towards the first family (``not-a-key``: the documentation's ``ABC1234567``)."""
    names = families or tuple(BROKEN_FAMILIES)
    usable = [
        BROKEN_FAMILIES[n]
        for n in names
        if (BROKEN_FAMILIES[n].applies is None and types is None)
        or (
            BROKEN_FAMILIES[n].applies is not None
            and set(BROKEN_FAMILIES[n].applies or ()) & set(types or _ALL)
        )
    ]
    if not usable:
        raise ValueError(f"no broken-key family applies to {types} / {families}")
    family = pick(draw, usable)
    key: SshKey | None = None
    if family.applies is not None:
        wanted = tuple(t for t in (types or _ALL) if t in family.applies)
        key = draw(documented_keys(wanted))
    body, data, description = family.build(draw, key if key is not None else variant)
    return KeySample(
        body=body,
        validity=Validity.INVALID,
        requirements=REQUIREMENTS,
        rule=family.name,
        encoding="pem" if "-----BEGIN" in body else "openssh",
        key_type=key.documented_type if key is not None else None,
        description=description,
        blob=data,
        key=key,
        variant=_variant_of(family.name, key, body, description),
    )


def _variant_of(family: str, key: SshKey | None, body: str, description: str) -> str:
    """The class of a sample within its family (``broken_keys``)."""
    if key is not None:
        return key.documented_type
    if family == "undocumented-type":
        return body.split()[0]
    if family == "private-key":
        return description.split()[1]  # "a {source} private key (...)"
    return next(k for k, d in _NOT_A_KEY_DESCRIPTIONS.items() if d == description)
