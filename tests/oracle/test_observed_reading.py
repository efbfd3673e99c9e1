"""The observed reading (``conformance/oracle/readings.py``, evidence in ``conformance/observed.py``):
the body predicate is sound (genuine keys and the bodies nobody could accept are untouched, the
Terraform body real ECS accepted qualifies), the observed-ECS server's own shape check never
accepts what the predicate refuses, and ``judge_import`` relaxes IKP-K3 only under
``--reading observed``, annotating the documented reading's failure with the evidence."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from oracle_helpers import REGION, error_json, success_json

from conformance import contract, observed
from conformance.case import Case, CasePart, Outcome, Validity
from conformance.mutants.observed import OBSERVED_VARIANTS, lenient_key
from conformance.mutants.variants import VARIANTS
from conformance.oracle import judge_import
from conformance.oracle.readings import DOCUMENTED, OBSERVED, lenient_body, relaxation_for
from conformance.results import RunResults
from conformance.verdict import Status
from strategies import cases
from strategies.broken import DOC_EXAMPLE_BODY, broken_keys
from strategies.encodings import openssh_line
from strategies.keys import ed25519_keys

TF_BODY = observed.TF_BODY
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
PRIVATE_KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
)


def _broken_case(body: str = TF_BODY, *, name: str = "Key-1", extra: tuple[CasePart, ...] = ()) -> Case:
    key = CasePart(("PublicKeyBody",), Validity.INVALID, ("IKP-K3",), "key:truncated-mid-field@ssh-rsa")
    return Case(
        params={"RegionId": REGION, "KeyPairName": name, "PublicKeyBody": body},
        outcomes=frozenset({Outcome.error(contract.INVALID_PUBLIC_KEY_BODY)}),
        requirements=tuple(dict.fromkeys(("IKP-K3", *(r for p in extra for r in p.requirements)))),
        key_type="ssh-rsa",
        parts=(key, *extra),
    )


# -- the predicate --------------------------------------------------------------------------------


def test_the_terraform_body_qualifies_and_is_what_the_evidence_names() -> None:
    assert lenient_body(TF_BODY)
    assert lenient_body(TF_BODY + " a comment")
    assert TF_BODY in observed.LENIENT_KEY_BODY.finding
    assert observed.LENIENT_KEY_BODY.confidence is observed.Confidence.HIGH


@pytest.mark.parametrize(
    "body",
    [
        DOC_EXAMPLE_BODY,  # the documentation's own example: one token
        PRIVATE_KEY,
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA",  # not a documented type
        "sk-ssh-ed25519@openssh.com AAAA",
        "SSH-RSA AAAAB3Nza12345678qwertyuudsfsg",  # the type name's case differs
        "ssh-rsa AAAA!AAA",  # not the base64 alphabet
        "ssh-rsa AAAA===",  # three padding characters
        "ssh-rsa",  # a type and nothing else
        " ssh-rsa AAAA",  # leading whitespace
        "ssh-rsa AAAA comment\nssh-rsa AAAA",  # two lines
        "https://example.com/id_rsa.pub",
        "",
        # Documented types other than the evidence's: that ECS takes them as loosely is an
        # inference no observation shows, so they stay Core.
        "ssh-dss AAAAB3Nza12345678qwertyuudsfsg",
        "ecdsa-sha2-nistp256 AAAAE2VjZHNh",
        "ssh-rsa-cert-v01@openssh.com AAAAHHNzaC1yc2EtY2VydC12MDFAb3BlbnNzaC5jb20",
    ],
)
def test_bodies_nobody_could_take_for_a_key_do_not_qualify(body: str) -> None:
    assert not lenient_body(body)
    assert lenient_key(body) is None
    assert relaxation_for(_broken_case(body)) is None


@SLOW
@given(case=cases.valid_import_cases(REGION, "ikp-"))
def test_valid_cases_have_no_relaxation(case: Case) -> None:
    """Genuine keys of every documented type and form: judged the same under both readings."""
    assert relaxation_for(case) is None
    answer = success_json(case.params["KeyPairName"], next(iter(case.fingerprints.values())))
    documented = judge_import(case, answer, reading=DOCUMENTED)
    assert judge_import(case, answer, reading=OBSERVED) == documented
    assert documented.evidence == ()


@SLOW
@given(sample=broken_keys())
def test_the_server_and_the_judge_agree_on_the_shape(sample: object) -> None:
    """The observed-ECS server accepts a broken body only when the judge's predicate allows it
    (written apart: they share constants, not logic), and only documented type names qualify."""
    body = sample.body  # type: ignore[attr-defined]
    if lenient_key(body) is not None:
        assert lenient_body(body)
    if lenient_body(body):
        assert body.split(" ", 1)[0] in contract.DOCUMENTED_KEY_TYPES
        assert sample.rule not in ("not-a-key", "private-key", "undocumented-type", "bad-base64")  # type: ignore[attr-defined]


@SLOW
@given(key=ed25519_keys())
def test_ed25519_keys_stay_core(key: object) -> None:
    body = openssh_line("ssh-ed25519", key.blob.data, None)  # type: ignore[attr-defined]
    assert not lenient_body(body) and lenient_key(body) is None


# -- the judgement --------------------------------------------------------------------------------


def test_documented_reading_fails_the_acceptance_and_names_the_evidence() -> None:
    verdict = judge_import(_broken_case(), success_json(fingerprint="092c14158cc6f2b698c2393c7bb54d17"))
    assert verdict.status is Status.FAIL
    assert "IKP-K3" in dict(verdict.failed_requirements)
    assert verdict.evidence == ("OBS-1b",)


def test_observed_reading_accepts_it_with_any_nonempty_fingerprint() -> None:
    for fingerprint in ("092c14158cc6f2b698c2393c7bb54d17", "09:2c:14", "not judged"):
        verdict = judge_import(_broken_case(), success_json(fingerprint=fingerprint), reading=OBSERVED)
        assert verdict.status is Status.PASS, verdict.reasons
        assert verdict.evidence == ("OBS-1b",)


def test_observed_reading_still_needs_the_success_fields() -> None:
    no_fingerprint = judge_import(_broken_case(), success_json(fingerprint=""), reading=OBSERVED)
    assert no_fingerprint.status is Status.FAIL and no_fingerprint.evidence == ()
    other_name = judge_import(_broken_case(), success_json(name="Other"), reading=OBSERVED)
    assert other_name.status is Status.FAIL and "IKP-R1" in dict(other_name.failed_requirements)


def test_rejection_stays_acceptable_under_both_readings() -> None:
    answer = error_json(contract.INVALID_PUBLIC_KEY_BODY)
    for reading in (DOCUMENTED, OBSERVED):
        verdict = judge_import(_broken_case(), answer, reading=reading)
        assert verdict.status is Status.PASS and verdict.evidence == ()


def test_no_relaxation_when_another_part_is_invalid_or_the_state_forbids_success() -> None:
    name = CasePart(("KeyPairName",), Validity.INVALID, ("IKP-N3",), "name:first-digit")
    with_bad_name = _broken_case(name="1bad", extra=(name,))
    assert relaxation_for(with_bad_name) is None
    verdict = judge_import(with_bad_name, success_json(name="1bad"), reading=OBSERVED)
    assert verdict.status is Status.FAIL
    for fact in ("IKP-N6", "IKP-S1"):
        assert relaxation_for(dataclasses.replace(_broken_case(), state=(fact,))) is None
    assert relaxation_for(dataclasses.replace(_broken_case(), parts=())) is not None  # K3 only
    hand_built = dataclasses.replace(_broken_case(), parts=(), requirements=("IKP-K3", "IKP-N2"))
    assert relaxation_for(hand_built) is None


def test_an_unknown_reading_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown reading"):
        judge_import(_broken_case(), success_json(), reading="lenient")


def test_results_count_relaxations_and_annotate_shared_failures() -> None:
    documented = RunResults(meta={"reading": DOCUMENTED})
    documented.record("t", judge_import(_broken_case(), success_json(fingerprint="x")))
    doc = documented.to_json()
    assert doc["reading"]["shared_failures"] == {"OBS-1b": 1} and doc["reading"]["relaxations"] == []
    [failure] = doc["failures"]
    assert failure["observed"][0]["id"] == "OBS-1b"
    assert "real ECS was observed accepting this too" in failure["observed"][0]["note"]
    relaxed = RunResults(meta={"reading": OBSERVED})
    relaxed.record("t", judge_import(_broken_case(), success_json(fingerprint="x"), reading=OBSERVED))
    doc = relaxed.to_json()
    assert doc["failures"] == [] and doc["reading"]["relaxations"][0]["applied"] == 1
    again = RunResults.from_json(doc)
    again.merge(RunResults.from_json(doc))
    assert again.relaxed["OBS-1b"] == 2


# -- the catalogue --------------------------------------------------------------------------------


def test_the_observed_server_is_not_a_legal_variant() -> None:
    assert "observed-ecs" in OBSERVED_VARIANTS and "observed-ecs" not in VARIANTS


def test_every_evidence_entry_names_known_requirements_and_sources() -> None:
    assert {e.id for e in observed.EVIDENCE} >= {"OBS-1b", "OBS-2g", "OBS-2h", "OBS-3a", "OBS-4a", "OBS-4c"}
    for evidence in observed.EVIDENCE:
        assert evidence.sources and all(s.where for s in evidence.sources)
        assert all(r in contract.REQUIREMENTS_BY_ID for r in evidence.requirements)
        if evidence.treatment is observed.Treatment.RELAXED:
            assert evidence.confidence is observed.Confidence.HIGH
