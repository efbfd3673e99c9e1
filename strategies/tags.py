"""Tag parts (``Tag.N.Key`` / ``Tag.N.Value``): valid tag sets, each IKP-TG2 rule broken
alone, and the Profile cases of IKP-TG3.

This module owns the tag rules as generators. Tags are flat request parameters; a tag set is
drawn as ``(N, key, value)`` triples (``None`` = parameter absent) and flattened at the end.
The codes for broken tags are undocumented for ImportKeyPair, so a rejection is any 4xx with
a Code (IKP-TG2).
"""

from __future__ import annotations

import string as _string

from hypothesis import strategies as st

from conformance.case import Outcome
from conformance.contract import (
    TAG_FORBIDDEN_SUBSTRINGS,
    TAG_KEY_FORBIDDEN_PREFIXES,
    TAG_KEY_MAX_LENGTH,
    TAG_KEY_MIN_LENGTH,
    TAG_MAX_COUNT,
    TAG_VALUE_FORBIDDEN_PREFIXES_SEED,
    TAG_VALUE_MAX_LENGTH,
    TAG_VALUE_MIN_LENGTH,
)
from strategies.draws import edge_or_between, joined, memoized, pick
from strategies.samples import Part, Validity, valid_part

ANY_CLIENT_ERROR = Outcome.any_client_error()
Tag = tuple[int, str | None, str | None]  # (N, Key or absent, Value or absent)

# Letters and digits, plus the punctuation real tags carry.
TAG_CHARACTERS = _string.ascii_lowercase + _string.ascii_uppercase + _string.digits + "-_.:/=+@ "


def key_param(n: int) -> str:
    """``Tag.N.Key``."""
    return f"Tag.{n}.Key"


def value_param(n: int) -> str:
    """``Tag.N.Value``."""
    return f"Tag.{n}.Value"


def flatten(tags: list[Tag]) -> dict[str, str]:
    """The request parameters of a tag list."""
    params: dict[str, str] = {}
    for n, key, value in tags:
        if key is not None:
            params[key_param(n)] = key
        if value is not None:
            params[value_param(n)] = value
    return params


def _clean_key(key: str) -> bool:
    low = key.lower()
    return not low.startswith(TAG_KEY_FORBIDDEN_PREFIXES) and not any(
        s in low for s in TAG_FORBIDDEN_SUBSTRINGS
    )


def _clean_value(value: str) -> bool:
    low = value.lower()
    return not low.startswith(TAG_VALUE_FORBIDDEN_PREFIXES_SEED) and not any(
        s in low for s in TAG_FORBIDDEN_SUBSTRINGS
    )


