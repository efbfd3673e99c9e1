"""Redaction: plant a known secret, token and signature, then scan everything the client produces
(every Exchange field, reprs, the configuration view, reproduce commands) for them."""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus

import pytest

from conformance import redaction
from conformance.exchange import BodyFormat, Exchange, Transport
from conformance.redaction import REDACTED, Secrets
from conformance.results.reproduce import command_for
from conformance.target import Credentials, Tamper, Target, TargetConfig

from .conftest import Received, RecordingServer, Reply

KEY_ID = "LTAIplantedKeyId0001"
SECRET = "Pl4nted/Secret+Value=xyz"
TOKEN = "Pl4nted/Token+Value==abc"
CREDS = Credentials(KEY_ID, SECRET, TOKEN)
SECRETS = Secrets(KEY_ID, SECRET, TOKEN)


def forbidden(*values: str) -> list[str]:
    """Every spelling of ``values`` that must never be shown (computed here, not by redaction.py)."""
    out = []
    for value in values:
        once = quote(value, safe="")
        out += [value, once, quote(once, safe=""), quote_plus(value)]
    return out


def echo(r: Received) -> Reply:
    """A hostile target: echoes the whole request, the signature in every shape, and the secrets."""
    signature = r.all_params.get("Signature") or r.header("authorization").rpartition("Signature=")[2]
    document = {
        "RequestId": "r",
        "Code": "SignatureDoesNotMatch",
        "Message": "server string to sign is:GET&%2F&AccessKeyId%3D"
        + f"{KEY_ID}%26SecurityToken%3D{quote(TOKEN, safe='')}",
        "Received": {"path": r.path, "headers": r.headers, "body": r.body.decode()},
        "Signature": signature,
        "Leak": f"{SECRET} {TOKEN} {quote(quote(SECRET, safe=''), safe='')}",
    }
    if "XML" in r.path:
        body = (
            f"<Error><RequestId>r</RequestId><Code>X</Code><Message>{signature} {SECRET}</Message>"
            f"<Echo>{TOKEN}</Echo></Error>"
        ).encode()
        return 400, {"Content-Type": "text/xml", "X-Echo": signature}, body
    headers = {"Content-Type": "application/json", "X-Echo": signature, "X-Token": TOKEN}
    return 400, headers, json.dumps(document).encode()


def everything_shown(ex: Exchange, config: TargetConfig) -> str:
    return "\n".join(
        [
            json.dumps(ex.to_json(), ensure_ascii=False),
            json.dumps(ex.to_json()),
            repr(ex),
            str(ex.parsed.document),
            command_for(ex, config),
        ]
    )


@pytest.mark.parametrize("transport", list(Transport))
@pytest.mark.parametrize("body_format", [BodyFormat.JSON, BodyFormat.XML])
@pytest.mark.parametrize(
    "tamper", [None, Tamper(wrong_signature=True), Tamper(access_key_id="LTAIunknownKeyId9999", nonce="n1")]
)
def test_nothing_secret_in_any_exchange_field(
    server: RecordingServer, transport: Transport, body_format: BodyFormat, tamper: Tamper | None
) -> None:
    server.responder = echo
    config = TargetConfig(server.url, credentials=CREDS, retries=0)
    ex = Target(config).import_key_pair(
        {"RegionId": "cn-hangzhou", "KeyPairName": "k", "PublicKeyBody": "ssh-rsa AAAA"},
        transport=transport,
        body_format=body_format,
        tamper=tamper,
    )
    got = server.last
    sent_signature = (
        got.all_params.get("Signature") or got.header("authorization").rpartition("Signature=")[2]
    )
    assert len(sent_signature) >= 28  # the planted signature is real, and long enough to find
    assert ex.status == 400 and ex.signed
    shown = everything_shown(ex, config)
    for value in forbidden(SECRET, TOKEN, sent_signature, KEY_ID, "LTAIunknownKeyId9999"):
        assert value not in shown
    assert "LTAI****" in shown
    assert REDACTED in ex.url or REDACTED in json.dumps(dict(ex.request_headers))


