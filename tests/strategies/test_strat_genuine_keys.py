"""Valid means valid for every parser (requirements.md "Soundness comes first", IKP-K2): every
valid key, certificates included and signed by every CA kind Core allows, passes OpenSSL's
public-key check (``openssl pkey -pubin -pubcheck``, fed the certified plain key as PEM
SubjectPublicKeyInfo), ``ssh-keygen -l -E md5`` (with the fingerprint the sample claims) and
``cryptography`` (``load_ssh_public_key``; ``load_ssh_public_identity`` with the CA signature
verified where it supports the certificate; the v00 parser of strategies_oracles for v00).

The RSA moduli are products of two primes of half the stated size: each prime of the table is
checked with ``openssl prime``, and each modulus drawn is factored by the table and rebuilt
as a private key by ``cryptography`` (which runs OpenSSL's RSA key check on it).
"""

from __future__ import annotations

import base64
import math
import shutil
import subprocess
import warnings

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from strategies_oracles import collect, keygen_md5_many, parallel, v00_accepts
from structural import Accepted, read_body

from conformance.contract import DOCUMENTED_KEY_TYPES, RSA_KEY_SIZES
from strategies.authorities import CA_KINDS
from strategies.bodies import valid_keys
from strategies.certificates import V00_CA_KINDS, Certificate
from strategies.fingerprints import PLAIN_KEY
from strategies.keys import DSA_G, DSA_P, DSA_Q, RSA_EXPONENT, RSA_EXPONENTS, rsa_keys, rsa_primes
from strategies.samples import KeySample

OPENSSL = shutil.which("openssl")
PER_TYPE = 120
needs_openssl = pytest.mark.skipif(
    OPENSSL is None, reason="LOUD SKIP: no openssl on this machine, the -pubcheck oracle cannot run"
)


def _plain_line(sample: KeySample) -> str:
    """The certified plain key of the body, as the structural reader finds it (for a plain
    key, the body's own key)."""
    reading = read_body(sample.body)
    assert isinstance(reading, Accepted), reading
    plain_type = reading.plain_blob[4 : 4 + int.from_bytes(reading.plain_blob[:4], "big")].decode()
    return f"{plain_type} {base64.b64encode(reading.plain_blob).decode()}"


def _pubcheck(pem: bytes) -> str | None:
    """``None`` if ``openssl pkey -pubin -pubcheck`` says the key is valid, else its answer."""
    assert OPENSSL is not None
    done = subprocess.run(
        [OPENSSL, "pkey", "-pubin", "-pubcheck", "-noout"],
        input=pem,
        capture_output=True,
        timeout=30,
        check=False,
    )
    return None if done.returncode == 0 else (done.stdout + done.stderr).decode()


def _load(line: str) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DSA is deprecated in cryptography
        return serialization.load_ssh_public_key(line.encode())


@needs_openssl
@pytest.mark.parametrize("key_type", DOCUMENTED_KEY_TYPES)
def test_every_valid_key_passes_openssl_ssh_keygen_and_cryptography(key_type: str) -> None:
    samples = collect(valid_keys((key_type,)), PER_TYPE)
    plain_lines = [_plain_line(s) for s in samples]
    # 1. OpenSSL's public-key check of the certified plain key
    pems = [
        _load(line).public_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        for line in plain_lines
    ]
    failed = [(s.description, why) for s, why in zip(samples, parallel(_pubcheck, pems), strict=True) if why]
    assert not failed, failed[:3]
    # 2. ssh-keygen reads the body (the plain key for v00, which no ssh-keygen of today reads)
    v00 = "-cert-v00@" in key_type
    printed = keygen_md5_many(plain_lines if v00 else [s.body for s in samples])
    for sample, fingerprint in zip(samples, printed, strict=True):
        assert fingerprint == sample.fingerprints[PLAIN_KEY], sample.body
    # 3. cryptography reads it, and verifies the CA signature where it can
    for sample, plain in zip(samples, plain_lines, strict=True):
        assert _load(plain) == sample.key.subject.public_key
        cert = sample.key if isinstance(sample.key, Certificate) else None
        if v00:
            assert cert is not None and cert.ca.kind in V00_CA_KINDS
            assert v00_accepts(sample.body).plain_blob == base64.b64decode(plain.split()[1])
            continue
        assert _load(sample.body) == sample.key.subject.public_key
        if cert is not None and "dss" not in key_type and cert.ca.kind != "dsa":
            identity = serialization.load_ssh_public_identity(sample.body.encode())
            assert isinstance(identity, serialization.SSHCertificate)
            identity.verify_cert_signature()
    if "-cert-" in key_type:  # every CA kind Core allows for this version signed some
        kinds = {s.key.ca.kind for s in samples if isinstance(s.key, Certificate)}
        assert kinds == set(V00_CA_KINDS if v00 else CA_KINDS), kinds


