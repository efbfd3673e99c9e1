"""The target client against tiny loopback servers (conftest.py): where parameters go, signatures,
redirects, timeouts, retries, body parsing, connection errors, probe."""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Iterator

import pytest

from conformance import contract, oracle
from conformance.case import Case, Outcome
from conformance.exchange import BodyFormat, Transport
from conformance.target import (
    MAX_RESPONSE_BYTES,
    Credentials,
    Tamper,
    Target,
    TargetConfig,
    list_at,
    parse_body,
    probe_url,
    retry,
    signing,
)
from conformance.verdict import Status

from .conftest import Received, RecordingServer, Reply, json_reply
from .independent import v1_expected_signature, v3_expected_authorization

CREDS = Credentials("LTAI5tTestKeyId0001", "testsecret", None)
CREDS_TOKEN = Credentials("LTAI5tTestKeyId0001", "testsecret", "sts/token+value==")
BUSINESS = {
    "RegionId": "cn-hangzhou",
    "KeyPairName": "测试.key:a_b-c",
    "PublicKeyBody": "ssh-rsa AAAA+/== comment with spaces & = ?",
    "Tag.1.Key": "a b*c~",
    "Tag.1.Value": "",
}
FIXED_NOW = 1_700_000_000.0


def make(url: str, creds: Credentials | None = None, **kw: object) -> Target:
    options: dict = {"retries": 0, "timeout": 5.0, **kw}
    return Target(
        TargetConfig(url, credentials=creds, **options), clock=lambda: FIXED_NOW, sleep=lambda s: None
    )


# -- where parameters go (IKP-T1, IKP-T2) ---------------------------------------------------------


def test_get_puts_everything_in_the_query(server: RecordingServer) -> None:
    ex = make(server.url).import_key_pair(BUSINESS)
    got = server.last
    assert ex.status == 200 and ex.transport_error is None
    assert got.method == "GET" and got.path.startswith("/?") and got.body == b""
    assert got.query == {
        "Action": "ImportKeyPair",
        "Version": contract.API_VERSION,
        "Format": "JSON",
        **BUSINESS,
    }
    assert not ex.signed and "Signature" not in got.query


def test_post_query_puts_everything_in_the_query_and_sends_no_body(server: RecordingServer) -> None:
    ex = make(server.url).import_key_pair(BUSINESS, transport=Transport.POST_QUERY)
    got = server.last
    assert ex.method == got.method == "POST"
    assert got.query == {
        "Action": "ImportKeyPair",
        "Version": contract.API_VERSION,
        "Format": "JSON",
        **BUSINESS,
    }
    assert got.body == b"" and got.header("content-length") == "0"


def test_post_form_puts_business_params_in_the_body(server: RecordingServer) -> None:
    ex = make(server.url).import_key_pair(BUSINESS, transport=Transport.POST_FORM)
    got = server.last
    assert got.method == "POST"
    assert got.header("content-type") == "application/x-www-form-urlencoded"
    assert got.query == {"Action": "ImportKeyPair", "Version": contract.API_VERSION, "Format": "JSON"}
    assert got.form == BUSINESS
    assert ex.request_body == got.body.decode()


def test_v3_uses_headers_for_action_and_version_and_sends_no_format(server: RecordingServer) -> None:
    make(server.url).import_key_pair(BUSINESS, transport=Transport.V3)
    got = server.last
    assert got.method == "POST"
    assert got.query == BUSINESS
    assert got.header("x-acs-action") == "ImportKeyPair"
    assert got.header("x-acs-version") == contract.API_VERSION
    assert got.header("accept") == "application/json"
    assert "Format" not in got.all_params and "Action" not in got.all_params


@pytest.mark.parametrize(
    ("body_format", "expected"),
    [(BodyFormat.JSON, "JSON"), (BodyFormat.XML, "XML"), (BodyFormat.ABSENT, None)],
)
def test_format_parameter(server: RecordingServer, body_format: BodyFormat, expected: str | None) -> None:
    ex = make(server.url).import_key_pair(BUSINESS, body_format=body_format)
    assert server.last.query.get("Format") == expected
    assert ex.body_format is body_format


