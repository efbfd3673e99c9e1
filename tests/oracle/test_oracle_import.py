"""judge_import, rule by rule: each right answer passes, each wrong one fails its requirement."""

from __future__ import annotations

import json

import pytest
from oracle_helpers import (
    CERT_BLOB_FP,
    CERT_PLAIN_FP,
    FP,
    JSON_CT,
    REQUEST_ID,
    WRONG,
    XML_CT,
    charged,
    error_case,
    error_json,
    error_xml,
    exchange,
    json_body,
    success_json,
    success_xml,
    valid_case,
    xml_body,
)

from conformance import contract
from conformance.case import Case, Outcome
from conformance.exchange import BodyFormat, Transport
from conformance.oracle import describe_outcomes, is_retryable, judge_import
from conformance.results import RunResults
from conformance.verdict import Observation, Status

TRANSPORT_IDS = {"IKP-T2", "IKP-T3", "IKP-T4", "IKP-T5"}


# -- correct answers pass -------------------------------------------------------------------


def test_json_success_passes_and_lists_every_exercised_requirement() -> None:
    verdict = judge_import(valid_case(), success_json())
    assert verdict.status is Status.PASS, verdict.reasons
    assert verdict.failed_requirements == ()
    assert verdict.requirements[0] == "IKP-N2"
    assert set(verdict.requirements) == {"IKP-N2", *TRANSPORT_IDS, "IKP-R1", "IKP-R2"}


def test_xml_success_passes() -> None:
    verdict = judge_import(valid_case(), success_xml())
    assert verdict.status is Status.PASS, verdict.reasons


def test_extra_success_fields_are_allowed() -> None:
    verdict = judge_import(valid_case(), success_json(KeyPairId="kp-1", Extra={"a": 1}))
    assert verdict.status is Status.PASS, verdict.reasons


def test_documented_error_passes_and_exercises_r3_not_r1() -> None:
    verdict = judge_import(error_case(), error_json())
    assert verdict.status is Status.PASS, verdict.reasons
    assert "IKP-R3" in verdict.requirements
    assert "IKP-R1" not in verdict.requirements and "IKP-R2" not in verdict.requirements
    assert verdict.warnings == ()


def test_xml_error_with_sdk_content_type_passes_without_warning() -> None:
    verdict = judge_import(error_case(), error_xml())
    assert verdict.status is Status.PASS, verdict.reasons
    assert verdict.warnings == ()


def test_json_content_type_parameters_are_free() -> None:
    ex = exchange(200, success_json().response_text, content_type="Application/JSON; charset=UTF-8")
    assert judge_import(valid_case(), ex).status is Status.PASS


# -- no verdict: ERROR ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "ex",
    [
        exchange(None, transport_error="connection refused"),
        exchange(None),
        exchange(200, success_json().response_text, transport_error="read timeout after retries"),
        error_json(contract.THROTTLING),
        error_json(contract.THROTTLING, Code="Throttling.User"),
        error_json(contract.SERVICE_UNAVAILABLE),
    ],
    ids=["refused", "no-status", "timeout", "throttling", "throttling-user", "unavailable"],
)
def test_no_verdict_is_error_never_pass_or_fail(ex: object) -> None:
    verdict = judge_import(valid_case(), ex)  # type: ignore[arg-type]
    assert verdict.status is Status.ERROR
    assert verdict.failed_requirements == ()
    assert verdict.requirements == ("IKP-N2",)
    assert verdict.reasons and verdict.reasons[0].startswith("no verdict")


def test_retryable_codes() -> None:
    assert is_retryable("Throttling") and is_retryable("Throttling.Api")
    assert is_retryable("ServiceUnavailable") and is_retryable("Rejected.Throttling")
    assert is_retryable("Request.Throttling.User") and is_retryable("RequestThrottling")
    assert not is_retryable("InternalError") and not is_retryable(None) and not is_retryable("")
    assert not is_retryable("ServiceUnavailable.Later") and not is_retryable("throttling")


@pytest.mark.parametrize("status", [200, 400, 403, 429, 503])
@pytest.mark.parametrize("code", ["Throttling.User", "Rejected.Throttling", "ServiceUnavailable"])
def test_a_retryable_code_is_error_whatever_the_status(status: int, code: str) -> None:
    verdict = judge_import(valid_case(), error_json(status=status, Code=code))
    assert verdict.status is Status.ERROR and verdict.failed_requirements == ()


