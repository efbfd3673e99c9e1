"""The reference server as a child process: what the suite starts when it has no ``--target``.

In a child process the server's work (decoding, signature checks, key parsing) runs on its
own core instead of taking turns with the suite under one interpreter lock, and the suite
can keep several requests in flight. ``spawn_server`` runs ``python -m conformance.reference``
on a free loopback port, hands it the access keys through the environment (never on a
command line a process listing shows), waits for its ``listening on URL`` line and returns
a handle whose ``close()`` stops it. The child has its own session, so a Ctrl-C in the
terminal reaches the suite (which still sweeps its key pairs) and not the server.

No orphans: the child is told its parent's pid (``PARENT_PID_ENV``) and stops within half a
second of that parent going away, however it went (SIGTERM from a CI timeout, SIGKILL, a
crash): an orphan is re-parented, so ``os.getppid()`` no longer gives that pid. Polling the
parent works on every POSIX system, where Linux's ``PR_SET_PDEATHSIG`` would fire when the
*thread* that started the child exits, which need not be the end of the run.
"""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from types import TracebackType

# ``ID:SECRET[,ID:SECRET...]``: access keys the server reads from its environment, like
# ``--access-key`` but invisible in a process listing.
ACCESS_KEY_ENV = "IKP_REFERENCE_ACCESS_KEYS"
# The pid of the process the server must not outlive (set by ``spawn_server``).
PARENT_PID_ENV = "IKP_REFERENCE_PARENT_PID"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0
_LISTENING = re.compile(r"^listening on (http://\S+)$")


class ServerProcessError(RuntimeError):
    """The child server did not start (its stderr's last lines are in the message)."""


class ServerProcess:
    """A running child reference server: ``url``, and ``close()`` to stop it."""

    def __init__(
        self, process: subprocess.Popen[str], url: str, log: tempfile._TemporaryFileWrapper[str]
    ) -> None:
        self.process = process
        self.url = url
        self._log = log

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after STOP_TIMEOUT seconds). Idempotent."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_tail(self, lines: int = 20) -> str:
        """The last lines the server wrote to its stderr."""
        self._log.seek(0)
        return "".join(self._log.readlines()[-lines:])

    def close(self) -> None:
        """``stop``, then let go of its pipe and its log. Idempotent."""
        self.stop()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._log.close()


def parent_to_follow() -> int | None:
    """The pid this server must stop with (``PARENT_PID_ENV``), or None when run on its own."""
    value = os.environ.get(PARENT_PID_ENV, "")
    return int(value) if value.isdigit() else None


def parent_gone(parent: int | None) -> bool:
    """Whether the process ``parent`` that started this server is gone (never, for None)."""
    return parent is not None and os.getppid() != parent


def spawn_server(
    *, access_keys: Mapping[str, str] | None = None, args: Sequence[str] = (), timeout: float = START_TIMEOUT
) -> ServerProcess:
    """Start ``python -m conformance.reference --port 0 *args`` and wait for it to listen."""
    env = dict(os.environ)
    env.pop(ACCESS_KEY_ENV, None)
    env[PARENT_PID_ENV] = str(os.getpid())
    if access_keys:
        env[ACCESS_KEY_ENV] = ",".join(f"{key_id}:{secret}" for key_id, secret in access_keys.items())
    log = tempfile.NamedTemporaryFile("w+", prefix="ikp-reference-", suffix=".log")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance.reference", "--host", "127.0.0.1", "--port", "0", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=log,
        env=env,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    line = ""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while not line and (left := deadline - time.monotonic()) > 0:
            if selector.select(left):
                line = process.stdout.readline() or "<no output: the server exited>"
    match = _LISTENING.match(line.strip())
    handle = ServerProcess(process, match.group(1) if match else "", log)
    if match is None:
        handle.stop()
        log_text = handle.log_tail()
        handle.close()
        raise ServerProcessError(
            f"the reference server did not start within {timeout:g} s: {line.strip() or 'no output'}"
            + (f"\n{log_text}" if log_text else "")
        )
    return handle