@pytest.mark.parametrize("transport", [Transport.GET, Transport.POST_QUERY, Transport.POST_FORM])
def test_a_business_parameter_replaces_the_common_one(server: RecordingServer, transport: Transport) -> None:
    """``Format=xml`` (IKP-T2 case-insensitivity) is sent once, as given, and signed as sent."""
    make(server.url, CREDS).import_key_pair({**BUSINESS, "Format": "xml"}, transport=transport)
    got = server.last
    assert got.raw_query.count("Format=") + got.body.decode().count("Format=") == 1
    assert got.all_params["Format"] == "xml"
    assert got.all_params["Signature"] == v1_expected_signature(got.method, got.all_params, "testsecret")


@pytest.mark.parametrize(
    ("body_format", "accept"),
    [
        (BodyFormat.ABSENT, "application/json"),  # what the SDK sends (IKP-T1)
        (BodyFormat.JSON, "application/json"),
        (BodyFormat.XML, "application/xml"),
    ],
)
def test_v3_asks_with_accept_never_format(
    server: RecordingServer, body_format: BodyFormat, accept: str
) -> None:
    ex = make(server.url).import_key_pair(BUSINESS, transport=Transport.V3, body_format=body_format)
    assert server.last.header("accept") == accept
    assert "Format" not in server.last.all_params
    assert ex.request_headers["Accept"] == accept


def test_an_unsigned_business_signature_parameter_is_not_hidden_everywhere(server: RecordingServer) -> None:
    """Only signatures the client computed are hidden in free text; a caller's short value is not."""
    server.responder = lambda r: json_reply(400, Code="InvalidParameter", Message="a b c")
    ex = make(server.url, CREDS).import_key_pair({**BUSINESS, "Signature": "a"}, sign=False)
    assert server.last.query["Signature"] == "a"
    assert ex.params["Signature"] == "REDACTED" and ex.field("Message") == "a b c"


def test_describe_and_delete_helpers(server: RecordingServer) -> None:
    target = make(server.url)
    target.describe_key_pairs("cn-beijing", KeyPairName="k*", PageSize="50")
    assert server.last.query["Action"] == contract.ACTION_DESCRIBE
    assert server.last.query["RegionId"] == "cn-beijing"
    assert server.last.query["KeyPairName"] == "k*" and server.last.query["PageSize"] == "50"
    target.delete_key_pairs("cn-beijing", ["a", "测试", 'q"uote'])
    assert server.last.query["Action"] == contract.ACTION_DELETE
    assert json.loads(server.last.query["KeyPairNames"]) == ["a", "测试", 'q"uote']


def test_keep_alive_reuses_the_connection(server: RecordingServer) -> None:
    target = make(server.url)
    for _ in range(3):
        target.import_key_pair(BUSINESS)
    assert len({r.client_port for r in server.received}) == 1
    target.close()


def test_concurrent_calls_from_threads(server: RecordingServer) -> None:
    target = make(server.url, CREDS)
    results = []

    def work(i: int) -> None:
        results.append(
            target.import_key_pair({**BUSINESS, "KeyPairName": f"k{i}"}, transport=Transport.POST_QUERY)
        )

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and all(r.status == 200 for r in results)
    assert sorted(r.query["KeyPairName"] for r in server.received) == sorted(f"k{i}" for i in range(8))
    assert len({r.query["SignatureNonce"] for r in server.received}) == 8
    target.close()


# -- signatures (IKP-X3) ---------------------------------------------------------------------------


@pytest.mark.parametrize("transport", [Transport.GET, Transport.POST_QUERY, Transport.POST_FORM])
@pytest.mark.parametrize("creds", [CREDS, CREDS_TOKEN], ids=["ak", "sts"])
def test_v1_signature_verifies_independently(
    server: RecordingServer, transport: Transport, creds: Credentials
) -> None:
    ex = make(server.url, creds).import_key_pair(BUSINESS, transport=transport)
    got = server.last
    params = got.all_params
    assert ex.signed
    assert params["SignatureMethod"] == "HMAC-SHA1" and params["SignatureVersion"] == "1.0"
    assert params["AccessKeyId"] == creds.access_key_id
    assert params["Timestamp"] == "2023-11-14T22:13:20Z"
    assert params.get("SecurityToken") == creds.security_token
    assert params["Signature"] == v1_expected_signature(got.method, params, creds.access_key_secret)
    if transport is Transport.POST_FORM:
        assert "Signature" in got.query and "KeyPairName" in got.form and "KeyPairName" not in got.query


