"""Each issue-12 fault really deviates: the one request (or short exchange) that shows it gets
another answer from the faulty server than from the clean one.

These faults were written from the contract's text before the suite was run against them, so
whether the suite catches them is measured elsewhere (``benchmarks/mutation.py``); here each
probe is sent to a clean and to a faulty in-process server over 127.0.0.1 and the two
observations must differ. A probe also asserts what the clean server answers (the contract's
answer), so a probe that stopped reaching the rule cannot pass by accident.
"""

from __future__ import annotations

import base64
import re
import time
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from reference import certs  # tests/reference (pytest puts tests/ on the path)
from reference.rawhttp import Reply, call

from conformance import contract
from conformance.mutants.faults import FAULTS
from conformance.reference import RunningServer, keys, start_server
from conformance.reference.store import KeyPair

REGION = contract.DEFAULT_REGION
IMPORT = contract.ACTION_IMPORT
FORM = "application/x-www-form-urlencoded"


def _openssh(private: Any, comment: str = "probe key") -> str:
    line = private.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    return f"{line.decode()} {comment}"


_RSA = rsa.generate_private_key(public_exponent=65537, key_size=1024)
RSA = _openssh(_RSA)
RSA_OTHER = _openssh(rsa.generate_private_key(public_exponent=65537, key_size=1024))
DSA = _openssh(dsa.generate_private_key(key_size=1024))
ECDSA = _openssh(ec.generate_private_key(ec.SECP256R1()))
CERT = certs.line(certs.v01_certificate(rsa.generate_private_key(65537, 1024).public_key(), _RSA))


def _ecdsa_with_a_small_byte() -> str:
    """An ECDSA key whose fingerprint has a byte below 0x10 (so zero padding shows)."""
    while True:
        body = _openssh(ec.generate_private_key(ec.SECP256R1()))
        if any(pair.startswith("0") for pair in keys.parse_public_key(body).fingerprint.split(":")):
            return body


ECDSA_SMALL_BYTE = _ecdsa_with_a_small_byte()


def _truncated_certificate() -> str:
    blob = certs.v01_certificate(rsa.generate_private_key(65537, 1024).public_key(), _RSA)[:-20]
    return f"ssh-rsa-cert-v01@openssh.com {base64.b64encode(blob).decode()} cut"


TRUNCATED_CERT = _truncated_certificate()

Observation = tuple[Any, ...]


def _seen(reply: Reply) -> Observation:
    """Status, Code and the two success fields of a JSON reply."""
    data = reply.json()
    return reply.status, data.get("Code"), data.get("KeyPairName"), data.get("KeyPairFingerPrint")


def _import(server: RunningServer, name: str = "probe-key", body: str = RSA, **extra: str) -> Observation:
    params = {"Action": IMPORT, "RegionId": REGION, "KeyPairName": name, "PublicKeyBody": body, **extra}
    return _seen(call(server.url, params))


def _form(
    server: RunningServer, data: bytes, content_type: str = FORM, query: dict[str, str] | None = None
) -> Reply:
    return call(server.url, query or {}, method="POST", body=data, headers={"Content-Type": content_type},
                fmt=None, version=None)  # fmt: skip


def _form_params(name: str = "probe-key", body: str = RSA, **extra: str) -> dict[str, str]:
    return {"Action": IMPORT, "Version": contract.API_VERSION, "Format": "JSON", "RegionId": REGION,
            "KeyPairName": name, "PublicKeyBody": body, **extra}  # fmt: skip


def _import_params() -> dict[str, str]:
    return {"Action": IMPORT, "RegionId": REGION, "KeyPairName": "probe-key", "PublicKeyBody": RSA}


def _describe(server: RunningServer, fmt: str = "JSON") -> Reply:
    return call(
        server.url, {"Action": contract.ACTION_DESCRIBE, "RegionId": REGION, "PageSize": "50"}, fmt=fmt
    )


def _listed(server: RunningServer) -> Observation:
    items = _describe(server).json()["KeyPairs"]["KeyPair"]
    return tuple(
        (
            i["KeyPairName"],
            i["KeyPairFingerPrint"],
            tuple((t["TagKey"], t["TagValue"]) for t in i["Tags"]["Tag"]),
        )
        for i in items
    )


def _fill(server: RunningServer, count: int) -> None:
    """``count`` key pairs stored directly (the quota edge without 500 requests)."""
    for n in range(count):
        server.store.add(
            KeyPair(REGION, f"filler-{n}", "00", RSA, contract.DEFAULT_RESOURCE_GROUP, (), time.time())
        )


# -- the probes, one per fault (each returns what a client would see) ----------------------------


def _name(name: str) -> Callable[[RunningServer], Observation]:
    return lambda server: _import(server, name=name)


def _tag(**tags: str) -> Callable[[RunningServer], Observation]:
    return lambda server: _import(server, **tags)


def _at_quota(server: RunningServer) -> Observation:
    _fill(server, contract.KEY_PAIRS_PER_REGION)
    return _import(server)


