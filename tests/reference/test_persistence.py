"""--state FILE: key pairs survive restarts, and a kill -9 at any moment never leaves a torn file."""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conformance import contract
from conformance.reference import start_server
from conformance.reference.store import StateFileError, load_state_file

from .rawhttp import call

REGION = contract.DEFAULT_REGION


def _import(url: str, name: str, body: str, **extra: str) -> int:
    params = {
        "Action": contract.ACTION_IMPORT,
        "RegionId": REGION,
        "KeyPairName": name,
        "PublicKeyBody": body,
    }
    return call(url, {**params, **extra}).status


def _names(url: str) -> list[str]:
    listed = call(url, {"Action": contract.ACTION_DESCRIBE, "RegionId": REGION, "PageSize": "50"}).json()
    return [kp["KeyPairName"] for kp in listed["KeyPairs"]["KeyPair"]]


def test_state_survives_restart(tmp_path: Path, rsa_pub: str) -> None:
    state = tmp_path / "state.json"
    with start_server(state_file=str(state)) as server:
        assert _import(server.url, "p1", rsa_pub, **{"Tag.1.Key": "k", "Tag.1.Value": "v"}) == 200
        assert _import(server.url, "p2", rsa_pub) == 200
        assert _import(server.url, "p3", rsa_pub) == 200
        call(server.url, {"Action": contract.ACTION_DELETE, "RegionId": REGION, "KeyPairNames": '["p2"]'})
        before = call(server.url, {"Action": contract.ACTION_DESCRIBE, "RegionId": REGION}).json()
    assert {kp.name for kp in load_state_file(str(state))} == {"p1", "p3"}
    with start_server(state_file=str(state)) as server:
        after = call(server.url, {"Action": contract.ACTION_DESCRIBE, "RegionId": REGION}).json()
        assert after["KeyPairs"] == before["KeyPairs"]
        assert _import(server.url, "p1", rsa_pub) == contract.KEY_PAIR_ALREADY_EXISTS.status
        assert _import(server.url, "p2", rsa_pub) == 200
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_unreadable_state_file_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text('{"version": 1, "key_pairs": [')
    with pytest.raises(StateFileError):
        start_server(state_file=str(state))
    state.write_text('{"something": "else"}')
    with pytest.raises(StateFileError):
        start_server(state_file=str(state))
    result = subprocess.run(
        [sys.executable, "-m", "conformance.reference", "--port", "0", "--state", str(state)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "state file" in result.stderr


def _spawn(state: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "conformance.reference", "--port", "0", "--state", str(state), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line.startswith("listening on http://127.0.0.1:"), line
    return proc, line.removeprefix("listening on ")


def test_kill_9_never_leaves_a_torn_state(tmp_path: Path, rsa_pub: str) -> None:
    state = tmp_path / "state.json"
    rng = random.Random(4716)
    acknowledged: set[str] = set()
    deleted_ack: set[str] = set()
    delete_sent: set[str] = set()  # a delete cut off by the kill may or may not have been applied
    lock = threading.Lock()
    for round_ in range(6):
        proc, url = _spawn(state)
        stop = threading.Event()

        def hammer(worker: int, url: str = url, round_: int = round_, stop: threading.Event = stop) -> None:
            i = 0
            while not stop.is_set():
                name = f"r{round_}w{worker}n{i}"
                i += 1
                try:
                    if _import(url, name, rsa_pub) == 200:
                        with lock:
                            acknowledged.add(name)
                    if i % 3 == 0:
                        victim = f"r{round_}w{worker}n{i - 2}"
                        params = {"Action": contract.ACTION_DELETE, "RegionId": REGION}
                        with lock:
                            delete_sent.add(victim)
                        if call(url, {**params, "KeyPairNames": json.dumps([victim])}).status == 200:
                            with lock:
                                deleted_ack.add(victim)
                except (OSError, http.client.HTTPException):
                    return  # the server was killed under us

        threads = [threading.Thread(target=hammer, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.05, 0.6))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        stop.set()
        for t in threads:
            t.join(30)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()
        proc.stderr.close()
        # The file parses, and everything acknowledged is in it (answers follow the write).
        on_disk = {kp.name for kp in load_state_file(str(state))}
        with lock:
            assert (acknowledged - delete_sent) <= on_disk, sorted((acknowledged - delete_sent) - on_disk)
            assert not (deleted_ack & on_disk)
    assert acknowledged
    # A restarted server serves exactly the file's state.
    proc, url = _spawn(state)
    try:
        served = set(_names(url)) if len(load_state_file(str(state))) <= 50 else None
        if served is not None:
            assert served == {kp.name for kp in load_state_file(str(state))}
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()
        proc.stderr.close()


def test_failed_write_is_not_acknowledged_and_not_kept(
    tmp_path: Path, rsa_pub: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conformance.reference import store

    state = tmp_path / "state.json"
    real_write = store.write_state_file
    with start_server(state_file=str(state)) as server:
        assert _import(server.url, "w1", rsa_pub) == 200

        def full_disk(path: str, pairs: object) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(store, "write_state_file", full_disk)
        assert _import(server.url, "w2", rsa_pub) == contract.INTERNAL_ERROR.status
        monkeypatch.setattr(store, "write_state_file", real_write)
        assert _names(server.url) == ["w1"]
        assert _import(server.url, "w2", rsa_pub) == 200
    assert {kp.name for kp in load_state_file(str(state))} == {"w1", "w2"}
