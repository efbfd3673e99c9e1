"""Profile bodies (IKP-K4 encodings, IKP-K5 variations): each is what it claims to be, as
seen by ssh-keygen and cryptography."""

from __future__ import annotations

import base64
import re
import subprocess
import time

import pytest
from cryptography.hazmat.primitives import serialization
from strategies_oracles import (
    collect,
    keygen_import,
    keygen_md5,
    keygen_md5_many,
    line_blob,
    md5_hex,
    parallel,
    reaches,
    v00_accepts,
)

from conformance.case import Outcome
from strategies.bodies import PROFILE_FAMILIES, SMALL_PRIMES, profile_keys
from strategies.certificates import Certificate
from strategies.encodings import RFC4716_BEGIN, RFC4716_END, RFC4716_MAX_LINE
from strategies.fingerprints import CERTIFICATE_BLOB, PLAIN_KEY, RECEIVED_BLOB
from strategies.samples import MALFORMED_KEY, SUCCESS, KeySample, Validity

N = 60


def _family(name: str, n: int = N) -> list[KeySample]:
    samples = collect(profile_keys(families=(name,)), n)
    for s in samples:
        assert s.rule == name and s.validity is Validity.PROFILE
        assert s.profile and s.profile.startswith(PROFILE_FAMILIES[name][0])
        assert s.part().outcomes() == frozenset({SUCCESS, MALFORMED_KEY})
        assert s.fingerprints[PLAIN_KEY]
    return samples


def _is_v00(s: KeySample) -> bool:
    return "-cert-v00@" in (s.key_type or "")


def _unfold_rfc4716(text: str) -> tuple[list[str], bytes]:
    """Headers (continuations joined) and blob of an RFC 4716 block, read per RFC 4716 s3."""
    lines = text.replace("\r\n", "\n").split("\n")
    assert lines[0] == RFC4716_BEGIN and lines[-2] == RFC4716_END and lines[-1] == ""
    body = lines[1:-2]
    headers: list[str] = []
    i = 0
    while i < len(body) and (":" in body[i] or (headers and headers[-1].endswith("\\"))):
        if headers and headers[-1].endswith("\\"):
            headers[-1] = headers[-1][:-1] + body[i]
        else:
            headers.append(body[i])
        i += 1
    return headers, base64.b64decode("".join(body[i:]), validate=True)


def test_rfc4716_converts_back_to_the_same_blob() -> None:
    """IKP-K4: ssh-keygen -i turns the RFC 4716 block back into the same key blob (v00
    certificates, which no current tool reads, are unfolded by the RFC's own rules)."""
    samples = _family("rfc4716", 200)
    lines = parallel(keygen_import, [s.body for s in samples if not _is_v00(s)])
    for sample, line in zip([s for s in samples if not _is_v00(s)], lines, strict=True):
        assert line is not None, sample.body
        assert line_blob(line) == (sample.key.key_type, sample.blob)
    for sample in samples:
        assert all(len(x.encode()) <= RFC4716_MAX_LINE for x in sample.body.splitlines())
        headers, blob = _unfold_rfc4716(sample.body)
        assert blob == sample.blob
        assert all(re.match(r"^[A-Za-z][A-Za-z0-9-]*: ", h) for h in headers)
    rfc = profile_keys(families=("rfc4716",))
    reaches(rfc, lambda s: any(x.endswith("\\") for x in s.body.splitlines()), samples)  # continuation
    reaches(rfc, lambda s: 'Comment: "' in s.body, samples)  # a quoted comment
    reaches(rfc, lambda s: "\r\n" in s.body, samples)