def _after_a_reject_at_499(server: RunningServer) -> Observation:
    _fill(server, contract.KEY_PAIRS_PER_REGION - 1)
    assert _import(server, name="1bad")[0] == 400
    return _import(server)


def _after_delete_at_500(server: RunningServer) -> Observation:
    _fill(server, contract.KEY_PAIRS_PER_REGION)
    reply = call(
        server.url, {"Action": contract.ACTION_DELETE, "RegionId": REGION, "KeyPairNames": '["filler-0"]'}
    )
    assert reply.status == 200
    return _import(server)


def _fingerprint_of(body: str) -> Callable[[RunningServer], Observation]:
    return lambda server: _import(server, body=body)


def _plus_form(server: RunningServer) -> Observation:
    return _seen(_form(server, urllib.parse.urlencode(_form_params()).encode()))


def _lowercase_escapes(server: RunningServer) -> Observation:
    data = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), urllib.parse.urlencode(_form_params()))
    assert data != urllib.parse.urlencode(_form_params())
    return _seen(_form(server, data.encode()))


def _charset_form(server: RunningServer) -> Observation:
    return _seen(_form(server, urllib.parse.urlencode(_form_params()).encode(), FORM + "; charset=UTF-8"))


def _split(server: RunningServer) -> Observation:
    body = {k: v for k, v in _form_params().items() if k in ("KeyPairName", "PublicKeyBody")}
    query = {k: v for k, v in _form_params().items() if k not in body}
    return _seen(_form(server, urllib.parse.urlencode(body).encode(), query=query))


def _xml_tag_value(server: RunningServer) -> Observation:
    assert _import(server, **{"Tag.1.Key": "team", "Tag.1.Value": "R&D <core>"})[0] == 200
    raw = _describe(server, fmt="XML").raw
    try:
        root = ET.fromstring(raw)
    except ET.ParseError:
        return ("not XML",)
    return ("XML", root.findtext(".//TagValue"))


def _xml_import(server: RunningServer) -> Observation:
    reply = call(server.url, _import_params(), fmt="XML")
    root = ET.fromstring(reply.raw)
    return reply.status, root.tag, tuple(sorted(child.tag for child in root))


def _lowercase_format(server: RunningServer) -> Observation:
    reply = call(server.url, _import_params(), fmt="json")
    return reply.status, reply.raw.lstrip()[:1]


def _error_keys(server: RunningServer) -> Observation:
    reply = call(
        server.url, {"Action": IMPORT, "RegionId": REGION, "KeyPairName": "1bad", "PublicKeyBody": RSA}
    )
    return reply.status, tuple(sorted(reply.json()))


def _duplicate_then_describe(server: RunningServer) -> Observation:
    assert _import(server, **{"Tag.1.Key": "first", "Tag.1.Value": "1"})[0] == 200
    assert (
        _import(server, body=RSA_OTHER, **{"Tag.1.Key": "second", "Tag.1.Value": "2"})[1]
        == "KeyPair.AlreadyExist"
    )
    return _listed(server)


def _bad_group_then_again(server: RunningServer) -> Observation:
    assert _import(server, ResourceGroupId="rg-nosuchgroup0")[0] == 404
    return _import(server)


def _delete_prefix(server: RunningServer) -> Observation:
    assert _import(server, name="key-1")[0] == 200
    assert _import(server, name="key-10")[0] == 200
    reply = call(
        server.url, {"Action": contract.ACTION_DELETE, "RegionId": REGION, "KeyPairNames": '["key-1"]'}
    )
    assert reply.status == 200
    return tuple(item[0] for item in _listed(server))


def _v3_bad_name(server: RunningServer) -> Observation:
    headers = {"x-acs-action": IMPORT, "x-acs-version": contract.API_VERSION, "Accept": "application/json"}
    params = {"RegionId": REGION, "KeyPairName": "1bad name", "PublicKeyBody": RSA}
    return _seen(call(server.url, params, method="POST", headers=headers, fmt=None, version=None))


def _form_bad_tag(server: RunningServer) -> Observation:
    data = urllib.parse.urlencode(_form_params(**{"Tag.1.Key": "acs:system"})).encode()
    return _seen(_form(server, data))[:2]


def _get_at_quota(server: RunningServer) -> Observation:
    _fill(server, contract.KEY_PAIRS_PER_REGION)
    return _import(server)


def _form_truncated_cert(server: RunningServer) -> Observation:
    return _seen(_form(server, urllib.parse.urlencode(_form_params(body=TRUNCATED_CERT)).encode()))[:2]


OK = 200
MALFORMED_NAME = (400, contract.INVALID_KEY_PAIR_NAME.code)

