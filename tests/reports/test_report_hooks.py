"""The hook module (conformance/runner/reporting.py) in real pytest runs of a tiny fake suite.

The fake suite's conftest plays the main plugin's part (one RunResults per process in the
stash, ``--report-dir``, registration as ``ikp_reporting``); the real plugin is switched off
with ``-p no:ikp_conformance`` so that these tests judge the hook module alone. The last tests
run the same fake suite with the real plugin, to check the wiring.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from report_samples import load_schema

pytest_plugins = ["pytester"]

NO_MAIN_PLUGIN = ("-p", "no:ikp_conformance", "-p", "no:cacheprovider", "-p", "no:benchmark")

FAKE_PLUGIN = """
import pytest
from conformance.runner import reporting
from conformance.results import RESULTS_KEY, RunResults


def pytest_addoption(parser, pluginmanager):
    parser.addoption("--report-dir", default="reports/out")
    pluginmanager.register(reporting, "ikp_reporting")


def pytest_configure(config):
    config.addinivalue_line("markers", "requirement(*ids): requirement IDs")
    results = RunResults()
    results.meta.update(target="http://fake.invalid", suite_version="0.0.test",
                        hypothesis_profile="ci", seed="1", config={"region": "cn-hangzhou"})
    config.stash[RESULTS_KEY] = results


@pytest.fixture
def results(pytestconfig):
    r = pytestconfig.stash[RESULTS_KEY]
    r.meta["suite_ran"] = True
    return r
"""

FAKE_SUITE = """
import pytest
from conformance.verdict import Status, Verdict


@pytest.mark.requirement("IKP-N2")
@pytest.mark.parametrize("i", range(4))
def test_length(results, i):
    results.record(f"test_length[{i}]", Verdict(Status.PASS, ("IKP-N2",)))


@pytest.mark.requirement("IKP-N3")
def test_first_character(results):
    results.record("test_first_character", Verdict(Status.FAIL, ("IKP-N3",), reasons=("accepted 1abc",)),
                   reproduce="pytest test_suite.py::test_first_character")
    pytest.fail("IKP-N3: accepted 1abc")
