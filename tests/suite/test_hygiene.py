"""The suite's own promises (requirements.md): it deletes what it created, never anything else,
cleans up after Ctrl-C too, and works against a target without DeleteKeyPairs (reporting
what it left behind)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance import contract
from conformance.reference import RunningServer, start_server
from conformance.reference.store import KeyPair

from .brokentargets import BrokenProxy, Response
from .test_detects_breakage import run_suite

FOREIGN = ("userKey1", "ikp-someone-else", "ab", "IKPdeadbeef-x")


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with start_server() as running:
        for region in (contract.DEFAULT_REGION, contract.DEFAULT_OTHER_REGION):
            for name in FOREIGN:
                running.store.add(
                    KeyPair(
                        region,
                        name,
                        "00:" * 15 + "00",
                        "ssh-rsa AAAA",
                        contract.DEFAULT_RESOURCE_GROUP,
                        (),
                        0.0,
                    )
                )
        yield running


def _names(server: RunningServer) -> set[tuple[str, str]]:
    return {(kp.region, kp.name) for kp in server.store.all()}


def test_deletes_all_it_created_and_nothing_else(server: RunningServer, tmp_path: Path) -> None:
    before = _names(server)
    results = run_suite(server.url, "test_names or test_duplicate or test_lifecycle", tmp_path)
    assert results["verdict"] != "not conformant", results["_stdout"][-3000:]
    assert results["statistics"]["exchanges"] > 0
    assert _names(server) == before  # foreign key pairs kept, the suite's own all gone
    assert not results["leftovers"]


def _no_delete(request: dict[str, str], status: int, headers: dict[str, str], body: bytes) -> Response:
    if request.get("Action") == contract.ACTION_DELETE:
        doc = {
            "RequestId": "1-2-3",
            "Code": contract.ACTION_NOT_FOUND.code,
            "Message": contract.ACTION_NOT_FOUND.message,
        }
        return 404, {"Content-Type": "application/json;charset=utf-8"}, json.dumps(doc).encode()
    return status, headers, body


def test_target_without_delete_reports_what_it_left(server: RunningServer, tmp_path: Path) -> None:
    proxy = BrokenProxy(server.url, _no_delete)
    try:
        results = run_suite(proxy.url, "test_valid_names or test_delete_frees", tmp_path)
    finally:
        proxy.close()
    statuses = {r["id"]: r["status"] for r in results["requirements"]}
    assert statuses["IKP-X2"] == "UNSUPPORTED"
    assert statuses["IKP-N2"] == "PASS"
    left = {(row["region"], row["name"]) for row in results["leftovers"]}
    created = _names(server) - {
        (r, n) for r in (contract.DEFAULT_REGION, contract.DEFAULT_OTHER_REGION) for n in FOREIGN
    }
    assert left and left == created
    assert results["capabilities"]["DeleteKeyPairs"] is False


def test_interrupt_still_cleans_up(server: RunningServer, tmp_path: Path) -> None:
    """Ctrl-C (SIGINT) in the middle of a run: the session teardown still deletes what the
    suite created."""
    before = _names(server)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "--pyargs", "conformance", f"--target={server.url}",
         "--hypothesis-profile=thorough", "-p", "no:cacheprovider", f"--report-dir={tmp_path / 'out'}",
         "-k", "test_valid_names"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while len(_names(server)) <= len(before) + 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(_names(server)) > len(before), "the suite created nothing before the interrupt"
    os.kill(proc.pid, signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert _names(server) == before, out[-2000:]
