"""Concurrent imports (IKP-S3): threads released at the same moment (``concurrently``) and a
batch of racing imports judged one by one and as a batch (``race``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from conformance import oracle
from conformance.case import Case
from conformance.exchange import Exchange
from conformance.runner.session import Suite
from conformance.verdict import Verdict


def concurrently(
    count: int, job: Callable[[int], tuple[Verdict, Exchange]]
) -> list[tuple[Verdict, Exchange]]:
    """Run ``job(0..count-1)`` in ``count`` threads released at the same moment."""
    barrier = threading.Barrier(count)

    def run(i: int) -> tuple[Verdict, Exchange]:
        barrier.wait(timeout=30)
        return job(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def race(ikp: Suite, cases: list[Case]) -> None:
    """Send ``cases`` into one region at once and judge the batch exactly (IKP-S3).

    The model gives each racer its outcomes (``TargetModel.race``: AlreadyExist where another
    racer may take the name, QuotaExceed only where the racing names outnumber the free
    slots); each answer is judged alone, then ``oracle.judge_race`` judges the batch against
    the free slots the model counted before it. Runs without auto-cleanup: a cleanup in the
    middle of the race would delete a winner."""
    region = cases[0].params["RegionId"]
    with ikp.no_auto_cleanup():
        room = ikp.model.room(region)
        racing = ikp.model.race(cases)
        results = concurrently(len(racing), lambda i: ikp.send_import(racing[i], fresh=False))
        for verdict, _ in results:
            ikp.check(verdict)
        names = [c.params["KeyPairName"] for c in racing]
        batch = oracle.judge_race([exchange for _, exchange in results], names, room=room)
        ikp.record(batch, cases[0], None)
        ikp.check(batch)