@pytest.mark.parametrize("creds", [CREDS, CREDS_TOKEN], ids=["ak", "sts"])
def test_v3_signature_verifies_independently(server: RecordingServer, creds: Credentials) -> None:
    ex = make(server.url, creds).import_key_pair(BUSINESS, transport=Transport.V3)
    got = server.last
    assert ex.signed
    auth = got.header("authorization")
    expected, received = v3_expected_authorization(
        got.method, "/", got.query, got.headers, got.body, creds.access_key_secret, auth
    )
    assert received == expected
    assert f"Credential={creds.access_key_id}," in auth
    signed = auth.split("SignedHeaders=")[1].split(",")[0].split(";")
    assert {"host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce",
            "x-acs-content-sha256"} <= set(signed)  # fmt: skip
    assert got.header("host") == server.url.removeprefix("http://")
    assert got.header("x-acs-date") == "2023-11-14T22:13:20Z"
    assert got.header("x-acs-security-token") == (creds.security_token or "")
    assert ("x-acs-security-token" in signed) == bool(creds.security_token)
    assert "Signature" not in got.query and "Timestamp" not in got.query


def test_unsigned_when_no_credentials_or_sign_false(server: RecordingServer) -> None:
    make(server.url, CREDS).import_key_pair(BUSINESS, sign=False)
    assert "Signature" not in server.last.query and "AccessKeyId" not in server.last.query
    make(server.url, CREDS, signature="none").import_key_pair(BUSINESS)
    assert "Signature" not in server.last.query
    make(server.url, CREDS, signature="none").import_key_pair(BUSINESS, transport=Transport.V3)
    assert server.last.header("authorization").startswith("ACS3-HMAC-SHA256 ")


def test_sign_true_without_credentials_is_a_usage_error(server: RecordingServer) -> None:
    with pytest.raises(ValueError, match="credentials"):
        make(server.url).import_key_pair(BUSINESS, sign=True)
    with pytest.raises(ValueError, match="signed"):
        make(server.url, CREDS).import_key_pair(BUSINESS, sign=False, tamper=Tamper(wrong_signature=True))
    assert server.received == []


@pytest.mark.parametrize("transport", [Transport.GET, Transport.V3])
def test_tamper_wrong_signature(server: RecordingServer, transport: Transport) -> None:
    ex = make(server.url, CREDS).import_key_pair(
        BUSINESS, transport=transport, tamper=Tamper(wrong_signature=True)
    )
    got = server.last
    if transport is Transport.V3:
        expected, received = v3_expected_authorization(
            got.method, "/", got.query, got.headers, got.body, "testsecret", got.header("authorization")
        )
        assert len(received) == 64 and received != expected
    else:
        received = got.query["Signature"]
        assert received != v1_expected_signature("GET", got.query, "testsecret")
        assert len(received) == 28 and received.endswith("=")  # still well-formed base64 of 20 bytes
    assert ex.tamper == {"wrong_signature": "true"}


def test_tamper_unknown_access_key_nonce_and_timestamp(server: RecordingServer) -> None:
    target = make(server.url, CREDS)
    tamper = Tamper(access_key_id="LTAIunknownUnknown99", nonce="fixed-nonce-1", timestamp_shift=-16 * 60)
    first = target.import_key_pair(BUSINESS, tamper=tamper)
    target.import_key_pair(BUSINESS, tamper=tamper)
    a, b = server.received
    assert a.query["SignatureNonce"] == b.query["SignatureNonce"] == "fixed-nonce-1"
    assert a.query["AccessKeyId"] == "LTAIunknownUnknown99"
    assert a.query["Signature"] == v1_expected_signature("GET", a.query, "testsecret")
    assert a.query["Timestamp"] == signing.format_timestamp(FIXED_NOW - 16 * 60)
    assert first.tamper["nonce"] == "fixed-nonce-1" and "LTAIunknown" not in json.dumps(first.to_json())


