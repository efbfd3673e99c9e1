"""Properties of judge_import over generated acceptable sets and responses (Hypothesis)."""

from __future__ import annotations

import hashlib

from hypothesis import example, given
from hypothesis import strategies as st
from oracle_helpers import (
    charged,
    error_json,
    exchange,
    json_body,
    md5_colon,
    success_json,
    success_xml,
    valid_case,
)

from conformance import contract
from conformance.case import Case, Outcome, OutcomeKind
from conformance.exchange import Exchange
from conformance.oracle import describe_outcomes, judge_import
from conformance.verdict import Status

ROWS = [row for row in contract.ERRORS_BY_CODE.values() if not row.code.startswith(("Throttling", "Service"))]
STATE = {contract.QUOTA_EXCEEDED.code: "IKP-S1", contract.KEY_PAIR_ALREADY_EXISTS.code: "IKP-N6"}
SIGNATURE = contract.SIGNATURE_ERROR_CODES
OUTCOMES = [
    Outcome.success(),
    Outcome.any_client_error(),
    *(Outcome.error(row, parameter="KeyPairName") for row in ROWS),
]
REQS = ("IKP-N2", "IKP-K3")


def _case(outcomes: frozenset[Outcome]) -> Case:
    return valid_case("Key-1", requirements=REQS, outcomes=outcomes)


@st.composite
def responses(draw: st.DrawFn) -> tuple[int, str | None]:
    """(status, Code) of a well-formed response; Code None means a success body."""
    if draw(st.booleans()):
        return 200, None
    status = draw(st.sampled_from([400, 401, 403, 404, 409, 413, 429, 500, 502, 503]) | st.integers(400, 599))
    code = draw(
        st.sampled_from([r.code for r in ROWS])
        | st.from_regex(r"[A-Z][A-Za-z]{1,12}\.[A-Z][a-z]{1,8}", fullmatch=True)
    )
    return status, code


def _in_set(outcomes: frozenset[Outcome], status: int, code: str | None) -> bool:
    """An independent statement of requirements.md's "Outcome of a request"."""
    for o in outcomes:
        if o.kind is OutcomeKind.SUCCESS and code is None and status == 200:
            return True
        if o.kind is OutcomeKind.ANY_CLIENT_ERROR and code and 400 <= status < 500:
            return True
        if o.kind is OutcomeKind.ERROR and (o.status, o.code) == (status, code):
            return True
    return False


def _charged_to(outcomes: frozenset[Outcome], code: str | None) -> set[str]:
    """Who an answer outside the set is charged to, for a case without parts (requirements.md
    and issue 11's attribution, stated independently of ``attribution.py``): a state code to
    its state rule; a success the model's errors forbid to those rules; the operation not
    found to the transport (the suite always sends Action and Version); else the case."""
    if code == contract.ACTION_NOT_FOUND.code:
        return {"IKP-T1"}
    if code in STATE:
        return {STATE[code]}
    if code in SIGNATURE:
        return {"IKP-X3"}  # the suite signs correctly: refusing it breaks IKP-X3
    if code is None:
        state = {STATE[o.code] for o in outcomes if o.kind is OutcomeKind.ERROR and o.code in STATE}
        if state and not any(o.kind is OutcomeKind.SUCCESS for o in outcomes):
            return state
    return set(REQS)


def _exchange_for(outcomes: frozenset[Outcome], status: int, code: str | None) -> Exchange:
    if code is None:
        return success_json()
    documented = [o.message for o in outcomes if o.code == code and o.status == status and o.message]
    return error_json(status=status, Code=code, Message=documented[0] if documented else "m")


@given(st.sets(st.sampled_from(OUTCOMES), min_size=1).map(frozenset), responses())
@example(frozenset({Outcome.error(contract.INVALID_KEY_PAIR_NAME)}), (200, None))
@example(frozenset({Outcome.success()}), (400, "InvalidKeyPairName.Malformed"))
@example(frozenset({Outcome.any_client_error()}), (500, "InternalError"))
@example(frozenset({Outcome.success()}), (400, "SignatureDoesNotMatch"))
@example(frozenset({Outcome.error(contract.QUOTA_EXCEEDED)}), (200, None))
def test_pass_exactly_when_the_answer_is_in_the_set(
    outcomes: frozenset[Outcome], response: tuple[int, str | None]
) -> None:
    status, code = response
    verdict = judge_import(_case(outcomes), _exchange_for(outcomes, status, code), strict_messages=True)
    if status >= 500:
        assert verdict.status is Status.FAIL and "IKP-T5" in charged(verdict)
    if _in_set(outcomes, status, code) and status < 500:
        assert verdict.status is Status.PASS, verdict.reasons
    if not _in_set(outcomes, status, code):
        assert verdict.status is Status.FAIL
        culprits = _charged_to(outcomes, code)
        assert culprits <= charged(verdict)
        assert not (set(REQS) - culprits) & charged(verdict)  # the innocent are not charged
        reason = dict(verdict.failed_requirements)[min(culprits)]
        assert all(label in reason for label in describe_outcomes(outcomes))


