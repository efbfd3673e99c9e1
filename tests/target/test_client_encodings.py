"""The client encodings (``conformance.target.encodings``): each escape and order as written by
hand, every encoding decoded back to the same parameters by ``urllib.parse`` and by the
reference server's parser, the target sending each one with a signature that still verifies,
and the bundled reference server accepting a signed import written every way (IKP-T1)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import contract
from conformance.exchange import Transport
from conformance.reference import wire
from conformance.reference.server import RunningServer, start_server
from conformance.target import Call, Credentials, Target, TargetConfig
from conformance.target.encodings import (
    BY_ID,
    CLIENT_ENCODINGS,
    SUITE,
    ClientEncoding,
    Order,
    form_plus,
    lower_hex,
    ordered,
)
from conformance.target.signing import percent_encode
from strategies.encodings import openssh_line
from strategies.keys import rsa_key, rsa_modulus

from .conftest import RecordingServer
from .independent import v1_expected_signature, v3_expected_authorization

CREDS = Credentials("LTAI5tTestKeyId0001", "testsecret", None)
FIXED_NOW = 1_700_000_000.0
# Names and values with everything an encoder can get wrong: spaces, '+', '/', '%', '&', '=',
# '~', '*', non-ASCII letters, an empty value.
TRICKY = {
    "RegionId": "cn-hangzhou",
    "KeyPairName": "测试.key:a_b-c",
    "PublicKeyBody": "ssh-rsa AAAA+/== comment with spaces & = ? 100%",
    "Tag.1.Key": "a b+c/d%e&f=g~h*i",
    "Tag.1.Value": "",
    "Tag.2.Key": "ключ значение",
    "Tag.2.Value": "x+y z%2B",
    "名 字": "a&b=c",
}
ALL = (SUITE, *CLIENT_ENCODINGS)
ALL_IDS = [e.id for e in ALL]


# -- escapes and orders, written out by hand ---------------------------------------------------


def test_form_plus_is_urlencode_and_go_query_escape() -> None:
    # '+' for a space, upper-case hex for everything outside A-Z a-z 0-9 - _ . ~
    assert form_plus("a b+c/%&=~*测") == "a+b%2Bc%2F%25%26%3D~%2A%E6%B5%8B"


def test_rfc3986_writes_a_space_as_percent_20() -> None:
    assert percent_encode("a b+c/*~") == "a%20b%2Bc%2F%2A~"


def test_lower_hex_lowers_only_the_escapes() -> None:
    assert lower_hex("A/B c测") == "A%2fB%20c%e6%b5%8b"


def test_orders() -> None:
    pairs = {"b": "1", "Signature": "s", "a": "2", "C": "3"}
    assert [k for k, _ in ordered(pairs, Order.GIVEN)] == ["b", "Signature", "a", "C"]
    assert [k for k, _ in ordered(pairs, Order.SORTED)] == ["C", "Signature", "a", "b"]
    assert [k for k, _ in ordered(pairs, Order.SORTED_SIGNATURE_LAST)] == ["C", "a", "b", "Signature"]
    assert [k for k, _ in ordered(pairs, Order.REVERSED)] == ["C", "a", "Signature", "b"]


def test_every_encoding_has_a_unique_id_and_names_its_client() -> None:
    assert len(BY_ID) == len(ALL)
    assert all(e.client for e in ALL)
    assert {e.transport for e in CLIENT_ENCODINGS} == set(Transport)  # every transport has a client way


def test_everything_in_the_body_needs_a_form_body() -> None:
    with pytest.raises(ValueError, match="form-body"):
        ClientEncoding("x", "x", Transport.GET, all_in_body=True)
    with pytest.raises(ValueError, match="form-body"):
        ClientEncoding("x", "x", Transport.POST_QUERY, in_query=frozenset({"RegionId"}))
    with pytest.raises(ValueError, match="form-body"):
        ClientEncoding("x", "x", Transport.V3, content_type="text/plain")
    with pytest.raises(ValueError, match="nothing in the query"):
        ClientEncoding("x", "x", Transport.POST_FORM, all_in_body=True, in_query=frozenset({"RegionId"}))


# -- every encoding decodes back to the same parameters ------------------------------------------


def _decodings(text: str) -> list[dict[str, str]]:
    by_parse_qs = {k: v[0] for k, v in parse_qs(text, keep_blank_values=True, strict_parsing=True).items()}
    by_server = wire.parse_params(text.encode("ascii"))
    return [by_parse_qs, by_server]


@pytest.mark.parametrize("encoding", ALL, ids=ALL_IDS)
def test_tricky_parameters_decode_back_the_same(encoding: ClientEncoding) -> None:
    text = encoding.encode(TRICKY)
    assert text.isascii()
    for decoded in _decodings(text):
        assert decoded == TRICKY


_TEXT = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=20)


@pytest.mark.parametrize("encoding", ALL, ids=ALL_IDS)
@given(
    params=st.dictionaries(_TEXT, st.text(st.characters(exclude_categories=("Cs",)), max_size=20), max_size=6)
)
def test_any_parameters_decode_back_the_same(encoding: ClientEncoding, params: dict[str, str]) -> None:
    text = encoding.encode(params)
    if not params:
        assert text == ""
        return
    for decoded in _decodings(text):
        assert decoded == params


def test_the_encodings_really_differ_on_the_wire() -> None:
    texts = {e.id: e.encode(TRICKY) for e in ALL}
    assert "+" in texts["terraform"] and "%20" not in texts["terraform"]
    assert "%20" in texts["python-legacy"] and "+" not in texts["python-legacy"]
    assert "%2f" in texts["lowercase-hex"] and "%2F" not in texts["lowercase-hex"]
    assert texts["terraform"].startswith("KeyPairName=")  # sorted by name
    assert texts["go-map-order"].startswith(form_plus("名 字") + "=")  # reversed


# -- the target sends them, signed -------------------------------------------------------------


def _written_by(encoding: ClientEncoding, raw: str) -> bool:
    """Whether ``raw`` has ``encoding``'s escapes and (but for the reversed order, which is not
    idempotent) its order."""
    pairs = parse_qsl(raw, keep_blank_values=True)
    escaped = "&".join(f"{encoding.escape(k)}={encoding.escape(v)}" for k, v in pairs)
    return raw == escaped and (encoding.order is Order.REVERSED or raw == encoding.encode(dict(pairs)))


def _make(url: str) -> Target:
    return Target(
        TargetConfig(url, credentials=CREDS, retries=0, timeout=5.0),
        clock=lambda: FIXED_NOW,
        sleep=lambda s: None,
    )


@pytest.mark.parametrize("encoding", CLIENT_ENCODINGS, ids=[e.id for e in CLIENT_ENCODINGS])
def test_the_target_writes_each_encoding_and_the_signature_verifies(
    server: RecordingServer, encoding: ClientEncoding
) -> None:
    ex = _make(server.url).import_key_pair(TRICKY, transport=encoding.transport, encoding=encoding)
    got = server.last
    raw_query = urlsplit(got.path).query
    raw_body = got.body.decode("ascii")
    if encoding.transport is Transport.V3:
        auth = got.header("authorization")
        expected, received = v3_expected_authorization(
            got.method, "/", got.query, got.headers, got.body, CREDS.access_key_secret, auth
        )
        assert received == expected
        assert _written_by(encoding, raw_query)
    else:
        params = got.all_params
        assert params["Signature"] == v1_expected_signature(got.method, params, CREDS.access_key_secret)
        assert _written_by(encoding, raw_query) and _written_by(encoding, raw_body)
    assert {**got.query, **got.form}.items() >= TRICKY.items()
    if encoding.all_in_body:
        assert raw_query == "" and "Signature=" in raw_body and "Action=" in raw_body
    elif encoding.transport is Transport.POST_FORM:
        assert "Signature" in got.query and "KeyPairName" in got.form
        assert all(k in got.query and k not in got.form for k in encoding.in_query)
    if encoding.transport is Transport.POST_FORM:
        assert got.header("content-type") == encoding.content_type
    # The Exchange shows the request written the same way (the signature redacted).
    for shown, sent in ((urlsplit(ex.url).query, raw_query), (ex.request_body, raw_body)):
        shown_params = dict(parse_qsl(shown, keep_blank_values=True))
        assert _written_by(encoding, shown)
        assert shown_params.keys() == dict(parse_qsl(sent, keep_blank_values=True)).keys()
        if "Signature" not in shown_params:
            assert shown == sent


def test_the_default_encoding_is_unchanged(server: RecordingServer) -> None:
    target = _make(server.url)
    target.import_key_pair(TRICKY, transport=Transport.POST_FORM)
    default = server.last
    target.import_key_pair(TRICKY, transport=Transport.POST_FORM, encoding=SUITE)
    explicit = server.last
    assert "%20" in default.body.decode() and "+" not in default.body.decode()
    assert urlsplit(default.path).query.split("&")[0] == "Action=ImportKeyPair"
    assert default.body == explicit.body


def test_call_many_carries_the_encoding(server: RecordingServer) -> None:
    terraform = BY_ID["terraform"]
    _make(server.url).call_many(
        [Call(contract.ACTION_IMPORT, TRICKY, Transport.POST_FORM, encoding=terraform)]
    )
    assert "+" in server.last.body.decode() and "%20" not in server.last.body.decode()


def test_everything_in_the_body_refuses_another_transport(server: RecordingServer) -> None:
    with pytest.raises(ValueError, match="form-body"):
        _make(server.url).import_key_pair(
            TRICKY, transport=Transport.GET, encoding=BY_ID["node-pop-core-post"]
        )


# -- the bundled reference server accepts every one ---------------------------------------------


@pytest.fixture(scope="module")
def reference() -> Iterator[RunningServer]:
    srv = start_server(access_keys={CREDS.access_key_id: CREDS.access_key_secret})
    try:
        yield srv
    finally:
        srv.close()


@pytest.mark.parametrize("encoding", ALL, ids=ALL_IDS)
def test_the_reference_server_accepts_every_encoding(
    reference: RunningServer, encoding: ClientEncoding
) -> None:
    key = rsa_key(rsa_modulus(1024, encoding.id.encode().ljust(16, b"-")[:16]))
    name = f"enc-{encoding.id}:a_b"
    params = {
        "RegionId": contract.DEFAULT_REGION,
        "KeyPairName": name,
        "PublicKeyBody": openssh_line(key.key_type, key.blob.data, "user name@host"),
        "Tag.1.Key": "team name",
        "Tag.1.Value": "a b+c/d=e:f",
    }
    target = Target(TargetConfig(reference.url, credentials=CREDS, retries=0, timeout=5.0))
    with target:
        ex = target.import_key_pair(params, transport=encoding.transport, encoding=encoding)
        assert ex.status == 200, ex.response_text
        assert ex.field("KeyPairName") == name
        listed = target.describe_key_pairs(contract.DEFAULT_REGION, KeyPairName=name)
    assert '"TagValue":"a b+c/d=e:f"' in listed.response_text
    assert '"TagKey":"team name"' in listed.response_text
