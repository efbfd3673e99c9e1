"""What the terminal shows of a failed conformance test: the suite's own words, no traceback.

A failure the suite raised itself (a FAIL verdict, ``pytest.fail`` with the reasons, or an
ERROR because the target stopped answering, ``TargetGone``) already says what is wrong and
which requirement it breaks; the report holds the request, the answer and a command that
reproduces it. Hypothesis wraps several such failures of one test in an exception group, and
a dead target in a "flaky" one: both printed tracebacks that say nothing more. Here such a
test's report keeps one line per distinct failure (the first line of each reason), then the
reproduce hint. ``-v``, or a ``--tb`` style other than ``auto``/``short``, shows pytest's own
output again; a failure of anything else (a bug in the suite) keeps its traceback.
"""

from __future__ import annotations

from typing import Any

import pytest
from _pytest.outcomes import Failed

from conformance.runner.session import TargetGone
from conformance.runner.shrinking import ShrinkBudgetSpent

_OWN = (Failed, TargetGone, ShrinkBudgetSpent)
_MAX_LINES = 12


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for sub in exc.exceptions for leaf in _leaves(sub)]
    return [exc]


def own_failure_lines(exc: BaseException) -> list[str] | None:
    """The lines to show for ``exc`` when every failure in it is the suite's own, else None."""
    leaves = _leaves(exc)
    if not leaves or not all(isinstance(leaf, _OWN) for leaf in leaves):
        return None
    lines: list[str] = []
    for leaf in leaves:
        text = str(leaf.msg if isinstance(leaf, Failed) else leaf).strip() or type(leaf).__name__
        for line in text.splitlines() or [text]:
            if line not in lines:
                lines.append(line)
    if len(lines) > _MAX_LINES:
        lines = [*lines[:_MAX_LINES], f"... and {len(lines) - _MAX_LINES} more (see the report)"]
    return lines


def _wants_tracebacks(config: pytest.Config) -> bool:
    return config.getoption("verbose", 0) > 0 or config.getoption("tbstyle", "auto") not in ("auto", "short")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if not report.failed or call.excinfo is None or _wants_tracebacks(item.config):
        return report
    lines = own_failure_lines(call.excinfo.value)
    if lines is not None:
        report.longrepr = "\n".join(
            [*lines, "(the report has the request, the answer and a reproduce command)"]
        )
    return report
