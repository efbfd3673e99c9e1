"""Live differential runs (``--compare-with URL``, ``conformance/cassettes/mirror.py``): the suite
against the bundled server with a second, live reference server as its mirror, in subprocesses
as a user runs it (a slice of the suite, ``example.SELECTION``, seed 1, profile quick).

A clean mirror shows no divergence and keeps none of the run's key pairs; a faulty one
diverges (and fails the run with ``--fail-on-divergence``); a mirror that accepts connections
and never answers is given up after a few requests, the run ends in bounded time with one
line saying so. The mirror's credentials show nowhere. Without a server: the option's
parsing, ``mirror_of``, giving up, and a sweep that deletes only names under the run prefix.
"""

from __future__ import annotations

import gc
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from conformance import contract
from conformance.cassettes import example
from conformance.cassettes.mirror import GIVE_UP, Mirror, MirrorSpec, is_live, parse_source
from conformance.reference import start_server
from conformance.target import Call, Credentials, Target, TargetConfig
from reports.render import SCHEMA_PATH

from .usage import usage as usage_error

KEY_ID, SECRET = "LTAImirrorKey0000001", "mirror-secret-Pl4nted/+=value"
PREFIX = "ikp0123abcd-"


@dataclass
class Run:
    code: int
    output: str
    results: dict[str, Any]
    seconds: float


def _run(workdir: Path, *options: str, signed: bool = False) -> Run:
    workdir.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "IKP_"))}
    env["HYPOTHESIS_STORAGE_DIRECTORY"] = str(workdir / "hypothesis")
    if signed:  # the mirror's credentials (the run's own target is the bundled server)
        env.update(ALIBABA_CLOUD_ACCESS_KEY_ID=KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET=SECRET)
    cmd = [
        sys.executable, "-m", "pytest", "--pyargs", "conformance", "-q", "-p", "no:cacheprovider",
        "-p", "no:randomly", "-p", "no:xdist", f"--hypothesis-seed={example.SEED}",
        f"--hypothesis-profile={example.PROFILE}", "-k", example.SELECTION,
        f"--report-dir={workdir / 'out'}", *options,
    ]  # fmt: skip
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=300)
    seconds = time.monotonic() - started
    output = proc.stdout + proc.stderr
    results = workdir / "out" / "results.json"
    assert results.exists(), output[-4000:]
    return Run(proc.returncode, output, json.loads(results.read_text(encoding="utf-8")), seconds)


