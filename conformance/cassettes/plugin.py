"""The cassette options and hooks: ``--record FILE``, ``--compare-with FILE|URL``, ``--fail-on-divergence``.

Registered as ``ikp_cassettes`` by the main plugin's ``pytest_addoption``. When either option
is given, ``observe`` (called once by ``session.open_suite``) wraps the session target's
``call`` and ``call_many``, through which every ImportKeyPair, DescribeKeyPairs and
DeleteKeyPairs of the run goes, so that a ``Recorder`` sees each exchange (already redacted by
the target client) with the test that sent it. At the end of the session the cassette is
written (``--record``) and compared with the given one (``--compare-with``); the comparison
is stashed for ``runner/reporting.py``, which puts it in the reports and hands
``--fail-on-divergence`` to the exit-status gate.

``--compare-with URL`` (or ``reference[:VARIANT|fault=NAME]``) is a live mirror
(``mirror.py``): ``observe`` also sends every call to it and records its answers in a second
``Recorder``; ``finish_observing`` (from ``session.open_suite``, after the run's own cleanup)
sweeps and closes it; the session end compares the run's cassette with the mirror's.

Under pytest-xdist every worker would see only its share of the requests: both options
refuse ``-n`` (a usage error) rather than write or compare a partial cassette (a mirror too).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

import conformance
from conformance.cassettes.cassette import Cassette, Recorder, redacted_target
from conformance.cassettes.compare import Comparison, compare
from conformance.cassettes.mirror import Mirror, MirrorSpec, is_live, open_mirror, parse_source
from conformance.exchange import Exchange
from conformance.results import RESULTS_KEY
from conformance.runner.testids import current_test_id
from conformance.verdict import Verdict

RECORDER_KEY = pytest.StashKey[Recorder]()
RECORDED_KEY = pytest.StashKey[Cassette]()
COMPARISON_KEY = pytest.StashKey[Comparison]()
MIRROR_SPEC_KEY = pytest.StashKey[MirrorSpec]()
MIRROR_KEY = pytest.StashKey[Mirror]()
MIRROR_PROBLEM_KEY = pytest.StashKey[str]()  # why the mirror could not be started


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ikp", "ImportKeyPair conformance suite")  # the plugin's group
    group.addoption(
        "--record",
        metavar="FILE",
        default=None,
        help="write every exchange of the run to a cassette FILE (redacted; see docs/cassettes.md)",
    )
    group.addoption(
        "--compare-with",
        metavar="FILE|URL",
        default=None,
        help="compare each exchange with a cassette recorded with the same seed and profile, or "
        "with a live mirror's answer (an http(s) URL, or reference[:VARIANT|fault=NAME] for a "
        "bundled reference server); divergences go to the reports (not conformance failures)",
    )
    group.addoption(
        "--fail-on-divergence",
        action="store_true",
        default=False,
        help="with --compare-with: exit with status 1 when any answer diverges from the cassette or mirror",
    )


def _option(config: pytest.Config, name: str) -> Any:
    try:
        return config.getoption(name)
    except ValueError:
        return None


def _wanted(config: pytest.Config) -> bool:
    return bool(_option(config, "record") or _option(config, "compare_with"))


def pytest_configure(config: pytest.Config) -> None:
    if _option(config, "fail_on_divergence") and not _option(config, "compare_with"):
        raise pytest.UsageError("--fail-on-divergence needs --compare-with FILE|URL")
    if not _wanted(config) or hasattr(config, "workerinput"):
        return
    workers = _option(config, "numprocesses")
    if workers not in (None, 0, "0"):
        raise pytest.UsageError(
            "--record and --compare-with need every request in one process: run without -n "
            f"(got -n {workers}); each xdist worker would see only its share of the tests"
        )
    source = _option(config, "compare_with")
    if source and is_live(source):
        try:
            config.stash[MIRROR_SPEC_KEY] = parse_source(source)
        except ValueError as exc:
            raise pytest.UsageError(f"--compare-with: {exc}") from exc
    elif source:
        try:
            config.stash[RECORDED_KEY] = Cassette.load(Path(source))
        except ValueError as exc:
            raise pytest.UsageError(f"--compare-with: {exc}") from exc


def pytest_sessionstart(session: pytest.Session) -> None:
    """A cassette answers only for the requests its seed and profile made: refuse another.
    A mirror URL must be reachable (like ``--target``)."""
    config = session.config
    spec = config.stash.get(MIRROR_SPEC_KEY, None)
    if spec is not None and spec.url is not None:
        from conformance.target import probe_url

        problem = probe_url(spec.url)
        if problem:
            pytest.exit(f"ikp: --compare-with: mirror {problem}", returncode=pytest.ExitCode.USAGE_ERROR)
    recorded = config.stash.get(RECORDED_KEY, None)
    results = config.stash.get(RESULTS_KEY, None)
    if recorded is None or results is None:
        return
    from conformance.runner import profiles

    seed = results.meta.get("seed")
    profile = profiles.current_profile_name()
    theirs = (recorded.header.get("seed"), recorded.header.get("hypothesis_profile"))
    if theirs != (seed, profile):
        pytest.exit(
            f"ikp: --compare-with: the cassette was recorded with seed {theirs[0]} and profile "
            f"{theirs[1]}; this run has seed {seed} and profile {profile} (give "
            f"--hypothesis-seed={theirs[0]} --hypothesis-profile={theirs[1]})",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )


def observe(
    config: pytest.Config, target: Any, prefix: str
) -> Callable[[Exchange, Verdict, Callable[[Exchange], Verdict] | None], None] | None:
    """Have a ``Recorder`` see every exchange ``target`` makes (only with --record/--compare-with),
    and a live mirror get the same calls (``--compare-with URL``); returns what the session
    calls with each verdict (``Recorder.judged``), or None."""
    if not _wanted(config):
        return None
    recorder = Recorder(prefix)
    config.stash[RECORDER_KEY] = recorder
    mirror = _start_mirror(config, target, prefix)
    call, call_many = target.call, target.call_many

    def observed_call(*args: Any, **kw: Any) -> Exchange:
        exchange: Exchange = call(*args, **kw)
        raced = threading.current_thread() is not threading.main_thread()  # races.concurrently
        test = current_test_id()
        recorder.note(exchange, test, raced=raced)
        if mirror is not None:
            mirror.call(exchange, args, kw, test, raced=raced)
        return exchange

    def observed_call_many(calls: Sequence[Any]) -> list[Exchange]:
        exchanges: list[Exchange] = call_many(calls)
        test = current_test_id()
        for exchange in exchanges:
            recorder.note(exchange, test)
        if mirror is not None:
            mirror.call_many(exchanges, calls, test)
        return exchanges

    def judged(exchange: Exchange, verdict: Verdict, rejudge: Callable[[Exchange], Verdict] | None) -> None:
        """Keep the verdict with its answer; the mirror's answer to the same request is judged
        the same way when the oracle judged this one (``rejudge``). A verdict of a test's own
        check leaves the mirror's answer unjudged: verdicts are then not compared for that key."""
        recorder.judged(exchange, verdict)
        if mirror is not None and rejudge is not None:
            theirs = mirror.mirror_of(exchange)
            if theirs is not None:
                mirror.judge(theirs, rejudge)

    target.call = observed_call
    target.call_many = observed_call_many
    return judged


