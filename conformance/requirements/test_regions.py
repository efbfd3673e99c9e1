"""RegionId and ResourceGroupId: IKP-G1..G3."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.runner.marks import requires
from conformance.runner.suite import Suite, simple_case
from strategies import cases
from strategies.rows import REGION_ROWS, region_row_part


@requires("IKP-G1", "IKP-G2")
@given(data=st.data())
def test_missing_or_unknown_region(ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject) -> None:
    """RegionId absent or empty -> MissingParameter; unknown -> a 4xx with a Code."""
    case = data.draw(
        ikp.invalid_cases("region"),
        label="case",
    )
    ikp.expect_each_way(case)


# Each RegionId rule once (``strategies.rows.REGION_ROWS``: id, RegionId, requirement).
REGION_PARAMS = [pytest.param(region, requirement, id=row) for row, region, requirement in REGION_ROWS]


@requires("IKP-G1", "IKP-G2")
@pytest.mark.parametrize(("region", "requirement"), REGION_PARAMS)
def test_region_rows(
    ikp: Suite, requirement_ids: tuple[str, ...], region: str | None, requirement: str
) -> None:
    """Each RegionId rule once, deterministically (a quick run's ten draws may miss one):
    absent or empty -> MissingParameter; unknown -> a 4xx with a Code."""
    base = simple_case(ikp.unique_name("region"), ikp.region)
    part = region_row_part(region, requirement)
    ikp.expect_each_way(cases.recombine(base, part, without=(cases.REGION_PARAM,)))


@requires("IKP-G3")
@given(data=st.data())
def test_unknown_resource_group(ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject) -> None:
    """A resource group the target does not know -> 404 InvalidResourceGroup.NotFound."""
    case = data.draw(
        ikp.invalid_cases("resource-group"),
        label="case",
    )
    ikp.expect_each_way(case)


@requires("IKP-G3")
@given(data=st.data())
def test_known_resource_group(ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject) -> None:
    """A resource group the target knows (from --resource-group) is accepted."""
    group = ikp.known_resource_group
    if group is None:
        ikp.unsupported_half("IKP-G3", "no --resource-group given: the 'known group' half was not checked")
        return
    base = data.draw(cases.valid_import_cases(ikp.region, ikp.prefix, None), label="case")
    ikp.expect_each_way(cases.recombine(base, cases.known_resource_group_part(group)))
