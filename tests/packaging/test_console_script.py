"""``ikp-conformance`` (conformance/cli.py), run from this checkout: each subcommand does what
the piece it hands over to does, and ``certify`` prints the verdict and where the report is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from installed_suite import free_port

from conformance import cli, requirements_doc

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IKP_", "PYTEST_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def ikp(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance.cli", *args],
        cwd=cwd,
        env=env or _env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_help_lists_the_four_commands(tmp_path: Path) -> None:
    result = ikp("--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("certify", "serve", "sample", "requirements"):
        assert command in result.stdout


def test_certify_defaults() -> None:
    args = cli.build_parser().parse_args(["certify", "http://127.0.0.1:9"])
    argv, report_dir = cli.certify_arguments(args, ["-k", "names"])
    assert report_dir == Path("reports/out")
    assert argv[:2] == ["--pyargs", "conformance"] and "-p" in argv and "no:cacheprovider" in argv
    assert "--target=http://127.0.0.1:9" in argv and "--junitxml=reports/out/junit.xml" in argv
    assert argv[-2:] == ["-k", "names"]  # what follows '--' goes to pytest last, as it is
    bundled, _ = cli.certify_arguments(cli.build_parser().parse_args(["certify"]), [])
    assert not any(a.startswith("--target") for a in bundled)


def test_certify_prints_the_verdict_and_the_report_and_returns_the_status(tmp_path: Path) -> None:
    result = ikp(
        "certify", "--profile", "quick", "--report-dir", "out", "--", "-k", "test_names", cwd=tmp_path
    )
    # A subset leaves Core requirements NOT COVERED: incomplete is not a certification.
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout[-3000:]
    lines = result.stdout.splitlines()
    assert lines[-3:] == [
        "ikp-conformance: verdict INCOMPLETE (exit status 1)",
        f"ikp-conformance: results {tmp_path}/out/results.json",
        f"ikp-conformance: report {tmp_path}/out/report.html",
    ]
    doc = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert doc["verdict"] == "incomplete"
    junit = ET.parse(tmp_path / "out" / "junit.xml")
    assert any(p.get("name") == "requirement" for p in junit.iter("property"))
    assert not (tmp_path / ".pytest_cache").exists()


def test_certify_waits_for_the_target_then_says_it_is_unreachable(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = ikp("certify", url, "--wait", "0.5", cwd=tmp_path)
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert f"target {url} is not reachable" in result.stderr and "after 0.5 s" in result.stderr
    assert not (tmp_path / "reports").exists()


@contextmanager
def _serve(cwd: Path, *options: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``ikp-conformance serve --port 0 OPTIONS``: the process and its first line; terminated after."""
    server = subprocess.Popen(
        [sys.executable, "-m", "conformance.cli", "serve", "--port", "0", *options],
        cwd=cwd,
        env=_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        yield server, server.stdout.readline().strip()
    finally:
        if server.poll() is None:
            server.terminate()
        server.wait(timeout=30)
        assert server.stdout is not None
        server.stdout.close()


def test_serve_is_the_reference_server(tmp_path: Path) -> None:
    listed = ikp("serve", "--list-faults", cwd=tmp_path)
    assert listed.returncode == 0 and "duplicate-overwrites" in listed.stdout
    with _serve(tmp_path) as (server, first):
        assert first.startswith("listening on http://127.0.0.1:")
        server.terminate()
        assert server.wait(timeout=30) == 0


def test_sample_is_what_the_strategies_generate(tmp_path: Path) -> None:
    args = ("sample", "--kind", "valid-name", "-n", "3", "--seed", "7")
    ours = ikp(*args, cwd=tmp_path)
    theirs = subprocess.run(
        [sys.executable, "-m", "strategies", *args],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == theirs.stdout and len(ours.stdout.splitlines()) == 3
    assert all(json.loads(line) for line in ours.stdout.splitlines())


def test_requirements_prints_the_shipped_document(tmp_path: Path) -> None:
    result = ikp("requirements", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == requirements_doc.shipped()
    assert "IKP-N2" in result.stdout


def test_certify_junit_carries_each_failures_reproduce_command(tmp_path: Path) -> None:
    with _serve(tmp_path, "--fault", "name-digit-first") as (_, first):
        url = first.removeprefix("listening on ")
        result = ikp("certify", url, "--profile", "quick", "--", "-k", "test_names", cwd=tmp_path)
    assert result.returncode == pytest.ExitCode.TESTS_FAILED
    assert "ikp-conformance: verdict NOT CONFORMANT" in result.stdout
    failed = [
        case
        for case in ET.parse(tmp_path / "reports" / "out" / "junit.xml").iter("testcase")
        if case.find("failure") is not None
    ]
    assert failed
    for case in failed:
        props = [(p.get("name"), p.get("value") or "") for p in case.iter("property")]
        assert ("requirement", "IKP-N3") in props
        reproduce = [value for name, value in props if name == "reproduce"]
        assert reproduce and all(url in command for command in reproduce), props