def test_a_success_with_an_extra_code_field_is_a_success() -> None:
    """IKP-R1: the success fields make a 200 a success; extra fields (Code too) are allowed."""
    verdict = judge_import(valid_case(), success_json(Code="Success"))
    assert verdict.status is Status.PASS, verdict.reasons
    assert "IKP-R1" in verdict.requirements and "IKP-R3" not in verdict.requirements
    # Even a Code that would be retryable on an error body: this is a success, judged as one.
    assert judge_import(valid_case(), success_json(Code="Throttling")).status is Status.PASS
    # The error it would be for an invalid request: the success fields decide, success is wrong.
    assert "IKP-N3" in charged(judge_import(error_case(), success_json(name="1bad", Code="200")))


def test_a_200_with_a_code_but_without_the_success_fields_is_an_error_body() -> None:
    verdict = judge_import(valid_case(), error_json(status=200))
    assert "IKP-T4" in charged(verdict)


# -- IKP-T3 -------------------------------------------------------------------------------------


def test_missing_request_id_fails_t3_only() -> None:
    ex = exchange(200, json_body(KeyPairName="Key-1", KeyPairFingerPrint=FP))
    verdict = judge_import(valid_case(), ex)
    assert verdict.status is Status.FAIL
    assert charged(verdict) == {"IKP-T3"}


def test_empty_request_id_in_error_fails_t3() -> None:
    verdict = judge_import(error_case(), error_json(RequestId="  "))
    assert charged(verdict) == {"IKP-T3"}


# -- IKP-T2: syntax and content type --------------------------------------------------------------


def test_html_instead_of_json_fails_t2_and_t4() -> None:
    ex = exchange(200, "<html><body>Welcome to nginx</body>", content_type="text/html")
    verdict = judge_import(valid_case(), ex)
    assert verdict.status is Status.FAIL
    assert {"IKP-T2", "IKP-T4"} <= charged(verdict)
    assert "IKP-T3" not in charged(verdict)  # not charged twice for one unreadable body
    assert "IKP-R1" not in verdict.requirements


def test_html_error_page_is_not_the_documented_error() -> None:
    ex = exchange(400, "<html>Bad Request", content_type="text/html")
    verdict = judge_import(error_case(), ex)
    assert {"IKP-T2", "IKP-T4", "IKP-N3"} <= charged(verdict)
    reason = dict(verdict.failed_requirements)["IKP-N3"]
    assert reason == "expected one of [400 InvalidKeyPairName.Malformed], got 400 (unparseable body)"


def test_xml_body_when_json_was_asked_fails_t2() -> None:
    ex = exchange(200, success_xml().response_text, content_type=XML_CT, fmt=BodyFormat.JSON)
    verdict = judge_import(valid_case(), ex)
    assert charged(verdict) == {"IKP-T2"}
    assert "asked for JSON" in verdict.reasons[0]


def test_json_body_when_xml_was_asked_fails_t2() -> None:
    ex = exchange(400, error_json().response_text, fmt=BodyFormat.XML)
    assert charged(judge_import(error_case(), ex)) == {"IKP-T2"}


@pytest.mark.parametrize("syntax", ["json", "xml"])
def test_absent_format_accepts_either_and_records_the_reading(syntax: str) -> None:
    source = success_json() if syntax == "json" else success_xml()
    ex = exchange(200, source.response_text, content_type=source.content_type, fmt=BodyFormat.ABSENT)
    verdict = judge_import(valid_case(), ex)
    assert verdict.status is Status.PASS, verdict.reasons
    assert Observation("IKP-T2", "body syntax when Format is absent", syntax) in verdict.observations


def test_v3_asking_json_with_accept_expects_json() -> None:
    xml = success_xml()
    ex = exchange(200, xml.response_text, content_type=XML_CT, fmt=BodyFormat.ABSENT,
                  transport=Transport.V3, accept="application/json")  # fmt: skip
    verdict = judge_import(valid_case(), ex)
    assert charged(verdict) == {"IKP-T2"}
    assert "asked for JSON (Accept)" in verdict.reasons[0]
    ok = exchange(200, success_json().response_text, fmt=BodyFormat.ABSENT,
                  transport=Transport.V3, accept="application/json")  # fmt: skip
    assert judge_import(valid_case(), ok).status is Status.PASS


