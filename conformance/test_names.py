"""KeyPairName: IKP-N1..N7 (presence, length, first character, alphabet, Profile letters,
duplicates, case and region)."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from conformance.marks import requires
from conformance.suite import Suite
from strategies import cases
from strategies.case import Case
from strategies.names import FIRST_CHARACTERS, NAME_CHARACTERS, absent_name_part, empty_name_part


def _valid(ikp: Suite, data: st.DataObject) -> Case:
    return data.draw(cases.valid_import_cases(ikp.region, ikp.prefix, ikp.known_resource_group), label="case")


@requires("IKP-N2", "IKP-N3", "IKP-N4")
@given(data=st.data())
def test_valid_names_are_accepted(ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject) -> None:
    """Letters first, then letters, digits, ':', '_', '-', up to 128 characters: accepted."""
    ikp.expect(_valid(ikp, data))


@requires("IKP-N2")
@given(data=st.data())
def test_two_character_names_are_accepted(
    ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject
) -> None:
    """The shortest legal name (2 characters). It cannot carry the run prefix, so the suite
    picks one the target does not list (when it can list) and records it for cleanup."""
    case = _valid(ikp, data)
    first = data.draw(st.sampled_from(FIRST_CHARACTERS), label="first")
    second = data.draw(st.sampled_from(NAME_CHARACTERS), label="second")
    ours = {n.lower() for region in ikp.model.regions() for n in ikp.model.names(region)}

    def free(candidate: str) -> bool:
        if candidate.lower() in ours:
            return False
        return not ikp.capabilities.describe or candidate not in ikp.list_names(ikp.region, candidate)

    candidates = [first + second] + [a + b for a in FIRST_CHARACTERS for b in NAME_CHARACTERS]
    name = next((c for c in candidates if free(c)), first + second)
    params = dict(case.params, KeyPairName=name)
    ikp.expect(
        dataclasses.replace(case, params=params, requirements=(*case.requirements, "IKP-N2")), fresh=False
    )


@requires("IKP-N2", "IKP-N3", "IKP-N4")
@given(data=st.data())
def test_invalid_names_are_rejected(
    ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject
) -> None:
    """Length 1, 129+, a non-letter first, a forbidden character, http(s):// -> Malformed."""
    case = data.draw(
        cases.invalid_import_cases(
            ikp.region, ikp.prefix, ikp.known_resource_group, max_violations=1, slots=("name",)
        ),
        label="case",
    )
    ikp.expect(case)


@requires("IKP-N1")
@given(data=st.data())
def test_missing_name(ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject) -> None:
    """No KeyPairName -> MissingParameter; an empty one -> MissingParameter or Malformed."""
    part = data.draw(st.sampled_from((absent_name_part(), empty_name_part())), label="name")
    valid = _valid(ikp, data)
    params = {k: v for k, v in valid.params.items() if k != "KeyPairName"} | dict(part.params)
    ikp.expect(Case(params, part.rejections, part.requirements, description=part.rule))


@requires("IKP-N5")
@given(data=st.data())
def test_profile_names(ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject) -> None:
    """Non-ASCII letters and '.': accepted or Malformed; the reading goes to the profile."""
    case = data.draw(
        cases.profile_import_cases(ikp.region, ikp.prefix, ikp.known_resource_group, slots=("name",)),
        label="case",
    )
    ikp.expect(case)


@requires("IKP-N6")
@given(data=st.data())
def test_duplicate_name(ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject) -> None:
    """Importing a name twice in one region -> KeyPair.AlreadyExist (the model expects it)."""
    case = _valid(ikp, data)
    ikp.expect(case)
    again = _valid(ikp, data)  # another key, same name
    ikp.expect(
        dataclasses.replace(again, params=dict(again.params, KeyPairName=case.params["KeyPairName"])),
        fresh=False,
    )


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
        ikp.expect(dataclasses.replace(other, params=dict(other.params, KeyPairName=swapped)), fresh=False)
    elsewhere = _valid(ikp, data)
    ikp.expect(
        dataclasses.replace(
            elsewhere, params=dict(elsewhere.params, KeyPairName=name, RegionId=ikp.other_region)
        ),
        fresh=False,
    )