def test_a_live_reference_mirror_shows_no_divergence_and_keeps_nothing(tmp_path: Path) -> None:
    cassette = tmp_path / "run.cassette.json"
    with start_server(access_keys={KEY_ID: SECRET}) as mirror:
        run = _run(
            tmp_path / "clean",
            f"--compare-with={mirror.url}",
            f"--record={cassette}",
            "--fail-on-divergence",
            signed=True,
        )
        left = mirror.store.all()
    assert run.code in (0, 1), run.output[-3000:]  # a slice leaves requirements NOT COVERED
    assert run.results["statistics"]["failures"] == 0
    assert run.results["divergences"] == [], run.results["divergences"][:3]
    comparison = run.results["comparison"]
    assert comparison["compared"] > 50 and comparison["uncompared"] == []
    assert comparison["cassette"] == mirror.url
    assert comparison["mirror"]["swept"] and comparison["mirror"]["left"] == []
    assert comparison["mirror"]["stopped"] is None and comparison["mirror"]["not_mirrored"] == 0
    assert left == [], [kp.name for kp in left]  # the run's cleanup reached the mirror too
    assert f"divergences from mirror {mirror.url}: 0" in run.output
    # The mirror's answers are judged as the run's are: one behaviour profile on each side.
    assert comparison["profile"] and all(row["same"] is True for row in comparison["profile"])
    jsonschema.validate(run.results, json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    # --record keeps recording the run's own target.
    recorded = json.loads(cassette.read_text(encoding="utf-8"))
    assert recorded["target"] != mirror.url and len(recorded["entries"]) > 10
    # The mirror's credentials show nowhere.
    text = run.output + json.dumps(run.results) + (tmp_path / "clean" / "out" / "report.html").read_text()
    for secret in (KEY_ID, SECRET, SECRET.replace("/", "%2F")):
        assert secret not in text, secret


def test_the_word_reference_starts_a_bundled_mirror(tmp_path: Path) -> None:
    run = _run(tmp_path / "reference", "--compare-with=reference")
    assert run.results["divergences"] == [] and run.results["comparison"]["compared"] > 50
    assert run.results["comparison"]["cassette"].startswith("http://127.0.0.1:")
    faulty = _run(tmp_path / "fault", "--compare-with=reference:fault=errors-with-200")
    assert faulty.results["divergences"]


def test_a_faulty_mirror_diverges(tmp_path: Path) -> None:
    with start_server(fault="errors-with-200") as mirror:
        run = _run(tmp_path / "faulty", f"--compare-with={mirror.url}", "--fail-on-divergence")
        left = mirror.store.all()
    divergences = run.results["divergences"]
    assert divergences, run.output[-3000:]
    assert run.results["statistics"]["failures"] == 0  # the run's own target is conformant
    assert any(d["cassette"]["status"] == 200 and "status" in d["aspects"] for d in divergences)
    assert run.results["comparison"]["divergent"] == len(divergences)
    assert run.code == 1  # --fail-on-divergence
    # The mirror's errors with 200 fail its verdicts, named by the requirement they break.
    assert "IKP-T4" in run.results["comparison"]["requirements"]
    failed = [d for d in divergences if "verdict" in d["aspects"]]
    assert failed and all(d["cassette"]["verdict"]["status"] == "FAIL" for d in failed)
    report = (tmp_path / "faulty" / "out" / "report.html").read_text(encoding="utf-8")
    assert f"Divergences from the mirror ({len(divergences)})" in report
    prefix = run.results["meta"]["name_prefix"]
    assert [kp.name for kp in left if kp.name.startswith(prefix)] == []


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A socket that accepts every connection and never answers."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()


def test_a_silent_mirror_is_given_up_in_bounded_time(tmp_path: Path, silent_url: str) -> None:
    run = _run(tmp_path / "silent", f"--compare-with={silent_url}", "--request-timeout=1")
    assert run.seconds < 90, run.seconds
    assert "Traceback" not in run.output, run.output[-3000:]
    assert run.results["statistics"]["failures"] == 0
    lines = [line for line in run.output.splitlines() if line.startswith("mirror: stopped mirroring")]
    assert len(lines) == 1 and f"{GIVE_UP} requests in a row" in lines[0], run.output[-3000:]
    mirror = run.results["comparison"]["mirror"]
    assert mirror["stopped"] and mirror["not_mirrored"] > 0 and not mirror["swept"]
    assert all(not d["cassette"]["answered"] for d in run.results["divergences"])


def test_fail_on_divergence_fails_a_comparison_that_could_not_be_made() -> None:
    """A regression gate must not pass because the other side was never asked: a mirror that
    did not start, or was given up, counts as diverged (``plugin.diverged``)."""
    from types import SimpleNamespace

    from conformance.cassettes import plugin
    from conformance.cassettes.compare import Comparison

    def config(**stash: object) -> Any:
        out = SimpleNamespace(stash=pytest.Stash())
        for key, value in stash.items():
            out.stash[getattr(plugin, key)] = value
        return out

    clean = Comparison(source="http://127.0.0.1:1", header={})
    assert not plugin.diverged(config(COMPARISON_KEY=clean))
    assert plugin.diverged(config(COMPARISON_KEY=clean, MIRROR_PROBLEM_KEY="it did not start"))
    assert plugin.diverged(config(COMPARISON_KEY=clean, MIRROR_KEY=SimpleNamespace(stopped="silent")))
    assert not plugin.diverged(config(COMPARISON_KEY=clean, MIRROR_KEY=SimpleNamespace(stopped=None)))
    clean.divergences.append({"requirements": ["IKP-T4"]})
    assert plugin.diverged(config(COMPARISON_KEY=clean))


def test_usage_errors(tmp_path: Path) -> None:
    def usage(*options: str) -> str:
        return usage_error(tmp_path, *options)

    assert "run without -n" in usage("-n", "2", "--compare-with=reference")
    assert "unknown reference fault" in usage("--compare-with=reference:fault=no-such-fault")
    assert "unknown reference variant" in usage("--compare-with=reference:no-such-variant")
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    assert "mirror" in usage(f"--compare-with=http://127.0.0.1:{port}")  # nothing listens there
    assert "must not carry credentials" in usage("--compare-with=http://user:pw@127.0.0.1:1")


# -- without a subprocess ------------------------------------------------------------------------


def test_the_option_names_a_url_a_reference_server_or_a_file() -> None:
    assert is_live("http://127.0.0.1:8080") and is_live("https://ecs.example") and is_live("reference")
    assert is_live("reference:lenient") and not is_live("mock.cassette.json") and not is_live("./reference")
    assert parse_source("http://127.0.0.1:1/x") == MirrorSpec(url="http://127.0.0.1:1/x")
    assert parse_source("reference") == MirrorSpec()
    assert parse_source("reference:lenient") == MirrorSpec(variant="lenient")
    assert parse_source("reference:variant=lenient") == MirrorSpec(variant="lenient")
    assert parse_source("reference:fault=errors-with-200") == MirrorSpec(fault="errors-with-200")
    for bad in ("reference:fault=nope", "reference:nope", "reference:colour=red", "http://a@b/"):
        with pytest.raises(ValueError):
            parse_source(bad)


def _public_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def _import(target: Target, name: str) -> None:
    exchange = target.import_key_pair(
        {"RegionId": contract.DEFAULT_REGION, "KeyPairName": name, "PublicKeyBody": _public_key()}
    )
    assert exchange.status == 200, exchange.response_text


def test_mirror_of_pairs_each_main_exchange_with_the_mirrors() -> None:
    with start_server() as main_server, start_server() as mirror_server:
        main = Target(TargetConfig(main_server.url, timeout=5))
        mirror = Mirror(Target(TargetConfig(mirror_server.url, timeout=5)), PREFIX, source=mirror_server.url)
        args = (contract.ACTION_DESCRIBE, {"RegionId": contract.DEFAULT_REGION})
        ours = main.call(*args)
        mirror.call(ours, args, {}, "t.py::test", raced=False)
        theirs = mirror.mirror_of(ours)
        assert theirs is not None and theirs is not ours and theirs.status == 200
        assert mirror.mirror_of(main.call(*args)) is None  # not mirrored
        calls = [Call(*args), Call(*args)]
        many = main.call_many(calls)
        mirror.call_many(many, calls, "t.py::test")
        assert all(mirror.mirror_of(e) is not None for e in many)
        assert mirror.mirrored == 3 and len(mirror.recorder.cassette.keys) == 1
        del ours, many
        gc.collect()
        assert mirror._pairs == {}  # a pair lives as long as its main exchange
        main.close()
        mirror.close()


def test_an_unsigned_mirror_skips_what_it_cannot_sign() -> None:
    with start_server() as server:
        mirror = Mirror(Target(TargetConfig(server.url, timeout=5)), PREFIX, source=server.url)
        main_kw = {"sign": True}
        fake = Target(TargetConfig(server.url, timeout=5)).call(contract.ACTION_DESCRIBE, {"RegionId": "x"})
        mirror.call(fake, (contract.ACTION_DESCRIBE, {"RegionId": "x"}), main_kw, "t.py::test", raced=False)
        assert mirror.unsendable == 1 and mirror.mirrored == 0 and mirror.mirror_of(fake) is None
        assert mirror.lines()[:1] == [
            "mirror: 1 requests not sent to it (a signed request needs credentials "
            "(ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET))"
        ]
        mirror.close()


def test_a_mirror_without_answers_is_given_up(silent_url: str) -> None:
    mirror = Mirror(Target(TargetConfig(silent_url, timeout=0.3)), PREFIX, source=silent_url)
    with start_server() as server:
        main = Target(TargetConfig(server.url, timeout=5))
        args = (contract.ACTION_DESCRIBE, {"RegionId": contract.DEFAULT_REGION})
        for _ in range(GIVE_UP + 3):
            mirror.call(main.call(*args), args, {}, "t.py::test", raced=False)
        main.close()
    assert mirror.mirrored == GIVE_UP and mirror.not_mirrored == 3
    assert mirror.stopped is not None and "in a row" in mirror.stopped
    mirror.sweep()  # sends nothing to a mirror given up
    assert not mirror.swept and any("not swept" in line for line in mirror.lines())
    mirror.close()


def test_the_sweep_deletes_only_names_under_the_run_prefix() -> None:
    with start_server() as server:
        target = Target(TargetConfig(server.url, timeout=5))
        for name in (f"{PREFIX}a", f"{PREFIX}b", "someone-else", f"x{PREFIX}c", PREFIX.upper() + "d"):
            _import(target, name)
        mirror = Mirror(target, PREFIX, source=server.url)
        # A name the mirror alone created without the prefix: reported, never deleted.
        ours = target.call(contract.ACTION_DESCRIBE, {"RegionId": contract.DEFAULT_REGION})
        params = {
            "RegionId": contract.DEFAULT_REGION,
            "KeyPairName": "mirror-only",
            "PublicKeyBody": _public_key(),
        }
        mirror.call(ours, (contract.ACTION_IMPORT, params), {}, "t.py::test", raced=False)
        mirror.sweep()
        kept = sorted(kp.name for kp in server.store.all())
        mirror.close()
    assert kept == sorted([PREFIX.upper() + "d", "mirror-only", "someone-else", f"x{PREFIX}c"])
    assert mirror.swept
    assert mirror.left == [
        {
            "region": contract.DEFAULT_REGION,
            "name": "mirror-only",
            "why": "created on the mirror only, without the run prefix",
        }
    ]


def test_credentials_of_a_url_mirror_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.cassettes.mirror import open_mirror

    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
    main = TargetConfig("http://127.0.0.1:1", region="r1", other_region="r2", resource_group="rg", timeout=3)
    mirror = open_mirror(MirrorSpec(url="http://127.0.0.1:2/path"), main, PREFIX)
    config = mirror.target.config
    assert config.credentials == Credentials(KEY_ID, SECRET, None)
    assert (config.region, config.other_region, config.resource_group, config.timeout) == (
        "r1",
        "r2",
        "rg",
        3,
    )
    assert mirror.source == "http://127.0.0.1:2/path" and KEY_ID not in repr(mirror.summary())
    mirror.close()


class _NoExtendedOperations(http.server.BaseHTTPRequestHandler):
    """Answers every request as a mock without DescribeKeyPairs does."""

    def do_GET(self) -> None:
        body = b'{"Code":"InvalidAction.NotFound","Message":"no such action","RequestId":"r"}'
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_mirror_without_describe_is_not_swept_and_says_why() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NoExtendedOperations)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        mirror = Mirror(Target(TargetConfig(url, timeout=5)), PREFIX, source=url)
        mirror.sweep()
        mirror.close()
    finally:
        server.shutdown()
        server.server_close()
    assert not mirror.swept
    lines = [line for line in mirror.lines() if "may be left" in line]
    assert len(lines) == 1 and "DescribeKeyPairs answered 404 InvalidAction.NotFound" in lines[0], lines