def test_each_call_gets_a_fresh_nonce(server: RecordingServer) -> None:
    target = Target(TargetConfig(server.url, credentials=CREDS, retries=0))
    target.import_key_pair(BUSINESS)
    target.import_key_pair(BUSINESS, transport=Transport.V3)
    target.import_key_pair(BUSINESS)
    nonces = [r.query.get("SignatureNonce") or r.header("x-acs-signature-nonce") for r in server.received]
    assert len(set(nonces)) == 3 and all(nonces)


# -- redirects, timeouts, retries, connection errors -------------------------------------------------


def test_redirect_is_not_followed(server: RecordingServer) -> None:
    server.responder = lambda r: (302, {"Location": server.url + "/elsewhere"}, b"")
    ex = make(server.url).import_key_pair(BUSINESS)
    assert ex.status == 302 and ex.transport_error is None
    assert len(server.received) == 1
    assert ex.response_headers["Location"].endswith("/elsewhere")


def test_timeout_on_a_target_that_never_answers(silent_url: str) -> None:
    target = make(silent_url, timeout=0.5, retries=3)
    ex = target.import_key_pair(BUSINESS)
    assert ex.status is None
    assert (
        ex.transport_error is not None
        and "timed out" in ex.transport_error
        and silent_url in ex.transport_error
    )
    assert ex.attempts == 1  # the request may have been processed: never sent twice
    # (how long the timeout takes to fire: benchmarks/bench_timeouts.py)


def test_timeout_while_waiting_for_the_status_line(server: RecordingServer) -> None:
    def slow(r: Received) -> Reply:
        time.sleep(1.0)
        return json_reply()

    server.responder = slow
    ex = make(server.url, timeout=0.3).import_key_pair(BUSINESS)
    assert ex.status is None and ex.transport_error and "timed out" in ex.transport_error


def test_timeout_while_the_body_trickles(server: RecordingServer) -> None:
    """Each byte comes well within the read timeout, but the whole body never does."""

    def trickle() -> Iterator[bytes]:
        for _ in range(40):
            time.sleep(0.05)
            yield b" "

    server.responder = lambda r: (200, {"Content-Length": "40"}, trickle())
    ex = make(server.url, timeout=0.4).import_key_pair(BUSINESS)
    # Without the whole-body deadline the 2 s trickle would end in a 200.
    assert ex.status is None and ex.transport_error and "reading the response body" in ex.transport_error


def test_throttling_is_retried_a_bounded_number_of_times(server: RecordingServer) -> None:
    server.responder = lambda r: json_reply(400, Code="Throttling.User", Message="Request was denied")
    sleeps: list[float] = []
    target = Target(TargetConfig(server.url, credentials=CREDS, retries=3, backoff=0.1), sleep=sleeps.append)
    ex = target.import_key_pair(BUSINESS)
    assert len(server.received) == 4 and ex.attempts == 4
    assert ex.status == 400 and ex.field("Code") == "Throttling.User"
    assert ex.transport_error is not None and "Throttling.User" in ex.transport_error
    assert sleeps == pytest.approx([0.1, 0.2, 0.4])
    assert len({r.query["SignatureNonce"] for r in server.received}) == 4  # signed afresh each time


def test_service_unavailable_then_success(server: RecordingServer) -> None:
    answers = [json_reply(503, Code="ServiceUnavailable"), json_reply(200, KeyPairName="k")]
    server.responder = lambda r: answers.pop(0)
    ex = make(server.url, retries=2).import_key_pair(BUSINESS)
    assert ex.status == 200 and ex.attempts == 2 and ex.transport_error is None
    assert ex.field("KeyPairName") == "k"


