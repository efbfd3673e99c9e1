"""PublicKeyBody validation and fingerprints, checked against ssh-keygen and cryptography."""

from __future__ import annotations

import base64
import random
import struct
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa

from conformance import contract
from conformance.reference import keys

from . import certs
from .keytools import make_key, md5_of, ssh_keygen

# DSA is what ECS documents; cryptography warns that its SSH DSA support is deprecated.
pytestmark = pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")

PLAIN = [("rsa", 1024), ("rsa", 2048), ("rsa", 3072), ("rsa", 4096), ("dsa", 1024)] + [
    ("ecdsa", bits) for bits in contract.ECDSA_CURVES.values()
]
CAS = [("rsa", 2048), ("dsa", 1024), ("ecdsa", 256), ("ed25519", None)]


@pytest.fixture(scope="module")
def plain_keys(keydir: Path) -> dict[tuple[str, int], Path]:
    return {(t, b): make_key(keydir, t, b) for t, b in PLAIN}


@pytest.fixture(scope="module")
def ca_keys(keydir: Path) -> dict[str, Path]:
    return {t: make_key(keydir, t, b, f"ca_{t}") for t, b in CAS}


def _pub(path: Path) -> Path:
    return Path(str(path) + ".pub")


def _accept(text: str) -> keys.PublicKey:
    return keys.parse_public_key(text)


def _reject(text: str) -> None:
    with pytest.raises(keys.MalformedKey):
        keys.parse_public_key(text)


@pytest.mark.parametrize(("key_type", "bits"), PLAIN)
def test_ssh_keygen_plain_keys_accepted_with_its_md5(
    plain_keys: dict[tuple[str, int], Path], key_type: str, bits: int
) -> None:
    pub = _pub(plain_keys[(key_type, bits)])
    parsed = _accept(pub.read_text())
    assert parsed.fingerprint == md5_of(pub)
    assert parsed.key_type in contract.PLAIN_KEY_TYPES
    assert not parsed.is_certificate


# Every subject with every CA, except the big RSA subjects, which only the RSA CA signs (run time).
CERT_PAIRS = [
    (subject, ca)
    for subject in PLAIN
    for ca, _ in CAS
    if not (subject[0] == "rsa" and subject[1] in (3072, 4096) and ca != "rsa")
]


@pytest.mark.parametrize(("subject", "ca"), CERT_PAIRS, ids=[f"{s[0]}{s[1]}-by-{c}" for s, c in CERT_PAIRS])
def test_ssh_keygen_v01_certificates_accepted_with_plain_key_md5(
    plain_keys: dict[tuple[str, int], Path],
    ca_keys: dict[str, Path],
    subject: tuple[str, int],
    ca: str,
    tmp_path: Path,
) -> None:
    src = _pub(plain_keys[subject])
    pub = tmp_path / "subject.pub"
    pub.write_text(src.read_text())
    ssh_keygen("-s", str(ca_keys[ca]), "-I", "id", "-n", "root", str(pub))
    cert = tmp_path / "subject-cert.pub"
    parsed = _accept(cert.read_text())
    assert parsed.is_certificate
    assert parsed.key_type in contract.CERTIFICATE_KEY_TYPES
    assert parsed.fingerprint == md5_of(cert) == md5_of(src)


def _dsa_key() -> dsa.DSAPrivateKey:
    return dsa.generate_private_key(contract.DSA_KEY_SIZE)


def _ca(kind: str) -> certs.CaKey:
    if kind == "rsa":
        return rsa.generate_private_key(65537, 2048)
    if kind == "dsa":
        return _dsa_key()
    if kind == "ecdsa":
        return ec.generate_private_key(ec.SECP256R1())
    return ed25519.Ed25519PrivateKey.generate()


def _openssh_line(public_key: rsa.RSAPublicKey | dsa.DSAPublicKey, tmp_path: Path) -> Path:
    text = public_key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    path = tmp_path / "plain.pub"
    path.write_bytes(text + b"\n")
    return path


@pytest.mark.parametrize("subject_kind", ["rsa", "dsa"])
@pytest.mark.parametrize("ca_kind", ["rsa", "dsa", "ecdsa", "ed25519"])
def test_hand_encoded_v00_certificates_accepted(subject_kind: str, ca_kind: str, tmp_path: Path) -> None:
    subject = (rsa.generate_private_key(65537, 1024) if subject_kind == "rsa" else _dsa_key()).public_key()
    blob = certs.v00_certificate(subject, _ca(ca_kind))
    parsed = _accept(certs.line(blob))
    assert parsed.key_type == f"ssh-{'rsa' if subject_kind == 'rsa' else 'dss'}-cert-v00@openssh.com"
    assert parsed.fingerprint == md5_of(_openssh_line(subject, tmp_path))
    assert parsed.plain_blob == certs.plain_blob(subject)


