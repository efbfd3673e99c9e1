"""The pytest plugin of the suite (registered through the ``pytest11`` entry point).

It owns the command-line options, the header line, the Hypothesis profiles, the
session's target (the given ``--target`` URL, or the bundled reference server on a free
loopback port) and the ``ikp`` fixture through which every conformance test sends its
requests. Credentials come only from the environment (``ALIBABA_CLOUD_ACCESS_KEY_ID``,
``ALIBABA_CLOUD_ACCESS_KEY_SECRET``, ``ALIBABA_CLOUD_SECURITY_TOKEN``), never from the
command line.
"""

from __future__ import annotations

import datetime as _dt
import os
import secrets
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

import conformance
from conformance import contract
from conformance.observed import DOCUMENTED, READINGS
from conformance.results import RESULTS_KEY, RunResults
from conformance.runner import profiles

if TYPE_CHECKING:
    from conformance.runner.suite import Suite

profiles.register_profiles()

_MARKERS = (
    "quota: needs a whole region's key pair quota (deselect with -m 'not quota' on a shared account)",
    "serial: must not run concurrently with other suite tests against the same target",
    "requirement(*ids): the requirement IDs (conformance/docs/requirements.md) a test exercises",
    "xdist_group(name): tests that share one pytest-xdist worker (registered here for runs without xdist)",
)


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    # The reporting hooks add options of their own (--baseline), so they must be registered
    # before the command line is parsed.
    from conformance.cassettes import plugin as cassettes
    from conformance.runner import reporting, shrinking, terse

    modules = (("ikp_reporting", reporting), ("ikp_shrinking", shrinking), ("ikp_terse", terse))
    for name, module in (*modules, ("ikp_cassettes", cassettes)):
        if not pluginmanager.has_plugin(name):
            pluginmanager.register(module, name)
    group = parser.getgroup("ikp", "ImportKeyPair conformance suite")
    group.addoption(
        "--target",
        default=os.environ.get("IKP_TARGET"),
        help="base URL of the endpoint to certify (env IKP_TARGET); default: the bundled reference server",
    )
    group.addoption("--region", default=contract.DEFAULT_REGION, help="region the suite works in")
    group.addoption(
        "--other-region",
        default=contract.DEFAULT_OTHER_REGION,
        help="second region, for isolation checks (IKP-S1, IKP-N7)",
    )
    group.addoption(
        "--resource-group",
        default=None,
        help="a resource group id the target knows (IKP-G3); the bundled server knows "
        f"{contract.DEFAULT_RESOURCE_GROUP}",
    )
    group.addoption(
        "--strict-messages",
        action="store_true",
        default=False,
        help="fail (not warn) when an error Message differs from the documented text (IKP-R3)",
    )
    group.addoption(
        "--reading",
        choices=READINGS,
        default=DOCUMENTED,
        help="documented: judge by the contract as written; observed: also accept what real ECS was "
        "observed doing where the evidence is strong (conformance/observed.py); the documented "
        "reading annotates each failure real ECS is known to share",
    )
    group.addoption("--report-dir", default="reports/out", help="where report.html and results.json go")
    group.addoption(
        "--request-timeout", type=float, default=10.0, help="seconds before one request is given up"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    _choose_seed(config)
    for line in _MARKERS:
        config.addinivalue_line("markers", line)
    results = RunResults()
    results.meta.update(
        {
            "suite_version": conformance.__version__,
            "target": config.getoption("target") or "bundled reference server",
            "regions": [config.getoption("region"), config.getoption("other_region")],
            "seed": _seed_text(config),
            "reading": config.getoption("reading"),
            # Everything a run sends is the same for the same seed but this (requirements.md,
            # "A run is reproducible"): print it so that two runs can be compared.
            "name_prefix": run_prefix(config),
            "started": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        }
    )
    config.stash[RESULTS_KEY] = results


def pytest_report_header(config: pytest.Config) -> list[str]:
    target = config.getoption("target") or "bundled reference server (free loopback port)"
    return [
        f"ikp: target {target}",
        f"ikp: regions {config.getoption('region')} (other: {config.getoption('other_region')})",
        f"ikp: hypothesis profile {profiles.current_profile_name()}, seed {_seed_text(config)}",
        f"ikp: reading {config.getoption('reading')}",
        f"ikp: name prefix {run_prefix(config)} (xdist workers add wN before the '-')",
    ]


def pytest_sessionstart(session: pytest.Session) -> None:
    """Fail fast, naming the target, when a given ``--target`` is not reachable."""
    # Hypothesis loads the chosen profile in its pytest_configure, after ours.
    session.config.stash[RESULTS_KEY].meta["hypothesis_profile"] = profiles.current_profile_name()
    url = session.config.getoption("target")
    if not url:
        return
    from conformance.target import probe_url

    problem = probe_url(url)
    if problem:
        pytest.exit(f"ikp: {problem}", returncode=pytest.ExitCode.USAGE_ERROR)


def _choose_seed(config: pytest.Config) -> None:
    """Draw the run's Hypothesis seed when none was given, and hand it to Hypothesis through
    its own ``--hypothesis-seed`` option (read in Hypothesis' pytest_configure, which runs
    after this one), so the header can print it and ``--hypothesis-seed=N`` replays the run.
    xdist workers receive the controller's options, hence the same seed. A derandomized
    profile (``ci``) needs none."""
    if getattr(config.option, "hypothesis_seed", "absent") is not None:
        return  # given on the command line, or Hypothesis' plugin is not loaded
    if profiles.current_profile_name() == "ci" or (config.getoption("hypothesis_profile", None) == "ci"):
        return
    config.option.hypothesis_seed = str(secrets.randbelow(2**32))


def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    """Every suite option also reads its ``IKP_*`` environment variable (``envvars.py``)."""
    from conformance.runner import envvars

    envvars.apply(parser, args)


def _seed_text(config: pytest.Config) -> str:
    seed = config.getoption("hypothesis_seed", default=None)
    if seed is not None:
        return str(seed)
    return "derandomized"


def run_prefix(config: pytest.Config) -> str:
    """A per-run (and per-xdist-worker) name prefix: starts with a letter, legal in every name.

    The one random part of what a run sends besides signatures, nonces and timestamps: it
    keeps runs on a shared account apart, and always has the same length (``ikp``, 8 hex
    digits, the worker id, ``-``), so the names drawn after it do not depend on it."""
    workerinput = getattr(config, "workerinput", {})
    worker = str(workerinput.get("workerid", "")).replace("gw", "w")
    return f"ikp{workerinput.get('ikp_token', _RUN_TOKEN)}{worker}-"


_RUN_TOKEN = secrets.token_hex(4)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: object) -> None:  # pragma: no cover - xdist controller hook
    """Give every xdist worker the same run token (prefixes then differ only by worker id)."""
    node.workerinput["ikp_token"] = _RUN_TOKEN  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def ikp_results(pytestconfig: pytest.Config) -> RunResults:
    """The run's RunResults (one per process; merged across xdist workers)."""
    return pytestconfig.stash[RESULTS_KEY]


