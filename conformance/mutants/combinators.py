"""Combinators: the small wrappers that bend one field of the reference server's ``Behaviour``.

Every fault (``faults``) and variant (``variants``, ``latitude``) is composed from these at
start-up, so the clean code path stays free of flags. Each returns an ``Apply`` (Behaviour ->
Behaviour) wrapping one hook of ``actions.Behaviour``: the name check (``name_rule``), the key
parser (``key_rule``, ``on_malformed``, ``fingerprint_rule``), the tag parser (``tag_rule``,
``tolerate_tags``), the ImportKeyPair parameters (``prepare``, ``import_with``), one action
(``use_action``), the store (``use_store``), the signature verifier (``use_verifier``) or the
error answers (``recode``, ``Recast``). ``seeing_request`` lets a wrapper look at the transport
of the request being answered (``seen_request``, ``is_v3``, ``has_form_body``, ``is_get``),
which the clean hooks never see.

Codes, statuses and limits come from ``conformance.contract``; a combinator only bends them.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

from conformance import contract
from conformance.contract import ErrorRow
from conformance.reference import actions, auth, errors, keys, tags
from conformance.reference.actions import Behaviour, Config
from conformance.reference.store import KeyPairStore

Apply = Callable[[Behaviour], Behaviour]

# -- error answers ---------------------------------------------------------------------------------


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
    """``first``, then ``then`` (both adjust an error answer)."""
    return lambda error: then(first(error))


# -- parameter rules -------------------------------------------------------------------------------


def name_rule(rule: Callable[[str, Callable[[str], str]], str]) -> Apply:
    """Wrap the name check: ``rule(name, clean_check)``."""

    def apply(b: Behaviour) -> Behaviour:
        inner = b.check_name
        return dataclasses.replace(b, check_name=lambda name: rule(name, inner))

    return apply


def prepare(step: Callable[[Mapping[str, str], Config], Mapping[str, str]]) -> Apply:
    """Add a step before the ImportKeyPair rules (may rewrite the parameters or raise)."""

    def apply(b: Behaviour) -> Behaviour:
        inner = b.prepare_import
        return dataclasses.replace(b, prepare_import=lambda p, c: step(inner(p, c), c))

    return apply


# -- keys ------------------------------------------------------------------------------------------


def key_rule(rule: Callable[[str, Callable[[str], keys.PublicKey]], keys.PublicKey]) -> Apply:
    """Wrap the key parser: ``rule(body, clean_parse)``."""

    def apply(b: Behaviour) -> Behaviour:
        inner = b.parse_key
        return dataclasses.replace(b, parse_key=lambda body: rule(body, inner))

    return apply


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
    """A plain key of ``key_type`` taken as sent, fingerprinted over ``blob``."""
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


def fingerprint_rule(fn: Callable[[keys.PublicKey, str], str]) -> Apply:
    """Keys parsed as before, their fingerprint replaced by ``fn(key, body)``."""

    def rule(body: str, inner: Callable[[str], keys.PublicKey]) -> keys.PublicKey:
        key = inner(body)
        return dataclasses.replace(key, fingerprint=fn(key, body))

    return key_rule(rule)


# -- tags ------------------------------------------------------------------------------------------

TAG_PARAMETER = re.compile(r"Tag\.([0-9]+)\.(Key|Value)")  # group 1: N, group 2: Key or Value

TagParser = Callable[[Mapping[str, str]], tags.Tags]


def tag_rule(rule: Callable[[Mapping[str, str], TagParser], tags.Tags]) -> Apply:
    """Wrap the tag parser: ``rule(params, clean_parse)``."""

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
            m = TAG_PARAMETER.fullmatch(name)
            if m and bad(m.group(2), text):
                checked[name] = stand_in(m.group(2), text, int(m.group(1)))
        result = inner(checked)
        found = (TAG_PARAMETER.fullmatch(n) for n in params)
        indices = sorted({int(m.group(1)) for m in found if m and m.group(2) == "Key"})
        if len(indices) != len(result):
            return result
        return tuple((params[f"Tag.{n}.Key"], params.get(f"Tag.{n}.Value", "")) for n in indices)

    return tag_rule(rule)


# -- state, actions, signatures -------------------------------------------------------------------


def use_store(factory: Callable[[str | None], KeyPairStore]) -> Apply:
    """The key pairs held by ``factory(state_file)`` instead of a ``KeyPairStore``."""
    return lambda b: dataclasses.replace(b, make_store=factory)


def use_action(name: str, fn: actions.Action) -> Apply:
    """The action ``name`` answered by ``fn``."""
    return lambda b: dataclasses.replace(b, actions={**b.actions, name: fn})


def use_verifier(factory: Callable[[Mapping[str, str] | None], auth.Verifier]) -> Apply:
    """Signatures checked by ``factory(access_keys)`` instead of an ``auth.Verifier``."""
    return lambda b: dataclasses.replace(b, make_verifier=factory)


# -- the request being answered --------------------------------------------------------------------

_REQUEST = threading.local()


def seen_request() -> auth.SignedRequest | None:
    """The request this thread is answering (remembered by a verifier that
    ``seeing_request`` installed), if any."""
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
    """``apply`` on a behaviour whose verifier remembers each request for ``seen_request``."""

    def wrap(b: Behaviour) -> Behaviour:
        factory = b.make_verifier
        return apply(dataclasses.replace(b, make_verifier=lambda keys_: _Remembering(factory(keys_))))

    return wrap


def request_header(request: auth.SignedRequest, name: str) -> str | None:
    """The value of the header ``name`` (lower case), or None."""
    return next((v for k, v in request.headers if k.lower() == name), None)


def is_v3(request: auth.SignedRequest | None) -> bool:
    """A V3 request (the action in ``x-acs-action``)."""
    return request is not None and request_header(request, "x-acs-action") is not None


def has_form_body(request: auth.SignedRequest | None) -> bool:
    """A POST with parameters in its body."""
    return request is not None and request.method == "POST" and bool(request.body)


def is_get(request: auth.SignedRequest | None) -> bool:
    """A GET (every parameter in the query string)."""
    return request is not None and request.method == "GET"


def import_with(edit: Callable[[Mapping[str, str], auth.SignedRequest], Mapping[str, str]]) -> Apply:
    """ImportKeyPair on parameters rewritten by ``edit(params, request)`` (a decoding bug)."""

    def action(params: Mapping[str, str], config: Config) -> dict[str, Any]:
        request = seen_request()
        return actions.import_key_pair(params if request is None else edit(params, request), config)

    return seeing_request(use_action(contract.ACTION_IMPORT, action))
