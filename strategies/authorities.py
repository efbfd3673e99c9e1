"""Certificate authorities: fixed CA keys (made once per process) and their SSH signatures.

This module owns the CA side of certificates (ssh-keys.md sections 1.3-1.5): one CA of every
kind the documentation allows (Ed25519, ECDSA P-256/384/521, RSA, DSA), the signature
algorithms each may use (RSA: ``ssh-rsa``, ``rsa-sha2-256``, ``rsa-sha2-512``), and the SSH
signature blob over a certificate's signed part.

The CA keys are fixed (derived from labels, or the RSA key below), so that a seed gives the
same certificates in every process. Signatures are real: RSA (PKCS#1 v1.5), ECDSA
(RFC 6979 deterministic) and Ed25519 are made by ``cryptography``; DSA is computed here with a
deterministic nonce, because ``cryptography`` only offers random DSA nonces, and checked by
``cryptography``'s DSA verifier in the tests (and by ``ssh-keygen``, which verifies certificate
signatures).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from strategies.keys import (
    DSA_G,
    DSA_P,
    DSA_Q,
    PlainKey,
    curve,
    dsa_key,
    ecdsa_key_from_scalar,
    ed25519_key,
    rsa_key,
)
from strategies.sshwire import mpint, string

# Simplest first: Hypothesis shrinks a ``sampled_from(CA_KINDS)`` towards Ed25519.
CA_KINDS = ("ed25519", "ecdsa-nistp256", "ecdsa-nistp384", "ecdsa-nistp521", "rsa", "dsa")
RSA_CA_ALGORITHMS = ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa")
_ECDSA_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "nistp256": hashes.SHA256,
    "nistp384": hashes.SHA384,
    "nistp521": hashes.SHA512,
}
_RSA_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "ssh-rsa": hashes.SHA1,
    "rsa-sha2-256": hashes.SHA256,
    "rsa-sha2-512": hashes.SHA512,
}

# A fixed RSA-2048 CA (test material only; it signs nothing but generated certificates).
RSA_CA_PEM = b"""-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC8LX5ryPjonMYG
gQNTkyni8Jb1lkqkDIZSYt9WPDdI20pBe6puD8h7v0XFdZqMfJMDA4Y7/W6Mx7pR
Y2uryy7nKzvNNIbwCZmrKClcQIwS3BJoZoprl9hHAgQsZtDoZh1D9EpiQ2WHeUMw
eL/t6Deg5yuBUukMp9GGHRIZ74gB+1Xli3szrO4PsXqqQa+gYtR2Wm0WGMLFJt9b
bxvE3VFUpWK7h41G6cXtO78A80Wen2C69ZLx4NOWIQsdwDWcI7Qu6gGZCIaigYyp
L6ErNQGBkBER3WhsLFbI+L1V32B+PRkqmoqa4gYAxLtube7KW56clD4DS+Copkzo
980YkYPlAgMBAAECggEAPhi7J6FdthEJ7dqD+P/OqjNfdXJfdiwl5Sj4bzIWwkWP
BvXio0g1DdTsFsF8uxBeyPdQRBqY8P71tmbbAIlflGw5YzmKr8pTOd5aa7VnI9AY
iPgRhHjKp3/8VZSmKpKL5MFIDI4WAnMbH3MxTrY7KS8vtZDhE8qLQzjzoLhhBtnS
vkJQNYso8ccy8VJsTmUGwY8+PrCY5CbwEtpDTN4pSJhF9rRA+Mduqiu8s+191a3i
7KFWwH1qSNIc9cyoAIFISFumdaSaN5I8uVFUDyBa5YsQREjvk32jehUgvYqs9gtt
gb3TVhoqKovwezIJdMBqxDol1yStF06R/rOQoLNPvwKBgQDuhdon/BvT/TyX5fqt
VqJWWao5d3E3ChDI/OEY00b7WsLvxLOnFNXFy5jTdOOCg4/XkO6T5ElTX3wl+zqJ
oAgIvGUUDHY5ylaaHix3/dY9OwmOQOvrz8S5orsfNK+mADU7DRhO7BI7bRdKZXO+
GUlJGyDbgGcx46U5IRa4bTGxiwKBgQDJ90flcf3SamHwAy66o47MODvXz2oP0I+r
/WDMCOIxjjer1j4vO0bgxej8m9IXq2iLnUK3jsI9/6Gf57+ZopExd8mjzhQao+aM
QAWyDABz15ASZ5/LBzjl8kMBenPmTjocTnzXHqOQWjrNdxsOBEibolwI7cpD0clf
hk49nhZuTwKBgCD2jJSUCcB9Mb+IP+FupJasY5L3h8TkdjdggzcsE5YvD9uU4oMH
pRdlsKQgdkSWK+3NkLsNhHiqLH0PQCK+4/1ZE9r2cexAo0E/REP853ukyghHvpLj
Lru82oFQham6Q6D6iU5233oo9FwKszklQ3R/9EWBdEF3xWCkywAHzyNLAoGALl1D
NwwtLdHYO+YvIw+LJ5y9ODTYb1r8sIoRX6Wmb6PradpcGjGsestUSjFnUKG79Vkb
yNHQC7WUoAXuuVFVrZqHQsB7YwY/VfEYnaAdtnpFC8SYLV6yFC/CbCN1WeiZdIgc
JrJU8D2WhDaUkmovVPM316DnLxyI8xH9Ai45jgcCgYEA6EUUHXS1+6o1siuqsINU
8zxcRJkd5gLvsky1C2u0dXjQUzjhfYuD3+DmTwTAgmlrYAyr+cToL47eTeZBs1Lb
zXe0TTFp/kqq4LFTm+ZkWVrA0vl6VRVlJ/oCiUbeHcKh6O0IRMZL2RX+zLU7ECHO
QFnvnUxM/+Tgx3jEpzmsrOo=
-----END PRIVATE KEY-----
"""


@dataclass(frozen=True)
class CertificateAuthority:
    """One CA: its kind, the signature algorithms it may use, its keys and public blob."""

    kind: str
    algorithms: tuple[str, ...]
    private_key: Any
    public: PlainKey

    @property
    def public_blob(self) -> bytes:
        """The CA's plain public-key blob (a certificate's ``signature key``)."""
        return self.public.blob.data

    def sign(self, data: bytes, algorithm: str | None = None) -> bytes:
        """The SSH signature blob (``string alg``, ``string sig``) over ``data``."""
        alg = algorithm or self.algorithms[0]
        if alg not in self.algorithms:
            raise ValueError(f"CA {self.kind} cannot sign with {alg}")
        key = self.private_key
        if isinstance(key, ed25519.Ed25519PrivateKey):
            return string(alg) + string(key.sign(data))
        if isinstance(key, rsa.RSAPrivateKey):
            return string(alg) + string(key.sign(data, padding.PKCS1v15(), _RSA_HASHES[alg]()))
        if isinstance(key, ec.EllipticCurvePrivateKey):
            curve_id = alg.removeprefix("ecdsa-sha2-")
            der = key.sign(data, ec.ECDSA(_ECDSA_HASHES[curve_id](), deterministic_signing=True))
            r, s = decode_dss_signature(der)
            return string(alg) + string(mpint(r) + mpint(s))
        if isinstance(key, dsa.DSAPrivateKey):
            r, s = _dsa_sign(key.private_numbers().x, data)
            return string(alg) + string(r.to_bytes(20, "big") + s.to_bytes(20, "big"))
        raise TypeError(f"unsupported CA key {type(key).__name__}")


def _dsa_sign(x: int, data: bytes) -> tuple[int, int]:
    """FIPS 186 DSA over SHA-1 with a nonce derived from the key and the message."""
    h = int.from_bytes(hashlib.sha1(data).digest(), "big")
    k_seed = hashlib.sha512(x.to_bytes(20, "big") + data).digest()
    k = int.from_bytes(k_seed, "big") % (DSA_Q - 1) + 1
    r = pow(DSA_G, k, DSA_P) % DSA_Q
    s = pow(k, -1, DSA_Q) * (h + x * r) % DSA_Q
    if r == 0 or s == 0:  # pragma: no cover - probability 2^-159
        raise ArithmeticError("degenerate DSA signature")
    return r, s


def _label_int(label: str) -> int:
    return int.from_bytes(hashlib.sha512(f"ikp-conformance CA {label}".encode()).digest(), "big")


@cache
def authority(kind: str) -> CertificateAuthority:
    """The CA of ``kind`` (one of ``CA_KINDS``), built once per process."""
    if kind == "ed25519":
        private: Any = ed25519.Ed25519PrivateKey.from_private_bytes(_label_int(kind).to_bytes(64, "big")[:32])
        public = ed25519_key(private.public_key().public_bytes_raw())
        return CertificateAuthority(kind, ("ssh-ed25519",), private, public)
    if kind.startswith("ecdsa-"):
        curve_id = kind.removeprefix("ecdsa-")
        scalar = _label_int(kind) % (1 << (curve(curve_id).key_size - 1)) + 1
        private = ec.derive_private_key(scalar, curve(curve_id))
        public = ecdsa_key_from_scalar(curve_id, scalar)
        return CertificateAuthority(kind, (f"ecdsa-sha2-{curve_id}",), private, public)
    if kind == "rsa":
        private = serialization.load_pem_private_key(RSA_CA_PEM, password=None)
        assert isinstance(private, rsa.RSAPrivateKey)
        nums = private.public_key().public_numbers()
        return CertificateAuthority(kind, RSA_CA_ALGORITHMS, private, rsa_key(nums.n, nums.e))
    if kind == "dsa":
        x = _label_int(kind) % (DSA_Q - 1) + 1
        y = pow(DSA_G, x, DSA_P)
        params = dsa.DSAParameterNumbers(DSA_P, DSA_Q, DSA_G)
        private = dsa.DSAPrivateNumbers(x, dsa.DSAPublicNumbers(y, params)).private_key()
        return CertificateAuthority(kind, ("ssh-dss",), private, dsa_key(y))
    raise ValueError(f"unknown CA kind {kind!r}; expected one of {CA_KINDS}")
