"""State: the quota (IKP-S1), rejected imports store nothing (IKP-S2), concurrency (IKP-S3),
and a state machine over import, duplicate import, delete and re-import in two regions."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    rule,
    run_state_machine_as_test,
)

from conformance import contract, oracle
from conformance.exchange import Exchange
from conformance.marks import requires
from conformance.suite import AUTO_CLEANUP_ROOM, Suite, fresh_seed, simple_case
from conformance.verdict import Status, Verdict
from strategies.case import Case


def _fill(ikp: Suite, region: str, up_to: int) -> None:
    """Import fresh key pairs into ``region`` until the model counts ``up_to`` of them."""
    names = [ikp.unique_name("q") for _ in range(max(up_to - ikp.model.count(region), 0))]
    seed = fresh_seed()  # one key for the whole fill, the same in every run
    for name in names:
        verdict, exchange = ikp.send_import(simple_case(name, region, seed), record=False)
        if verdict.status is not Status.PASS:
            ikp.record(verdict, simple_case(name, region, seed), exchange)
            ikp.check(verdict)


def _resync(ikp: Suite, region: str) -> None:
    """Re-read the region's count from DescribeKeyPairs (other key pairs may have appeared)."""
    total = ikp.total_count(region)
    if total is not None:
        ours = sum(1 for r, _ in ikp.model.created() if r == region)
        ikp.model.preexisting(region, max(total - ours, 0))


@requires("IKP-S2")
@given(data=st.data())
def test_rejected_import_stores_nothing(
    ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject
) -> None:
    """A request refused for its key, tags, group or region stores nothing: the same name
    then imports successfully (the model adds IKP-S2 to that second case)."""
    bad = data.draw(ikp.invalid_cases("key", "tags", "resource-group", max_violations=2), label="rejected")
    ikp.expect(bad)
    name = bad.params["KeyPairName"]
    ikp.expect(simple_case(name, ikp.region), fresh=False)


@requires("IKP-S1", "IKP-X2")
@pytest.mark.quota
@pytest.mark.serial
def test_quota_is_500_per_region(ikp: Suite, requirement_ids: tuple[str, ...]) -> None:
    """With 499 key pairs the next import succeeds; with 500 a new one -> 403
    QuotaExceed.KeyPair; the other region still accepts; a deletion frees a slot."""
    region, quota = ikp.region, contract.KEY_PAIRS_PER_REGION
    with ikp.no_auto_cleanup():
        _resync(ikp, region)
        if ikp.model.count(region) >= quota:
            pytest.fail(
                f"{region} already holds {ikp.model.count(region)} key pairs: the quota cannot be probed"
            )
        _fill(ikp, region, quota - 1)
        _resync(ikp, region)
        _fill(ikp, region, quota - 1)
        ikp.expect(simple_case(ikp.unique_name("edge"), region))  # the 500th: success (IKP-S1)
        ikp.expect(simple_case(ikp.unique_name("over"), region))  # the 501st: QuotaExceed
        other = simple_case(ikp.unique_name("other"), ikp.other_region)  # other region: fine
        ikp.expect(dataclasses.replace(other, requirements=(*other.requirements, "IKP-S1")))
        if ikp.capabilities.delete:
            victim = next(name for r, name in ikp.model.created() if r == region)
            ikp.delete_checked(region, [victim])
            ikp.expect(simple_case(victim, region), fresh=False)  # the freed slot and the name (IKP-X2)
        else:
            ikp.unsupported_half("IKP-X2", "no DeleteKeyPairs: freeing a quota slot was not checked")


