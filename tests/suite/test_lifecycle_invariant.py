"""``runner.lifecycle.listed_matches_model``: the state machine's invariant passes while the
target lists exactly the model's names under the run prefix, and fails the right requirement
when a stored name is missing (IKP-X1), a deleted one is still listed (IKP-X2), or a name the
suite never stored is listed (IKP-S2); names of other prefixes are not its business."""

from __future__ import annotations

import pytest

from conformance import contract
from conformance.reference import start_server
from conformance.results import RunResults
from conformance.runner.lifecycle import listed_matches_model
from conformance.runner.suite import Suite, simple_case
from conformance.target import Target, TargetConfig

PREFIX = "ikpinv12-"
REGION = contract.DEFAULT_REGION


def _suite(url: str) -> Suite:
    suite = Suite(Target(TargetConfig(url)), RunResults(), prefix=PREFIX)
    suite.probe_capabilities()
    return suite


def _failed(suite: Suite) -> str:
    with pytest.raises(pytest.fail.Exception) as failure:
        listed_matches_model(suite, REGION)
    return str(failure.value)


def test_the_invariant_passes_and_catches_each_drift() -> None:
    with start_server() as server:
        suite = _suite(server.url)
        for name in ("a1", "a2"):
            suite.expect(simple_case(PREFIX + name, REGION), fresh=False)
        suite.target.import_key_pair(simple_case("otherrun-x1", REGION).params)  # not ours
        listed_matches_model(suite, REGION)  # passes

        suite.target.delete_key_pairs(REGION, [PREFIX + "a1"])  # behind the model's back
        assert _failed(suite).startswith("IKP-X1:")

        suite.model.deleted(REGION, [PREFIX + "a1"])
        suite.target.import_key_pair(simple_case(PREFIX + "b1", REGION).params)
        assert _failed(suite).startswith("IKP-S2:")

        suite.target.delete_key_pairs(REGION, [PREFIX + "b1"])
        suite.deleted_pairs.add((REGION, PREFIX + "b1"))
        suite.target.import_key_pair(simple_case(PREFIX + "b1", REGION).params)  # "kept" after a delete
        assert _failed(suite).startswith("IKP-X2:")
