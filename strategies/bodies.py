"""``PublicKeyBody`` samples of documented keys: the valid forms and the Profile variants.

This module owns which text a key becomes and what the contract says about it:

* ``valid_keys``: OpenSSH one-line ``TYPE BASE64`` and ``TYPE BASE64 COMMENT`` of every
  documented type (IKP-K2), with acceptable and wrong fingerprints (IKP-R2);
* ``profile_keys``: other encodings of the same keys (IKP-K4: RFC 4716, PEM PKCS#1, PEM
  SubjectPublicKeyInfo) and the variations of IKP-K5 (whitespace, CRLF, tabs, options
  prefix, two keys, RSA sizes outside 1024..4096, RSA numbers no real key has (even or tiny
  exponents, a modulus with a small factor), non-minimal mpints, certificates with a bad
  signature or outside their validity window, v00 certificates signed by ECDSA or Ed25519
  CAs). Every key field here parses structurally: only a numeric or semantic check can
  reject it, so a strict and a lenient server are both legal (requirements.md "Soundness comes
  first").

The broken bodies of IKP-K3 live in ``broken.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from hypothesis import strategies as st

from conformance.contract import CERTIFICATE_KEY_TYPES, DOCUMENTED_KEY_TYPES, PLAIN_KEY_TYPES
from strategies.authorities import CA_KINDS, authority
from strategies.certificates import (
    V00_CA_KINDS,
    Certificate,
    build_certificate,
    certificate_fields,
    certificates,
    signers,
    version_of,
    with_fields,
)
from strategies.draws import memoized, pick
from strategies.encodings import (
    b64,
    comments,
    draw_openssh_line,
    draw_rfc4716,
    openssh_line,
    optional_comments,
    pem_pkcs1,
    pem_spki,
)
from strategies.fingerprints import acceptable_fingerprints, key_fingerprint, wrong_fingerprints
from strategies.keys import (
    PlainKey,
    dsa_key,
    keys_of_type,
    random_modulus,
    rsa_key,
)
from strategies.samples import KeySample, Validity

SshKey = PlainKey | Certificate
VALID_REQUIREMENTS = ("IKP-K2", "IKP-R2")


@memoized
@st.composite
def documented_keys(
    draw: st.DrawFn, types: tuple[str, ...] = DOCUMENTED_KEY_TYPES, ca_kinds: tuple[str, ...] = CA_KINDS
) -> SshKey:
    """Plain keys and certificates of the given documented types (the contract's order).

    Shrinks towards the first type listed (``ssh-rsa`` 1024 bits)."""
    unknown = set(types) - set(DOCUMENTED_KEY_TYPES)
    if unknown:
        raise ValueError(f"not documented key types: {sorted(unknown)}")
    if not set(ca_kinds) & set(V00_CA_KINDS):  # no Core v00 certificate without an RSA/DSA CA
        types = tuple(t for t in types if t in PLAIN_KEY_TYPES or version_of(t) == "v01")
        if not types:
            raise ValueError(f"no Core key of these types is signed by a CA of {ca_kinds}")
    key_type = pick(draw, types)
    if key_type in PLAIN_KEY_TYPES:
        return draw(keys_of_type(key_type))
    return draw(certificates((key_type,), ca_kinds))


def key_sample(
    key: SshKey,
    body: str,
    *,
    encoding: str,
    validity: Validity,
    requirements: tuple[str, ...],
    rule: str,
    profile: str | None = None,
    description: str = "",
    received_blob: bytes | None = None,
    also_acceptable: Mapping[str, str] | None = None,
) -> KeySample:
    """A ``KeySample`` of ``key`` written as ``body``, with its fingerprints (``received_blob``:
    the bytes as sent when not canonical; ``also_acceptable``: further labelled ones)."""
    data = key.blob.data
    cert = key if isinstance(key, Certificate) else None
    plain = key.subject.blob.data
    return KeySample(
        body=body,
        validity=validity,
        requirements=requirements,
        rule=rule,
        encoding=encoding,
        key_type=key.documented_type,
        fingerprints=acceptable_fingerprints(
            key.subject.public_key, data if cert else None, received_blob, plain
        )
        | dict(also_acceptable or {}),
        wrong_fingerprints=wrong_fingerprints(
            key.subject.public_key,
            plain if cert else data,
            b64(data),
            cert.ca.public_blob if cert else None,
        ),
        profile=profile,
        description=description,
        blob=data,
        key=key,
    )


@memoized
@st.composite
def valid_keys(
    draw: st.DrawFn,
    types: tuple[str, ...] = DOCUMENTED_KEY_TYPES,
    ca_kinds: tuple[str, ...] = CA_KINDS,
    with_comment: bool | None = None,
) -> KeySample:
    """OpenSSH one-line bodies (with or without a comment: ``with_comment`` None draws which)
    of documented keys (IKP-K2).

    Every sample carries its acceptable fingerprints. Shrinks towards ``ssh-rsa`` 1024, no comment."""
    key = draw(documented_keys(types, ca_kinds))
    choice = {None: optional_comments(), True: comments(), False: st.none()}[with_comment]
    comment = draw(choice)
    return one_line_sample(
        key,
        "openssh-comment" if comment else "openssh",
        comment,
        description=f"{key.documented_type} one-line" + (" with a comment" if comment else ""),
    )


def one_line_sample(key: SshKey, rule: str, comment: str | None = None, description: str = "") -> KeySample:
    """The valid OpenSSH one-line sample of ``key`` (``TYPE BASE64 [COMMENT]``; IKP-K2, IKP-R2)."""
    return key_sample(
        key,
        openssh_line(key.key_type, key.blob.data, comment),
        encoding="openssh",
        validity=Validity.VALID,
        requirements=VALID_REQUIREMENTS,
        rule=rule,
        description=description,
    )


# -- Profile variants (IKP-K4, IKP-K5) --------------------------------------------------------
class Variant(NamedTuple):
    """What a Profile builder makes: the body, the key it carries, its encoding, the bytes
    as sent when they are not canonical, and further acceptable fingerprints."""

    body: str
    key: SshKey
    encoding: str = "openssh"
    received_blob: bytes | None = None
    also_acceptable: tuple[tuple[str, str], ...] = ()


Builder = Callable[[st.DrawFn, Any], Variant]
_K4_QUESTION = "IKP-K4: is the {} encoding accepted (with the SSH blob's fingerprint)?"
_K5_QUESTION = "IKP-K5: is {} accepted?"


def _line(draw: st.DrawFn, key: SshKey) -> str:
    return draw_openssh_line(draw, key.key_type, key.blob.data)


def _rfc4716(draw: st.DrawFn, key: SshKey) -> Variant:
    return Variant(draw_rfc4716(draw, key.blob.data), key, "rfc4716")


def _pem_pkcs1(draw: st.DrawFn, key: SshKey) -> Variant:
    return Variant(pem_pkcs1(key.subject.public_key), key, "pem-pkcs1")


def _pem_spki(draw: st.DrawFn, key: SshKey) -> Variant:
    return Variant(pem_spki(key.subject.public_key), key, "pem-spki")


def _whitespace(kind: str) -> Builder:
    def build(draw: st.DrawFn, key: SshKey) -> Variant:
        line = _line(draw, key)
        pad = pick(draw, (" ", "\t", "  ", " \t"))
        body = {
            "leading-whitespace": pad + line,
            "trailing-whitespace": line + pad,
            "trailing-newline": line + "\n",
            "crlf": line + "\r\n",
        }[kind]
        return Variant(body, key)

    return build


def _tabs(draw: st.DrawFn, key: SshKey) -> Variant:
    return Variant(openssh_line(key.key_type, key.blob.data, draw(comments()), sep="\t"), key)


_OPTIONS = (
    "no-pty",
    "restrict",
    'from="10.0.0.0/8"',
    'command="/bin/true",no-port-forwarding',
    "cert-authority",
)


def _options(draw: st.DrawFn, key: SshKey) -> Variant:
    return Variant(f"{pick(draw, _OPTIONS)} {_line(draw, key)}", key)


def _two_keys(draw: st.DrawFn, key: SshKey) -> Variant:
    other = draw(documented_keys(PLAIN_KEY_TYPES))
    sep = pick(draw, ("\n", "\r\n"))
    # A target that takes the second key instead of the first is one reading of IKP-K5 too.
    second = (("second-key", key_fingerprint(other.subject.public_key)),)
    return Variant(_line(draw, key) + sep + _line(draw, other), key, also_acceptable=second)


def _rsa_size(sizes: tuple[int, ...]) -> Builder:
    def build(draw: st.DrawFn, key: SshKey) -> Variant:
        bits = pick(draw, sizes)
        odd = rsa_key(random_modulus(bits, draw(st.binary(min_size=16, max_size=16))))
        return Variant(_line(draw, odd), odd)

    return build


def _rsa_exponent(exponents: tuple[int, ...]) -> Builder:
    """A genuine modulus with an exponent no real key has (IKP-K5): even, or below 3."""

    def build(draw: st.DrawFn, key: SshKey) -> Variant:
        assert isinstance(key, PlainKey)
        odd = rsa_key(key.public_key.public_numbers().n, pick(draw, exponents))
        return Variant(_line(draw, odd), odd)

    return build


# Primes up to 751: those OpenSSL's public-key check tries (SP 800-56B), so it refuses these moduli.
SMALL_PRIMES = (3, 5, 7, 11, 13, 17, 19, 23, 257, 751)


def _rsa_small_factor(draw: st.DrawFn, key: SshKey) -> Variant:
    """A modulus of the key's size that a small prime divides (IKP-K5): no real key's."""
    assert isinstance(key, PlainKey)
    bits, r = key.bits, pick(draw, SMALL_PRIMES)
    m = random_modulus(bits, draw(st.binary(min_size=16, max_size=16))) // r | 1
    while (r * m).bit_length() != bits:  # pragma: no cover - m near the top of the range
        m -= 2
    odd = rsa_key(r * m)
    return Variant(_line(draw, odd), odd)


def _v00_modern_ca(draw: st.DrawFn, key: SshKey) -> Variant:
    """A v00 certificate signed by an ECDSA or Ed25519 CA (IKP-K5): OpenSSH 6.9 made them, the
    v00 format (PROTOCOL.certkeys rev 1.3) did not define them."""
    assert isinstance(key, Certificate) and key.version == "v00"
    ca, alg = pick(draw, signers(tuple(k for k in CA_KINDS if k not in V00_CA_KINDS), "v00"))
    cert = build_certificate(key.subject, draw(certificate_fields("v00")), ca, alg, version="v00")
    assert cert.ca is authority(ca.kind)
    return Variant(_line(draw, cert), cert)


def _non_minimal(draw: st.DrawFn, key: SshKey) -> Variant:
    assert isinstance(key, PlainKey)
    zeros = draw(st.integers(1, 3))
    if key.key_type == "ssh-rsa":
        nums = key.public_key.public_numbers()
        padded = rsa_key(nums.n, nums.e, extra_zeros=zeros)
    else:
        nums = key.public_key.public_numbers()
        p = nums.parameter_numbers
        padded = dsa_key(nums.y, p.p, p.q, p.g, extra_zeros=zeros)
    return Variant(_line(draw, padded), padded, received_blob=padded.blob.data)


def _bad_signature(draw: st.DrawFn, key: SshKey) -> Variant:
    assert isinstance(key, Certificate)
    bad = build_certificate(
        key.subject, key.fields, key.ca, key.algorithm, version=key.version, corrupt_signature=True
    )
    return Variant(_line(draw, bad), bad)


def _window(expired: bool) -> Builder:
    def build(draw: st.DrawFn, key: SshKey) -> Variant:
        assert isinstance(key, Certificate)
        if expired:  # valid_before in the past (before 2020)
            after = draw(st.integers(0, 1_000_000_000))
            window = {"valid_after": after, "valid_before": draw(st.integers(after + 1, 1_500_000_000))}
        else:  # valid_after after 2100
            after = draw(st.integers(4_200_000_000, 2**63))
            window = {"valid_after": after, "valid_before": draw(st.integers(after + 1, 2**64 - 1))}
        moved = with_fields(key, **window)
        return Variant(_line(draw, moved), moved)

    return build


_CERTS = CERTIFICATE_KEY_TYPES
_ALL = DOCUMENTED_KEY_TYPES
# family -> (requirement, what the Profile question is about, types it applies to, builder)
PROFILE_FAMILIES: dict[str, tuple[str, str, tuple[str, ...], Builder]] = {
    "rfc4716": ("IKP-K4", "RFC 4716", _ALL, _rfc4716),
    "pem-pkcs1": ("IKP-K4", "PEM PKCS#1 (BEGIN RSA PUBLIC KEY)", ("ssh-rsa",), _pem_pkcs1),
    "pem-spki": ("IKP-K4", "PEM SubjectPublicKeyInfo (BEGIN PUBLIC KEY)", PLAIN_KEY_TYPES, _pem_spki),
    "leading-whitespace": ("IKP-K5", "leading whitespace", _ALL, _whitespace("leading-whitespace")),
    "trailing-whitespace": ("IKP-K5", "trailing whitespace", _ALL, _whitespace("trailing-whitespace")),
    "trailing-newline": ("IKP-K5", "a trailing newline", _ALL, _whitespace("trailing-newline")),
    "crlf": ("IKP-K5", "a CRLF line end", _ALL, _whitespace("crlf")),
    "tabs": ("IKP-K5", "tabs between the fields", _ALL, _tabs),
    "options-prefix": ("IKP-K5", "an authorized_keys options prefix", _ALL, _options),
    "two-keys": ("IKP-K5", "two keys in one body", _ALL, _two_keys),
    "rsa-below-1024": (
        "IKP-K5",
        "an RSA key below 1024 bits",
        ("ssh-rsa",),
        _rsa_size((512, 768, 1000, 1023)),
    ),
    "rsa-above-4096": (
        "IKP-K5",
        "an RSA key above 4096 bits",
        ("ssh-rsa",),
        _rsa_size((4097, 6144, 8192, 16384)),
    ),
    "rsa-even-exponent": (
        "IKP-K5",
        "an RSA key with an even exponent",
        ("ssh-rsa",),
        _rsa_exponent((65536, 2, 4, 65538)),
    ),
    "rsa-exponent-below-3": ("IKP-K5", "an RSA exponent below 3", ("ssh-rsa",), _rsa_exponent((1, 0))),
    "rsa-small-factor": ("IKP-K5", "an RSA modulus with a small factor", ("ssh-rsa",), _rsa_small_factor),
    "non-minimal-mpint": ("IKP-K5", "a non-minimal mpint encoding", ("ssh-rsa", "ssh-dss"), _non_minimal),
    "cert-bad-signature": ("IKP-K5", "a certificate with a bad CA signature", _CERTS, _bad_signature),
    "cert-expired": ("IKP-K5", "an expired certificate", _CERTS, _window(expired=True)),
    "cert-not-yet-valid": ("IKP-K5", "a certificate not valid yet", _CERTS, _window(expired=False)),
    "cert-v00-modern-ca": (
        "IKP-K5",
        "a v00 certificate signed by an ECDSA or Ed25519 CA",
        tuple(t for t in _CERTS if version_of(t) == "v00"),
        _v00_modern_ca,
    ),
}


def profile_question(family: str) -> str:
    """The Profile question a family asks (recorded in the behaviour profile)."""
    requirement, what, _, _ = PROFILE_FAMILIES[family]
    template = _K4_QUESTION if requirement == "IKP-K4" else _K5_QUESTION
    return template.format(what)


@memoized
@st.composite
def profile_keys(
    draw: st.DrawFn,
    types: tuple[str, ...] = DOCUMENTED_KEY_TYPES,
    families: tuple[str, ...] | None = None,
) -> KeySample:
    """Bodies whose acceptance is a Profile question (IKP-K4 encodings, IKP-K5 variations).

    Each is accepted (with the fingerprints it carries) or ``InvalidPublicKeyBody.Malformed``.
    Shrinks towards the first family (RFC 4716) of the first type."""
    names = families or tuple(PROFILE_FAMILIES)
    usable = tuple(f for f in names if set(PROFILE_FAMILIES[f][2]) & set(types))
    if not usable:
        raise ValueError(f"no Profile key family applies to {types}")
    family = pick(draw, usable)
    requirement, what, applies, build = PROFILE_FAMILIES[family]
    key = draw(documented_keys(tuple(t for t in types if t in applies)))
    variant = build(draw, key)
    return key_sample(
        variant.key,
        variant.body,
        encoding=variant.encoding,
        validity=Validity.PROFILE,
        requirements=(requirement, "IKP-R2"),
        rule=family,
        profile=profile_question(family),
        description=f"{variant.key.documented_type}: {what}",
        received_blob=variant.received_blob,
        also_acceptable=dict(variant.also_acceptable),
    )
