"""Blame the culprit: a wrong answer is charged to the part of the request it contradicts
(conformance/oracle/attribution.py), row by row, with the four examples of issue 11."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from oracle_helpers import FP, REGION, charged, error_json, success_json

from conformance import contract
from conformance.case import Case, CasePart, Outcome, Validity
from conformance.contract import name_marks
from conformance.exchange import Exchange, Transport
from conformance.oracle import judge_import
from conformance.oracle.attribution import TAGS, blamed_parameter
from conformance.oracle.model import TargetModel
from conformance.runner.suite import another_way
from conformance.verdict import Status
from strategies.cases import combine, missing_part, region_part, valid_import_cases
from strategies.names import MALFORMED_NAME, absent_name_part, valid_name_requirements
from strategies.samples import MALFORMED_KEY, Part, valid_part
from strategies.tags import ANY_CLIENT_ERROR

NAME_REQS = ("IKP-N2", "IKP-N3", "IKP-N4")
DSA_BODY = "ssh-dss AAAAB3NzaC1kc3MAAACBAP"  # the body's content is not what is judged here


def name_part(name: str = "Key-1") -> Part:
    return valid_part({"KeyPairName": name}, NAME_REQS, "name:valid")


def short_name_part() -> Part:
    return Part(
        {"KeyPairName": "a"}, Validity.INVALID, frozenset({MALFORMED_NAME}), ("IKP-N2",), "name:length-1"
    )


def dsa_key_part() -> Part:
    return valid_part({"PublicKeyBody": DSA_BODY}, ("IKP-K2", "IKP-R2"), "key:ssh-dss-1024")


def broken_key_part() -> Part:
    return Part(
        {"PublicKeyBody": "ssh-rsa AAAA"},
        Validity.INVALID,
        frozenset({MALFORMED_KEY}),
        ("IKP-K3",),
        "key:truncated",
    )


def tags_part(**tags: str) -> Part:
    params = {}
    for n, (key, value) in enumerate(tags.items(), start=1):
        params[f"Tag.{n}.Key"], params[f"Tag.{n}.Value"] = key, value
    return valid_part(params, ("IKP-TG1",), f"tags:valid-{len(tags)}")


def bad_tags_part() -> Part:
    return Part(
        {"Tag.1.Key": ""}, Validity.INVALID, frozenset({ANY_CLIENT_ERROR}), ("IKP-TG2",), "tags:empty-key"
    )


def request(*parts: Part) -> Case:
    """A request of ``parts`` in the default region, with a known fingerprint for success."""
    case = combine([*parts, region_part(REGION)])
    return dataclasses.replace(case, fingerprints={"plain-key": FP}) if case.expects_success() else case


# -- the Case knows which part exercises which requirement ---------------------------------------


def test_combine_keeps_every_part_with_its_parameters_validity_and_requirements() -> None:
    case = request(short_name_part(), dsa_key_part(), tags_part(env=""))
    assert case.parts == (
        CasePart(("KeyPairName",), Validity.INVALID, ("IKP-N2",), "name:length-1"),
        CasePart(("PublicKeyBody",), Validity.VALID, ("IKP-K2", "IKP-R2"), "key:ssh-dss-1024"),
        CasePart(("Tag.1.Key", "Tag.1.Value"), Validity.VALID, ("IKP-TG1",), "tags:valid-1"),
        CasePart(("RegionId",), Validity.VALID, (), "region:known"),
    )
    assert case.requirements == ("IKP-N2",)  # still the union of what decides the outcome
    assert case.to_json()["parts"][0] == {
        "parameters": ["KeyPairName"],
        "validity": "invalid",
        "requirements": ["IKP-N2"],
        "rule": "name:length-1",
    }


def test_an_absent_parameter_is_still_named_by_its_part() -> None:
    case = request(absent_name_part(), missing_part("PublicKeyBody", "IKP-K1", empty=False))
    assert [p.parameters for p in case.parts[:2]] == [("KeyPairName",), ("PublicKeyBody",)]
    assert "KeyPairName" not in case.params and "PublicKeyBody" not in case.params


# -- the error code names the parameter it blames ------------------------------------------------


@pytest.mark.parametrize(
    ("code", "message", "blamed"),
    [
        ("InvalidKeyPairName.Malformed", None, "KeyPairName"),
        ("InvalidPublicKeyBody.Malformed", None, "PublicKeyBody"),
        ("InvalidRegionId.NotFound", None, "RegionId"),
        ("InvalidResourceGroup.NotFound", None, "ResourceGroupId"),
        ("InvalidTagKey.Malformed", None, TAGS),
        ("InvalidTagValue.Malformed", None, TAGS),
        ("Duplicate.TagKey", None, TAGS),
        ("InvalidTagCount", None, TAGS),
        ("QuotaExceed.Tags", None, TAGS),
        ("MissingParameter", contract.missing_parameter_message("PublicKeyBody"), "PublicKeyBody"),
        ("MissingParameter", 'The input parameter "Tag.1.Key" is not supplied.', TAGS),
        ("MissingParameter", "something is missing", "KeyPairName"),  # the absent one
        ("InvalidParameter", 'The specified parameter "RegionId" is not valid.', "RegionId"),
        ("InvalidParameter", "bad", None),
        ("Whatever.Code", None, None),
    ],
)
def test_blamed_parameter(code: str, message: str | None, blamed: str | None) -> None:
    assert blamed_parameter(code, message, {"PublicKeyBody": "x", "RegionId": REGION}) == blamed


# -- issue 11's four examples ----------------------------------------------------------------


def test_a_rejected_valid_dsa_key_in_a_name_test_fails_k2_not_n2() -> None:
    for name in (name_part(), short_name_part()):
        case = request(name, dsa_key_part())
        verdict = judge_import(case, error_json(contract.INVALID_PUBLIC_KEY_BODY))
        assert charged(verdict) == {"IKP-K2"}, verdict.reasons
        assert "blames PublicKeyBody (key:ssh-dss-1024)" in verdict.reasons[0]


def _near_the_quota(free: int) -> Case:
    """A valid request adjusted by a model whose region has ``free`` slots left."""
    model = TargetModel(quota=3)
    model.preexisting(REGION, 3 - free)
    return model.adjust(request(name_part(), dsa_key_part()))


def test_a_quota_off_by_one_fails_s1_not_n2() -> None:
    last_slot = _near_the_quota(free=1)  # 499 of 500: the import must succeed
    verdict = judge_import(last_slot, error_json(contract.QUOTA_EXCEEDED), expected=last_slot.outcomes)
    assert charged(verdict) == {"IKP-S1"}, verdict.reasons
    full = _near_the_quota(free=0)  # 500 of 500: it must be refused
    verdict = judge_import(full, success_json(), expected=full.outcomes)
    assert charged(verdict) == {"IKP-S1"}, verdict.reasons


def test_a_rejected_empty_tag_value_fails_tg1_not_n2() -> None:
    case = request(name_part(), dsa_key_part(), tags_part(env="", team="ops"))
    for row in (contract.INVALID_TAG_VALUE, contract.INVALID_TAG_KEY, contract.INVALID_TAG_COUNT):
        verdict = judge_import(case, error_json(row))
        assert charged(verdict) == {"IKP-TG1"}, verdict.reasons


def test_a_wrong_quota_status_fails_s1_not_n2() -> None:
    full = _near_the_quota(free=0)
    verdict = judge_import(full, error_json(contract.QUOTA_EXCEEDED, status=400), expected=full.outcomes)
    assert charged(verdict) == {"IKP-S1"}, verdict.reasons


# -- the other rows --------------------------------------------------------------------------


def test_a_rejected_valid_name_fails_the_name_requirements_not_the_key() -> None:
    verdict = judge_import(request(name_part(), dsa_key_part()), error_json(contract.INVALID_KEY_PAIR_NAME))
    assert charged(verdict) == set(NAME_REQS)


def test_the_right_code_with_the_wrong_status_fails_the_blamed_invalid_part() -> None:
    case = request(short_name_part(), broken_key_part())
    verdict = judge_import(case, error_json(contract.INVALID_PUBLIC_KEY_BODY, status=403))
    assert charged(verdict) == {"IKP-K3"}


def test_a_success_for_an_invalid_part_fails_that_part_only() -> None:
    case = request(name_part(), broken_key_part())
    verdict = judge_import(case, success_json())
    assert charged(verdict) == {"IKP-K3"}
    assert "accepted although key:truncated must be rejected" in verdict.reasons[0]
    both = judge_import(
        request(short_name_part(), broken_key_part(), bad_tags_part()), success_json(name="a")
    )
    assert charged(both) == {"IKP-N2", "IKP-K3", "IKP-TG2"}


def test_missing_parameter_is_charged_to_the_parameter_it_names_or_the_absent_one() -> None:
    case = request(absent_name_part(), dsa_key_part())
    named = error_json(
        contract.MISSING_PARAMETER, status=404, message=contract.missing_parameter_message("KeyPairName")
    )
    assert charged(judge_import(case, named)) == {"IKP-N1"}
    unnamed = error_json(contract.MISSING_PARAMETER, status=404, message="a parameter is missing")
    assert charged(judge_import(case, unnamed)) == {"IKP-N1"}
    # Naming the key the request did send (and no transport under test): the key's part.
    sent = error_json(contract.MISSING_PARAMETER, message=contract.missing_parameter_message("PublicKeyBody"))
    assert charged(judge_import(request(name_part(), dsa_key_part()), sent)) == {"IKP-K2"}


def test_missing_parameter_for_a_sent_parameter_is_the_transport_when_it_is_under_test() -> None:
    case = request(name_part(), dsa_key_part())
    case = dataclasses.replace(case, requirements=(*case.requirements, "IKP-T1"))
    ex = error_json(contract.MISSING_PARAMETER, message=contract.missing_parameter_message("KeyPairName"))
    verdict = judge_import(case, ex)
    assert charged(verdict) == {"IKP-T1"} and "the target did not read it" in verdict.reasons[0]


def test_region_and_resource_group_codes_blame_their_parts() -> None:
    absent_region = combine([name_part(), dsa_key_part(), missing_part("RegionId", "IKP-G1", empty=False)])
    assert charged(judge_import(absent_region, error_json(contract.REGION_NOT_FOUND))) == {"IKP-G1"}
    group = valid_part({"ResourceGroupId": "rg-known"}, ("IKP-G3",), "resource-group:known")
    case = request(name_part(), dsa_key_part(), group)
    assert charged(judge_import(case, error_json(contract.RESOURCE_GROUP_NOT_FOUND))) == {"IKP-G3"}


def test_a_code_about_a_parameter_the_request_did_not_send_falls_back_to_the_case() -> None:
    case = request(name_part(), dsa_key_part())  # no ResourceGroupId, no tags
    assert charged(judge_import(case, error_json(contract.RESOURCE_GROUP_NOT_FOUND))) == set(
        case.requirements
    )
    assert charged(judge_import(case, error_json(contract.INVALID_TAG_KEY))) == set(case.requirements)


def test_an_unknown_code_lists_the_tests_own_requirements() -> None:
    case = request(short_name_part(), dsa_key_part())
    verdict = judge_import(case, error_json(status=400, Code="InvalidParameter.Whatever", Message="m"))
    assert charged(verdict) == {"IKP-N2"}
    valid = request(name_part(), dsa_key_part())
    verdict = judge_import(valid, error_json(status=400, Code="Oops", Message="m"))
    assert charged(verdict) == set(valid.requirements) == {*NAME_REQS, "IKP-K2", "IKP-R2", "IKP-R1"}


def test_already_exist_for_a_new_name_fails_the_rule_the_model_applied() -> None:
    exists = error_json(contract.KEY_PAIR_ALREADY_EXISTS)
    model = TargetModel()
    fresh = model.adjust(request(name_part("Key-new"), dsa_key_part()))
    assert charged(judge_import(fresh, exists, expected=fresh.outcomes)) == {"IKP-N6"}
    # The name an earlier import was refused for: a rejected import stored it (IKP-S2).
    refused = request(name_part("Key-refused"), broken_key_part())
    model.observe(refused, error_json(contract.INVALID_PUBLIC_KEY_BODY))
    again = model.adjust(request(name_part("Key-refused"), dsa_key_part()))
    assert charged(judge_import(again, exists, expected=again.outcomes)) == {"IKP-S2"}
    # A deleted name: the delete did not free it (IKP-X2).
    model.observe(fresh, success_json(name="Key-new"))
    model.deleted(REGION, ["Key-new"])
    after = model.adjust(fresh)
    assert charged(judge_import(after, exists, expected=after.outcomes)) == {"IKP-X2"}


def test_already_exist_with_a_wrong_status_for_a_case_variant_fails_n7() -> None:
    model = TargetModel()
    model.observe(request(name_part("Key-1")), success_json(name="Key-1"))
    variant = model.adjust(request(name_part("KEY-1"), dsa_key_part()))
    assert variant.profile is not None and "IKP-N7" in variant.requirements
    ok = judge_import(variant, error_json(contract.KEY_PAIR_ALREADY_EXISTS), expected=variant.outcomes)
    assert ok.status is Status.PASS  # either reading is legal
    wrong = judge_import(
        variant, error_json(contract.KEY_PAIR_ALREADY_EXISTS, status=409), expected=variant.outcomes
    )
    assert charged(wrong) == {"IKP-N7"}


def test_a_success_for_an_existing_name_fails_n6() -> None:
    model = TargetModel()
    model.observe(request(name_part("Key-1")), success_json(name="Key-1"))
    duplicate = model.adjust(request(name_part("Key-1"), dsa_key_part()))
    verdict = judge_import(duplicate, success_json(), expected=duplicate.outcomes)
    assert charged(verdict) == {"IKP-N6"}


def test_quota_exceeded_for_a_reimport_after_delete_fails_s1_and_x2() -> None:
    model = TargetModel(quota=1)
    first = request(name_part("Key-1"), dsa_key_part())
    model.observe(first, success_json(name="Key-1"))
    model.deleted(REGION, ["Key-1"])
    again = model.adjust(first)
    verdict = judge_import(again, error_json(contract.QUOTA_EXCEEDED), expected=again.outcomes)
    assert charged(verdict) == {"IKP-S1", "IKP-X2"} and first_charged(verdict) == "IKP-S1"


def test_a_case_without_parts_keeps_the_old_charge() -> None:
    case = Case({"KeyPairName": "Key-1"}, frozenset({Outcome.success()}), ("IKP-X3",))
    assert charged(judge_import(case, error_json(contract.INVALID_PUBLIC_KEY_BODY))) == {"IKP-X3"}


# -- with generated requests -----------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_import_cases())
def test_any_valid_request_whose_key_is_refused_fails_k2_alone(case: Case) -> None:
    verdict = judge_import(case, error_json(contract.INVALID_PUBLIC_KEY_BODY))
    assert charged(verdict) == {"IKP-K2"}, (case.description, verdict.reasons)
    name = judge_import(case, error_json(contract.INVALID_KEY_PAIR_NAME))
    assert charged(name) <= set(NAME_REQS) and charged(name)
    tag = judge_import(case, error_json(contract.INVALID_TAG_VALUE))
    expected = {"IKP-TG1"} if any(k.startswith("Tag.") for k in case.params) else set(case.requirements)
    assert charged(tag) == expected


def test_recombine_keeps_each_part_and_the_keys_fingerprints() -> None:
    from strategies.cases import recombine, valid_parts_of

    base = request(name_part(), dsa_key_part(), tags_part(env="x"))
    swapped = recombine(base, short_name_part(), without=("KeyPairName",))
    assert swapped.params["KeyPairName"] == "a" and swapped.params["PublicKeyBody"] == DSA_BODY
    assert [p.rule for p in swapped.parts] == [
        "key:ssh-dss-1024",
        "tags:valid-1",
        "region:known",
        "name:length-1",
    ]
    assert charged(judge_import(swapped, error_json(contract.INVALID_PUBLIC_KEY_BODY))) == {"IKP-K2"}
    retagged = recombine(base, tags_part(team=""), without=("Tag.",))
    assert retagged.fingerprints == {"plain-key": FP}  # the kept key's fingerprint is still checked
    assert "Tag.1.Value" in retagged.params and retagged.params["Tag.1.Key"] == "team"
    assert charged(judge_import(retagged, error_json(contract.INVALID_TAG_VALUE))) == {"IKP-TG1"}
    with pytest.raises(ValueError, match="not a valid part"):
        valid_parts_of(swapped)


def test_already_exist_for_an_invalid_request_whose_name_was_refused_before_fails_s2() -> None:
    """A rejected import stored the name (IKP-S2): a later request with that name, invalid for
    another reason, answered KeyPair.AlreadyExist, is charged to IKP-S2 (the model knows)."""
    model = TargetModel()
    refused = request(name_part("Key-r"), broken_key_part())
    model.observe(refused, error_json(contract.INVALID_PUBLIC_KEY_BODY))
    again = model.adjust(request(name_part("Key-r"), broken_key_part()))
    assert again.requirements == ("IKP-K3",) and again.state == ("IKP-S2",)
    verdict = judge_import(again, error_json(contract.KEY_PAIR_ALREADY_EXISTS), expected=again.outcomes)
    assert charged(verdict) == {"IKP-S2"}


@pytest.mark.parametrize("row", [contract.SIGNATURE_DOES_NOT_MATCH, contract.ACCESS_KEY_NOT_FOUND])
def test_a_signature_code_for_a_correctly_signed_request_fails_x3(row: contract.ErrorRow) -> None:
    case = request(name_part(), dsa_key_part())
    assert charged(judge_import(case, error_json(row))) == {"IKP-X3"}
    over_form = dataclasses.replace(case, requirements=(*case.requirements, "IKP-T1"))
    assert charged(judge_import(over_form, error_json(row))) == {"IKP-X3", "IKP-T1"}


def first_charged(verdict: Any) -> str:
    """The requirement a verdict failed first (what the report lists the failure under)."""
    return verdict.failed_requirements[0][0]


@pytest.mark.parametrize(
    ("transport", "first"),
    [(Transport.GET, "IKP-X3"), (Transport.V3, "IKP-X3"), (Transport.POST_FORM, "IKP-T1"),
     (Transport.POST_QUERY, "IKP-T1")],
)  # fmt: skip
def test_a_signature_code_over_a_post_under_test_fails_t1_first(transport: Transport, first: str) -> None:
    """V1 signs the same parameters on every transport and the GET tests judge the signer: a
    refusal of a correctly signed POST most likely means other bytes were verified than sent."""
    case = request(name_part(), dsa_key_part())
    over = dataclasses.replace(case, requirements=(*case.requirements, "IKP-T1", "IKP-X3"))
    answer = dataclasses.replace(error_json(contract.SIGNATURE_DOES_NOT_MATCH), transport=transport)
    verdict = judge_import(over, answer)
    assert charged(verdict) == {"IKP-X3", "IKP-T1"} and first_charged(verdict) == first


@pytest.mark.parametrize(
    "answer",
    [
        error_json(contract.ACTION_NOT_FOUND),
        error_json(contract.MISSING_PARAMETER, message=contract.missing_parameter_message("Action")),
        error_json(contract.MISSING_PARAMETER, message=contract.missing_parameter_message("Version")),
    ],
)
def test_the_operation_not_found_fails_t1(answer: Exchange) -> None:
    """The suite always sends Action and Version: a target that does not find them did not read
    the request where IKP-T1 says they travel, whatever test sent it."""
    verdict = judge_import(request(name_part(), dsa_key_part()), answer)
    assert charged(verdict) == {"IKP-T1"}, verdict.reasons
    assert "the target did not read them" in verdict.reasons[0]


@pytest.mark.parametrize(
    ("name", "prefix", "expected"),
    [
        ("ikp0a1b2c3dw1-abcdef", "ikp0a1b2c3dw1-", NAME_REQS),  # nothing marks it: all three
        ("ikp0a1b2c3dw1-ab:cd", "ikp0a1b2c3dw1-", ("IKP-N4",)),  # the prefix's '-', digits do not count
        ("ikp0a1b2c3dw1-" + "a" * 114, "ikp0a1b2c3dw1-", ("IKP-N2",)),  # length 128
        ("ikp0a1b2c3dw1-" + "a_" * 57, "ikp0a1b2c3dw1-", ("IKP-N2", "IKP-N4")),
        ("ab", "", ("IKP-N2",)),
        ("Abc", "", ("IKP-N3",)),
        ("a-1", "", ("IKP-N4",)),
    ],
)
def test_a_valid_name_names_the_rules_its_rejection_would_contradict(
    name: str, prefix: str, expected: tuple[str, ...]
) -> None:
    assert valid_name_requirements(name, prefix) == expected
    case = request(valid_part({"KeyPairName": name}, expected, "name:valid"), dsa_key_part())
    # As in any run after its first accepted import: the prefix's own marks are honoured.
    case = dataclasses.replace(case, honoured=frozenset(name_marks(prefix)))
    verdict = judge_import(case, error_json(contract.INVALID_KEY_PAIR_NAME))
    assert [r for r, _ in verdict.failed_requirements] == list(expected)


LONG_COLON_NAME = "ikp0a1b2c3dw1-" + "a" * 100 + ":" + "b" * 13  # 128 characters, one ':'


@pytest.mark.parametrize(
    ("honoured", "first"),
    [
        (frozenset(), "IKP-N2"),  # no evidence: length first
        (frozenset({"length-128"}), "IKP-N4"),  # a 128-character name was accepted: the ':'
        (frozenset({"char-:"}), "IKP-N2"),  # a ':' was accepted: the length
    ],
)
def test_a_rejected_valid_name_is_charged_first_to_the_mark_never_honoured(
    honoured: frozenset[str], first: str
) -> None:
    reqs = valid_name_requirements(LONG_COLON_NAME, "ikp0a1b2c3dw1-")
    assert reqs == ("IKP-N2", "IKP-N4")
    case = request(
        valid_part({"KeyPairName": LONG_COLON_NAME}, reqs, "name:valid-length-max"), dsa_key_part()
    )
    verdict = judge_import(
        dataclasses.replace(case, honoured=honoured), error_json(contract.INVALID_KEY_PAIR_NAME)
    )
    assert charged(verdict) == {"IKP-N2", "IKP-N4"} and first_charged(verdict) == first


def test_the_model_keeps_the_marks_of_every_accepted_name() -> None:
    model = TargetModel()
    case = request(valid_part({"KeyPairName": LONG_COLON_NAME}, NAME_REQS, "name:valid"), dsa_key_part())
    model.observe(dataclasses.replace(case, params={**case.params, "KeyPairName": "Ab-1"}), error_json())
    assert model.honoured() == frozenset()  # refused: honours nothing
    model.observe(case, success_json(name=LONG_COLON_NAME))
    assert model.honoured() == {"length-128", "digit", "char--", "char-:"}
    assert model.adjust(case).honoured == model.honoured()


def test_an_invalid_case_accepted_another_way_fails_its_rule_then_t1() -> None:
    """``another_way``: refused the suite's own way, accepted over another transport: the
    rule's check is skipped on that path; a valid case refused another way is the transport's."""
    invalid = another_way(request(short_name_part(), dsa_key_part()))
    verdict = judge_import(invalid, success_json(name="a"))
    assert [r for r, _ in verdict.failed_requirements] == ["IKP-N2", "IKP-T1"]
    valid = another_way(request(name_part(), dsa_key_part()))
    assert valid.parts == () and valid.requirements == ("IKP-T1",)
    assert charged(judge_import(valid, error_json(contract.INVALID_KEY_PAIR_NAME))) == {"IKP-T1"}