def test_hand_encoded_v01_dsa_certificate_agrees_with_ssh_keygen(tmp_path: Path) -> None:
    subject = _dsa_key().public_key()
    blob = certs.v01_certificate(subject, ed25519.Ed25519PrivateKey.generate())
    cert = tmp_path / "hand-cert.pub"
    cert.write_text(certs.line(blob) + "\n")
    assert _accept(cert.read_text()).fingerprint == md5_of(cert)  # ssh-keygen verifies the CA signature


def test_broken_certificates_rejected() -> None:
    subject = rsa.generate_private_key(65537, 1024).public_key()
    ca = rsa.generate_private_key(65537, 1024)
    good = certs.v00_certificate(subject, ca)
    _accept(certs.line(good))
    # bad CA signature (IKP-K5 reading: verified)
    _reject(certs.line(certs.v00_certificate(subject, ca, corrupt_signature=True)))
    # v00 layout labelled v01, and v01 layout labelled v00
    _reject(certs.line(certs.v00_certificate(subject, ca, type_name="ssh-rsa-cert-v01@openssh.com")))
    _reject(certs.line(certs.v01_certificate(subject, ca, type_name="ssh-rsa-cert-v00@openssh.com")))
    # inner key of another type than the name says
    _reject(certs.line(certs.v00_certificate(subject, ca, type_name="ssh-dss-cert-v00@openssh.com")))
    # truncated at every field boundary-ish position, and trailing bytes
    for cut in (5, 40, len(good) // 2, len(good) - 1):
        blob = good[:cut]
        _reject(f"ssh-rsa-cert-v00@openssh.com {base64.b64encode(blob).decode()}")
    _reject(certs.line(good + b"\0"))
    # certificate type outside user/host, malformed constraints
    _reject(certs.line(certs.v00_certificate(subject, ca, cert_type=3)))
    _reject(certs.line(certs.v00_certificate(subject, ca, constraints=b"\0\0\0\x09abc")))
    # an ECDSA subject has no v00 form
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key()
    _reject(certs.line(certs.v00_certificate(p256, ca)))
    # an Ed25519 subject is not documented even as a certificate
    _reject(certs.line(certs.v01_certificate(ed25519.Ed25519PrivateKey.generate().public_key(), ca)))


def _blob_line(type_name: str, blob: bytes) -> str:
    return f"{type_name} {base64.b64encode(blob).decode()} c"


def _random_rsa_blob(bits: int, rng: random.Random) -> bytes:
    n = rng.getrandbits(bits) | (1 << (bits - 1)) | 1
    return certs.string("ssh-rsa") + certs.mpint(65537) + certs.mpint(n)


@pytest.mark.parametrize("bits", [1024, 2048, 3000, 4096])
def test_random_odd_moduli_accepted_without_primality_check(bits: int, tmp_path: Path) -> None:
    blob = _random_rsa_blob(bits, random.Random(bits))
    path = tmp_path / "r.pub"
    path.write_text(_blob_line("ssh-rsa", blob) + "\n")
    assert _accept(path.read_text()).fingerprint == md5_of(path)


@pytest.mark.parametrize("bits", [768, 1023, 4097, 8192])
def test_rsa_sizes_outside_1024_4096_rejected(bits: int) -> None:
    _reject(_blob_line("ssh-rsa", _random_rsa_blob(bits, random.Random(bits))))


def test_malformed_bodies_rejected(plain_keys: dict[tuple[str, int], Path], keydir: Path) -> None:
    rsa_line = _pub(plain_keys[("rsa", 2048)]).read_text().strip()
    _, b64, _ = rsa_line.split(" ", 2)
    blob = base64.b64decode(b64)
    p256 = _pub(plain_keys[("ecdsa", 256)]).read_text().split()
    p256_blob = base64.b64decode(p256[1])
    ed = make_key(keydir, "ed25519", None, "ed")
    bad = {
        "doc example": "ABC1234567",
        "type only": "ssh-rsa",
        "bad base64": f"ssh-rsa {b64[:-5]}!!{b64[-3:]}",
        "bad padding": f"ssh-rsa {b64.rstrip('=')}A",
        "truncated": _blob_line("ssh-rsa", blob[:-3]),
        "trailing bytes": _blob_line("ssh-rsa", blob + b"\x00\x00\x00\x00"),
        "type mismatch": f"ssh-dss {b64}",
        "curve mismatch": _blob_line(
            p256[0], p256_blob[: 4 + 19] + certs.string("nistp384") + p256_blob[4 + 19 + 12 :]
        ),
        "off curve": _blob_line(p256[0], p256_blob[:-1] + bytes([p256_blob[-1] ^ 1])),
        "compressed point": _blob_line(
            p256[0], p256_blob[: 4 + 19 + 12] + certs.string(b"\x02" + p256_blob[-64:-32])
        ),
        "ed25519": _pub(ed).read_text(),
        "sk key": "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIA== x",
        "rsa-sha2-256 as type": f"rsa-sha2-256 {b64}",
        "made-up type": _blob_line("ssh-foo", certs.string("ssh-foo") + certs.string(b"x")),
        "private key": ed.read_text(),
        "private rsa key": plain_keys[("rsa", 1024)].read_text(),
        "options prefix": f'no-pty,from="10.0.0.0/8" {rsa_line}',
        "two keys on lines": f"{rsa_line}\n{rsa_line}",
        "two keys on a line": f"{rsa_line} {rsa_line}",
        "non-minimal mpint": _blob_line(
            "ssh-rsa", certs.string("ssh-rsa") + certs.string(b"\x00\x01\x00\x01") + blob[4 + 7 + 7 :]
        ),
        "negative mpint": _blob_line("ssh-rsa", certs.string("ssh-rsa") + certs.string(b"\x81") + blob[18:]),
        "even exponent": _blob_line("ssh-rsa", certs.string("ssh-rsa") + certs.mpint(65536) + blob[18:]),
        "33-bit exponent": _blob_line(
            "ssh-rsa", certs.string("ssh-rsa") + certs.mpint(2**32 + 3) + blob[18:]
        ),
        "whitespace only": " \n\t ",
    }
    for label, text in bad.items():
        with pytest.raises(keys.MalformedKey):
            keys.parse_public_key(text)
            pytest.fail(f"accepted: {label}")


@pytest.mark.parametrize(
    "variant",
    [
        lambda t, b, c: f"{t} {b}",
        lambda t, b, c: f"{t} {b} {c} with spaces",
        lambda t, b, c: f"  {t} {b} {c}\n",
        lambda t, b, c: f"{t}\t{b}\t{c}\r\n",
        lambda t, b, c: f"\r\n{t}  {b}\n\n",
        lambda t, b, c: f"{t} {b} {t}",
        lambda t, b, c: f"{t} {b} ssh-rsa AAAA not a key",
    ],
    ids=[
        "no comment",
        "spaces in comment",
        "surrounding whitespace",
        "tabs and CRLF",
        "blank lines",
        "type name as comment",
        "type name and junk in comment",
    ],
)
def test_whitespace_variations_tolerated(plain_keys: dict[tuple[str, int], Path], variant) -> None:  # type: ignore[no-untyped-def]
    pub = _pub(plain_keys[("ecdsa", 384)])
    t, b, c = pub.read_text().strip().split(" ", 2)
    assert _accept(variant(t, b, c)).fingerprint == md5_of(pub)


@pytest.mark.parametrize(("key_type", "bits"), [("rsa", 2048), ("dsa", 1024), ("ecdsa", 521)])
@pytest.mark.parametrize("fmt", ["RFC4716", "PKCS8", "PEM"])
def test_other_encodings_accepted_with_ssh_blob_md5(
    plain_keys: dict[tuple[str, int], Path], key_type: str, bits: int, fmt: str, tmp_path: Path
) -> None:
    import subprocess

    pub = _pub(plain_keys[(key_type, bits)])
    exported = subprocess.run(
        ["ssh-keygen", "-e", "-m", fmt, "-f", str(pub)], check=True, capture_output=True, text=True
    ).stdout
    assert exported.startswith("---- BEGIN SSH2" if fmt == "RFC4716" else "-----BEGIN")
    assert _accept(exported).fingerprint == md5_of(pub)
    if fmt == "RFC4716":
        assert _accept(exported.replace("\n", "\r\n")).fingerprint == md5_of(pub)


def test_fingerprint_format() -> None:
    fp = keys.md5_fingerprint(b"abc")
    parts = fp.split(":")
    assert len(parts) == contract.FINGERPRINT_DIGEST_BYTES
    assert all(len(p) == 2 and p == p.lower() for p in parts)
    assert fp.replace(":", "") == "900150983cd24fb0d6963f7d28e17f72"  # RFC 1321 test suite: MD5("abc")


def test_dsa_other_than_1024_bits_rejected() -> None:
    rng = random.Random(5)
    p = rng.getrandbits(2048) | (1 << 2047) | 1
    q = rng.getrandbits(160) | (1 << 159) | 1
    blob = certs.string("ssh-dss") + b"".join(certs.mpint(v) for v in (p, q, 2, 3))
    _reject(_blob_line("ssh-dss", blob))
    assert struct.unpack(">I", blob[:4])[0] == 7
