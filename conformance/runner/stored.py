"""A stored key pair is unchanged by what comes after it (IKP-S2, IKP-X1, IKP-N6): import a
case and remember what it stored (``import_stored``), send a rejected import of its name
(``reject``), and check DescribeKeyPairs still lists it as imported (``unchanged``).

A difference right after the import fails IKP-X1; a difference after a rejected import is
that import's doing and is charged to IKP-S2 (a refused request stores nothing, and changes
nothing). Against a target without DescribeKeyPairs nothing is listed and the report notes it.
"""

from __future__ import annotations

import contextlib
import dataclasses

from hypothesis import event
from hypothesis.errors import InvalidArgument

from conformance import oracle
from conformance.case import Case
from conformance.runner.session import Suite
from conformance.verdict import Status, Verdict
from strategies import cases
from strategies.samples import valid_part

S2 = "IKP-S2"


def label(text: str) -> None:
    """``hypothesis.event(text)`` inside a Hypothesis test (the statistics count it); a
    deterministic row outside one is labelled by its test id instead."""
    with contextlib.suppress(InvalidArgument):
        event(text)


def unchanged(ikp: Suite, region: str, stored: oracle.ExpectedKeyPair, after: str | None = None) -> None:
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


def import_stored(ikp: Suite, case: Case) -> oracle.ExpectedKeyPair:
    """Import the valid ``case`` and return what it stored, checked in DescribeKeyPairs."""
    region = case.params["RegionId"]
    case = ikp.freshen(case)  # the name actually sent
    exchange = ikp.expect(case)
    stored = oracle.ExpectedKeyPair.imported_by(case, exchange)
    unchanged(ikp, region, stored)
    return stored


def reject(ikp: Suite, stored: oracle.ExpectedKeyPair, region: str, kind: str, bad: Case) -> None:
    """Send the rejected import ``bad`` (of ``kind``) of the stored name, then check the
    stored key pair unchanged (IKP-S2, IKP-X1; a duplicate: IKP-N6)."""
    label(f"rejection:{kind}")
    ikp.expect(bad, fresh=False)
    unchanged(ikp, region, stored, after=kind)


def tagged(case: Case, tags: dict[str, str], group: str | None) -> Case:
    """The valid ``case`` with ``tags`` and, if given, the resource group ``group``."""
    extra = [valid_part(tags, ("IKP-TG1",), f"tags:valid-{len(tags) // 2}")]
    if group is not None:
        extra.append(cases.known_resource_group_part(group))
    return cases.recombine(case, *extra, without=("Tag.", cases.RESOURCE_GROUP_PARAM))
