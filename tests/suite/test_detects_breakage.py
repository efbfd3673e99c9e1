"""The suite fails broken targets, each against the right requirement ID (issue 5), and
passes the same tests through an identity proxy (so the harness itself breaks nothing)."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from mutation.bench import load as load_mutation_benchmark

from conformance.reference import start_server

from .brokentargets import CATALOGUE, Breakage, BrokenProxy, Response

mutation = load_mutation_benchmark()
statuses = mutation.statuses


def run_suite(target: str, tests: str, workdir: Path, *extra: str, profile: str = "detect") -> dict:
    """Run the conformance suite (unsigned) against ``target``, narrowed to ``tests``; return
    results.json (the one runner: ``benchmarks/mutation.py``). The ``detect`` profile (quick
    without shrinking) by default: these runs ask whether a breakage is caught, not for the
    minimal example."""
    return mutation.run_suite(
        target, workdir / "out", select=tests, extra=extra, cwd=workdir, timeout=600, profile=profile
    )


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with start_server() as server:
        yield server.url


def _identity(request: dict[str, str], status: int, headers: dict[str, str], body: bytes) -> Response:
    return status, headers, body


def _accept_everything(
    request: dict[str, str], status: int, headers: dict[str, str], body: bytes
) -> Response:
    """A lazy mock: every ImportKeyPair succeeds, with the MD5 of whatever base64 it got."""
    if request.get("Action") != "ImportKeyPair":
        return status, headers, body
    token = ([*request.get("PublicKeyBody", "").split(), "", ""])[1]
    try:
        digest = hashlib.md5(base64.b64decode(token)).hexdigest()
    except ValueError:
        digest = hashlib.md5(token.encode()).hexdigest()
    doc = {
        "RequestId": "4C5E8F12-0000-4000-8000-000000000000",
        "KeyPairName": request.get("KeyPairName", ""),
        "KeyPairFingerPrint": ":".join(digest[i : i + 2] for i in range(0, 32, 2)),
    }
    return 200, {"Content-Type": "application/json;charset=utf-8"}, json.dumps(doc).encode()


@pytest.mark.parametrize("breakage", CATALOGUE, ids=[b.name for b in CATALOGUE])
def test_each_breakage_fails_its_requirement(upstream: str, tmp_path: Path, breakage: Breakage) -> None:
    proxy = BrokenProxy(upstream, breakage.mutate)
    try:
        results = run_suite(proxy.url, breakage.tests, tmp_path, *breakage.extra_args)
    finally:
        proxy.close()
    got = statuses(results)
    failed = [req_id for req_id in breakage.fails if got[req_id] == "FAIL"]
    want = 1 if breakage.any_of else len(breakage.fails)
    assert len(failed) >= want, f"{breakage.name}: {got}\n{results['_stdout'][-3000:]}"
    assert results["verdict"] == "not conformant"
    assert results["_exit"] != 0
    assert results["failures"], "a FAIL without a recorded failure"
    for failure in results["failures"]:
        assert failure["reproduce"], failure


def test_identity_proxy_passes_the_same_tests(upstream: str, tmp_path: Path) -> None:
    """Soundness of the harness: through a proxy that changes nothing, nothing fails."""
    proxy = BrokenProxy(upstream, _identity)
    try:
        expr = " or ".join(sorted({b.tests for b in CATALOGUE}))
        results = run_suite(proxy.url, expr, tmp_path, profile="quick")
    finally:
        proxy.close()
    bad = {k: v for k, v in statuses(results).items() if v in ("FAIL", "ERROR")}
    assert not bad, results["_stdout"][-3000:]


def test_a_target_that_accepts_everything_is_never_conformant(upstream: str, tmp_path: Path) -> None:
    proxy = BrokenProxy(upstream, _accept_everything)
    try:
        results = run_suite(proxy.url, "test_invalid_names or test_broken_keys_are_rejected", tmp_path)
    finally:
        proxy.close()
    got = statuses(results)
    assert got["IKP-K3"] == "FAIL"
    # Hypothesis stops at the first failing name case: absent (N1) or one rule of N2..N4.
    assert {got["IKP-N1"], got["IKP-N2"], got["IKP-N3"], got["IKP-N4"]} & {"FAIL"}
    assert results["verdict"] == "not conformant" and results["_exit"] != 0


def test_unreachable_target_ends_fast_with_a_clear_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "conformance", "--target=http://127.0.0.1:1",
         "-p", "no:cacheprovider"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "http://127.0.0.1:1" in out and "Traceback" not in out, out[-2000:]
