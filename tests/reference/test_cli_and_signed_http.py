"""The command line, and signature checks seen over raw HTTP (IKP-X3)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.parse
import uuid

import pytest

from conformance import contract
from conformance.reference import auth, start_server
from conformance.reference.__main__ import build_parser, main

from .rawhttp import call

REGION = contract.DEFAULT_REGION


def test_cli_prints_listening_line_first_and_stops_on_sigterm() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "conformance.reference", "--port", "0", "--resource-group", "rg-cli",
         "--access-key", "id1:secret1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("listening on http://127.0.0.1:")
        url = line.removeprefix("listening on ")
        unsigned = call(url, {"Action": contract.ACTION_DESCRIBE, "RegionId": REGION})
        assert (unsigned.status, unsigned.json()["Code"]) == (
            contract.MISSING_PARAMETER.status,
            contract.MISSING_PARAMETER.code,
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()
        proc.stderr.close()


def test_cli_arguments() -> None:
    args = build_parser().parse_args(
        ["--access-key", "a:b:c", "--resource-group", "rg-1", "--resource-group", "rg-2"]
    )
    assert args.access_keys == [("a", "b:c")]
    assert args.resource_groups == ["rg-1", "rg-2"]
    assert args.port == 8080 and args.host == "127.0.0.1"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--access-key", "no-colon"])


def test_main_reports_a_busy_port() -> None:
    with start_server() as server:
        assert main(["--port", str(server.port)]) == 1


def _signed_v1(params: dict[str, str], secret: str, **overrides: str) -> dict[str, str]:
    full = {
        "Format": "JSON",
        "Version": contract.API_VERSION,
        "AccessKeyId": "ak",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": str(uuid.uuid4()),
        "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **params,
        **overrides,
    }
    full["Signature"] = auth.v1_signature(secret, auth.v1_string_to_sign("GET", full))
    return full


def test_signed_requests_over_http(rsa_pub: str) -> None:
    with start_server(access_keys={"ak": "sk"}) as server:
        describe = {"Action": contract.ACTION_DESCRIBE, "RegionId": REGION}
        params = _signed_v1(describe, "sk")
        assert call(server.url, params, fmt=None, version=None).status == 200
        replay = call(server.url, params, fmt=None, version=None)
        assert (replay.status, replay.json()["Code"]) == (
            contract.SIGNATURE_NONCE_USED.status,
            contract.SIGNATURE_NONCE_USED.code,
        )
        wrong = call(server.url, _signed_v1(describe, "nope"), fmt=None, version=None).json()
        assert wrong["Code"] == contract.SIGNATURE_DOES_NOT_MATCH.code
        assert wrong["Message"].split("server string to sign is:")[1].startswith("GET&%2F&")
        old = time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - contract.TIMESTAMP_SKEW_SECONDS - 120)
        )
        stale = call(server.url, _signed_v1(describe, "sk", Timestamp=old), fmt=None, version=None)
        assert (stale.status, stale.json()["Code"]) == (
            contract.TIMESTAMP_EXPIRED.status,
            contract.TIMESTAMP_EXPIRED.code,
        )
        unknown = call(server.url, _signed_v1(describe, "sk", AccessKeyId="who"), fmt=None, version=None)
        assert (unknown.status, unknown.json()["Code"]) == (
            contract.ACCESS_KEY_NOT_FOUND.status,
            contract.ACCESS_KEY_NOT_FOUND.code,
        )
        # signed over query and form body together (Terraform's split)
        imported = _signed_v1(
            {
                "Action": contract.ACTION_IMPORT,
                "RegionId": REGION,
                "KeyPairName": "signed1",
                "PublicKeyBody": rsa_pub,
            },
            "sk",
        )
        body = {k: imported.pop(k) for k in ("KeyPairName", "PublicKeyBody")}
        signed_get_as_post = call(server.url, imported, method="POST", body=body, fmt=None, version=None)
        # the signature was computed for GET: POST must not verify
        assert signed_get_as_post.json()["Code"] == contract.SIGNATURE_DOES_NOT_MATCH.code
        full = {k: v for k, v in imported.items() if k != "Signature"} | body
        full["Signature"] = auth.v1_signature("sk", auth.v1_string_to_sign("POST", full))
        query = {k: v for k, v in full.items() if k not in body}
        ok = call(server.url, query, method="POST", body=body, fmt=None, version=None)
        assert ok.status == 200, ok.raw
        assert urllib.parse.quote(ok.json()["KeyPairName"]) == "signed1"
