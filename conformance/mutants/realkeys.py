"""The strict reading's numeric checks: only keys a real key generator makes (IKP-K5).

The clean parser (``keys``) already refuses RSA moduli outside 1024..4096 bits, exponents that
are even, below 3 or over 32 bits, DSA ``p`` of another size than 1024 bits and non-minimal
mpints, and verifies CA signatures. On top of it the strict variant (``variants``) refuses,
as ``InvalidPublicKeyBody.Malformed``:

- RSA (the key, or a certificate's key or RSA CA): an even modulus, or one with a prime factor
  below 1000 (trial division, as OpenSSL's ``-pubcheck`` does with its small-prime table), or
  an exponent not below the modulus;
- DSA (the key, or a DSA CA): ``q`` not of 160 bits (FIPS 186 for L = 1024), ``q`` not dividing
  ``p - 1``, ``g`` or ``y`` outside ``2..p-1``, ``g^q != 1`` or ``y^q != 1 (mod p)``;
- a v00 certificate signed by anything but an RSA or DSA CA (the only CA types v00 defined).

Each check is cheap (a few hundred divisions, two modular powers), so no verdict is cached.
"""

from __future__ import annotations

from conformance import contract
from conformance.reference import keys

_CERT_V00 = "-cert-v00@openssh.com"
DSA_Q_BITS = 160
SMALL_PRIME_BOUND = 1000
V00_CA_TYPES = ("ssh-rsa", "ssh-dss")


def _primes_below(bound: int) -> tuple[int, ...]:
    sieve = bytearray([1]) * bound
    sieve[:2] = b"\0\0"
    for i in range(2, int(bound**0.5) + 1):
        if sieve[i]:
            sieve[i * i :: i] = bytearray(len(sieve[i * i :: i]))
    return tuple(i for i, flag in enumerate(sieve) if flag)


SMALL_PRIMES = _primes_below(SMALL_PRIME_BOUND)


def check_rsa(e: int, n: int) -> None:
    """A real RSA public key: odd exponent 3 <= e < n, odd modulus of 1024..4096 bits with no
    prime factor below 1000."""
    if not min(contract.RSA_KEY_SIZES) <= n.bit_length() <= max(contract.RSA_KEY_SIZES):
        raise keys.MalformedKey("RSA modulus size")
    if e < 3 or e % 2 == 0 or e >= n:
        raise keys.MalformedKey("RSA exponent")
    if any(n % p == 0 for p in SMALL_PRIMES):
        raise keys.MalformedKey("RSA modulus with a small factor")


def check_dsa(p: int, q: int, g: int, y: int) -> None:
    """A real DSA-1024 public key: the documented sizes and the group relations."""
    if p.bit_length() != contract.DSA_KEY_SIZE or q.bit_length() != DSA_Q_BITS:
        raise keys.MalformedKey("DSA sizes")
    if (p - 1) % q != 0:
        raise keys.MalformedKey("DSA q does not divide p - 1")
    if not (1 < g < p and 1 < y < p) or pow(g, q, p) != 1 or pow(y, q, p) != 1:
        raise keys.MalformedKey("DSA g or y not of order q")


def check_plain_blob(blob: bytes) -> str:
    """Check the numbers of a plain key blob (ECDSA and Ed25519: nothing to add); its type."""
    r = keys._Reader(blob)
    key_type = r.text()
    if key_type == "ssh-rsa":
        e, n = r.mpint(), r.mpint()
        check_rsa(e, n)
    elif key_type == "ssh-dss":
        p, q, g, y = r.mpint(), r.mpint(), r.mpint(), r.mpint()
        check_dsa(p, q, g, y)
    return key_type


def check_key(key: keys.PublicKey) -> keys.PublicKey:
    """``key`` (already accepted by the clean parser) when it passes every strict check."""
    check_plain_blob(key.plain_blob)
    if key.is_certificate:
        ca_type = check_plain_blob(keys.certificate_window_and_ca(key.blob)[2])
        if key.key_type.endswith(_CERT_V00) and ca_type not in V00_CA_TYPES:
            raise keys.MalformedKey("v00 certificate signed by a CA type v00 does not define")
    return key
