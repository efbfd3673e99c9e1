"""Defense in depth: secrets planted where a careless producer would copy them never reach an artifact."""

from __future__ import annotations

import html as htmllib
from pathlib import Path
from typing import Any

import pytest
from report_samples import PLANTED, PLANTED_SECRET, PLANTED_SIGNATURE, PLANTED_TOKEN, exchange, fill

from conformance.results import RunResults
from conformance.verdict import Status, Verdict
from reports.redact import REDACTED, scrub, scrub_text
from reports.render import terminal_lines, write_outputs

ENV_ONLY_SECRET = "ENVonlySECRETvalue424242"


def _careless_results() -> RunResults:
    results = fill(RunResults())
    results.meta["config"] = {
        "region": "cn-hangzhou",
        "access_key_id": "LTAI5tPlantedKeyId",
        "access_key_secret": PLANTED_SECRET,
        "AccessKeySecret": PLANTED_SECRET,
        "security_token": PLANTED_TOKEN,
        "headers": {"x-acs-security-token": PLANTED_TOKEN},
    }
    leaky = exchange(
        "abc",
        400,
        '{"Code":"SignatureDoesNotMatch","Message":"server string to sign is:GET&%2F&'
        f'Signature%3D{PLANTED_SIGNATURE}%26SecurityToken%3D{PLANTED_TOKEN}", '
        f'"Echo":"{ENV_ONLY_SECRET}"}}',
        params={
            "Signature": PLANTED_SIGNATURE,
            "SecurityToken": PLANTED_TOKEN,
            "AccessKeySecret": PLANTED_SECRET,
            "SignatureNonce": "nonce-kept-visible-123",
            "SignatureMethod": "HMAC-SHA1",
        },
        headers={
            "x-acs-security-token": PLANTED_TOKEN,
            "Authorization": "ACS3-HMAC-SHA256 Credential=LTAI5tPlantedKeyId,"
            f"SignedHeaders=host;x-acs-date,Signature={PLANTED_SIGNATURE}",
        },
        url_extra=f"&SignatureNonce=nonce-kept-visible-123&Signature={PLANTED_SIGNATURE}"
        f"&SecurityToken={PLANTED_TOKEN}",
    )
    results.record(
        "test_signature",
        Verdict(
            Status.FAIL,
            ("IKP-X1",),
            reasons=(f"Signature={PLANTED_SIGNATURE} was refused",),
            warnings=(f"x-acs-security-token: {PLANTED_TOKEN} echoed in Message",),
        ),
        case={"KeyPairName": "abc", "Signature": PLANTED_SIGNATURE},
        exchange=leaky,
        acceptable=["200"],
        reproduce=f"ALIBABA_CLOUD_ACCESS_KEY_SECRET={PLANTED_SECRET} pytest conformance -k signature",
    )
    return results


def test_planted_secrets_reach_no_artifact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ENV_ONLY_SECRET)
    results = _careless_results()
    paths = write_outputs(results, tmp_path)
    artifacts = {
        "results.json": paths["json"].read_text(encoding="utf-8"),
        "report.html": paths["html"].read_text(encoding="utf-8"),
        "terminal": "\n".join(terminal_lines(results)),
    }
    artifacts["report.html (unescaped)"] = htmllib.unescape(artifacts["report.html"])
    for name, text in artifacts.items():
        for secret in (*PLANTED, ENV_ONLY_SECRET):
            assert secret not in text, f"{secret} leaked into {name}"
        assert REDACTED in text, name
    # Not over-scrubbed: what is not a secret stays readable.
    for text in (artifacts["results.json"], artifacts["report.html"]):
        assert "nonce-kept-visible-123" in text and "HMAC-SHA1" in text
        assert "SignedHeaders=host;x-acs-date" in text
    # The results in memory are not mutated by rendering.
    assert results.meta["config"]["access_key_secret"] == PLANTED_SECRET


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET /?A=1&Signature=abc%2Bdef&B=2", "GET /?A=1&Signature=REDACTED&B=2"),
        ("SignatureNonce=n1&SignatureMethod=HMAC-SHA1", "SignatureNonce=n1&SignatureMethod=HMAC-SHA1"),
        ('{"AccessKeySecret": "s3cr3t-value"}', '{"AccessKeySecret": "REDACTED"}'),
        ("<SecurityToken>tok-value</SecurityToken>", "<SecurityToken>REDACTED</SecurityToken>"),
        ("x-acs-security-token: tok-value", "x-acs-security-token: REDACTED"),
        ("export ALIBABA_CLOUD_ACCESS_KEY_SECRET=s3cr3t", "export ALIBABA_CLOUD_ACCESS_KEY_SECRET=REDACTED"),
        ("...%26Signature%3Dabc%26x=1", "...%26Signature%3DREDACTED%26x=1"),
        ("Specified signature is not matched", "Specified signature is not matched"),
    ],
)
def test_scrub_text(text: str, expected: str) -> None:
    assert scrub_text(text) == expected


def test_scrub_replaces_known_values_everywhere() -> None:
    doc: dict[str, Any] = {
        "config": {"ak_secret": "value-of-the-secret"},
        "note": "sent value-of-the-secret by mistake",
    }
    out = scrub(doc)
    assert out == {"config": {"ak_secret": REDACTED}, "note": f"sent {REDACTED} by mistake"}
    assert doc["config"]["ak_secret"] == "value-of-the-secret"  # a copy, not in place


def test_secret_named_keys_keep_modes_and_placeholders_but_lose_credentials() -> None:
    config = {
        "signature": "v1",  # the signing mode, not a signature
        "credentials": {"access_key_id": "LTAI****", "access_key_secret": "<set>", "security_token": None},
        "leaky_credentials": {"id": "LTAI5tPlantedKeyId", "secret": PLANTED_SECRET},
        "SecurityToken": [PLANTED_TOKEN],
        "timeout": 10.0,
    }
    out = scrub({"meta": {"config": config}, "note": f"token {PLANTED_TOKEN} echoed"})
    assert out["meta"]["config"] == {
        "signature": "v1",
        "credentials": {"access_key_id": "LTAI****", "access_key_secret": "<set>", "security_token": None},
        "leaky_credentials": {"id": REDACTED, "secret": REDACTED},
        "SecurityToken": [REDACTED],
        "timeout": 10.0,
    }
    assert out["note"] == f"token {REDACTED} echoed"  # a value found under a secret key, scrubbed elsewhere
