"""Tag.N.Key / Tag.N.Value: IKP-TG1..TG3."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from conformance.marks import requires
from conformance.suite import Suite
from strategies import cases
from strategies.samples import valid_part
from strategies.tags import valid_tag_parts


@requires("IKP-TG1")
@given(data=st.data())
def test_valid_tags_are_accepted(ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject) -> None:
    """0..20 tags, keys 1..128, values 0..128 (empty allowed): accepted."""
    base = data.draw(cases.valid_import_cases(ikp.region, ikp.prefix, ikp.known_resource_group, max_tags=0))
    tags = data.draw(valid_tag_parts(), label="tags")
    ikp.expect(cases.combine([valid_part(dict(base.params), base.requirements, "base"), tags]))


@requires("IKP-TG2")
@given(data=st.data())
def test_invalid_tags_are_rejected(ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject) -> None:
    """Empty key, over-long key or value, acs:/aliyun keys, http(s):// inside, N=0 or N>20,
    a value without its key -> a 4xx error."""
    case = data.draw(
        cases.invalid_import_cases(
            ikp.region, ikp.prefix, ikp.known_resource_group, max_violations=1, slots=("tags",)
        ),
        label="case",
    )
    ikp.expect(case)


@requires("IKP-TG3")
@given(data=st.data())
def test_profile_tags(ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject) -> None:
    """A value starting with acs:, the same key twice: accepted or a 4xx (recorded)."""
    case = data.draw(
        cases.profile_import_cases(ikp.region, ikp.prefix, ikp.known_resource_group, slots=("tags",)),
        label="case",
    )
    ikp.expect(case)
