"""Benchmark: the conformance suite's wall time and request rate against the bundled server,
next to a plain ``requests`` loop against the same server (the ceiling for a Python client).

    python benchmarks/bench_suite.py [--profile default] [--loop-requests 3000]

Prints figures; asserts nothing. The suite runs as a user runs it (``pytest``, which starts
the bundled reference server as a child process); the loop starts the same server the same
way (``spawn_server``, without signature checks: the loop signs nothing), and sends valid
ImportKeyPair requests (RSA-1024, no tags) with fresh names over one keep-alive session.
``--runs N`` repeats both and prints each pair, since a shared machine's speed drifts.
``requests`` comes with the ``dev`` extra: the suite's own client does not use it.
"""

from __future__ import annotations

import argparse
import json
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from conformance import contract
from conformance.reference.process import spawn_server
from conformance.runner.suite import simple_case


def run_suite(profile: str) -> tuple[float, int, str]:
    """Wall seconds, exchanges recorded, and the verdict of one suite run."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "--pyargs", "conformance", "-q", "-p", "no:cacheprovider",
             f"--hypothesis-profile={profile}", f"--report-dir={tmp}"],
            cwd=tmp, capture_output=True, text=True,
        )  # fmt: skip
        wall = time.perf_counter() - started
        results_path = Path(tmp) / "results.json"
        if not results_path.exists():
            print(proc.stdout[-2000:], proc.stderr[-2000:])
            raise SystemExit("the suite wrote no results.json")
        results = json.loads(results_path.read_text())
    return (
        wall,
        int(results["meta"].get("requests_sent") or results["statistics"]["exchanges"]),
        results["verdict"],
    )


def plain_loop(count: int) -> float:
    """Requests per second of a bare ``requests`` loop of valid imports (in-process server)."""
    with spawn_server() as server:
        session = requests.Session()
        bodies = [
            dict(simple_case(f"bench{i:05d}{secrets.token_hex(3)}", contract.DEFAULT_REGION).params)
            for i in range(count)
        ]
        # Keep under the quota: spread over the known regions.
        for i, params in enumerate(bodies):
            params["RegionId"] = contract.KNOWN_REGIONS[i // 400 % len(contract.KNOWN_REGIONS)]
        common = {"Action": contract.ACTION_IMPORT, "Version": contract.API_VERSION, "Format": "JSON"}
        started = time.perf_counter()
        for params in bodies:
            reply = session.get(server.url + "/", params={**common, **params}, timeout=10)
            if reply.status_code != 200:
                raise SystemExit(f"loop got {reply.status_code}: {reply.text[:200]}")
        elapsed = time.perf_counter() - started
        session.close()
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--profile", default="default")
    parser.add_argument("--loop-requests", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=1, help="measure both this many times, in turn")
    args = parser.parse_args()
    for run in range(1, args.runs + 1):
        ceiling = plain_loop(args.loop_requests)
        wall, exchanges, verdict = run_suite(args.profile)
        rate = exchanges / wall
        if args.runs > 1:
            print(f"-- run {run} of {args.runs}")
        print(f"suite, profile {args.profile}: {wall:.1f} s wall, {exchanges} requests, {verdict}")
        print(f"suite rate: {rate:.0f} req/s")
        print(f"plain requests loop (ceiling): {ceiling:.0f} req/s over {args.loop_requests} imports")
        print(f"suite rate / ceiling: {rate / ceiling:.2f}", flush=True)


if __name__ == "__main__":
    main()
