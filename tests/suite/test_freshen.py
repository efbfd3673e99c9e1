"""``Suite.freshen`` and ``Suite.unique_name``: a case that may succeed gets a name unused so far,
always, fast, keeping the drawn name's length and character classes, and from the run's
counter, not from randomness (requirements.md, "A run is reproducible")."""

from __future__ import annotations

import dataclasses
import string
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance import contract
from conformance.case import Case
from conformance.exchange import Exchange
from conformance.reference import start_server
from conformance.results import RunResults
from conformance.runner import simple as simple_module
from conformance.runner.suite import PerTestCounters, Suite, fresh_seed, simple_case, tail_capacity
from conformance.target import Call, Target, TargetConfig
from strategies.names import NAME_CHARACTERS, profile_name_parts, valid_name_parts

PREFIX = "ikpabc12-"
REGIONS = (contract.DEFAULT_REGION, contract.DEFAULT_OTHER_REGION)


def _suite(prefix: str = PREFIX, url: str = "http://127.0.0.1:9") -> Suite:
    return Suite(Target(TargetConfig(url)), RunResults(), prefix=prefix)


def _class(char: str) -> str:
    for name, alphabet in (("lower", string.ascii_lowercase), ("upper", string.ascii_uppercase)):
        if char in alphabet:
            return name
    return "digit" if char in string.digits else char  # any other character stays itself


def _taken_anywhere(suite: Suite, name: str) -> bool:
    return any(name.lower() in {n.lower() for n in suite.model.names(r)} for r in REGIONS)


def test_crowded_short_names_still_get_a_fresh_one() -> None:
    suite = _suite()
    for letter in string.ascii_letters:
        suite.model.add(contract.DEFAULT_REGION, PREFIX + letter)
    fresh = suite.freshen(simple_case(PREFIX + "a", contract.DEFAULT_REGION))
    name = fresh.params["KeyPairName"]
    assert not _taken_anywhere(suite, name)
    assert name.startswith(PREFIX) and name[len(PREFIX) :].isalpha()


def test_a_full_length_name_keeps_its_length() -> None:
    suite = _suite()
    name = PREFIX + "x" * (contract.NAME_MAX_LENGTH - len(PREFIX))
    suite.model.add(contract.DEFAULT_OTHER_REGION, name.upper())  # any region, any case
    fresh = suite.freshen(simple_case(name, contract.DEFAULT_REGION)).params["KeyPairName"]
    assert fresh.lower() != name.lower() and len(fresh) == contract.NAME_MAX_LENGTH
    assert fresh.startswith(PREFIX) and fresh[len(PREFIX) :].islower()


def test_unused_names_and_invalid_cases_are_left_alone() -> None:
    suite = _suite()
    case = simple_case(PREFIX + "new", contract.DEFAULT_REGION)
    assert suite.freshen(case) is case
    suite.model.add(contract.DEFAULT_REGION, PREFIX + "new")
    rejected = dataclasses.replace(case, outcomes=frozenset())  # no success among its outcomes
    assert suite.freshen(rejected) is rejected


@settings(max_examples=200, deadline=None)
@given(
    name=st.one_of(valid_name_parts(PREFIX), profile_name_parts(PREFIX)).map(
        lambda p: p.params["KeyPairName"]
    ),
    taken_case=st.sampled_from([str.lower, str.upper, str.swapcase, lambda s: s]),
    region=st.sampled_from(REGIONS),
    replays=st.integers(1, 30),
)
def test_freshen_keeps_length_and_classes_and_never_collides(
    name: str, taken_case: object, region: str, replays: int
) -> None:
    """A drawn name replayed ``replays`` times (as Hypothesis does) gets a new name each time:
    the same length while rewrites of that length are left (then a letter longer), prefix
    untouched, every character of the same class as the drawn one (so
    ':', '_', '-', '.' and non-ASCII letters stay where the draw put them), never one the
    model knows in any region or case."""
    assert callable(taken_case)
    suite = _suite()
    suite.model.add(region, taken_case(name))
    case = dataclasses.replace(simple_case(name, contract.DEFAULT_REGION), params={
        "KeyPairName": name, "RegionId": contract.DEFAULT_REGION, "PublicKeyBody": "x"})  # fmt: skip
    # How many rewrites of the drawn length there are:
    same_length = tail_capacity(name, name.find(PREFIX) + len(PREFIX)) - 1
    for replay in range(replays):
        fresh = suite.freshen(case).params["KeyPairName"]
        assert not _taken_anywhere(suite, fresh), fresh
        head = name[: name.find(PREFIX) + len(PREFIX)]  # the prefix and what a Profile put before it
        assert fresh.startswith(head) and len(fresh) >= len(name)
        if replay < same_length:
            assert len(fresh) == len(name)
        assert [_class(c) for c in fresh[: len(name)]] == [_class(c) for c in name]
        assert set(fresh[len(name) :]) <= set(string.ascii_letters) and len(fresh) <= contract.NAME_MAX_LENGTH
        suite.model.add(region, fresh)


