"""Broken bodies (IKP-K3): each family is rejected by ssh-keygen wherever it reads the
format (by the v00 parser for bodies derived from v00 certificates), and by cryptography."""

from __future__ import annotations

import base64
import binascii

import pytest
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from strategies_oracles import collect, keygen_md5, keygen_md5_many, parallel, reaches, v00_accepts

from conformance.contract import DOCUMENTED_KEY_TYPES, UNDOCUMENTED_KEY_TYPES
from strategies.broken import BROKEN_FAMILIES, DOC_EXAMPLE_BODY, KEYGEN_READS, MADE_UP_TYPES, broken_keys
from strategies.samples import MALFORMED_KEY, KeySample, Validity

N = 80
ONE_LINE_FAMILIES = sorted(set(BROKEN_FAMILIES) - KEYGEN_READS)


def _samples(family: str, n: int = N) -> list[KeySample]:
    samples = collect(broken_keys(families=(family,)), n)
    for s in samples:
        assert s.rule == family and s.validity is Validity.INVALID
        assert s.requirements == ("IKP-K3",)
        assert s.part().outcomes() == frozenset({MALFORMED_KEY})
        assert not s.fingerprints and s.body.strip()
    return samples


def _from_v00(sample: KeySample) -> bool:
    return "-cert-v00@" in (sample.key_type or "") or "-cert-v00@" in sample.body.split()[0]


def _cryptography_rejects(body: str) -> bool:
    try:
        serialization.load_ssh_public_key(body.encode())
    except (ValueError, TypeError, UnsupportedAlgorithm, binascii.Error, NotImplementedError):
        return True
    return False


@pytest.mark.parametrize("family", ONE_LINE_FAMILIES)
def test_broken_family_rejected_by_ssh_keygen(family: str) -> None:
    """IKP-K3: ssh-keygen -l reads none of the bodies of the family (one run over all of
    them prints nothing), and cryptography refuses them too."""
    samples = _samples(family)
    readable = [s for s in samples if not _from_v00(s)]
    assert all("\n" not in s.body for s in samples)
    if readable:
        printed = keygen_md5_many([s.body for s in readable])
        accepted = [s.body for s, fp in zip(readable, printed, strict=True) if fp is not None]
        assert not accepted, accepted[:3]
    for sample in samples:
        if family == "bad-base64":
            # cryptography's decoder skips characters outside the alphabet; RFC 4648 s3.3
            # says a decoder must reject them, and a strict one does.
            with pytest.raises(binascii.Error):
                base64.b64decode(sample.body.split()[1], validate=True)
        else:
            assert _cryptography_rejects(sample.body), sample.body


V00_TYPES = tuple(t for t in DOCUMENTED_KEY_TYPES if "-cert-v00@" in t)
V00_FAMILIES = sorted(n for n, f in BROKEN_FAMILIES.items() if f.applies and set(f.applies) & set(V00_TYPES))


@pytest.mark.parametrize("family", V00_FAMILIES)
def test_broken_v00_bodies_rejected_by_the_v00_parser(family: str) -> None:
    """IKP-K3 for v00: the independent v00 parser refuses each family derived from a v00
    certificate (no current tool reads v00 at all, so ssh-keygen proves nothing here)."""
    samples = collect(broken_keys(V00_TYPES, (family,)), 40)
    for sample in samples:
        assert sample.key_type in V00_TYPES and sample.rule == family
        with pytest.raises(Exception):  # noqa: B017 - ValueError, InvalidSignature, binascii.Error
            v00_accepts(sample.body)


def test_truncations_cut_where_they_say() -> None:
    """A boundary cut ends exactly after the named field of the full blob; a mid-field cut
    ends strictly inside it. Both reach the fields of every layout."""
    for family, inside in (("truncated-at-boundary", False), ("truncated-mid-field", True)):
        for sample in _samples(family, 150):
            spans = {label: (start, end) for label, start, end in sample.key.blob.spans()}
            field = sample.description.split("'")[1]
            start, end = spans[field]
            cut = len(sample.blob or b"")
            assert (start < cut < end) if inside else (cut == end < len(sample.key.blob.data))
    for family, key_type, field in (
        ("truncated-at-boundary", "ssh-dss", "q"),
        ("truncated-at-boundary", "ssh-rsa-cert-v00@openssh.com", "constraints"),
        ("truncated-at-boundary", "ssh-rsa-cert-v01@openssh.com", "serial"),
        ("truncated-at-boundary", "ecdsa-sha2-nistp256-cert-v01@openssh.com", "signature key"),
        ("truncated-mid-field", "ssh-rsa", "n"),
        ("truncated-mid-field", "ecdsa-sha2-nistp384", "Q"),
        ("truncated-mid-field", "ssh-dss-cert-v00@openssh.com", "nonce"),
        ("truncated-mid-field", "ssh-dss-cert-v01@openssh.com", "extensions"),
        ("truncated-mid-field", "ssh-rsa-cert-v01@openssh.com", "signature"),
    ):
        reaches(broken_keys((key_type,), (family,)), lambda s, f=field: f"'{f}'" in s.description)


