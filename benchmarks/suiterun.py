"""Running the conformance suite against a reference server, for the benchmarks and their tests.

The one place that knows how to start ``python -m conformance.reference --port 0 [--fault F |
--variant V]`` in a subprocess (``start_reference``, always killed afterwards) and how to run
the WHOLE suite against a URL in another subprocess (``run_suite``: signing credentials only
through the environment, ``--hypothesis-seed`` when given, results.json read back), plus small
readers of a run's results. ``mutation.py`` (faults and variants) and ``soundness.py`` (legal
servers under many seeds) are built on it; ``tests/mutation`` and ``tests/suite`` load it
through ``tests/mutation/bench.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

ACCESS_KEY = ("ikpmutation0001", "mutation-benchmark-secret")
SERVER_START_SECONDS = 30.0
RUN_TIMEOUT_SECONDS = 900.0
CONFORMANT = "conformant"
NOT_CONFORMANT = "not conformant"


_LIVE: set[subprocess.Popen[str]] = set()  # servers started and not yet closed
_LIVE_LOCK = threading.Lock()


def kill_live_servers() -> None:
    """Kill every reference server this process started and has not closed yet."""
    with _LIVE_LOCK:
        live = list(_LIVE)
    for process in live:
        with contextlib.suppress(OSError):
            process.kill()


class SuiteRunError(RuntimeError):
    """The suite run produced no results.json (a crash or a timeout)."""


@dataclass
class Reference:
    """A reference server in a subprocess; ``close()`` always kills it."""

    process: subprocess.Popen[str]
    url: str

    def close(self) -> None:
        with _LIVE_LOCK:
            _LIVE.discard(self.process)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.process.stdout is not None:
            self.process.stdout.close()


_Item = TypeVar("_Item")
_Result = TypeVar("_Result")


def run_all(
    items: Sequence[_Item], run: Callable[[_Item], _Result], line: Callable[[_Result], str], jobs: int
) -> list[_Result]:
    """``run`` over ``items`` with ``jobs`` in parallel, printing ``[i/n] line(result)`` as each
    ends; every reference server started is killed at the end, and on SIGTERM."""

    def _terminate(signum: int, frame: object) -> None:
        kill_live_servers()
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, _terminate)
    done = 0
    lock = threading.Lock()

    def job(item: _Item) -> _Result:
        nonlocal done
        result = run(item)
        with lock:
            done += 1
            print(f"[{done}/{len(items)}] {line(result)}", flush=True)
        return result

    try:
        with ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool:
            return list(pool.map(job, items))
    finally:
        kill_live_servers()


@contextlib.contextmanager
def start_reference(
    *,
    fault: str | None = None,
    variant: str | None = None,
    access_key: tuple[str, str] | None = ACCESS_KEY,
    timeout: float = SERVER_START_SECONDS,
) -> Iterator[Reference]:
    """``python -m conformance.reference --port 0 ...`` in a subprocess; yields it once it
    printed ``listening on URL``; kills it on exit."""
    cmd = [sys.executable, "-m", "conformance.reference", "--port", "0"]
    if access_key is not None:
        cmd += ["--access-key", f"{access_key[0]}:{access_key[1]}"]
    if fault:
        cmd += ["--fault", fault]
    if variant:
        cmd += ["--variant", variant]
    # Same process group: a Ctrl-C reaches the servers too; SIGTERM to main() kills _LIVE.
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    with _LIVE_LOCK:
        _LIVE.add(process)
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(process.stdout.readline() if process.stdout else ""))
    reader.daemon = True
    reader.start()
    reader.join(timeout)
    server = Reference(process, "")
    try:
        first = line[0].strip() if line else ""
        if not first.startswith("listening on "):
            raise SuiteRunError(f"reference server did not start ({' '.join(cmd[3:])}): {first!r}")
        server.url = first.removeprefix("listening on ")
        yield server
    finally:
        server.close()


def run_suite(
    target: str | None,
    report_dir: Path,
    *,
    select: str | None = None,
    stop_first: bool = False,
    strict_messages: bool = False,
    resource_group: str | None = None,
    credentials: tuple[str, str] | None = None,
    profile: str = "quick",
    seed: int | None = None,
    extra: Sequence[str] = (),
    cwd: Path | None = None,
    timeout: float = RUN_TIMEOUT_SECONDS,
) -> dict[str, Any]:
    """Run the conformance suite against ``target`` in a subprocess; return its results.json,
    plus ``_exit`` (pytest's exit code), ``_stdout`` and ``_seconds`` (wall time).

    Credentials go only through the environment (``ALIBABA_CLOUD_ACCESS_KEY_ID``/``SECRET``);
    without them the run is unsigned. ``seed`` fixes Hypothesis' seed (``--hypothesis-seed``);
    without it the suite draws one. Raises ``SuiteRunError`` when no results.json appears."""
    cmd = [
        sys.executable, "-m", "pytest", "--pyargs", "conformance",
        f"--hypothesis-profile={profile}", f"--report-dir={report_dir}", "-p", "no:cacheprovider",
        "-p", "no:randomly", "-q",
    ]  # fmt: skip
    if select:
        cmd += ["-k", select]
    if target is not None:  # None: the suite starts its bundled server
        cmd.append(f"--target={target}")
    if seed is not None:
        cmd.append(f"--hypothesis-seed={seed}")
    if stop_first:
        cmd.append("-x")
    if strict_messages:
        cmd.append("--strict-messages")
    if resource_group:
        cmd.append(f"--resource-group={resource_group}")
    cmd += list(extra)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "IKP_"))}
    if credentials is not None:
        env["ALIBABA_CLOUD_ACCESS_KEY_ID"], env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = credentials
    workdir = cwd or report_dir.parent
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        proc = subprocess.run(
            cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
        stdout, code = proc.stdout + proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        raise SuiteRunError(f"suite run timed out after {timeout:.0f}s:\n{out[-3000:]}") from None
    seconds = time.monotonic() - started
    results = report_dir / "results.json"
    if not results.exists():
        raise SuiteRunError(f"no results.json (exit {code}); pytest said:\n{stdout[-4000:]}")
    data: dict[str, Any] = json.loads(results.read_text())
    data["_exit"], data["_stdout"], data["_seconds"] = code, stdout, seconds
    return data


def statuses(results: dict[str, Any]) -> dict[str, str]:
    """Requirement ID -> status (PASS, FAIL, ERROR, ...) of one run's results.json."""
    return {row["id"]: row["status"] for row in results["requirements"]}


def failed_requirements(results: dict[str, Any]) -> list[str]:
    return [req for req, status in statuses(results).items() if status == "FAIL"]


def first_failure(results: dict[str, Any]) -> tuple[str, str]:
    """(requirement, test id) of the first FAIL recorded."""
    for failure in results.get("failures", []):
        if failure.get("status") == "FAIL":
            return str(failure.get("requirement")), str(failure.get("test_id"))
    return "", ""


def first_reasons(results: dict[str, Any], width: int = 300) -> dict[str, str]:
    """Requirement ID -> the first reason recorded for it, for every FAIL or ERROR of a run."""
    reasons: dict[str, str] = {}
    for failure in results.get("failures", []):
        if failure.get("status") in ("FAIL", "ERROR"):
            reasons.setdefault(
                str(failure.get("requirement")), " ".join(str(failure.get("reason")).split())[:width]
            )
    for req, status in statuses(results).items():
        if status in ("FAIL", "ERROR"):
            reasons.setdefault(req, f"{status} (no failure recorded)")
    return reasons
