"""State: the quota (IKP-S1), rejected imports store nothing and change nothing (IKP-S2,
IKP-X1, IKP-N6), concurrency (IKP-S3), and a state machine over import, rejected import of each
kind, Describe, delete and re-import in two regions.

State is checked from more than one angle: after a rejected import of every kind (a broken or
missing key, each broken tag rule, an unknown resource group, a duplicate) DescribeKeyPairs
still shows the stored key pair as it was imported, and the quota edge is met by requests of
every shape the suite sends (tags, the known group, each key family, each transport).

This module declares the tests; what they do lives in the runner: ``runner.stored`` (a stored
key pair unchanged), ``runner.quota`` (the quota edge), ``runner.races`` (IKP-S3) and
``runner.lifecycle`` (the state machine)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

from conformance import contract
from conformance.runner.hygiene import AUTO_CLEANUP_ROOM
from conformance.runner.lifecycle import lifecycle_machine
from conformance.runner.marks import requires
from conformance.runner.quota import drawn_shapes_at_the_edge, every_shape_refused, fill, resync
from conformance.runner.races import race
from conformance.runner.session import Suite
from conformance.runner.simple import simple_case
from conformance.runner.stored import import_stored, reject, tagged
from strategies.rejections import REJECTION_KINDS, REJECTION_ROWS, rejected_import, rejection_parts


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


@requires("IKP-S2", "IKP-X1", "IKP-N6")
@given(data=st.data())
def test_rejected_imports_leave_the_stored_key_pair_unchanged(
    ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject
) -> None:
    """A key pair is imported; then 1..3 rejected imports of its name, each of a drawn kind
    (a broken or missing key, a broken tag rule, an unknown resource group, each with another
    key and other tags; or a valid duplicate: KeyPair.AlreadyExist); after each,
    DescribeKeyPairs still shows the original fingerprint, resource group and tags."""
    stored = import_stored(ikp, data.draw(ikp.valid_cases(), label="stored"))
    kinds = data.draw(st.lists(st.sampled_from(REJECTION_KINDS), min_size=1, max_size=3), label="kinds")
    for kind in kinds:
        part = data.draw(rejection_parts(kind, ikp.known_resource_group), label=kind)
        base = data.draw(ikp.valid_cases(), label="other")
        bad = rejected_import(base, stored.name, ikp.region, kind, part, ikp.prefix)
        reject(ikp, stored, ikp.region, kind, bad)


@requires("IKP-S2", "IKP-X1", "IKP-N6")
@pytest.mark.parametrize("kind", REJECTION_KINDS)
def test_each_rejection_kind_leaves_the_stored_key_pair_unchanged(
    ikp: Suite, requirement_ids: tuple[str, ...], kind: str
) -> None:
    """Each kind of rejected import once, deterministically (``REJECTION_ROWS``): a key pair
    with tags (and the known group) is imported, a rejected import of its name with another
    key and other tags is sent, DescribeKeyPairs still shows the original."""
    original = tagged(simple_case(ikp.unique_name("kept"), ikp.region),
                      {"Tag.1.Key": "stored", "Tag.1.Value": "s"}, ikp.known_resource_group)  # fmt: skip
    stored = import_stored(ikp, original)
    other = tagged(simple_case(stored.name, ikp.region),
                   {"Tag.1.Key": "other", "Tag.1.Value": "o", "Tag.2.Key": "stored", "Tag.2.Value": "o"},
                   None)  # fmt: skip
    bad = rejected_import(other, stored.name, ikp.region, kind, REJECTION_ROWS[kind], ikp.prefix)
    reject(ikp, stored, ikp.region, kind, bad)


@requires("IKP-S1", "IKP-X2")
@pytest.mark.quota
@pytest.mark.serial
def test_quota_is_500_per_region(ikp: Suite, requirement_ids: tuple[str, ...]) -> None:
    """With 499 key pairs the next import succeeds; with 500 a new one -> 403
    QuotaExceed.KeyPair, whatever its shape: each key family, with and without tags and the
    known group, over each transport and format (``EACH_WAY``), then drawn imports of any
    shape (each taking a freed slot again where DeleteKeyPairs works); the other region still
    accepts; a deletion frees a slot (IKP-S1, IKP-X2). One fill of the region for all."""
    region, quota = ikp.region, contract.KEY_PAIRS_PER_REGION
    with ikp.no_auto_cleanup():
        resync(ikp, region)
        if ikp.model.count(region) >= quota:
            pytest.fail(
                f"{region} already holds {ikp.model.count(region)} key pairs: the quota cannot be probed"
            )
        fill(ikp, region, quota - 1)
        resync(ikp, region)
        fill(ikp, region, quota - 1)
        ikp.expect(simple_case(ikp.unique_name("edge"), region))  # the 500th: success (IKP-S1)
        ikp.expect(simple_case(ikp.unique_name("over"), region))  # the 501st: QuotaExceed
        every_shape_refused(ikp, region)
        drawn_shapes_at_the_edge(ikp, region)
        other = simple_case(ikp.unique_name("other"), ikp.other_region)  # other region: fine
        ikp.expect(dataclasses.replace(other, requirements=(*other.requirements, "IKP-S1")))
        if ikp.capabilities.delete:
            victim = next(name for r, name in ikp.model.created() if r == region)
            ikp.delete_checked(region, [victim])
            ikp.expect(simple_case(victim, region), fresh=False)  # the freed slot and the name (IKP-X2)
        else:
            ikp.unsupported_half("IKP-X2", "no DeleteKeyPairs: freeing a quota slot was not checked")


@requires("IKP-S3", "IKP-N6")
@pytest.mark.serial
@pytest.mark.parametrize("clients", [8])
def test_concurrent_imports_of_one_name(ikp: Suite, requirement_ids: tuple[str, ...], clients: int) -> None:
    """N clients import one new name at once: exactly one success, every other answer
    KeyPair.AlreadyExist (QuotaExceed only where the model says the region is full)."""
    if ikp.model.room(ikp.region) < AUTO_CLEANUP_ROOM:
        ikp.cleanup()
    race(ikp, [simple_case(ikp.unique_name("race"), ikp.region)] * clients)


@requires("IKP-S3", "IKP-S1")
@pytest.mark.quota
@pytest.mark.serial
def test_concurrent_imports_at_the_quota_edge(ikp: Suite, requirement_ids: tuple[str, ...]) -> None:
    """With 4 slots left, 8 clients import 8 new names at once: exactly 4 succeed, the other
    4 get QuotaExceed.KeyPair, and the region never holds more than 500 key pairs."""
    region, quota, free, clients = ikp.region, contract.KEY_PAIRS_PER_REGION, 4, 8
    with ikp.no_auto_cleanup():
        resync(ikp, region)
        fill(ikp, region, quota - free)
        resync(ikp, region)
        fill(ikp, region, quota - free)
        if ikp.model.room(region) != free:
            pytest.fail(f"{region} has {ikp.model.room(region)} free slots, not {free}: the edge moved")
        race(ikp, [simple_case(ikp.unique_name("edge"), region) for _ in range(clients)])
        total = ikp.total_count(region)
        if total is not None and total > quota:
            ikp.fail("IKP-S3", f"{region} holds {total} key pairs after a race at the quota edge (> {quota})")
        ikp.passed("IKP-S3")


@requires("IKP-N6", "IKP-N7", "IKP-S2", "IKP-X1", "IKP-X2")
def test_lifecycle_state_machine(ikp: Suite, requirement_ids: tuple[str, ...]) -> None:
    """The lifecycle state machine (``runner.lifecycle``), run with the active Hypothesis
    profile's example budget."""
    current = settings()
    run_state_machine_as_test(
        lifecycle_machine(ikp),
        settings=settings(
            current,
            max_examples=max(current.max_examples // 4, 5),
            stateful_step_count=10,
            suppress_health_check=[*current.suppress_health_check, HealthCheck.function_scoped_fixture],
        ),
    )
