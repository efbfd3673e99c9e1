"""Target.call_many: every request in flight before any answer is read, answers in order,
retries carried on alone (conformance/target/connection.py ``start``/``finish``)."""

from __future__ import annotations

import threading

from conformance import contract
from conformance.exchange import BodyFormat, Transport
from conformance.target import Call, Credentials, Target, TargetConfig

from .conftest import Received, RecordingServer, Reply, json_reply

CREDS = Credentials("LTAI5tTestKeyId0001", "testsecret", None)
WAYS = [
    (Transport.GET, BodyFormat.JSON),
    (Transport.POST_QUERY, BodyFormat.XML),
    (Transport.POST_FORM, BodyFormat.JSON),
    (Transport.V3, BodyFormat.ABSENT),
]


def _calls() -> list[Call]:
    return [
        Call(contract.ACTION_IMPORT, {"RegionId": "cn-hangzhou", "KeyPairName": f"k{i}"}, t, f)
        for i, (t, f) in enumerate(WAYS)
    ]


def _name(r: Received) -> str:
    return r.all_params.get("KeyPairName", "")


def test_every_request_is_in_flight_before_an_answer_is_read(server: RecordingServer) -> None:
    """The server answers none until all four have arrived: a client that waited for each
    answer before sending the next would get the 503 of a server that waited in vain."""
    arrived = threading.Barrier(len(WAYS), timeout=3.0)

    def respond(r: Received) -> Reply:
        try:
            arrived.wait()
        except threading.BrokenBarrierError:
            return json_reply(503, Code="NotAllInFlight")
        return json_reply(200, KeyPairName=_name(r))

    server.responder = respond
    target = Target(TargetConfig(server.url, credentials=CREDS, retries=0, timeout=10.0))
    exchanges = target.call_many(_calls())
    assert [e.status for e in exchanges] == [200] * len(WAYS)
    assert [e.field("KeyPairName") for e in exchanges] == ["k0", "k1", "k2", "k3"]  # in calls order
    assert [(e.transport, e.body_format) for e in exchanges] == WAYS
    assert len({r.client_port for r in server.received}) == len(WAYS)  # a connection each
    assert target.requests_sent == len(WAYS)
    target.close()


def test_a_throttled_request_is_retried_alone(server: RecordingServer) -> None:
    seen: dict[str, int] = {}

    def respond(r: Received) -> Reply:
        name = _name(r)
        seen[name] = seen.get(name, 0) + 1
        if name == "k2" and seen[name] == 1:
            return json_reply(400, Code="Throttling.User")
        return json_reply(200, KeyPairName=name)

    server.responder = respond
    sleeps: list[float] = []
    target = Target(TargetConfig(server.url, credentials=CREDS, retries=2, backoff=0.1), sleep=sleeps.append)
    exchanges = target.call_many(_calls())
    assert [e.status for e in exchanges] == [200] * len(WAYS)
    assert [e.attempts for e in exchanges] == [1, 1, 2, 1]
    assert seen == {"k0": 1, "k1": 1, "k2": 2, "k3": 1} and sleeps == [0.1]
    target.close()


def test_a_refused_connection_gives_each_call_its_error(refused_url: str) -> None:
    target = Target(TargetConfig(refused_url, retries=0))
    exchanges = target.call_many(_calls())
    assert all(e.status is None and "refused" in (e.transport_error or "") for e in exchanges)
    assert all(refused_url in (e.transport_error or "") for e in exchanges)


def test_connections_are_kept_for_the_next_batch(server: RecordingServer) -> None:
    server.responder = lambda r: json_reply(200, KeyPairName=_name(r))
    target = Target(TargetConfig(server.url, credentials=CREDS, retries=0))
    target.call_many(_calls())
    target.call_many(_calls())
    assert len({r.client_port for r in server.received}) == len(WAYS)
    target.close()
