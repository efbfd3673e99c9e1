"""spawn_server: the reference server as the suite's child process (conformance/reference/process.py)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance import contract
from conformance.reference.process import ACCESS_KEY_ENV, ServerProcessError, spawn_server
from conformance.target import Credentials, Target, TargetConfig

from .rawhttp import call

REGION = contract.DEFAULT_REGION
KEY_ID, SECRET = "idchild0001", "secret-child-0001"


def test_child_serves_checks_signatures_and_stops() -> None:
    with spawn_server(access_keys={KEY_ID: SECRET}) as child:
        assert child.url.startswith("http://127.0.0.1:")
        unsigned = call(child.url, {"Action": contract.ACTION_DESCRIBE, "RegionId": REGION})
        assert unsigned.json()["Code"] == contract.MISSING_PARAMETER.code  # no AccessKeyId
        target = Target(TargetConfig(child.url, credentials=Credentials(KEY_ID, SECRET)))
        signed = target.describe_key_pairs(REGION)
        assert signed.status == 200 and signed.field("TotalCount") == "0"
        target.close()
        # The secret travels in the child's environment, never on its command line.
        cmdline = Path(f"/proc/{child.process.pid}/cmdline").read_bytes().decode()
        assert SECRET not in cmdline and KEY_ID not in cmdline
        environ = Path(f"/proc/{child.process.pid}/environ").read_bytes().decode()
        assert f"{ACCESS_KEY_ENV}={KEY_ID}:{SECRET}" in environ.split("\0")
        process = child.process
    assert process.returncode is not None  # stopped on leaving the block
    child.close()  # idempotent


def test_child_without_keys_accepts_unsigned_requests() -> None:
    with spawn_server() as child:
        reply = call(child.url, {"Action": contract.ACTION_DESCRIBE, "RegionId": REGION})
        assert reply.status == 200


def test_a_child_that_cannot_start_is_reported_with_its_stderr() -> None:
    with pytest.raises(ServerProcessError) as failure:
        spawn_server(args=["--fault", "no-such-fault"], timeout=20)
    assert "did not start" in str(failure.value) and "no-such-fault" in str(failure.value)


# A parent that starts the server as the suite does, prints the child's pid, and waits.
_PARENT = """
import sys, time
from conformance.reference.process import spawn_server
child = spawn_server()
print(child.process.pid, flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting for its reaper counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
def test_the_child_dies_with_its_parent(how: signal.Signals) -> None:
    """Killing the run that started the bundled server (a CI timeout's SIGTERM, a SIGKILL)
    leaves no server behind: the child is gone within 5 s (issue 14)."""
    parent = subprocess.Popen([sys.executable, "-c", _PARENT], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert _alive(child)
        parent.send_signal(how)
        parent.wait(5)
        deadline = time.monotonic() + 5
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(child), f"the reference server {child} outlived its parent ({how.name})"
    finally:
        parent.kill()
        parent.wait()
