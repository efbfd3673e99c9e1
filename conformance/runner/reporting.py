"""pytest hooks that turn the run's ``RunResults`` into its outputs (thin: rendering is ``reports/``).

The main plugin (``plugin.py``) owns the ``RunResults`` in ``config.stash[RESULTS_KEY]`` and
registers this module as ``ikp_reporting``. Here:

- the exit status, once the outputs are written (the rule is ``conformance/results/gate.py``:
  the verdict, or with ``--baseline FILE`` the regressions from a kept results.json; the
  verdict is never softened);
- under pytest-xdist, each worker ships its results to the controller, which merges them;
- on the controller (or without xdist), once a conformance test ran (``meta["suite_ran"]``),
  ``report.html`` and ``results.json`` are written to ``--report-dir`` and the terminal
  summary prints the verdict, the requirement table and the paths;
- JUnit: each test's requirement IDs become ``requirement`` properties, and each failure's
  reproduce command (``conformance/results/reproduce.py``) a ``reproduce`` property;
- a conformance test (one with a ``requirement`` marker) that fails without having recorded a
  FAIL or ERROR (a bug in the suite, a fixture that could not start) is recorded as an ERROR
  for its requirements, so that it can never leave them PASS (requirements.md, suite promises).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance import contract
from conformance.results import RESULTS_KEY, RunResults, Verdicts, gate
from conformance.verdict import Status, Verdict
from reports import render

WORKER_OUTPUT_KEY = "ikp_results"
DEFAULT_REPORT_DIR = "reports/out"

_BASELINE_DOC = pytest.StashKey[dict[str, Any]]()
_BASELINE_DIFF = pytest.StashKey[render.BaselineDiff]()
_WRITTEN = pytest.StashKey[dict[str, Path]]()
_WRITE_ERROR = pytest.StashKey[str]()
_BAD_BEFORE = pytest.StashKey[int]()  # FAIL+ERROR count when the test started
_OTHER_FAILURES = pytest.StashKey[list[str]]()  # failed tests naming no requirement (--baseline)
_REASON_LIMIT = 500


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ikp", "ImportKeyPair conformance suite")  # the plugin's group
    group.addoption(
        "--baseline",
        metavar="FILE",
        default=None,
        help="a kept results.json: fail only on regressions from it (a known FAIL stays FAIL in "
        "the verdict, but does not fail the run)",
    )


def _option(config: pytest.Config, name: str) -> Any:
    try:
        return config.getoption(name)
    except ValueError:  # option not registered (module registered after parsing)
        return None


def _results(config: pytest.Config) -> RunResults | None:
    return config.stash.get(RESULTS_KEY, None)


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    if not _is_worker(config) and not config.pluginmanager.has_plugin("ikp_report_path"):
        config.pluginmanager.register(_ReportPathLast(), "ikp_report_path")
    baseline = _option(config, "baseline")
    if baseline and not _is_worker(config):
        try:
            config.stash[_BASELINE_DOC] = render.load_baseline(Path(baseline))
        except ValueError as exc:
            raise pytest.UsageError(f"--baseline: {exc}") from exc


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """JUnit: every requirement a test names becomes a ``requirement`` property of its testcase."""
    for item in items:
        seen = {value for name, value in item.user_properties if name == "requirement"}
        for marker in item.iter_markers("requirement"):
            for req_id in marker.args:
                if req_id not in seen:
                    seen.add(req_id)
                    item.user_properties.append(("requirement", req_id))


def _requirement_ids(item: pytest.Item) -> tuple[str, ...]:
    ids = (i for m in item.iter_markers("requirement") for i in m.args)
    return tuple(dict.fromkeys(i for i in ids if i in contract.REQUIREMENTS_BY_ID))


def _failed_outside_requirements(config: pytest.Config) -> list[str]:
    """Failed or erroring tests that name no requirement: a baseline must not hide them."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    stats = getattr(reporter, "stats", {})
    failed = [*stats.get("failed", []), *stats.get("error", [])]
    return [
        r.nodeid or "collection"
        for r in failed
        if not isinstance(r, pytest.TestReport) or "requirement" not in r.keywords
    ]


