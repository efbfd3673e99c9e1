"""``Suite.freshen``: a case that may succeed gets a name unused so far, always, and fast."""

from __future__ import annotations

import string

from conformance import contract
from conformance.results import RunResults
from conformance.suite import Suite, simple_case
from conformance.target import Target, TargetConfig


def _suite(prefix: str = "ikpabc-") -> Suite:
    return Suite(Target(TargetConfig("http://127.0.0.1:9")), RunResults(), prefix=prefix)


def test_crowded_short_names_still_get_a_fresh_one() -> None:
    suite = _suite()
    for letter in string.ascii_letters:
        suite.model.add(contract.DEFAULT_REGION, "ikpabc-" + letter)
    fresh = suite.freshen(simple_case("ikpabc-a", contract.DEFAULT_REGION))
    name = fresh.params["KeyPairName"]
    taken = {n.lower() for n in suite.model.names(contract.DEFAULT_REGION)}
    assert name.lower() not in taken
    assert name.startswith("ikpabc-") and name[len("ikpabc-") :].isalpha()


def test_a_full_length_name_keeps_its_length() -> None:
    suite = _suite()
    name = "ikpabc-" + "x" * (contract.NAME_MAX_LENGTH - 7)
    suite.model.add(contract.DEFAULT_OTHER_REGION, name.upper())  # any region, any case
    fresh = suite.freshen(simple_case(name, contract.DEFAULT_REGION)).params["KeyPairName"]
    assert fresh.lower() != name.lower() and len(fresh) == contract.NAME_MAX_LENGTH


def test_unused_names_and_invalid_cases_are_left_alone() -> None:
    suite = _suite()
    case = simple_case("ikpabc-new", contract.DEFAULT_REGION)
    assert suite.freshen(case) is case