def _concurrently(
    count: int, job: Callable[[int], tuple[Verdict, Exchange]]
) -> list[tuple[Verdict, Exchange]]:
    """Run ``job(0..count-1)`` in ``count`` threads released at the same moment."""
    barrier = threading.Barrier(count)

    def run(i: int) -> tuple[Verdict, Exchange]:
        barrier.wait(timeout=30)
        return job(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def _race(ikp: Suite, cases: list[Case]) -> None:
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
        results = _concurrently(len(racing), lambda i: ikp.send_import(racing[i], fresh=False))
        for verdict, _ in results:
            ikp.check(verdict)
        names = [c.params["KeyPairName"] for c in racing]
        batch = oracle.judge_race([exchange for _, exchange in results], names, room=room)
        ikp.record(batch, cases[0], None)
        ikp.check(batch)


@requires("IKP-S3", "IKP-N6")
@pytest.mark.serial
@pytest.mark.parametrize("clients", [8])
def test_concurrent_imports_of_one_name(ikp: Suite, requirement_ids: tuple[str, ...], clients: int) -> None:
    """N clients import one new name at once: exactly one success, every other answer
    KeyPair.AlreadyExist (QuotaExceed only where the model says the region is full)."""
    if ikp.model.room(ikp.region) < AUTO_CLEANUP_ROOM:
        ikp.cleanup()
    _race(ikp, [simple_case(ikp.unique_name("race"), ikp.region)] * clients)


@requires("IKP-S3", "IKP-S1")
@pytest.mark.quota
@pytest.mark.serial
def test_concurrent_imports_at_the_quota_edge(ikp: Suite, requirement_ids: tuple[str, ...]) -> None:
    """With 4 slots left, 8 clients import 8 new names at once: exactly 4 succeed, the other
    4 get QuotaExceed.KeyPair, and the region never holds more than 500 key pairs."""
    region, quota, free, clients = ikp.region, contract.KEY_PAIRS_PER_REGION, 4, 8
    with ikp.no_auto_cleanup():
        _resync(ikp, region)
        _fill(ikp, region, quota - free)
        _resync(ikp, region)
        _fill(ikp, region, quota - free)
        if ikp.model.room(region) != free:
            pytest.fail(f"{region} has {ikp.model.room(region)} free slots, not {free}: the edge moved")
        _race(ikp, [simple_case(ikp.unique_name("edge"), region) for _ in range(clients)])
        total = ikp.total_count(region)
        if total is not None and total > quota:
            ikp.fail("IKP-S3", f"{region} holds {total} key pairs after a race at the quota edge (> {quota})")
        ikp.passed("IKP-S3")


class KeyPairLifecycle(RuleBasedStateMachine):
    """Import, duplicate import, delete and re-import across two regions; every answer is
    judged against the model, which carries the history (IKP-N6, IKP-N7, IKP-S2, IKP-X2)."""

    suite: Suite
    imported = Bundle("imported")

    @initialize()
    def start(self) -> None:
        self.regions = (self.suite.region, self.suite.other_region)

    @rule(target=imported, region=st.sampled_from((0, 1)))
    def import_new(self, region: int) -> tuple[str, str]:
        name = self.suite.unique_name("sm")
        self.suite.expect(simple_case(name, self.regions[region]))
        return (self.regions[region], name)

    @rule(pair=imported)
    def import_duplicate(self, pair: tuple[str, str]) -> None:
        self.suite.expect(simple_case(pair[1], pair[0]), fresh=False)

    @rule(pair=imported)
    def import_in_the_other_region(self, pair: tuple[str, str]) -> None:
        other = self.regions[1] if pair[0] == self.regions[0] else self.regions[0]
        self.suite.expect(simple_case(pair[1], other), fresh=False)

    @rule(pair=consumes(imported))
    def delete_and_reimport(self, pair: tuple[str, str]) -> None:
        if not self.suite.capabilities.delete:
            return
        self.suite.delete_checked(pair[0], [pair[1]])
        self.suite.expect(simple_case(pair[1], pair[0]), fresh=False)


@requires("IKP-N6", "IKP-N7", "IKP-X2")
def test_lifecycle_state_machine(ikp: Suite, requirement_ids: tuple[str, ...]) -> None:
    """The lifecycle state machine, run with the active Hypothesis profile's example budget."""
    KeyPairLifecycle.suite = ikp
    current = settings()
    run_state_machine_as_test(
        KeyPairLifecycle,
        settings=settings(
            current,
            max_examples=max(current.max_examples // 4, 5),
            stateful_step_count=10,
            suppress_health_check=[*current.suppress_health_check, HealthCheck.function_scoped_fixture],
        ),
    )