@pytest.mark.parametrize(
    "reply",
    [
        json_reply(400, Code="InvalidParameter"),
        json_reply(500, Code="InternalError"),
        json_reply(503, Code="ServiceUnavailable.Maintenance"),  # requirements.md: exactly ServiceUnavailable
        # A 200 with the success fields is a success (IKP-R1), whatever extra Code it carries.
        json_reply(200, KeyPairName="k", KeyPairFingerPrint="aa" * 16, Code="Throttling"),
    ],
    ids=["invalid-parameter", "internal-error", "unavailable-suffix", "success-with-code"],
)
def test_other_answers_are_not_retried(server: RecordingServer, reply: Reply) -> None:
    server.responder = lambda r: reply
    ex = make(server.url, retries=3).import_key_pair(BUSINESS)
    assert len(server.received) == 1 and ex.attempts == 1 and ex.transport_error is None


@pytest.mark.parametrize("status", [200, 400, 403, 429, 503])
@pytest.mark.parametrize(
    "code", ["Throttling", "Throttling.User", "Rejected.Throttling", "ServiceUnavailable"]
)
def test_retryable_codes_are_retried_whatever_the_status(
    server: RecordingServer, status: int, code: str
) -> None:
    """requirements.md: any Code containing Throttling, or ServiceUnavailable, whatever its HTTP
    status (real ECS uses 400, 403, 429 and 503; a 200 error body too), bounded, then ERROR."""
    server.responder = lambda r: json_reply(status, Code=code, Message="slow down")
    sleeps: list[float] = []
    target = Target(TargetConfig(server.url, retries=2, backoff=0.1), sleep=sleeps.append)
    ex = target.import_key_pair(BUSINESS)
    assert len(server.received) == 3 and ex.attempts == 3
    assert ex.transport_error is not None and code in ex.transport_error
    assert sleeps == pytest.approx([0.1, 0.2])
    assert oracle.judge_import(_any_case(), ex).status is Status.ERROR


def _any_case() -> Case:
    return Case(dict(BUSINESS), frozenset({Outcome.success(), Outcome.any_client_error()}), ("IKP-N2",))


@pytest.mark.parametrize(
    ("header", "waits"),
    [
        ("250", [0.25, 0.25]),  # milliseconds, as tea-openapi/darabonba read it
        ("60000", [retry.MAX_WAIT, retry.MAX_WAIT]),  # capped
        ("0", [0.1, 0.2]),  # not positive: exponential backoff
        ("-5", [0.1, 0.2]),
        ("soon", [0.1, 0.2]),
        ("1.5", [0.1, 0.2]),  # not an integer
    ],
)
def test_a_positive_integer_retry_after_is_honoured_within_the_cap(
    server: RecordingServer, header: str, waits: list[float]
) -> None:
    def throttled(r: object) -> Reply:
        status, headers, body = json_reply(429, Code="Throttling.User")
        return status, {**headers, "x-acs-retry-after": header}, body

    server.responder = throttled
    sleeps: list[float] = []
    target = Target(TargetConfig(server.url, retries=2, backoff=0.1), sleep=sleeps.append)
    ex = target.import_key_pair(BUSINESS)
    assert ex.attempts == 3 and sleeps == pytest.approx(waits)


def test_connection_refused_is_reported_naming_the_url(refused_url: str) -> None:
    sleeps: list[float] = []
    target = Target(TargetConfig(refused_url, retries=2, backoff=0.05), sleep=sleeps.append)
    ex = target.import_key_pair(BUSINESS)
    assert ex.status is None
    assert ex.transport_error is not None
    assert refused_url in ex.transport_error and "refused" in ex.transport_error
    assert ex.attempts == 3 and len(sleeps) == 2
    assert ex.url.startswith(refused_url + "/?") and ex.parsed.syntax is None


def test_probe() -> None:
    problem = probe_url("http://127.0.0.1:1")
    assert problem is not None and "http://127.0.0.1:1" in problem and "refused" in problem.lower()
    assert Target(TargetConfig("http://127.0.0.1:1")).probe() == problem
    assert probe_url("ftp://x") is not None


def test_probe_reachable(server: RecordingServer) -> None:
    assert make(server.url).probe() is None
    assert server.received == []  # a TCP connect, no request


# -- response parsing -------------------------------------------------------------------------------