# fault name -> (probe, what the clean server's observation starts with)
PROBES: dict[str, tuple[Callable[[RunningServer], Observation], Observation]] = {
    "name-trailing-newline-accepted": (_name("probe-key\n"), MALFORMED_NAME),
    "name-a-z-range-first": (_name("`probe-key"), MALFORMED_NAME),
    "name-a-z-range-rest": (_name("probe[key]"), MALFORMED_NAME),
    "name-last-char-unchecked": (_name("probe-key!"), MALFORMED_NAME),
    "name-second-char-unchecked": (_name("p!robe-key"), MALFORMED_NAME),
    "name-symbol-blacklist": (_name("probe#key"), MALFORMED_NAME),
    "name-http-word-rejected": (_name("httpKey"), (OK,)),
    "name-whitespace-stripped": (_name("probe-key "), MALFORMED_NAME),
    "tag-key-128-rejected": (_tag(**{"Tag.1.Key": "k" * contract.TAG_KEY_MAX_LENGTH}), (OK,)),
    "tag-key-129-accepted": (_tag(**{"Tag.1.Key": "k" * (contract.TAG_KEY_MAX_LENGTH + 1)}), (400,)),
    "tag-value-128-rejected": (_tag(**{"Tag.1.Key": "k", "Tag.1.Value": "v" * contract.TAG_VALUE_MAX_LENGTH}),
                               (OK,)),
    "tag-value-empty-rejected": (_tag(**{"Tag.1.Key": "k", "Tag.1.Value": ""}), (OK,)),
    "tag-index-0-accepted": (_tag(**{"Tag.0.Key": "k", "Tag.0.Value": "v"}), (400,)),
    "tag-lone-value-ignored": (_tag(**{"Tag.1.Value": "v"}), (400,)),
    "tag-length-in-bytes": (_tag(**{"Tag.1.Key": "k", "Tag.1.Value": "\u00e9" * 100}), (OK,)),
    "quota-status-400": (_at_quota, (403, contract.QUOTA_EXCEEDED.code)),
    "quota-spent-by-rejects": (_after_a_reject_at_499, (OK,)),
    "quota-not-freed-by-delete": (_after_delete_at_500, (OK,)),
    "fingerprint-ecdsa-point-only": (_fingerprint_of(ECDSA), (OK,)),
    "fingerprint-dss-of-base64": (_fingerprint_of(DSA), (OK,)),
    "fingerprint-rsa-uppercase": (_fingerprint_of(RSA), (OK,)),
    "fingerprint-cert-type-kept": (_fingerprint_of(CERT), (OK,)),
    "fingerprint-hex-unpadded": (_fingerprint_of(ECDSA_SMALL_BYTE), (OK,)),
    "fingerprint-rsa-unsigned-mpint": (_fingerprint_of(RSA), (OK,)),
    "form-plus-kept": (_plus_form, (OK,)),
    "form-lowercase-escape-rejected": (_lowercase_escapes, (OK,)),
    "form-charset-ignored": (_charset_form, (OK,)),
    "split-query-ignored": (_split, (OK,)),
    "xml-values-unescaped": (_xml_tag_value, ("XML", "R&D <core>")),
    "xml-fingerprint-renamed": (_xml_import, (OK, "ImportKeyPairResponse")),
    "format-case-sensitive": (_lowercase_format, (OK, b"{")),
    "json-error-keys-lowercase": (_error_keys, (400,)),
    "xml-success-root-response": (_xml_import, (OK, "ImportKeyPairResponse")),
    "duplicate-updates-stored": (_duplicate_then_describe, ()),
    "bad-group-reserves-name": (_bad_group_then_again, (OK,)),
    "delete-by-prefix": (_delete_prefix, ("key-10",)),
    "v3-skips-name-check": (_v3_bad_name, MALFORMED_NAME),
    "form-skips-tag-check": (_form_bad_tag, (400,)),
    "get-skips-quota": (_get_at_quota, (403, contract.QUOTA_EXCEEDED.code)),
    "form-skips-cert-check": (_form_truncated_cert, (400, contract.INVALID_PUBLIC_KEY_BODY.code)),
}  # fmt: skip


def _observe(probe: Callable[[RunningServer], Observation], fault: str | None) -> Observation:
    with start_server(fault=fault) as server:
        return probe(server)


@pytest.mark.parametrize("name", sorted(PROBES))
def test_fault_answers_differently_from_the_clean_server(name: str) -> None:
    probe, clean_start = PROBES[name]
    clean = _observe(probe, None)
    assert clean[: len(clean_start)] == clean_start, (name, clean)
    faulty = _observe(probe, name)
    assert faulty != clean, (name, faulty)


def test_every_issue_12_fault_has_a_probe() -> None:
    start = list(FAULTS).index("name-trailing-newline-accepted")
    assert sorted(list(FAULTS)[start:]) == sorted(PROBES)
    assert len(PROBES) >= 32


def test_clean_answers_are_the_contracts() -> None:
    """The clean observations the probes rest on, read once in full."""
    with start_server() as server:
        status, code, name, fingerprint = _import(server, body=ECDSA)
        assert (status, code, name) == (OK, None, "probe-key")
        assert fingerprint == keys.md5_fingerprint(base64.b64decode(ECDSA.split()[1]))
    dup = _observe(_duplicate_then_describe, None)
    assert dup[0][2] == (("first", "1"),)