def test_nothing_secret_when_the_target_is_unreachable(refused_url: str) -> None:
    config = TargetConfig(refused_url, credentials=CREDS, retries=0)
    ex = Target(config).import_key_pair({"RegionId": "cn-hangzhou"}, transport=Transport.POST_QUERY)
    assert ex.status is None and ex.transport_error
    shown = everything_shown(ex, config) + ex.transport_error
    for value in forbidden(SECRET, TOKEN, KEY_ID):
        assert value not in shown
    assert "Signature=REDACTED" in ex.url


def test_reprs_and_config_view_hide_credentials() -> None:
    config = TargetConfig("http://127.0.0.1:9", credentials=CREDS)
    target = Target(config)
    shown = " ".join(
        [
            repr(CREDS),
            str(CREDS),
            repr(config),
            str(config),
            repr(target),
            json.dumps(config.redacted()),
            repr(SECRETS),
        ]
    )
    for value in forbidden(SECRET, TOKEN, KEY_ID):
        assert value not in shown
    assert "LTAI****" in shown


def test_mask_access_key_id() -> None:
    assert redaction.mask_access_key_id("LTAI5tABCDEF") == "LTAI****"
    assert redaction.mask_access_key_id("abcd") == "****"
    assert redaction.mask_access_key_id("") == "****"


def test_redact_params() -> None:
    params = {
        "AccessKeyId": KEY_ID,
        "Signature": "c2lnbmF0dXJl",
        "SecurityToken": TOKEN,
        "KeyPairName": f"name-{SECRET}",
        "RegionId": "cn-hangzhou",
    }
    out = redaction.redact_params(params, SECRETS)
    assert out == {
        "AccessKeyId": "LTAI****",
        "Signature": REDACTED,
        "SecurityToken": REDACTED,
        "KeyPairName": f"name-{REDACTED}",
        "RegionId": "cn-hangzhou",
    }


def test_redact_headers_keeps_the_shape_of_authorization() -> None:
    headers = {
        "Authorization": (
            f"ACS3-HMAC-SHA256 Credential={KEY_ID},SignedHeaders=host;x-acs-date,Signature=abc123"
        ),
        "x-acs-security-token": TOKEN,
        "X-Other": f"has {SECRET} inside",
        "Accept": "application/json",
    }
    out = redaction.redact_headers(headers, SECRETS)
    assert out["Authorization"] == (
        "ACS3-HMAC-SHA256 Credential=LTAI****,SignedHeaders=host;x-acs-date,Signature=REDACTED"
    )
    assert out["x-acs-security-token"] == REDACTED
    assert out["X-Other"] == f"has {REDACTED} inside"
    assert out["Accept"] == "application/json"
    assert redaction.redact_headers({"authorization": "Basic dXNlcjpwYXNz"})["authorization"] == REDACTED


def test_redact_url_text_and_spellings() -> None:
    url = (
        f"http://h/?Action=A&AccessKeyId={KEY_ID}&SecurityToken={quote(TOKEN, safe='')}"
        "&Signature=abc%2Bdef%3D&KeyPairName=k"
    )
    out = redaction.redact_text(url, SECRETS)
    assert "Signature=REDACTED" in out and "SecurityToken=REDACTED" in out
    assert KEY_ID not in out and "KeyPairName=k" in out and "abc" not in out
    assert redaction.redact_text(out, SECRETS) == out  # idempotent
    text = " | ".join(forbidden(SECRET, TOKEN)) + f" | {json.dumps(SECRET)}"
    redacted = redaction.redact_text(text, SECRETS)
    for value in (*forbidden(SECRET, TOKEN), json.dumps(SECRET)[1:-1]):
        assert value not in redacted
    assert redaction.hide_values(text, [SECRET, TOKEN]) == redacted


def test_short_access_key_ids_do_not_garble_text() -> None:
    secrets = Secrets("abc", "s3cr3t-value")
    assert redaction.redact_text("abcdef AccessKeyId=abc", secrets) == "abcdef AccessKeyId=****"


def test_form_body_and_document() -> None:
    form = {"KeyPairName": "k", "SecurityToken": TOKEN}
    assert redaction.redact_params(form, SECRETS) == {"KeyPairName": "k", "SecurityToken": REDACTED}
    doc = {"a": [SECRET, {"b": f"x{TOKEN}"}], SECRET: 1}
    assert redaction.redact_document(doc, SECRETS) == {"a": [REDACTED, {"b": f"x{REDACTED}"}], REDACTED: 1}
