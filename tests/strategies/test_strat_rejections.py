"""Rejections of an existing name (strategies/rejections.py): every kind refused under every
legal reading but ``duplicate`` (valid: the state model makes it KeyPair.AlreadyExist), the
stored name and region kept, the swapped parameters gone, no Profile part among them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.case import Case
from conformance.contract import DEFAULT_RESOURCE_GROUP
from strategies.cases import KEY_PARAM, valid_import_cases
from strategies.rejections import (
    DUPLICATE,
    REJECTION_KINDS,
    REJECTION_ROWS,
    TAG_KINDS,
    rejected_import,
    rejection_parts,
)
from strategies.samples import KeySample, Part, Validity
from strategies.tags import INVALID_TAG_RULES

REGION, OTHER, PREFIX, NAME = "cn-qingdao", "cn-beijing", "ikpa1b2c3-", "ikpa1b2c3-stored"


def _check(case: Case, kind: str, base: Case, part: Part | KeySample | None) -> None:
    assert case.params["KeyPairName"] == NAME
    assert case.params["RegionId"] == OTHER
    assert all(p.validity is not Validity.PROFILE for p in case.parts), case.parts
    if part is None:
        assert kind == DUPLICATE
        assert case.expects_success() and case.outcomes == base.outcomes
        assert case.params[KEY_PARAM] == base.params[KEY_PARAM]
        return
    assert not case.expects_success(), kind
    swapped = part.part() if isinstance(part, KeySample) else part
    assert swapped.validity is Validity.INVALID
    for param in swapped.parameters():
        assert case.params.get(param) == swapped.params.get(param), param
    if kind.startswith("tags:"):  # none of the base's tags is left beside the broken set
        tags = {k: v for k, v in case.params.items() if k.startswith("Tag.")}
        assert tags == dict(swapped.params)
    else:
        assert {k: v for k, v in case.params.items() if k.startswith("Tag.")} == {
            k: v for k, v in base.params.items() if k.startswith("Tag.")
        }


def test_every_tag_rule_is_a_kind_and_every_kind_has_a_row() -> None:
    assert {k.removeprefix("tags:") for k in TAG_KINDS} == set(INVALID_TAG_RULES)
    assert set(REJECTION_ROWS) == set(REJECTION_KINDS)
    assert REJECTION_ROWS[DUPLICATE] is None
    assert all(REJECTION_ROWS[k] is not None for k in REJECTION_KINDS if k != DUPLICATE)


@pytest.mark.parametrize("kind", REJECTION_KINDS)
@settings(max_examples=5)
@given(data=st.data())
def test_each_row_and_each_draw_is_refused_under_the_stored_name(kind: str, data: st.DataObject) -> None:
    base = data.draw(valid_import_cases(REGION, PREFIX, DEFAULT_RESOURCE_GROUP))
    row = REJECTION_ROWS[kind]
    _check(rejected_import(base, NAME, OTHER, kind, row, PREFIX), kind, base, row)
    part = data.draw(rejection_parts(kind, DEFAULT_RESOURCE_GROUP))
    _check(rejected_import(base, NAME, OTHER, kind, part, PREFIX), kind, base, part)


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown rejection kind"):
        rejection_parts("name:absent")
