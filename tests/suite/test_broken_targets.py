"""A broken new mock gets its verdict and its report, with the suite's own words and no
traceback (issue 14): the suite runs against small hostile targets (``benchmarks/hostile.py``,
the kinds ``benchmarks/broken_targets.py`` measures) and its terminal output and results.json
are read back."""

from __future__ import annotations

import re
from pathlib import Path

from mutation.bench import load as load_benchmark

hostile = load_benchmark("hostile")
suiterun = load_benchmark("suiterun")

_TRACEBACK = re.compile(r"Traceback \(most recent call last\)|Exception Group Traceback")


def _run(tmp_path: Path, kind: str, *extra: str, select: str | None = None) -> dict:
    running = hostile.HOSTILE[kind][1]()
    try:
        return suiterun.run_suite(
            running.url, tmp_path / "out", select=select, profile="quick",
            extra=("--request-timeout", "5", *extra), timeout=600,
        )  # fmt: skip
    finally:
        running.close()


def test_success_to_everything_is_explained_once_per_deviation(tmp_path: Path) -> None:
    results = _run(
        tmp_path, "success-to-everything", "--shrink-budget", "1,3", select="test_plain_keys_are_accepted"
    )
    out = results["_stdout"]
    assert results["verdict"] == "not conformant" and results["_exit"] == 1
    assert not _TRACEBACK.search(out), out[-3000:]
    assert "IKP-R2: KeyPairFingerPrint" in out  # the suite's own words, per failed test
    failures = results["failures"]
    assert failures and all(f["reproduce"] for f in failures)
    # five key types, one deviation: the later tests point at the first one's example
    explained = {f["explained_by"] for f in failures if f["explained_by"]}
    assert len(explained) == 1 and all(f["shrunk"] is False for f in failures if f["explained_by"])
    assert (tmp_path / "out" / "report.html").exists()


def test_a_connection_closed_at_once_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    results = _run(tmp_path, "closes-at-once")
    out = results["_stdout"]
    assert results["verdict"] == "incomplete" and results["_exit"] == 2, out[-2000:]
    assert not _TRACEBACK.search(out), out[-3000:]
    assert "stopped answering" in out
    assert (tmp_path / "out" / "report.html").exists()


def test_tracebacks_come_back_on_request(tmp_path: Path) -> None:
    results = _run(tmp_path, "closes-at-once", "--tb=long")
    assert re.search(r"session\.py:\d+: TargetGone", results["_stdout"]), results["_stdout"][-3000:]


def test_a_huge_answer_is_cut_in_what_is_kept(tmp_path: Path) -> None:
    results = _run(tmp_path, "huge-body", "--shrink-budget", "0", select="test_plain_keys_are_accepted")
    assert results["verdict"] == "not conformant"
    assert results["failures"]
    for failure in results["failures"]:
        text = (failure["exchange"] or {}).get("response_text", "")
        # declared larger than the read cap: not read, not kept; the reason says why
        assert text == "" and "larger than" in failure["reason"], failure["reason"]