@pytest.mark.parametrize("family", ["pem-pkcs1", "pem-spki"])
def test_pem_loads_to_the_same_key(family: str) -> None:
    """IKP-K4: cryptography's PEM loader reads the body to the key whose SSH blob the sample
    fingerprints; ssh-keygen -i -m PKCS8 converts it to the same blob."""
    samples = _family(family, 120)
    for sample in samples:
        label = "RSA PUBLIC KEY" if family == "pem-pkcs1" else "PUBLIC KEY"
        assert sample.body.startswith(f"-----BEGIN {label}-----\n")
        assert serialization.load_pem_public_key(sample.body.encode()) == sample.key.public_key
        assert sample.fingerprints[PLAIN_KEY] == md5_hex(sample.blob or b"")
    lines = parallel(lambda body: keygen_import(body, "PKCS8"), [s.body for s in samples[:30]])
    for sample, line in zip(samples[:30], lines, strict=True):
        assert line is not None and line_blob(line)[1] == sample.blob
    if family == "pem-spki":
        assert {s.key_type for s in samples} >= {"ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256"}


@pytest.mark.parametrize(
    "family",
    ["leading-whitespace", "trailing-whitespace", "trailing-newline", "crlf", "tabs", "options-prefix"],
)
def test_whitespace_and_options_variants_keep_the_key(family: str) -> None:
    """IKP-K5: the variation is there, and ssh-keygen (which reads authorized_keys lines)
    still finds the claimed key in it."""
    samples = _family(family)
    readable = [s for s in samples if not _is_v00(s)]
    printed = parallel(keygen_md5, [s.body for s in readable])
    for sample, fingerprint in zip(readable, printed, strict=True):
        assert fingerprint == sample.fingerprints[PLAIN_KEY], sample.body
    for sample in samples:
        body = sample.body
        check = {
            "leading-whitespace": body[0] in " \t" and body.strip() == body.lstrip(),
            "trailing-whitespace": body[-1] in " \t" and body.strip() == body.rstrip(),
            "trailing-newline": body.endswith("\n") and not body.endswith("\r\n"),
            "crlf": body.endswith("\r\n"),
            "tabs": "\t" in body and " " not in body.split("\t")[1],
            "options-prefix": body.split()[0] not in (sample.key_type or ""),
        }[family]
        assert check, repr(body)
        token = next(t for t in body.split() if t.startswith("AAAA"))
        assert base64.b64decode(token) == sample.blob


def test_two_keys_in_one_body() -> None:
    """IKP-K5: two complete key lines; "plain-key" is the first key's fingerprint and
    "second-key" the second's (as ssh-keygen prints them)."""
    samples = _family("two-keys")
    seconds = [s.body.replace("\r\n", "\n").split("\n")[1] for s in samples]
    for sample, printed in zip(samples, keygen_md5_many(seconds), strict=True):
        first = sample.body.replace("\r\n", "\n").split("\n")[0]
        assert line_blob(first)[1] == sample.blob
        assert sample.fingerprints["second-key"] == printed


@pytest.mark.parametrize("family", ["rsa-below-1024", "rsa-above-4096"])
def test_rsa_sizes_outside_the_documented_range(family: str) -> None:
    """IKP-K5: the modulus really is outside 1024..4096; cryptography reads it; ssh-keygen
    refuses below 1024 and fingerprints above 4096 as claimed."""
    for sample in _family(family, 40):
        key = serialization.load_ssh_public_key(sample.body.encode())
        bits = key.key_size  # type: ignore[union-attr]
        printed = keygen_md5(sample.body)
        if family == "rsa-below-1024":
            assert bits < 1024 and printed is None
        else:
            assert bits > 4096 and printed == sample.fingerprints[PLAIN_KEY]


def test_non_minimal_mpints() -> None:
    """IKP-K5: the blob has redundant leading zeros; ssh-keygen trims them and prints the
    canonical fingerprint ("plain-key"); the MD5 of the bytes as sent is "received-blob"."""
    for sample in _family("non-minimal-mpint", 40):
        blob = sample.blob or b""
        assert b"\x00\x00" in blob[11:20] or b"\x00\x00\x00\x00" in blob
        assert keygen_md5(sample.body) == sample.fingerprints[PLAIN_KEY]
        assert sample.fingerprints[RECEIVED_BLOB] == md5_hex(blob) != sample.fingerprints[PLAIN_KEY]