def _start_mirror(config: pytest.Config, target: Any, prefix: str) -> Mirror | None:
    spec = config.stash.get(MIRROR_SPEC_KEY, None)
    if spec is None:
        return None
    try:
        mirror = open_mirror(spec, target.config, prefix)
    except Exception as exc:  # a mirror that cannot start never breaks the run
        config.stash[MIRROR_PROBLEM_KEY] = f"{spec.label} could not be started: {exc}".splitlines()[0]
        return None
    config.stash[MIRROR_KEY] = mirror
    return mirror


def live_mirror(config: pytest.Config) -> Mirror | None:
    """The run's live mirror (``--compare-with URL``), if any: ``live_mirror(config).mirror_of(x)``
    is the mirror's exchange for the run's exchange ``x``."""
    return config.stash.get(MIRROR_KEY, None)


def finish_observing(config: pytest.Config) -> None:
    """After the run's own cleanup (``session.open_suite``): sweep the live mirror of this run's
    key pairs and close it. Never raises."""
    mirror = config.stash.get(MIRROR_KEY, None)
    if mirror is None:
        return
    try:
        mirror.sweep()
    except Exception as exc:  # nothing of the mirror breaks the run
        mirror.left.append({"region": "*", "name": f"{mirror.prefix}*", "why": f"sweep failed: {exc}"})
    finally:
        mirror.close()


