"""Tag.N.Key / Tag.N.Value parsing and the tag rules (IKP-TG1..TG3).

Readings chosen for the Profile point IKP-TG3: a value starting with ``acs:`` is rejected
(``InvalidTagValue.Malformed``, the seed document's rule) and the same key twice in one
request is rejected with ``Duplicate.TagKey``. N outside 1..20 is ``InvalidTagCount``; a
value without its key is ``InvalidTagKey.Malformed``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from conformance import contract
from conformance.reference import errors

_TAG_PARAM = re.compile(r"Tag\.([0-9]+)\.(Key|Value)")

Tags = tuple[tuple[str, str], ...]


def _collect(params: Mapping[str, str]) -> dict[int, dict[str, str]]:
    """Group Tag.N.* parameters by N; a malformed ``Tag.*`` name is InvalidParameter."""
    by_index: dict[int, dict[str, str]] = {}
    for name, value in params.items():
        if not name.startswith("Tag."):
            continue
        m = _TAG_PARAM.fullmatch(name)
        if m is None or (len(m.group(1)) > 1 and m.group(1).startswith("0")):
            raise errors.InvalidParameter(name if name.isprintable() else "Tag")
        index = int(m.group(1)) if len(m.group(1)) <= 6 else 0
        if not 1 <= index <= contract.TAG_MAX_COUNT:
            raise errors.InvalidTagCount()
        by_index.setdefault(index, {})[m.group(2)] = value
    return by_index


def _bad_key(key: str) -> bool:
    return (
        not contract.TAG_KEY_MIN_LENGTH <= len(key) <= contract.TAG_KEY_MAX_LENGTH
        or key.startswith(contract.TAG_KEY_FORBIDDEN_PREFIXES)
        or any(s in key for s in contract.TAG_FORBIDDEN_SUBSTRINGS)
    )


def _bad_value(value: str) -> bool:
    return (
        not contract.TAG_VALUE_MIN_LENGTH <= len(value) <= contract.TAG_VALUE_MAX_LENGTH
        or value.startswith(contract.TAG_VALUE_FORBIDDEN_PREFIXES_SEED)
        or any(s in value for s in contract.TAG_FORBIDDEN_SUBSTRINGS)
    )


def parse_tags(params: Mapping[str, str]) -> Tags:
    """The request's tags, in N order, validated for ImportKeyPair."""
    result: list[tuple[str, str]] = []
    seen: set[str] = set()
    for _, pair in sorted(_collect(params).items()):
        if "Key" not in pair:
            raise errors.InvalidTagKey()
        key = pair["Key"]
        value = pair.get("Value", "")
        if _bad_key(key):
            raise errors.InvalidTagKey()
        if _bad_value(value):
            raise errors.InvalidTagValue()
        if key in seen:
            raise errors.DuplicateTagKey()
        seen.add(key)
        result.append((key, value))
    return tuple(result)


def parse_tag_filter(params: Mapping[str, str]) -> tuple[tuple[str, str | None], ...]:
    """DescribeKeyPairs tag filters: (key, value or None for "any value"), in N order."""
    result: list[tuple[str, str | None]] = []
    for _, pair in sorted(_collect(params).items()):
        if not pair.get("Key"):
            raise errors.InvalidTagKey()
        result.append((pair["Key"], pair.get("Value")))
    return tuple(result)
