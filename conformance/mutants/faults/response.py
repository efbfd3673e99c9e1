"""Faults of the success response (IKP-R1..R3): the echoed name, the fingerprint (wrong hash,
case, prefix or field; the issue-12 arrivals get one key type's fingerprint wrong), and the
documented error messages.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from cryptography.hazmat.primitives import serialization

from conformance import contract
from conformance.mutants.catalogue import Fault, fault
from conformance.mutants.combinators import (
    Apply,
    Recast,
    chain_errors,
    fingerprint_rule,
    use_action,
)
from conformance.reference import actions, errors, keys
from conformance.reference.actions import Behaviour, Config


def _echo_lowercased(params: Mapping[str, str], config: Config) -> dict[str, Any]:
    result = actions.import_key_pair(params, config)
    return {**result, "KeyPairName": str(result["KeyPairName"]).lower()}


def _colons(digest: bytes) -> str:
    return ":".join(f"{b:02x}" for b in digest)


def _der_md5(key: keys.PublicKey, body: str) -> str:
    if key.is_certificate:
        return key.fingerprint
    line = f"{key.key_type} {base64.b64encode(key.plain_blob).decode()}".encode()
    public = serialization.load_ssh_public_key(line)
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return _colons(hashlib.md5(der, usedforsecurity=False).digest())


def _ca_md5(key: keys.PublicKey, body: str) -> str:
    if not key.is_certificate:
        return key.fingerprint
    return keys.md5_fingerprint(keys.certificate_window_and_ca(key.blob)[2])


_DOCUMENTED_CODES = frozenset(row.code for row in contract.IMPORT_ERROR_TABLE)


def _reworded(b: Behaviour) -> Behaviour:
    def adjust(error: errors.ApiError) -> errors.ApiError:
        if error.code not in _DOCUMENTED_CODES:
            return error
        row = contract.ERRORS_BY_CODE[error.code]
        return Recast(row, "The request is invalid: " + error.message.lower(), error.status)

    return dataclasses.replace(b, adjust_error=chain_errors(b.adjust_error, adjust))


def _only(types: Callable[[keys.PublicKey], bool], fn: Callable[[keys.PublicKey, str], str]) -> Apply:
    return fingerprint_rule(lambda k, body: fn(k, body) if types(k) else k.fingerprint)


def _is_plain(prefix: str) -> Callable[[keys.PublicKey], bool]:
    return lambda k: not k.is_certificate and k.key_type.startswith(prefix)


def _ecdsa_point_md5(key: keys.PublicKey, body: str) -> str:
    r = keys._Reader(key.plain_blob)
    r.text()
    r.text()
    return keys.md5_fingerprint(r.string())


def _base64_text_md5(key: keys.PublicKey, body: str) -> str:
    return keys.md5_fingerprint(body.split()[1].encode())


def _cert_type_kept_md5(key: keys.PublicKey, body: str) -> str:
    # the nonce is dropped but the certificate's type name is kept in front of the key fields
    r = keys._Reader(key.plain_blob)
    r.text()
    return keys.md5_fingerprint(keys._w_string(key.key_type.encode()) + key.plain_blob[r.pos :])


def _unpadded_hex(key: keys.PublicKey, body: str) -> str:
    # ":".join(f"{b:x}" ...) instead of f"{b:02x}": bytes below 0x10 lose their leading zero
    return ":".join(pair[1:] if pair.startswith("0") else pair for pair in key.fingerprint.split(":"))


def _rsa_unsigned_md5(key: keys.PublicKey, body: str) -> str:
    # the blob rebuilt from e and n with n.to_bytes(minimal): the mpint's 0x00 sign byte is lost
    r = keys._Reader(key.plain_blob)
    r.text()
    e, n = r.mpint(), r.mpint()

    def raw(value: int) -> bytes:
        return keys._w_string(value.to_bytes((value.bit_length() + 7) // 8, "big"))

    return keys.md5_fingerprint(keys._w_string(b"ssh-rsa") + raw(e) + raw(n))


FAULTS: tuple[Fault, ...] = (
    # Success response (IKP-R1..R3)
    fault("name-echoed-lowercased", "IKP-R1", "KeyPairName is echoed in lower case",
        use_action(contract.ACTION_IMPORT, _echo_lowercased)),
    fault("fingerprint-sha256", "IKP-R2", "SHA-256 instead of MD5",
        fingerprint_rule(lambda k, body: _colons(hashlib.sha256(k.plain_blob).digest()))),
    fault("fingerprint-uppercase", "IKP-R2", "upper-case hex",
        fingerprint_rule(lambda k, body: k.fingerprint.upper())),
    # Colon-less hex is a legal reading (IKP-R2, observed on real ECS): a variant, not a fault.
    fault("fingerprint-md5-prefixed", "IKP-R2", "ssh-keygen's 'MD5:' prefix kept in the fingerprint",
        fingerprint_rule(lambda k, body: "MD5:" + k.fingerprint)),
    fault("fingerprint-md5-of-text", "IKP-R2", "MD5 over the PublicKeyBody text, not the decoded blob",
        fingerprint_rule(lambda k, body: _colons(hashlib.md5(body.strip().encode()).digest()))),
    fault("fingerprint-md5-of-der", "IKP-R2", "MD5 over the DER SubjectPublicKeyInfo (plain keys)",
        fingerprint_rule(_der_md5)),
    fault("fingerprint-cert-ca-key", "IKP-R2", "a certificate is fingerprinted by its CA's key",
        fingerprint_rule(_ca_md5)),
    fault("messages-reworded", "IKP-R3", "documented error messages reworded (caught with --strict-messages)",
        _reworded),
)  # fmt: skip


WRONG_FIELD_FINGERPRINTS: tuple[Fault, ...] = (
    # Wrong-field fingerprints per key type. IKP-R2: "MD5 over the decoded SSH key blob, 16
    # lowercase hex pairs joined by ':' ... for a certificate, the certified plain key's or the
    # whole blob's" (so each of these is wrong under both certificate readings).
    fault("fingerprint-ecdsa-point-only", "IKP-R2", "ECDSA keys: MD5 over the curve point only",
        _only(_is_plain("ecdsa-"), _ecdsa_point_md5)),
    fault("fingerprint-dss-of-base64", "IKP-R2", "ssh-dss keys: MD5 over the base64 text",
        _only(_is_plain("ssh-dss"), _base64_text_md5)),
    fault("fingerprint-rsa-uppercase", "IKP-R2", "ssh-rsa keys only: upper-case hex",
        _only(_is_plain("ssh-rsa"), lambda k, body: k.fingerprint.upper())),
    fault("fingerprint-cert-type-kept", "IKP-R2",
        "certificates: MD5 of the key fields under the cert type name",
        _only(lambda k: k.is_certificate, _cert_type_kept_md5)),
    fault("fingerprint-hex-unpadded", "IKP-R2", "hex pairs not zero-padded ('a' for 0x0a)",
        fingerprint_rule(_unpadded_hex)),
    fault("fingerprint-rsa-unsigned-mpint", "IKP-R2",
        "ssh-rsa: MD5 of a blob rebuilt without mpint sign bytes",
        _only(_is_plain("ssh-rsa"), _rsa_unsigned_md5)),
)  # fmt: skip
