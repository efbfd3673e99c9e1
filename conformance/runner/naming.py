"""Helpers of the KeyPairName tests (IKP-N1..N7): a valid case under another name or region
(``renamed``), the two-character name no key pair has (``free_two_character_name``), the case
of one name class row (``name_row_case``) and a valid case without its name (``nameless``)."""

from __future__ import annotations

from conformance.case import Case
from conformance.runner.session import Suite
from conformance.runner.simple import simple_case
from strategies import cases, classes
from strategies.names import FIRST_CHARACTERS, NAME_CHARACTERS, name_class_part, valid_name_part
from strategies.samples import Part


def renamed(ikp: Suite, case: Case, name: str, region: str | None = None) -> Case:
    """The valid ``case`` under ``name`` (and ``region``), each part with its own rules."""
    swap = (valid_name_part(name, ikp.prefix if name.startswith(ikp.prefix) else ""),)
    if region is None:
        return cases.recombine(case, *swap, without=("KeyPairName",))
    return cases.recombine(case, *swap, cases.region_part(region), without=("KeyPairName", "RegionId"))


def free_two_character_name(ikp: Suite, first: str, second: str) -> str:
    """``first + second`` if no key pair of this run has it in any case and the target lists
    it in neither region (when it can list), else the first such two-character name; the
    drawn one when none is free."""
    ours = {n.lower() for region in ikp.model.regions() for n in ikp.model.names(region)}

    def free(candidate: str) -> bool:
        if candidate.lower() in ours:
            return False
        if not ikp.capabilities.describe:
            return True
        return not any(
            candidate.lower() in {n.lower() for n in ikp.list_names(region, candidate)}
            for region in (ikp.region, ikp.other_region)
        )

    candidates = [first + second] + [a + b for a in FIRST_CHARACTERS for b in NAME_CHARACTERS]
    return next((c for c in candidates if free(c)), first + second)


def name_row_case(ikp: Suite, row: classes.InputClass) -> Case:
    """A fresh valid import with its name replaced by one of class ``row``."""
    base = simple_case(ikp.unique_name("edge"), ikp.region)
    part = name_class_part(row.id.removeprefix("name:"), base.params["KeyPairName"], ikp.prefix)
    assert part.rule == row.id and row.requirement in part.requirements
    return cases.recombine(base, part, without=("KeyPairName",))


def one_way_only(row: classes.InputClass) -> bool:
    """Rows sent one way only: the random draws send these classes every way too."""
    return row.id.endswith(("@first", "@middle")) or row.requirement in ("IKP-N1", "IKP-N5")


def nameless(valid: Case, part: Part) -> Case:
    """The parameters of ``valid`` with its name replaced by ``part``'s (absent or empty),
    judged by ``part`` alone."""
    params = {k: v for k, v in valid.params.items() if k != "KeyPairName"} | dict(part.params)
    return Case(params, part.rejections, part.requirements, description=part.rule, parts=(part.case_part(),))
