"""The inventory of input classes (``strategies/classes.py``): well formed, and the
denominator of what the generators draw (every label a generator produces is a class)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance import contract
from conformance.case import Case
from strategies import cases, classes
from strategies.bodies import profile_keys, valid_keys
from strategies.broken import BROKEN_FAMILIES, broken_keys
from strategies.names import invalid_name_parts, profile_name_parts, valid_name_parts
from strategies.samples import KeySample, Part

PREFIX = "ikpa1b2c3-"
# Labels a generator draws that are no input class of any rule: the target's own region, and
# no tags at all (neither tests a rule).
NOT_CLASSES = frozenset({"region:known", "tags:valid-0"})
_ID = re.compile(r"[A-Za-z]+(?:-[a-z]+)*:[a-z0-9]+(?:-[a-z0-9]+)*(?:@[A-Za-z0-9@.-]+)?")


def test_ids_are_unique_stable_and_name_real_requirements() -> None:
    ids = [c.id for c in classes.INVENTORY]
    assert len(ids) == len(set(ids))
    known = {r.id for r in contract.REQUIREMENTS}
    for cls in classes.INVENTORY:
        assert cls.requirement in known, cls
        assert _ID.fullmatch(cls.id), cls.id
        assert cls.label == cls.id and cls.description
        assert classes.class_of(cls.id) == cls.id
    # every name, key, region, tag and transport rule the contract states has classes
    assert set(classes.complete_requirements()) == {
        "IKP-N1", "IKP-N2", "IKP-N3", "IKP-N4", "IKP-N5", "IKP-K1", "IKP-K2", "IKP-K3", "IKP-K4", "IKP-K5",
        "IKP-G1", "IKP-G2", "IKP-G3", "IKP-TG1", "IKP-TG2", "IKP-TG3", "IKP-T1", "IKP-T2",
    }  # fmt: skip


def test_the_inventory_holds_what_the_contract_names() -> None:
    ids = set(classes.BY_ID)
    for where in ("first", "middle", "last"):
        for kind in ("space", "slash", "at", "quote", "newline", "carriage-return", "tab", "emoji"):
            assert f"name:forbidden-{kind}@{where}" in ids
    assert {"name:length-1", "name:valid-length-min", "name:valid-length-max", "name:length-129"} <= ids
    for undocumented in contract.UNDOCUMENTED_KEY_TYPES:
        assert f"key:undocumented-type@{undocumented}" in ids
    for key_type in contract.DOCUMENTED_KEY_TYPES:
        assert f"key:openssh@{key_type}" in ids and f"key:type-case@{key_type}" in ids
        for family, broken in BROKEN_FAMILIES.items():
            if broken.applies is not None and key_type in broken.applies:
                assert f"key:{family}@{key_type}" in ids
    for curve in ("nistp256", "nistp384", "nistp521"):
        assert f"key:curve-case@ecdsa-sha2-{curve}" in ids
    # soundness: a Unicode digit after the first character is a Profile point, never Core
    assert classes.BY_ID["name:unicode-digit-inside"].requirement == "IKP-N5"


def _labels(value: Case | Part | KeySample) -> list[str]:
    if isinstance(value, Case):
        return [p.rule for p in value.parts]
    if isinstance(value, KeySample):
        return [value.label()]
    return [value.rule]


_DRAWN = st.one_of(
    cases.import_cases("cn-hangzhou", PREFIX, "rg-known"),
    invalid_name_parts(PREFIX),
    invalid_name_parts(""),
    profile_name_parts(PREFIX),
    valid_name_parts(PREFIX),
    broken_keys(),
    profile_keys(),
    valid_keys(),
)


@settings(max_examples=300)
@given(_DRAWN)
def test_every_drawn_label_is_an_inventory_class(value: Case | Part | KeySample) -> None:
    for label in _labels(value):
        assert label in NOT_CLASSES or classes.class_of(label) is not None, label