def test_v3_without_a_json_accept_may_get_either() -> None:
    xml = success_xml()
    for accept in ("*/*", None):
        ex = exchange(200, xml.response_text, content_type=XML_CT, fmt=BodyFormat.ABSENT,
                      transport=Transport.V3, accept=accept)  # fmt: skip
        verdict = judge_import(valid_case(), ex)
        assert verdict.status is Status.PASS, verdict.reasons
        assert Observation("IKP-T2", "body syntax when Format is absent", "xml") in verdict.observations


@pytest.mark.parametrize("content_type", ["text/xml;charset=utf-8", "text/html", "text/plain", None])
def test_json_body_with_a_contradicting_content_type_is_only_a_warning(content_type: str | None) -> None:
    """IKP-T2: the body is judged, not the header."""
    ex = exchange(200, success_json().response_text, content_type=content_type)
    verdict = judge_import(valid_case(), ex)
    assert verdict.status is Status.PASS, verdict.reasons
    assert "IKP-T2" in verdict.requirements
    assert len(verdict.warnings) == 1
    assert verdict.warnings[0].startswith("IKP-T2: JSON body with Content-Type")


def test_xml_body_labelled_json_is_only_a_warning() -> None:
    ex = exchange(200, success_xml().response_text, content_type=JSON_CT, fmt=BodyFormat.XML)
    verdict = judge_import(valid_case(), ex)
    assert verdict.status is Status.PASS, verdict.reasons
    assert verdict.warnings and verdict.warnings[0].startswith("IKP-T2: XML body with Content-Type")


def test_a_contradicting_content_type_does_not_excuse_a_wrong_body() -> None:
    """The body decides: a JSON body for Format=XML fails IKP-T2 whatever the header says."""
    ex = exchange(200, success_json().response_text, content_type=XML_CT, fmt=BodyFormat.XML)
    assert charged(judge_import(valid_case(), ex)) == {"IKP-T2"}


@pytest.mark.parametrize("content_type", ["application/xml", "text/xml; charset=UTF-8", "text/xml"])
def test_xml_error_with_another_xml_type_passes_with_a_warning(content_type: str) -> None:
    verdict = judge_import(error_case(), error_xml(content_type=content_type))
    assert verdict.status is Status.PASS, verdict.reasons
    assert len(verdict.warnings) == 1
    assert "text/xml;charset=utf-8" in verdict.warnings[0] and verdict.warnings[0].startswith("IKP-T2")


def test_xml_success_with_application_xml_has_no_warning() -> None:
    xml = success_xml()
    ex = exchange(200, xml.response_text, content_type="application/xml", fmt=BodyFormat.XML)
    verdict = judge_import(valid_case(), ex)
    assert verdict.status is Status.PASS and verdict.warnings == ()


# -- IKP-T4: shapes and statuses ----------------------------------------------------------------


def test_200_with_an_error_body_fails_t4_and_the_case() -> None:
    ex = error_json(status=200)
    verdict = judge_import(error_case(), ex)
    assert {"IKP-T4", "IKP-N3"} <= charged(verdict)
    t4 = dict(verdict.failed_requirements)["IKP-T4"]
    assert "never 200" in t4
    assert "error body with a success status" in dict(verdict.failed_requirements)["IKP-N3"]


def test_200_with_an_error_body_for_a_valid_request_fails_t4() -> None:
    verdict = judge_import(valid_case(), error_json(status=200))
    assert {"IKP-T4", "IKP-N2"} <= charged(verdict)


def test_xml_error_root_other_than_error_fails_t4() -> None:
    verdict = judge_import(error_case(), error_xml(root="Response"))
    assert charged(verdict) == {"IKP-T4"}


def test_xml_success_root_other_than_documented_fails_t4() -> None:
    verdict = judge_import(valid_case(), success_xml(root="Response"))
    assert charged(verdict) == {"IKP-T4"}


def test_error_without_message_fails_t4() -> None:
    verdict = judge_import(error_case(), error_json(Message=None))
    assert "IKP-T4" in charged(verdict)
    assert "Message" in dict(verdict.failed_requirements)["IKP-T4"]


