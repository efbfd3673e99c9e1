"""The lenient reading's key reader: the structure of a blob, and no judgement on its numbers.

requirements.md ("Soundness comes first", IKP-K3, IKP-K5): the Core rejections are structural, the
numbers inside a key are a Profile point. ``read_blob`` checks exactly the structure and
nothing more, so the lenient variant (``variants``) is the most permissive legal server:

- the line's type is a documented type (``contract.DOCUMENTED_KEY_TYPES``) and equals the
  blob's type word;
- every field of that type (and of the certificate version, PROTOCOL.certkeys rev 1.3 for v00,
  rev 1.19 for v01) is present, with nothing left over; the principals and the option lists
  of a certificate are well-formed lists of strings;
- an ECDSA key's curve name matches its type, and its point (any SEC1 encoding) is on the curve.

Not judged: RSA ``e`` and ``n`` and DSA ``p q g y`` are read as strings of any content (any
size, even, zero, negative, non-minimal); a certificate's serial, type, validity window, CA
key and signature are read as fields but not interpreted (no signature check).

Written from the wire formats; independent of the clean parser's numeric rules (it shares only
the RFC 4251 reader and the text forms of ``keys``) and of the suite.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec

from conformance import contract
from conformance.reference.keys import MalformedKey, PublicKey, _Reader, _w_string, md5_fingerprint

_CURVES: dict[str, ec.EllipticCurve] = {
    "nistp256": ec.SECP256R1(),
    "nistp384": ec.SECP384R1(),
    "nistp521": ec.SECP521R1(),
}
_ECDSA = "ecdsa-sha2-"
_CERT_V00 = "-cert-v00@openssh.com"
_CERT_V01 = "-cert-v01@openssh.com"
# Number of mpints (read as plain strings) in the key fields of each plain type.
_MPINT_FIELDS = {"ssh-rsa": 2, "ssh-dss": 4}


def _key_fields(r: _Reader, base_type: str) -> bytes:
    """The raw key fields of ``base_type`` (as received), checked for structure only."""
    start = r.pos
    if base_type in _MPINT_FIELDS:
        for _ in range(_MPINT_FIELDS[base_type]):
            r.string()
    elif base_type.startswith(_ECDSA) and base_type[len(_ECDSA) :] in _CURVES:
        curve_name = base_type[len(_ECDSA) :]
        if r.string() != curve_name.encode():
            raise MalformedKey("curve mismatch")
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(_CURVES[curve_name], r.string())
        except ValueError:
            raise MalformedKey("point not on the curve") from None
    else:
        raise MalformedKey("unsupported type")
    return r.data[start : r.pos]


def _strings(raw: bytes, per_entry: int) -> None:
    """A list of strings (principals: 1 per entry; options: name and data, 2 per entry)."""
    r = _Reader(raw)
    while r.pos < len(raw):
        for _ in range(per_entry):
            r.string()


def _certificate(r: _Reader, base_type: str, legacy: bool) -> bytes:
    """The raw key fields of a certificate, after reading its whole layout."""
    if legacy:
        fields = _key_fields(r, base_type)
        r.uint32()  # type
        r.string()  # key id
        _strings(r.string(), 1)  # valid principals
        r.uint64()  # valid after
        r.uint64()  # valid before
        _strings(r.string(), 2)  # constraints
        r.string()  # nonce
    else:
        r.string()  # nonce
        fields = _key_fields(r, base_type)
        r.uint64()  # serial
        r.uint32()  # type
        r.string()  # key id
        _strings(r.string(), 1)  # valid principals
        r.uint64()  # valid after
        r.uint64()  # valid before
        _strings(r.string(), 2)  # critical options
        _strings(r.string(), 2)  # extensions
    r.string()  # reserved
    r.string()  # signature key (not interpreted)
    r.string()  # signature (not checked)
    return fields


def read_blob(line_type: str, blob: bytes) -> PublicKey:
    """A ``keys.BlobReader``: the blob's structure checked (module docstring), the key taken
    as received. Its fingerprint is the colon form of MD5 over the plain key (the certified
    key's type word and fields as received); other readings are applied on top."""
    if line_type not in contract.DOCUMENTED_KEY_TYPES:
        raise MalformedKey("undocumented key type")
    r = _Reader(blob)
    if r.string() != line_type.encode():
        raise MalformedKey("type mismatch")
    certificate = line_type.endswith((_CERT_V00, _CERT_V01))
    base_type = line_type[: -len(_CERT_V00)] if certificate else line_type
    fields = (
        _certificate(r, base_type, line_type.endswith(_CERT_V00))
        if certificate
        else _key_fields(r, base_type)
    )
    r.done()
    plain = _w_string(base_type.encode()) + fields
    return PublicKey(line_type, plain, md5_fingerprint(plain), certificate, blob)