def _bad_total(results: RunResults) -> int:
    return sum(r.failed + r.errors for r in list(results.requirements.values()))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    results = _results(item.config)
    if results is not None and _requirement_ids(item):
        item.stash[_BAD_BEFORE] = _bad_total(results)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed conformance test that recorded no FAIL/ERROR becomes an ERROR (never a PASS)."""
    report = yield
    results = _results(item.config)
    if results is None or not report.failed or call.when == "teardown" or _BAD_BEFORE not in item.stash:
        return report  # (a teardown failure is cleanup, reported as leftovers, not a verdict)
    if _bad_total(results) != item.stash[_BAD_BEFORE]:
        _junit_reproduce(item, report, results)
        return report  # the suite recorded its verdict before failing the test
    exc = call.excinfo
    what = f"{exc.typename}: {exc.value}" if exc is not None else report.longreprtext
    reason = f"the test's {call.when} failed without recording a verdict (suite error): {what}"
    results.record(
        item.nodeid,
        Verdict(Status.ERROR, _requirement_ids(item), reasons=(reason[:_REASON_LIMIT],)),
        reproduce=f"pytest '{item.nodeid}'",
    )
    results.meta["suite_ran"] = True
    _junit_reproduce(item, report, results)
    return report


def _junit_reproduce(item: pytest.Item, report: pytest.TestReport, results: RunResults) -> None:
    """JUnit: the reproduce command of each failure the test recorded becomes a ``reproduce``
    property of its testcase (next to its ``requirement`` properties). The item's properties
    reach the JUnit file through the teardown report; this report gets them too."""
    names = {item.nodeid, item.name}
    seen = {value for name, value in item.user_properties if name == "reproduce"}
    for failure in list(results.failures.values()):
        if failure.test_id in names and failure.reproduce and failure.reproduce not in seen:
            seen.add(failure.reproduce)
            item.user_properties.append(("reproduce", failure.reproduce))
            report.user_properties.append(("reproduce", failure.reproduce))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist controller: fold a finished worker's results into the session's."""
    results = _results(node.config)
    raw = getattr(node, "workeroutput", {}).get(WORKER_OUTPUT_KEY)
    if results is None or raw is None:
        return
    theirs = RunResults.from_json(json.loads(raw))
    results.merge(theirs)
    for key, value in theirs.meta.items():
        if key == "suite_ran":
            results.meta["suite_ran"] = bool(results.meta.get("suite_ran")) or bool(value)
        else:
            results.meta.setdefault(key, value)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    results = _results(config)
    if results is None:
        return
    if _is_worker(config):
        config.workeroutput[WORKER_OUTPUT_KEY] = json.dumps(results.to_json())  # type: ignore[attr-defined]
        return
    if not results.meta.get("suite_ran"):
        return
    diff = None
    if _BASELINE_DOC in config.stash:
        diff = render.compare_baseline(results, config.stash[_BASELINE_DOC], str(_option(config, "baseline")))
        config.stash[_BASELINE_DIFF] = diff
    report_dir = Path(_option(config, "report_dir") or DEFAULT_REPORT_DIR)
    if not report_dir.is_absolute():
        report_dir = config.invocation_params.dir / report_dir
    from conformance.cassettes import plugin as cassettes

    comparison = cassettes.comparison_of(config)  # --compare-with FILE
    try:
        config.stash[_WRITTEN] = render.write_outputs(
            results, report_dir, baseline=diff, comparison=comparison
        )
    except OSError as exc:
        config.stash[_WRITE_ERROR] = f"could not write the reports to {report_dir}: {exc}"
        session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
        return
    # The exit status only: the verdict written above is untouched (results/gate.py).
    other: list[str] = []
    if diff is not None and session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        other = _failed_outside_requirements(config)
        config.stash[_OTHER_FAILURES] = other
    session.exitstatus = gate.exit_status(
        session.exitstatus,
        results.verdict(),
        regressions=None if diff is None else diff.regressions,
        unmarked_failures=other,
        divergent=cassettes.fail_on_divergence(config) and cassettes.diverged(config),
    )


class _ReportPathLast:
    """The summary ends with the report's path: printed around every other summary hook
    (pytest's short test summary included), so only pytest's counts follow it."""

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_terminal_summary(self, terminalreporter: Any, config: pytest.Config) -> Any:
        try:
            return (yield)
        finally:
            html = config.stash.get(_WRITTEN, {}).get("html")
            if html is not None:
                terminalreporter.write_line(f"html report written: {html}")


@pytest.hookimpl(trylast=True)  # after other plugins' sections
def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    results = _results(config)
    if results is None or _is_worker(config) or not results.meta.get("suite_ran"):
        return
    tr = terminalreporter
    tr.section("ImportKeyPair conformance")
    verdict = results.verdict()
    colour = {Verdicts.CONFORMANT: "green", Verdicts.NOT_CONFORMANT: "red"}.get(verdict, "yellow")
    diff = config.stash.get(_BASELINE_DIFF, None)
    lines = render.terminal_lines(results, baseline=diff)
    tr.write_line(lines[0], bold=True, **{colour: True})
    for line in lines[1:]:
        tr.write_line(line)
    other = config.stash.get(_OTHER_FAILURES, [])
    if other:
        tr.write_line(
            f"{len(other)} failed test(s) name no requirement, so the baseline does not cover them: "
            + ", ".join(other[:5])
            + (" ..." if len(other) > 5 else ""),
            red=True,
        )
    for kind, path in config.stash.get(_WRITTEN, {}).items():
        if kind != "html":  # last of all: _ReportPathLast
            tr.write_line(f"{kind} report written: {path}")
    if _WRITE_ERROR in config.stash:
        tr.write_line(config.stash[_WRITE_ERROR], red=True, bold=True)
