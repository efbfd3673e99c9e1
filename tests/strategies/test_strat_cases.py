"""Whole-request Cases: outcomes consistent with the requirement IDs and the union rule."""

from __future__ import annotations

import pytest
from strategies_oracles import collect, reaches

from conformance.case import Case, Outcome, OutcomeKind
from conformance.contract import (
    DEFAULT_RESOURCE_GROUP,
    INVALID_KEY_PAIR_NAME,
    INVALID_PUBLIC_KEY_BODY,
    MISSING_PARAMETER,
    RESOURCE_GROUP_NOT_FOUND,
    missing_parameter_message,
    requirement,
)
from strategies.cases import (
    combine,
    import_cases,
    invalid_import_cases,
    missing_parameter_cases,
    profile_import_cases,
    valid_import_cases,
)
from strategies.fingerprints import PLAIN_KEY
from strategies.names import absent_name_part
from strategies.samples import SUCCESS

REGION = "cn-qingdao"
PREFIX = "ikpa1b2c3-"
GROUP = DEFAULT_RESOURCE_GROUP
REQUIRED = ("KeyPairName", "PublicKeyBody", "RegionId")


def _codes(case: Case) -> set[str | None]:
    return {o.code for o in case.outcomes}


def _missing(param: str) -> Outcome:
    return Outcome.error(MISSING_PARAMETER, parameter=param)


def check_case(case: Case) -> None:
    """Every Case: outcomes non-empty and explained by its requirement IDs."""
    assert case.outcomes and case.requirements
    for req in case.requirements:
        requirement(req)  # a KeyError names an ID requirements.md does not have
    success = SUCCESS in case.outcomes
    errors = case.outcomes - {SUCCESS}
    reqs = set(case.requirements)
    assert set(case.params) <= {*REQUIRED, "ResourceGroupId"} | {
        k for k in case.params if k.startswith("Tag.")
    }
    if not success:  # invalid: only errors, each explained by a requirement of the case
        assert not case.fingerprints and case.profile is None
        for outcome in errors:
            if outcome.code == "MissingParameter":
                param = next(p for p in REQUIRED if missing_parameter_message(p) == outcome.message)
                assert case.params.get(param, "") == ""
                assert reqs & {"IKP-N1", "IKP-K1", "IKP-G1"}
            elif outcome.code == INVALID_KEY_PAIR_NAME.code:
                assert reqs & {"IKP-N1", "IKP-N2", "IKP-N3", "IKP-N4", "IKP-N5"}
            elif outcome.code == INVALID_PUBLIC_KEY_BODY.code:
                assert reqs & {"IKP-K3", "IKP-K4", "IKP-K5"}
            elif outcome.code == RESOURCE_GROUP_NOT_FOUND.code:
                assert "IKP-G3" in reqs and case.params["ResourceGroupId"] != GROUP
            else:
                assert outcome.kind is OutcomeKind.ANY_CLIENT_ERROR
                assert reqs & {"IKP-G2", "IKP-TG2", "IKP-TG3"}
        for param in REQUIRED:  # a missing required parameter always shows in the outcomes
            if case.params.get(param, "") == "":
                assert _missing(param) in case.outcomes
    elif errors:  # a Profile question: success or its error
        assert case.profile and case.profile.split(":")[0] in reqs
        assert {r for r in reqs if requirement(r).tier.value == "Profile"}
        assert all(case.params.get(p) for p in REQUIRED)
    else:  # valid
        assert case.outcomes == frozenset({SUCCESS}) and case.profile is None
        assert {"IKP-R1", "IKP-K2", "IKP-R2"} <= reqs
        # The name's rules its rejection could contradict (``names.valid_name_requirements``).
        assert reqs & {"IKP-N2", "IKP-N3", "IKP-N4"}
        assert all(case.params.get(p) for p in REQUIRED)
    if success and case.key_type:
        assert case.fingerprints[PLAIN_KEY]
        assert not set(case.wrong_fingerprints.values()) & set(case.fingerprints.values())


def test_valid_cases() -> None:
    cases = collect(valid_import_cases(REGION, PREFIX, GROUP), 300)
    for case in cases:
        check_case(case)
        assert case.outcomes == frozenset({SUCCESS})
        assert case.params["RegionId"] == REGION
        assert case.params["KeyPairName"].startswith(PREFIX)
        assert case.params.get("ResourceGroupId", GROUP) == GROUP
        assert case.encoding == "openssh"
    assert any("ResourceGroupId" in c.params for c in cases)
    assert any(any(k.startswith("Tag.") for k in c.params) for c in cases)
    assert not any("ResourceGroupId" in c.params for c in collect(valid_import_cases(REGION, PREFIX), 100))


