"""The session's public names in one place (``from conformance.runner.suite import Suite,
simple_case, another_way, ...``): this module owns nothing, it re-exports the modules that do.

* ``session``: ``Suite`` (send, judge, record, expect/check/fail/passed), ``open_suite``;
* ``hygiene``: fresh names and deleting only what this run created (``Hygiene``);
* ``ways``: the six-way fan-out (``EACH_WAY``, ``another_way``, ``expect_each_way``);
* ``capabilities``: ``Capabilities`` and ``probe_capabilities``;
* ``listing``: DescribeKeyPairs reads;
* ``testids``: the running test's id, Hypothesis's final example, the per-test counters;
* ``simple``: ``simple_case`` and ``fresh_seed``.
"""

from __future__ import annotations

from conformance.runner.capabilities import Capabilities, probe_capabilities
from conformance.runner.hygiene import (
    AUTO_CLEANUP_ROOM,
    FRESHEN_ATTEMPTS,
    FRESHEN_WINDOW,
    Hygiene,
    rewritten_tail,
    tail_capacity,
)
from conformance.runner.session import MAX_CONSECUTIVE_TRANSPORT_ERRORS, Suite, TargetGone, open_suite
from conformance.runner.simple import fresh_seed, simple_case
from conformance.runner.testids import PerTestCounters, current_test_id, final_example
from conformance.runner.ways import EACH_WAY, another_way, expect_each_way

__all__ = [
    "AUTO_CLEANUP_ROOM",
    "EACH_WAY",
    "FRESHEN_ATTEMPTS",
    "FRESHEN_WINDOW",
    "MAX_CONSECUTIVE_TRANSPORT_ERRORS",
    "Capabilities",
    "Hygiene",
    "PerTestCounters",
    "Suite",
    "TargetGone",
    "another_way",
    "current_test_id",
    "expect_each_way",
    "final_example",
    "fresh_seed",
    "open_suite",
    "probe_capabilities",
    "rewritten_tail",
    "simple_case",
    "tail_capacity",
]
