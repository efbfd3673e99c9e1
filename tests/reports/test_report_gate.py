"""The exit-status gate (conformance/results/gate.py): the verdict, or the baseline, decides."""

from __future__ import annotations

import pytest

from conformance.results import Verdicts, gate

OK, FAILED = pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED


@pytest.mark.parametrize(
    ("status", "verdict", "expected"),
    [
        (OK, Verdicts.CONFORMANT, OK),
        (OK, Verdicts.INCOMPLETE, FAILED),  # a Core requirement not covered is no certification
        (OK, Verdicts.NOT_CONFORMANT, FAILED),
        (FAILED, Verdicts.CONFORMANT, FAILED),
        (pytest.ExitCode.INTERRUPTED, Verdicts.INCOMPLETE, pytest.ExitCode.INTERRUPTED),
        (pytest.ExitCode.INTERNAL_ERROR, Verdicts.CONFORMANT, pytest.ExitCode.INTERNAL_ERROR),
    ],
)
def test_without_a_baseline_the_verdict_decides(status: int, verdict: str, expected: int) -> None:
    assert gate.exit_status(status, verdict) == expected


@pytest.mark.parametrize(
    ("status", "regressions", "unmarked", "expected"),
    [
        (FAILED, [], [], OK),  # known failures only
        (OK, ["IKP-N3"], [], FAILED),
        (FAILED, [], ["tests/test_x.py::test_y"], FAILED),  # the baseline cannot cover it
        (pytest.ExitCode.INTERRUPTED, [], [], pytest.ExitCode.INTERRUPTED),
        (pytest.ExitCode.USAGE_ERROR, ["IKP-N3"], [], pytest.ExitCode.USAGE_ERROR),
    ],
)
def test_with_a_baseline_only_regressions_fail(
    status: int, regressions: list[str], unmarked: list[str], expected: int
) -> None:
    verdict = Verdicts.NOT_CONFORMANT  # never softened, never consulted
    assert gate.exit_status(status, verdict, regressions=regressions, unmarked_failures=unmarked) == expected
