"""The exit-status gate: the one rule for what a run's results make of the exit status.

pytest decides a status from the tests (``OK``, ``TESTS_FAILED``, ``INTERRUPTED``, ...). The
suite then decides from the verdict (requirements.md, "Verdict"):

- without ``--baseline``, a run that pytest would pass exits ``TESTS_FAILED`` unless the
  verdict is *conformant* (every Core requirement exercised and passed, nothing failed): a run
  that left a Core requirement NOT COVERED must not look like a certification;
- with ``--baseline FILE``, a run that pytest passed or failed exits ``TESTS_FAILED`` when a
  requirement regressed from the baseline (``reports/baseline.py`` says which) or a failed
  test names no requirement (the baseline cannot cover it), and ``OK`` otherwise: the baseline
  gates on changes only, and never softens the verdict written in the reports;
- with ``--fail-on-divergence`` (and ``--compare-with FILE|URL``), a run that would exit ``OK``
  exits ``TESTS_FAILED`` when an answer diverged from the cassette or the mirror, or the live
  mirror could not be compared with (``conformance/cassettes``): a divergence is never a
  conformance failure, so only this option lets it fail a run;
- any other status (interrupted, usage or internal error, nothing collected) stays as it is.

``conformance/runner/reporting.py`` applies it once, at the end of the session.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from conformance.results import Verdicts


def exit_status(
    status: int,
    verdict: str,
    *,
    regressions: Sequence[str] | None = None,
    unmarked_failures: Sequence[str] = (),
    divergent: bool = False,
) -> int:
    """The exit status of a finished run whose tests gave pytest's ``status``.

    ``regressions`` is ``None`` without a baseline, else the requirement IDs that regressed
    from it; ``unmarked_failures`` are failed tests naming no requirement (baseline runs only);
    ``divergent``: ``--fail-on-divergence`` was given and an answer diverged from the cassette."""
    status = _exit_status(status, verdict, regressions, unmarked_failures)
    if divergent and status == pytest.ExitCode.OK:
        return pytest.ExitCode.TESTS_FAILED
    return status


def _exit_status(
    status: int, verdict: str, regressions: Sequence[str] | None, unmarked_failures: Sequence[str]
) -> int:
    if regressions is not None:
        if status not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            return status
        bad = bool(regressions) or bool(unmarked_failures)
        return pytest.ExitCode.TESTS_FAILED if bad else pytest.ExitCode.OK
    if status == pytest.ExitCode.OK and verdict != Verdicts.CONFORMANT:
        return pytest.ExitCode.TESTS_FAILED
    return status