def test_not_a_key_includes_the_documentation_example() -> None:
    bodies = {s.body for s in _samples("not-a-key", 100)}
    assert DOC_EXAMPLE_BODY in bodies


def test_undocumented_types() -> None:
    """IKP-K3: the line's type is never documented; the known ones ssh-keygen reads are real
    keys of that type (so the only thing wrong is the type), made-up ones it refuses."""
    samples = _samples("undocumented-type", 300)
    types = {s.body.split()[0] for s in samples}
    assert types >= set(UNDOCUMENTED_KEY_TYPES)
    assert not types & set(DOCUMENTED_KEY_TYPES)
    made_up = [s.body for s in samples if s.body.split()[0] in MADE_UP_TYPES]
    assert made_up and all(fp is None for fp in parallel(keygen_md5, made_up))
    real = [s for s in samples if s.body.split()[0] in ("ssh-ed25519", "sk-ssh-ed25519@openssh.com")]
    for sample, fp in zip(real, parallel(keygen_md5, [s.body for s in real]), strict=True):
        assert fp is not None, sample.body


def test_private_keys() -> None:
    """IKP-K3: a private key pasted by mistake, in OpenSSH and PEM forms; no public-key loader
    takes it, while cryptography reads it as the private key it is."""
    samples = _samples("private-key", 150)
    markers = {s.body.splitlines()[0] for s in samples}
    assert "-----BEGIN OPENSSH PRIVATE KEY-----" in markers and "-----BEGIN PRIVATE KEY-----" in markers
    assert markers & {"-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN EC PRIVATE KEY-----"}
    for sample in samples:
        assert _cryptography_rejects(sample.body)
        with pytest.raises(ValueError):
            serialization.load_pem_public_key(sample.body.encode())
        if "OPENSSH" in sample.body:
            serialization.load_ssh_private_key(sample.body.encode(), None)
        else:
            serialization.load_pem_private_key(sample.body.encode(), None)


def test_curve_and_point_families_are_what_they_say() -> None:
    for sample in _samples("curve-mismatch", 40):
        inner = sample.blob or b""
        type_name = inner[4 : 4 + int.from_bytes(inner[:4], "big")].decode()
        curve = type_name.removeprefix("ecdsa-sha2-")
        assert curve.encode() not in inner[4 + len(type_name) :][:16]
    for sample in _samples("point-off-curve", 40):
        token = sample.body.split()[1]
        assert base64.b64decode(token) == sample.blob
        with pytest.raises(ValueError):
            serialization.load_ssh_public_key(sample.body.encode())


def test_every_family_is_drawn_and_types_filter() -> None:
    samples = collect(broken_keys(), 300)
    for family in BROKEN_FAMILIES:
        reaches(broken_keys(), lambda s, f=family: s.rule == f, samples)
    for s in collect(broken_keys(("ssh-dss",)), 100):
        assert s.key_type == "ssh-dss"


def test_wrong_inner_type_never_relabels_fields_that_would_parse() -> None:
    """IKP-K3 soundness: ECDSA fields are never relabelled as RSA or DSA, nor RSA as DSA or
    back (mpints read any bytes, so those can parse: only a numeric check rejects them,
    IKP-K5); every relabelling is a plain name or an ECDSA certificate name."""
    seen = set()
    for sample in _samples("cert-wrong-inner-type", 300):
        own = (sample.key_type or "").split("-cert-")[0]
        name = sample.body.split()[0]
        seen.add((own, name))
        assert name == own or (name.startswith("ecdsa-") and not name.startswith(own + "-cert-")), name
    assert {own for own, _ in seen} >= {"ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256"}
    assert any(name != own for own, name in seen)
