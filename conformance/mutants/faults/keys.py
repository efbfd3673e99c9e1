"""Faults of the PublicKeyBody rules (IKP-K1..K3): documented key types refused, malformed keys
accepted (only the prefix, the base64 or part of the blob checked, mismatched type or curve,
off-curve points, ed25519, private keys), the error code; and certificates checked for type
and base64 only in form bodies (an issue-12 arrival).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from conformance import contract
from conformance.mutants.catalogue import Fault, fault
from conformance.mutants.combinators import (
    Apply,
    accepted_as_is,
    has_form_body,
    key_rule,
    on_malformed,
    one_line,
    prepare,
    recode,
    seeing_request,
    seen_request,
)
from conformance.reference import errors, keys
from conformance.reference.actions import Config


def _absent_key_malformed(params: Mapping[str, str], config: Config) -> Mapping[str, str]:
    if not params.get("PublicKeyBody"):
        raise errors.InvalidPublicKeyBody()
    return params


def _reject_keys(predicate: Callable[[keys.PublicKey], bool]) -> Apply:
    def rule(body: str, inner: Callable[[str], keys.PublicKey]) -> keys.PublicKey:
        key = inner(body)
        if predicate(key):
            raise keys.MalformedKey("not supported by this mock")
        return key

    return key_rule(rule)


def _rsa_bits(key: keys.PublicKey) -> int:
    r = keys._Reader(key.plain_blob)
    if r.text() != "ssh-rsa":
        return 0
    r.mpint()
    return r.mpint().bit_length()


def _prefix_only(body: str) -> keys.PublicKey | None:
    fields = body.split()
    if not fields or fields[0] not in contract.DOCUMENTED_KEY_TYPES:
        return None
    line = one_line(body)
    blob = line[1] if line else body.encode("utf-8", "replace")
    return accepted_as_is(fields[0], blob)


def _no_blob_parse(body: str) -> keys.PublicKey | None:
    line = one_line(body)
    if line is None or line[0] not in contract.DOCUMENTED_KEY_TYPES:
        return None
    return accepted_as_is(*line)


def _trailing_bytes(body: str) -> keys.PublicKey | None:
    line = one_line(body)
    if line is None:
        return None
    key_type, blob = line
    for cut in range(1, min(len(blob), 64)):
        try:
            keys._parse_blob(key_type, blob[:-cut])
        except keys.MalformedKey:
            continue
        return accepted_as_is(key_type, blob)
    return None


def _inner_type_trusted(body: str) -> keys.PublicKey | None:
    line = one_line(body)
    if line is None:
        return None
    try:
        inner_type = keys._Reader(line[1]).text()
        return keys._parse_blob(inner_type, line[1])
    except keys.MalformedKey:
        return None


def _ecdsa_parts(body: str) -> tuple[str, str, bytes, bytes] | None:
    """(line type, curve name in the blob, point, blob) of a plain ECDSA one-line body."""
    line = one_line(body)
    if line is None or not line[0].startswith("ecdsa-sha2-") or "cert" in line[0]:
        return None
    try:
        r = keys._Reader(line[1])
        r.text()
        curve, point = r.text(), r.string()
        r.done()
    except keys.MalformedKey:
        return None
    return line[0], curve, point, line[1]


def _curve_name_ignored(body: str) -> keys.PublicKey | None:
    parts = _ecdsa_parts(body)
    if parts is None:
        return None
    key_type, _, point, blob = parts
    curve = key_type[len("ecdsa-sha2-") :]
    rebuilt = keys._w_string(key_type.encode()) + keys._w_string(curve.encode()) + keys._w_string(point)
    try:
        keys._parse_blob(key_type, rebuilt)
    except keys.MalformedKey:
        return None
    return accepted_as_is(key_type, blob)


def _point_not_checked(body: str) -> keys.PublicKey | None:
    parts = _ecdsa_parts(body)
    if parts is None:
        return None
    key_type, curve, point, blob = parts
    size = contract.ECDSA_CURVES.get(curve)
    if key_type != "ecdsa-sha2-" + curve or size is None or len(point) != 1 + 2 * ((size + 7) // 8):
        return None
    return accepted_as_is(key_type, blob)


def _ed25519_accepted(body: str) -> keys.PublicKey | None:
    line = one_line(body)
    if line is None or line[0] != contract.UNDOCUMENTED_KEY_TYPES[0]:
        return None
    return accepted_as_is(*line)


def _private_key_accepted(body: str) -> keys.PublicKey | None:
    if "PRIVATE KEY" not in body:
        return None
    return accepted_as_is("ssh-rsa", body.strip().encode())


def _cert_unparsed_on_forms(body: str) -> keys.PublicKey | None:
    line = one_line(body)
    if line is None or not has_form_body(seen_request()) or line[0] not in contract.CERTIFICATE_KEY_TYPES:
        return None
    return accepted_as_is(*line)  # the form-body handler only checks the type name and base64


FAULTS: tuple[Fault, ...] = (
    # PublicKeyBody (IKP-K1..K3)
    fault("key-absent-malformed", "IKP-K1",
        "no or an empty PublicKeyBody gives InvalidPublicKeyBody.Malformed", prepare(_absent_key_malformed)),
    fault("rejects-ssh-dss", "IKP-K2", "ssh-dss keys are refused",
        _reject_keys(lambda k: k.key_type == "ssh-dss")),
    fault("rejects-nistp384", "IKP-K2", "ecdsa-sha2-nistp384 keys are refused",
        _reject_keys(lambda k: k.key_type == "ecdsa-sha2-nistp384")),
    fault("rejects-rsa-4096", "IKP-K2", "4096-bit RSA keys are refused",
        _reject_keys(lambda k: not k.is_certificate and _rsa_bits(k) == max(contract.RSA_KEY_SIZES))),
    fault("rejects-cert-v00", "IKP-K2", "v00 certificates are refused",
        _reject_keys(lambda k: k.key_type.endswith(keys._CERT_V00))),
    fault("rejects-dss-cert-v01", "IKP-K2", "DSA v01 certificates are refused",
        _reject_keys(lambda k: k.key_type == "ssh-dss-cert-v01@openssh.com")),
    fault("rejects-ecdsa-certs", "IKP-K2", "ECDSA certificates are refused",
        _reject_keys(lambda k: k.is_certificate and k.key_type.startswith("ecdsa-"))),
    fault("key-prefix-only", "IKP-K3", "only the type name at the start is checked",
        on_malformed(_prefix_only)),
    fault("key-blob-not-parsed", "IKP-K3", "type name and base64 are checked, the blob is not parsed",
        on_malformed(_no_blob_parse)),
    fault("key-trailing-bytes", "IKP-K3", "bytes after the blob's last field are accepted",
        on_malformed(_trailing_bytes)),
    fault("key-type-mismatch", "IKP-K3", "the line's type name may differ from the blob's",
        on_malformed(_inner_type_trusted)),
    fault("key-curve-mismatch", "IKP-K3", "an ECDSA blob's curve name is not compared with the type",
        on_malformed(_curve_name_ignored)),
    fault("key-point-off-curve", "IKP-K3", "ECDSA points are not checked to be on the curve",
        on_malformed(_point_not_checked)),
    fault("key-ed25519-accepted", "IKP-K3", "ssh-ed25519 keys are accepted", on_malformed(_ed25519_accepted)),
    fault("key-private-accepted", "IKP-K3", "a pasted private key is accepted",
        on_malformed(_private_key_accepted)),
    fault("key-wrong-code", "IKP-K3", "malformed keys get InvalidParameter",
        recode(contract.INVALID_PUBLIC_KEY_BODY.code, contract.INVALID_PARAMETER, "PublicKeyBody")),
)  # fmt: skip


SKIPPED_ON_FORMS: tuple[Fault, ...] = (
    fault("form-skips-cert-check", "IKP-K3",
        "POST form bodies: certificates checked for type and base64 only",
        seeing_request(on_malformed(_cert_unparsed_on_forms))),
)  # fmt: skip
