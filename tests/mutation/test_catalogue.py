"""The fault and variant catalogues themselves: names, requirement IDs, coverage of requirements.md,
the command line, and that the clean server is untouched by the hook points; and the test
selection of each fault (``selection.py``): one for every fault, each naming real suite tests."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import conformance.requirements
from conformance import contract
from conformance.mutants.faults import FAULT_LIST, FAULTS, Fault, apply_fault
from conformance.mutants.variants import (
    EXTREME_VARIANTS,
    SINGLE_VARIANTS,
    VARIANT_LIST,
    VARIANTS,
    apply_variant,
)
from conformance.reference import actions, start_server

from .selection import SELECTION

CHECKED_TIERS = (contract.Tier.CORE, contract.Tier.EXTENDED)


ISSUE_12_FIRST = "name-trailing-newline-accepted"  # the first fault written from the contract's text
KEBAB = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SUITE = Path(conformance.requirements.__file__).resolve().parent  # the suite's test modules


def _suite_test_names() -> set[str]:
    names: set[str] = set()
    for path in SUITE.glob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names |= {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    return names


def test_at_least_40_faults_with_unique_names() -> None:
    assert len(FAULT_LIST) >= 40
    assert len(FAULTS) == len(FAULT_LIST)
    assert len(VARIANTS) == len(VARIANT_LIST)


def test_issue_12_added_at_least_32_faults_after_the_first_40() -> None:
    names = [fault.name for fault in FAULT_LIST]
    assert names.index(ISSUE_12_FIRST) >= 40
    assert len(names) - names.index(ISSUE_12_FIRST) >= 32


@pytest.mark.parametrize("fault", FAULT_LIST, ids=[f.name for f in FAULT_LIST])
def test_each_fault_is_named_and_described(fault: Fault) -> None:
    assert KEBAB.fullmatch(fault.name), fault.name
    assert fault.breaks and len(set(fault.breaks)) == len(fault.breaks)
    for req in fault.breaks:
        contract.requirement(req)
    assert fault.description and "\n" not in fault.description


def test_every_fault_has_a_selection_and_every_selection_a_fault() -> None:
    assert set(FAULTS) - set(SELECTION) == set(), "faults without a test selection"
    assert set(SELECTION) - set(FAULTS) == set(), "selections of no fault"


def test_the_suite_has_test_functions_to_select() -> None:
    assert len(_suite_test_names()) >= 20, SUITE


@pytest.mark.parametrize("name", list(SELECTION))
def test_each_selection_names_real_tests(name: str) -> None:
    words = [w for w in re.split(r"\s+|[()]", SELECTION[name]) if w and w not in ("or", "and", "not")]
    tests = _suite_test_names()
    assert words, name
    for word in words:  # a -k word selects tests whose name contains it
        assert any(word in test for test in tests), (name, word)


def test_faults_cover_every_core_and_extended_requirement() -> None:
    checked = {r.id for r in contract.REQUIREMENTS if r.tier in CHECKED_TIERS}
    broken = {req for fault in FAULT_LIST for req in fault.breaks}
    assert checked - broken == set()
    assert broken <= checked, "a fault claims to break a Profile point, which no target can fail"


def test_variants_cover_every_profile_point() -> None:
    profile = {r.id for r in contract.REQUIREMENTS if r.tier is contract.Tier.PROFILE}
    readings = {v.readings[0] for v in SINGLE_VARIANTS}
    assert profile <= readings
    for variant in VARIANT_LIST:
        for reading in variant.readings:
            contract.requirement(reading)


def test_the_extremes_read_every_profile_point_at_once() -> None:
    profile = {r.id for r in contract.REQUIREMENTS if r.tier is contract.Tier.PROFILE}
    assert [v.name for v in EXTREME_VARIANTS] == ["lenient", "strict"]
    for variant in EXTREME_VARIANTS:
        assert not variant.single
        assert profile <= set(variant.readings), variant.name
    assert all(v.single for v in SINGLE_VARIANTS)
    assert VARIANT_LIST == SINGLE_VARIANTS + EXTREME_VARIANTS


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_each_fault_changes_the_behaviour(name: str) -> None:
    clean = actions.Behaviour()
    assert apply_fault(name, clean) != clean


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_each_variant_changes_the_behaviour(name: str) -> None:
    clean = actions.Behaviour()
    assert apply_variant(name, clean) != clean


def test_unknown_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        start_server(fault="no-such-fault")
    with pytest.raises(ValueError, match="unknown variant"):
        start_server(variant="no-such-variant")


def test_list_options_print_one_line_each_and_exit_0() -> None:
    for option, names in (("--list-faults", FAULTS), ("--list-variants", VARIANTS)):
        proc = subprocess.run(
            [sys.executable, "-m", "conformance.reference", option],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.splitlines()
        assert [line.split()[0] for line in lines] == list(names)
        assert all(len(line.split()) > 2 for line in lines)


def test_unknown_fault_on_the_command_line_is_a_usage_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "conformance.reference", "--port", "0", "--fault", "nope"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 2 and "unknown fault" in proc.stderr
