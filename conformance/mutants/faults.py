"""Fault injection: documented deviations a real mock could plausibly have (issue 7).

``python -m conformance.reference --fault NAME`` (or ``start_server(fault=NAME)``) starts the
reference server with exactly one of these. Each fault is a small named override of one field
of ``actions.Behaviour`` (a rule-function wrapper, a store or verifier subclass, a response
post-processor), composed at start-up, so the clean code path stays free of flags. Each names
the requirement(s) it breaks; together they cover every Core and Extended
requirement. ``benchmarks/mutation.py`` runs the whole suite against each one and reports
which requirement caught it; ``tests/mutation`` checks that each is caught (narrowing the
suite to the tests named by ``Fault.select``).

Codes, statuses and limits come from ``conformance.contract``; a fault only bends them.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import hashlib
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import unquote_to_bytes

from cryptography.hazmat.primitives import serialization

from conformance import contract
from conformance.contract import ErrorRow
from conformance.reference import actions, auth, errors, keys, tags, wire
from conformance.reference.actions import Behaviour, Config
from conformance.reference.store import KeyPair, KeyPairStore

T = TypeVar("T")

Apply = Callable[[Behaviour], Behaviour]


@dataclass(frozen=True)
class Fault:
    """One deliberate deviation: its name, what it breaks, and how it is applied."""

    name: str
    breaks: tuple[str, ...]  # requirement IDs the deviation violates
    description: str
    apply: Apply
    # A pytest -k expression selecting the conformance tests expected to catch it (the
    # mutation tests narrow the suite with it; the benchmark runs the whole suite).
    select: str


# -- building blocks -------------------------------------------------------------------------------


class Recast(errors.ApiError):
    """An error answered with another row's code, another status or another message."""

    def __init__(self, row: ErrorRow, message: str, status: int) -> None:
        self._row, self._status = row, status
        super().__init__(message)

    @property
    def status(self) -> int:
        return self._status

    @property
    def code(self) -> str:
        return self._row.code


def recode(codes: str | tuple[str, ...], row: ErrorRow, parameter: str = "") -> Apply:
    """Errors with one of ``codes`` are answered with ``row`` instead (its message names the
    error's parameter, or ``parameter``)."""
    wanted = (codes,) if isinstance(codes, str) else codes

    def adjust(error: errors.ApiError) -> errors.ApiError:
        if error.code not in wanted:
            return error
        name = getattr(error, "parameter", parameter)
        return Recast(row, row.message.format(name=name), row.status)

    return lambda b: dataclasses.replace(b, adjust_error=chain_errors(b.adjust_error, adjust))


def chain_errors(
    first: Callable[[errors.ApiError], errors.ApiError], then: Callable[[errors.ApiError], errors.ApiError]
) -> Callable[[errors.ApiError], errors.ApiError]:
    return lambda error: then(first(error))


def name_rule(rule: Callable[[str, Callable[[str], str]], str]) -> Apply:
    """Wrap the name check: ``rule(name, clean_check)``."""

    def apply(b: Behaviour) -> Behaviour:
        inner = b.check_name
        return dataclasses.replace(b, check_name=lambda name: rule(name, inner))

    return apply


def _reject_length(length: int) -> Apply:
    def rule(name: str, inner: Callable[[str], str]) -> str:
        if len(name) == length:
            raise errors.InvalidKeyPairName()
        return inner(name)

    return name_rule(rule)


def _accept_129(name: str, inner: Callable[[str], str]) -> str:
    if len(name) == contract.NAME_MAX_LENGTH + 1:
        inner(name[: contract.NAME_MAX_LENGTH])
        return name
    return inner(name)


def _accept_1(name: str, inner: Callable[[str], str]) -> str:
    if len(name) == contract.NAME_MIN_LENGTH - 1 and name.isascii() and name.isalpha():
        return name
    return inner(name)


def _first_allowed(chars: str) -> Apply:
    """A name starting with one of ``chars`` is checked as if it started with a letter."""

    def rule(name: str, inner: Callable[[str], str]) -> str:
        if name[:1] and name[0] in chars:
            inner("a" + name[1:])
            return name
        return inner(name)

    return name_rule(rule)


def _char_allowed(chars: str) -> Apply:
    """``chars`` are allowed anywhere after the first character."""

    def rule(name: str, inner: Callable[[str], str]) -> str:
        inner(name[:1] + "".join("a" if c in chars else c for c in name[1:]))
        return name

    return name_rule(rule)


def _colon_rejected(name: str, inner: Callable[[str], str]) -> str:
    if ":" in name:
        raise errors.InvalidKeyPairName()
    return inner(name)


def _url_prefix_accepted(name: str, inner: Callable[[str], str]) -> str:
    for prefix in contract.FORBIDDEN_NAME_PREFIXES:
        if name.startswith(prefix):
            inner(prefix.replace(":", "a").replace("/", "a") + name[len(prefix) :])
            return name
    return inner(name)


def _non_ascii_crashes(name: str, inner: Callable[[str], str]) -> str:
    if not name.isascii():
        raise errors.InternalError()  # e.g. a latin-1 encode deep in the mock
    return inner(name)


def prepare(step: Callable[[Mapping[str, str], Config], Mapping[str, str]]) -> Apply:
    """Add a step before the ImportKeyPair rules (may rewrite the parameters or raise)."""

    def apply(b: Behaviour) -> Behaviour:
        inner = b.prepare_import
        return dataclasses.replace(b, prepare_import=lambda p, c: step(inner(p, c), c))

    return apply


def _absent_name_malformed(params: Mapping[str, str], config: Config) -> Mapping[str, str]:
    if "KeyPairName" not in params:
        raise errors.InvalidKeyPairName()
    return params


def _absent_key_malformed(params: Mapping[str, str], config: Config) -> Mapping[str, str]:
    if not params.get("PublicKeyBody"):
        raise errors.InvalidPublicKeyBody()
    return params


def _region_defaulted(params: Mapping[str, str], config: Config) -> Mapping[str, str]:
    if not params.get("RegionId"):
        return {**params, "RegionId": contract.DEFAULT_REGION}
    return params


def _unknown_region_accepted(params: Mapping[str, str], config: Config) -> Mapping[str, str]:
    region = params.get("RegionId")
    if region and region not in config.regions:
        return {**params, "RegionId": contract.DEFAULT_REGION}
    return params


def _unknown_group_accepted(params: Mapping[str, str], config: Config) -> Mapping[str, str]:
    group = params.get("ResourceGroupId")
    if group and group not in config.resource_groups:
        return {k: v for k, v in params.items() if k != "ResourceGroupId"}
    return params


def _known_group_rejected(params: Mapping[str, str], config: Config) -> Mapping[str, str]:
    if params.get("ResourceGroupId") in config.resource_groups:
        raise errors.ResourceGroupNotFound()
    return params


# -- keys ------------------------------------------------------------------------------------------


def key_rule(rule: Callable[[str, Callable[[str], keys.PublicKey]], keys.PublicKey]) -> Apply:
    def apply(b: Behaviour) -> Behaviour:
        inner = b.parse_key
        return dataclasses.replace(b, parse_key=lambda body: rule(body, inner))

    return apply


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


def one_line(body: str) -> tuple[str, bytes] | None:
    """The type name and decoded blob of a one-line body, or None."""
    fields = body.split()
    if len(fields) < 2:
        return None
    try:
        return fields[0], base64.b64decode(fields[1], validate=True)
    except (binascii.Error, ValueError):
        return None