def test_xml_error_root_without_code_fails_t4_and_the_case() -> None:
    text = xml_body("Error", RequestId=REQUEST_ID, Message="x")
    ex = exchange(400, text, content_type=XML_CT, fmt=BodyFormat.XML)
    verdict = judge_import(error_case(), ex)
    assert {"IKP-T4", "IKP-N3"} <= charged(verdict)
    assert "Code" in dict(verdict.failed_requirements)["IKP-T4"]


def test_redirect_status_with_an_error_body_fails_t4() -> None:
    verdict = judge_import(error_case(), error_json(status=302))
    assert {"IKP-T4", "IKP-N3"} <= charged(verdict)


# -- IKP-T5 -------------------------------------------------------------------------------------


def test_500_internal_error_fails_t5_and_the_case() -> None:
    verdict = judge_import(valid_case(), error_json(contract.INTERNAL_ERROR))
    assert {"IKP-T5", "IKP-N2"} <= charged(verdict)
    assert verdict.status is Status.FAIL


def test_bare_502_fails_t5() -> None:
    verdict = judge_import(valid_case(), exchange(502, "Bad Gateway", content_type="text/plain"))
    assert {"IKP-T2", "IKP-T4", "IKP-T5"} <= charged(verdict)


def test_5xx_is_a_t5_failure_even_if_the_case_lists_it() -> None:
    case = Case(params={"KeyPairName": "a"}, outcomes=frozenset({Outcome.error(contract.INTERNAL_ERROR)}),
                requirements=("IKP-N2",))  # fmt: skip
    verdict = judge_import(case, error_json(contract.INTERNAL_ERROR))
    assert charged(verdict) == {"IKP-T5"}


# -- the acceptable set: charged to the case's requirements -------------------------------------


def test_success_for_an_invalid_name_fails_the_cases_requirements() -> None:
    case = error_case(requirements=("IKP-N3", "IKP-N4"))
    verdict = judge_import(case, success_json(name="1bad"))
    failed = dict(verdict.failed_requirements)
    assert set(failed) == {"IKP-N3", "IKP-N4"}
    assert failed["IKP-N3"] == "expected one of [400 InvalidKeyPairName.Malformed], got 200 success"


def test_wrong_code_fails_the_case_not_the_transport() -> None:
    verdict = judge_import(error_case(), error_json(contract.INVALID_PUBLIC_KEY_BODY))
    assert charged(verdict) == {"IKP-N3"}
    assert "got 400 InvalidPublicKeyBody.Malformed" in verdict.reasons[0]
    assert "IKP-R3" not in verdict.requirements  # no message compared for a wrong code


def test_right_code_wrong_status_fails_the_case() -> None:
    verdict = judge_import(error_case(), error_json(status=403))
    assert charged(verdict) == {"IKP-N3"}


def test_rejecting_a_valid_request_fails_the_case() -> None:
    verdict = judge_import(valid_case(), error_json())
    assert charged(verdict) == {"IKP-N2"}
    assert "expected one of [200 success], got 400 InvalidKeyPairName.Malformed" in verdict.reasons[0]


def test_any_of_several_applicable_errors_passes() -> None:
    outcomes = frozenset({Outcome.error(contract.INVALID_KEY_PAIR_NAME),
                          Outcome.error(contract.INVALID_PUBLIC_KEY_BODY)})  # fmt: skip
    case = error_case(requirements=("IKP-N3", "IKP-K3"))
    case = Case(case.params, outcomes, case.requirements)
    for row in (contract.INVALID_KEY_PAIR_NAME, contract.INVALID_PUBLIC_KEY_BODY):
        assert judge_import(case, error_json(row)).status is Status.PASS
    assert charged(judge_import(case, error_json(contract.MISSING_PARAMETER))) == {"IKP-N3", "IKP-K3"}


def test_any_client_error_accepts_an_undocumented_4xx_code() -> None:
    case = Case({"RegionId": "xx-nowhere-1"}, frozenset({Outcome.any_client_error()}), ("IKP-G2",))
    assert judge_import(case, error_json(contract.REGION_NOT_FOUND)).status is Status.PASS
    assert judge_import(case, error_json(Code="Whatever.Code", status=409)).status is Status.PASS
    empty = judge_import(case, error_json(Code=""))
    assert {"IKP-G2", "IKP-T4"} <= charged(empty)
    assert "IKP-G2" in charged(judge_import(case, error_json(contract.INTERNAL_ERROR)))
    assert "IKP-G2" in charged(judge_import(case, success_json()))


