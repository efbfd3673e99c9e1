"""Fault injection: documented deviations a real mock could plausibly have (issue 7).

``python -m conformance.reference --fault NAME`` (or ``start_server(fault=NAME)``) starts the
reference server with exactly one of these. Each fault is a small named override of one field
of ``actions.Behaviour`` (a rule-function wrapper, a store or verifier subclass, a response
post-processor; see ``combinators``), composed at start-up, so the clean code path stays free
of flags. Each names the requirement(s) it breaks; together they cover every Core and Extended
requirement. ``benchmarks/mutation.py`` runs the whole suite against each one and reports
which requirement caught it.

The faults live with the contract's group of the rule they break: ``transport``,
``response``, ``names``, ``keys``, ``regions``, ``tags``, ``state``, ``extended``. This module
assembles the one catalogue, ``FAULT_LIST`` (in the order the faults were written: the first
ones group by group, then the issue-12 arrivals section by section) and ``FAULTS`` by name.
Which of the suite's tests are expected to catch a fault is the tests' own business
(``tests/mutation/selection.py``); nothing here knows them.
"""

from __future__ import annotations

from conformance.mutants.catalogue import Fault, listing, named
from conformance.mutants.faults import extended, keys, names, regions, response, state, tags, transport
from conformance.reference.actions import Behaviour

__all__ = ["FAULTS", "FAULT_LIST", "Fault", "apply_fault", "describe_faults"]

FAULT_LIST: tuple[Fault, ...] = (
    # Written first (issues 7 to 11), one group of the contract after the other.
    *transport.FAULTS,
    *response.FAULTS,
    *names.FAULTS,
    *keys.FAULTS,
    *regions.FAULTS,
    *tags.FAULTS,
    *state.FAULTS,
    *extended.FAULTS,
    # -- issue 12 arrivals, written from the contract before the suite was run against them ----
    # Each names the rule whose wording it contradicts (contract.py / requirements.md quoted).
    *names.REGEX_SLIPS,
    # Off-by-ones at each limit.
    *tags.OFF_BY_ONES,
    *state.OFF_BY_ONES,
    *response.WRONG_FIELD_FINGERPRINTS,
    *transport.ENCODING_BUGS,
    *transport.FORMAT_BUGS,
    *state.UPDATED_ON_ERROR,
    # Checks skipped on one code path (the rule is the same whatever the transport, IKP-T1).
    *names.SKIPPED_ON_V3,
    *tags.SKIPPED_ON_FORMS,
    *state.SKIPPED_ON_GET,
    *keys.SKIPPED_ON_FORMS,
)

FAULTS: dict[str, Fault] = {fault.name: fault for fault in FAULT_LIST}


def apply_fault(name: str, behaviour: Behaviour) -> Behaviour:
    """``behaviour`` with the named fault injected (``ValueError`` for an unknown name)."""
    return named(FAULTS, name, "fault").apply(behaviour)


def describe_faults() -> list[str]:
    """One line per fault: name, the requirement(s) it breaks, what it does."""
    return listing(((f.name, ",".join(f.breaks), f.description) for f in FAULT_LIST), 22)
