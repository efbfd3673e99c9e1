"""The suite's power, shown by real suite runs (issue 7): every fault of the reference server's
catalogue is caught, and every legal variant is certified conformant.

Each fault's run narrows the suite to the conformance tests ``selection.SELECTION`` names, stops
at the first failure (``-x``) and does not shrink it (profile ``detect``), to keep CI short;
it is also compared (``--compare-with``) with a cassette of the whole suite against the clean
server, recorded once with the same seed and profile (issue 15): the fault must show at least
one divergence named by the requirement it breaks.
``benchmarks/mutation.py`` runs the WHOLE suite against each fault (quick profile) and prints
the figures. Each single-point variant runs the whole suite once:
"conformant" needs every Core requirement exercised. The two extremes (``lenient``, ``strict``)
run under fixed seeds in ``test_soundness.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance import contract
from conformance.mutants.faults import FAULT_LIST, Fault
from conformance.mutants.variants import SINGLE_VARIANTS, Variant

from .bench import load
from .selection import SELECTION

mutation = load()


FAULT_SEED = 1  # one seed for the cassette and every fault's run, so their requests match


def _run(
    tmp_path: Path,
    *,
    fault: str | None = None,
    variant: str | None = None,
    select: str | None = None,
    extra: tuple[str, ...] = (),
    detect: bool = False,
) -> dict[str, Any]:
    with mutation.start_reference(fault=fault, variant=variant) as server:
        return mutation.run_suite(
            server.url,
            tmp_path / "out",
            select=select,
            stop_first=fault is not None,
            strict_messages=True,
            resource_group=contract.DEFAULT_RESOURCE_GROUP,
            credentials=mutation.ACCESS_KEY,
            # A fault's run only asks whether it is caught: 'detect' is quick without shrinking.
            profile="detect" if detect or fault is not None else "quick",
            seed=FAULT_SEED if detect or fault is not None else None,
            extra=extra,
        )


@pytest.fixture(scope="session")
def clean_cassette(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole suite against the clean server, recorded (profile ``detect``, ``FAULT_SEED``)."""
    work = tmp_path_factory.mktemp("clean-cassette")
    cassette = work / "clean.cassette.json"
    results = _run(work, extra=(f"--record={cassette}",), detect=True)
    assert results["verdict"] == mutation.CONFORMANT, results["_stdout"][-3000:]
    return cassette


@pytest.mark.parametrize("fault", FAULT_LIST, ids=[f.name for f in FAULT_LIST])
def test_fault_is_caught_by_the_requirement_it_breaks(
    tmp_path: Path, fault: Fault, clean_cassette: Path
) -> None:
    results = _run(
        tmp_path, fault=fault.name, select=SELECTION[fault.name], extra=(f"--compare-with={clean_cassette}",)
    )
    failed = mutation.failed_requirements(results)
    summary = f"{fault.name}: verdict {results['verdict']}, FAIL {failed}\n{results['_stdout'][-3000:]}"
    assert results["verdict"] == mutation.NOT_CONFORMANT, summary
    assert results["_exit"] != 0, summary
    assert set(fault.breaks) & set(failed), summary
    # ... and it answers otherwise than the clean server, where the requirement it breaks says.
    diverging = results["comparison"]["requirements"]
    assert set(fault.breaks) & set(diverging), f"{fault.name}: divergences by requirement {diverging}"


@pytest.mark.parametrize("variant", SINGLE_VARIANTS, ids=[v.name for v in SINGLE_VARIANTS])
def test_legal_variant_is_conformant(tmp_path: Path, variant: Variant) -> None:
    results = _run(tmp_path, variant=variant.name)
    bad = {req: status for req, status in mutation.statuses(results).items() if status in ("FAIL", "ERROR")}
    failures = [f"{f['requirement']} {f['test_id']}: {f['reason'][:400]}" for f in results["failures"]]
    assert results["verdict"] == mutation.CONFORMANT, (variant.name, bad, failures[:5])
    assert results["_exit"] == 0, results["_stdout"][-3000:]
