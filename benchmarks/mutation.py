"""Mutation benchmark: what the conformance suite catches, and that it never fails a legal reading.

    python benchmarks/mutation.py [--profile quick] [--jobs 2] [--only NAME ...] [--json FILE]

For the clean reference server, each legal variant (``conformance/reference/variants.py``) and
each injected fault (``conformance/reference/faults.py``), it starts
``python -m conformance.reference --port 0 --access-key ID:SECRET [--fault F | --variant V]``,
runs the WHOLE conformance suite against it in a subprocess (``--strict-messages``, the
server's default resource group, the access key in the environment so that signatures,
IKP-X3, are exercised; ``-x`` for faults, to stop at the first failure), reads results.json,
and prints:

- soundness: the clean server and the variants certified *conformant* / total;
- detection: the faults judged *not conformant* with a requirement FAILed / total;
- per fault, the time to detection and the requirement(s) that caught it;
- the faults that survived.

Runs in parallel (``--jobs``); every run has a timeout and every server is killed. Prints
figures; asserts nothing. ``run_suite`` and ``start_reference`` are also what
``tests/mutation`` and ``tests/suite/test_detects_breakage.py`` use to run the suite (the
tests narrow each fault's run to the tests named by ``Fault.select``; this script does not).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from conformance import contract
from conformance.reference.faults import FAULT_LIST
from conformance.reference.variants import VARIANT_LIST

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
    target: str,
    report_dir: Path,
    *,
    select: str | None = None,
    stop_first: bool = False,
    strict_messages: bool = False,
    resource_group: str | None = None,
    credentials: tuple[str, str] | None = None,
    profile: str = "quick",
    extra: Sequence[str] = (),
    cwd: Path | None = None,
    timeout: float = RUN_TIMEOUT_SECONDS,
) -> dict[str, Any]:
    """Run the conformance suite against ``target`` in a subprocess; return its results.json,
    plus ``_exit`` (pytest's exit code), ``_stdout`` and ``_seconds`` (wall time).

    Credentials go only through the environment (``ALIBABA_CLOUD_ACCESS_KEY_ID``/``SECRET``);
    without them the run is unsigned. Raises ``SuiteRunError`` when no results.json appears."""
    cmd = [
        sys.executable, "-m", "pytest", "--pyargs", "conformance", f"--target={target}",
        f"--hypothesis-profile={profile}", f"--report-dir={report_dir}", "-p", "no:cacheprovider",
        "-p", "no:randomly", "-q",
    ]  # fmt: skip
    if select:
        cmd += ["-k", select]
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


# -- one run -----------------------------------------------------------------------------------


@dataclass
class Outcome:
    """One server configuration's run and what it showed."""

    kind: str  # clean | variant | fault
    name: str
    requirements: tuple[str, ...]  # what a fault breaks / the Profile point a variant reads
    verdict: str = ""
    seconds: float = 0.0
    failed: list[str] = field(default_factory=list)
    caught_by: str = ""
    caught_in: str = ""
    problems: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        """A clean server or a variant certified conformant; a fault judged not conformant."""
        if self.error:
            return False
        if self.kind == "fault":
            return self.verdict == NOT_CONFORMANT and bool(self.failed)
        return self.verdict == CONFORMANT


def run_one(
    kind: str, name: str, requirements: tuple[str, ...], profile: str, select: str | None = None
) -> Outcome:
    """Start the server for (kind, name), run the suite against it, summarise the results."""
    outcome = Outcome(kind, name, requirements)
    with tempfile.TemporaryDirectory(prefix=f"ikp-mutation-{name}-") as tmp:
        try:
            with start_reference(
                fault=name if kind == "fault" else None, variant=name if kind == "variant" else None
            ) as server:
                results = run_suite(
                    server.url,
                    Path(tmp) / "out",
                    select=select,
                    stop_first=kind == "fault",
                    strict_messages=True,
                    resource_group=contract.DEFAULT_RESOURCE_GROUP,
                    credentials=ACCESS_KEY,
                    profile=profile,
                )
        except SuiteRunError as exc:
            outcome.error = str(exc)
            return outcome
    outcome.verdict = results["verdict"]
    outcome.seconds = results["_seconds"]
    outcome.failed = failed_requirements(results)
    outcome.caught_by, outcome.caught_in = first_failure(results)
    named = [req for req in requirements if req in outcome.failed]
    if kind == "fault" and named and outcome.caught_by not in named:
        outcome.caught_by = named[0]  # the failure names several IDs; show the one the fault breaks
    outcome.problems = [
        f"{f.get('requirement')} {f.get('status')} in {f.get('test_id')}: {str(f.get('reason'))[:300]}"
        for f in results.get("failures", [])
    ][:5]
    return outcome


def plan(only: Sequence[str]) -> list[tuple[str, str, tuple[str, ...]]]:
    """Every run: the clean server, each variant, each fault (filtered by ``only``)."""
    runs: list[tuple[str, str, tuple[str, ...]]] = [("clean", "clean", ())]
    runs += [("variant", v.name, (v.reading,)) for v in VARIANT_LIST]
    runs += [("fault", f.name, f.breaks) for f in FAULT_LIST]
    if only:
        unknown = set(only) - {name for _, name, _ in runs}
        if unknown:
            raise SystemExit(f"unknown names: {', '.join(sorted(unknown))}")
        runs = [run for run in runs if run[1] in only]
    return runs


# -- the report --------------------------------------------------------------------------------


def report(outcomes: list[Outcome], profile: str, wall: float, jobs: int) -> None:
    legal = [o for o in outcomes if o.kind != "fault"]
    faults = [o for o in outcomes if o.kind == "fault"]
    print(f"\nmutation benchmark: hypothesis profile {profile}, {jobs} jobs, {wall:.0f}s wall")
    if legal:
        print("\nlegal servers (must be conformant):")
        for o in legal:
            mark = "ok  " if o.ok else "FAIL"
            what = o.error.splitlines()[0] if o.error else o.verdict
            reqs = " ".join(o.requirements)
            print(f"  {mark} {o.kind:<7} {o.name:<34} {what:<16} {o.seconds:6.1f}s  {reqs}")
            for problem in [] if o.ok else o.problems:
                print(f"         {problem}")
    if faults:
        print("\nfaults (must be caught; time to the first failure with -x):")
        for o in faults:
            mark = "caught " if o.ok else "SURVIVED"
            named = "" if set(o.requirements) & set(o.failed) else "  (not by the requirement it names)"
            if not o.ok:
                named = f"  {o.error.splitlines()[0] if o.error else o.verdict}"
            print(
                f"  {mark} {o.name:<32} breaks {','.join(o.requirements):<20} "
                f"{o.seconds:6.1f}s  caught by {o.caught_by or '-':<8} {o.caught_in}{named}"
            )
    print()
    if legal:
        sound = sum(o.ok for o in legal)
        print(f"soundness: {sound}/{len(legal)} legal servers conformant ({100 * sound / len(legal):.0f} %)")
    if faults:
        caught = [o for o in faults if o.ok]
        by_named = sum(bool(set(o.requirements) & set(o.failed)) for o in caught)
        share = 100 * len(caught) / len(faults)
        print(f"detection: {len(caught)}/{len(faults)} faults caught ({share:.0f} %), "
              f"{by_named} by the requirement they name")  # fmt: skip
        if caught:
            times = sorted(o.seconds for o in caught)
            print(
                f"time to detection: median {statistics.median(times):.1f}s, "
                f"max {times[-1]:.1f}s, total {sum(times):.0f}s"
            )
        survivors = [o.name for o in faults if not o.ok]
        print(f"surviving faults: {', '.join(survivors) if survivors else 'none'}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--profile", default="quick", help="Hypothesis profile of the suite runs (quick)")
    parser.add_argument("--jobs", type=int, default=2, help="runs in parallel (2)")
    parser.add_argument(
        "--only", nargs="+", default=(), metavar="NAME", help="only these runs (clean, variants, faults)"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the outcomes as JSON")
    args = parser.parse_args(argv)
    runs = plan(args.only)

    def _terminate(signum: int, frame: object) -> None:
        kill_live_servers()
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, _terminate)
    started = time.monotonic()
    done = 0
    lock = threading.Lock()

    def job(run: tuple[str, str, tuple[str, ...]]) -> Outcome:
        nonlocal done
        outcome = run_one(*run, profile=args.profile)
        with lock:
            done += 1
            state = "ok" if outcome.ok else "NOT OK"
            what = outcome.verdict or outcome.error[:80]
            line = f"[{done}/{len(runs)}] {outcome.kind} {outcome.name}: {what} ({outcome.seconds:.1f}s)"
            print(f"{line} {state}", flush=True)
        return outcome

    try:
        with ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
            outcomes = list(pool.map(job, runs))
    finally:
        kill_live_servers()
    wall = time.monotonic() - started
    report(outcomes, args.profile, wall, args.jobs)
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(o) for o in outcomes], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