def accepted_as_is(key_type: str, blob: bytes) -> keys.PublicKey:
    return keys.PublicKey(key_type, blob, keys.md5_fingerprint(blob), False, blob)


def on_malformed(
    fallback: Callable[[str], keys.PublicKey | None],
) -> Apply:
    """Accept what the clean parser refuses when ``fallback(body)`` returns a key."""

    def rule(body: str, inner: Callable[[str], keys.PublicKey]) -> keys.PublicKey:
        try:
            return inner(body)
        except keys.MalformedKey:
            key = fallback(body)
            if key is None:
                raise
            return key

    return key_rule(rule)


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


# -- fingerprints ----------------------------------------------------------------------------------


def _fingerprint(fn: Callable[[keys.PublicKey, str], str]) -> Apply:
    def rule(body: str, inner: Callable[[str], keys.PublicKey]) -> keys.PublicKey:
        key = inner(body)
        return dataclasses.replace(key, fingerprint=fn(key, body))

    return key_rule(rule)


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


# -- tags ------------------------------------------------------------------------------------------

_TAG = re.compile(r"Tag\.([0-9]+)\.(Key|Value)")


TagParser = Callable[[Mapping[str, str]], tags.Tags]


def tag_rule(rule: Callable[[Mapping[str, str], TagParser], tags.Tags]) -> Apply:
    def apply(b: Behaviour) -> Behaviour:
        inner = b.parse_tags
        return dataclasses.replace(b, parse_tags=lambda params: rule(params, inner))

    return apply


def tolerate_tags(bad: Callable[[str, str], bool], stand_in: Callable[[str, str, int], str]) -> Apply:
    """Tag keys/values for which ``bad(part, text)`` holds are validated as ``stand_in``
    (part is "Key" or "Value") and stored as sent."""

    def rule(params: Mapping[str, str], inner: Callable[[Mapping[str, str]], tags.Tags]) -> tags.Tags:
        checked = dict(params)
        for name, text in params.items():
            m = _TAG.fullmatch(name)
            if m and bad(m.group(2), text):
                checked[name] = stand_in(m.group(2), text, int(m.group(1)))
        result = inner(checked)
        found = (_TAG.fullmatch(n) for n in params)
        indices = sorted({int(m.group(1)) for m in found if m and m.group(2) == "Key"})
        if len(indices) != len(result):
            return result
        return tuple((params[f"Tag.{n}.Key"], params.get(f"Tag.{n}.Value", "")) for n in indices)

    return tag_rule(rule)


def _tags_21_accepted(params: Mapping[str, str], inner: TagParser) -> tags.Tags:
    extra = contract.TAG_MAX_COUNT + 1
    own = {k: v for k, v in params.items() if k.startswith(f"Tag.{extra}.")}
    result = inner({k: v for k, v in params.items() if k not in own})
    if own:
        result += inner({k.replace(f"Tag.{extra}.", "Tag.1."): v for k, v in own.items()})
    return result


def _tags_20_rejected(params: Mapping[str, str], inner: TagParser) -> tags.Tags:
    if f"Tag.{contract.TAG_MAX_COUNT}.Key" in params:
        raise errors.InvalidTagCount()
    return inner(params)


def _starts_forbidden(part: str, text: str) -> bool:
    return part == "Key" and text.startswith(contract.TAG_KEY_FORBIDDEN_PREFIXES)


def _has_url(part: str, text: str) -> bool:
    return part == "Value" and any(s in text for s in contract.TAG_FORBIDDEN_SUBSTRINGS)


# -- state -----------------------------------------------------------------------------------------


def use_store(factory: Callable[[str | None], KeyPairStore]) -> Apply:
    return lambda b: dataclasses.replace(b, make_store=factory)


class _AcrossRegionsStore(KeyPairStore):
    """Counts the quota over all regions together."""

    def add(self, kp: KeyPair) -> None:
        with self._lock:
            total = sum(len(pairs) for pairs in self._regions.values())
            if total >= self._quota and kp.name not in self._regions.get(kp.region, {}):
                raise errors.QuotaExceeded()
        super().add(kp)


class _OverwritingStore(KeyPairStore):
    """An existing name is replaced instead of refused."""

    def add(self, kp: KeyPair) -> None:
        with self._lock:
            region = self._regions.setdefault(kp.region, {})
            if kp.name not in region and len(region) >= self._quota:
                raise errors.QuotaExceeded()
            region[kp.name] = kp
            self._version += 1


RACE_WINDOW_SECONDS = 0.05


class _RacyStore(KeyPairStore):
    """Checks, then inserts without holding the lock in between (a check-then-act race)."""

    def add(self, kp: KeyPair) -> None:
        region = self._regions.setdefault(kp.region, {})
        if kp.name in region:
            raise errors.KeyPairAlreadyExists()
        if len(region) >= self._quota:
            raise errors.QuotaExceeded()
        time.sleep(RACE_WINDOW_SECONDS)  # e.g. a database round trip between check and insert
        with self._lock:
            region[kp.name] = kp
            self._version += 1


def _import_inserting_first(params: Mapping[str, str], config: Config) -> dict[str, Any]:
    """ImportKeyPair that stores the name as soon as name and region look right, then
    validates the rest and keeps the record when that fails (IKP-S2 broken)."""
    rules = config.behaviour
    params = rules.prepare_import(params, config)
    region, name, body = params.get("RegionId"), params.get("KeyPairName"), params.get("PublicKeyBody")
    if not region:
        raise errors.MissingParameter("RegionId")
    if not name:
        raise errors.MissingParameter("KeyPairName")
    if not body:
        raise errors.MissingParameter("PublicKeyBody")
    if region not in config.regions:
        raise errors.RegionNotFound()
    rules.check_name(name)
    group = params.get("ResourceGroupId") or config.default_resource_group
    config.store.add(KeyPair(region, name, "", body, group, (), time.time()))
    try:
        key = rules.parse_key(body)
    except keys.MalformedKey:
        raise errors.InvalidPublicKeyBody() from None
    if group not in config.resource_groups:
        raise errors.ResourceGroupNotFound()
    tag_list = rules.parse_tags(params)
    config.store.delete(region, [name])
    config.store.add(KeyPair(region, name, key.fingerprint, body, group, tag_list, time.time()))
    return {"KeyPairName": name, "KeyPairFingerPrint": key.fingerprint}


def _action(name: str, fn: actions.Action) -> Apply:
    return lambda b: dataclasses.replace(b, actions={**b.actions, name: fn})


def _echo_lowercased(params: Mapping[str, str], config: Config) -> dict[str, Any]:
    result = actions.import_key_pair(params, config)
    return {**result, "KeyPairName": str(result["KeyPairName"]).lower()}


def _describe_edited(edit: Callable[[dict[str, Any]], None]) -> actions.Action:
    def describe(params: Mapping[str, str], config: Config) -> dict[str, Any]:
        result = actions.describe_key_pairs(params, config)
        for item in result["KeyPairs"]["KeyPair"]:
            edit(item)
        return result

    return describe


def _upper_fingerprint(item: dict[str, Any]) -> None:
    item["KeyPairFingerPrint"] = item["KeyPairFingerPrint"].upper()


def _no_tags(item: dict[str, Any]) -> None:
    item["Tags"] = {"Tag": []}


def _delete_forgets(params: Mapping[str, str], config: Config) -> dict[str, Any]:
    """Answers like DeleteKeyPairs, deletes nothing."""
    actions._region(params, config)
    actions._key_pair_names(params.get("KeyPairNames"))
    return {}


