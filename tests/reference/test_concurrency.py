"""Concurrent imports over real HTTP: one name gives exactly one success; the quota holds (IKP-S3)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator

import pytest

from conformance import contract
from conformance.reference import RunningServer, start_server

from .rawhttp import call

REGION = contract.DEFAULT_REGION
THREADS = 24


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with start_server() as running:
        yield running


def _run_threads(target, count: int) -> None:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(count)

    def wrapped(i: int) -> None:
        barrier.wait()
        target(i)

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
        assert not t.is_alive()


def _import(server: RunningServer, name: str, body: str) -> tuple[int, str]:
    r = call(
        server.url,
        {"Action": contract.ACTION_IMPORT, "RegionId": REGION, "KeyPairName": name, "PublicKeyBody": body},
    )
    return r.status, r.json().get("Code", "OK")


@pytest.mark.parametrize("round_", range(3))
def test_one_name_imported_concurrently_succeeds_exactly_once(
    server: RunningServer, rsa_pub: str, round_: int
) -> None:
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        outcome = _import(server, f"race{round_}", rsa_pub)
        with lock:
            results.append(outcome)

    _run_threads(worker, THREADS)
    counts = Counter(results)
    exists = (contract.KEY_PAIR_ALREADY_EXISTS.status, contract.KEY_PAIR_ALREADY_EXISTS.code)
    assert counts == {(200, "OK"): 1, exists: THREADS - 1}
    assert server.store.count(REGION) == 1


def test_concurrent_imports_near_quota_never_exceed_it(server: RunningServer, rsa_pub: str) -> None:
    quota = contract.KEY_PAIRS_PER_REGION
    headroom = 5
    for i in range(quota - headroom):
        assert _import(server, f"fill{i}", rsa_pub)[0] == 200
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        outcome = _import(server, f"near{i}", rsa_pub)
        with lock:
            results.append(outcome)

    _run_threads(worker, THREADS)
    counts = Counter(results)
    assert counts == {
        (200, "OK"): headroom,
        (contract.QUOTA_EXCEEDED.status, contract.QUOTA_EXCEEDED.code): THREADS - headroom,
    }
    assert server.store.count(REGION) == quota
    listed = call(server.url, {"Action": contract.ACTION_DESCRIBE, "RegionId": REGION}).json()
    assert listed["TotalCount"] == quota
