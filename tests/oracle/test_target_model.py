"""TargetModel: duplicate and quota expectations follow from the history of the run."""

from __future__ import annotations

import threading

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from oracle_helpers import OTHER_REGION, REGION, error_case, error_json, exchange, success_json, valid_case

from conformance import contract
from conformance.case import Case, Outcome
from conformance.exchange import Exchange
from conformance.oracle import judge_import, judge_race
from conformance.oracle.model import QUESTION_CASE_ONLY, QUESTION_OTHER_REGION, TargetModel
from conformance.verdict import Observation, Status

SUCCESS = Outcome.success()
EXISTS = Outcome.error(contract.KEY_PAIR_ALREADY_EXISTS)
QUOTA = Outcome.error(contract.QUOTA_EXCEEDED)
MALFORMED = Outcome.error(contract.INVALID_KEY_PAIR_NAME)


def _import(model: TargetModel, name: str, region: str = REGION) -> Case:
    """Record a successful import of ``name`` in ``region``; returns the case."""
    case = valid_case(name, region)
    model.observe(case, success_json(name=name))
    return case


def test_a_fresh_name_keeps_the_case_outcomes() -> None:
    model = TargetModel()
    case = valid_case("Key-1")
    assert model.adjust(case).outcomes == frozenset({SUCCESS})
    assert model.adjust(case) == case


def test_a_duplicate_in_the_region_becomes_already_exist() -> None:
    model = TargetModel()
    _import(model, "Key-1")
    case = valid_case("Key-1")
    assert model.adjust(case).outcomes == frozenset({EXISTS})
    adjusted = model.adjust(case)
    assert adjusted.requirements == ("IKP-N2", "IKP-N6")
    assert adjusted.profile is None
    assert judge_import(adjusted, error_json(contract.KEY_PAIR_ALREADY_EXISTS)).passed
    assert "IKP-N6" in {r for r, _ in judge_import(adjusted, success_json()).failed_requirements}


def test_an_invalid_request_with_a_duplicate_name_may_get_either_error() -> None:
    model = TargetModel()
    _import(model, "Key-1")
    case = error_case(contract.INVALID_PUBLIC_KEY_BODY, name="Key-1", requirements=("IKP-K3",))
    assert model.adjust(case).outcomes == frozenset({Outcome.error(contract.INVALID_PUBLIC_KEY_BODY), EXISTS})


def test_quota_edge_499_succeeds_and_500_is_quota_exceeded() -> None:
    model = TargetModel(quota=contract.KEY_PAIRS_PER_REGION)
    model.preexisting(REGION, contract.KEY_PAIRS_PER_REGION - 1)
    last = model.adjust(valid_case("Key-499"))
    assert last.outcomes == frozenset({SUCCESS})
    assert "IKP-S1" in last.requirements  # the last free slot is the quota edge
    model.observe(last, success_json(name="Key-499"))
    assert model.count(REGION) == contract.KEY_PAIRS_PER_REGION
    assert model.room(REGION) == 0
    full = model.adjust(valid_case("Key-500"))
    assert full.outcomes == frozenset({QUOTA})
    assert "IKP-S1" in full.requirements
    assert judge_import(full, error_json(contract.QUOTA_EXCEEDED)).passed


def test_region_below_the_edge_does_not_claim_s1() -> None:
    model = TargetModel()
    model.preexisting(REGION, 10)
    assert "IKP-S1" not in model.adjust(valid_case("Key-1")).requirements


def test_full_region_and_duplicate_name_accept_either_error() -> None:
    model = TargetModel(quota=2)
    _import(model, "Key-1")
    _import(model, "Key-2")
    adjusted = model.adjust(valid_case("Key-1"))
    assert adjusted.outcomes == frozenset({EXISTS, QUOTA})
    assert {"IKP-N6", "IKP-S1"} <= set(adjusted.requirements)


def test_regions_are_independent() -> None:
    model = TargetModel(quota=1)
    _import(model, "Key-1", REGION)
    assert model.adjust(valid_case("Key-2", REGION)).outcomes == frozenset({QUOTA})
    assert model.adjust(valid_case("Key-2", OTHER_REGION)).outcomes == frozenset({SUCCESS})
    assert model.count(OTHER_REGION) == 0