def test_expected_overrides_the_case_outcomes() -> None:
    case = valid_case()
    exists = frozenset({Outcome.error(contract.KEY_PAIR_ALREADY_EXISTS)})
    # The model said the name exists: a success contradicts IKP-N6, not the case's IKP-N2.
    assert charged(judge_import(case, success_json(), expected=exists)) == {"IKP-N6"}
    ok = judge_import(case, error_json(contract.KEY_PAIR_ALREADY_EXISTS), expected=exists)
    assert ok.status is Status.PASS, ok.reasons


def test_success_with_201_fails_r1_and_the_case() -> None:
    ex = exchange(201, success_json().response_text)
    verdict = judge_import(valid_case(), ex)
    assert {"IKP-R1", "IKP-N2"} <= charged(verdict)


# -- IKP-R1 ---------------------------------------------------------------------------------------


def test_name_not_echoed_fails_r1() -> None:
    verdict = judge_import(valid_case("Key-1"), success_json(name="key-1"))
    assert charged(verdict) == {"IKP-R1"}
    assert "'key-1'" in verdict.reasons[0] and "'Key-1'" in verdict.reasons[0]


def test_missing_name_fails_r1() -> None:
    ex = exchange(200, json_body(RequestId=REQUEST_ID, KeyPairFingerPrint=FP))
    assert charged(judge_import(valid_case(), ex)) == {"IKP-R1"}


# -- IKP-R2 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", sorted(WRONG))
def test_wrong_fingerprint_names_the_known_candidate(label: str) -> None:
    verdict = judge_import(valid_case(), success_json(fingerprint=WRONG[label]))
    assert charged(verdict) == {"IKP-R2"}
    assert f"it matches {label}" in verdict.reasons[0]


@pytest.mark.parametrize(
    ("fingerprint", "label"),
    [
        (FP.upper(), "uppercase"),
        ("MD5:" + FP, "'MD5:' prefix"),
        (FP.replace(":", "").upper(), "uppercase, no colons"),
    ],
)
def test_generic_fingerprint_variants_are_named(fingerprint: str, label: str) -> None:
    verdict = judge_import(valid_case(), success_json(fingerprint=fingerprint))
    assert charged(verdict) == {"IKP-R2"}
    assert verdict.reasons[0].endswith(f"it matches {label}")


def test_unknown_fingerprint_says_so() -> None:
    verdict = judge_import(valid_case(), success_json(fingerprint="00:" * 15 + "00"))
    assert charged(verdict) == {"IKP-R2"}
    assert "no known candidate" in verdict.reasons[0]


def test_missing_fingerprint_fails_r1() -> None:
    """IKP-R1 lists KeyPairFingerPrint among the fields of every success (a renamed field is
    no wrong fingerprint: there is none to judge)."""
    ex = exchange(200, json_body(RequestId=REQUEST_ID, KeyPairName="Key-1"))
    assert charged(judge_import(valid_case(), ex)) == {"IKP-R1"}


def certificate_case() -> Case:
    """A certificate import that may succeed with either certificate fingerprint (IKP-R2)."""
    return Case(
        params={
            "RegionId": "r",
            "KeyPairName": "Cert-1",
            "PublicKeyBody": "ssh-rsa-cert-v01@openssh.com AAAA",
        },
        outcomes=frozenset({Outcome.success()}),
        requirements=("IKP-K2",),
        fingerprints={"plain-key": CERT_PLAIN_FP, "certificate-blob": CERT_BLOB_FP},
        key_type="ssh-rsa-cert-v01@openssh.com",
    )


@pytest.mark.parametrize(
    ("fingerprint", "label"), [(CERT_PLAIN_FP, "plain-key"), (CERT_BLOB_FP, "certificate-blob")]
)
def test_certificate_accepts_either_fingerprint_and_records_which(fingerprint: str, label: str) -> None:
    case = certificate_case()
    verdict = judge_import(case, success_json(name="Cert-1", fingerprint=fingerprint))
    assert verdict.status is Status.PASS, verdict.reasons
    assert Observation("IKP-R2", "certificate fingerprint", label) in verdict.observations
    wrong = judge_import(case, success_json(name="Cert-1", fingerprint=CERT_BLOB_FP.upper()))
    assert "uppercase of certificate-blob" in wrong.reasons[0]


