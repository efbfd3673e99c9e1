"""The shrinking budget: time to a verdict in proportion to what is wrong, not to how many
tests fail (issue 14).

Hypothesis minimises the counterexample of every failing test, one test after another.
Against a new mock that fails a hundred tests that is minutes of shrinking, although the
report needs one minimal example per *distinct* deviation. So, per run:

- A **deviation** is what a failure says with its specifics blanked: the requirements it
  failed and its reasons with quoted text and numbers replaced (``deviation_of``). Two tests
  whose answers broke the same rule the same way share one deviation.
- The first test to fail with a deviation shrinks it, for at most ``per_failure`` seconds.
- A test whose first failure is a deviation some earlier test already explains is not shrunk:
  its first counterexample is the one reported (marked as such in the report).
- The run spends at most ``per_run`` seconds shrinking in all; past that, every failure is
  reported as first found.

How: once a test has failed, every further example Hypothesis runs is a search for a
smaller one. The first such example past the budget raises ``ShrinkBudgetSpent`` before
anything is sent: a ``BaseException`` that Hypothesis does not take for a failure, so it
ends the test at once (rejecting the example instead would make Hypothesis call the test
flaky when the shrinker replays a choice sequence that failed before). The report keeps the
latest counterexample the test recorded, which was sent and judged like any other, marked
as not minimised. A budget changes which example is shown, never a verdict.

The budget is ``--shrink-budget PER_FAILURE[,PER_RUN]`` (seconds; ``IKP_SHRINK_BUDGET`` through
``envvars``), by default the loaded profile's (``PROFILE_BUDGETS``). Each xdist worker has its own.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pytest

from conformance.runner.profiles import current_profile_name

# (per failure, per run) in seconds, by Hypothesis profile; unknown profiles get ``default``'s.
PROFILE_BUDGETS: dict[str, tuple[float, float]] = {
    "quick": (5.0, 20.0),
    "detect": (0.0, 0.0),  # no shrink phase anyway
    "default": (20.0, 90.0),
    "ci": (20.0, 90.0),
    "thorough": (60.0, 600.0),
}
# What differs between two examples of one deviation: quoted text, bracketed lists, hex
# fingerprints and numbers (not an HTTP status: 200 and 500 are two deviations).
_SPECIFICS = re.compile(
    r"'[^']*'|\"[^\"]*\"|\[[^\]]*\]|\b[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2})+\b|\b(?![1-5]\d\d\b)\d+(?:\.\d+)?\b"
)


def deviation_of(failed: Iterable[str], reasons: Iterable[str]) -> str:
    """The deviation a failure shows: its failed requirements and reasons, specifics blanked."""
    text = " | ".join(_SPECIFICS.sub("…", r) for r in reasons)
    return f"{','.join(sorted(set(failed)))}: {text}"


def parse_budget(text: str) -> tuple[float, float]:
    """``PER_FAILURE[,PER_RUN]`` seconds (``PER_RUN`` defaults to four failures' worth)."""
    parts = [p.strip() for p in text.split(",")]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise ValueError(f"--shrink-budget: expected SECONDS[,RUN_SECONDS], got {text!r}") from None
    if len(values) not in (1, 2) or any(v < 0 for v in values):
        raise ValueError(f"--shrink-budget: expected SECONDS[,RUN_SECONDS], got {text!r}")
    return (values[0], values[1] if len(values) == 2 else 4 * values[0])


class ShrinkBudgetSpent(BaseException):
    """Ends a failed test's search for a smaller example (see the module docstring); the
    message is the failure the test recorded last."""


@dataclass
class _Shrink:
    deviation: str
    started: float
    last: float
    explained_elsewhere: bool  # another test already explains this deviation
    reasons: tuple[str, ...] = ()


@dataclass
class ShrinkBudget:
    """The run's shrinking budget (see the module docstring). Thread-safe."""

    per_failure: float
    per_run: float
    clock: Callable[[], float] = time.monotonic
    _tests: dict[str, _Shrink] = field(default_factory=dict)
    _explained: dict[str, str] = field(default_factory=dict)  # deviation -> the test shrinking it
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def failed(self, test_id: str, deviation: str, reasons: tuple[str, ...] = ()) -> None:
        """A non-final example of ``test_id`` failed with ``deviation``: its shrinking starts
        (a later failure of the same test only updates the reasons shown)."""
        now = self.clock()
        with self._lock:
            shrink = self._tests.get(test_id)
            if shrink is not None:
                shrink.reasons = reasons or shrink.reasons
                return
            owner = self._explained.setdefault(deviation, test_id)
            self._tests[test_id] = _Shrink(deviation, now, now, owner != test_id, reasons)

    def stop(self, test_id: str) -> ShrinkBudgetSpent:
        """The exception that ends ``test_id``'s shrinking, saying why and what it failed."""
        with self._lock:
            shrink = self._tests[test_id]
            why = (
                f"not minimised: {self._explained[shrink.deviation]} shows the same deviation"
                if shrink.explained_elsewhere
                else "not fully minimised: the shrink budget was spent (--shrink-budget)"
            )
            return ShrinkBudgetSpent("\n".join([*shrink.reasons, f"({why})"]))

    def over(self, test_id: str) -> bool:
        """Whether the next shrink attempt of ``test_id`` is past the budget (True: reject it)."""
        now = self.clock()
        with self._lock:
            shrink = self._tests.get(test_id)
            if shrink is None:
                return False  # not failed yet: generating, not shrinking
            shrink.last = now
            spent = sum(s.last - s.started for s in self._tests.values())
            return (
                shrink.explained_elsewhere
                or now - shrink.started >= self.per_failure
                or spent >= self.per_run
            )

    def explained_by(self, test_id: str) -> str | None:
        """The earlier test whose minimal example explains ``test_id``'s deviation, if any."""
        with self._lock:
            shrink = self._tests.get(test_id)
            if shrink is None or not shrink.explained_elsewhere:
                return None
            return self._explained.get(shrink.deviation)

    def seconds_spent(self) -> float:
        with self._lock:
            return sum(s.last - s.started for s in self._tests.values())


BUDGET_KEY = pytest.StashKey[ShrinkBudget]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ikp")
    group.addoption(
        "--shrink-budget",
        default=None,
        metavar="SECONDS[,RUN_SECONDS]",
        help="seconds Hypothesis may spend minimising one failure, and the whole run; "
        "default by profile: " + ", ".join(f"{name} {a:g},{b:g}" for name, (a, b) in PROFILE_BUDGETS.items()),
    )


def budget_for(option: str | None, profile: str) -> ShrinkBudget:
    """The budget from the option (or its ``IKP_SHRINK_BUDGET``), else the profile's."""
    text = option
    per_failure, per_run = (
        parse_budget(text) if text else PROFILE_BUDGETS.get(profile, PROFILE_BUDGETS["default"])
    )
    return ShrinkBudget(per_failure, per_run)


def pytest_configure(config: pytest.Config) -> None:
    # Hypothesis loads ``--hypothesis-profile`` in its own configure hook, maybe after this one.
    profile = config.getoption("hypothesis_profile", None) or current_profile_name()
    try:
        budget = budget_for(config.getoption("--shrink-budget"), profile)
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[BUDGET_KEY] = budget
