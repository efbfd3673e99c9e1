"""The suite's own terminal summary (conformance/runner/reporting.py) follows pytest's colour
rules (``NO_COLOR``, ``FORCE_COLOR``, ``--color``) and ends with the path of the report.

The same fake suite as test_report_hooks.py, with the real plugin switched off."""

from __future__ import annotations

import pytest
from test_report_hooks import FAKE_PLUGIN, FAKE_SUITE, NO_MAIN_PLUGIN

pytest_plugins = ["pytester"]

VERDICT = "ImportKeyPair conformance verdict: NOT CONFORMANT"


@pytest.fixture
def fake_suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in ("NO_COLOR", "FORCE_COLOR", "PY_COLORS"):
        monkeypatch.delenv(name, raising=False)
    pytester.makeconftest(FAKE_PLUGIN)
    pytester.makepyfile(test_suite=FAKE_SUITE)
    return pytester


def _verdict_line(result: pytest.RunResult) -> str:
    (line,) = (line for line in result.outlines if VERDICT in line)
    return line


@pytest.mark.parametrize(
    ("environ", "args", "coloured"),
    [
        ({"FORCE_COLOR": "1"}, (), True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, (), False),
        ({"NO_COLOR": "1"}, ("--color=yes",), True),  # asked for on the command line
        ({"FORCE_COLOR": "1"}, ("--color=no",), False),
    ],
)
def test_summary_colour_follows_no_color_and_the_color_option(
    fake_suite: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    environ: dict[str, str],
    args: tuple[str, ...],
    coloured: bool,
) -> None:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    result = fake_suite.runpytest(*NO_MAIN_PLUGIN, *args)
    line = _verdict_line(result)
    assert ("\x1b[" in line) is coloured, repr(line)
    assert coloured or all("\x1b[" not in out for out in result.outlines)


def test_summary_ends_with_the_report_path(fake_suite: pytest.Pytester) -> None:
    result = fake_suite.runpytest(*NO_MAIN_PLUGIN)
    lines = result.outlines
    counts = max(i for i, line in enumerate(lines) if "passed" in line and "failed" in line)
    assert "short test summary info" in "".join(lines[:counts])  # pytest's section comes before
    assert lines[counts - 1] == f"html report written: {fake_suite.path}/reports/out/report.html"
