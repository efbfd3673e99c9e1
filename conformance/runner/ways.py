"""The six-way fan-out (IKP-T1, IKP-T2): the ways ``Suite.expect_each_way`` sends every
generated case (``EACH_WAY``), how a case already answered right one way is judged when sent
another way (``another_way``), and the fan-out itself (``expect_each_way``).

A case costs more to draw than to send, so judging it over every way is cheap coverage."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from conformance import contract
from conformance.case import Case, Outcome
from conformance.exchange import BodyFormat, Exchange, Transport
from conformance.target import Call

if TYPE_CHECKING:
    from conformance.runner.session import Suite

# GET with JSON first, then each other transport, and both body formats over GET and the
# form body.
EACH_WAY = (
    (Transport.GET, BodyFormat.JSON),
    (Transport.POST_QUERY, BodyFormat.XML),
    (Transport.POST_FORM, BodyFormat.JSON),
    (Transport.V3, BodyFormat.ABSENT),
    (Transport.GET, BodyFormat.XML),
    (Transport.POST_FORM, BodyFormat.XML),
)

# Every transport and body format one by one (``test_every_transport_and_format``): (id,
# transport, body format).
TRANSPORT_ROWS = (
    ("get-json", Transport.GET, BodyFormat.JSON),
    ("get-xml", Transport.GET, BodyFormat.XML),
    ("get-noformat", Transport.GET, BodyFormat.ABSENT),
    ("postquery-json", Transport.POST_QUERY, BodyFormat.JSON),
    ("postquery-xml", Transport.POST_QUERY, BodyFormat.XML),
    ("postform-json", Transport.POST_FORM, BodyFormat.JSON),
    ("postform-xml", Transport.POST_FORM, BodyFormat.XML),
    ("v3", Transport.V3, BodyFormat.ABSENT),
)


def format_only_case(region: str, spelling: str) -> Case:
    """A request of only ``RegionId`` and ``Format=spelling``: no name and no key, so
    MissingParameter for either (any applicable error is correct; IKP-N1, IKP-K1)."""
    return Case(
        params={"RegionId": region, "Format": spelling},
        outcomes=frozenset(
            Outcome.error(contract.MISSING_PARAMETER, parameter=p) for p in ("KeyPairName", "PublicKeyBody")
        ),
        requirements=("IKP-N1", "IKP-K1"),
    )


def another_way(case: Case) -> Case:
    """``case`` for judging it sent another way (transport, encoding) once it was answered
    right the suite's own way: a valid case then keeps only IKP-T1 (the same parameters were
    accepted, so a refusal now is the transport's); an invalid one keeps its parts and adds
    IKP-T1 (the same parameters were refused, so an acceptance now is the rule's check skipped
    on that path: charged to the rule, then to IKP-T1)."""
    if case.expects_success():
        return dataclasses.replace(case, requirements=("IKP-T1",), parts=())
    return dataclasses.replace(case, requirements=tuple(dict.fromkeys((*case.requirements, "IKP-T1"))))


def expect_each_way(suite: Suite, case: Case) -> Exchange:
    """``suite.expect`` over each of ``EACH_WAY``: GET with JSON first, alone, then POST query
    (XML), POST form (JSON), V3, GET with XML and POST form with XML, those five in flight at
    once (``Target.call_many``; IKP-T1, IKP-T2).

    GET is judged against the case's requirements before anything else is sent (the others
    are judged as ``another_way`` says): a target that wrongly accepts a request under its
    name must be caught there, not in a race between ways sharing that name (only a case that
    may succeed gets a fresh name per way). The other five then differ from GET by transport
    alone: a wrong answer to one of them is charged to IKP-T1 (and to whichever of IKP-T2..T5
    and IKP-R1/R2 the oracle finds broken in that answer). They are judged, folded into the
    model and recorded in order, every one before the first failure fails the test. Returns
    the GET exchange."""
    (transport, body_format), *others = EACH_WAY
    first = suite.expect(case, transport=transport, body_format=body_format)
    over_transport = another_way(case)
    prepared: list[Case] = []
    avoid: set[str] = set()
    for _ in others:
        adjusted = suite.prepare(over_transport, fresh=True, avoid=frozenset(avoid))
        avoid.add(adjusted.params.get("KeyPairName", "").lower())
        prepared.append(adjusted)
    exchanges = suite.target.call_many(
        [Call(contract.ACTION_IMPORT, a.params, t, f) for a, (t, f) in zip(prepared, others, strict=True)]
    )
    verdicts = [suite.conclude(a, e, record=True) for a, e in zip(prepared, exchanges, strict=True)]
    for verdict in verdicts:
        suite.check(verdict)
    return first