# -- wire ------------------------------------------------------------------------------------------


def _always_json(b: Behaviour) -> Behaviour:
    render, render_error = b.render, b.render_error
    return dataclasses.replace(
        b,
        render=lambda root, body, fmt: render(root, body, wire.FORMAT_JSON),
        render_error=lambda error, rid, fmt: render_error(error, rid, wire.FORMAT_JSON),
    )


def _error_root_response(b: Behaviour) -> Behaviour:
    return dataclasses.replace(
        b, render_error=lambda error, rid, fmt: b.render("Response", wire.error_body(error, rid), fmt)
    )


def _no_request_id(b: Behaviour) -> Behaviour:
    def strip(body: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in body.items() if k != "RequestId"}

    render = b.render
    return dataclasses.replace(
        b,
        render=lambda root, body, fmt: render(root, strip(body), fmt),
        render_error=lambda error, rid, fmt: render("Error", strip(wire.error_body(error, rid)), fmt),
    )


_OK = 200


def _errors_with_200(b: Behaviour) -> Behaviour:
    def adjust(error: errors.ApiError) -> errors.ApiError:
        return Recast(contract.ERRORS_BY_CODE.get(error.code, error.row), error.message, _OK)

    return dataclasses.replace(b, adjust_error=chain_errors(b.adjust_error, adjust))


_DOCUMENTED_CODES = frozenset(row.code for row in contract.IMPORT_ERROR_TABLE)


def _reworded(b: Behaviour) -> Behaviour:
    def adjust(error: errors.ApiError) -> errors.ApiError:
        if error.code not in _DOCUMENTED_CODES:
            return error
        row = contract.ERRORS_BY_CODE[error.code]
        return Recast(row, "The request is invalid: " + error.message.lower(), error.status)

    return dataclasses.replace(b, adjust_error=chain_errors(b.adjust_error, adjust))


def _no_form_body(b: Behaviour) -> Behaviour:
    return dataclasses.replace(b, form_body=False)


def _no_header_action(b: Behaviour) -> Behaviour:
    return dataclasses.replace(b, header_action=False)


# -- signatures ------------------------------------------------------------------------------------


class _NoNonceMemory(auth.NonceCache):
    def use(self, access_key_id: str, nonce: str, now: float | None = None) -> bool:
        return True


class _NonceForgettingVerifier(auth.Verifier):
    def __init__(self, access_keys: Mapping[str, str] | None) -> None:
        super().__init__(access_keys)
        self.nonces = _NoNonceMemory()


class _ClocklessVerifier(auth.Verifier):
    """Checks nonces but never the timestamp's age."""

    def _check_time_and_nonce(self, stamp: str, nonce: str, access_key_id: str) -> None:
        auth.parse_timestamp(stamp)
        if not self.nonces.use(access_key_id, nonce):
            raise errors.SignatureNonceUsed()


class _StaleAsFormatVerifier(auth.Verifier):
    """A stale timestamp answered as a badly formatted one."""

    def _check_time_and_nonce(self, stamp: str, nonce: str, access_key_id: str) -> None:
        try:
            super()._check_time_and_nonce(stamp, nonce, access_key_id)
        except errors.TimestampExpired:
            raise errors.TimestampFormat() from None


def use_verifier(factory: Callable[[Mapping[str, str] | None], auth.Verifier]) -> Apply:
    return lambda b: dataclasses.replace(b, make_verifier=factory)


# -- issue 12 arrivals: building blocks -------------------------------------------------------------
# Written from the contract's text (conformance/contract.py, requirements.md) before the suite
# was run against them; each is a bug a mock author plausibly writes.

_REQUEST = threading.local()


def _seen() -> auth.SignedRequest | None:
    """The request this thread is answering (remembered by ``_remembering``), if any."""
    request: auth.SignedRequest | None = getattr(_REQUEST, "current", None)
    return request


class _Remembering(auth.Verifier):
    """Delegates to the real verifier and remembers the request, so that a fault can look at
    the transport (method, headers, raw body) the clean hooks never see."""

    def __init__(self, inner: auth.Verifier) -> None:  # no super().__init__: all is delegated
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def verify(self, request: auth.SignedRequest) -> None:
        _REQUEST.current = request
        self._inner.verify(request)


def seeing_request(apply: Apply) -> Apply:
    """``apply`` on a behaviour whose verifier remembers each request for ``_seen``."""

    def wrap(b: Behaviour) -> Behaviour:
        factory = b.make_verifier
        return apply(dataclasses.replace(b, make_verifier=lambda keys_: _Remembering(factory(keys_))))

    return wrap


def _header(request: auth.SignedRequest, name: str) -> str | None:
    return next((v for k, v in request.headers if k.lower() == name), None)


def _is_v3(request: auth.SignedRequest | None) -> bool:
    return request is not None and _header(request, "x-acs-action") is not None


def _has_form_body(request: auth.SignedRequest | None) -> bool:
    return request is not None and request.method == "POST" and bool(request.body)


def _is_get(request: auth.SignedRequest | None) -> bool:
    return request is not None and request.method == "GET"


def _pieces(raw: bytes) -> list[tuple[bytes, bytes]]:
    return [(n, v) for n, _, v in (p.partition(b"=") for p in raw.split(b"&") if p)]


def _unquote_keeping_plus(raw: bytes) -> str:
    """``urllib.parse.unquote`` where ``unquote_plus`` was meant: '+' stays '+'."""
    return unquote_to_bytes(raw).decode("utf-8", "replace")


def _import_with(edit: Callable[[Mapping[str, str], auth.SignedRequest], Mapping[str, str]]) -> Apply:
    """ImportKeyPair on parameters rewritten by ``edit(params, request)`` (a decoding bug)."""

    def action(params: Mapping[str, str], config: Config) -> dict[str, Any]:
        request = _seen()
        return actions.import_key_pair(params if request is None else edit(params, request), config)

    return seeing_request(_action(contract.ACTION_IMPORT, action))


def _plus_kept(params: Mapping[str, str], request: auth.SignedRequest) -> Mapping[str, str]:
    if not _has_form_body(request):
        return params
    body = {_unquote_keeping_plus(n): _unquote_keeping_plus(v) for n, v in _pieces(request.body)}
    return {**params, **body}


_LOWER_ESCAPE = re.compile(rb"%(?:[a-f][0-9A-Fa-f]|[0-9A-F][a-f])")


def _lowercase_escape_refused(params: Mapping[str, str], request: auth.SignedRequest) -> Mapping[str, str]:
    # A hand-written decoder matching only %[0-9A-F]{2}: RFC 3986 2.1 says the case of the
    # hex digits does not matter, and IKP-T1 says every encoding a client sends must work.
    match = _LOWER_ESCAPE.search(request.body) if _has_form_body(request) else None
    if match:
        raise errors.InvalidParameter(match.group(0).decode())
    return params


def _body_with_charset_ignored(params: Mapping[str, str], request: auth.SignedRequest) -> Mapping[str, str]:
    content_type = _header(request, "content-type") or ""
    if not _has_form_body(request) or ";" not in content_type:
        return params
    # Content-Type compared with == "application/x-www-form-urlencoded": "; charset=UTF-8" loses the body.
    return dict(request.query)