def test_plain_key_records_no_certificate_observation() -> None:
    observations = judge_import(valid_case(), success_json()).observations
    assert not any(o.question == "certificate fingerprint" for o in observations)
    assert observations == (Observation("IKP-R2", "fingerprint form", "colon-separated"),)


def test_fingerprint_without_colons_is_accepted_and_recorded() -> None:
    """IKP-R2, observed on real ECS: 32 lowercase hex digits without colons."""
    verdict = judge_import(valid_case(), success_json(fingerprint=FP.replace(":", "")))
    assert verdict.status is Status.PASS, verdict.reasons
    assert Observation("IKP-R2", "fingerprint form", "no colons") in verdict.observations


@pytest.mark.parametrize(
    ("fingerprint", "label"), [(CERT_PLAIN_FP, "plain-key"), (CERT_BLOB_FP, "certificate-blob")]
)
def test_certificate_fingerprint_without_colons_is_accepted(fingerprint: str, label: str) -> None:
    case = certificate_case()
    verdict = judge_import(case, success_json(name="Cert-1", fingerprint=fingerprint.replace(":", "")))
    assert verdict.status is Status.PASS, verdict.reasons
    assert Observation("IKP-R2", "certificate fingerprint", label) in verdict.observations
    assert Observation("IKP-R2", "fingerprint form", "no colons") in verdict.observations


@pytest.mark.parametrize(
    "fingerprint",
    [FP.replace(":", "").upper(), FP.replace(":", "")[:-1], FP.replace(":", "") + "0", FP.replace(":", "-")],
    ids=["upper-bare", "short", "long", "dashes"],
)
def test_other_spellings_of_the_fingerprint_still_fail_r2(fingerprint: str) -> None:
    assert charged(judge_import(valid_case(), success_json(fingerprint=fingerprint))) == {"IKP-R2"}


def test_without_known_fingerprints_only_the_format_is_checked() -> None:
    case = Case({"KeyPairName": "Key-1"}, frozenset({Outcome.success()}), ("IKP-K4",))
    assert judge_import(case, success_json(fingerprint="12:" * 15 + "ab")).status is Status.PASS
    assert judge_import(case, success_json(fingerprint="12" * 15 + "ab")).status is Status.PASS
    assert charged(judge_import(case, success_json(fingerprint="12:" * 15 + "AB"))) == {"IKP-R2"}
    assert charged(judge_import(case, success_json(fingerprint="12:" * 19 + "ab"))) == {"IKP-R2"}


# -- IKP-R3 ---------------------------------------------------------------------------------------


def test_message_mismatch_is_a_warning_by_default() -> None:
    verdict = judge_import(error_case(), error_json(message="Name is bad."))
    assert verdict.status is Status.PASS
    assert len(verdict.warnings) == 1 and verdict.warnings[0].startswith("IKP-R3")
    assert "Name is bad." in verdict.warnings[0]
    assert "IKP-R3" in verdict.requirements


def test_message_mismatch_fails_r3_when_strict() -> None:
    verdict = judge_import(error_case(), error_json(message="Name is bad."), strict_messages=True)
    assert charged(verdict) == {"IKP-R3"}
    assert verdict.warnings == ()


def test_missing_parameter_message_must_name_the_parameter() -> None:
    case = error_case(contract.MISSING_PARAMETER, requirements=("IKP-K1",), parameter="PublicKeyBody")
    right = contract.missing_parameter_message("PublicKeyBody")
    assert judge_import(
        case, error_json(contract.MISSING_PARAMETER, message=right), strict_messages=True
    ).passed
    wrong = contract.missing_parameter_message("KeyPairName")
    verdict = judge_import(case, error_json(contract.MISSING_PARAMETER, message=wrong), strict_messages=True)
    assert charged(verdict) == {"IKP-R3"}