def test_v00_certificates_are_signed_only_by_rsa_or_dsa_cas() -> None:
    """IKP-K2: v00 is Core only with the CA kinds the v00 format defined; asking for v00 by
    an Ed25519 CA alone gives no v00 at all."""
    v00 = tuple(t for t in DOCUMENTED_KEY_TYPES if "-cert-v00@" in t)
    for sample in collect(valid_keys(v00), 200):
        assert isinstance(sample.key, Certificate) and sample.key.ca.kind in V00_CA_KINDS
    for sample in collect(valid_keys(tuple(DOCUMENTED_KEY_TYPES), ("ed25519",)), 200):
        assert "-cert-v00@" not in sample.body.split()[0]
    with pytest.raises(ValueError):
        collect(valid_keys(v00, ("ed25519", "ecdsa-nistp256")), 1)


# -- the RSA prime table ------------------------------------------------------------------------
@needs_openssl
def test_the_prime_table_holds_primes_of_half_the_size() -> None:
    """Each table prime is prime (``openssl prime``), of half the modulus size, large enough
    that any two of a size make a modulus of exactly that size, and coprime with 65537 - 1."""
    table = rsa_primes()
    assert set(table) == set(RSA_KEY_SIZES)
    primes = [(bits, p) for bits, ps in table.items() for p in ps]
    for bits, ps in table.items():
        assert len(set(ps)) == len(ps) >= 32  # hundreds of moduli per size
        for p in ps:
            assert p.bit_length() == bits // 2 and p * p >= 1 << (bits - 1)
            assert math.gcd(p - 1, RSA_EXPONENT) == 1
    assert OPENSSL is not None
    answers = parallel(
        lambda p: (
            subprocess.run(
                [OPENSSL, "prime", "-hex", f"{p:x}"], capture_output=True, text=True, timeout=60, check=True
            ).stdout
        ),
        [p for _, p in primes],
    )
    not_prime = [a for a in answers if "is prime" not in a or "not prime" in a]
    assert not not_prime, not_prime[:3]


@pytest.mark.parametrize("bits", RSA_KEY_SIZES)
def test_rsa_keys_are_products_of_two_table_primes(bits: int) -> None:
    """Each drawn modulus is p * q for two distinct table primes of ``bits / 2`` bits; the
    exponent is one real keys use, invertible for p, q; cryptography builds the private key
    of a few of them (OpenSSL's RSA key check, which re-tests primality: slow at 4096 bits,
    and the table's primes are checked above); many distinct moduli come out."""
    primes = set(rsa_primes()[bits])
    keys = collect(rsa_keys((bits,)), 300)
    moduli: set[int] = set()
    exponents: set[int] = set()
    for key in keys:
        nums = key.public_key.public_numbers()
        assert nums.n.bit_length() == bits == key.bits
        p = next(p for p in primes if nums.n % p == 0)
        q = nums.n // p
        assert q in primes and p != q
        assert nums.e in RSA_EXPONENTS
        d = pow(nums.e, -1, (p - 1) * (q - 1))
        if len(moduli) < 4:
            rsa.RSAPrivateNumbers(
                p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q), nums
            ).private_key()
        moduli.add(nums.n)
        exponents.add(nums.e)
    assert len(moduli) > 100 and RSA_EXPONENT in exponents


@needs_openssl
def test_the_dsa_domain_is_genuine() -> None:
    """IKP-K2: the fixed DSA-1024 domain has prime p (1024 bits) and q (160 bits, dividing
    p - 1; ``openssl prime``), and g of order q, so every y = g^x is a real key's."""
    assert OPENSSL is not None
    for value in (DSA_P, DSA_Q):
        done = subprocess.run(
            [OPENSSL, "prime", "-hex", f"{value:x}"], capture_output=True, text=True, timeout=60, check=True
        )
        assert done.stdout.rstrip().endswith("is prime"), done.stdout
    assert DSA_P.bit_length() == 1024 and DSA_Q.bit_length() == 160 and (DSA_P - 1) % DSA_Q == 0
    assert 1 < DSA_G < DSA_P and pow(DSA_G, DSA_Q, DSA_P) == 1
