"""Differential benchmark: every fault of the catalogue diverges from the clean server's cassette,
and the divergence names the requirement the fault breaks (issue 15, "Must show").

    python benchmarks/divergence.py [--profile quick] [--seed 1] [--jobs 2] [--only NAME ...]
                                    [--whole] [--json FILE]

1. Records the whole suite against a clean reference server (signed, ``--strict-messages``, the
   server's default resource group, ``--hypothesis-seed=SEED``) with ``--record``.
2. Compares a second clean server with that cassette (``--compare-with``): expects 0 divergences
   and no request missing from the cassette.
3. Compares ``--variant lenient`` with it: a legal server, so CONFORMANT, yet divergent.
4. For each fault (``conformance/mutants/faults``): starts the server with ``--fault NAME``, runs
   the tests ``tests/mutation/selection.py`` narrows that fault to (the whole suite with
   ``--whole``) with ``--compare-with`` the cassette, and reads results.json's ``divergences``
   and ``comparison.requirements``. A fault *diverges* when it shows at least one divergence, and
   is *named* when one of them bears on a requirement the fault breaks.

Prints, per run and in total, the figures; asserts nothing (``tests/cassettes`` asserts the
cases it can afford). A narrowed run's requests are found in the whole run's cassette because
names and keys come from a counter per test and the seed (``tests/suite/test_reproducible.py``).
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
from typing import Any

from suiterun import ACCESS_KEY, SuiteRunError, run_all, run_suite, start_reference

from conformance import contract
from conformance.mutants.faults import FAULT_LIST

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "mutation"))
from selection import SELECTION  # the fault -> tests map lives with the tests


@dataclass
class Compared:
    """One server compared with the cassette."""

    name: str
    breaks: tuple[str, ...]
    verdict: str = ""
    divergences: int = 0
    by_requirement: dict[str, int] = field(default_factory=dict)
    uncompared: int = 0
    profile_differences: int = 0
    seconds: float = 0.0
    error: str = ""

    @property
    def named(self) -> bool:
        return bool(set(self.breaks) & set(self.by_requirement))


def _suite(
    args: argparse.Namespace, url: str, out: Path, extra: str, select: str | None = None
) -> dict[str, Any]:
    """The suite against ``url``, as the mutation benchmark runs it, with one more option."""
    return run_suite(
        url,
        out,
        select=select,
        extra=[extra],
        strict_messages=True,
        resource_group=contract.DEFAULT_RESOURCE_GROUP,
        credentials=ACCESS_KEY,
        profile=args.profile,
        seed=args.seed,
    )


def record(args: argparse.Namespace, cassette: Path, work: Path) -> float:
    with start_reference() as server:
        results = _suite(args, server.url, work / "record" / "out", f"--record={cassette}")
    if results["verdict"] != "conformant":
        raise SystemExit(f"the clean server was not certified conformant: {results['verdict']}")
    return float(results["_seconds"])


def compare_one(
    args: argparse.Namespace, cassette: Path, name: str, breaks: tuple[str, ...], *, kind: str
) -> Compared:
    outcome = Compared(name, breaks)
    select = None if kind != "fault" or args.whole else SELECTION.get(name)
    with tempfile.TemporaryDirectory(prefix=f"ikp-divergence-{name}-") as tmp:
        try:
            with start_reference(
                fault=name if kind == "fault" else None, variant=name if kind == "variant" else None
            ) as server:
                results = _suite(args, server.url, Path(tmp) / "out", f"--compare-with={cassette}", select)
        except SuiteRunError as exc:
            outcome.error = str(exc)[:500]
            return outcome
    comparison = results.get("comparison") or {}
    outcome.verdict = results["verdict"]
    outcome.divergences = len(results.get("divergences") or [])
    outcome.by_requirement = dict(comparison.get("requirements") or {})
    outcome.uncompared = len(comparison.get("uncompared") or [])
    outcome.profile_differences = int(comparison.get("profile_differences") or 0)
    outcome.seconds = float(results["_seconds"])
    return outcome


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", nargs="*", default=[], help="fault names")
    parser.add_argument("--whole", action="store_true", help="each fault runs the whole suite")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    faults = [f for f in FAULT_LIST if not args.only or f.name in args.only]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ikp-divergence-") as tmp:
        work = Path(tmp)
        cassette = work / "clean.cassette.json"
        seconds = record(args, cassette, work)
        size = cassette.stat().st_size
        print(f"recorded the clean server: {seconds:.0f} s, cassette {size / 1024:.0f} KiB", flush=True)
        items: list[tuple[str, tuple[str, ...], str]] = [("clean", (), "clean"), ("lenient", (), "variant")]
        items += [(f.name, f.breaks, "fault") for f in faults]

        def line(o: Compared) -> str:
            named = "named" if o.named else "NOT NAMED"
            what = o.error or (
                f"{o.divergences} divergences {dict(sorted(o.by_requirement.items()))} "
                f"{'' if not o.breaks else named + ' ' + ','.join(o.breaks)}; {o.verdict}; "
                f"{o.uncompared} uncompared; {o.profile_differences} profile rows differ"
            )
            return f"{o.name}: {what} ({o.seconds:.0f} s)"

        outcomes = run_all(
            items, lambda item: compare_one(args, cassette, item[0], item[1], kind=item[2]), line, args.jobs
        )
    wall = time.monotonic() - started
    clean, lenient, *fault_runs = outcomes
    diverged = [o for o in fault_runs if o.divergences]
    named = [o for o in fault_runs if o.named]
    print()
    print(f"profile {args.profile}, seed {args.seed}, {args.jobs} jobs, {wall:.0f} s wall")
    print(
        f"clean server vs its cassette: {clean.divergences} divergences, "
        f"{clean.uncompared} uncompared, {clean.verdict}"
    )
    print(
        f"--variant lenient vs the cassette: {lenient.divergences} divergences, "
        f"{lenient.profile_differences} profile rows differ, {lenient.verdict}"
    )
    print(f"faults with at least one divergence: {len(diverged)}/{len(fault_runs)}")
    print(f"faults with a divergence named by the requirement they break: {len(named)}/{len(fault_runs)}")
    for o in fault_runs:
        if not o.named:
            print(f"  not named: {line(o)}")
    if args.json:
        args.json.write_text(json.dumps([asdict(o) for o in outcomes], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