DESCRIBE_XML = (
    b"<?xml version='1.0' encoding='UTF-8'?><DescribeKeyPairsResponse><RequestId>R1</RequestId>"
    b"<TotalCount>1</TotalCount><KeyPairs><KeyPair><KeyPairName>k1</KeyPairName>"
    b"<KeyPairFingerPrint>aa:bb</KeyPairFingerPrint><Tags><Tag><TagKey>a</TagKey><TagValue></TagValue></Tag>"
    b"</Tags></KeyPair></KeyPairs></DescribeKeyPairsResponse>"
)


def test_xml_describe_document(server: RecordingServer) -> None:
    server.responder = lambda r: (200, {"Content-Type": "text/xml;charset=utf-8"}, DESCRIBE_XML)
    ex = make(server.url).describe_key_pairs("cn-hangzhou", body_format=BodyFormat.XML)
    parsed = ex.parsed
    assert parsed.syntax == "xml" and parsed.root == "DescribeKeyPairsResponse"
    assert parsed.fields == {"RequestId": "R1", "TotalCount": "1"}
    pairs = list_at(parsed.document, "KeyPairs", "KeyPair")
    assert [p["KeyPairName"] for p in pairs] == ["k1"]
    assert list_at(pairs[0], "Tags", "Tag") == [{"TagKey": "a", "TagValue": ""}]
    assert ex.content_type == "text/xml;charset=utf-8"


def test_xml_lists_with_several_items_and_empty_containers() -> None:
    body = (
        b"<R><KeyPairs><KeyPair><KeyPairName>a</KeyPairName><Tags/></KeyPair>"
        b"<KeyPair><KeyPairName>b</KeyPairName></KeyPair></KeyPairs></R>"
    )
    doc = parse_body(body).document
    names = [p["KeyPairName"] for p in list_at(doc, "KeyPairs", "KeyPair")]
    assert names == ["a", "b"]
    assert list_at(list_at(doc, "KeyPairs", "KeyPair")[0], "Tags", "Tag") == []
    assert list_at(parse_body(b"<R><KeyPairs/></R>").document, "KeyPairs", "KeyPair") == []


def test_xml_error_body() -> None:
    parsed = parse_body(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><RequestId>r</RequestId><HostId>h</HostId>'
        b"<Code>MissingParameter</Code><Message>m &amp; n</Message></Error>"
    )
    assert parsed.syntax == "xml" and parsed.root == "Error"
    assert parsed.fields == {"RequestId": "r", "HostId": "h", "Code": "MissingParameter", "Message": "m & n"}


def test_json_body_fields_and_document() -> None:
    parsed = parse_body(
        b'{"RequestId":"r","TotalCount":3,"Ok":true,"Nothing":null,"KeyPairs":{"KeyPair":[{"KeyPairName":"a"}]}}'
    )
    assert parsed.syntax == "json" and parsed.root is None
    assert parsed.fields == {"RequestId": "r", "TotalCount": "3", "Ok": "true"}
    assert list_at(parsed.document, "KeyPairs", "KeyPair") == [{"KeyPairName": "a"}]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   \n",
        b"not json at all",
        b"{broken",
        b'{"a": "\xff\xfe"}',
        b"[1, 2]",
        b"42",
        b'"a string"',
        b"<Error><Code>x</Code>",
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><r>&a;</r>',
        b"<r><!ENTITY x SYSTEM 'file:///etc/passwd'></r>",
        b"\x00\x01\x02",
        b"[" * 100_000,
        b'{"a":' * 100_000,
        b"<a>" * 5_000 + b"</a>" * 5_000,
        b'{"a":' * 70 + b"1" + b"}" * 70,
    ],
    ids=lambda body: repr(body[:24]),
)
def test_malformed_bodies_parse_to_no_syntax(server: RecordingServer, body: bytes) -> None:
    server.responder = lambda r: (400, {"Content-Type": "application/json"}, body)
    ex = make(server.url).import_key_pair(BUSINESS)
    assert ex.status == 400 and ex.transport_error is None
    assert ex.parsed.syntax is None and ex.parsed.error
    assert ex.parsed.fields == {}