"""


@pytest.fixture
def fake_suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(FAKE_PLUGIN)
    pytester.makepyfile(test_suite=FAKE_SUITE)
    return pytester


def _outputs(root: Path) -> tuple[dict[str, Any], str]:
    out = root / "reports" / "out"
    doc: dict[str, Any] = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return doc, (out / "report.html").read_text(encoding="utf-8")


def _row(doc: dict[str, Any], req_id: str) -> dict[str, Any]:
    row: dict[str, Any] = next(r for r in doc["requirements"] if r["id"] == req_id)
    return row


def test_run_writes_outputs_and_prints_the_verdict(fake_suite: pytest.Pytester) -> None:
    result = fake_suite.runpytest(*NO_MAIN_PLUGIN)
    result.assert_outcomes(passed=4, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*ImportKeyPair conformance*",
            "ImportKeyPair conformance verdict: NOT CONFORMANT",
            "IKP-N2    Core      PASS               4",
            "IKP-N3    Core      FAIL               1",
            "*reproduce: pytest test_suite.py::test_first_character",
            f"json report written: {fake_suite.path}/reports/out/results.json",
            f"html report written: {fake_suite.path}/reports/out/report.html",
        ]
    )
    doc, html = _outputs(fake_suite.path)
    jsonschema.validate(doc, load_schema(), cls=jsonschema.Draft202012Validator)
    assert doc["verdict"] == "not conformant"
    assert _row(doc, "IKP-N2")["cases"] == 4 and _row(doc, "IKP-N3")["failed"] == 1
    assert doc["meta"]["target"] == "http://fake.invalid"
    assert 'id="verdict">not conformant<' in html and 'id="req-IKP-N2"' in html


def test_report_dir_option_is_honoured(fake_suite: pytest.Pytester) -> None:
    result = fake_suite.runpytest(*NO_MAIN_PLUGIN, "--report-dir", "elsewhere")
    assert (fake_suite.path / "elsewhere" / "report.html").is_file()
    assert not (fake_suite.path / "reports" / "out").exists()
    result.stdout.fnmatch_lines([f"html report written: {fake_suite.path}/elsewhere/report.html"])


def test_nothing_written_when_no_conformance_test_ran(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(FAKE_PLUGIN)
    pytester.makepyfile(test_other="def test_unrelated():\n    assert True\n")
    result = pytester.runpytest(*NO_MAIN_PLUGIN)
    result.assert_outcomes(passed=1)
    assert not (pytester.path / "reports").exists()
    assert "ImportKeyPair conformance" not in result.stdout.str()


def test_junit_testcases_carry_their_requirement_and_reproduce_command(fake_suite: pytest.Pytester) -> None:
    fake_suite.runpytest(*NO_MAIN_PLUGIN, "--junitxml=junit.xml")
    tree = ET.parse(fake_suite.path / "junit.xml")
    props = {
        case.get("name"): [(p.get("name"), p.get("value")) for p in case.iter("property")]
        for case in tree.iter("testcase")
    }
    assert props["test_length[0]"] == [("requirement", "IKP-N2")]
    assert props["test_first_character"] == [
        ("requirement", "IKP-N3"),
        ("reproduce", "pytest test_suite.py::test_first_character"),
    ]


def test_baseline_known_failure_passes_the_run_but_not_the_verdict(fake_suite: pytest.Pytester) -> None:
    first = fake_suite.runpytest(*NO_MAIN_PLUGIN)
    assert first.ret == pytest.ExitCode.TESTS_FAILED
    kept = fake_suite.path / "kept.json"
    kept.write_text((fake_suite.path / "reports/out/results.json").read_text(encoding="utf-8"))

    again = fake_suite.runpytest(*NO_MAIN_PLUGIN, "--baseline", str(kept))
    again.assert_outcomes(passed=4, failed=1)  # the test still fails ...
    assert again.ret == pytest.ExitCode.OK  # ... but nothing regressed
    again.stdout.fnmatch_lines(
        ["ImportKeyPair conformance verdict: NOT CONFORMANT", f"no regressions from baseline ({kept})"]
    )
    doc, html = _outputs(fake_suite.path)
    assert doc["verdict"] == "not conformant" and doc["baseline"]["known"] == ["IKP-N3"]
    assert 'id="verdict">not conformant<' in html


def test_baseline_regression_fails_the_run(fake_suite: pytest.Pytester) -> None:
    fake_suite.runpytest(*NO_MAIN_PLUGIN)
    doc = json.loads((fake_suite.path / "reports/out/results.json").read_text(encoding="utf-8"))
    for row in doc["requirements"]:
        if row["id"] == "IKP-N3":
            row.update(status="PASS", failed=0, passed=1)
    kept = fake_suite.path / "kept.json"
    kept.write_text(json.dumps(doc))
    result = fake_suite.runpytest(*NO_MAIN_PLUGIN, "--baseline", str(kept))
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["1 regression(s) from baseline: IKP-N3*"])


def test_baseline_does_not_hide_failures_outside_the_requirements(fake_suite: pytest.Pytester) -> None:
    fake_suite.runpytest(*NO_MAIN_PLUGIN)
    kept = fake_suite.path / "kept.json"
    kept.write_text((fake_suite.path / "reports/out/results.json").read_text(encoding="utf-8"))
    fake_suite.makepyfile(test_unit="def test_helper_is_broken():\n    assert 1 == 2\n")
    result = fake_suite.runpytest(*NO_MAIN_PLUGIN, "--baseline", str(kept))
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "no regressions from baseline*",
            "1 failed test(s) name no requirement, so the baseline does not cover them: "
            "test_unit.py::test_helper_is_broken",
        ]
    )


def test_unreadable_baseline_is_a_usage_error(fake_suite: pytest.Pytester) -> None:
    result = fake_suite.runpytest(*NO_MAIN_PLUGIN, "--baseline", "missing.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--baseline: cannot read baseline missing.json*"])


CRASHING_SUITE = """
import pytest
from conformance.verdict import Status, Verdict


@pytest.fixture
def broken_target(results):
    raise ConnectionError("reference server did not start")


