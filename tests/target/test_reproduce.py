"""Reproduction commands: curl for unsigned requests (run here against a loopback server, which
must receive the very same request), ``python -m conformance.replay`` for signed ones."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from conformance import replay
from conformance.exchange import BodyFormat, Transport
from conformance.results.reproduce import command_for
from conformance.target import Credentials, Tamper, Target, TargetConfig

from .conftest import Received, RecordingServer
from .independent import v1_expected_signature, v3_expected_authorization

ROOT = Path(__file__).resolve().parents[2]
NASTY = {
    "RegionId": "cn-hangzhou",
    "KeyPairName": 'it\'s $HOME `id` "q" 测试',
    "PublicKeyBody": "ssh-rsa AAAA+/==\nsecond line & x=y",
    "Tag.1.Key": "a b*c~",
    "Tag.1.Value": "",
}
KEY_ID = "LTAIreplayKeyId00001"
SECRET = "replay/secret+value="
TOKEN = "replay-token/+="
CREDS = Credentials(KEY_ID, SECRET, TOKEN)
needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


def same_request(a: Received, b: Received) -> None:
    assert (a.method, a.path, a.body) == (b.method, b.path, b.body)
    for name in ("content-type", "accept", "x-acs-action", "x-acs-version", "host"):
        assert a.header(name) == b.header(name), name
    assert (a.header("content-length") or "0") == (b.header("content-length") or "0")


@needs_curl
@pytest.mark.parametrize("transport", list(Transport))
@pytest.mark.parametrize("body_format", [BodyFormat.JSON, BodyFormat.ABSENT])
def test_curl_command_sends_the_same_request(
    server: RecordingServer, transport: Transport, body_format: BodyFormat
) -> None:
    config = TargetConfig(server.url, retries=0)
    ex = Target(config).import_key_pair(NASTY, transport=transport, body_format=body_format)
    command = command_for(ex, config)
    assert command.startswith("curl -sS -i ")
    assert ("-X POST" in command) == (transport is not Transport.GET)
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=20)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("HTTP/1.1 200")
    original, replayed = server.received
    same_request(original, replayed)


def test_curl_command_for_a_form_body_sends_it_verbatim(server: RecordingServer) -> None:
    config = TargetConfig(server.url, retries=0)
    ex = Target(config).import_key_pair(NASTY, transport=Transport.POST_FORM)
    args = shlex.split(command_for(ex, config))
    assert args[:3] == ["curl", "-sS", "-i"] and args[-1] == ex.url
    assert args[args.index("--data-binary") + 1] == ex.request_body
    assert dict(parse_qsl(ex.request_body, keep_blank_values=True)) == NASTY
    assert "Content-Type: application/x-www-form-urlencoded" in args


def replay_args(command: str) -> list[str]:
    args = shlex.split(command)
    assert args[:3] == ["python", "-m", "conformance.replay"]
    return args[3:]


@pytest.mark.parametrize("transport", list(Transport))
def test_signed_exchange_gives_a_replay_command(server: RecordingServer, transport: Transport) -> None:
    config = TargetConfig(server.url, credentials=CREDS, retries=0)
    ex = Target(config).import_key_pair(NASTY, transport=transport, body_format=BodyFormat.XML)
    command = command_for(ex, config)
    for secret in (SECRET, TOKEN, KEY_ID, server.last.all_params.get("Signature", "none")):
        assert secret not in command
    parsed = replay.build_parser().parse_args(replay_args(command))
    assert parsed.target == server.url and parsed.action == "ImportKeyPair"
    assert parsed.transport == transport.value and parsed.format == "XML"
    assert dict(parsed.param) == NASTY
    assert not parsed.wrong_signature and parsed.nonce is None


def test_replay_command_carries_the_tamper(server: RecordingServer) -> None:
    config = TargetConfig(server.url, credentials=CREDS, retries=0)
    tamper = Tamper(
        wrong_signature=True, access_key_id="LTAIunknown000000001", nonce="n-1", timestamp_shift=-960
    )
    ex = Target(config).import_key_pair(NASTY, tamper=tamper)
    parsed = replay.build_parser().parse_args(replay_args(command_for(ex, config)))
    assert parsed.wrong_signature and parsed.unknown_access_key_id
    assert parsed.nonce == "n-1" and parsed.timestamp_shift == -960


def run_replay(command: str, env_creds: Credentials | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALIBABA_CLOUD_")}
    if env_creds is not None:
        env["ALIBABA_CLOUD_ACCESS_KEY_ID"] = env_creds.access_key_id
        env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = env_creds.access_key_secret
        if env_creds.security_token:
            env["ALIBABA_CLOUD_SECURITY_TOKEN"] = env_creds.security_token
    args = [sys.executable, "-m", "conformance.replay", *replay_args(command)]
    return subprocess.run(args, capture_output=True, text=True, timeout=30, env=env, cwd=ROOT)


@pytest.mark.parametrize("transport", [Transport.POST_FORM, Transport.V3])
def test_replay_signs_afresh_from_the_environment(server: RecordingServer, transport: Transport) -> None:
    config = TargetConfig(server.url, credentials=CREDS, retries=0)
    ex = Target(config).import_key_pair(NASTY, transport=transport)
    result = run_replay(command_for(ex, config), CREDS)
    assert result.returncode == 0, result.stderr
    assert "HTTP 200" in result.stdout
    assert SECRET not in result.stdout and TOKEN not in result.stdout
    original, replayed = server.received
    if transport is Transport.V3:
        assert replayed.query == original.query == NASTY
        expected, received = v3_expected_authorization(
            "POST",
            "/",
            replayed.query,
            replayed.headers,
            replayed.body,
            SECRET,
            replayed.header("authorization"),
        )
        assert received == expected
        assert replayed.header("x-acs-signature-nonce") != original.header("x-acs-signature-nonce")
    else:
        assert replayed.form == original.form == NASTY
        params = replayed.all_params
        assert params["Signature"] == v1_expected_signature("POST", params, SECRET)
        assert params["SecurityToken"] == TOKEN
        assert params["SignatureNonce"] != original.query["SignatureNonce"]


def test_replay_applies_a_wrong_signature(server: RecordingServer) -> None:
    config = TargetConfig(server.url, credentials=CREDS, retries=0)
    ex = Target(config).import_key_pair(NASTY, tamper=Tamper(wrong_signature=True))
    result = run_replay(command_for(ex, config), CREDS)
    assert result.returncode == 0, result.stderr
    replayed = server.last.query
    assert replayed["Signature"] != v1_expected_signature("GET", replayed, SECRET)


def test_replay_main_reports_transport_errors_and_usage_errors(
    refused_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
    assert replay.main(["--target", refused_url, "--action", "ImportKeyPair", "--param", "RegionId=x"]) == 1
    out = capsys.readouterr().out
    assert "transport error" in out and refused_url in out and SECRET not in out
    assert replay.main(["--target", "not a url", "--action", "A"]) == 2
    monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_ID")
    assert replay.main(["--target", refused_url, "--action", "A", "--wrong-signature"]) == 2
