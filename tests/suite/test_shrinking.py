"""The shrinking budget (``conformance/runner/shrinking.py``) and the terse failure output
(``conformance/runner/terse.py``): one minimal example per distinct deviation, a bounded time
for the rest, and no traceback for the suite's own failures."""

from __future__ import annotations

import pytest

from conformance.runner.session import TargetGone
from conformance.runner.shrinking import (
    PROFILE_BUDGETS,
    ShrinkBudget,
    ShrinkBudgetSpent,
    budget_for,
    deviation_of,
    parse_budget,
)
from conformance.runner.terse import own_failure_lines


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_one_deviation_whatever_the_specifics() -> None:
    a = deviation_of(["IKP-R1"], ["IKP-R1: KeyPairName 'x' is not the name sent 'ikp-1'"])
    b = deviation_of(["IKP-R1"], ["IKP-R1: KeyPairName 'y' is not the name sent 'ikp-22'"])
    assert a == b
    fingerprints = [f"IKP-R2: got '00:11' not [plain-key {fp}]" for fp in ("48:d2:9c", "07:b6:ae")]
    assert deviation_of(["IKP-R2"], fingerprints[:1]) == deviation_of(["IKP-R2"], fingerprints[1:])
    # another rule, or another HTTP status, is another deviation
    assert deviation_of(["IKP-N2"], ["expected 400 X, got 200"]) != deviation_of(
        ["IKP-N2"], ["expected 400 X, got 500"]
    )
    assert deviation_of(["IKP-N2"], ["r"]) != deviation_of(["IKP-N3"], ["r"])


def test_parse_budget() -> None:
    assert parse_budget("5") == (5.0, 20.0)
    assert parse_budget("2.5, 30") == (2.5, 30.0)
    for bad in ("", "x", "1,2,3", "-1"):
        with pytest.raises(ValueError, match="shrink-budget"):
            parse_budget(bad)
    assert budget_for(None, "quick").per_failure == PROFILE_BUDGETS["quick"][0]
    assert budget_for("7,8", "quick").per_run == 8.0
    assert budget_for(None, "no-such-profile").per_run == PROFILE_BUDGETS["default"][1]


def test_the_first_test_shrinks_within_its_budget() -> None:
    clock = Clock()
    budget = ShrinkBudget(5.0, 100.0, clock=clock)
    assert not budget.over("t1")  # not failed yet: generating
    budget.failed("t1", "dev", ("IKP-N2: reason",))
    clock.now = 4.9
    assert not budget.over("t1")
    clock.now = 5.0
    assert budget.over("t1")
    stop = budget.stop("t1")
    assert isinstance(stop, ShrinkBudgetSpent) and not isinstance(
        stop, Exception
    )  # Hypothesis lets it through
    assert "IKP-N2: reason" in str(stop) and "shrink budget" in str(stop)


def test_a_deviation_already_explained_is_not_shrunk_again() -> None:
    clock = Clock()
    budget = ShrinkBudget(5.0, 100.0, clock=clock)
    budget.failed("t1", "dev", ("r",))
    budget.failed("t2", "dev", ("r",))
    budget.failed("t3", "other", ("s",))
    assert not budget.over("t1") and budget.over("t2") and not budget.over("t3")
    assert budget.explained_by("t2") == "t1" and budget.explained_by("t1") is None
    assert "t1 shows the same deviation" in str(budget.stop("t2"))


def test_the_run_budget_caps_every_test() -> None:
    clock = Clock()
    budget = ShrinkBudget(10.0, 12.0, clock=clock)
    budget.failed("t1", "a")
    clock.now = 8.0
    assert not budget.over("t1")  # 8 s spent
    budget.failed("t2", "b")
    clock.now = 11.0
    assert not budget.over("t2")  # t1's 8 s (up to its last attempt) and t2's 3 s: 11 < 12
    clock.now = 12.0
    assert budget.over("t2")  # 8 + 4 >= 12, although t2 alone is far within its 10 s
    assert budget.seconds_spent() >= 12.0


def test_a_zero_budget_stops_at_the_first_counterexample() -> None:
    budget = ShrinkBudget(0.0, 0.0)
    budget.failed("t1", "a")
    assert budget.over("t1")


def test_own_failures_print_their_reasons_only() -> None:
    failed = pytest.fail.Exception(
        "IKP-N2: expected 400, got 200\nIKP-N3: expected 400, got 200", pytrace=False
    )
    gone = TargetGone("target stopped answering")
    group = BaseExceptionGroup("two", [failed, ExceptionGroup("one", [gone])])
    assert own_failure_lines(group) == [
        "IKP-N2: expected 400, got 200", "IKP-N3: expected 400, got 200", "target stopped answering",
    ]  # fmt: skip
    assert own_failure_lines(ShrinkBudgetSpent("IKP-R1: x\n(not minimised)")) == [
        "IKP-R1: x",
        "(not minimised)",
    ]
    # anything else is a bug of the suite: its traceback stays
    assert own_failure_lines(ExceptionGroup("mixed", [gone, ValueError("bug")])) is None
    assert own_failure_lines(KeyError("k")) is None
    many = pytest.fail.Exception("\n".join(f"line {i}" for i in range(30)), pytrace=False)
    lines = own_failure_lines(many)
    assert lines is not None and len(lines) == 13 and "more" in lines[-1]