@pytest.mark.requirement("IKP-K2", "IKP-R2")
def test_suite_bug(results):
    results.record("test_suite_bug", Verdict(Status.PASS, ("IKP-K2",)))
    pick(1)  # NameError: a bug in the suite, after a PASS was recorded


@pytest.mark.requirement("IKP-G1")
def test_fixture_error(broken_target):
    pass


def test_not_a_conformance_test():
    assert False
"""


def test_unrecorded_failure_is_an_error_never_a_pass(fake_suite: pytest.Pytester) -> None:
    fake_suite.makepyfile(test_crash=CRASHING_SUITE)
    result = fake_suite.runpytest(*NO_MAIN_PLUGIN)
    result.assert_outcomes(passed=4, failed=3, errors=1)
    doc, html = _outputs(fake_suite.path)
    k2, r2, g1 = _row(doc, "IKP-K2"), _row(doc, "IKP-R2"), _row(doc, "IKP-G1")
    assert (k2["status"], k2["passed"], k2["errors"]) == ("ERROR", 1, 1)
    assert r2["status"] == "ERROR" and g1["status"] == "ERROR"
    # a FAIL the suite recorded itself is not counted again as an ERROR
    assert _row(doc, "IKP-N3")["errors"] == 0 and _row(doc, "IKP-N3")["failed"] == 1
    reasons = {f["test_id"]: f["reason"] for f in doc["failures"]}
    assert "NameError: name 'pick' is not defined" in reasons["test_crash.py::test_suite_bug"]
    assert "setup failed" in reasons["test_crash.py::test_fixture_error"]
    assert "ConnectionError: reference server did not start" in reasons["test_crash.py::test_fixture_error"]
    assert not any("test_not_a_conformance_test" in t for t in reasons)
    assert doc["verdict"] == "not conformant"  # IKP-N3 still failed
    assert "pytest &#39;test_crash.py::test_suite_bug&#39;" in html


def test_xdist_workers_results_are_merged(fake_suite: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    result = fake_suite.runpytest_subprocess(*NO_MAIN_PLUGIN, "-p", "xdist", "-n", "2")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(
        [
            "created: 2/2 workers",
            "*ImportKeyPair conformance verdict: NOT CONFORMANT",
            "IKP-N2    Core      PASS               4",
        ]
    )
    doc, _ = _outputs(fake_suite.path)
    # Only the workers ran tests (and set suite_ran): the controller wrote merged results.
    assert doc["meta"]["suite_ran"] is True
    assert _row(doc, "IKP-N2")["cases"] == 4 and _row(doc, "IKP-N2")["passed"] == 4
    assert _row(doc, "IKP-N3")["failed"] == 1
    assert [f["test_id"] for f in doc["failures"]] == ["test_first_character"]


# -- with the real plugin (conformance/runner/plugin.py registers this module) ----------------------------
REAL_PLUGIN_CONFTEST = """
import pytest


@pytest.fixture
def results(ikp_results):
    ikp_results.meta["suite_ran"] = True  # what the ikp fixture does
    return ikp_results
"""


@pytest.fixture
def real_suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytest.importorskip("conformance.runner.plugin")
    pytester.makeconftest(REAL_PLUGIN_CONFTEST)
    pytester.makepyfile(test_suite=FAKE_SUITE)
    return pytester


def test_real_plugin_wires_the_reporting_hooks(real_suite: pytest.Pytester) -> None:
    result = real_suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(["ImportKeyPair conformance verdict: NOT CONFORMANT"])
    doc, _ = _outputs(real_suite.path)
    assert _row(doc, "IKP-N2")["cases"] == 4
    assert doc["meta"]["suite_version"] and doc["meta"]["hypothesis_profile"]


def test_real_plugin_accepts_baseline(real_suite: pytest.Pytester) -> None:
    real_suite.runpytest("-p", "no:cacheprovider")
    kept = real_suite.path / "kept.json"
    kept.write_text((real_suite.path / "reports/out/results.json").read_text(encoding="utf-8"))
    result = real_suite.runpytest("-p", "no:cacheprovider", "--baseline", str(kept))
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["no regressions from baseline*"])
