"""Expected fingerprints (IKP-R2), by a path independent of the blob encoders.

This module owns the fingerprints a key sample claims. The *acceptable* fingerprint of a
key is ``cryptography``'s ``ssh_key_fingerprint(key, MD5)`` of the ``cryptography`` public key
object (which re-encodes the key from its numbers; it never reads the bytes ``keys.py`` or
``certificates.py`` wrote). For a certificate, MD5 over the whole certificate blob is also
accepted (Profile, IKP-R2); that one is by definition a digest of the bytes sent.

It also lists known *wrong* candidates, so a failure can say which mistake a target made:
MD5 over DER SubjectPublicKeyInfo (AWS/moto), SHA-1 and SHA-256 over the blob, uppercase,
without colons, MD5 over the base64 text, and, for certificates, MD5 over the CA key.
"""

from __future__ import annotations

import base64
import hashlib
import warnings
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization

from conformance.contract import FINGERPRINT_DIGEST_BYTES

PLAIN_KEY = "plain-key"
CERTIFICATE_BLOB = "certificate-blob"
RECEIVED_BLOB = "received-blob"  # MD5 over non-canonical bytes as sent (IKP-K5 mpints)


def colon_hex(digest: bytes) -> str:
    """``ab:cd:...``: lowercase hex pairs joined by ``:`` (RFC 4716 section 4)."""
    return ":".join(f"{b:02x}" for b in digest)


def md5_fingerprint(data: bytes) -> str:
    """The RFC 4716 fingerprint of ``data`` (MD5, lowercase, colon-separated)."""
    digest = hashlib.md5(data).digest()
    assert len(digest) == FINGERPRINT_DIGEST_BYTES
    return colon_hex(digest)


def key_fingerprint(public_key: Any) -> str:
    """MD5 fingerprint of a ``cryptography`` public key, as ``cryptography`` encodes it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DSA support is deprecated in cryptography
        return colon_hex(serialization.ssh_key_fingerprint(public_key, hashes.MD5()))


def spki_der(public_key: Any) -> bytes:
    """DER SubjectPublicKeyInfo of a ``cryptography`` public key."""
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def plain_fingerprint(public_key: Any, plain_blob: bytes | None = None) -> str:
    """``key_fingerprint`` of the key, or, for a key ``cryptography`` refuses to hold (the
    Profile numbers of IKP-K5: an even or tiny RSA exponent), MD5 over its canonical blob."""
    if public_key is None:
        if plain_blob is None:
            raise ValueError("a key without a cryptography object needs its plain blob")
        return md5_fingerprint(plain_blob)
    return key_fingerprint(public_key)


def acceptable_fingerprints(
    public_key: Any,
    certificate_blob: bytes | None = None,
    received_blob: bytes | None = None,
    plain_blob: bytes | None = None,
) -> dict[str, str]:
    """Label -> fingerprint a success response may carry (IKP-R2)."""
    out = {PLAIN_KEY: plain_fingerprint(public_key, plain_blob)}
    if certificate_blob is not None:
        out[CERTIFICATE_BLOB] = md5_fingerprint(certificate_blob)
    if received_blob is not None:
        received = md5_fingerprint(received_blob)
        if received != out[PLAIN_KEY]:
            out[RECEIVED_BLOB] = received
    return out


def wrong_fingerprints(
    public_key: Any, blob: bytes, base64_text: str, ca_blob: bytes | None = None
) -> dict[str, str]:
    """Label -> a fingerprint of the same key that IKP-R2 does *not* accept (no SPKI digest for
    a key ``cryptography`` cannot hold: ``blob`` is then its plain blob)."""
    right = plain_fingerprint(public_key, blob)
    out = {
        "sha1-blob": colon_hex(hashlib.sha1(blob).digest()),
        "sha256-blob": colon_hex(hashlib.sha256(blob).digest()),
        "sha256-blob-base64": "SHA256:"
        + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("="),
        "md5-uppercase": right.upper(),
        "md5-no-colons": right.replace(":", ""),
        "md5-prefixed": "MD5:" + right,
        "md5-base64-text": md5_fingerprint(base64_text.encode()),
    }
    if public_key is not None:
        out["md5-spki-der"] = md5_fingerprint(spki_der(public_key))
    if ca_blob is not None:
        out["md5-ca-key"] = md5_fingerprint(ca_blob)
    return out
