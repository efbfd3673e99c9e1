"""The one home of secret handling: what may leave the target client, and in what form.

Everything that goes into an ``Exchange`` (URL, parameters, headers, bodies, parsed response,
error messages) passes through one of these functions first, so results.json, the HTML
report and the terminal can never show a credential:

- the AccessKeyId is masked (first 4 characters + ``****``);
- ``Signature``, ``SecurityToken``, ``x-acs-security-token`` and the ``Signature=`` part of an
  ``Authorization`` header are replaced by ``REDACTED``;
- any occurrence of the AccessKeySecret or the SecurityToken in any string (also in their
  percent-encoded, doubly percent-encoded, form-encoded and JSON-escaped spellings, which is how
  they appear inside a server's echoed string-to-sign) is replaced by ``REDACTED``.

The reports' defense in depth (``reports/redact.py``) scrubs what merely *looks* like a
secret; it takes the marker, the mask and the spellings of a known value (``hide_values``)
from here.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote_plus

from conformance.target.signing import percent_encode

REDACTED = "REDACTED"
MASK = "****"

# Parameters (query / form) whose value is removed entirely.
SECRET_PARAMETERS = frozenset({"Signature", "SecurityToken"})
# Headers (lower-case) whose value is removed entirely.
SECRET_HEADERS = frozenset({"x-acs-security-token", "cookie", "proxy-authorization"})
ACCESS_KEY_PARAMETER = "AccessKeyId"
_BY_NAME = SECRET_PARAMETERS | {ACCESS_KEY_PARAMETER}
_HEADERS_BY_NAME = SECRET_HEADERS | {"authorization"}

# ``Signature=...`` / ``SecurityToken=...`` inside free text (URLs in error messages,
# Authorization headers), up to the next separator.
_TEXT_PATTERNS = (
    re.compile(r"(?<![A-Za-z])(Signature=)[^&\s,;\"'<]*"),
    re.compile(r"(?<![A-Za-z])(SecurityToken=)[^&\s,;\"'<]*"),
)
_TEXT_MARKERS = ("Signature=", "SecurityToken=")
_CREDENTIAL = re.compile(r"(Credential=)([^,\s]*)")
_ACCESS_KEY_IN_TEXT = re.compile(r"(?<![A-Za-z])(AccessKeyId=)([^&\s,;\"'<]*)")
# Masking a short AccessKeyId inside free text would garble unrelated words.
MIN_ID_LENGTH_IN_TEXT = 8


def mask_access_key_id(access_key_id: str) -> str:
    """The first 4 characters and ``****`` (only ``****`` when the id is that short)."""
    if len(access_key_id) <= 4:
        return MASK
    return access_key_id[:4] + MASK


@functools.lru_cache(maxsize=1024)
def _spellings(value: str) -> frozenset[str]:
    """The ways a credential can appear on the wire or in an echoed string-to-sign."""
    once = percent_encode(value)
    variants = {value, once, percent_encode(once), quote_plus(value), json.dumps(value)[1:-1]}
    return frozenset(v for v in variants if v)


@dataclass(frozen=True)
class Secrets:
    """What must never be shown: the secret, the token, and the id to mask.

    ``extra_access_key_ids`` are other ids the client sent (an unknown id for IKP-X3); they are
    masked like the real one. ``signatures`` are the signatures one request carried: a target
    may echo them in any shape (a JSON field, a header), so they are hidden like the secret.
    """

    access_key_id: str | None = None
    access_key_secret: str | None = None
    security_token: str | None = None
    extra_access_key_ids: tuple[str, ...] = ()
    signatures: tuple[str, ...] = ()  # signature values sent, hidden wherever they are echoed

    def __repr__(self) -> str:
        shown = mask_access_key_id(self.access_key_id) if self.access_key_id else None
        return f"Secrets(access_key_id={shown!r}, access_key_secret=..., security_token=...)"

    def _ids(self) -> list[str]:
        ids = [self.access_key_id, *self.extra_access_key_ids]
        return [i for i in ids if i]

    def _hidden(self) -> tuple[str, ...]:
        return self._hidden_cached

    def _needles(self) -> tuple[str, ...]:
        return self._needles_cached

    # Worked out once per instance (a frozen dataclass still takes cached_property values).
    @functools.cached_property
    def _hidden_cached(self) -> tuple[str, ...]:
        return _hidden_spellings(self)

    @functools.cached_property
    def _needles_cached(self) -> tuple[str, ...]:
        return _needles(self)


@functools.lru_cache(maxsize=64)
def _spellings_of(values: tuple[str | None, ...]) -> frozenset[str]:
    """The spellings of the session's secrets (or of its AccessKeyIds), worked out once."""
    out: set[str] = set()
    for value in values:
        if value:
            out |= _spellings(value)
    return frozenset(out)


def _longest_first(spellings: Iterable[str]) -> tuple[str, ...]:
    """Spellings in replacement order: longest first, so a longer spelling is replaced whole."""
    return tuple(sorted(spellings, key=len, reverse=True))


def _hidden_spellings(secrets: Secrets) -> tuple[str, ...]:
    """Every spelling to hide, longest first. The signatures change with every request; the
    session's own secrets do not."""
    hidden = set(_spellings_of((secrets.access_key_secret, secrets.security_token)))
    for signature in secrets.signatures:
        if signature:
            hidden |= _spellings(signature)
    return _longest_first(hidden)


def _replace_all(text: str, hidden: Iterable[str]) -> str:
    for spelling in hidden:
        text = text.replace(spelling, REDACTED)
    return text


