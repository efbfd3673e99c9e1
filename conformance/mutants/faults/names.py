"""Faults of the KeyPairName rules (IKP-N1..N4, N6): lengths, first and later characters, the
URL prefixes, the error code, duplicates; the issue-12 regex slips (a ``$`` before a newline,
``[A-z]``, loops off by one, a blacklist, ``strip()``) and the check skipped on V3 requests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from conformance import contract
from conformance.mutants.catalogue import Fault, fault
from conformance.mutants.combinators import (
    Apply,
    is_v3,
    name_rule,
    prepare,
    recode,
    seeing_request,
    seen_request,
    use_store,
)
from conformance.reference import errors
from conformance.reference.actions import Config
from conformance.reference.store import KeyPair, KeyPairStore


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


def _absent_name_malformed(params: Mapping[str, str], config: Config) -> Mapping[str, str]:
    if "KeyPairName" not in params:
        raise errors.InvalidKeyPairName()
    return params


class _OverwritingStore(KeyPairStore):
    """An existing name is replaced instead of refused."""

    def add(self, kp: KeyPair) -> None:
        with self._lock:
            region = self._regions.setdefault(kp.region, {})
            if kp.name not in region and len(region) >= self._quota:
                raise errors.QuotaExceeded()
            region[kp.name] = kp
            self._version += 1


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


def _name_unchecked_on_v3(name: str, inner: Callable[[str], str]) -> str:
    return name if is_v3(seen_request()) else inner(name)


FAULTS: tuple[Fault, ...] = (
    # KeyPairName (IKP-N1..N4, N6)
    fault("name-absent-malformed", "IKP-N1", "an absent KeyPairName gives InvalidKeyPairName.Malformed",
        prepare(_absent_name_malformed)),
    fault("name-rejects-2", "IKP-N2", "2-character names are rejected",
        _reject_length(contract.NAME_MIN_LENGTH)),
    fault("name-rejects-128", "IKP-N2", "128-character names are rejected",
        _reject_length(contract.NAME_MAX_LENGTH)),
    fault("name-accepts-129", "IKP-N2", "129-character names are accepted", name_rule(_accept_129)),
    fault("name-accepts-1", "IKP-N2", "1-character names are accepted", name_rule(_accept_1)),
    fault("name-digit-first", "IKP-N3", "a digit first is accepted", _first_allowed("0123456789")),
    fault("name-underscore-first", "IKP-N3", "'_' first is accepted", _first_allowed("_")),
    fault("name-colon-first", "IKP-N3", "':' first is accepted", _first_allowed(":")),
    fault("name-space-allowed", "IKP-N4", "spaces are accepted", _char_allowed(" ")),
    fault("name-slash-allowed", "IKP-N4", "'/' is accepted", _char_allowed("/")),
    fault("name-at-allowed", "IKP-N4", "'@' is accepted", _char_allowed("@")),
    fault("name-colon-rejected", "IKP-N4", "':' is rejected", name_rule(_colon_rejected)),
    fault("name-url-prefix-accepted", "IKP-N4", "names starting http:// or https:// are accepted",
        name_rule(_url_prefix_accepted)),
    fault("name-wrong-code", "IKP-N2 IKP-N3 IKP-N4", "bad names get InvalidParameter",
        recode(contract.INVALID_KEY_PAIR_NAME.code, contract.INVALID_PARAMETER, "KeyPairName")),
    fault("duplicate-overwrites", "IKP-N6", "importing an existing name replaces it",
        use_store(lambda state: _OverwritingStore(state))),
)  # fmt: skip


REGEX_SLIPS: tuple[Fault, ...] = (
    # Regex slips. IKP-N4: "ASCII letters, ASCII digits, ':', '_', '-' accepted. Space, ...,
    # control characters, ... and any other symbol -> InvalidKeyPairName.Malformed"; IKP-N3:
    # "First character an ASCII letter ... any non-letter -> Malformed".
    fault("name-trailing-newline-accepted", "IKP-N4", "re.match(...$): a valid name + '\\n' is accepted",
        name_rule(_newline_before_end)),
    fault("name-a-z-range-first", "IKP-N3", "[A-z] first: '[', '\\\\', ']', '^', '`' accepted as letters",
        _first_allowed(_A_TO_Z_EXTRA)),
    fault("name-a-z-range-rest", "IKP-N4", "[A-z] after the first: '[', '\\\\', ']', '^', '`' accepted",
        _char_allowed(_A_TO_Z_EXTRA)),
    fault("name-last-char-unchecked", "IKP-N4", "the last character is never checked",
        name_rule(_last_char_unchecked)),
    fault("name-second-char-unchecked", "IKP-N4", "the second character is never checked",
        name_rule(_second_char_unchecked)),
    fault("name-symbol-blacklist", "IKP-N4",
        "only space / @ ' \" \\ < > refused: '#', '!', '+', '=' accepted", name_rule(_symbol_blacklist)),
    fault("name-http-word-rejected", "IKP-N4", "any name starting 'http' (e.g. httpKey) is refused",
        name_rule(_http_word_refused)),
    fault("name-whitespace-stripped", "IKP-N3 IKP-N4", "the name is strip()ped before the check",
        name_rule(_stripped_first)),
)  # fmt: skip


SKIPPED_ON_V3: tuple[Fault, ...] = (
    fault("v3-skips-name-check", "IKP-N2 IKP-N3 IKP-N4", "V3 (x-acs-action) requests skip the name check",
        seeing_request(name_rule(_name_unchecked_on_v3))),
)  # fmt: skip
