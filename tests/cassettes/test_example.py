"""The shipped example cassette (``conformance/cassettes/example.py``): not stale (the documented
command makes the same file again), and usable offline: the bundled server shows no
divergence from it, a faulty one does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from conformance.cassettes import example
from conformance.contract import DEFAULT_RESOURCE_GROUP
from conformance.reference import start_server


def test_the_example_cassette_is_not_stale(tmp_path: Path) -> None:
    again = tmp_path / "example.cassette.json"
    example.record(again)
    assert again.read_text(encoding="utf-8") == example.EXAMPLE.read_text(encoding="utf-8"), (
        "the example cassette is stale: run python -m conformance.cassettes.example"
    )
    doc = json.loads(again.read_text(encoding="utf-8"))
    assert (doc["seed"], doc["hypothesis_profile"]) == (example.SEED, example.PROFILE)
    assert "recorded" not in doc and len(again.read_bytes()) < 200_000


def _compare(workdir: Path, *options: str) -> dict[str, Any]:
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "IKP_"))}
    env["HYPOTHESIS_STORAGE_DIRECTORY"] = str(workdir / "hypothesis")
    cmd = [
        sys.executable, "-m", "pytest", "--pyargs", "conformance", "-q", "-p", "no:cacheprovider",
        "-p", "no:randomly", "-p", "no:xdist", f"--hypothesis-seed={example.SEED}",
        f"--hypothesis-profile={example.PROFILE}", "-k", example.SELECTION,
        f"--compare-with={example.EXAMPLE}", f"--report-dir={workdir / 'out'}", *options,
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=300)
    results = workdir / "out" / "results.json"
    assert results.exists(), proc.stdout[-3000:] + proc.stderr[-2000:]
    doc: dict[str, Any] = json.loads(results.read_text(encoding="utf-8"))
    return doc


def test_the_example_compares_offline(tmp_path: Path) -> None:
    same = _compare(tmp_path / "bundled")
    assert same["divergences"] == [] and same["comparison"]["uncompared"] == []
    assert same["comparison"]["compared"] > 50
    with start_server(fault="errors-with-200") as server:
        faulty = _compare(
            tmp_path / "faulty", f"--target={server.url}", f"--resource-group={DEFAULT_RESOURCE_GROUP}"
        )
    assert faulty["divergences"]
    assert faulty["comparison"]["compared"] > 50  # the same requests: the cassette answers for them
    assert all(d["run"]["status"] == 200 for d in faulty["divergences"] if "status" in d["aspects"])