def test_bad_signature_certificates() -> None:
    """IKP-K5: ssh-keygen (v01) or the v00 parser rejects the signature; the rest parses."""
    for sample in _family("cert-bad-signature", 40):
        assert isinstance(sample.key, Certificate)
        if _is_v00(sample):
            with pytest.raises(Exception):  # noqa: B017 - InvalidSignature
                v00_accepts(sample.body)
        else:
            assert keygen_md5(sample.body) is None
            assert serialization.load_ssh_public_key(sample.body.encode()) == sample.key.public_key
        assert sample.fingerprints[CERTIFICATE_BLOB] == md5_hex(sample.blob or b"")


@pytest.mark.parametrize("family", ["cert-expired", "cert-not-yet-valid"])
def test_certificates_outside_their_window(family: str) -> None:
    """IKP-K5: the window excludes now, and the certificate is otherwise valid (signature
    verified by ssh-keygen for v01, by the v00 parser for v00)."""
    now = time.time()
    for sample in _family(family, 40):
        cert = sample.key
        assert isinstance(cert, Certificate)
        window = (cert.fields.valid_after, cert.fields.valid_before)
        assert window[0] < window[1]
        assert (window[1] <= now) if family == "cert-expired" else (window[0] > now)
        if _is_v00(sample):
            parsed = v00_accepts(sample.body)
            assert (parsed.valid_after, parsed.valid_before) == window
        else:
            assert keygen_md5(sample.body) == sample.fingerprints[PLAIN_KEY]


def test_every_profile_family_is_drawn() -> None:
    samples = collect(profile_keys(), 200)
    for family in PROFILE_FAMILIES:
        reaches(profile_keys(), lambda s, f=family: s.rule == f, samples)
    assert Outcome.success() == SUCCESS


@pytest.mark.parametrize("family", ["rsa-even-exponent", "rsa-exponent-below-3", "rsa-small-factor"])
def test_rsa_numbers_no_real_key_has(family: str) -> None:
    """IKP-K5: the modulus has a documented size; the exponent is even or below 3, or a small
    prime divides the modulus (and OpenSSL's public-key check refuses it); the fingerprint is
    what ssh-keygen prints wherever it reads the key."""
    samples = _family(family, 40)
    for sample in samples:
        key = sample.key
        assert not isinstance(key, Certificate) and key.key_type == "ssh-rsa"
        e = int.from_bytes(key.fields[0][1][4:], "big")
        n = int.from_bytes(key.fields[1][1][4:], "big")
        assert n.bit_length() in (1024, 2048, 3072, 4096)
        if family == "rsa-even-exponent":
            assert e % 2 == 0 and e >= 2
        elif family == "rsa-exponent-below-3":
            assert e < 3
        else:
            assert e == 65537 and any(n % r == 0 for r in SMALL_PRIMES)
            assert _openssl_pubcheck_refuses(sample.body)  # cryptography reads it, OpenSSL does not
    printed = keygen_md5_many([s.body for s in samples])
    for sample, fingerprint in zip(samples, printed, strict=True):
        assert fingerprint in (None, sample.fingerprints[PLAIN_KEY])


def _openssl_pubcheck_refuses(body: str) -> bool:
    key = serialization.load_ssh_public_key(body.encode())
    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    command = ["openssl", "pkey", "-pubin", "-pubcheck", "-noout"]
    return subprocess.run(command, input=pem, capture_output=True, timeout=30, check=False).returncode != 0


def test_v00_certificates_by_ecdsa_or_ed25519_cas() -> None:
    """IKP-K5: a v00 certificate signed by a CA kind the v00 format did not define; otherwise
    valid (the v00 parser verifies its signature)."""
    kinds = set()
    for sample in _family("cert-v00-modern-ca", 60):
        cert = sample.key
        assert isinstance(cert, Certificate) and cert.version == "v00"
        assert cert.ca.kind not in ("rsa", "dsa")
        kinds.add(cert.ca.kind)
        assert v00_accepts(sample.body).plain_blob == cert.subject.blob.data
    assert "ed25519" in kinds and any(k.startswith("ecdsa-") for k in kinds)