def test_huge_body_is_capped(server: RecordingServer) -> None:
    huge = b'{"RequestId":"' + b"x" * (3 * MAX_RESPONSE_BYTES) + b'"}'
    server.responder = lambda r: (200, {"Content-Type": "application/json"}, huge)
    ex = make(server.url).import_key_pair(BUSINESS)
    assert ex.status == 200
    assert ex.parsed.syntax is None and ex.parsed.error and "larger than" in ex.parsed.error
    assert ex.response_text == ""  # its declared length says enough: not read at all
    assert make(server.url).import_key_pair(BUSINESS).status == 200  # and the next request goes


def test_huge_chunked_body_is_capped(server: RecordingServer) -> None:
    chunk = b"x" * 65536
    payload = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(64)) + b"0\r\n\r\n"
    server.responder = lambda r: (200, {"Transfer-Encoding": "chunked"}, payload)
    ex = make(server.url).import_key_pair(BUSINESS)
    assert ex.status == 200 and ex.parsed.syntax is None and "larger than" in (ex.parsed.error or "")


def test_gzip_bodies_are_decoded_and_a_gzip_bomb_is_capped(server: RecordingServer) -> None:
    small = gzip.compress(b'{"RequestId":"gz","KeyPairName":"k"}')
    server.responder = lambda r: (200, {"Content-Encoding": "gzip"}, small)
    ex = make(server.url).import_key_pair(BUSINESS)
    assert ex.parsed.syntax == "json" and ex.field("RequestId") == "gz"
    bomb = gzip.compress(b'{"RequestId":"' + b"0" * (3 * MAX_RESPONSE_BYTES) + b'"}', compresslevel=1)
    assert len(bomb) < MAX_RESPONSE_BYTES // 10
    server.responder = lambda r: (200, {"Content-Encoding": "gzip"}, bomb)
    ex = make(server.url).import_key_pair(BUSINESS)
    assert ex.status == 200 and ex.parsed.syntax is None and "larger than" in (ex.parsed.error or "")
    assert len(ex.response_text) <= MAX_RESPONSE_BYTES


# -- configuration ----------------------------------------------------------------------------------


def test_credentials_from_env_only() -> None:
    env = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenvKeyId",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "envsecret",
        "ALIBABA_CLOUD_SECURITY_TOKEN": "envtoken",
    }
    creds = Credentials.from_env(env)
    assert creds == Credentials("LTAIenvKeyId", "envsecret", "envtoken")
    assert Credentials.from_env({"ALIBABA_CLOUD_ACCESS_KEY_ID": "x"}) is None
    assert Credentials.from_env({}) is None
    no_token = Credentials.from_env({k: v for k, v in env.items() if "TOKEN" not in k})
    assert no_token is not None and no_token.security_token is None


def test_credentials_from_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIfromOsEnviron")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s3")
    monkeypatch.delenv("ALIBABA_CLOUD_SECURITY_TOKEN", raising=False)
    assert Credentials.from_env() == Credentials("LTAIfromOsEnviron", "s3", None)


def test_config_validation_and_redacted_view() -> None:
    with pytest.raises(ValueError):
        TargetConfig("127.0.0.1:8080")
    with pytest.raises(ValueError):
        TargetConfig("http://h", signature="v9")
    config = TargetConfig("http://h:8080/", resource_group="rg-1", credentials=CREDS_TOKEN)
    view = config.redacted()
    assert view["credentials"] == {
        "access_key_id": "LTAI****",
        "access_key_secret": "<set>",
        "security_token": "<set>",
    }
    assert view["resource_group"] == "rg-1" and view["timeout"] == 10.0 and view["retries"] == 3
    assert config.host == "h:8080" and config.path == "/" and config.origin == "http://h:8080"
    assert config.url == view["base_url"] == "http://h:8080"
    assert TargetConfig("https://h/api/").path == "/api/"
    with pytest.raises(ValueError) as info:
        TargetConfig("http://user:hunter2@h:8080")
    assert "hunter2" not in str(info.value)
    for bad in ("http://h/?Action=x", "http://h:99999", "http://h:port"):
        with pytest.raises(ValueError):
            TargetConfig(bad)
    problem = probe_url("http://user:hunter2@127.0.0.1:1/")
    assert problem is not None and "hunter2" not in problem and "http://127.0.0.1:1/" in problem
