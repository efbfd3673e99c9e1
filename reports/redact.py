"""Defense-in-depth scrubbing of secrets from everything the reports write.

Exchanges and the configuration reach the results already redacted (``exchange.py``
promises it). The writers do not trust that: before a document is rendered, every string in
it is scrubbed of anything that looks like a credential, so that a careless producer (a
config dict copied whole, a signed URL, a header map) cannot leak one into ``results.json``,
``report.html`` or the terminal.

What is scrubbed:
- the value of any mapping key that names a secret (``Signature``, ``SecurityToken``,
  ``AccessKeySecret``, ``x-acs-security-token``, and spellings such as ``access_key_secret``,
  anything ending in ``secret``, ``password``, ``token`` or ``credentials``), every string
  below it except a mode or placeholder (``v1``, ``none``, ``<set>``) or an id already masked
  (``LTAI****``); for ``Authorization`` only the ``Signature=`` part (V3) or the credentials
  after the scheme;
- inside any string: ``Signature=...``, ``SecurityToken=...``, ``AccessKeySecret: ...``,
  ``"Signature": "..."``, ``<SecurityToken>...</SecurityToken>`` and URL-encoded forms;
- any occurrence, anywhere, of a value found under such a key, or of an environment variable
  whose name says SECRET or TOKEN (raw and URL-encoded).

What is a secret's spelling, the ``REDACTED`` marker and the ``****`` mask are
``conformance/redaction.py``'s (the target client's redaction, the first line of defense):
known values are hidden with its ``hide_values``, and its ``redact_document`` runs last, with
the credentials from the environment. This module adds only what a producer that does not
know the secrets needs: finding them by the name of their key or field.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any

from conformance import redaction
from conformance.redaction import MASK, REDACTED

_NAME = r"(?:Signature|Security[-_]?Token|Access[-_]?Key[-_]?Secret|x-acs-security-token)"
# name (also as the tail of ALIBABA_CLOUD_ACCESS_KEY_SECRET=), then a separator
# (=, :, URL-encoded =), optional quotes, then the value.
_INLINE = re.compile(
    r"(?i)(?:(?<=%26)|(?<=%3F)|(?<![A-Za-z0-9-]))"  # a word start, or after an encoded & or ?
    rf"({_NAME})"
    r"((?:%22|[\"'])?\s*(?:=|%3D|:)\s*(?:%22|[\"'])?)"  # separator, optional quotes
    r"((?:(?!%26)[^&\s,;\"'<>])+)"  # the value, up to a separator (raw or encoded &)
)
_XML = re.compile(rf"(?i)<({_NAME})>[^<]*</\1>")
_MIN_VALUE_LENGTH = 6  # shorter "secrets" would scrub ordinary words


def _normal(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def is_secret_key(key: str) -> bool:
    """Does a mapping key name a credential whose whole value must go?"""
    k = _normal(key)
    return k in {
        "signature",
        "xacssignature",
        "securitytoken",
        "xacssecuritytoken",
        "accesskeysecret",
    } or k.endswith(("secret", "password", "token", "credential", "credentials"))


# What a secret-named key may hold without being a secret: a mode or a placeholder
# (``"signature": "v1"``, ``"access_key_secret": "<set>"``), or an already-masked id.
_PLACEHOLDER = re.compile(r"(?i)^(?:v\d+|none|null|unset|<set>|set|true|false|yes|no|absent|\**)$")


def _looks_secret(value: str) -> bool:
    """Could a string found under a secret-named key be the credential itself?"""
    return value != REDACTED and MASK not in value and not _PLACEHOLDER.match(value.strip())


def _redact_subtree(obj: Any) -> Any:
    """Everything under a secret-named key: every string that could be a credential goes."""
    if isinstance(obj, dict):
        return {key: _redact_subtree(value) for key, value in obj.items()}
    if isinstance(obj, list | tuple):
        return [_redact_subtree(item) for item in obj]
    if isinstance(obj, str) and _looks_secret(obj):
        return REDACTED
    return obj


def _scrub_authorization(value: str, known: Iterable[str]) -> str:
    """V3 ``Signature=`` part removed; an unknown scheme keeps only its name."""
    scrubbed = scrub_text(value, known)
    if scrubbed == value and " " in value.strip():
        scheme = value.strip().split(" ", 1)[0]
        return f"{scheme} {REDACTED}"
    return scrubbed


def scrub_text(text: str, known: Iterable[str] = ()) -> str:
    """``text`` with secret-looking fields, and every ``known`` secret value, replaced."""
    text = redaction.hide_values(text, known)
    text = _XML.sub(lambda m: f"<{m.group(1)}>{REDACTED}</{m.group(1)}>", text)
    return _INLINE.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)


def _collect(obj: Any, found: set[str], secret: bool = False) -> None:
    """Gather the strings under secret-named keys (to scrub them wherever else they appear)."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            _collect(value, found, secret or (isinstance(key, str) and is_secret_key(key)))
    elif isinstance(obj, list | tuple):
        for item in obj:
            _collect(item, found, secret)
    elif secret and isinstance(obj, str) and len(obj) >= _MIN_VALUE_LENGTH and _looks_secret(obj):
        found.add(obj)


def _environment_secrets() -> set[str]:
    return {
        value
        for name, value in os.environ.items()
        if ("SECRET" in name.upper() or "TOKEN" in name.upper()) and len(value) >= _MIN_VALUE_LENGTH
    }


def _scrub(obj: Any, known: frozenset[str]) -> Any:
    if isinstance(obj, dict):
        out: dict[Any, Any] = {}
        for key, value in obj.items():
            if isinstance(key, str) and _normal(key) == "authorization" and isinstance(value, str):
                out[key] = _scrub_authorization(value, known)
            elif isinstance(key, str) and is_secret_key(key):
                out[key] = _redact_subtree(value)
            else:
                out[key] = _scrub(value, known)
        return out
    if isinstance(obj, list | tuple):
        return [_scrub(item, known) for item in obj]
    if isinstance(obj, str):
        return scrub_text(obj, known)
    return obj


def _central_redaction(document: Any) -> Any:
    env = os.environ
    secrets = redaction.Secrets(
        access_key_id=env.get("ALIBABA_CLOUD_ACCESS_KEY_ID") or None,
        access_key_secret=env.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET") or None,
        security_token=env.get("ALIBABA_CLOUD_SECURITY_TOKEN") or None,
    )
    return redaction.redact_document(document, secrets)


def scrub(document: Any, extra_secrets: Iterable[str] = ()) -> Any:
    """A deep copy of a JSON-ready ``document`` with every secret it may carry replaced by ``REDACTED``."""
    known: set[str] = set(extra_secrets) | _environment_secrets()
    _collect(document, known)
    scrubbed = _scrub(document, frozenset(v for v in known if len(v) >= _MIN_VALUE_LENGTH))
    return _central_redaction(scrubbed)
