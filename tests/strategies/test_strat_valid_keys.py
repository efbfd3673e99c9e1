"""Valid keys (IKP-K2) and their fingerprints (IKP-R2), checked by ssh-keygen, cryptography
and, for v00 certificates, the independent parser of strategies_oracles.

Samples are drawn by Hypothesis, then checked in one ssh-keygen run per batch (ssh-keygen
prints one fingerprint per line of a multi-key file)."""

from __future__ import annotations

import base64
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from strategies_oracles import collect, keygen_md5_many, line_blob, md5_hex, reaches, v00_accepts

from conformance.contract import (
    CERTIFICATE_KEY_TYPES,
    DOCUMENTED_KEY_TYPES,
    DSA_KEY_SIZE,
    ECDSA_CURVES,
    PLAIN_KEY_TYPES,
    RSA_KEY_SIZES,
)
from strategies.bodies import valid_keys
from strategies.certificates import Certificate
from strategies.fingerprints import CERTIFICATE_BLOB, PLAIN_KEY
from strategies.samples import KeySample, Validity

V01_TYPES = tuple(t for t in CERTIFICATE_KEY_TYPES if "-cert-v01@" in t)
V00_TYPES = tuple(t for t in CERTIFICATE_KEY_TYPES if "-cert-v00@" in t)
SAMPLES_PER_TYPE = 250


def _common(sample: KeySample, key_type: str) -> bytes:
    assert sample.validity is Validity.VALID
    assert sample.requirements == ("IKP-K2", "IKP-R2")
    assert sample.key_type == key_type and sample.encoding == "openssh"
    assert "\n" not in sample.body and sample.body == sample.body.strip()
    assert sample.body.count(" ") == 1 if sample.rule == "openssh" else sample.body.count(" ") >= 2
    line_type, blob = line_blob(sample.body)
    assert line_type == key_type
    assert blob == sample.blob
    fp = sample.fingerprints[PLAIN_KEY]
    assert len(fp.split(":")) == 16 and fp == fp.lower()
    for label, wrong in sample.wrong_fingerprints.items():
        assert wrong not in sample.fingerprints.values(), label
    return blob


def _size(public: object) -> int:
    assert isinstance(public, rsa.RSAPublicKey | dsa.DSAPublicKey | ec.EllipticCurvePublicKey)
    return public.key_size


def _expected_size(key_type: str) -> tuple[int, ...]:
    plain = key_type.split("-cert-")[0]
    if plain == "ssh-rsa":
        return RSA_KEY_SIZES
    if plain == "ssh-dss":
        return (DSA_KEY_SIZE,)
    return (ECDSA_CURVES[plain.removeprefix("ecdsa-sha2-")],)


@pytest.mark.parametrize("key_type", PLAIN_KEY_TYPES + V01_TYPES)
def test_valid_key_read_by_ssh_keygen_and_cryptography(key_type: str) -> None:
    """IKP-K2/IKP-R2: ssh-keygen -l -E md5 prints the claimed fingerprint; cryptography loads
    the same key (for certificates: the certified key); sizes are the documented ones."""
    samples = collect(valid_keys((key_type,)), SAMPLES_PER_TYPE)
    printed = keygen_md5_many([s.body for s in samples])
    for sample, fingerprint in zip(samples, printed, strict=True):
        blob = _common(sample, key_type)
        assert fingerprint == sample.fingerprints[PLAIN_KEY], sample.body
        loaded = serialization.load_ssh_public_key(sample.body.encode())
        assert loaded == sample.key.subject.public_key
        assert _size(loaded) in _expected_size(key_type)
        if key_type in CERTIFICATE_KEY_TYPES:
            assert sample.fingerprints[CERTIFICATE_BLOB] == md5_hex(blob)
            assert sample.wrong_fingerprints["md5-ca-key"] == md5_hex(sample.key.ca.public_blob)
        else:
            assert sample.fingerprints == {PLAIN_KEY: md5_hex(blob)}
    if key_type == "ssh-rsa":  # every documented size is drawn
        assert {s.key.bits for s in samples} == set(RSA_KEY_SIZES)


@pytest.mark.parametrize("key_type", V00_TYPES)
def test_v00_certificate_parsed_and_verified_independently(key_type: str) -> None:
    """IKP-K2 v00: OpenSSH's legacy layout parses field by field, the CA signature verifies
    with cryptography, the certificate is valid now, and both fingerprints match."""
    for sample in collect(valid_keys((key_type,)), SAMPLES_PER_TYPE):
        _common(sample, key_type)
        cert = v00_accepts(sample.body)
        assert isinstance(sample.key, Certificate) and sample.key.version == "v00"
        assert sample.fingerprints[PLAIN_KEY] == md5_hex(cert.plain_blob)
        assert sample.fingerprints[CERTIFICATE_BLOB] == md5_hex(sample.blob or b"")
        assert cert.valid_after <= time.time() < cert.valid_before
        assert len(cert.nonce) in (16, 32)
        plain_type = key_type.split("-cert-")[0]
        plain_line = f"{plain_type} {base64.b64encode(cert.plain_blob).decode()}"
        assert serialization.load_ssh_public_key(plain_line.encode()) == sample.key.subject.public_key
        # cryptography itself does not read v00 (ssh-keys.md 4): the body really is v00.
        with pytest.raises(Exception):  # noqa: B017 - UnsupportedAlgorithm or ValueError
            serialization.load_ssh_public_key(sample.body.encode())


def test_v01_certificates_verify_in_cryptography_where_it_can() -> None:
    """cryptography verifies the CA signature of v01 certificates of RSA/ECDSA subjects signed
    by non-DSA CAs (it refuses DSA in certificates), and reads their drawn fields back."""
    types = tuple(t for t in V01_TYPES if not t.startswith("ssh-dss"))
    checked = 0
    for sample in collect(valid_keys(types), 300):
        cert = sample.key
        assert isinstance(cert, Certificate)
        if cert.ca.kind == "dsa":
            continue
        identity = serialization.load_ssh_public_identity(sample.body.encode())
        assert isinstance(identity, serialization.SSHCertificate)
        identity.verify_cert_signature()
        assert identity.serial == cert.fields.serial
        assert identity.key_id == cert.fields.key_id.encode()
        assert tuple(p.decode() for p in identity.valid_principals) == cert.fields.principals
        assert identity.valid_after == cert.fields.valid_after
        assert identity.valid_before == cert.fields.valid_before
        assert list(identity.extensions) == [n.encode() for n, _ in cert.fields.extensions]
        checked += 1
    assert checked > 100


def test_valid_keys_cover_every_documented_type() -> None:
    """Drawing from all types reaches each documented type."""
    samples = collect(valid_keys(), 200)
    for key_type in DOCUMENTED_KEY_TYPES:
        reaches(valid_keys(), lambda s, t=key_type: s.key_type == t, samples)
    assert {s.key_type for s in samples} <= set(DOCUMENTED_KEY_TYPES)
