"""Plain public keys of the documented types (IKP-K2), made cheaply.

This module owns the *plain* key blobs of RFC 4253 section 6.6 and RFC 5656 section 3.1:
``ssh-rsa``, ``ssh-dss`` and ``ecdsa-sha2-nistp256/384/521`` (plus ``ssh-ed25519``, which the
broken-key families and the CA of ``authorities.py`` need). No prime is generated per example
(ssh-keys.md section 4, "Cheap structurally valid keys"):

* RSA: ``n`` is a random odd number with its top bit set, ``e = 65537``;
* DSA: ``y = g^x mod p`` over one fixed 1024-bit domain (``DSA_P``, ``DSA_Q``, ``DSA_G``,
  generated once with ``cryptography`` and frozen here so that output is reproducible);
* ECDSA: ``cryptography`` derives the point from a drawn scalar.

Each ``PlainKey`` keeps its ``cryptography`` public key object next to the blob, so the
fingerprints (``fingerprints.py``) and the PEM encodings never read the blob this module wrote.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa
from hypothesis import strategies as st

from conformance.contract import DSA_KEY_SIZE, ECDSA_CURVES, PLAIN_KEY_TYPES, RSA_KEY_SIZES
from strategies.draws import memoized, pick
from strategies.sshwire import Field, WireBlob, blob, mpint, string

RSA_EXPONENT = 65537

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


def rsa_modulus(bits: int, seed: bytes) -> int:
    """An odd ``bits``-bit number with its top bit set, filled from ``seed``."""
    raw = int.from_bytes(expand(seed, (bits + 7) // 8, b"rsa"), "big")
    return (raw & ((1 << bits) - 1)) | (1 << (bits - 1)) | 1


# -- strategies -------------------------------------------------------------------------------
_seeds = st.binary(min_size=16, max_size=16)
_size_and_seed = st.binary(min_size=17, max_size=17)


@memoized
@st.composite
def rsa_keys(draw: st.DrawFn, sizes: tuple[int, ...] = RSA_KEY_SIZES) -> PlainKey:
    """``ssh-rsa`` keys of the given modulus sizes (default 1024..4096 bits).

    One draw: the first byte of a drawn string picks the size, the rest is the seed. Shrinks
    towards the first size (1024) and the all-zero seed."""
    data = draw(_size_and_seed)
    return rsa_key(rsa_modulus(sizes[data[0] % len(sizes)], data[1:]))


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
def plain_keys(types: tuple[str, ...] = PLAIN_KEY_TYPES) -> st.SearchStrategy[PlainKey]:
    """Plain keys of the given documented types, in the contract's order (``ssh-rsa`` first).

    Shrinks towards the first type listed and its smallest size."""
    unknown = set(types) - set(PLAIN_KEY_TYPES)
    if unknown:
        raise ValueError(f"not plain documented key types: {sorted(unknown)}")
    return st.sampled_from(types).flatmap(keys_of_type)


@memoized
def keys_of_type(key_type: str) -> st.SearchStrategy[PlainKey]:
    """Keys of one plain documented type (``ssh-rsa`` in all four sizes)."""
    if key_type == "ssh-rsa":
        return rsa_keys()
    if key_type == "ssh-dss":
        return dsa_keys()
    return ecdsa_keys((key_type.removeprefix("ecdsa-sha2-"),))