def test_same_name_in_another_region_is_profile_n7() -> None:
    model = TargetModel()
    _import(model, "Key-1", REGION)
    adjusted = model.adjust(valid_case("Key-1", OTHER_REGION))
    assert adjusted.outcomes == frozenset({SUCCESS, EXISTS})
    assert "IKP-N7" in adjusted.requirements
    assert adjusted.profile == QUESTION_OTHER_REGION
    verdict = judge_import(adjusted, error_json(contract.KEY_PAIR_ALREADY_EXISTS))
    assert verdict.passed
    reading = Observation("IKP-N7", QUESTION_OTHER_REGION.split(": ", 1)[1], "400 KeyPair.AlreadyExist")
    assert reading in verdict.observations
    accepted = judge_import(adjusted, success_json())
    assert accepted.passed
    assert Observation("IKP-N7", reading.question, "accepted") in accepted.observations


@pytest.mark.parametrize("variant", ["key-1", "KEY-1", "kEy-1"])
def test_names_differing_only_in_case_are_profile_n7(variant: str) -> None:
    model = TargetModel()
    _import(model, "Key-1")
    adjusted = model.adjust(valid_case(variant))
    assert adjusted.outcomes == frozenset({SUCCESS, EXISTS})
    assert adjusted.profile == QUESTION_CASE_ONLY
    assert "IKP-N6" not in adjusted.requirements and "IKP-N7" in adjusted.requirements


def test_an_existing_profile_question_is_kept() -> None:
    model = TargetModel()
    _import(model, "Key.dot")
    case = valid_case("key.dot", requirements=("IKP-N5",), profile="IKP-N5: '.' in a name",
                      outcomes=frozenset({SUCCESS, MALFORMED}))  # fmt: skip
    adjusted = model.adjust(case)
    assert adjusted.profile == "IKP-N5: '.' in a name"
    assert adjusted.outcomes == frozenset({SUCCESS, MALFORMED, EXISTS})


def test_a_failed_import_stores_nothing() -> None:
    model = TargetModel()
    case = valid_case("Key-1")
    model.observe(case, error_json(contract.INVALID_PUBLIC_KEY_BODY))
    assert model.count(REGION) == 0 and model.created() == []
    adjusted = model.adjust(case)
    assert adjusted.outcomes == frozenset({SUCCESS})
    assert "IKP-S2" in adjusted.requirements


def test_a_successful_import_is_stored_even_when_judged_wrong() -> None:
    model = TargetModel()
    case = valid_case("Key-1")
    ex = success_json(fingerprint="00:" * 15 + "00")
    verdict = judge_import(case, ex)
    assert verdict.status is Status.FAIL
    model.observe(case, ex)
    assert model.created() == [(REGION, "Key-1")]


def test_deletes_free_the_slot_and_the_name() -> None:
    model = TargetModel(quota=2)
    _import(model, "Key-1")
    _import(model, "Key-2")
    assert model.adjust(valid_case("Key-3")).outcomes == frozenset({QUOTA})
    model.deleted(REGION, ["Key-1"])
    assert model.count(REGION) == 1
    assert model.adjust(valid_case("Key-3")).outcomes == frozenset({SUCCESS})
    again = model.adjust(valid_case("Key-1"))
    assert again.outcomes == frozenset({SUCCESS})
    assert "IKP-X2" in again.requirements
    assert model.created() == [(REGION, "Key-2")]


def test_lost_answers_make_the_name_uncertain() -> None:
    model = TargetModel()
    case = valid_case("Key-1")
    model.observe(case, exchange(None, transport_error="read timeout"))
    assert model.created() == [(REGION, "Key-1")]  # cleanup must try it
    assert model.count(REGION) == 0
    assert model.adjust(case).outcomes == frozenset({SUCCESS, EXISTS})
    model.observe(case, error_json(contract.KEY_PAIR_ALREADY_EXISTS))
    assert model.count(REGION) == 1
    assert model.adjust(case).outcomes == frozenset({EXISTS})


def test_uncertain_imports_near_the_quota_allow_quota_exceeded() -> None:
    model = TargetModel(quota=2)
    _import(model, "Key-1")
    model.observe(valid_case("Key-2"), error_json(contract.INTERNAL_ERROR))
    assert model.adjust(valid_case("Key-3")).outcomes == frozenset({SUCCESS, QUOTA})


def test_throttling_stores_nothing() -> None:
    model = TargetModel()
    model.observe(valid_case("Key-1"), error_json(contract.SERVICE_UNAVAILABLE))
    model.observe(valid_case("Key-2"), error_json(contract.THROTTLING))
    assert model.created() == []