@memoized
def _texts(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    """Text of ``TAG_CHARACTERS``, ``min_size..max_size`` long (edges often); shrinks towards the
    shortest text."""

    @st.composite
    def text(draw: st.DrawFn) -> str:
        return joined(draw, TAG_CHARACTERS, edge_or_between(draw, min_size, max_size))

    return text()


@memoized
def tag_keys() -> st.SearchStrategy[str]:
    """Valid tag keys: 1..128 characters, no ``acs:``/``aliyun`` start, no ``http(s)://``.
    Shrinks towards a one-character key."""
    return _texts(TAG_KEY_MIN_LENGTH, TAG_KEY_MAX_LENGTH).filter(_clean_key)


@memoized
def tag_values() -> st.SearchStrategy[str]:
    """Valid tag values: 0..128 characters (empty allowed), no ``acs:`` start (that is
    Profile), no ``http(s)://``. Shrinks towards the empty value."""
    return _texts(TAG_VALUE_MIN_LENGTH, TAG_VALUE_MAX_LENGTH).filter(_clean_value)


def _length(byte: int, low: int, high: int) -> int:
    """A length in ``low..high`` from one byte: either edge a quarter of the time each
    (byte 0 gives ``low``, so a shrunk byte gives the shortest text)."""
    if byte < 64:
        return low
    if byte < 128:
        return high
    return low + byte % (high - low + 1)


def _repair_key(key: str, taken: set[str]) -> str:
    """``key`` made valid and distinct (case-insensitively) from ``taken``, changing as few
    characters as it can: a forbidden start loses its first character to ``k``, a
    ``://`` becomes ``:-/``, a duplicate gets a ``-N`` suffix."""
    if key.lower().startswith(TAG_KEY_FORBIDDEN_PREFIXES):
        key = "k" + key[1:]
    key = key.replace("://", ":-/")
    base, suffix = key, 0
    while key.lower() in taken:
        suffix += 1
        key = f"{base[: TAG_KEY_MAX_LENGTH - len(str(suffix)) - 1]}-{suffix}"
    return key


def _repair_value(value: str) -> str:
    """``value`` without a ``acs:`` start or a ``http(s)://`` (the Profile and invalid cases)."""
    if value.lower().startswith(TAG_VALUE_FORBIDDEN_PREFIXES_SEED):
        value = "v" + value[1:]
    return value.replace("://", ":-/")


@memoized
@st.composite
def valid_tag_lists(draw: st.DrawFn, min_count: int = 0, max_count: int = TAG_MAX_COUNT) -> list[Tag]:
    """``min_count..max_count`` valid tags with distinct keys, numbered N = 1..count.

    The whole set comes from three draws (the count, one byte per length, one byte per
    character: see ``draws.joined``), where drawing each key and value as its own text
    cost about 2 ms per example for twenty tags. Keys that break a rule by chance are
    repaired rather than filtered out. Shrinks towards no tags, then one-character keys and
    empty values."""
    count = edge_or_between(draw, min_count, max_count)
    if count == 0:
        return []
    sizes = draw(st.binary(min_size=2 * count, max_size=2 * count))
    key_lengths = [_length(b, TAG_KEY_MIN_LENGTH, TAG_KEY_MAX_LENGTH) for b in sizes[:count]]
    value_lengths = [_length(b, TAG_VALUE_MIN_LENGTH, TAG_VALUE_MAX_LENGTH) for b in sizes[count:]]
    text = joined(draw, TAG_CHARACTERS, sum(key_lengths) + sum(value_lengths))
    tags: list[Tag] = []
    taken: set[str] = set()
    at = 0
    for n, (key_length, value_length) in enumerate(zip(key_lengths, value_lengths, strict=True), start=1):
        key = _repair_key(text[at : at + key_length], taken)
        at += key_length
        value = _repair_value(text[at : at + value_length])
        at += value_length
        taken.add(key.lower())
        tags.append((n, key, value))
    return tags


@memoized
@st.composite
def valid_tag_parts(draw: st.DrawFn, max_count: int = TAG_MAX_COUNT) -> Part:
    """Valid tag sets as request parts (IKP-TG1). Shrinks towards no tags (an empty part)."""
    tags = draw(valid_tag_lists(max_count=max_count))
    return valid_part(flatten(tags), ("IKP-TG1",) if tags else (), f"tags:valid-{len(tags)}")


def _insert(draw: st.DrawFn, tags: list[Tag], key: str | None, value: str | None) -> list[Tag]:
    """Put one tag among ``tags`` (renumbered 1..count+1) at a drawn position."""
    position = draw(st.integers(0, len(tags)))
    pairs = [(k, v) for _, k, v in tags]
    pairs.insert(position, (key, value))
    return [(n, k, v) for n, (k, v) in enumerate(pairs, start=1)]


def _embed(draw: st.DrawFn, word: str, max_size: int) -> str:
    base = draw(_texts(0, max_size - len(word)))
    position = draw(st.integers(0, len(base)))
    return base[:position] + word + base[position:]


INVALID_TAG_RULES = (
    "empty-key",
    "key-too-long",
    "key-forbidden-prefix",
    "key-url",
    "value-too-long",
    "value-url",
    "index-zero",
    "index-over-max",
    "too-many-tags",
    "value-without-key",
)


@memoized
@st.composite
def invalid_tag_parts(draw: st.DrawFn, rules: tuple[str, ...] = INVALID_TAG_RULES) -> Part:
    """Tag sets that break exactly one IKP-TG2 rule among otherwise valid tags -> any 4xx.

    Rules: empty key; key over 128; key starting ``acs:``/``aliyun``; key or value containing
    ``http://``/``https://``; value over 128; N = 0; N = 21 or beyond; 21 tags; a value sent
    without its key. Shrinks towards an empty key alone."""
    rule = pick(draw, rules)
    others = draw(valid_tag_lists(max_count=TAG_MAX_COUNT - 1))
    value = draw(tag_values())
    detail = rule
    if rule == "empty-key":
        tags = _insert(draw, others, "", value)
    elif rule == "key-too-long":
        tags = _insert(draw, others, draw(_texts(TAG_KEY_MAX_LENGTH + 1, 3 * TAG_KEY_MAX_LENGTH)), value)
    elif rule == "key-forbidden-prefix":
        prefix = pick(draw, TAG_KEY_FORBIDDEN_PREFIXES)
        detail = f"key-starts-{prefix.rstrip(':')}"
        tags = _insert(draw, others, prefix + draw(_texts(0, TAG_KEY_MAX_LENGTH - len(prefix))), value)
    elif rule == "key-url":
        word = pick(draw, TAG_FORBIDDEN_SUBSTRINGS)
        detail = f"key-contains-{word.rstrip(':/')}"
        tags = _insert(draw, others, _embed(draw, word, TAG_KEY_MAX_LENGTH), value)
    elif rule == "value-too-long":
        long_value = draw(_texts(TAG_VALUE_MAX_LENGTH + 1, 3 * TAG_VALUE_MAX_LENGTH))
        tags = _insert(draw, others, _fresh_key(draw, others), long_value)
    elif rule == "value-url":
        word = pick(draw, TAG_FORBIDDEN_SUBSTRINGS)
        detail = f"value-contains-{word.rstrip(':/')}"
        tags = _insert(draw, others, _fresh_key(draw, others), _embed(draw, word, TAG_VALUE_MAX_LENGTH))
    elif rule == "index-zero":
        tags = [*others, (0, _fresh_key(draw, others), value)]
    elif rule == "index-over-max":
        n = draw(st.one_of(st.just(TAG_MAX_COUNT + 1), st.integers(TAG_MAX_COUNT + 1, 1000)))
        tags = [*others, (n, _fresh_key(draw, others), value)]
    elif rule == "too-many-tags":
        tags = draw(valid_tag_lists(min_count=TAG_MAX_COUNT + 1, max_count=TAG_MAX_COUNT + 5))
    else:  # value-without-key
        tags = _insert(draw, others, None, value)
    return Part(
        flatten(tags), Validity.INVALID, frozenset({ANY_CLIENT_ERROR}), ("IKP-TG2",), f"tags:{detail}"
    )


PROFILE_TAG_RULES = ("value-starts-acs", "duplicate-key")


@memoized
@st.composite
def profile_tag_parts(draw: st.DrawFn) -> Part:
    """IKP-TG3 Profile cases: a value starting ``acs:``, or the same key twice.

    Accepted, or any 4xx. Shrinks towards an ``acs:`` value alone."""
    rule = pick(draw, PROFILE_TAG_RULES)
    others = draw(valid_tag_lists(max_count=TAG_MAX_COUNT - 2))
    if rule == "value-starts-acs":
        prefix = TAG_VALUE_FORBIDDEN_PREFIXES_SEED[0]
        value = prefix + draw(_texts(0, TAG_VALUE_MAX_LENGTH - len(prefix)))
        tags = _insert(draw, others, _fresh_key(draw, others), value)
        question = "IKP-TG3: is a tag value starting with 'acs:' accepted?"
    else:
        if others:
            key = pick(draw, [k for _, k, _ in others if k is not None])
            tags = _insert(draw, others, key, draw(tag_values()))
        else:
            key = draw(tag_keys())
            tags = [(1, key, draw(tag_values())), (2, key, draw(tag_values()))]
        question = "IKP-TG3: is the same tag key twice in one request accepted?"
    return Part(
        flatten(tags), Validity.PROFILE, frozenset({ANY_CLIENT_ERROR}), ("IKP-TG3",), f"tags:{rule}", question
    )


def _fresh_key(draw: st.DrawFn, tags: list[Tag]) -> str:
    """A valid key that no tag of ``tags`` has (so only the intended rule breaks)."""
    taken = {k.lower() for _, k, _ in tags if k is not None}
    key = draw(tag_keys())
    suffix = 0
    while key.lower() in taken:
        suffix += 1
        key = f"{key[: TAG_KEY_MAX_LENGTH - 4]}-{suffix}"
    return key
