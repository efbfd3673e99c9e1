"""Plain public keys of the documented types (IKP-K2), made cheaply.

This module owns the *plain* key blobs of RFC 4253 section 6.6 and RFC 5656 section 3.1:
``ssh-rsa``, ``ssh-dss`` and ``ecdsa-sha2-nistp256/384/521`` (plus ``ssh-ed25519``, which the
broken-key families and the CA of ``authorities.py`` need). Every key is genuine (requirements.md
"Soundness comes first": a valid key is valid under every legal reading, a strict server's
included), and no prime is generated per example or at start-up:

* RSA: ``n = p * q`` for two distinct primes of half the size from a table shipped as package
  data (``data/rsa_primes.txt``, written once by ``benchmarks/make_prime_table.py``, read at
  first use), ``e = 65537`` (sometimes 3 or 35, exponents real keys have used, when they are
  invertible for that ``p, q``). Only the Profile sizes outside 1024..4096 (IKP-K5) fall back
  to a random odd number (``random_modulus``);
* DSA: ``y = g^x mod p`` over one fixed 1024-bit domain (``DSA_P``, ``DSA_Q``, ``DSA_G``,
  generated once with ``cryptography`` and frozen here so that output is reproducible);
* ECDSA: ``cryptography`` derives the point from a drawn scalar.

Each ``PlainKey`` keeps its ``cryptography`` public key object next to the blob, so the
fingerprints (``fingerprints.py``) and the PEM encodings never read the blob this module wrote.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa
from hypothesis import strategies as st

from conformance.contract import DSA_KEY_SIZE, ECDSA_CURVES, RSA_KEY_SIZES
from strategies.draws import memoized, pick
from strategies.sshwire import Field, WireBlob, blob, mpint, string

RSA_EXPONENT = 65537
# Exponents real RSA keys use, the shrink target first (3: early keys; 35: old ssh-keygen).
RSA_EXPONENTS = (RSA_EXPONENT, 3, 35)

# One DSA-1024 domain (FIPS 186 parameters from cryptography's dsa.generate_parameters(1024)).
DSA_P = int(
    "bf9497184719cde7967cb157da707c38c4ddfde6f16e94f7df3b4e2d9703f4da"
    "d05fa2427aa20eee7541303cde9ff141c5b59ba7d8664449818ae1d532cf120b"
    "f528f50a36d8216d8515e0fb2ab315c6815899d3d136420ab5cd227b3fd44f55"
    "8a87f6362a0cf7bcdaa3082bde02d4d8a641761a6aaceafaef5f8a4949a76ba5",
    16,
)
DSA_Q = int("9fb3f18ec438698b8bf2fe3c5049cd36513a6de5", 16)
DSA_G = int(
    "3627dedb484aed8b763bac67e46a01f401202603f8db473900cb358a987b4117"
    "d6a040befc50072b90c93911202cd76f2ade2fc7fc69f14c03b24875880493fe"
    "d5b2aae2206fa936326ceb3393c999a5c6bf04b9593f6498177c5257559c6820"
    "b2b7cfe9fe9090b6de35d1daed642a9970f5a09d959cd56e771d9632457862dd",
    16,
)

CURVE_IDS = tuple(ECDSA_CURVES)  # "nistp256", "nistp384", "nistp521"
_CURVES: dict[str, type[ec.EllipticCurve]] = {
    "nistp256": ec.SECP256R1,
    "nistp384": ec.SECP384R1,
    "nistp521": ec.SECP521R1,
}


def ecdsa_type(curve_id: str) -> str:
    """The key type name of a curve: ``ecdsa-sha2-nistp256`` for ``nistp256``."""
    return f"ecdsa-sha2-{curve_id}"


def curve(curve_id: str) -> ec.EllipticCurve:
    """The ``cryptography`` curve object of ``nistp256``/``nistp384``/``nistp521``."""
    return _CURVES[curve_id]()


def expand(seed: bytes, nbytes: int, label: bytes = b"") -> bytes:
    """``nbytes`` of deterministic filler from a short drawn seed (SHAKE-256)."""
    return hashlib.shake_256(label + seed).digest(nbytes)


@dataclass(frozen=True)
class PlainKey:
    """A plain public key: its type name, its key fields (after the type name) and the
    ``cryptography`` object of the same key (``None`` if cryptography cannot hold it)."""

    key_type: str
    fields: tuple[Field, ...]
    public_key: Any
    bits: int

    @property
    def blob(self) -> WireBlob:
        """The public-key blob: ``string type`` then the key fields."""
        return blob((("type", string(self.key_type)), *self.fields))

    @property
    def documented_type(self) -> str:
        """The documented type name (IKP-K2) this key is an instance of."""
        return self.key_type

    @property
    def subject(self) -> PlainKey:
        """The key itself (a certificate's ``subject`` is its certified key)."""
        return self


def rsa_key(n: int, e: int = RSA_EXPONENT, extra_zeros: int = 0) -> PlainKey:
    """An ``ssh-rsa`` key; ``extra_zeros`` pads both mpints non-minimally (IKP-K5)."""
    try:
        public: Any = rsa.RSAPublicNumbers(e, n).public_key()
    except ValueError:
        public = None
    fields = (("e", mpint(e, extra_zeros)), ("n", mpint(n, extra_zeros)))
    return PlainKey("ssh-rsa", fields, public, n.bit_length())


def dsa_key(y: int, p: int = DSA_P, q: int = DSA_Q, g: int = DSA_G, extra_zeros: int = 0) -> PlainKey:
    """An ``ssh-dss`` key (``y`` should be ``g^x mod p``)."""
    public = dsa.DSAPublicNumbers(y, dsa.DSAParameterNumbers(p, q, g)).public_key()
    fields = tuple((label, mpint(v, extra_zeros)) for label, v in (("p", p), ("q", q), ("g", g), ("y", y)))
    return PlainKey("ssh-dss", fields, public, p.bit_length())


def ecdsa_key(curve_id: str, point: bytes, public: Any = None, name_curve: str | None = None) -> PlainKey:
    """An ECDSA key from its SEC1 ``point``; ``name_curve`` overrides the curve string in the
    blob (a curve-name mismatch, IKP-K3)."""
    fields = (("curve", string(name_curve or curve_id)), ("Q", string(point)))
    return PlainKey(ecdsa_type(curve_id), fields, public, ECDSA_CURVES[curve_id])


def ecdsa_key_from_scalar(curve_id: str, scalar: int) -> PlainKey:
    """The ECDSA key whose private scalar is ``scalar``."""
    public = ec.derive_private_key(scalar, curve(curve_id)).public_key()
    nums = public.public_numbers()
    size = (ECDSA_CURVES[curve_id] + 7) // 8
    point = b"\x04" + nums.x.to_bytes(size, "big") + nums.y.to_bytes(size, "big")
    return ecdsa_key(curve_id, point, public)


def ed25519_key(raw: bytes) -> PlainKey:
    """An ``ssh-ed25519`` key (32 raw public bytes); not a documented type."""
    public = ed25519.Ed25519PublicKey.from_public_bytes(raw)
    return PlainKey("ssh-ed25519", (("pk", string(raw)),), public, 256)


@cache
def rsa_primes() -> dict[int, tuple[int, ...]]:
    """The prime table: modulus size -> primes of half that size (read once, at first use)."""
    table: dict[int, list[int]] = {}
    # Next to this file, not by package name: under pytest, ``tests/strategies`` (no
    # ``__init__.py``) can turn ``strategies`` into a namespace package that starts there.
    text = (Path(__file__).parent / "data" / "rsa_primes.txt").read_text()
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            bits, prime = line.split()
            table.setdefault(int(bits), []).append(int(prime, 16))
    return {bits: tuple(primes) for bits, primes in table.items()}


def rsa_factors(bits: int, index: int) -> tuple[int, int]:
    """The ``index``-th pair (modulo the number of pairs) of distinct table primes of a
    ``bits``-bit modulus; index 0 is the first two primes."""
    primes = rsa_primes()[bits]
    k = len(primes)
    index %= k * (k - 1) // 2
    first = 0
    while index >= k - 1 - first:  # pairs (first, first+1..k-1), row by row
        index -= k - 1 - first
        first += 1
    return primes[first], primes[first + 1 + index]


def rsa_exponent(p: int, q: int, choice: int = 0) -> int:
    """``RSA_EXPONENTS[choice]`` if it is invertible modulo ``(p-1)(q-1)`` (a real key can
    have it), else 65537."""
    e = RSA_EXPONENTS[choice % len(RSA_EXPONENTS)]
    return e if math.gcd(e, (p - 1) * (q - 1)) == 1 else RSA_EXPONENT


def random_modulus(bits: int, seed: bytes) -> int:
    """An odd ``bits``-bit number with its top bit set, filled from ``seed``: NOT a genuine
    modulus (its factors are unknown); only for the Profile sizes of IKP-K5."""
    raw = int.from_bytes(expand(seed, (bits + 7) // 8, b"rsa"), "big")
    return (raw & ((1 << bits) - 1)) | (1 << (bits - 1)) | 1


def rsa_modulus(bits: int, seed: bytes) -> int:
    """A ``bits``-bit modulus chosen by ``seed``: genuine (``p * q`` from the table) for the
    documented sizes, ``random_modulus`` for any other size."""
    if bits not in rsa_primes():
        return random_modulus(bits, seed)
    p, q = rsa_factors(bits, int.from_bytes(expand(seed, 4, b"rsa-pair"), "big"))
    return p * q


def genuine_rsa_key(bits: int, index: int, choice: int = 0) -> PlainKey:
    """The genuine RSA key of table pair ``index`` and exponent ``choice`` (IKP-K2)."""
    p, q = rsa_factors(bits, index)
    return rsa_key(p * q, rsa_exponent(p, q, choice))


# -- strategies -------------------------------------------------------------------------------
_seeds = st.binary(min_size=16, max_size=16)
_rsa_choices = st.binary(min_size=4, max_size=4)


@memoized
@st.composite
def rsa_keys(draw: st.DrawFn, sizes: tuple[int, ...] = RSA_KEY_SIZES) -> PlainKey:
    """Genuine ``ssh-rsa`` keys of the given modulus sizes (default 1024..4096 bits): two
    table primes and an exponent real keys use.

    One draw of 4 bytes: size, pair of primes (two bytes), exponent (65537 unless the byte is
    above 0xe0: then 3 or 35 when invertible). Shrinks towards 1024 bits, the first pair,
    e = 65537."""
    data = draw(_rsa_choices)
    unknown = set(sizes) - set(rsa_primes())
    if unknown:
        raise ValueError(f"no prime table for RSA sizes {sorted(unknown)}")
    choice = 0 if data[3] < 0xE0 else 1 + data[3] % 2
    return genuine_rsa_key(sizes[data[0] % len(sizes)], int.from_bytes(data[1:3], "big"), choice)


@memoized
@st.composite
def dsa_keys(draw: st.DrawFn) -> PlainKey:
    """``ssh-dss`` 1024-bit keys over the fixed domain, ``y = g^x mod p``. Shrinks towards ``x = 1``."""
    x = draw(st.integers(1, DSA_Q - 1))
    key = dsa_key(pow(DSA_G, x, DSA_P))
    assert key.bits == DSA_KEY_SIZE
    return key


@memoized
@st.composite
def ecdsa_keys(draw: st.DrawFn, curve_ids: tuple[str, ...] = CURVE_IDS) -> PlainKey:
    """ECDSA keys on the given curves (default all three). Shrinks towards P-256 and scalar 1."""
    curve_id = pick(draw, curve_ids)
    scalar = draw(st.integers(1, 2 ** (ECDSA_CURVES[curve_id] - 1)))
    return ecdsa_key_from_scalar(curve_id, scalar)


@memoized
@st.composite
def ed25519_keys(draw: st.DrawFn) -> PlainKey:
    """``ssh-ed25519`` keys (undocumented type; for IKP-K3 and for certificates of it)."""
    seed = draw(_seeds)
    private = ed25519.Ed25519PrivateKey.from_private_bytes(expand(seed, 32, b"ed25519"))
    return ed25519_key(private.public_key().public_bytes_raw())


@memoized
def keys_of_type(key_type: str) -> st.SearchStrategy[PlainKey]:
    """Keys of one plain documented type (``ssh-rsa`` in all four sizes)."""
    if key_type == "ssh-rsa":
        return rsa_keys()
    if key_type == "ssh-dss":
        return dsa_keys()
    return ecdsa_keys((key_type.removeprefix("ecdsa-sha2-"),))