def test_preexisting_key_pairs_count_and_collide() -> None:
    model = TargetModel(quota=5)
    model.preexisting(REGION, 3, names=["Theirs"])
    assert model.count(REGION) == 3
    assert "Theirs" in model.names(REGION)
    assert model.adjust(valid_case("Theirs")).outcomes == frozenset({EXISTS})
    assert model.created() == []  # never cleaned up: the suite did not create it
    with pytest.raises(ValueError):
        model.preexisting(REGION, 0, names=["a"])


def test_cases_without_a_region_or_name_are_unchanged() -> None:
    model = TargetModel(quota=0)
    _import(model, "Key-1")
    case = Case({"KeyPairName": "Key-1"}, frozenset({Outcome.error(contract.MISSING_PARAMETER,
                parameter="RegionId")}), ("IKP-G1",))  # fmt: skip
    assert model.adjust(case).outcomes == case.outcomes


# -- the model against a simulated target that picks its own IKP-N7 readings --------------------


class FakeTarget:
    """The simplest target there is: a set of names per region, a quota, and two choices."""

    def __init__(self, quota: int, case_insensitive: bool, global_names: bool, quota_first: bool) -> None:
        self.quota = quota
        self.quota_first = quota_first
        self.case_insensitive = case_insensitive
        self.global_names = global_names
        self.store: dict[str, set[str]] = {REGION: set(), OTHER_REGION: set()}

    def _key(self, name: str) -> str:
        return name.lower() if self.case_insensitive else name

    def import_(self, region: str, name: str, valid: bool) -> tuple[int, str | None]:
        if not valid:
            return 400, contract.INVALID_PUBLIC_KEY_BODY.code
        full = len(self.store[region]) >= self.quota
        if full and self.quota_first:
            return 403, contract.QUOTA_EXCEEDED.code
        regions = self.store.values() if self.global_names else [self.store[region]]
        if any(self._key(name) in {self._key(n) for n in names} for names in regions):
            return 400, contract.KEY_PAIR_ALREADY_EXISTS.code
        if full:
            return 403, contract.QUOTA_EXCEEDED.code
        self.store[region].add(name)
        return 200, None


NAMES = ["Key-a", "key-a", "Key-b", "KEY-B", "Key-c", "Key-d"]


class ModelMatchesTarget(RuleBasedStateMachine):
    """Whatever legal readings the target picks, the model predicts a set containing its answer."""

    @initialize(
        case_insensitive=st.booleans(),
        global_names=st.booleans(),
        quota_first=st.booleans(),
        quota=st.integers(1, 4),
    )
    def start(self, case_insensitive: bool, global_names: bool, quota_first: bool, quota: int) -> None:
        self.target = FakeTarget(quota, case_insensitive, global_names, quota_first)
        self.model = TargetModel(quota=quota)

    @rule(region=st.sampled_from([REGION, OTHER_REGION]), name=st.sampled_from(NAMES), valid=st.booleans())
    def import_key_pair(self, region: str, name: str, valid: bool) -> None:
        if valid:
            case = valid_case(name, region)
        else:
            case = error_case(contract.INVALID_PUBLIC_KEY_BODY, name=name, requirements=("IKP-K3",))
            case = Case({**case.params, "RegionId": region}, case.outcomes, case.requirements)
        adjusted = self.model.adjust(case)
        status, code = self.target.import_(region, name, valid)
        if code is None:
            ex = success_json(name=name)
        else:
            row = contract.ERRORS_BY_CODE[code]
            ex = error_json(row)
        verdict = judge_import(adjusted, ex, strict_messages=True)
        assert verdict.status is Status.PASS, (verdict.reasons, adjusted.outcomes, status)
        self.model.observe(adjusted, ex)

    @precondition(lambda self: any(self.target.store.values()))
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        region = data.draw(st.sampled_from([r for r, names in self.target.store.items() if names]))
        name = data.draw(st.sampled_from(sorted(self.target.store[region])))
        self.target.store[region].discard(name)
        self.model.deleted(region, [name])

    @invariant()
    def same_contents(self) -> None:
        if not hasattr(self, "target"):
            return
        expected = sorted((r, n) for r, names in self.target.store.items() for n in names)
        assert self.model.created() == expected
        for region, names in self.target.store.items():
            assert self.model.count(region) == len(names)


