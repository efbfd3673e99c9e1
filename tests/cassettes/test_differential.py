"""Differential runs against the bundled reference server (issue 15): the suite recorded with
``--record`` and compared with ``--compare-with``, in subprocesses, as a user runs it.

One signed recording of the whole suite (``--hypothesis-seed=1 --hypothesis-profile=quick``)
against a fresh reference server is compared with a second fresh server: 0 divergences and no
request missing from the cassette; and with an unsigned server, run without credentials: 0
divergences (a signed run's cassette answers for an unsigned mock). The same cassette against
a server with a fault (``--fault errors-with-200``, IKP-T4) shows divergences, reported in results.json (valid
against its schema) and report.html, and ``--fail-on-divergence`` makes a conformant-looking
run exit 1 only when there are some. The cassette of the signed run holds no credential. Each
run has its own working directory and Hypothesis storage (no example database carries one
run's examples into the next)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conformance import contract
from conformance.reference import start_server

from .usage import usage as usage_error

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "reports" / "schema" / "results.schema.json"
SEED = "1"
PROFILE = "quick"
KEY_ID, SECRET = "LTAIcassetteKey0001", "cassette-secret-Pl4nted/+=value"
# The tests the faulty server is compared on (a slice: the whole suite against a failing
# server spends its shrink budget); names, keys and transports all answer errors there.
FAULTY_SLICE = (
    "test_invalid_names_are_rejected or test_broken_keys_are_rejected or test_every_transport_and_format"
)


@dataclass
class Run:
    code: int
    output: str
    results: dict[str, Any]
    report: str


def _run(workdir: Path, url: str, *options: str, select: str | None = None, signed: bool = True) -> Run:
    workdir.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "IKP_"))}
    env["HYPOTHESIS_STORAGE_DIRECTORY"] = str(workdir / "hypothesis")
    if signed:
        env.update(ALIBABA_CLOUD_ACCESS_KEY_ID=KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET=SECRET)
    cmd = [
        sys.executable, "-m", "pytest", "--pyargs", "conformance", f"--target={url}",
        f"--resource-group={contract.DEFAULT_RESOURCE_GROUP}", f"--hypothesis-profile={PROFILE}",
        f"--hypothesis-seed={SEED}", f"--report-dir={workdir / 'out'}", "-p", "no:cacheprovider",
        "-p", "no:randomly", "-p", "no:xdist", "-q", *options,
    ]  # fmt: skip
    if select:
        cmd += ["-k", select]
    proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=600)
    output = proc.stdout + proc.stderr
    results_file = workdir / "out" / "results.json"
    assert results_file.exists(), output[-4000:]
    report = (workdir / "out" / "report.html").read_text(encoding="utf-8")
    return Run(proc.returncode, output, json.loads(results_file.read_text(encoding="utf-8")), report)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Run]]:
    """The whole suite, signed, against a fresh reference server, recorded."""
    base = tmp_path_factory.mktemp("record")
    cassette = base / "reference.cassette.json"
    with start_server(access_keys={KEY_ID: SECRET}) as server:
        run = _run(base / "run", server.url, f"--record={cassette}")
    assert run.code == 0, run.output[-3000:]
    yield cassette, run


def test_the_recording_is_a_documented_redacted_cassette(recorded: tuple[Path, Run]) -> None:
    cassette, run = recorded
    text = cassette.read_text(encoding="utf-8")
    doc = json.loads(text)
    assert doc["format"] == "ikp-cassette" and doc["format_version"] == 2
    assert (doc["seed"], doc["hypothesis_profile"]) == (SEED, PROFILE)
    assert doc["suite_version"] == run.results["meta"]["suite_version"]
    assert doc["target"].startswith("http://127.0.0.1:")
    actions = {e["key"]["action"] for e in doc["entries"]}
    assert actions == {contract.ACTION_IMPORT, contract.ACTION_DESCRIBE, contract.ACTION_DELETE}
    answers = sum(len(e["answers"]) for e in doc["entries"])
    assert answers > 1000, answers
    assert any(e["key"]["tamper"] for e in doc["entries"])  # a signed run: IKP-X3 spoils signatures
    prefix = run.results["meta"]["name_prefix"]
    assert prefix not in text and prefix.upper() not in text  # normalised to <PREFIX>
    # A signed run's cassette holds no credential (nor a signature: none is ever kept).
    for secret in (KEY_ID, SECRET, SECRET.replace("/", "%2F")):
        assert secret not in text, secret
    assert "cassette written:" in run.output


def test_the_same_server_shows_no_divergence(recorded: tuple[Path, Run], tmp_path: Path) -> None:
    cassette, first = recorded
    with start_server(access_keys={KEY_ID: SECRET}) as server:
        run = _run(tmp_path / "again", server.url, f"--compare-with={cassette}", "--fail-on-divergence")
    assert run.code == 0, run.output[-3000:]
    assert run.results["divergences"] == []
    comparison = run.results["comparison"]
    assert comparison["uncompared"] == [] and comparison["cassette_keys_not_sent"] == 0
    assert comparison["compared"] == sum(1 for _ in _answers(cassette))
    assert run.results["meta"]["name_prefix"] != first.results["meta"]["name_prefix"]
    jsonschema.validate(run.results, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert 'id="divergences"' in run.report and "every answer compared matches" in run.report
    assert "divergences from" in run.output


def test_a_signed_runs_cassette_replays_against_an_unsigned_mock(
    recorded: tuple[Path, Run], tmp_path: Path
) -> None:
    """No credentials, a server that checks no signature: the IKP-X3 tests skip (their requests
    are the cassette's keys not sent), everything else is compared, and nothing diverges."""
    cassette, _ = recorded
    with start_server() as server:
        run = _run(tmp_path / "unsigned", server.url, f"--compare-with={cassette}", signed=False)
    assert run.code == 0, run.output[-3000:]
    assert run.results["divergences"] == []
    comparison = run.results["comparison"]
    assert comparison["compared"] > 1000 and comparison["cassette_keys_not_sent"] > 0
    assert not any(u["key"]["tamper"] for u in comparison["uncompared"])


def test_a_faulty_server_diverges(recorded: tuple[Path, Run], tmp_path: Path) -> None:
    cassette, _ = recorded
    with start_server(access_keys={KEY_ID: SECRET}, fault="errors-with-200") as server:
        run = _run(tmp_path / "faulty", server.url, f"--compare-with={cassette}", select=FAULTY_SLICE)
    divergences = run.results["divergences"]
    assert divergences, run.output[-3000:]
    assert any("status" in d["aspects"] and d["run"]["status"] == 200 for d in divergences)
    assert all(d["cassette"]["status"] != 200 for d in divergences if "status" in d["aspects"])
    assert run.results["comparison"]["divergent"] == len(divergences)
    # Named by the requirement the fault breaks (IKP-T4: an error is never a 200).
    assert "IKP-T4" in run.results["comparison"]["requirements"]
    assert all(d["requirements"] for d in divergences)
    jsonschema.validate(run.results, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert f"Divergences from the cassette ({len(divergences)})" in run.report


def test_a_legal_variant_diverges_and_fails_only_through_the_option(
    recorded: tuple[Path, Run], tmp_path: Path
) -> None:
    """``--variant lenient`` answers otherwise where the contract allows it: CONFORMANT, yet
    divergent, so the run exits 1 only because of ``--fail-on-divergence`` (the clean
    comparison above exits 0 with the same option)."""
    cassette, _ = recorded
    with start_server(access_keys={KEY_ID: SECRET}, variant="lenient") as server:
        run = _run(tmp_path / "lenient", server.url, f"--compare-with={cassette}", "--fail-on-divergence")
    assert run.results["verdict"] == "conformant", run.output[-3000:]
    assert run.results["divergences"]
    assert run.results["statistics"]["failures"] == 0  # a divergence is not a conformance failure
    assert run.code == 1
    # Its readings of the Profile points, side by side with the default server's.
    profile = run.results["comparison"]["profile"]
    assert run.results["comparison"]["profile_differences"] > 0
    assert any(row["requirement"] == "IKP-R2" and not row["same"] for row in profile)
    assert "Behaviour profiles side by side" in run.report


def _answers(cassette: Path) -> Iterator[dict[str, Any]]:
    for entry in json.loads(cassette.read_text(encoding="utf-8"))["entries"]:
        yield from entry["answers"]


def test_usage_errors(recorded: tuple[Path, Run], tmp_path: Path) -> None:
    cassette, _ = recorded

    def usage(*options: str) -> str:
        return usage_error(tmp_path, *options)

    assert "run without -n" in usage("-n", "2", f"--record={tmp_path / 'x.json'}")
    other_seed = usage(f"--compare-with={cassette}", "--hypothesis-seed=2", f"--hypothesis-profile={PROFILE}")
    assert "recorded with seed 1 and profile quick" in other_seed
    (tmp_path / "bad.json").write_text('{"format": "ikp-cassette", "format_version": 0}', encoding="utf-8")
    assert "format version 0" in usage(f"--compare-with={tmp_path / 'bad.json'}")
    assert "needs --compare-with" in usage("--fail-on-divergence")
