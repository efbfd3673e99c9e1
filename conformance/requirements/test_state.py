"""State: the quota (IKP-S1), rejected imports store nothing and change nothing (IKP-S2,
IKP-X1, IKP-N6), concurrency (IKP-S3), and a state machine over import, rejected import of each
kind, Describe, delete and re-import in two regions.

State is checked from more than one angle: after a rejected import of every kind (a broken or
missing key, each broken tag rule, an unknown resource group, a duplicate) DescribeKeyPairs
still shows the stored key pair as it was imported, and the quota edge is met by requests of
every shape the suite sends (tags, the known group, each key family, each transport)."""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    multiple,
    rule,
    run_state_machine_as_test,
)

from conformance import contract, oracle
from conformance.case import Case
from conformance.exchange import Exchange
from conformance.runner.marks import requires
from conformance.runner.suite import AUTO_CLEANUP_ROOM, EACH_WAY, Suite, fresh_seed, simple_case
from conformance.verdict import Status, Verdict
from strategies import cases
from strategies.authorities import authority
from strategies.bodies import VALID_REQUIREMENTS, SshKey, key_sample
from strategies.certificates import FIELD_BYTES, build_certificate, fields_from_bytes
from strategies.encodings import openssh_line
from strategies.keys import DSA_G, DSA_P, DSA_Q, dsa_key, ecdsa_key_from_scalar, rsa_key, rsa_modulus
from strategies.names import valid_name_part
from strategies.rejections import REJECTION_KINDS, REJECTION_ROWS, rejected_import, rejection_parts
from strategies.samples import KeySample, Part, Validity, valid_part

S2 = "IKP-S2"


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


def _label(text: str) -> None:
    """``hypothesis.event(text)`` inside a Hypothesis test (the statistics count it); a
    deterministic row outside one is labelled by its test id instead."""
    with contextlib.suppress(InvalidArgument):
        event(text)


def _unchanged(ikp: Suite, region: str, stored: oracle.ExpectedKeyPair, after: str | None = None) -> None:
    """DescribeKeyPairs lists ``stored`` in ``region`` as it was imported (IKP-X1).

    ``after``: the kind of rejected import just sent for its name; a difference is then that
    import's doing and charged to IKP-S2 (a refused request stores nothing, and changes
    nothing). Without ``after`` (right after the import) a difference fails IKP-X1. Nothing is
    checked against a target without DescribeKeyPairs (the report notes it)."""
    if not ikp.capabilities.describe:
        ikp.unsupported_half(
            S2, "no DescribeKeyPairs: a stored key pair unchanged by rejected imports was not checked"
        )
        return
    listing = ikp.describe(region, KeyPairName=stored.name)
    verdict = oracle.judge_describe(listing, region=region, expected={stored.name: stored})
    if after is not None and verdict.status is Status.FAIL:
        why = tuple(
            f"{S2}: after a rejected import ({after}) of {stored.name!r}: {r.removeprefix('IKP-X1: ')}"
            for r in verdict.reasons
        )
        verdict = Verdict(Status.FAIL, (S2,), why, ((S2, why[0]),))
    elif after is not None and verdict.status is Status.PASS:
        verdict = dataclasses.replace(verdict, requirements=(*verdict.requirements, S2))
    ikp.record(verdict, None, listing)
    ikp.check(verdict)


def _import_stored(ikp: Suite, case: Case) -> oracle.ExpectedKeyPair:
    """Import the valid ``case`` and return what it stored, checked in DescribeKeyPairs."""
    region = case.params["RegionId"]
    case = ikp.freshen(case)  # the name actually sent
    exchange = ikp.expect(case)
    stored = oracle.ExpectedKeyPair.imported_by(case, exchange)
    _unchanged(ikp, region, stored)
    return stored


def _reject(ikp: Suite, stored: oracle.ExpectedKeyPair, region: str, kind: str, bad: Case) -> None:
    """Send the rejected import ``bad`` (of ``kind``) of the stored name, then check the
    stored key pair unchanged (IKP-S2, IKP-X1; a duplicate: IKP-N6)."""
    _label(f"rejection:{kind}")
    ikp.expect(bad, fresh=False)
    _unchanged(ikp, region, stored, after=kind)


@requires("IKP-S2", "IKP-X1", "IKP-N6")
@given(data=st.data())
def test_rejected_imports_leave_the_stored_key_pair_unchanged(
    ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject
) -> None:
    """A key pair is imported; then 1..3 rejected imports of its name, each of a drawn kind
    (a broken or missing key, a broken tag rule, an unknown resource group, each with another
    key and other tags; or a valid duplicate: KeyPair.AlreadyExist); after each,
    DescribeKeyPairs still shows the original fingerprint, resource group and tags."""
    stored = _import_stored(ikp, data.draw(ikp.valid_cases(), label="stored"))
    kinds = data.draw(st.lists(st.sampled_from(REJECTION_KINDS), min_size=1, max_size=3), label="kinds")
    for kind in kinds:
        part = data.draw(rejection_parts(kind, ikp.known_resource_group), label=kind)
        base = data.draw(ikp.valid_cases(), label="other")
        bad = rejected_import(base, stored.name, ikp.region, kind, part, ikp.prefix)
        _reject(ikp, stored, ikp.region, kind, bad)


