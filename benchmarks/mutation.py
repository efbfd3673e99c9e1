"""Mutation benchmark: what the conformance suite catches, and that it never fails a legal reading.

    python benchmarks/mutation.py [-x] [--profile quick] [--jobs 2] [--only NAME ...] [--json FILE]

For the clean reference server, each legal variant (``conformance/mutants/variants.py``) and
each injected fault (``conformance/mutants/faults.py``), it starts
``python -m conformance.reference --port 0 --access-key ID:SECRET [--fault F | --variant V]``,
runs the WHOLE conformance suite against it in a subprocess (``--strict-messages``, the
server's default resource group, the access key in the environment so that signatures,
IKP-X3, are exercised; with ``-x`` the fault runs stop at the first failure), reads
results.json, and prints:

- soundness: the clean server and the variants certified *conformant* / total;
- detection: the faults judged *not conformant* with a requirement FAILed / total, and how many
  of them were caught against the requirement the fault names (issue 11, "Blame the culprit").
  With ``-x`` the first failure decides: it must name one of the fault's requirements. Without
  it every failure of the whole run counts: the count of faults whose failures include a named
  requirement is printed, and the count of those whose failures are ONLY named requirements;
- per fault, the time to detection and the requirement(s) that caught it;
- the faults that survived.

``benchmarks/soundness.py`` runs the legal servers under many seeds.

Runs in parallel (``--jobs``); every run has a timeout and every server is killed. Prints
figures; asserts nothing. ``run_suite`` and ``start_reference`` are also what
``tests/mutation`` and ``tests/suite/test_detects_breakage.py`` use to run the suite (the
tests narrow each fault's run to the tests ``tests/mutation/selection.py`` names for it; this
script does not).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from suiterun import (  # noqa: F401  (re-exported: tests/suite and tests/mutation use them here)
    ACCESS_KEY,
    CONFORMANT,
    NOT_CONFORMANT,
    SuiteRunError,
    failed_requirements,
    first_failure,
    kill_live_servers,
    run_all,
    run_suite,
    start_reference,
    statuses,
)

from conformance import contract
from conformance.mutants.faults import FAULT_LIST
from conformance.mutants.variants import VARIANT_LIST

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
    caught_by: str = ""  # the requirement of the first FAIL
    caught_in: str = ""  # its test
    stop_first: bool = False  # the run stopped at the first failure (-x)
    problems: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def by_named(self) -> bool:
        """Caught against a requirement the fault names: with -x the first failure must name
        one; without, one of the run's failures must."""
        if self.stop_first:
            return self.caught_by in self.requirements
        return bool(set(self.requirements) & set(self.failed))

    @property
    def only_named(self) -> bool:
        """Every requirement the run FAILed is one the fault names."""
        return bool(self.failed) and set(self.failed) <= set(self.requirements)

    @property
    def ok(self) -> bool:
        """A clean server or a variant certified conformant; a fault judged not conformant."""
        if self.error:
            return False
        if self.kind == "fault":
            return self.verdict == NOT_CONFORMANT and bool(self.failed)
        return self.verdict == CONFORMANT


def run_one(
    kind: str,
    name: str,
    requirements: tuple[str, ...],
    profile: str,
    select: str | None = None,
    stop_first: bool = False,
) -> Outcome:
    """Start the server for (kind, name), run the suite against it, summarise the results
    (``stop_first``: pytest's -x, for faults only)."""
    outcome = Outcome(kind, name, requirements, stop_first=stop_first and kind == "fault")
    with tempfile.TemporaryDirectory(prefix=f"ikp-mutation-{name}-") as tmp:
        try:
            with start_reference(
                fault=name if kind == "fault" else None, variant=name if kind == "variant" else None
            ) as server:
                results = run_suite(
                    server.url,
                    Path(tmp) / "out",
                    select=select,
                    stop_first=outcome.stop_first,
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
    outcome.problems = [
        f"{f.get('requirement')} {f.get('status')} in {f.get('test_id')}: {str(f.get('reason'))[:300]}"
        for f in results.get("failures", [])
    ][:5]
    return outcome


def plan(only: Sequence[str]) -> list[tuple[str, str, tuple[str, ...]]]:
    """Every run: the clean server, each variant, each fault (filtered by ``only``)."""
    runs: list[tuple[str, str, tuple[str, ...]]] = [("clean", "clean", ())]
    runs += [("variant", v.name, v.readings) for v in VARIANT_LIST]
    runs += [("fault", f.name, f.breaks) for f in FAULT_LIST]
    if only:
        unknown = set(only) - {name for _, name, _ in runs}
        if unknown:
            raise SystemExit(f"unknown names: {', '.join(sorted(unknown))}")
        runs = [run for run in runs if run[1] in only]
    return runs


# -- the report --------------------------------------------------------------------------------


def report(outcomes: list[Outcome], profile: str, wall: float, jobs: int, stop_first: bool = False) -> None:
    legal = [o for o in outcomes if o.kind != "fault"]
    faults = [o for o in outcomes if o.kind == "fault"]
    mode = "-x: the first failure decides" if stop_first else "whole suite per fault"
    print(f"\nmutation benchmark: hypothesis profile {profile}, {jobs} jobs, {mode}, {wall:.0f}s wall")
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
        timing = "time to the first failure" if stop_first else "time of the whole run"
        print(f"\nfaults (must be caught, against the requirement they name; {timing}):")
        for o in faults:
            mark = "caught " if o.ok else "SURVIVED"
            named = "" if o.by_named else "  (NOT by the requirement it names)"
            others = sorted(set(o.failed) - set(o.requirements))
            if o.ok and others and not stop_first:
                named += f"  also FAILed: {','.join(others)}"
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
        by_named = sum(o.by_named for o in caught)
        share = 100 * len(caught) / len(faults)
        how = "the first failure naming it" if stop_first else "among the run's failures"
        print(f"detection: {len(caught)}/{len(faults)} faults caught ({share:.0f} %), "
              f"{by_named}/{len(faults)} against the requirement they name ({how})")  # fmt: skip
        if not stop_first:
            only = sum(o.only_named for o in caught)
            print(f"  {only}/{len(faults)} with no other requirement FAILed")
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
    parser.add_argument(
        "-x", "--exitfirst", action="store_true", help="fault runs stop at the first failure (pytest -x)"
    )
    args = parser.parse_args(argv)
    runs = plan(args.only)

    started = time.monotonic()

    def line(outcome: Outcome) -> str:
        what = outcome.verdict or outcome.error[:80]
        state = "ok" if outcome.ok else "NOT OK"
        return f"{outcome.kind} {outcome.name}: {what} ({outcome.seconds:.1f}s) {state}"

    outcomes = run_all(
        runs, lambda run: run_one(*run, profile=args.profile, stop_first=args.exitfirst), line, args.jobs
    )
    wall = time.monotonic() - started
    report(outcomes, args.profile, wall, args.jobs, args.exitfirst)
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(o) for o in outcomes], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
