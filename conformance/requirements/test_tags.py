"""Tag.N.Key / Tag.N.Value: IKP-TG1..TG3."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.runner.marks import requires
from conformance.runner.suite import Suite, simple_case
from strategies import cases
from strategies.rows import TAG_EDGES, tag_row_part
from strategies.tags import valid_tag_parts

# The boundary rows that must run whatever the Hypothesis budget (``strategies.rows.TAG_EDGES``):
# each row's id is its input class (``strategies/classes.py``, ``tags:<id>``).


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
    ikp.expect_each_way(cases.recombine(base, tag_row_part(row, valid, tag_params)))


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
