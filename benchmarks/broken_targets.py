"""Broken-targets benchmark: what a user sees on the first run against a new, mostly broken mock.

For each hostile kind of target (``hostile.HOSTILE``) and each profile asked for, the suite
runs once as a user would (``pytest --target=URL --hypothesis-profile=P --request-timeout 5``,
signed with throw-away credentials) in a subprocess, and this prints per run: the exit status,
the verdict, the wall time, the child's peak RSS (``wait4``), how many Python tracebacks the
terminal showed, whether report.html and results.json were written, and, for the redirect to
a thief, whether anything signed reached the thief. Loopback only (127.0.0.1, 127.0.0.2).

    python benchmarks/broken_targets.py                       # quick profile, every kind
    python benchmarks/broken_targets.py --profiles quick default --only huge-body
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hostile

CREDENTIALS = ("ikpbroken0001", "broken-targets-benchmark-secret")
RUN_TIMEOUT = 1800.0
_TRACEBACK = re.compile(r"Traceback \(most recent call last\)|Exception Group Traceback")


@dataclass
class Outcome:
    kind: str
    profile: str
    exit: int | None
    verdict: str
    seconds: float
    peak_rss_mb: float
    tracebacks: int
    report: bool
    stolen: list[str]
    last_line: str


def run_one(kind: str, profile: str, timeout: float = RUN_TIMEOUT) -> Outcome:
    """Start the hostile target ``kind``, run the suite against it once, measure."""
    _, start = hostile.HOSTILE[kind]
    running = start()
    with tempfile.TemporaryDirectory(prefix=f"ikp-broken-{kind}-") as tmp:
        out = Path(tmp) / "out"
        cmd = [
            sys.executable, "-m", "pytest", "--pyargs", "conformance", f"--target={running.url}",
            f"--hypothesis-profile={profile}", "--request-timeout", "5", f"--report-dir={out}",
            "-p", "no:cacheprovider", "-p", "no:randomly",
        ]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "IKP_"))}
        env["ALIBABA_CLOUD_ACCESS_KEY_ID"], env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = CREDENTIALS
        started = time.monotonic()
        output = tempfile.TemporaryFile("w+")  # noqa: SIM115
        proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdout=output, stderr=subprocess.STDOUT, text=True)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        output.seek(0)
        text = output.read()
        output.close()
        running.close()
        verdict = "no results.json"
        results = out / "results.json"
        if results.exists():
            verdict = str(json.loads(results.read_text()).get("verdict", "?"))
        lines = [line for line in text.splitlines() if line.strip()]
        return Outcome(
            kind=kind,
            profile=profile,
            exit=proc.returncode,
            verdict=verdict,
            seconds=seconds,
            peak_rss_mb=usage.ru_maxrss / 1024,  # KiB on Linux
            tracebacks=len(_TRACEBACK.findall(text)),
            report=(out / "report.html").exists() and results.exists(),
            stolen=hostile.stolen(running.recorder, CREDENTIALS),
            last_line=lines[-1][:100] if lines else "",
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", nargs="+", default=["quick"], help="Hypothesis profiles (quick)")
    parser.add_argument("--only", nargs="+", choices=sorted(hostile.HOSTILE), help="only these kinds")
    parser.add_argument("--json", type=Path, help="also write the outcomes as JSON")
    args = parser.parse_args(argv)
    kinds = args.only or list(hostile.HOSTILE)
    outcomes: list[Outcome] = []
    print(f"{'target':34} {'profile':8} {'exit':>4} {'verdict':16} {'wall':>7} {'peak RSS':>9} "
          f"{'tracebacks':>10}  report  stolen")  # fmt: skip
    for profile in args.profiles:
        for kind in kinds:
            o = run_one(kind, profile)
            outcomes.append(o)
            print(
                f"{kind:34} {profile:8} {o.exit!s:>4} {o.verdict:16} {o.seconds:6.1f}s "
                f"{o.peak_rss_mb:7.0f}MB "
                f"{o.tracebacks:>10}  {'yes' if o.report else 'NO':6}  {','.join(o.stolen) or '-'}",
                flush=True,
            )
    if args.json:
        args.json.write_text(json.dumps([o.__dict__ for o in outcomes], indent=2))
    worst = max(outcomes, key=lambda o: o.seconds)
    print(f"\nslowest: {worst.kind} ({worst.profile}) {worst.seconds:.1f}s; "
          f"peak RSS max {max(o.peak_rss_mb for o in outcomes):.0f} MB; "
          f"tracebacks total {sum(o.tracebacks for o in outcomes)}; "
          f"secrets stolen: {sum(bool(o.stolen) for o in outcomes)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
