"""The CI recipes (docs/ci/) run: their shell commands, taken from the YAML as the CI service
would take them, are run here (not the service) with the built wheel as the suite to install
and the bundled server as the mock, in an empty directory with a committed baseline.

Each recipe must: install the suite, start the mock, certify it, leave every artifact it
declares (report.html, results.json, the JUnit XML), pass when nothing regressed from the
baseline and fail when a requirement regressed (the mock started with a fault). To keep the
runs short, ``PYTEST_ADDOPTS`` narrows the suite to the name tests, and the baseline is a run
of that same subset.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from installed_suite import ROOT, STEP_TIMEOUT, Installed, free_port, installed_env, run, serving

RECIPES = ROOT / "docs" / "ci"
SUBSET = "-k test_names --hypothesis-profile=quick"
SERVE = "ikp-conformance serve"
FAULT = "name-digit-first"  # an IKP-N3 deviation: the name tests catch it


def _load(name: str) -> dict[Any, Any]:
    doc = yaml.safe_load((RECIPES / name).read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def github_actions() -> tuple[str, dict[str, str], list[str]]:
    """(the steps' shell script, the job's env, the uploaded paths) of the GitHub recipe."""
    (job,) = _load("github-actions.yml")["jobs"].values()
    script = "\n".join(step["run"] for step in job["steps"] if "run" in step)
    uploads = [
        line.strip()
        for step in job["steps"]
        if str(step.get("uses", "")).startswith("actions/upload-artifact")
        for line in str(step["with"]["path"]).splitlines()
        if line.strip()
    ]
    return script, {k: str(v) for k, v in job["env"].items()}, uploads


def gitlab_ci() -> tuple[str, dict[str, str], list[str]]:
    """(the job's script, its variables, its artifacts) of the GitLab recipe."""
    (job,) = (v for k, v in _load("gitlab-ci.yml").items() if isinstance(v, dict) and "script" in v)
    script = "\n".join([*job.get("before_script", []), *job["script"]])
    artifacts = job["artifacts"]
    junit = artifacts.get("reports", {}).get("junit")
    paths = [*artifacts["paths"], *([junit] if junit else [])]
    return script, {k: str(v) for k, v in job["variables"].items()}, paths


RECIPE_READERS = {"github-actions": github_actions, "gitlab-ci": gitlab_ci}


def _run_recipe(
    installed: Installed, script: str, variables: dict[str, str], where: Path
) -> subprocess.CompletedProcess[str]:
    """Run ``script`` as the CI service would (one bash, errexit), then stop what it left running."""
    here = {"IKP_SUITE": str(installed.wheel), "MOCK_PORT": str(free_port()), "PYTEST_ADDOPTS": SUBSET}
    env = installed_env(installed, **{**variables, **here})
    proc = subprocess.Popen(
        ["bash", "-eo", "pipefail", "-c", script],
        cwd=where,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # the mock started with '&' is in this process group
    )
    try:
        out, _ = proc.communicate(timeout=STEP_TIMEOUT)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, None)


@pytest.fixture(scope="session")
def baseline(installed: Installed, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results.json a mock's author would commit, made as the recipes' comment says: the mock
    (the bundled server) certified by URL, here with the subset."""
    where = tmp_path_factory.mktemp("baseline")
    env = installed_env(installed, PYTEST_ADDOPTS=SUBSET)
    with serving(installed, where) as url:
        cmd = [str(installed.bin / "ikp-conformance"), "certify", url, "--report-dir", "out"]
        result = run(cmd, cwd=where, env=env)
    assert "ikp-conformance: verdict" in result.stdout, result.stdout[-3000:]
    return where / "out" / "results.json"


@pytest.mark.parametrize("recipe", sorted(RECIPE_READERS))
def test_recipe_certifies_the_mock_and_keeps_the_artifacts(
    recipe: str, installed: Installed, baseline: Path, empty_dir: Path
) -> None:
    script, variables, artifacts = RECIPE_READERS[recipe]()
    assert SERVE in script and "ikp-conformance certify" in script and "--baseline" in script
    assert {"report.html", "results.json", "junit.xml"} <= {Path(a).name for a in artifacts}
    committed = next(w for w in script.split() if w.endswith(".json"))  # the --baseline FILE
    shutil.copy(baseline, empty_dir / committed)
    result = _run_recipe(installed, script, variables, empty_dir)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "no regressions from baseline" in result.stdout, result.stdout[-4000:]
    assert "ikp-conformance: report " in result.stdout
    missing = [a for a in artifacts if not (empty_dir / a).is_file()]
    assert not missing, f"artifacts the recipe declares but did not write: {missing}\n{result.stdout[-3000:]}"


@pytest.mark.parametrize("recipe", sorted(RECIPE_READERS))
def test_recipe_fails_on_a_regression_from_the_baseline(
    recipe: str, installed: Installed, baseline: Path, empty_dir: Path
) -> None:
    script, variables, artifacts = RECIPE_READERS[recipe]()
    committed = next(w for w in script.split() if w.endswith(".json"))
    shutil.copy(baseline, empty_dir / committed)
    faulty = script.replace(SERVE, f"{SERVE} --fault {FAULT}")
    result = _run_recipe(installed, faulty, variables, empty_dir)
    assert result.returncode != 0, result.stdout[-4000:]
    assert "regression(s) from baseline: IKP-N3" in result.stdout, result.stdout[-4000:]
    missing = [a for a in artifacts if not (empty_dir / a).is_file()]
    assert not missing, f"a failed run must still leave its artifacts: {missing}"