def _names_of_a_session(prefix: str) -> list[str]:
    """The names one scripted session makes: unique names, and replays of drawn names freshened."""
    suite = _suite(prefix)
    names = []
    drawn = [prefix + "Ab-c:d_e", prefix + "x", prefix + "Zz9" * 10]
    for round_ in range(40):
        unique = suite.unique_name("q")
        names.append(unique)
        suite.model.add(REGIONS[round_ % 2], unique)
        for name in drawn:
            fresh = suite.freshen(simple_case(name, contract.DEFAULT_REGION)).params["KeyPairName"]
            names.append(fresh)
            suite.model.add(REGIONS[round_ % 2], fresh)
        suite.model.add(contract.DEFAULT_REGION, drawn[round_ % 3])
    return names


def test_the_same_calls_give_the_same_names() -> None:
    """Two sessions making the same calls in the same order get the same names, apart from
    the prefix; the names of one session are all distinct in every case."""
    first = _names_of_a_session("ikp00000000-")
    second = _names_of_a_session("ikpffffffff-")
    assert [n.removeprefix("ikp00000000-") for n in first] == [n.removeprefix("ikpffffffff-") for n in second]
    assert len({n.lower() for n in first}) == len(first)
    assert all(set(n[len("ikp00000000-") :]) <= set(NAME_CHARACTERS) for n in first)


def test_unique_name_skips_names_the_model_knows() -> None:
    suite, twin = _suite(), _suite()
    expected = twin.unique_name("edge")
    suite.model.add(contract.DEFAULT_OTHER_REGION, expected.upper())
    name = suite.unique_name("edge")
    assert name != expected and name.lower() != expected.lower()
    assert name.startswith(PREFIX + "edge") and name[len(PREFIX) :].isalnum()


def test_simple_case_keys_come_from_a_counter() -> None:
    """Without a seed every call gives another key, and the seeds are a fixed sequence."""
    a = simple_case(PREFIX + "a", contract.DEFAULT_REGION).params["PublicKeyBody"]
    b = simple_case(PREFIX + "a", contract.DEFAULT_REGION).params["PublicKeyBody"]
    assert a != b
    seed = fresh_seed()
    assert simple_case("x", "r", seed).params == simple_case("x", "r", seed).params


def _fan_out_names(prefix: str) -> list[list[str]]:
    """The names each way of ``expect_each_way`` sent, for three sends of one case, against a
    fresh reference server."""
    with start_server() as server:
        suite = _suite(prefix, server.url)
        sent: list[list[str]] = []
        call_many = suite.target.call_many

        def spy(calls: Sequence[Call]) -> list[Exchange]:
            sent.append([call.params["KeyPairName"] for call in calls])
            return call_many(calls)

        suite.target.call_many = spy  # type: ignore[method-assign]
        case: Case = simple_case(prefix + "fanout", contract.DEFAULT_REGION, fresh_seed())
        try:
            for _ in range(3):
                first = suite.expect_each_way(case)
                sent[-1].insert(0, str(first.params.get("KeyPairName")))
        finally:
            suite.target.close()
    return sent


def test_each_way_of_the_fan_out_gets_its_name_deterministically() -> None:
    first = _fan_out_names("ikp00000000-")
    second = _fan_out_names("ikpffffffff-")
    assert [[n.removeprefix("ikp00000000-") for n in g] for g in first] == [
        [n.removeprefix("ikpffffffff-") for n in g] for g in second
    ]
    every = [n.lower() for group in first for n in group]
    assert len(every) == 18 and len(set(every)) == 18  # six ways x three sends, all distinct
    assert all(len(n) == len("ikp00000000-fanout") for n in every)


def test_a_test_names_the_same_whatever_ran_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """Names and keys depend on the running test alone (its own counter and salt), so a
    ``-k`` replay or another xdist split sends what the full run sent; two tests never share
    names (different salts), and the directory of the node id does not matter."""

    def names(suite: Suite, test: str) -> list[str]:
        monkeypatch.setenv("PYTEST_CURRENT_TEST", f"{test} (call)")
        drawn = simple_case(PREFIX + "abc", contract.DEFAULT_REGION)
        suite.model.add(contract.DEFAULT_REGION, PREFIX + "abc")
        out = [suite.unique_name("q"), suite.unique_name("q"), suite.freshen(drawn).params["KeyPairName"]]
        return [*out, drawn.params["PublicKeyBody"]]

    full, alone = _suite(), _suite()
    first = names(full, "conformance/test_a.py::test_one")
    after = names(full, "conformance/test_a.py::test_two")
    monkeypatch.setattr(simple_module, "_SEEDS", PerTestCounters())  # a new process
    assert names(alone, "test_a.py::test_two") == after  # another rootdir, nothing before it
    assert not set(first) & set(after)
