"""Deterministic row tables of the requirement tests: the boundary rows that must run whatever
the Hypothesis budget (a random draw reaches each of them only now and then), as data, and
the parts that turn one row into a request part.

* ``TAG_EDGES``: one row per tag class of the inventory (``classes.py``, ``tags:<id>``);
* ``VERBATIM_TAGS``: tags that must come back verbatim from DescribeKeyPairs (IKP-X1);
* ``REGION_ROWS``: absent, empty and unknown RegionId (IKP-G1, IKP-G2).

Each row's first field is its test id (reports and the mutation tests select by it).
"""

from __future__ import annotations

from conformance import contract
from conformance.case import Outcome
from strategies import cases
from strategies.samples import Part, Validity, valid_part
from strategies.tags import Tag, flatten

_MAX = contract.TAG_MAX_COUNT
_KEY_MAX, _VALUE_MAX = contract.TAG_KEY_MAX_LENGTH, contract.TAG_VALUE_MAX_LENGTH


def _tags(*pairs: Tag) -> dict[str, str]:
    """``Tag.N.Key``/``Tag.N.Value`` parameters (``tags.flatten``); None leaves that half out."""
    return flatten(list(pairs))


def _many(count: int) -> list[tuple[int, str | None, str | None]]:
    return [(n, f"k{n}", f"v{n}") for n in range(1, count + 1)]


# (class, valid?, parameters). The invalid ones are the classes ``tags.invalid_tag_parts``
# draws, so a quick run reaches every one of them. Lengths are in characters (IKP-TG1): a key
# of 128 CJK characters is 384 UTF-8 bytes. The XML specials must come back unchanged from
# DescribeKeyPairs in either format (IKP-X1).
_XML_SPECIALS = "R&D <core> \"q\" 'a' &amp;"
TAG_EDGES: list[tuple[str, bool, dict[str, str]]] = [
    ("valid-1", True, _tags((1, "k", "v"))),
    ("valid-some", True, _tags(*_many(3))),
    (f"valid-{_MAX}", True, _tags(*_many(_MAX))),
    ("key-max-value-max", True, _tags((1, "k" * _KEY_MAX, "v" * _VALUE_MAX))),
    ("multibyte-max", True, _tags((1, "\u952e" * _KEY_MAX, "\u00e9" * _VALUE_MAX))),
    ("xml-specials", True, _tags((1, "a&b<c>", _XML_SPECIALS))),
    ("value-empty", True, _tags((1, "k", ""))),
    ("too-many-tags", False, _tags(*_many(_MAX + 1))),
    ("index-over-max", False, _tags((_MAX + 1, "k", "v"))),
    ("index-zero", False, _tags((0, "k", "v"))),
    ("empty-key", False, _tags((1, "", "v"))),
    ("key-too-long", False, _tags((1, "k" * (_KEY_MAX + 1), "v"))),
    ("value-too-long", False, _tags((1, "k", "v" * (_VALUE_MAX + 1)))),
    ("value-without-key", False, _tags((1, None, "v"))),
    *[
        (f"key-starts-{p.rstrip(':')}", False, _tags((1, p + "x", "v")))
        for p in contract.TAG_KEY_FORBIDDEN_PREFIXES
    ],
    *[
        (f"key-contains-{w[:-3]}", False, _tags((1, f"a{w}x", "v")))
        for w in contract.TAG_FORBIDDEN_SUBSTRINGS
    ],
    *[
        (f"value-contains-{w[:-3]}", False, _tags((1, "k", f"a{w}x")))
        for w in contract.TAG_FORBIDDEN_SUBSTRINGS
    ],
]


def tag_row_part(row: str, valid: bool, tag_params: dict[str, str]) -> Part:
    """The tags of one ``TAG_EDGES`` row: valid (IKP-TG1) or refused with any 4xx (IKP-TG2)."""
    if valid:
        return valid_part(tag_params, ("IKP-TG1",), f"tags:{row}")
    rejected = frozenset({Outcome.any_client_error()})
    return Part(tag_params, Validity.INVALID, rejected, ("IKP-TG2",), f"tags:{row}")


# Tags whose text must come back verbatim in either format: XML specials (an XML writer that
# does not escape them breaks its body) and 128 multi-byte characters (IKP-TG1, IKP-X1).
VERBATIM_TAGS: dict[str, list[Tag]] = {
    "xml-specials": [(1, "a&b<c>", _XML_SPECIALS), (2, "k]]>", "]]><x/>")],
    "multibyte-max": [(1, "\u952e" * contract.TAG_KEY_MAX_LENGTH, "\u00e9" * contract.TAG_VALUE_MAX_LENGTH)],
}


def verbatim_tag_part(row: str) -> Part:
    """The valid tags of one ``VERBATIM_TAGS`` row."""
    return valid_part(flatten(VERBATIM_TAGS[row]), ("IKP-TG1",), f"tags:{row}")


# (id, RegionId or None for absent, the requirement it exercises)
REGION_ROWS: list[tuple[str, str | None, str]] = [
    ("absent", None, "IKP-G1"),
    ("empty", "", "IKP-G1"),
    ("unknown", "xx-nowhere-1", "IKP-G2"),
]


def region_row_part(region: str | None, requirement: str) -> Part:
    """The RegionId of one ``REGION_ROWS`` row: absent or empty -> MissingParameter; unknown
    -> a 4xx with a Code."""
    if region is None or region == "":
        return cases.missing_part(cases.REGION_PARAM, requirement, empty=region == "")
    return Part({cases.REGION_PARAM: region}, Validity.INVALID, frozenset({Outcome.any_client_error()}),
                (requirement,), "region:unknown")  # fmt: skip