def _query_ignored_with_body(params: Mapping[str, str], request: auth.SignedRequest) -> Mapping[str, str]:
    if not _has_form_body(request):
        return params
    body = wire.parse_params(request.body)
    # "params = body if body else query": the parameters a split request left in the query are lost.
    kept = {"Action", "Version", "Format", "AccessKeyId", "Signature", "SignatureNonce", "Timestamp"}
    return {k: v for k, v in params.items() if k in body or k in kept}


# names


def _newline_before_end(name: str, inner: Callable[[str], str]) -> str:
    # re.match(r"^[A-Za-z][A-Za-z0-9:_-]{1,127}$", name): '$' also matches before a final '\n'.
    if len(name) > contract.NAME_MIN_LENGTH and name.endswith("\n"):
        inner(name[:-1])
        return name
    return inner(name)


_A_TO_Z_EXTRA = "[\\]^`"  # what [A-z] holds besides letters and '_' (ASCII 0x5B..0x60)


def _last_char_unchecked(name: str, inner: Callable[[str], str]) -> str:
    # for i in range(1, len(name) - 1): the last character is never looked at.
    if len(name) >= contract.NAME_MIN_LENGTH:
        inner(name[:-1] + "a")
        return name
    return inner(name)


def _second_char_unchecked(name: str, inner: Callable[[str], str]) -> str:
    # the character loop starts at index 2 (the first was checked on its own, off by one).
    if len(name) >= contract.NAME_MIN_LENGTH:
        inner(name[0] + "a" + name[2:])
        return name
    return inner(name)


_BLACKLIST = frozenset(" /@'\"\\<>")
_ASCII_SYMBOLS = frozenset(chr(c) for c in range(0x21, 0x7F)) - set(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)


def _symbol_blacklist(name: str, inner: Callable[[str], str]) -> str:
    # a list of forbidden symbols instead of a list of allowed characters: '#', '!', '+', '=' pass.
    allowed = _ASCII_SYMBOLS - _BLACKLIST
    inner(name[:1] + "".join("a" if c in allowed else c for c in name[1:]))
    return name


def _http_word_refused(name: str, inner: Callable[[str], str]) -> str:
    # name.lower().startswith("http"): the prefix rule (http:// and https:// only) read too widely.
    if name.lower().startswith("http"):
        raise errors.InvalidKeyPairName()
    return inner(name)


def _stripped_first(name: str, inner: Callable[[str], str]) -> str:
    # name.strip() before the check: " key" and "key " pass (space is forbidden, IKP-N3/N4).
    stripped = name.strip()
    if stripped and stripped != name:
        inner(stripped)
        return name
    return inner(name)


# tags


def _tag_texts(params: Mapping[str, str]) -> Iterable[tuple[str, str]]:
    for name, text in params.items():
        m = _TAG.fullmatch(name)
        if m:
            yield m.group(2), text


def _refuse_tags(bad: Callable[[str, str], bool]) -> Apply:
    """Tags for which ``bad(part, text)`` holds are refused with the part's error."""

    def rule(params: Mapping[str, str], inner: TagParser) -> tags.Tags:
        for part, text in _tag_texts(params):
            if bad(part, text):
                raise errors.InvalidTagKey() if part == "Key" else errors.InvalidTagValue()
        return inner(params)

    return tag_rule(rule)


def _index_accepted(index: int) -> Callable[[Mapping[str, str], TagParser], tags.Tags]:
    """Tag.<index>.* (outside 1..20) parsed as if it were a legal N."""

    def rule(params: Mapping[str, str], inner: TagParser) -> tags.Tags:
        own = {k: v for k, v in params.items() if k.startswith(f"Tag.{index}.")}
        result = inner({k: v for k, v in params.items() if k not in own})
        if own:
            result += inner({k.replace(f"Tag.{index}.", "Tag.1."): v for k, v in own.items()})
        return result

    return rule


def _lone_values_dropped(params: Mapping[str, str], inner: TagParser) -> tags.Tags:
    # for n in keys: ...: a Tag.N.Value whose Tag.N.Key is absent is never looked at.
    kept = {
        k: v
        for k, v in params.items()
        if not (k.startswith("Tag.") and k.endswith(".Value") and k[: -len("Value")] + "Key" not in params)
    }
    return inner(kept)


def _tags_unchecked_on_forms(params: Mapping[str, str], inner: TagParser) -> tags.Tags:
    if not _has_form_body(_seen()):
        return inner(params)
    # the form-body handler copies Tag.N.* into the record without calling the validator
    found = sorted(
        {int(m.group(1)) for m in (_TAG.fullmatch(n) for n in params) if m and m.group(2) == "Key"}
    )
    return tuple((params[f"Tag.{n}.Key"], params.get(f"Tag.{n}.Value", "")) for n in found)


# quota and state


def _quota_status(status: int) -> Apply:
    def adjust(error: errors.ApiError) -> errors.ApiError:
        if error.code != contract.QUOTA_EXCEEDED.code:
            return error
        return Recast(contract.QUOTA_EXCEEDED, error.message, status)

    return lambda b: dataclasses.replace(b, adjust_error=chain_errors(b.adjust_error, adjust))


class _TallyStore(KeyPairStore):
    """A store with a per-region tally of slots used besides the stored pairs (a counter that
    a fault forgets to roll back)."""

    def __init__(self, state_file: str | None = None, quota: int = contract.KEY_PAIRS_PER_REGION) -> None:
        super().__init__(state_file, quota)
        self.extra: dict[str, int] = {}

    def add(self, kp: KeyPair) -> None:
        with self._lock:
            held = self._regions.get(kp.region, {})
            if len(held) + self.extra.get(kp.region, 0) >= self._quota and kp.name not in held:
                raise errors.QuotaExceeded()
        super().add(kp)

    def spend(self, region: str) -> None:
        with self._lock:
            self.extra[region] = self.extra.get(region, 0) + 1


def _import_spending_on_rejects(params: Mapping[str, str], config: Config) -> dict[str, Any]:
    # counter += 1 before validating, decremented only on... nothing: a rejected import uses a slot
    try:
        return actions.import_key_pair(params, config)
    except errors.ApiError as error:
        region = params.get("RegionId")
        store = config.store
        quota_refusal = error.code == contract.QUOTA_EXCEEDED.code
        if isinstance(store, _TallyStore) and region and region in config.regions and not quota_refusal:
            store.spend(region)
        raise


class _DeleteKeepsSlotStore(_TallyStore):
    """DeleteKeyPairs removes the pair but the quota counter is never decremented."""

    def delete(self, region: str, names: Iterable[str]) -> int:
        removed = super().delete(region, names)
        for _ in range(removed):
            self.spend(region)
        return removed


class _GetSkipsQuotaStore(KeyPairStore):
    """The GET handler inserts without the quota check (only the POST handler has it)."""

    def add(self, kp: KeyPair) -> None:
        if not _is_get(_seen()):
            super().add(kp)
            return
        with self._lock:
            region = self._regions.setdefault(kp.region, {})
            if kp.name in region:
                raise errors.KeyPairAlreadyExists()
            region[kp.name] = kp
            self._version += 1


class _DuplicateUpdatesStore(KeyPairStore):
    """A duplicate is refused, but only after the record was updated with the new key and tags
    (an upsert followed by the existence check)."""

    def add(self, kp: KeyPair) -> None:
        with self._lock:
            region = self._regions.get(kp.region, {})
            old = region.get(kp.name)
            if old is not None:
                region[kp.name] = dataclasses.replace(kp, created=old.created)
                self._version += 1
                raise errors.KeyPairAlreadyExists()
        super().add(kp)


