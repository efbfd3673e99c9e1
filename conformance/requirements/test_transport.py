"""Transport and formats: IKP-T1..T5 over GET, POST query, POST form and V3, JSON and XML,
and every way a real client writes the parameters (``client_encodings``).

Every exchange of every test is also judged for IKP-T2..T5 (body syntax, RequestId, error
shape, no 5xx); this module makes sure each transport and format is exercised with valid,
Profile and invalid requests alike.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from conformance.exchange import BodyFormat, Transport
from conformance.runner.marks import requires
from conformance.runner.session import Suite
from conformance.runner.ways import TRANSPORT_ROWS, another_way, format_only_case
from conformance.target.encodings import CLIENT_ENCODINGS

WAYS = [pytest.param(transport, body_format, id=row) for row, transport, body_format in TRANSPORT_ROWS]


@requires("IKP-T1", "IKP-T2", "IKP-T3", "IKP-T4", "IKP-T5")
@pytest.mark.parametrize(("transport", "body_format"), WAYS)
@given(data=st.data())
def test_every_transport_and_format(
    ikp: Suite,
    requirement_ids: tuple[str, ...],
    transport: Transport,
    body_format: BodyFormat,
    data: st.DataObject,
) -> None:
    """Valid, Profile and invalid requests get their documented answer whatever the transport."""
    case = data.draw(ikp.any_cases(max_violations=2), label="case")
    case = dataclasses.replace(case, requirements=(*case.requirements, "IKP-T1"))
    ikp.expect(case, transport=transport, body_format=body_format)


@requires("IKP-T1", "IKP-T2")
@pytest.mark.parametrize("spelling", ["json", "Json", "xml", "Xml"])
def test_format_value_is_case_insensitive(
    ikp: Suite, requirement_ids: tuple[str, ...], spelling: str
) -> None:
    """``Format=json`` and ``Format=xml`` in any case select the body syntax (IKP-T2)."""
    case = format_only_case(ikp.region, spelling)
    exchange = ikp.expect(case, body_format=BodyFormat.ABSENT)
    want = "json" if spelling.lower() == "json" else "xml"
    if exchange.parsed.syntax != want:
        ikp.fail("IKP-T2", f"Format={spelling} answered with a {exchange.parsed.syntax} body", case, exchange)
    ikp.passed("IKP-T2", case, exchange)


@requires("IKP-T1")
@given(data=st.data())
def test_every_client_encoding(ikp: Suite, requirement_ids: tuple[str, ...], data: st.DataObject) -> None:
    """A valid import and one with a broken name get the same answer however a real client
    writes them: ``+`` or ``%20`` for a space, upper- or lower-case escapes, sorted, built or
    another order, business parameters in the query or the form body, or everything in the
    body (``client_encodings.CLIENT_ENCODINGS``: the Python SDKs, Terraform, Go, Node).

    Each case is first judged as the suite itself writes it, against its own requirements;
    a wrong answer to the same case written another way is then charged to IKP-T1. Key bodies
    always carry a space and base64's ``+``, ``/`` and ``=``; tags may carry spaces too."""
    valid = data.draw(ikp.valid_cases(), label="valid")
    broken = data.draw(ikp.invalid_cases("name"), label="broken name")
    for case in (valid, broken):
        ikp.expect(case)
        over_encoding = another_way(case)
        for encoding in CLIENT_ENCODINGS:
            event(f"encoding:{encoding.id}")
            ikp.expect(over_encoding, transport=encoding.transport, encoding=encoding)
