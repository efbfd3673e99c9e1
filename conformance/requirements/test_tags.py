"""Tag.N.Key / Tag.N.Value: IKP-TG1..TG3."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import contract
from conformance.case import Outcome
from conformance.runner.marks import requires
from conformance.runner.suite import Suite, simple_case
from strategies import cases
from strategies.samples import Part, Validity, valid_part
from strategies.tags import Tag, flatten, valid_tag_parts

_MAX = contract.TAG_MAX_COUNT
_KEY_MAX, _VALUE_MAX = contract.TAG_KEY_MAX_LENGTH, contract.TAG_VALUE_MAX_LENGTH


def _tags(*pairs: Tag) -> dict[str, str]:
    """``Tag.N.Key``/``Tag.N.Value`` parameters (``tags.flatten``); None leaves that half out."""
    return flatten(list(pairs))


def _many(count: int) -> list[tuple[int, str | None, str | None]]:
    return [(n, f"k{n}", f"v{n}") for n in range(1, count + 1)]


# The boundary rows that must run whatever the Hypothesis budget: (class, valid?, parameters).
# Each row's id is its input class (``strategies/classes.py``, ``tags:<id>``): the invalid ones
# are the classes ``tags.invalid_tag_parts`` draws, so a quick run reaches every one of them.
# Lengths are in characters (IKP-TG1): a key of 128 CJK characters is 384 UTF-8 bytes. The XML
# specials must come back unchanged from DescribeKeyPairs in either format (IKP-X1).
_XML_SPECIALS = "R&D <core> \"q\" 'a' &amp;"
TAG_EDGES = [
    ("valid-1", True, _tags((1, "k", "v"))),
    ("valid-some", True, _tags(*_many(3))),
    (f"valid-{_MAX}", True, _tags(*_many(_MAX))),
    ("key-max-value-max", True, _tags((1, "k" * _KEY_MAX, "v" * _VALUE_MAX))),
    ("multibyte-max", True, _tags((1, "\u952e" * _KEY_MAX, "\u00e9" * _VALUE_MAX))),
    ("xml-specials", True, _tags((1, "a&b<c>", _XML_SPECIALS))),
    ("value-empty", True, _tags((1, "k", ""))),
    ("too-many-tags", False, _tags(*_many(_MAX + 1))),
    ("index-over-max", False, _tags((_MAX + 1, "k", "v"))),
    ("index-zero", False, _tags((0, "k", "v"))),
    ("empty-key", False, _tags((1, "", "v"))),
    ("key-too-long", False, _tags((1, "k" * (_KEY_MAX + 1), "v"))),
    ("value-too-long", False, _tags((1, "k", "v" * (_VALUE_MAX + 1)))),
    ("value-without-key", False, _tags((1, None, "v"))),
    *[
        (f"key-starts-{p.rstrip(':')}", False, _tags((1, p + "x", "v")))
        for p in contract.TAG_KEY_FORBIDDEN_PREFIXES
    ],
    *[
        (f"key-contains-{w[:-3]}", False, _tags((1, f"a{w}x", "v")))
        for w in contract.TAG_FORBIDDEN_SUBSTRINGS
    ],
    *[
        (f"value-contains-{w[:-3]}", False, _tags((1, "k", f"a{w}x")))
        for w in contract.TAG_FORBIDDEN_SUBSTRINGS
    ],
]


@requires("IKP-TG1", "IKP-TG2")
@pytest.mark.parametrize(("row", "valid", "tag_params"), TAG_EDGES, ids=[r[0] for r in TAG_EDGES])
def test_tag_boundary_rows(
    ikp: Suite, requirement_ids: tuple[str, ...], row: str, valid: bool, tag_params: dict[str, str]
) -> None:
    """Each class of the tag rules once, deterministically: 1, 3 and 20 tags, 128-character
    keys and values (ASCII and multi-byte), XML specials, an empty value accepted; 21 tags,
    N = 21, N = 0, an empty, over-long, acs:/aliyun or http(s):// key, an over-long or
    http(s):// value, a value without its key -> a 4xx."""
    base = simple_case(ikp.unique_name("tag"), ikp.region)
    rejected = frozenset({Outcome.any_client_error()})
    part = (
        valid_part(tag_params, ("IKP-TG1",), f"tags:{row}")
        if valid
        else Part(tag_params, Validity.INVALID, rejected, ("IKP-TG2",), f"tags:{row}")
    )
    ikp.expect_each_way(cases.recombine(base, part))


@requires("IKP-TG1")
@given(data=st.data())
def test_valid_tags_are_accepted(ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject) -> None:
    """0..20 tags, keys 1..128, values 0..128 (empty allowed): accepted."""
    base = data.draw(ikp.valid_cases(max_tags=0))
    tags = data.draw(valid_tag_parts(), label="tags")
    ikp.expect_each_way(cases.recombine(base, tags, without=("Tag.",)))


@requires("IKP-TG2")
@given(data=st.data())
def test_invalid_tags_are_rejected(ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject) -> None:
    """Empty key, over-long key or value, acs:/aliyun keys, http(s):// inside, N=0 or N>20,
    a value without its key -> a 4xx error."""
    case = data.draw(
        ikp.invalid_cases("tags"),
        label="case",
    )
    ikp.expect_each_way(case)


@requires("IKP-TG3")
@given(data=st.data())
def test_profile_tags(ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject) -> None:
    """A value starting with acs:, the same key twice: accepted or a 4xx (recorded)."""
    case = data.draw(
        ikp.profile_cases("tags"),
        label="case",
    )
    ikp.expect_each_way(case)
