"""Name parts (IKP-N1..N5) and tag parts (IKP-TG1..TG3), checked against rule checkers
written here from requirements.md (not from the strategies' tables)."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import find, given, settings
from strategies_oracles import collect, reaches

from conformance.case import Outcome, OutcomeKind
from conformance.contract import INVALID_KEY_PAIR_NAME
from strategies.classes import INVENTORY
from strategies.names import (
    FORBIDDEN_CLASSES,
    absent_name_part,
    empty_name_part,
    invalid_name_parts,
    name_class_part,
    profile_name_parts,
    valid_name_parts,
)
from strategies.samples import Part, Validity
from strategies.tags import INVALID_TAG_RULES, invalid_tag_parts, profile_tag_parts, valid_tag_parts

PREFIX = "ikpa1b2c3-"
VALID_NAME = re.compile(r"[A-Za-z][A-Za-z0-9:_-]{1,127}")


def name_violations(name: str) -> set[str]:
    """Which of IKP-N2/N3/N4 ``name`` breaks (the contract read directly)."""
    broken = set()
    if not 2 <= len(name) <= 128:
        broken.add("IKP-N2")
    if name and not re.fullmatch(r"[A-Za-z]", name[0]):
        broken.add("IKP-N3")  # any non-letter first; forbidden anywhere: IKP-N4 too
        if not (re.fullmatch(r"[0-9:_-]", name[0]) or unicodedata.category(name[0]) == "Nd"):
            broken.add("IKP-N4")
    if any(not re.fullmatch(r"[A-Za-z0-9:_-]", c) for c in name[1:]):
        broken.add("IKP-N4")
    return broken


@pytest.mark.parametrize("prefix", ["", PREFIX])
def test_valid_names(prefix: str) -> None:
    names = [p.params["KeyPairName"] for p in collect(valid_name_parts(prefix), 400)]
    for name in names:
        assert VALID_NAME.fullmatch(name), name
        assert name.startswith(prefix)
    shortest = max(2, len(prefix) + 1)
    assert min(len(n) for n in names) >= shortest
    for size in (shortest, 128):
        reaches(valid_name_parts(prefix), lambda p, n=size: len(p.params["KeyPairName"]) == n)
    assert set("".join(names)) >= set(":_-0123456789") | {"a", "Z"}


@settings(max_examples=1)
@given(valid_name_parts().map(lambda p: p.params["KeyPairName"]))
def test_valid_names_shrink_to_the_simplest(name: str) -> None:
    # the first example Hypothesis generates is the minimal one: the shortest name
    assert len(name) == 2 and VALID_NAME.fullmatch(name)


@pytest.mark.parametrize("prefix", ["", PREFIX])
def test_invalid_names_break_exactly_the_rule_they_claim(prefix: str) -> None:
    rules = set()
    for part in collect(invalid_name_parts(prefix), 500):
        name = part.params["KeyPairName"]
        assert part.validity is Validity.INVALID
        assert part.outcomes() == frozenset({Outcome.error(INVALID_KEY_PAIR_NAME)})
        assert name_violations(name) == set(part.requirements), (name, part.rule)
        rules.add(part.rule)
        if part.rule.startswith("name:forbidden") and prefix:  # @first: at index 1, inside the prefix
            if part.rule.endswith("@first"):
                assert name[0] == prefix[0] and 2 <= name.find(prefix[1:]) <= 3, (name, part.rule)
            else:
                assert name.startswith(prefix), (name, part.rule)
    expected = {
        c.id for c in INVENTORY
        if c.requirement in ("IKP-N2", "IKP-N3", "IKP-N4") and not c.id.startswith("name:valid")
    }  # fmt: skip
    assert rules <= expected and len(rules) >= 40, sorted(expected - rules)
    base = (prefix or "ab") + "cd1"
    for rule in sorted(expected):  # every class, deterministically (the suite's rows)
        part = name_class_part(rule.removeprefix("name:"), base, prefix)
        name = part.params["KeyPairName"]
        assert part.rule == rule and name_violations(name) == set(part.requirements), (rule, name)
        if "@" in rule:
            bad = FORBIDDEN_CLASSES[rule.removeprefix("name:forbidden-").split("@")[0]][0]
            where = {"first": 1, "last": len(name) - len(bad)}.get(rule.split("@")[1])
            found = name.index(bad, 1)
            assert found == where if where is not None else max(1, len(prefix)) < found < len(name) - len(bad)


def test_a_trailing_newline_is_drawn_and_invalid() -> None:
    """The name a '$'-anchored regular expression accepts: valid, then '\\n' at the end."""
    part = find(invalid_name_parts(PREFIX), lambda p: p.rule == "name:forbidden-newline@last")
    name = part.params["KeyPairName"]
    assert name.endswith("\n") and VALID_NAME.fullmatch(name[:-1]) and re.match(r"^[A-Za-z][\w:-]*$", name)


def test_empty_and_absent_names() -> None:
    empty, absent = empty_name_part(), absent_name_part()
    assert empty.params == {"KeyPairName": ""} and absent.params == {}
    codes = {o.code for o in empty.outcomes()}
    assert codes == {"MissingParameter", "InvalidKeyPairName.Malformed"}
    assert [o.code for o in absent.outcomes()] == ["MissingParameter"]
    assert all('"KeyPairName"' in (o.message or "") for o in absent.outcomes())
    assert empty.requirements == absent.requirements == ("IKP-N1",)


def test_profile_names() -> None:
    kinds = set()
    for part in collect(profile_name_parts(PREFIX), 400):
        name = part.params["KeyPairName"]
        assert part.validity is Validity.PROFILE and part.profile and part.requirements == ("IKP-N5",)
        kinds_out = {OutcomeKind.SUCCESS, OutcomeKind.ERROR}
        assert {o.kind for o in part.outcomes()} == kinds_out
        odd = [c for c in name if not re.fullmatch(r"[A-Za-z0-9:_-]", c)]
        assert len(odd) == 1 and (odd[0] == "." or unicodedata.category(odd[0])[0] in "LN"), name
        if unicodedata.category(odd[0])[0] == "N":  # a number: never first (IKP-N3 says letter)
            assert name.index(odd[0]) > 0 and part.rule.endswith("-inside"), name
        assert VALID_NAME.fullmatch(name.replace(odd[0], "", 1) if name.index(odd[0]) else name[1:])
        assert len(name) <= 128 and PREFIX in name
        kinds.add(part.rule)
    assert any(r.endswith("-first") for r in kinds) and "name:dot-inside" in kinds


# -- tags ---------------------------------------------------------------------------------------
TAG = re.compile(r"Tag\.(\d+)\.(Key|Value)")


def tag_violations(params: dict[str, str]) -> set[str]:
    """Rule labels of IKP-TG2/TG3 that a tag parameter set breaks (read from requirements.md)."""
    keys: dict[int, str] = {}
    values: dict[int, str] = {}
    for name, value in params.items():
        match = TAG.fullmatch(name)
        assert match, name
        (keys if match.group(2) == "Key" else values)[int(match.group(1))] = value
    out = set()
    indices = set(keys) | set(values)
    if any(n < 1 for n in indices):
        out.add("index")
    if any(n > 20 for n in indices) or len(indices) > 20:
        out.add("index")
    if set(values) - set(keys):
        out.add("value-without-key")
    for key in keys.values():
        if key == "":
            out.add("empty-key")
        if len(key) > 128:
            out.add("key-too-long")
        if key.lower().startswith(("acs:", "aliyun")):
            out.add("key-prefix")
        if "http://" in key.lower() or "https://" in key.lower():
            out.add("key-url")
    for value in values.values():
        if len(value) > 128:
            out.add("value-too-long")
        if "http://" in value.lower() or "https://" in value.lower():
            out.add("value-url")
        if value.lower().startswith("acs:"):
            out.add("profile:value-acs")
    if len({k.lower() for k in keys.values()}) < len(keys):
        out.add("profile:duplicate-key")
    return out


def test_valid_tags() -> None:
    parts = collect(valid_tag_parts(), 300)
    counts = set()
    for part in parts:
        assert tag_violations(dict(part.params)) == set(), part.params
        assert part.outcomes() == frozenset({Outcome.success()})
        n = len([k for k in part.params if k.endswith(".Key")])
        counts.add(n)
        assert all(f"Tag.{i}.Value" in part.params for i in range(1, n + 1))

    def count(part: Part) -> int:
        return len([k for k in part.params if k.endswith(".Key")])

    for n in (0, 20):
        reaches(valid_tag_parts(), lambda p, n=n: count(p) == n, parts)
    for size in (0, 128):
        reaches(valid_tag_parts(), lambda p, n=size: any(len(v) == n for v in p.params.values()), parts)


CHECKER_LABEL = {
    "empty-key": "empty-key",
    "key-too-long": "key-too-long",
    "key-forbidden-prefix": "key-prefix",
    "key-url": "key-url",
    "value-too-long": "value-too-long",
    "value-url": "value-url",
    "index-zero": "index",
    "index-over-max": "index",
    "too-many-tags": "index",
    "value-without-key": "value-without-key",
}


@pytest.mark.parametrize("rule", INVALID_TAG_RULES)
def test_invalid_tags_break_exactly_one_rule(rule: str) -> None:
    """IKP-TG2, one rule at a time, among otherwise valid tags (an ``acs:`` value may come
    along by chance: that is Profile, never a second TG2 break)."""
    for part in collect(invalid_tag_parts((rule,)), 40):
        broken = tag_violations(dict(part.params)) - {"profile:value-acs"}
        assert broken == {CHECKER_LABEL[rule]}, (part.rule, part.params)
        assert part.requirements == ("IKP-TG2",)
        assert part.outcomes() == frozenset({Outcome.any_client_error()})


def test_profile_tags() -> None:
    seen = set()
    for part in collect(profile_tag_parts(), 200):
        broken = tag_violations(dict(part.params))
        assert broken in ({"profile:value-acs"}, {"profile:duplicate-key"}), (part.rule, part.params)
        assert part.outcomes() == frozenset({Outcome.success(), Outcome.any_client_error()})
        assert part.profile and part.requirements == ("IKP-TG3",)
        seen |= broken
    assert len(seen) == 2
