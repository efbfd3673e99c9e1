"""--baseline: gate on regressions, never soften the verdict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from report_samples import fill

from conformance.results import RunResults, gate
from conformance.verdict import Status, Verdict
from reports.baseline import compare_baseline, load_baseline
from reports.render import terminal_lines, write_outputs


def _with_n3_passing() -> RunResults:
    """The sample run, but IKP-N3 passed (the baseline before a regression)."""
    results = fill(RunResults())
    doc = results.to_json()
    for row in doc["requirements"]:
        if row["id"] == "IKP-N3":
            row.update(status="PASS", failed=0, passed=row["cases"])
    return RunResults.from_json(doc)


def test_known_failure_is_not_a_regression(sample_results: RunResults, tmp_path: Path) -> None:
    baseline = fill(RunResults()).to_json()
    diff = compare_baseline(sample_results, baseline)
    assert "IKP-N3" in diff.known and "IKP-T5" in diff.known
    assert diff.regressions == []
    failed = pytest.ExitCode.TESTS_FAILED
    assert gate.exit_status(failed, sample_results.verdict(), regressions=diff.regressions) == 0
    assert diff.summary() == "no regressions from baseline"
    # ...and the verdict stays "not conformant" in every output
    paths = write_outputs(sample_results, tmp_path, baseline=diff)
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert doc["verdict"] == "not conformant"
    assert doc["baseline"]["summary"] == "no regressions from baseline"
    html = paths["html"].read_text(encoding="utf-8")
    assert 'id="verdict">not conformant<' in html and "no regressions from baseline" in html
    lines = terminal_lines(sample_results, baseline=diff)
    assert lines[0].endswith("NOT CONFORMANT") and "no regressions from baseline" in lines


def test_pass_to_fail_is_a_regression(sample_results: RunResults) -> None:
    diff = compare_baseline(sample_results, _with_n3_passing().to_json(), "kept.json")
    assert diff.regressions == ["IKP-N3"]
    assert diff.changes["IKP-N3"] == ("PASS", "FAIL")
    assert gate.exit_status(pytest.ExitCode.OK, sample_results.verdict(), regressions=diff.regressions) == 1
    assert diff.summary() == "1 regression(s) from baseline: IKP-N3"


def test_new_failure_is_a_regression() -> None:
    baseline = RunResults().to_json()  # nothing covered
    now = RunResults()
    now.record("t", Verdict(Status.FAIL, ("IKP-K3",), reasons=("accepted garbage",)))
    now.record("u", Verdict(Status.PASS, ("IKP-K2",)))
    diff = compare_baseline(now, baseline)
    assert diff.regressions == ["IKP-K3"]
    assert diff.known == [] and diff.fixed == []


@pytest.mark.parametrize("now", ["NOT COVERED", "UNSUPPORTED"])
def test_a_lost_pass_is_a_regression(now: str) -> None:
    baseline = RunResults()
    baseline.record("t", Verdict(Status.PASS, ("IKP-X1",)))
    current = RunResults()
    if now == "UNSUPPORTED":
        current.mark_unsupported("IKP-X1", "DescribeKeyPairs gone")
    diff = compare_baseline(current, baseline.to_json())
    assert diff.regressions == ["IKP-X1"] and diff.changes["IKP-X1"] == ("PASS", now)


def test_more_information_is_not_a_regression() -> None:
    current = RunResults()
    current.mark_unsupported("IKP-X3", "no signature checks")  # NOT COVERED -> UNSUPPORTED
    current.record("t", Verdict(Status.PASS, ("IKP-X1",)))  # NOT COVERED -> PASS
    diff = compare_baseline(current, RunResults().to_json())
    assert diff.regressions == [] and set(diff.changes) == {"IKP-X1", "IKP-X3"}


def test_requirement_missing_from_baseline_counts_as_not_covered() -> None:
    now = RunResults()
    now.record("t", Verdict(Status.FAIL, ("IKP-X1",)))
    assert compare_baseline(now, {"requirements": []}).regressions == ["IKP-X1"]


def test_fixed_requirement_is_reported(sample_results: RunResults) -> None:
    diff = compare_baseline(_with_n3_passing(), sample_results.to_json())
    assert diff.fixed == ["IKP-N3"] and diff.regressions == []


@pytest.mark.parametrize("content", ["not json", "[]", '{"verdict": "conformant"}'])
def test_unusable_baseline_is_refused(content: str, tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match="baseline"):
        load_baseline(path)
    with pytest.raises(ValueError, match="cannot read"):
        load_baseline(tmp_path / "missing.json")