def test_either_missing_parameter_message_passes_when_both_apply() -> None:
    outcomes = frozenset(
        Outcome.error(contract.MISSING_PARAMETER, parameter=p) for p in ("KeyPairName", "PublicKeyBody")
    )
    case = Case({}, outcomes, ("IKP-N1", "IKP-K1"))
    for p in ("KeyPairName", "PublicKeyBody"):
        ex = error_json(contract.MISSING_PARAMETER, message=contract.missing_parameter_message(p))
        verdict = judge_import(case, ex, strict_messages=True)
        assert verdict.passed and verdict.warnings == ()


def test_any_client_error_does_not_compare_messages() -> None:
    case = Case({"RegionId": "xx"}, frozenset({Outcome.any_client_error()}), ("IKP-G2",))
    verdict = judge_import(
        case, error_json(contract.REGION_NOT_FOUND, message="anything"), strict_messages=True
    )
    assert verdict.passed and "IKP-R3" not in verdict.requirements


# -- Profile cases ---------------------------------------------------------------------------------


def _profile_case() -> Case:
    return valid_case(
        "Key.dot",
        requirements=("IKP-N5",),
        profile="IKP-N5: '.' in a name",
        outcomes=frozenset({Outcome.success(), Outcome.error(contract.INVALID_KEY_PAIR_NAME)}),
    )


def test_profile_case_accepts_success_and_records_it() -> None:
    verdict = judge_import(_profile_case(), success_json(name="Key.dot"))
    assert verdict.status is Status.PASS, verdict.reasons
    assert Observation("IKP-N5", "'.' in a name", "accepted") in verdict.observations


def test_profile_case_accepts_the_error_and_records_it() -> None:
    verdict = judge_import(_profile_case(), error_json())
    assert verdict.status is Status.PASS, verdict.reasons
    assert Observation("IKP-N5", "'.' in a name", "400 InvalidKeyPairName.Malformed") in verdict.observations


def test_profile_case_still_fails_outside_the_set() -> None:
    verdict = judge_import(_profile_case(), error_json(contract.INVALID_PUBLIC_KEY_BODY))
    assert charged(verdict) == {"IKP-N5"}
    assert "expected one of [200 success, 400 InvalidKeyPairName.Malformed]" in verdict.reasons[0]
    assert not any(o.requirement == "IKP-N5" for o in verdict.observations)


def test_profile_without_an_id_prefix_uses_the_profile_requirement() -> None:
    case = valid_case("Key.dot", requirements=("IKP-N2", "IKP-N5"), profile="dot in a name",
                      outcomes=_profile_case().outcomes)  # fmt: skip
    verdict = judge_import(case, success_json(name="Key.dot"))
    assert Observation("IKP-N5", "dot in a name", "accepted") in verdict.observations


# -- reporting helpers and the results model -------------------------------------------------------


def test_describe_outcomes_is_ordered_and_deduplicated() -> None:
    outcomes = [
        Outcome.any_client_error(),
        Outcome.error(contract.QUOTA_EXCEEDED),
        Outcome.error(contract.MISSING_PARAMETER, parameter="KeyPairName"),
        Outcome.error(contract.MISSING_PARAMETER, parameter="PublicKeyBody"),
        Outcome.success(),
    ]
    assert describe_outcomes(outcomes) == [
        "200 success",
        "400 MissingParameter",
        "403 QuotaExceed.KeyPair",
        "4xx (any code)",
    ]


def test_results_charge_only_the_failed_requirement() -> None:
    ex = exchange(200, json.dumps({"KeyPairName": "Key-1", "KeyPairFingerPrint": FP}))
    verdict = judge_import(valid_case(), ex)
    results = RunResults()
    results.record("t", verdict, exchange=ex)
    assert results.requirements["IKP-T3"].failed == 1
    assert results.requirements["IKP-N2"].passed == 1
    assert results.requirements["IKP-R2"].passed == 1


def test_results_count_errors_as_errors() -> None:
    results = RunResults()
    results.record("t", judge_import(valid_case(), exchange(None, transport_error="refused")))
    assert results.requirements["IKP-N2"].errors == 1
    assert results.requirements["IKP-N2"].failed == 0
    assert results.requirements["IKP-T3"].cases == 0


def test_a_case_without_requirements_or_outcomes_is_a_suite_error() -> None:
    bare = Case({"KeyPairName": "Key-1"}, frozenset({Outcome.success()}), ())
    assert judge_import(bare, error_json()).status is Status.ERROR
    assert judge_import(valid_case(), success_json(), expected=frozenset()).status is Status.ERROR
