"""The quota edge (IKP-S1): filling a region to a count (``fill``), re-reading its count
(``resync``), and meeting the full region with requests of every shape the suite sends
(``EDGE_SHAPES`` over every way, ``every_shape_refused``; drawn shapes, ``drawn_shapes_at_the_edge``):
a quota checked on one code path only (GET, no tags, RSA) is not a quota."""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conformance.case import Case
from conformance.runner.session import Suite
from conformance.runner.simple import fresh_seed, simple_case
from conformance.runner.stored import label
from conformance.runner.ways import EACH_WAY
from conformance.verdict import Status
from strategies import cases
from strategies.names import valid_name_part
from strategies.samples import KeySample, Part, valid_part
from strategies.seeded import family_key

# (key family, with tags, with the known resource group): every value of each at least once.
EDGE_SHAPES = (
    ("rsa", False, False),
    ("rsa", True, False),
    ("rsa", False, True),
    ("ecdsa", True, True),
    ("dsa", True, True),
    ("certificate", True, True),
)


def fill(ikp: Suite, region: str, up_to: int) -> None:
    """Import fresh key pairs into ``region`` until the model counts ``up_to`` of them."""
    names = [ikp.unique_name("q") for _ in range(max(up_to - ikp.model.count(region), 0))]
    seed = fresh_seed()  # one key for the whole fill, the same in every run
    for name in names:
        verdict, exchange = ikp.send_import(simple_case(name, region, seed), record=False)
        if verdict.status is not Status.PASS:
            ikp.record(verdict, simple_case(name, region, seed), exchange)
            ikp.check(verdict)


def resync(ikp: Suite, region: str) -> None:
    """Re-read the region's count from DescribeKeyPairs (other key pairs may have appeared)."""
    total = ikp.total_count(region)
    if total is not None:
        ours = sum(1 for r, _ in ikp.model.created() if r == region)
        ikp.model.preexisting(region, max(total - ours, 0))


def edge_case(ikp: Suite, region: str, family: str, tags: bool, group: bool) -> Case:
    """A fresh valid import of one shape of ``EDGE_SHAPES`` (the group only when one is known)."""
    parts: list[Part | KeySample] = [
        valid_name_part(ikp.unique_name("shape"), ikp.prefix),
        family_key(family, fresh_seed()),
        cases.region_part(region),
    ]
    if tags:
        tagged = {"Tag.1.Key": "edge", "Tag.1.Value": family, "Tag.2.Key": "k", "Tag.2.Value": ""}
        parts.append(valid_part(tagged, ("IKP-TG1",), "tags:valid-2"))
    if group and ikp.known_resource_group is not None:
        parts.append(cases.known_resource_group_part(ikp.known_resource_group))
    return cases.combine(parts)


def every_shape_refused(ikp: Suite, region: str) -> None:
    """With ``region`` full, an import of each of ``EDGE_SHAPES`` over each of ``EACH_WAY``
    gets 403 QuotaExceed.KeyPair (the model expects it and adds IKP-S1)."""
    for family, tags, group in EDGE_SHAPES:
        for transport, body_format in EACH_WAY:
            label(f"quota-edge:{family}{'-tags' if tags else ''}{'-group' if group else ''}")
            case = edge_case(ikp, region, family, tags, group)
            ikp.expect(case, transport=transport, body_format=body_format)


def drawn_shapes_at_the_edge(ikp: Suite, region: str) -> None:
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