@given(st.lists(st.sampled_from(OUTCOMES), min_size=1, unique=True).flatmap(st.permutations), responses())
def test_order_of_acceptable_outcomes_does_not_matter(
    outcomes: list[Outcome], response: tuple[int, str | None]
) -> None:
    status, code = response
    ex = _exchange_for(frozenset(outcomes), status, code)
    forward = judge_import(_case(frozenset(outcomes)), ex)
    backward = judge_import(_case(frozenset(reversed(outcomes))), ex)
    assert forward == backward
    assert describe_outcomes(outcomes) == describe_outcomes(list(reversed(outcomes)))


retryable_codes = st.one_of(
    st.just("ServiceUnavailable"),
    st.builds("{}Throttling{}".format, st.text(max_size=8), st.text(max_size=8)),
)


@given(retryable_codes, st.sampled_from([200, 400, 403, 429, 500, 503]) | st.integers(400, 599))
def test_retryable_codes_are_never_a_verdict(code: str, status: int) -> None:
    """Any Code containing Throttling, or ServiceUnavailable, whatever the status: ERROR."""
    for outcomes in (frozenset({Outcome.success()}), frozenset({Outcome.any_client_error()})):
        verdict = judge_import(_case(outcomes), error_json(status=status, Code=code))
        assert verdict.status is Status.ERROR
        assert verdict.failed_requirements == ()


@given(st.binary(min_size=1, max_size=64), st.sampled_from(["upper", "bare-upper", "prefix", "sha1"]))
def test_any_wrong_spelling_of_the_fingerprint_fails_r2(blob: bytes, how: str) -> None:
    fp = md5_colon(blob)
    case = Case(
        {"KeyPairName": "Key-1"}, frozenset({Outcome.success()}), ("IKP-K2",), fingerprints={"plain-key": fp}
    )
    assert judge_import(case, success_json(fingerprint=fp)).passed
    assert judge_import(case, success_json(fingerprint=fp.replace(":", ""))).passed  # both IKP-R2 forms
    wrong = {
        "upper": fp.upper(),
        "bare-upper": fp.replace(":", "").upper(),
        "prefix": "MD5:" + fp,
        "sha1": ":".join(f"{b:02x}" for b in hashlib.sha1(blob).digest()),
    }[how]
    if wrong == fp:  # all-digit fingerprints have no uppercase form
        return
    verdict = judge_import(case, success_json(fingerprint=wrong))
    assert charged(verdict) == {"IKP-R2"}
    if how != "sha1":
        assert "no known candidate" not in verdict.reasons[0]


names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40)


@given(names, names)
def test_the_echoed_name_must_be_the_name_sent(sent: str, echoed: str) -> None:
    case = valid_case(sent)
    for ex in (success_json(name=sent), success_xml(name=sent)):
        if sent.strip() != sent:
            break  # XML text keeps whitespace, but keep the property about names, not XML
        assert judge_import(case, ex).passed, judge_import(case, ex).reasons
    if echoed != sent:
        assert charged(judge_import(case, success_json(name=echoed))) == {"IKP-R1"}


@given(st.text(max_size=30), st.integers(200, 599))
def test_unparseable_bodies_never_pass(text: str, status: int) -> None:
    body = "<html>" + text
    verdict = judge_import(_case(frozenset(OUTCOMES)), exchange(status, body, content_type="text/html"))
    assert verdict.status is Status.FAIL
    assert {"IKP-T2", "IKP-T4"} <= charged(verdict)


@given(st.dictionaries(st.sampled_from(["RequestId", "KeyPairName", "KeyPairFingerPrint"]), st.just("x")))
def test_a_success_missing_a_field_fails(fields: dict[str, str]) -> None:
    body = {"RequestId": "r", "KeyPairName": "Key-1", "KeyPairFingerPrint": md5_colon(b"k")}
    for key in fields:
        del body[key]
    case = Case({"KeyPairName": "Key-1"}, frozenset({Outcome.success()}), ("IKP-K2",),
                fingerprints={"plain-key": md5_colon(b"k")})  # fmt: skip
    verdict = judge_import(case, exchange(200, json_body(**body)))
    expected = {"RequestId": "IKP-T3", "KeyPairName": "IKP-R1", "KeyPairFingerPrint": "IKP-R1"}
    assert charged(verdict) == {expected[key] for key in fields}