def hide_values(text: str, values: Iterable[str]) -> str:
    """``text`` with every spelling (``_spellings``) of each of ``values`` replaced by ``REDACTED``."""
    hidden: set[str] = set()
    for value in values:
        if value:
            hidden |= _spellings(value)
    return _replace_all(text, _longest_first(hidden))


def _needles(secrets: Secrets) -> tuple[str, ...]:
    """Every substring whose presence means a text needs redacting (see ``mentions``)."""
    ids = _spellings_of(tuple(i for i in secrets._ids() if len(i) >= MIN_ID_LENGTH_IN_TEXT))
    return (*secrets._hidden(), *ids, *_TEXT_MARKERS, "Credential=", "AccessKeyId=")


def mentions(texts: Iterable[str], secrets: Secrets) -> bool:
    """True when any of ``texts`` holds something ``redact_text`` would change: a secret in
    any spelling, a long AccessKeyId, or a ``Signature=``-like marker. One scan of the joined
    texts, so a whole request or response that holds nothing (nearly all) costs one check."""
    blob = "\0".join(texts)
    return any(needle in blob for needle in secrets._needles())


NO_SECRETS = Secrets()


def redact_text(text: str, secrets: Secrets = NO_SECRETS) -> str:
    """Any string: remove the secret/token in all spellings, ``Signature=``/``SecurityToken=``
    values, the Authorization ``Credential=`` id, and long AccessKeyIds."""
    if not text:
        return text
    text = _replace_all(text, secrets._hidden())
    # Each pattern needs its literal marker; most strings have none, so skip the regex.
    for marker, pattern in zip(_TEXT_MARKERS, _TEXT_PATTERNS, strict=True):
        if marker in text:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    for marker, pattern in (("Credential=", _CREDENTIAL), ("AccessKeyId=", _ACCESS_KEY_IN_TEXT)):
        if marker in text:
            text = pattern.sub(lambda m: m.group(1) + mask_access_key_id(m.group(2)), text)
    for key_id in secrets._ids():
        if len(key_id) >= MIN_ID_LENGTH_IN_TEXT:
            masked = mask_access_key_id(key_id)
            for spelling in _spellings(key_id):
                text = text.replace(spelling, masked)
    return text


def _by_name(name: str, value: str) -> str:
    """A secret parameter's value replaced, the AccessKeyId masked (others: ``_BY_NAME`` only)."""
    return REDACTED if name in SECRET_PARAMETERS else mask_access_key_id(value)


def redact_param(name: str, value: str, secrets: Secrets = NO_SECRETS) -> tuple[str, str]:
    """One query or form parameter: a secret one replaced, AccessKeyId masked, others scanned."""
    if name in _BY_NAME:
        return name, _by_name(name, value)
    return redact_text(name, secrets), redact_text(value, secrets)


def params_mention(secrets: Secrets, *params: Mapping[str, str]) -> bool:
    """True when a name or value of ``params`` holds something to hide, leaving out the
    values redacted by name (Signature, AccessKeyId: they always "mention" a secret)."""
    return mentions((t for p in params for k, v in p.items() if k not in _BY_NAME for t in (k, v)), secrets)


def redact_by_name(params: Mapping[str, str]) -> dict[str, str]:
    """``redact_params`` for parameters that ``params_mention`` found nothing else in."""
    return {name: _by_name(name, value) if name in _BY_NAME else value for name, value in params.items()}


def redact_params(params: Mapping[str, str], secrets: Secrets = NO_SECRETS) -> dict[str, str]:
    """Query or form parameters: secret ones replaced, AccessKeyId masked, the rest scanned."""
    if not params_mention(secrets, params):
        return redact_by_name(params)
    return dict(redact_param(name, value, secrets) for name, value in params.items())


def redact_headers(headers: Mapping[str, str], secrets: Secrets = NO_SECRETS) -> dict[str, str]:
    """Request or response headers: token headers removed, Authorization's signature removed."""
    scanned = (t for k, v in headers.items() if k.lower() not in _HEADERS_BY_NAME for t in (k, v))
    quiet = not mentions(scanned, secrets)
    out: dict[str, str] = {}
    for name, value in headers.items():
        lower = name.lower()
        if quiet and lower not in _HEADERS_BY_NAME:
            out[name] = value
            continue
        if lower in SECRET_HEADERS:
            out[name] = REDACTED
        elif lower == "authorization":
            out[name] = redact_text(value, secrets)  # Credential= masked, Signature= removed
            if "Signature=" not in out[name]:  # an unknown scheme: keep nothing
                out[name] = REDACTED
        else:
            out[name] = redact_text(value, secrets)
    return out


def _strings(document: Any) -> Iterator[str]:
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            yield node
        elif isinstance(node, Mapping):
            for key, value in node.items():
                yield str(key)
                stack.append(value)
        elif isinstance(node, list | tuple):
            stack.extend(node)


def redact_document(document: Any, secrets: Secrets = NO_SECRETS) -> Any:
    """A parsed JSON/XML document: every string (keys and values) scanned. A document that
    mentions nothing to hide (one scan of all its strings) comes back as it is."""
    if not mentions(_strings(document), secrets):
        return document
    return _redact_document(document, secrets)


def _redact_document(document: Any, secrets: Secrets) -> Any:
    if isinstance(document, str):
        return redact_text(document, secrets)
    if isinstance(document, Mapping):
        return {redact_text(str(k), secrets): _redact_document(v, secrets) for k, v in document.items()}
    if isinstance(document, list | tuple):
        return [_redact_document(v, secrets) for v in document]
    return document


def with_signatures(secrets: Secrets, *signatures: str) -> Secrets:
    """``secrets`` plus the signature values of one request."""
    return replace(secrets, signatures=secrets.signatures + tuple(s for s in signatures if s))
