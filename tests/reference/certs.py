"""A small hand encoder for OpenSSH certificates, used only by these tests (the bytes are
``strategies/sshwire.py``'s, the judge side's codec, never the reference server's own).

v00 follows PROTOCOL.certkeys rev 1.3 (spec/ssh-keys.md section 1.4): type, key fields,
uint32 type, key id, principals, valid after, valid before, constraints, nonce, reserved,
signature key, signature. v01 follows rev 1.19 (section 1.3). Signatures are made with
``cryptography`` over the blob up to and including the signature key (section 1.5).
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from strategies.sshwire import mpint, read_string, string, u32, u64

CaKey = rsa.RSAPrivateKey | dsa.DSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey

_EC_NAMES = {"secp256r1": "nistp256", "secp384r1": "nistp384", "secp521r1": "nistp521"}
_EC_HASH = {"nistp256": hashes.SHA256, "nistp384": hashes.SHA384, "nistp521": hashes.SHA512}


def key_fields(public_key: object) -> tuple[str, bytes]:
    """(plain type name, encoded key fields) of a cryptography public key."""
    if isinstance(public_key, rsa.RSAPublicKey):
        n = public_key.public_numbers()
        return "ssh-rsa", mpint(n.e) + mpint(n.n)
    if isinstance(public_key, dsa.DSAPublicKey):
        d = public_key.public_numbers()
        p = d.parameter_numbers
        return "ssh-dss", mpint(p.p) + mpint(p.q) + mpint(p.g) + mpint(d.y)
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        from cryptography.hazmat.primitives import serialization

        curve = _EC_NAMES[public_key.curve.name]
        point = public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return f"ecdsa-sha2-{curve}", string(curve) + string(point)
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        from cryptography.hazmat.primitives import serialization

        raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return "ssh-ed25519", string(raw)
    raise TypeError(type(public_key))


def plain_blob(public_key: object) -> bytes:
    name, fields = key_fields(public_key)
    return string(name) + fields


def sign(ca: CaKey, data: bytes) -> bytes:
    """The SSH signature blob of ``data`` by ``ca`` (ssh-rsa SHA-1 for RSA, as in the v00 era)."""
    if isinstance(ca, rsa.RSAPrivateKey):
        return string("ssh-rsa") + string(ca.sign(data, padding.PKCS1v15(), hashes.SHA1()))
    if isinstance(ca, dsa.DSAPrivateKey):
        r, s = decode_dss_signature(ca.sign(data, hashes.SHA1()))
        return string("ssh-dss") + string(r.to_bytes(20, "big") + s.to_bytes(20, "big"))
    if isinstance(ca, ec.EllipticCurvePrivateKey):
        curve = _EC_NAMES[ca.curve.name]
        r, s = decode_dss_signature(ca.sign(data, ec.ECDSA(_EC_HASH[curve]())))
        return string(f"ecdsa-sha2-{curve}") + string(mpint(r) + mpint(s))
    return string("ssh-ed25519") + string(ca.sign(data))


def v00_certificate(
    subject: object,
    ca: CaKey,
    *,
    cert_type: int = 1,
    principals: tuple[str, ...] = ("root",),
    constraints: bytes | None = None,
    type_name: str | None = None,
    corrupt_signature: bool = False,
) -> bytes:
    """A legacy v00 certificate blob (ssh-keys.md section 1.4)."""
    base, fields = key_fields(subject)
    if constraints is None:
        constraints = b"".join(string(n) + string(b"") for n in ("permit-X11-forwarding", "permit-pty"))
    body = (
        string(type_name or f"{base}-cert-v00@openssh.com")
        + fields
        + u32(cert_type)
        + string("key-id")
        + string(b"".join(string(p) for p in principals))
        + u64(0)
        + u64(0xFFFFFFFFFFFFFFFF)
        + string(constraints)
        + string(os.urandom(32))
        + string(b"")
        + string(plain_blob(ca.public_key()))
    )
    signature = sign(ca, body)
    if corrupt_signature:
        signature = signature[:-1] + bytes([signature[-1] ^ 1])
    return body + string(signature)


def v01_certificate(subject: object, ca: CaKey, *, type_name: str | None = None, cert_type: int = 1) -> bytes:
    """A v01 certificate blob (ssh-keys.md section 1.3)."""
    base, fields = key_fields(subject)
    body = (
        string(type_name or f"{base}-cert-v01@openssh.com")
        + string(os.urandom(32))
        + fields
        + u64(7)
        + u32(cert_type)
        + string("key-id")
        + string(string("root"))
        + u64(0)
        + u64(0xFFFFFFFFFFFFFFFF)
        + string(b"")
        + string(string("permit-pty") + string(b""))
        + string(b"")
        + string(plain_blob(ca.public_key()))
    )
    return body + string(sign(ca, body))


def line(blob: bytes, comment: str = "cert") -> str:
    """The OpenSSH one-line text of a blob (its own type name first)."""
    type_name, _ = read_string(blob)
    return f"{type_name.decode()} {base64.b64encode(blob).decode()} {comment}"
