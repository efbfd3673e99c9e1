"""Soundness benchmark: the conformance suite never fails a legal server, on any seed (issue 11).

    python benchmarks/soundness.py [--configs clean,lenient,...] [--seeds 30] [--first-seed 1]
                                   [--profile quick] [--jobs 2] [--json FILE]

A legal server is the bundled reference server under any reading requirements.md allows: the clean
one, each single-point variant, and the two extremes ``lenient`` and ``strict``
(``conformance/mutants/variants.py``). For every configuration and every seed it runs the
WHOLE suite (``pytest --hypothesis-seed=S --hypothesis-profile=P``, ``--strict-messages``) in a
subprocess: ``clean`` as a user runs it, without ``--target`` (the suite starts its bundled
server, signing with a throwaway key); each variant against
``python -m conformance.reference --port 0 --access-key ID:SECRET --variant V``, with the key
in the suite's environment (``ALIBABA_CLOUD_ACCESS_KEY_ID``/``_SECRET``) so that signing
(IKP-X3) is certified too, and the server's default resource group.

A run whose verdict is not *conformant* is a FALSE FAILURE: the suite failed a legal server.
Each is printed with its seed, the failing (or ERROR) requirement IDs and the first reason of
each, and the commands that replay it; then a table: configuration, runs, false failures, and
the total. Exits 1 when there is any false failure (or a run could not be made), else 0.
Seeds are ``first-seed .. first-seed + seeds - 1``, the same for every configuration.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from suiterun import (
    ACCESS_KEY,
    CONFORMANT,
    SuiteRunError,
    first_reasons,
    run_all,
    run_suite,
    start_reference,
)

from conformance import contract
from conformance.mutants.variants import EXTREME_VARIANTS, SINGLE_VARIANTS

CLEAN = "clean"
# The two extremes first: they read every Profile point at once.
CONFIGURATIONS: tuple[str, ...] = (
    CLEAN,
    *(v.name for v in EXTREME_VARIANTS),
    *(v.name for v in SINGLE_VARIANTS),
)


@dataclass
class Run:
    """One suite run against one configuration with one seed."""

    config: str
    seed: int
    verdict: str = ""
    seconds: float = 0.0
    reasons: dict[str, str] = field(default_factory=dict)  # failing requirement -> first reason
    error: str = ""  # the run could not be made (no results.json)

    @property
    def false_failure(self) -> bool:
        return self.verdict != CONFORMANT


def run_one(config: str, seed: int, profile: str) -> Run:
    """Run the whole suite with ``seed`` against ``config`` (``clean``: the bundled server)."""
    run = Run(config, seed)
    with tempfile.TemporaryDirectory(prefix=f"ikp-soundness-{config}-{seed}-") as tmp:
        out = Path(tmp) / "out"
        try:
            if config == CLEAN:
                results = run_suite(None, out, strict_messages=True, profile=profile, seed=seed)
            else:
                with start_reference(variant=config) as server:
                    results = run_suite(
                        server.url,
                        out,
                        strict_messages=True,
                        resource_group=contract.DEFAULT_RESOURCE_GROUP,
                        credentials=ACCESS_KEY,
                        profile=profile,
                        seed=seed,
                    )
        except SuiteRunError as exc:
            run.error = str(exc)
            run.verdict = "run error"
            run.reasons = {"-": " ".join(str(exc).split())[:300]}
            return run
    run.verdict = str(results["verdict"])
    run.seconds = float(results["_seconds"])
    if run.false_failure:
        run.reasons = first_reasons(results)
    return run


def replay_commands(run: Run, profile: str) -> list[str]:
    """How to replay one run by hand (from the repository root)."""
    suite = f"pytest --hypothesis-profile={profile} --hypothesis-seed={run.seed} --strict-messages"
    if run.config == CLEAN:
        return [suite]
    key_id, secret = ACCESS_KEY
    return [
        f"python -m conformance.reference --port 0 --access-key {key_id}:{secret} --variant {run.config}",
        f"ALIBABA_CLOUD_ACCESS_KEY_ID={key_id} ALIBABA_CLOUD_ACCESS_KEY_SECRET={secret} {suite} "
        f"--resource-group={contract.DEFAULT_RESOURCE_GROUP} --target=URL",
    ]


def report(runs: list[Run], configs: Sequence[str], profile: str, jobs: int, wall: float) -> int:
    """Print the false failures and the table; the total number of false failures."""
    seeds = sorted({r.seed for r in runs})
    seed_text = f"{seeds[0]}..{seeds[-1]}" if seeds else "-"
    print(f"\nsoundness benchmark: hypothesis profile {profile}, seeds {seed_text}, {jobs} jobs, ", end="")
    print(f"{wall:.0f}s wall")
    false = [r for r in runs if r.false_failure]
    if false:
        print("\nfalse failures (the suite failed a legal server):")
        for r in sorted(false, key=lambda r: (configs.index(r.config), r.seed)):
            print(f"  {r.config} seed {r.seed}: {r.verdict}")
            for req, reason in r.reasons.items():
                print(f"      {req}: {reason}")
            for command in replay_commands(r, profile):
                print(f"      $ {command}")
    width = max([len("configuration"), *(len(c) for c in configs)])
    print(f"\n{'configuration':<{width}}  {'runs':>5}  {'false failures':>14}  failing requirements")
    total_runs = total_false = 0
    for config in configs:
        mine = [r for r in runs if r.config == config]
        bad = [r for r in mine if r.false_failure]
        ids = sorted({req for r in bad for req in r.reasons})
        total_runs += len(mine)
        total_false += len(bad)
        print(f"{config:<{width}}  {len(mine):>5}  {len(bad):>14}  {' '.join(ids)}")
    print(f"{'total':<{width}}  {total_runs:>5}  {total_false:>14}")
    return total_false


def parse_configs(text: str | None) -> list[str]:
    if not text:
        return list(CONFIGURATIONS)
    configs = [c.strip() for c in text.split(",") if c.strip()]
    unknown = [c for c in configs if c not in CONFIGURATIONS]
    if unknown:
        raise SystemExit(f"unknown configurations: {', '.join(unknown)} (known: {', '.join(CONFIGURATIONS)})")
    return configs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--configs",
        help="comma-separated configurations (default: clean, lenient, strict, every single variant)",
    )
    parser.add_argument("--seeds", type=int, default=30, help="seeds per configuration (30)")
    parser.add_argument("--first-seed", type=int, default=1, help="the first seed (1)")
    parser.add_argument("--profile", default="quick", help="Hypothesis profile of the suite runs (quick)")
    parser.add_argument("--jobs", type=int, default=2, help="runs in parallel (2)")
    parser.add_argument("--json", metavar="FILE", help="also write every run as JSON")
    args = parser.parse_args(argv)
    configs = parse_configs(args.configs)
    plan = [(c, args.first_seed + i) for c in configs for i in range(max(args.seeds, 0))]

    started = time.monotonic()

    def line(run: Run) -> str:
        mark = "FALSE FAILURE " + ",".join(run.reasons) if run.false_failure else "ok"
        return f"{run.config} seed {run.seed}: {run.verdict} ({run.seconds:.1f}s) {mark}"

    runs = run_all(plan, lambda item: run_one(*item, profile=args.profile), line, args.jobs)
    false = report(runs, configs, args.profile, args.jobs, time.monotonic() - started)
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in runs], indent=1))
    return 1 if false else 0


if __name__ == "__main__":
    sys.exit(main())
