"""KeyPairName: IKP-N1..N7 (presence, length, first character, alphabet, Profile letters,
duplicates, case and region)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.case import Case
from conformance.oracle.model import ALREADY_EXISTS
from conformance.runner.marks import requires
from conformance.runner.naming import free_two_character_name, name_row_case, nameless, one_way_only, renamed
from conformance.runner.session import Suite
from strategies import classes
from strategies.names import (
    FIRST_CHARACTERS,
    NAME_CHARACTERS,
    absent_name_part,
    empty_name_part,
)


def _valid(ikp: Suite, data: st.DataObject) -> Case:
    return data.draw(ikp.valid_cases(), label="case")


@requires("IKP-N2", "IKP-N3", "IKP-N4")
@given(data=st.data())
def test_valid_names_are_accepted(ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject) -> None:
    """Letters first, then letters, digits, ':', '_', '-', up to 128 characters: accepted."""
    ikp.expect_each_way(_valid(ikp, data))


@requires("IKP-N2")
@given(data=st.data())
def test_two_character_names_are_accepted(
    ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject
) -> None:
    """The shortest legal name (2 characters). It cannot carry the run prefix, so the suite
    picks one the target lists in neither region (when it can list) and records it for cleanup.

    ``KeyPair.AlreadyExist`` is accepted too: the name is not the run's own, so a key pair of
    that name (of another user on a shared account, unlisted, or in another case or region
    on a target whose names are case-insensitive or global, IKP-N7) may exist unseen, and a
    legal target must then refuse it. What IKP-N2 forbids, ``Malformed`` for 2 characters,
    still fails."""
    case = _valid(ikp, data)
    first = data.draw(st.sampled_from(FIRST_CHARACTERS), label="first")
    second = data.draw(st.sampled_from(NAME_CHARACTERS), label="second")
    two = renamed(ikp, case, free_two_character_name(ikp, first, second))
    ikp.expect(dataclasses.replace(two, outcomes=two.outcomes | {ALREADY_EXISTS}), fresh=False)


@requires("IKP-N2", "IKP-N3", "IKP-N4")
@given(data=st.data())
def test_invalid_names_are_rejected(
    ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject
) -> None:
    """Length 1, 129+, a non-letter first, a forbidden character, http(s):// -> Malformed."""
    case = data.draw(
        ikp.invalid_cases("name"),
        label="case",
    )
    ikp.expect_each_way(case)


# The rows that must run whatever the Hypothesis budget (a random draw reaches each of them
# only now and then): one per name class of the inventory (``strategies/classes.py``), built
# from a fresh valid name; the two-character edge has its own test, plain valid names come
# with every valid case.
NAME_ROWS = [
    c for c in classes.INVENTORY
    if c.requirement in ("IKP-N1", "IKP-N2", "IKP-N3", "IKP-N4", "IKP-N5")
    and c.id not in ("name:valid", "name:valid-length-min")
]  # fmt: skip


@requires("IKP-N1", "IKP-N2", "IKP-N3", "IKP-N4", "IKP-N5")
@pytest.mark.parametrize("row", NAME_ROWS, ids=[c.id.removeprefix("name:") for c in NAME_ROWS])
def test_name_boundary_rows(ikp: Suite, requirement_ids: tuple[str, ...], row: classes.InputClass) -> None:
    """Each class of the name rules once, deterministically: absent and empty; 128 characters
    and ':', '_', '-' accepted; 1, 129 and more characters, each bad first character, each
    forbidden character kind right after the prefix, inside and last (a trailing newline too),
    the http(s):// starts -> Malformed; each Profile letter, '.' and non-ASCII number."""
    case = name_row_case(ikp, row)
    if one_way_only(row):
        ikp.expect(case)
    else:
        ikp.expect_each_way(case)


@requires("IKP-N1")
@given(data=st.data())
def test_missing_name(ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject) -> None:
    """No KeyPairName -> MissingParameter; an empty one -> MissingParameter or Malformed."""
    part = data.draw(st.sampled_from((absent_name_part(), empty_name_part())), label="name")
    valid = _valid(ikp, data)
    ikp.expect_each_way(nameless(valid, part))


@requires("IKP-N5")
@given(data=st.data())
def test_profile_names(ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject) -> None:
    """Non-ASCII letters and '.': accepted or Malformed; the reading goes to the profile."""
    case = data.draw(
        ikp.profile_cases("name"),
        label="case",
    )
    ikp.expect_each_way(case)


@requires("IKP-N6")
@given(data=st.data())
def test_duplicate_name(ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject) -> None:
    """Importing a name twice in one region -> KeyPair.AlreadyExist (the model expects it)."""
    case = _valid(ikp, data)
    ikp.expect(case)
    again = _valid(ikp, data)  # another key, same name
    ikp.expect(renamed(ikp, again, case.params["KeyPairName"]), fresh=False)


@requires("IKP-N7")
@given(data=st.data())
def test_case_variant_and_other_region(
    ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject
) -> None:
    """A name differing only in case, and the same name in another region: either reading."""
    case = _valid(ikp, data)
    ikp.expect(case)
    name = case.params["KeyPairName"]
    swapped = name.swapcase()
    if swapped != name:
        other = _valid(ikp, data)
        ikp.expect(renamed(ikp, other, swapped), fresh=False)
    elsewhere = _valid(ikp, data)
    ikp.expect(renamed(ikp, elsewhere, name, ikp.other_region), fresh=False)