def pytest_unconfigure(config: pytest.Config) -> None:
    mirror = config.stash.get(MIRROR_KEY, None)
    if mirror is not None:
        mirror.close()  # idempotent: normally closed by finish_observing


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write the cassette and compare (before ``reporting.py`` writes the reports, trylast)."""
    config = session.config
    recorder = config.stash.get(RECORDER_KEY, None)
    results = config.stash.get(RESULTS_KEY, None)
    if recorder is None or results is None:
        return
    meta = results.meta
    recorder.cassette.header.update(
        {
            "suite_version": conformance.__version__,
            "seed": meta.get("seed"),
            "hypothesis_profile": meta.get("hypothesis_profile"),
            "target": redacted_target(str(meta.get("target") or "")),
        }
    )
    recorder.finish()
    recorder.stamp()
    path = _option(config, "record")
    if path:
        target = Path(path)
        if not target.is_absolute():
            target = config.invocation_params.dir / target
        recorder.cassette.save(target)
        meta["cassette"] = str(target)
    recorded = config.stash.get(RECORDED_KEY, None)
    if recorded is not None:
        config.stash[COMPARISON_KEY] = compare(
            recorder.cassette, recorded, str(_option(config, "compare_with"))
        )
    spec = config.stash.get(MIRROR_SPEC_KEY, None)
    if spec is not None:
        mirror = config.stash.get(MIRROR_KEY, None)
        theirs = Cassette()
        if mirror is not None:
            mirror.recorder.finish()  # its own behaviour profile (empty unless its answers are judged)
            theirs = mirror.recorder.cassette
        source = mirror.source if mirror is not None else spec.label
        same = ("suite_version", "seed", "hypothesis_profile")  # one run sent both sides' requests
        theirs.header.update({name: recorder.cassette.header.get(name) for name in same}, target=source)
        config.stash[COMPARISON_KEY] = compare(recorder.cassette, theirs, source)


def comparison_of(config: pytest.Config) -> dict[str, Any] | None:
    """For the reports: ``{"summary": ..., "divergences": [...]}``, or None without --compare-with."""
    comparison = config.stash.get(COMPARISON_KEY, None)
    if comparison is None:
        return None
    summary = comparison.summary()
    mirror = config.stash.get(MIRROR_KEY, None)
    if mirror is not None:
        summary["mirror"] = mirror.summary()
    elif MIRROR_PROBLEM_KEY in config.stash:
        summary["mirror"] = {"url": summary["cassette"], "problem": config.stash[MIRROR_PROBLEM_KEY]}
    return {"summary": summary, "divergences": list(comparison.divergences)}


def fail_on_divergence(config: pytest.Config) -> bool:
    return bool(_option(config, "fail_on_divergence"))


def diverged(config: pytest.Config) -> bool:
    """What ``--fail-on-divergence`` fails a run for: an answer diverged, or the live mirror
    could not be compared with (it did not start, or stopped answering and was given up):
    a regression gate must not pass because the other side was never asked."""
    comparison = config.stash.get(COMPARISON_KEY, None)
    if comparison is not None and comparison.divergences:
        return True
    mirror = config.stash.get(MIRROR_KEY, None)
    return MIRROR_PROBLEM_KEY in config.stash or (mirror is not None and mirror.stopped is not None)


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """One line for each cassette written or compared (the details are in the reports)."""
    results = config.stash.get(RESULTS_KEY, None)
    path = results.meta.get("cassette") if results is not None else None
    if path:
        terminalreporter.write_line(f"cassette written: {path}")
    comparison = config.stash.get(COMPARISON_KEY, None)
    if comparison is not None and MIRROR_SPEC_KEY in config.stash:
        _mirror_summary(terminalreporter, config, comparison)
    elif comparison is not None:
        _divergence_line(terminalreporter, comparison, "", "requests not in the cassette")


def _divergence_line(terminalreporter: Any, comparison: Comparison, what: str, missing: str) -> None:
    summary = comparison.summary()
    terminalreporter.write_line(
        f"divergences from {what}{summary['cassette']}: {summary['divergent']} "
        f"({summary['compared']} answers compared, {len(summary['uncompared'])} {missing})",
        red=bool(comparison.divergences),
    )


def _mirror_summary(terminalreporter: Any, config: pytest.Config, comparison: Comparison) -> None:
    _divergence_line(terminalreporter, comparison, "mirror ", "requests without a mirror answer")
    mirror = config.stash.get(MIRROR_KEY, None)
    lines = mirror.lines() if mirror is not None else [f"mirror: {config.stash.get(MIRROR_PROBLEM_KEY, '')}"]
    for line in lines:
        terminalreporter.write_line(line, yellow=True)