def _import_reserving_on_bad_group(params: Mapping[str, str], config: Config) -> dict[str, Any]:
    # the record is inserted, then the resource group is looked up and the insert not undone
    try:
        return actions.import_key_pair(params, config)
    except errors.ResourceGroupNotFound:
        region, name = str(params.get("RegionId")), str(params.get("KeyPairName"))
        group = str(params.get("ResourceGroupId"))
        body = str(params.get("PublicKeyBody"))
        with contextlib.suppress(errors.ApiError):
            config.store.add(KeyPair(region, name, "", body, group, (), time.time()))
        raise


def _delete_by_prefix(params: Mapping[str, str], config: Config) -> dict[str, Any]:
    # DELETE ... WHERE name LIKE :name || '%': "key-1" also removes "key-10"
    region = actions._region(params, config)
    wanted = actions._key_pair_names(params.get("KeyPairNames"))
    doomed = [kp.name for kp in config.store.pairs_in(region) if any(kp.name.startswith(w) for w in wanted)]
    config.store.delete(region, doomed)
    return {}


# fingerprints per key type


def _only(types: Callable[[keys.PublicKey], bool], fn: Callable[[keys.PublicKey, str], str]) -> Apply:
    return _fingerprint(lambda k, body: fn(k, body) if types(k) else k.fingerprint)


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


def _cert_unparsed_on_forms(body: str) -> keys.PublicKey | None:
    line = one_line(body)
    if line is None or not _has_form_body(_seen()) or line[0] not in contract.CERTIFICATE_KEY_TYPES:
        return None
    return accepted_as_is(*line)  # the form-body handler only checks the type name and base64


def _name_unchecked_on_v3(name: str, inner: Callable[[str], str]) -> str:
    return name if _is_v3(_seen()) else inner(name)


# formats

_FORMAT = threading.local()


def _remember_format(b: Behaviour) -> Behaviour:
    admit = b.admit

    def remember(action: str | None, params: Mapping[str, str]) -> None:
        _FORMAT.sent = params.get("Format")
        admit(action, params)

    return dataclasses.replace(b, admit=remember)


def _format_case_sensitive(b: Behaviour) -> Behaviour:
    # if params["Format"] == "JSON": ... else XML: "json" and "Json" get XML (IKP-T2: case-insensitive)
    b = _remember_format(b)
    render, render_error = b.render, b.render_error

    def fmt_of(fmt: str) -> str:
        sent, _FORMAT.sent = getattr(_FORMAT, "sent", None), None
        return wire.FORMAT_XML if sent and sent not in (wire.FORMAT_JSON, wire.FORMAT_XML) else fmt

    return dataclasses.replace(
        b,
        render=lambda root, body, fmt: render(root, body, fmt_of(fmt)),
        render_error=lambda error, rid, fmt: render_error(error, rid, fmt_of(fmt)),
    )


def _xml_unescaped(b: Behaviour) -> Behaviour:
    # the XML of successes built with f"<{k}>{v}</{k}>": '&' and '<' in tag values are not escaped
    render = b.render

    def raw(root: str, body: Mapping[str, Any], fmt: str) -> tuple[bytes, str]:
        data, content_type = render(root, body, fmt)
        if fmt != wire.FORMAT_XML:
            return data, content_type
        return data.replace(b"&lt;", b"<").replace(b"&gt;", b">").replace(b"&amp;", b"&"), content_type

    return dataclasses.replace(b, render=raw)


def _xml_field_renamed(b: Behaviour) -> Behaviour:
    # the XML template spells the element <KeyPairFingerprint>; the JSON path is right
    render = b.render

    def renamed(root: str, body: Mapping[str, Any], fmt: str) -> tuple[bytes, str]:
        if fmt == wire.FORMAT_XML and root == contract.ACTION_IMPORT + "Response":
            body = {("KeyPairFingerprint" if k == "KeyPairFingerPrint" else k): v for k, v in body.items()}
        return render(root, body, fmt)

    return dataclasses.replace(b, render=renamed)


def _json_error_keys_lowercase(b: Behaviour) -> Behaviour:
    # errors serialised from a Go-style struct with json:"code" tags
    render_error = b.render_error

    def lower(error: errors.ApiError, rid: str, fmt: str) -> tuple[bytes, str]:
        if fmt != wire.FORMAT_JSON:
            return render_error(error, rid, fmt)
        body = {k[:1].lower() + k[1:]: v for k, v in wire.error_body(error, rid).items()}
        return b.render("Error", body, fmt)

    return dataclasses.replace(b, render_error=lower)


def _xml_success_root_response(b: Behaviour) -> Behaviour:
    render = b.render
    return dataclasses.replace(
        b, render=lambda root, body, fmt: render("Response" if fmt == wire.FORMAT_XML else root, body, fmt)
    )


# -- the catalogue ---------------------------------------------------------------------------------

_QUOTA = contract.KEY_PAIRS_PER_REGION
_NAMES = "test_name_boundary_rows"
_KEYS_OK = "test_plain_keys or test_every_rsa_size or test_certificates"
_BROKEN = "test_broken_keys"
_TAGS = "test_tag_boundary_rows"
_ENCODINGS = "test_every_transport_and_format or test_every_client_encoding"
_SIG = "test_bad_signatures or test_reused_nonce or test_correct_signatures"


def _f(name: str, breaks: str, description: str, apply: Apply, select: str) -> Fault:
    return Fault(name, tuple(breaks.split()), description, apply, select)