TestModelMatchesTarget = ModelMatchesTarget.TestCase
TestModelMatchesTarget.settings = settings(max_examples=150, stateful_step_count=25, deadline=None)


# -- IKP-S3: concurrent batches ------------------------------------------------------------------


def test_race_for_one_name_lets_any_racer_win() -> None:
    model = TargetModel()
    racers = model.race([valid_case("Key-1")] * 3)
    assert all(c.outcomes == frozenset({SUCCESS, EXISTS}) for c in racers)
    assert all("IKP-S3" in c.requirements for c in racers)


def test_race_near_the_quota_allows_quota_exceeded() -> None:
    model = TargetModel(quota=3)
    model.preexisting(REGION, 1)
    racers = model.race([valid_case(f"Key-{i}") for i in range(3)])
    assert all(c.outcomes == frozenset({SUCCESS, QUOTA}) for c in racers)
    calm = model.race([valid_case(f"Key-{i}") for i in range(2)])
    assert all(c.outcomes == frozenset({SUCCESS}) for c in calm)


def test_racers_for_one_name_hope_for_one_slot() -> None:
    """IKP-S3 exact: one name needs one slot, so QuotaExceed is no alternative while one is free."""
    model = TargetModel(quota=3)
    model.preexisting(REGION, 2)  # one slot left, eight racers for one name
    racers = model.race([valid_case("Key-1")] * 8)
    assert all(c.outcomes == frozenset({SUCCESS, EXISTS}) for c in racers)
    model.preexisting(REGION, 3)  # full: the model's adjust already refuses every racer
    full = model.race([valid_case("Key-1")] * 2)
    assert all(c.outcomes == frozenset({QUOTA}) for c in full)  # nobody can win the name


def test_race_keeps_history_adjustments() -> None:
    model = TargetModel()
    _import(model, "Key-1")
    racers = model.race([valid_case("Key-1"), valid_case("Key-2")])
    assert racers[0].outcomes == frozenset({EXISTS})
    assert racers[1].outcomes == frozenset({SUCCESS})


def test_threads_racing_through_model_and_oracle() -> None:
    model = TargetModel(quota=4)
    fake = FakeTarget(4, case_insensitive=False, global_names=False, quota_first=False)
    lock = threading.Lock()
    racers = model.race([valid_case("Key-x")] * 8)
    out: dict[int, Exchange] = {}

    def run(i: int) -> None:
        with lock:  # the fake is the atomic store a correct target has
            _, code = fake.import_(REGION, "Key-x", True)
        out[i] = success_json(name="Key-x") if code is None else error_json(contract.ERRORS_BY_CODE[code])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(racers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    exchanges = [out[i] for i in range(len(racers))]
    for case, ex in zip(racers, exchanges, strict=True):
        assert judge_import(case, ex).passed
        model.observe(case, ex)
    assert judge_race(exchanges, ["Key-x"] * len(exchanges), room=model.quota).passed
    assert model.created() == [(REGION, "Key-x")]


def test_invalid_cases_gain_alternatives_but_not_requirement_ids() -> None:
    model = TargetModel(quota=1)
    _import(model, "Key-1")
    case = error_case(contract.INVALID_PUBLIC_KEY_BODY, name="Key-1", requirements=("IKP-K3",))
    adjusted = model.adjust(case)
    assert adjusted.outcomes == frozenset({Outcome.error(contract.INVALID_PUBLIC_KEY_BODY), EXISTS, QUOTA})
    assert adjusted.requirements == ("IKP-K3",)
    assert adjusted.profile is None
    elsewhere = error_case(contract.INVALID_PUBLIC_KEY_BODY, name="key-1", requirements=("IKP-K3",))
    elsewhere = Case(
        {**elsewhere.params, "RegionId": OTHER_REGION}, elsewhere.outcomes, elsewhere.requirements
    )
    moved = model.adjust(elsewhere)
    assert EXISTS in moved.outcomes and moved.requirements == ("IKP-K3",) and moved.profile is None


def test_unreadable_success_is_uncertain_and_throttling_is_not_a_rejection() -> None:
    model = TargetModel()
    model.observe(valid_case("Key-1"), exchange(200, "<html>proxy page", content_type="text/html"))
    assert model.created() == [(REGION, "Key-1")] and model.count(REGION) == 0
    model.observe(valid_case("Key-2"), error_json(contract.THROTTLING))
    assert "IKP-S2" not in model.adjust(valid_case("Key-2")).requirements