_SUITE_KEY = pytest.StashKey["Suite"]()


@pytest.fixture(scope="session")
def ikp(pytestconfig: pytest.Config, ikp_results: RunResults) -> Iterator[Suite]:
    """The conformance session: target client, state model, results, cleanup."""
    from conformance.runner.suite import open_suite

    ikp_results.meta["suite_ran"] = True
    with open_suite(pytestconfig, ikp_results, prefix=run_prefix(pytestconfig)) as suite:
        pytestconfig.stash[_SUITE_KEY] = suite
        yield suite
    ikp_results.capabilities.update(suite.capabilities.as_dict())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that fill a region's quota run last (a target without DeleteKeyPairs stays full
    afterwards); the serial ones share one xdist group (``--dist loadgroup``)."""
    for item in items:
        if item.get_closest_marker("serial") is not None:
            item.add_marker(pytest.mark.xdist_group("ikp-serial"))
    items.sort(key=lambda item: item.get_closest_marker("quota") is not None)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stamp the end of the run (the outputs and the exit-status gate, ``results/gate.py``,
    follow in ``reporting.py``)."""
    results = session.config.stash.get(RESULTS_KEY, None)
    if results is not None:
        results.meta["finished"] = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Stop the session after the current test once the target has stopped answering."""
    suite = item.config.stash.get(_SUITE_KEY, None)
    if suite is not None and suite.gone:
        item.session.shouldstop = f"ikp: {suite.gone}"