def _tagged(case: Case, tags: dict[str, str], group: str | None) -> Case:
    """The valid ``case`` with ``tags`` and, if given, the resource group ``group``."""
    extra = [valid_part(tags, ("IKP-TG1",), f"tags:valid-{len(tags) // 2}")]
    if group is not None:
        extra.append(cases.known_resource_group_part(group))
    return cases.recombine(case, *extra, without=("Tag.", cases.RESOURCE_GROUP_PARAM))


@requires("IKP-S2", "IKP-X1", "IKP-N6")
@pytest.mark.parametrize("kind", REJECTION_KINDS)
def test_each_rejection_kind_leaves_the_stored_key_pair_unchanged(
    ikp: Suite, requirement_ids: tuple[str, ...], kind: str
) -> None:
    """Each kind of rejected import once, deterministically (``REJECTION_ROWS``): a key pair
    with tags (and the known group) is imported, a rejected import of its name with another
    key and other tags is sent, DescribeKeyPairs still shows the original."""
    original = _tagged(simple_case(ikp.unique_name("kept"), ikp.region),
                       {"Tag.1.Key": "stored", "Tag.1.Value": "s"}, ikp.known_resource_group)  # fmt: skip
    stored = _import_stored(ikp, original)
    other = _tagged(simple_case(stored.name, ikp.region),
                    {"Tag.1.Key": "other", "Tag.1.Value": "o", "Tag.2.Key": "stored", "Tag.2.Value": "o"},
                    None)  # fmt: skip
    bad = rejected_import(other, stored.name, ikp.region, kind, REJECTION_ROWS[kind], ikp.prefix)
    _reject(ikp, stored, ikp.region, kind, bad)


# -- the quota edge in every shape (IKP-S1) -----------------------------------------------------