def test_invalid_cases_never_include_success_and_unite_their_errors() -> None:
    cases = collect(invalid_import_cases(REGION, PREFIX, GROUP, max_violations=3), 300)
    for case in cases:
        check_case(case)
        assert SUCCESS not in case.outcomes
    strategy = invalid_import_cases(REGION, PREFIX, GROUP, max_violations=3)
    # a bad name and a bad key together give both errors
    both = {INVALID_KEY_PAIR_NAME.code, INVALID_PUBLIC_KEY_BODY.code}
    check_case(reaches(strategy, lambda c: both <= _codes(c), cases))
    check_case(
        reaches(strategy, lambda c: any(o.kind is OutcomeKind.ANY_CLIENT_ERROR for o in c.outcomes), cases)
    )
    check_case(reaches(strategy, lambda c: RESOURCE_GROUP_NOT_FOUND.code in _codes(c), cases))
    check_case(reaches(strategy, lambda c: len(_codes(c)) >= 3, cases))


def test_one_violation_gives_exactly_its_errors() -> None:
    for slot, expected in (
        ("name", {INVALID_KEY_PAIR_NAME.code, "MissingParameter"}),
        ("key", {INVALID_PUBLIC_KEY_BODY.code, "MissingParameter"}),
        ("resource-group", {RESOURCE_GROUP_NOT_FOUND.code}),
        ("tags", {None}),
        ("region", {None, "MissingParameter"}),
    ):
        for case in collect(invalid_import_cases(REGION, PREFIX, GROUP, max_violations=1, slots=(slot,)), 80):
            check_case(case)
            assert _codes(case) <= expected, (slot, case.outcomes)


def test_missing_parameters() -> None:
    seen = set()
    for case in collect(missing_parameter_cases(REGION, PREFIX), 200):
        check_case(case)
        missing = [p for p in REQUIRED if case.params.get(p, "") == ""]
        assert len(missing) == 1
        assert _missing(missing[0]) in case.outcomes
        allowed = {_missing(missing[0])}
        if missing[0] == "KeyPairName" and "KeyPairName" in case.params:
            allowed.add(Outcome.error(INVALID_KEY_PAIR_NAME))
        assert case.outcomes == allowed
        seen.add((missing[0], missing[0] in case.params))
    assert len(seen) == 6


def test_profile_cases_include_success_and_the_error() -> None:
    cases = collect(profile_import_cases(REGION, PREFIX, GROUP), 300)
    for case in cases:
        check_case(case)
        assert SUCCESS in case.outcomes and len(case.outcomes) >= 2
        assert case.profile
    for question in ("IKP-K4", "IKP-K5", "IKP-N5", "IKP-TG3"):
        strategy = profile_import_cases(REGION, PREFIX, GROUP)
        check_case(reaches(strategy, lambda c, q=question: (c.profile or "").startswith(q), cases))


@pytest.mark.parametrize(
    ("flags", "rule"),
    [
        ({"only_valid": True}, "valid"),
        ({"only_invalid": True}, "invalid"),
        ({"include_profile": False}, "no-profile"),
        ({}, "any"),
    ],
)
def test_import_cases_flags(flags: dict[str, bool], rule: str) -> None:
    cases = collect(import_cases(REGION, PREFIX, GROUP, **flags), 200)
    for case in cases:
        check_case(case)
        if rule == "valid":
            assert case.outcomes == frozenset({SUCCESS})
        if rule == "invalid":
            assert SUCCESS not in case.outcomes
        if rule == "no-profile":
            assert case.profile is None
    kinds = {("s" if SUCCESS in c.outcomes else "") + ("e" if c.outcomes - {SUCCESS} else "") for c in cases}
    assert (
        kinds == {"valid": {"s"}, "invalid": {"e"}, "no-profile": {"s", "e"}, "any": {"s", "se", "e"}}[rule]
    )


def test_import_cases_rejects_contradicting_flags() -> None:
    with pytest.raises(ValueError):
        import_cases(only_valid=True, only_invalid=True)


def test_combine_is_the_union() -> None:
    case = combine([absent_name_part()])
    assert case.outcomes == frozenset({_missing("KeyPairName")})
    assert case.requirements == ("IKP-N1",)