FAULT_LIST: tuple[Fault, ...] = (
    # Transport and formats (IKP-T1..T5)
    _f("form-body-ignored", "IKP-T1", "parameters in a form-encoded POST body are ignored",
       _no_form_body, "test_every_transport_and_format or test_correct_signatures"),
    _f("v3-header-action-ignored", "IKP-T1", "Action/Version in x-acs-* headers (V3) are ignored",
       _no_header_action, "test_every_transport_and_format"),
    _f("xml-answered-as-json", "IKP-T2", "Format=XML is answered with a JSON body",
       _always_json, "test_every_transport_and_format or test_format_value"),
    _f("no-request-id", "IKP-T3", "bodies carry no RequestId", _no_request_id, _NAMES),
    _f("xml-error-root-response", "IKP-T4", "XML errors have the root <Response> instead of <Error>",
       _error_root_response, "test_every_transport_and_format or test_format_value"),
    _f("errors-with-200", "IKP-T4", "errors are answered with HTTP 200", _errors_with_200, _NAMES),
    _f("non-ascii-name-500", "IKP-T5", "a non-ASCII name crashes the mock (500 InternalError)",
       name_rule(_non_ascii_crashes), "test_profile_names or test_name_boundary_rows"),
    # Success response (IKP-R1..R3)
    _f("name-echoed-lowercased", "IKP-R1", "KeyPairName is echoed in lower case",
       _action(contract.ACTION_IMPORT, _echo_lowercased), "test_valid_names or test_two_character"),
    _f("fingerprint-sha256", "IKP-R2", "SHA-256 instead of MD5",
       _fingerprint(lambda k, body: _colons(hashlib.sha256(k.plain_blob).digest())), _KEYS_OK),
    _f("fingerprint-uppercase", "IKP-R2", "upper-case hex",
       _fingerprint(lambda k, body: k.fingerprint.upper()), _KEYS_OK),
    # Colon-less hex is a legal reading (IKP-R2, observed on real ECS): a variant, not a fault.
    _f("fingerprint-md5-prefixed", "IKP-R2", "ssh-keygen's 'MD5:' prefix kept in the fingerprint",
       _fingerprint(lambda k, body: "MD5:" + k.fingerprint), _KEYS_OK),
    _f("fingerprint-md5-of-text", "IKP-R2", "MD5 over the PublicKeyBody text, not the decoded blob",
       _fingerprint(lambda k, body: _colons(hashlib.md5(body.strip().encode()).digest())), _KEYS_OK),
    _f("fingerprint-md5-of-der", "IKP-R2", "MD5 over the DER SubjectPublicKeyInfo (plain keys)",
       _fingerprint(_der_md5), _KEYS_OK),
    _f("fingerprint-cert-ca-key", "IKP-R2", "a certificate is fingerprinted by its CA's key",
       _fingerprint(_ca_md5), "test_certificates"),
    _f("messages-reworded", "IKP-R3", "documented error messages reworded (caught with --strict-messages)",
       _reworded, _NAMES),
    # KeyPairName (IKP-N1..N4, N6)
    _f("name-absent-malformed", "IKP-N1", "an absent KeyPairName gives InvalidKeyPairName.Malformed",
       prepare(_absent_name_malformed), "test_missing_name or test_format_value"),
    _f("name-rejects-2", "IKP-N2", "2-character names are rejected",
       _reject_length(contract.NAME_MIN_LENGTH), "test_two_character"),
    _f("name-rejects-128", "IKP-N2", "128-character names are rejected",
       _reject_length(contract.NAME_MAX_LENGTH), _NAMES),
    _f("name-accepts-129", "IKP-N2", "129-character names are accepted",
       name_rule(_accept_129), _NAMES),
    _f("name-accepts-1", "IKP-N2", "1-character names are accepted", name_rule(_accept_1),
       _NAMES),
    _f("name-digit-first", "IKP-N3", "a digit first is accepted", _first_allowed("0123456789"),
       _NAMES),
    _f("name-underscore-first", "IKP-N3", "'_' first is accepted", _first_allowed("_"), _NAMES),
    _f("name-colon-first", "IKP-N3", "':' first is accepted", _first_allowed(":"), _NAMES),
    _f("name-space-allowed", "IKP-N4", "spaces are accepted", _char_allowed(" "), _NAMES),
    _f("name-slash-allowed", "IKP-N4", "'/' is accepted", _char_allowed("/"), _NAMES),
    _f("name-at-allowed", "IKP-N4", "'@' is accepted", _char_allowed("@"), _NAMES),
    _f("name-colon-rejected", "IKP-N4", "':' is rejected", name_rule(_colon_rejected), _NAMES),
    _f("name-url-prefix-accepted", "IKP-N4", "names starting http:// or https:// are accepted",
       name_rule(_url_prefix_accepted), _NAMES),
    _f("name-wrong-code", "IKP-N2 IKP-N3 IKP-N4", "bad names get InvalidParameter",
       recode(contract.INVALID_KEY_PAIR_NAME.code, contract.INVALID_PARAMETER, "KeyPairName"),
       _NAMES),
    _f("duplicate-overwrites", "IKP-N6", "importing an existing name replaces it",
       use_store(lambda state: _OverwritingStore(state)), "test_duplicate_name"),
    # PublicKeyBody (IKP-K1..K3)
    _f("key-absent-malformed", "IKP-K1", "no or an empty PublicKeyBody gives InvalidPublicKeyBody.Malformed",
       prepare(_absent_key_malformed), "test_missing_key"),
    _f("rejects-ssh-dss", "IKP-K2", "ssh-dss keys are refused",
       _reject_keys(lambda k: k.key_type == "ssh-dss"), "test_plain_keys"),
    _f("rejects-nistp384", "IKP-K2", "ecdsa-sha2-nistp384 keys are refused",
       _reject_keys(lambda k: k.key_type == "ecdsa-sha2-nistp384"), "test_plain_keys"),
    _f("rejects-rsa-4096", "IKP-K2", "4096-bit RSA keys are refused",
       _reject_keys(lambda k: not k.is_certificate and _rsa_bits(k) == max(contract.RSA_KEY_SIZES)),
       "test_every_rsa_size"),
    _f("rejects-cert-v00", "IKP-K2", "v00 certificates are refused",
       _reject_keys(lambda k: k.key_type.endswith(keys._CERT_V00)), "test_certificates"),
    _f("rejects-dss-cert-v01", "IKP-K2", "DSA v01 certificates are refused",
       _reject_keys(lambda k: k.key_type == "ssh-dss-cert-v01@openssh.com"), "test_certificates"),
    _f("rejects-ecdsa-certs", "IKP-K2", "ECDSA certificates are refused",
       _reject_keys(lambda k: k.is_certificate and k.key_type.startswith("ecdsa-")), "test_certificates"),
    _f("key-prefix-only", "IKP-K3", "only the type name at the start is checked",
       on_malformed(_prefix_only), _BROKEN),
    _f("key-blob-not-parsed", "IKP-K3", "type name and base64 are checked, the blob is not parsed",
       on_malformed(_no_blob_parse), _BROKEN),
    _f("key-trailing-bytes", "IKP-K3", "bytes after the blob's last field are accepted",
       on_malformed(_trailing_bytes), _BROKEN),
    _f("key-type-mismatch", "IKP-K3", "the line's type name may differ from the blob's",
       on_malformed(_inner_type_trusted), _BROKEN),
    _f("key-curve-mismatch", "IKP-K3", "an ECDSA blob's curve name is not compared with the type",
       on_malformed(_curve_name_ignored), _BROKEN),
    _f("key-point-off-curve", "IKP-K3", "ECDSA points are not checked to be on the curve",
       on_malformed(_point_not_checked), _BROKEN),
    _f("key-ed25519-accepted", "IKP-K3", "ssh-ed25519 keys are accepted",
       on_malformed(_ed25519_accepted), _BROKEN),
    _f("key-private-accepted", "IKP-K3", "a pasted private key is accepted",
       on_malformed(_private_key_accepted), _BROKEN),
    _f("key-wrong-code", "IKP-K3", "malformed keys get InvalidParameter",
       recode(contract.INVALID_PUBLIC_KEY_BODY.code, contract.INVALID_PARAMETER, "PublicKeyBody"), _BROKEN),
    # RegionId and ResourceGroupId (IKP-G1..G3)
    _f("region-absent-defaulted", "IKP-G1", "a missing RegionId defaults to cn-hangzhou",
       prepare(_region_defaulted), "test_missing_or_unknown_region"),
    _f("region-unknown-accepted", "IKP-G2", "an unknown RegionId is accepted",
       prepare(_unknown_region_accepted), "test_missing_or_unknown_region or test_every_transport"),
    _f("group-unknown-accepted", "IKP-G3", "an unknown ResourceGroupId is accepted",
       prepare(_unknown_group_accepted), "test_unknown_resource_group"),
    _f("group-known-rejected", "IKP-G3", "the known resource group is refused",
       prepare(_known_group_rejected), "test_known_resource_group"),
    # Tags (IKP-TG1, TG2)
    _f("tags-20-rejected", "IKP-TG1", "20 tags are refused", tag_rule(_tags_20_rejected), _TAGS),
    _f("tags-21-accepted", "IKP-TG2", "Tag.21 is accepted", tag_rule(_tags_21_accepted), _TAGS),
    _f("tag-empty-key-accepted", "IKP-TG2", "an empty tag key is accepted",
       tolerate_tags(lambda part, t: part == "Key" and not t, lambda part, t, n: f"k{n}"), _TAGS),
    _f("tag-acs-key-accepted", "IKP-TG2", "tag keys starting acs: or aliyun are accepted",
       tolerate_tags(_starts_forbidden, lambda part, t, n: "x" + t), _TAGS),
    _f("tag-url-value-accepted", "IKP-TG2", "tag values containing http:// or https:// are accepted",
       tolerate_tags(_has_url, lambda part, t, n: t.replace("://", "x")), _TAGS),
    _f("tag-value-129-accepted", "IKP-TG2", "129-character tag values are accepted",
       tolerate_tags(
           lambda part, t: part == "Value" and len(t) == contract.TAG_VALUE_MAX_LENGTH + 1,
           lambda part, t, n: t[: contract.TAG_VALUE_MAX_LENGTH],
       ), _TAGS),
    # State (IKP-S1..S3)
    _f("quota-499", "IKP-S1", "the quota is 499", use_store(lambda state: KeyPairStore(state, _QUOTA - 1)),
       "test_quota"),
    _f("quota-501", "IKP-S1", "the quota is 501", use_store(lambda state: KeyPairStore(state, _QUOTA + 1)),
       "test_quota"),
    _f("quota-missing", "IKP-S1", "there is no quota",
       use_store(lambda state: KeyPairStore(state, sys.maxsize)), "test_quota"),
    _f("quota-across-regions", "IKP-S1", "the quota counts all regions together",
       use_store(lambda state: _AcrossRegionsStore(state)), "test_quota"),
    _f("failed-import-stored", "IKP-S2", "the name is stored before the key, group and tags are checked",
       _action(contract.ACTION_IMPORT, _import_inserting_first), "test_rejected_import"),
    _f("race-check-then-insert", "IKP-S3", "no lock between the duplicate/quota check and the insert",
       use_store(lambda state: _RacyStore(state)), "test_concurrent_imports_of_one_name"),
    # Extended (IKP-X1..X3)
    _f("describe-fingerprint-uppercase", "IKP-X1", "DescribeKeyPairs shows the fingerprint in upper case",
       _action(contract.ACTION_DESCRIBE, _describe_edited(_upper_fingerprint)), "test_describe"),
    _f("describe-drops-tags", "IKP-X1", "DescribeKeyPairs shows no tags",
       _action(contract.ACTION_DESCRIBE, _describe_edited(_no_tags)), "test_describe"),
    _f("delete-keeps-key-pair", "IKP-X2", "DeleteKeyPairs answers 200 but keeps the key pair",
       _action(contract.ACTION_DELETE, _delete_forgets), "test_delete_frees"),
    _f("nonce-reuse-accepted", "IKP-X3", "a reused SignatureNonce is accepted",
       use_verifier(_NonceForgettingVerifier), _SIG),
    _f("stale-timestamp-accepted", "IKP-X3", "timestamps more than 15 minutes off are accepted",
       use_verifier(_ClocklessVerifier), _SIG),
    _f("stale-timestamp-wrong-code", "IKP-X3", "a stale timestamp gives InvalidTimeStamp.Format",
       use_verifier(_StaleAsFormatVerifier), _SIG),
    # -- issue 12 arrivals, written from the contract before the suite was run against them ----
    # Each names the rule whose wording it contradicts (contract.py / requirements.md quoted).
    # Regex slips. IKP-N4: "ASCII letters, ASCII digits, ':', '_', '-' accepted. Space, ...,
    # control characters, ... and any other symbol -> InvalidKeyPairName.Malformed"; IKP-N3:
    # "First character an ASCII letter ... any non-letter -> Malformed".
    _f("name-trailing-newline-accepted", "IKP-N4", "re.match(...$): a valid name + '\\n' is accepted",
       name_rule(_newline_before_end), _NAMES),
    _f("name-a-z-range-first", "IKP-N3", "[A-z] first: '[', '\\\\', ']', '^', '`' accepted as letters",
       _first_allowed(_A_TO_Z_EXTRA), _NAMES),
    _f("name-a-z-range-rest", "IKP-N4", "[A-z] after the first: '[', '\\\\', ']', '^', '`' accepted",
       _char_allowed(_A_TO_Z_EXTRA), _NAMES),
    _f("name-last-char-unchecked", "IKP-N4", "the last character is never checked",
       name_rule(_last_char_unchecked), _NAMES),
    _f("name-second-char-unchecked", "IKP-N4", "the second character is never checked",
       name_rule(_second_char_unchecked), _NAMES),
    _f("name-symbol-blacklist", "IKP-N4", "only space / @ ' \" \\ < > refused: '#', '!', '+', '=' accepted",
       name_rule(_symbol_blacklist), _NAMES),
    _f("name-http-word-rejected", "IKP-N4", "any name starting 'http' (e.g. httpKey) is refused",
       name_rule(_http_word_refused), "test_valid_names or " + _NAMES),
    _f("name-whitespace-stripped", "IKP-N3 IKP-N4", "the name is strip()ped before the check",
       name_rule(_stripped_first), _NAMES),
    # Off-by-ones at each limit. IKP-TG1: "Up to 20 tags, N = 1..20, keys 1..128 characters,
    # values 0..128 characters (empty value allowed): accepted"; IKP-TG2: "key over 128; value
    # over 128; N = 0 ...; a value sent without its key -> 4xx"; IKP-S1: "the 501st -> 403
    # QuotaExceed.KeyPair"; IKP-X2: "the quota slot is free".
    _f("tag-key-128-rejected", "IKP-TG1", "128-character tag keys are refused (len < 128)",
       _refuse_tags(lambda part, t: part == "Key" and len(t) == contract.TAG_KEY_MAX_LENGTH), _TAGS),
    _f("tag-key-129-accepted", "IKP-TG2", "129-character tag keys are accepted (len <= 129)",
       tolerate_tags(lambda part, t: part == "Key" and len(t) == contract.TAG_KEY_MAX_LENGTH + 1,
                     lambda part, t, n: t[: contract.TAG_KEY_MAX_LENGTH]), _TAGS),
    _f("tag-value-128-rejected", "IKP-TG1", "128-character tag values are refused (len < 128)",
       _refuse_tags(lambda part, t: part == "Value" and len(t) == contract.TAG_VALUE_MAX_LENGTH), _TAGS),
    _f("tag-value-empty-rejected", "IKP-TG1", "an empty Tag.N.Value is refused (the key's rule copied)",
       _refuse_tags(lambda part, t: part == "Value" and not t), _TAGS),
    _f("tag-index-0-accepted", "IKP-TG2", "Tag.0 is accepted (0 <= N <= 20)", tag_rule(_index_accepted(0)),
       _TAGS),
    _f("tag-lone-value-ignored", "IKP-TG2", "a Tag.N.Value without its Tag.N.Key is ignored",
       tag_rule(_lone_values_dropped), _TAGS),
    _f("tag-length-in-bytes", "IKP-TG1", "tag lengths counted in UTF-8 bytes (128 'é' refused)",
       _refuse_tags(lambda part, t: len(t.encode()) > contract.TAG_KEY_MAX_LENGTH >= len(t)), _TAGS),
    _f("quota-status-400", "IKP-S1", "QuotaExceed.KeyPair answered with HTTP 400, not 403",
       _quota_status(400), "test_quota"),
    _f("quota-spent-by-rejects", "IKP-S1", "every rejected import uses up a quota slot",
       lambda b: _action(contract.ACTION_IMPORT, _import_spending_on_rejects)(
           use_store(lambda state: _TallyStore(state))(b)), "test_quota or test_lifecycle"),
    # Also IKP-S1: once the kept slots add up, imports are refused below 500 live key pairs.
    _f("quota-not-freed-by-delete", "IKP-X2 IKP-S1", "DeleteKeyPairs removes the pair but not its quota slot",
       use_store(lambda state: _DeleteKeepsSlotStore(state)), "test_delete_frees or test_quota_is_500"),
    # Wrong-field fingerprints per key type. IKP-R2: "MD5 over the decoded SSH key blob, 16
    # lowercase hex pairs joined by ':' ... for a certificate, the certified plain key's or the
    # whole blob's" (so each of these is wrong under both certificate readings).
    _f("fingerprint-ecdsa-point-only", "IKP-R2", "ECDSA keys: MD5 over the curve point only",
       _only(_is_plain("ecdsa-"), _ecdsa_point_md5), _KEYS_OK),
    _f("fingerprint-dss-of-base64", "IKP-R2", "ssh-dss keys: MD5 over the base64 text",
       _only(_is_plain("ssh-dss"), _base64_text_md5), _KEYS_OK),
    _f("fingerprint-rsa-uppercase", "IKP-R2", "ssh-rsa keys only: upper-case hex",
       _only(_is_plain("ssh-rsa"), lambda k, body: k.fingerprint.upper()), _KEYS_OK),
    _f("fingerprint-cert-type-kept", "IKP-R2", "certificates: MD5 of the key fields under the cert type name",
       _only(lambda k: k.is_certificate, _cert_type_kept_md5), "test_certificates"),
    _f("fingerprint-hex-unpadded", "IKP-R2", "hex pairs not zero-padded ('a' for 0x0a)",
       _fingerprint(_unpadded_hex), _KEYS_OK),
    _f("fingerprint-rsa-unsigned-mpint", "IKP-R2", "ssh-rsa: MD5 of a blob rebuilt without mpint sign bytes",
       _only(_is_plain("ssh-rsa"), _rsa_unsigned_md5), _KEYS_OK),
    # Encoding bugs. IKP-T1: "in an application/x-www-form-urlencoded POST body (Terraform), or
    # split between the two. All three must work."
    _f("form-plus-kept", "IKP-T1", "'+' in a form body is not decoded as a space (unquote)",
       _import_with(_plus_kept), _ENCODINGS),
    _f("form-lowercase-escape-rejected", "IKP-T1", "lower-case percent-escapes (%2b) in a form body refused",
       _import_with(_lowercase_escape_refused), _ENCODINGS),
    _f("form-charset-ignored", "IKP-T1", "a form body sent with '; charset=UTF-8' in Content-Type is ignored",
       _import_with(_body_with_charset_ignored), _ENCODINGS),
    _f("split-query-ignored", "IKP-T1", "with a form body, parameters left in the query are ignored",
       _import_with(_query_ignored_with_body), _ENCODINGS),
    # Per-format bugs. IKP-T2: "Format=JSON gives JSON, Format=XML gives XML (case-insensitive)";
    # IKP-R1: "with RequestId, KeyPairName ... and KeyPairFingerPrint"; IKP-T4: "Error bodies are
    # {RequestId, Code, Message}; success XML root <ImportKeyPairResponse>".
    _f("xml-values-unescaped", "IKP-T2 IKP-X1", "XML successes leave '&', '<' unescaped (Describe tags)",
       _xml_unescaped, "test_describe or test_every_transport_and_format"),
    _f("xml-fingerprint-renamed", "IKP-R1", "XML success names it KeyPairFingerprint (JSON is right)",
       _xml_field_renamed, "test_every_transport_and_format or test_format_value"),
    _f("format-case-sensitive", "IKP-T2", "Format=json (not JSON) is answered in XML",
       _format_case_sensitive, "test_format_value or test_every_transport_and_format"),
    # Also IKP-T3: the body carries no RequestId field, only a requestId.
    _f("json-error-keys-lowercase", "IKP-T4 IKP-T3", "JSON errors use code/message/requestId keys",
       _json_error_keys_lowercase, _NAMES),
    _f("xml-success-root-response", "IKP-T4", "XML successes have the root <Response>",
       _xml_success_root_response, "test_every_transport_and_format or test_format_value"),
    # State updated on error. IKP-S2: "A rejected import stores nothing"; IKP-X1: "DescribeKeyPairs
    # shows an imported key pair with the same name, fingerprint ... and tags".
    _f("duplicate-updates-stored", "IKP-S2", "a refused duplicate still replaces the stored key and tags",
       use_store(lambda state: _DuplicateUpdatesStore(state)), "test_duplicate_name or test_lifecycle"),
    _f("bad-group-reserves-name", "IKP-S2", "an import refused for its ResourceGroupId keeps the name",
       _action(contract.ACTION_IMPORT, _import_reserving_on_bad_group),
       "test_rejected_import or test_unknown_resource_group"),
    _f("delete-by-prefix", "IKP-X1", "DeleteKeyPairs of 'key-1' also deletes 'key-10'",
       _action(contract.ACTION_DELETE, _delete_by_prefix), "test_lifecycle or test_delete"),
    # Checks skipped on one code path (the rule is the same whatever the transport, IKP-T1).
    _f("v3-skips-name-check", "IKP-N2 IKP-N3 IKP-N4", "V3 (x-acs-action) requests skip the name check",
       seeing_request(name_rule(_name_unchecked_on_v3)), _NAMES + " or test_every_transport_and_format"),
    _f("form-skips-tag-check", "IKP-TG2", "POST form bodies skip the tag checks",
       seeing_request(tag_rule(_tags_unchecked_on_forms)), _TAGS + " or test_invalid_tags"),
    _f("get-skips-quota", "IKP-S1", "GET imports skip the quota",
       seeing_request(use_store(lambda state: _GetSkipsQuotaStore(state))), "test_quota"),
    _f("form-skips-cert-check", "IKP-K3", "POST form bodies: certificates checked for type and base64 only",
       seeing_request(on_malformed(_cert_unparsed_on_forms)), _BROKEN),
)  # fmt: skip

FAULTS: dict[str, Fault] = {fault.name: fault for fault in FAULT_LIST}


def named(catalogue: Mapping[str, T], name: str, kind: str) -> T:
    """The entry ``name`` of a catalogue of ``kind`` (fault, variant); ``ValueError`` naming the
    listing option for an unknown name."""
    entry = catalogue.get(name)
    if entry is None:
        raise ValueError(f"unknown {kind} {name!r} (see --list-{kind}s)")
    return entry


def listing(rows: Iterable[tuple[str, str, str]], middle: int) -> list[str]:
    """Aligned ``name  middle  description`` lines (``middle``: that column's width)."""
    rows = list(rows)
    width = max(len(name) for name, _, _ in rows)
    return [f"{name:<{width}}  {mid:<{middle}}  {text}" for name, mid, text in rows]


def apply_fault(name: str, behaviour: Behaviour) -> Behaviour:
    """``behaviour`` with the named fault injected (``ValueError`` for an unknown name)."""
    return named(FAULTS, name, "fault").apply(behaviour)


def describe_faults() -> list[str]:
    """One line per fault: name, the requirement(s) it breaks, what it does."""
    return listing(((f.name, ",".join(f.breaks), f.description) for f in FAULT_LIST), 22)
