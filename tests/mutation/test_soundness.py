"""A fixed slice of the soundness benchmark (``benchmarks/soundness.py``, issue 11): the suite
certifies the two extreme legal servers, ``lenient`` and ``strict``, under two fixed seeds each
(quick profile). Every Profile point is read its most permissive and its strictest legal way
at once there, so a false failure on any of them is a soundness bug of the suite. The
benchmark itself runs every legal configuration under many seeds."""

from __future__ import annotations

import pytest

from conformance.mutants.variants import EXTREME_VARIANTS

from .bench import load

soundness = load("soundness")

SEEDS = (1, 2)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("config", [v.name for v in EXTREME_VARIANTS])
def test_extreme_legal_server_is_certified(config: str, seed: int) -> None:
    run = soundness.run_one(config, seed, "quick")
    assert not run.error, run.error
    assert run.verdict == soundness.CONFORMANT, (config, seed, run.reasons)


def test_report_counts_false_failures(capsys: pytest.CaptureFixture[str]) -> None:
    """The table counts a run that is not conformant as a false failure, with its reason."""
    runs = [
        soundness.Run("lenient", 1, verdict=soundness.CONFORMANT),
        soundness.Run("lenient", 2, verdict="not conformant", reasons={"IKP-K3": "expected 400, got 200"}),
        soundness.Run("strict", 1, verdict=soundness.CONFORMANT),
    ]
    assert soundness.report(runs, ["lenient", "strict"], "quick", 2, 1.0) == 1
    out = capsys.readouterr().out
    assert "lenient seed 2: not conformant" in out and "IKP-K3: expected 400, got 200" in out
    assert "--hypothesis-seed=2" in out and "--variant lenient" in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[-3:]}
    assert (
        rows["lenient"][:2] == ["2", "1"] and rows["strict"][:2] == ["1", "0"] and rows["total"] == ["3", "1"]
    )


def test_configurations_are_clean_the_extremes_and_every_single_variant() -> None:
    from conformance.mutants.variants import SINGLE_VARIANTS

    assert soundness.CONFIGURATIONS[:3] == ("clean", "lenient", "strict")
    assert set(soundness.CONFIGURATIONS[3:]) == {v.name for v in SINGLE_VARIANTS}
    assert soundness.parse_configs("clean,strict") == ["clean", "strict"]
    with pytest.raises(SystemExit, match="unknown configurations: nope"):
        soundness.parse_configs("clean,nope")
