"""The wheel works from anywhere: built with ``python -m build``, installed in a fresh virtual
environment, it certifies the bundled server and a given ``--target`` from an empty directory
(``pytest --pyargs conformance``), reports included."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

from installed_suite import PACKAGES, ROOT, Installed, installed_env, run, serving

DATA_FILES = (
    "conformance/docs/requirements.md",
    "conformance/reference/PROFILE.md",
    "reports/templates/report.html.j2",
    "reports/schema/results.schema.json",
    "strategies/data/rsa_primes.txt",
)


def _source_packages() -> list[str]:
    return sorted(
        str(init.parent.relative_to(ROOT))
        for top in PACKAGES
        for init in (ROOT / top).rglob("__init__.py")
        if "__pycache__" not in init.parts
    )


def test_wheel_carries_every_package_its_data_and_both_scripts(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
        (meta,) = (n for n in names if n.endswith(".dist-info/entry_points.txt"))
        entry_points = wheel.read(meta).decode()
    packages = _source_packages()
    assert "conformance/mutants/faults" in packages and "conformance/requirements" in packages
    missing = [p for p in packages if f"{p}/__init__.py" not in names]
    assert not missing, f"packages not in the wheel: {missing}"
    suite_tests = sorted(p.name for p in (ROOT / "conformance" / "requirements").glob("test_*.py"))
    assert suite_tests and all(f"conformance/requirements/{t}" in names for t in suite_tests)
    assert [f for f in DATA_FILES if f not in names] == []
    assert not any(n.startswith(("tests/", "benchmarks/")) for n in names)
    assert "ikp-conformance = conformance.cli:main" in entry_points
    assert "ikp-reference-server = conformance.reference.__main__:main" in entry_points
    assert "ikp_conformance = conformance.runner.plugin" in entry_points


def _assert_certified(result: subprocess.CompletedProcess[str], report_dir: Path) -> None:
    tail = result.stdout[-3000:]
    assert result.returncode == 0, tail
    assert "ImportKeyPair conformance verdict: CONFORMANT" in result.stdout, tail
    assert " passed" in result.stdout.splitlines()[-1] and "failed" not in result.stdout.splitlines()[-1]
    assert (report_dir / "report.html").is_file(), tail
    doc = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
    assert doc["verdict"] == "conformant"


def test_installed_suite_runs_from_an_empty_directory_against_the_bundled_server(
    installed: Installed, empty_dir: Path
) -> None:
    env = installed_env(installed)
    where = run([str(installed.bin / "python"), "-c", "import conformance; print(conformance.__file__)"],
                cwd=empty_dir, env=env)  # fmt: skip
    assert where.stdout.strip().startswith(str(installed.venv)), where.stdout
    result = run([str(installed.bin / "pytest"), "--pyargs", "conformance", "--hypothesis-profile=quick"],
                 cwd=empty_dir, env=env)  # fmt: skip
    _assert_certified(result, empty_dir / "reports" / "out")
    assert "ikp: target bundled reference server" in result.stdout
    # The summary ends with where the report is (pytest's counts follow).
    assert result.stdout.splitlines()[-2] == f"html report written: {empty_dir}/reports/out/report.html"


def test_installed_suite_certifies_a_given_target_from_an_empty_directory(
    installed: Installed, empty_dir: Path
) -> None:
    with serving(installed, empty_dir) as url:
        result = run(
            [str(installed.bin / "pytest"), "--pyargs", "conformance", f"--target={url}",
             "--hypothesis-profile=quick", "--report-dir=out"],
            cwd=empty_dir,
            env=installed_env(installed),
        )  # fmt: skip
    _assert_certified(result, empty_dir / "out")
    assert f"ikp: target {url}" in result.stdout