def _edge_key(family: str, seed: bytes) -> KeySample:
    """A valid one-line key of ``family`` (rsa, dsa, ecdsa, certificate) chosen by ``seed``."""
    number = int.from_bytes(seed, "big")
    key: SshKey
    if family == "dsa":
        key = dsa_key(pow(DSA_G, 1 + number % (DSA_Q - 1), DSA_P))
    elif family == "ecdsa":
        key = ecdsa_key_from_scalar("nistp256", 1 + number)
    elif family == "certificate":
        fields = fields_from_bytes(seed * (FIELD_BYTES // len(seed)) + bytes(FIELD_BYTES % len(seed)))
        key = build_certificate(rsa_key(rsa_modulus(1024, seed)), fields, authority("ed25519"))
    else:
        key = rsa_key(rsa_modulus(1024, seed))
    return key_sample(key, openssh_line(key.key_type, key.blob.data), encoding="openssh",
                      validity=Validity.VALID, requirements=VALID_REQUIREMENTS, rule=family)  # fmt: skip


# (key family, with tags, with the known resource group): every value of each at least once.
EDGE_SHAPES = (
    ("rsa", False, False),
    ("rsa", True, False),
    ("rsa", False, True),
    ("ecdsa", True, True),
    ("dsa", True, True),
    ("certificate", True, True),
)


def _edge_case(ikp: Suite, region: str, family: str, tags: bool, group: bool) -> Case:
    """A fresh valid import of one shape of ``EDGE_SHAPES`` (the group only when one is known)."""
    parts: list[Part | KeySample] = [
        valid_name_part(ikp.unique_name("shape"), ikp.prefix),
        _edge_key(family, fresh_seed()),
        cases.region_part(region),
    ]
    if tags:
        tagged = {"Tag.1.Key": "edge", "Tag.1.Value": family, "Tag.2.Key": "k", "Tag.2.Value": ""}
        parts.append(valid_part(tagged, ("IKP-TG1",), "tags:valid-2"))
    if group and ikp.known_resource_group is not None:
        parts.append(cases.known_resource_group_part(ikp.known_resource_group))
    return cases.combine(parts)


def _every_shape_refused(ikp: Suite, region: str) -> None:
    """With ``region`` full, an import of each of ``EDGE_SHAPES`` over each of ``EACH_WAY``
    gets 403 QuotaExceed.KeyPair (the model expects it and adds IKP-S1): a quota checked on
    one code path only (GET, no tags, RSA) is not a quota."""
    for family, tags, group in EDGE_SHAPES:
        for transport, body_format in EACH_WAY:
            _label(f"quota-edge:{family}{'-tags' if tags else ''}{'-group' if group else ''}")
            case = _edge_case(ikp, region, family, tags, group)
            ikp.expect(case, transport=transport, body_format=body_format)


def _drawn_shapes_at_the_edge(ikp: Suite, region: str) -> None:
    """Hypothesis over the full ``region``: a drawn valid import (any key type, tags, group)
    over a drawn way gets QuotaExceed.KeyPair; then, where DeleteKeyPairs works, one key pair
    is deleted and the same import succeeds in the freed slot, which fills the region again
    (the 500th import in that shape, and the refused name importing: IKP-S1, IKP-S2, IKP-X2)."""
    current = settings()

    @settings(current, suppress_health_check=[*current.suppress_health_check, HealthCheck.too_slow])
    @given(data=st.data())
    def at_the_edge(data: st.DataObject) -> None:
        case = data.draw(ikp.valid_cases(), label="case")
        transport, body_format = data.draw(st.sampled_from(EACH_WAY), label="way")
        event(f"quota-edge-way:{transport.value}-{body_format.value}")
        refused = ikp.freshen(case)
        ikp.expect(refused, transport=transport, body_format=body_format)
        if ikp.capabilities.delete and ikp.model.room(region) == 0:
            victim = next(name for r, name in ikp.model.created() if r == region)
            ikp.delete_checked(region, [victim])
            ikp.expect(refused, transport=transport, body_format=body_format, fresh=False)

    at_the_edge()


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
        _every_shape_refused(ikp, region)
        _drawn_shapes_at_the_edge(ikp, region)
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
    """Import, rejected import of each kind, duplicate import, import in the other region,
    DescribeKeyPairs, delete and re-import across two regions; every answer is judged against
    the model, which carries the history, and DescribeKeyPairs must show each stored key pair
    as it was imported whatever was refused or imported elsewhere since (IKP-N6, IKP-N7,
    IKP-S2, IKP-X1, IKP-X2)."""

    suite: Suite
    imported = Bundle("imported")

    @initialize()
    def start(self) -> None:
        self.regions = (self.suite.region, self.suite.other_region)
        self.stored: dict[tuple[str, str], oracle.ExpectedKeyPair] = {}

    def _in(self, case: Case, region: str) -> Case:
        if region == self.suite.region:
            return case
        return cases.recombine(case, cases.region_part(region), without=(cases.REGION_PARAM,))

    @rule(target=imported, region=st.sampled_from((0, 1)), data=st.data())
    def import_new(self, region: int, data: st.DataObject) -> tuple[str, str]:
        case = self._in(data.draw(self.suite.valid_cases(), label="case"), self.regions[region])
        stored = _import_stored(self.suite, case)
        self.stored[(self.regions[region], stored.name)] = stored
        return (self.regions[region], stored.name)

    @rule(pair=imported, data=st.data())
    def reject_existing(self, pair: tuple[str, str], data: st.DataObject) -> None:
        """A rejected import of a drawn kind (``strategies.rejections``) of a stored name."""
        region, name = pair
        kind = data.draw(st.sampled_from(REJECTION_KINDS), label="kind")
        part = data.draw(rejection_parts(kind, self.suite.known_resource_group), label=kind)
        base = data.draw(self.suite.valid_cases(), label="other")
        bad = rejected_import(base, name, region, kind, part, self.suite.prefix)
        _reject(self.suite, self.stored[pair], region, kind, bad)

    @rule(pair=imported)
    def import_duplicate(self, pair: tuple[str, str]) -> None:
        _reject(self.suite, self.stored[pair], pair[0], "duplicate",
                simple_case(pair[1], pair[0]))  # fmt: skip

    @rule(pair=imported)
    def import_in_the_other_region(self, pair: tuple[str, str]) -> None:
        """The same name in the other region: accepted or KeyPair.AlreadyExist (IKP-N7); the
        stored key pair is unchanged under either reading."""
        other = self.regions[1] if pair[0] == self.regions[0] else self.regions[0]
        self.suite.expect(simple_case(pair[1], other), fresh=False)
        _unchanged(self.suite, pair[0], self.stored[pair], after="the same name in another region")

    @rule(pair=imported)
    def describe(self, pair: tuple[str, str]) -> None:
        _unchanged(self.suite, pair[0], self.stored[pair], after="the run so far")

    @rule(target=imported, pair=consumes(imported))
    def delete_and_reimport(self, pair: tuple[str, str]) -> object:
        """Delete a stored name and import it again with another key (IKP-X2); the new key
        pair is the one Describe must show from then on."""
        if not self.suite.capabilities.delete:
            return pair
        self.suite.delete_checked(pair[0], [pair[1]])
        case = simple_case(pair[1], pair[0])
        exchange = self.suite.expect(case, fresh=False)
        del self.stored[pair]
        if exchange.is_error:  # KeyPair.AlreadyExist where the name lives in the other region (IKP-N7)
            return multiple()
        self.stored[pair] = oracle.ExpectedKeyPair.imported_by(case, exchange)
        _unchanged(self.suite, pair[0], self.stored[pair])
        return pair


@requires("IKP-N6", "IKP-N7", "IKP-S2", "IKP-X1", "IKP-X2")
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
