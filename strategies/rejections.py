"""Rejected imports of a name that already exists: the kinds of refused request the state tests
send against a stored key pair, to see it unchanged afterwards (IKP-S2, IKP-X1, IKP-N6).

This module owns which refusals address a stored key pair. Each kind but one swaps one part of
a valid request under the stored name for a broken one, the way ``cases.invalid_import_cases``
builds its cases: a broken key (IKP-K3), no or an empty key (IKP-K1), each IKP-TG2 tag rule,
an unknown resource group (IKP-G3). The last kind, ``duplicate``, is a valid request (another
key, other tags) under the stored name: ``KeyPair.AlreadyExist`` (IKP-N6). The state model
also accepts ``KeyPair.AlreadyExist`` for the broken ones (the name exists), so a target may
check the name first.

Not here, on purpose: a broken or absent name and an absent or unknown region (the request
does not address the stored key pair), and Profile inputs (repeated tag keys, ``acs:`` tag
values, other key encodings: a legal target may accept them, so they are no rejection).

``rejection_parts`` draws a part of one kind; ``REJECTION_ROWS`` holds one fixed part per
kind, so a quick run hits every kind whatever its example budget; ``rejected_import`` builds
the request around a valid case.
"""

from __future__ import annotations

from collections.abc import Mapping

from hypothesis import strategies as st

from conformance.case import Case, Outcome
from conformance.contract import (
    RESOURCE_GROUP_NOT_FOUND,
    TAG_KEY_MAX_LENGTH,
    TAG_MAX_COUNT,
    TAG_VALUE_MAX_LENGTH,
)
from strategies.broken import DOC_EXAMPLE_BODY, broken_keys
from strategies.cases import (
    KEY_PARAM,
    REGION_PARAM,
    RESOURCE_GROUP_PARAM,
    missing_part,
    recombine,
    region_part,
    unknown_resource_group_parts,
)
from strategies.draws import memoized
from strategies.names import valid_name_part
from strategies.samples import MALFORMED_KEY, KeySample, Part, Validity
from strategies.tags import INVALID_TAG_RULES, Tag, flatten, invalid_tag_parts

DUPLICATE = "duplicate"
KEY_KINDS = ("key:broken", "key:absent", "key:empty")
TAG_KINDS = tuple(f"tags:{rule}" for rule in INVALID_TAG_RULES)
GROUP_KINDS = ("resource-group:unknown",)
REJECTION_KINDS = (*KEY_KINDS, *TAG_KINDS, *GROUP_KINDS, DUPLICATE)

# The parameters each kind's part replaces in the valid case it is built around.
_REPLACES = {"key": (KEY_PARAM,), "tags": ("Tag.",), "resource-group": (RESOURCE_GROUP_PARAM,)}


@memoized
def rejection_parts(
    kind: str, known_resource_group: str | None = None
) -> st.SearchStrategy[Part | KeySample | None]:
    """The broken part of a rejection of ``kind`` (None for ``duplicate``: nothing is broken)."""
    if kind == "key:broken":
        return broken_keys()
    if kind in ("key:absent", "key:empty"):
        return st.just(missing_part(KEY_PARAM, "IKP-K1", empty=kind == "key:empty"))
    if kind in TAG_KINDS:
        return invalid_tag_parts((kind.removeprefix("tags:"),))
    if kind == "resource-group:unknown":
        return unknown_resource_group_parts(known_resource_group)
    if kind == DUPLICATE:
        return st.none()
    raise ValueError(f"unknown rejection kind {kind!r} (one of {REJECTION_KINDS})")


def _tags(*pairs: Tag) -> dict[str, str]:
    """``Tag.N.Key``/``Tag.N.Value`` parameters (``tags.flatten``); None leaves that half out."""
    return flatten(list(pairs))


_KEPT = (1, "rejected", "r")  # a valid tag beside the broken one: the tag set differs from any stored one
_TAG_ROWS: Mapping[str, dict[str, str]] = {
    "empty-key": _tags(_KEPT, (2, "", "v")),
    "key-too-long": _tags(_KEPT, (2, "k" * (TAG_KEY_MAX_LENGTH + 1), "v")),
    "key-forbidden-prefix": _tags(_KEPT, (2, "acs:rejected", "v")),
    "key-url": _tags(_KEPT, (2, "a-http://x", "v")),
    "value-too-long": _tags(_KEPT, (2, "k", "v" * (TAG_VALUE_MAX_LENGTH + 1))),
    "value-url": _tags(_KEPT, (2, "k", "a-https://x")),
    "index-zero": _tags(_KEPT, (0, "k", "v")),
    "index-over-max": _tags(_KEPT, (TAG_MAX_COUNT + 1, "k", "v")),
    "too-many-tags": _tags(*((n, f"rejected{n}", "r") for n in range(1, TAG_MAX_COUNT + 2))),
    "value-without-key": _tags(_KEPT, (2, None, "v")),
}
assert set(_TAG_ROWS) == set(INVALID_TAG_RULES)
# The input class of a row whose rule has a choice (``classes.py``): the choice the row made.
_TAG_CLASS = {
    "key-forbidden-prefix": "key-starts-acs",
    "key-url": "key-contains-http",
    "value-url": "value-contains-https",
}


def _row(kind: str) -> Part | None:
    if kind == "key:broken":
        return Part({KEY_PARAM: DOC_EXAMPLE_BODY}, Validity.INVALID, frozenset({MALFORMED_KEY}),
                    ("IKP-K3",), "key:not-a-key@doc-example", about=(KEY_PARAM,))  # fmt: skip
    if kind in ("key:absent", "key:empty"):
        return missing_part(KEY_PARAM, "IKP-K1", empty=kind == "key:empty")
    if kind in TAG_KINDS:
        rule = kind.removeprefix("tags:")
        return Part(_TAG_ROWS[rule], Validity.INVALID, frozenset({Outcome.any_client_error()}),
                    ("IKP-TG2",), f"tags:{_TAG_CLASS.get(rule, rule)}")  # fmt: skip
    if kind == "resource-group:unknown":
        return Part({RESOURCE_GROUP_PARAM: "rg-ikpunknownrejection0"}, Validity.INVALID,
                    frozenset({Outcome.error(RESOURCE_GROUP_NOT_FOUND)}), ("IKP-G3",), kind)  # fmt: skip
    return None  # duplicate


# One fixed part per kind (None for ``duplicate``), for the deterministic rows of the state tests.
REJECTION_ROWS: Mapping[str, Part | None] = {kind: _row(kind) for kind in REJECTION_KINDS}


def rejected_import(
    base: Case, name: str, region: str, kind: str, part: Part | KeySample | None, prefix: str = ""
) -> Case:
    """The valid ``base`` request under ``name`` in ``region``, with its part of ``kind``
    replaced by ``part``: refused, with the part's errors (``duplicate``: valid, the state
    model expects ``KeyPair.AlreadyExist``). Every other part of ``base`` is kept with its own
    requirements; ``base`` should carry another key and other tags than the stored pair, so
    that a target storing any of them is seen in DescribeKeyPairs."""
    without: tuple[str, ...] = ("KeyPairName", REGION_PARAM)
    swapped: list[Part | KeySample] = [valid_name_part(name, prefix), region_part(region)]
    if part is not None:
        without += _REPLACES[kind.split(":", 1)[0]]
        swapped.append(part)
    return recombine(base, *swapped, without=without)
