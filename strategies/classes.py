"""The inventory of input classes: per requirement, the equivalence classes and boundaries its
wording implies, as data next to the generators that draw them.

This module owns the denominator of "which inputs did the run send": every class here is a
``InputClass`` with a stable id, the requirement whose wording implies it, a one-line
description and, where soundness needs it, why it is invalid (or a Profile point) under every
legal reading. The id *is* the label a drawn request part carries (``Part.rule``,
``CasePart.rule``), so counting a run's classes is counting its part labels (``class_of``
maps a label to its class: a Profile key label ``key:rfc4716@ssh-rsa`` counts for its family
``key:rfc4716``, a tag count for its band). ``RunResults`` counts them per recorded verdict and
the report lists every class, a class never drawn marked as such.

The transport classes (IKP-T1: each transport and each client encoding; IKP-T2: each
``Format``) label the exchange rather than a part: ``transport_labels`` gives them for an
exchange, and the suite counts them with the part labels of each verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from conformance import contract
from conformance.contract import DOCUMENTED_KEY_TYPES, PLAIN_KEY_TYPES, RSA_KEY_SIZES
from conformance.exchange import BodyFormat, Transport
from conformance.target.encodings import CLIENT_ENCODINGS, SUITE
from strategies import names
from strategies.bodies import PROFILE_FAMILIES
from strategies.broken import BROKEN_FAMILIES
from strategies.tags import INVALID_TAG_RULES, PROFILE_TAG_RULES


@dataclass(frozen=True)
class InputClass:
    """One equivalence class of inputs: ``id`` is also the label a part of it carries."""

    id: str
    requirement: str
    description: str
    why: str = ""  # why the class is invalid (or Profile) under every legal reading

    @property
    def label(self) -> str:
        """The label a drawn part of this class carries (``Part.rule``): its id."""
        return self.id


_WHERE = {
    "first": "right after the first character (index 1)",
    "middle": "strictly inside",
    "last": "at the very end",
}
_FORBIDDEN_WHY = {
    "newline": "the classic regular expression whose '$' matches before a final newline takes it",
    "unicode-space": "no letter or digit; NFKC makes it a space",
    "format-character": "zero-width format character (Cf): no letter, no digit",
    "combining-mark": "an enclosing mark (Me): no letter, and composes with nothing under NFC",
    "unicode-punctuation": "punctuation or symbol (P*/S*) without decomposition: no letter or digit",
    "c1-control": "a C1 control (U+0085 is a line break to str.splitlines)",
}


def _names() -> list[InputClass]:
    out = [
        InputClass("name:absent", "IKP-N1", "no KeyPairName parameter -> MissingParameter"),
        InputClass("name:empty", "IKP-N1", "KeyPairName='' -> MissingParameter or Malformed"),
        InputClass("name:valid-length-min", "IKP-N2", "a valid name of 2 characters (the lower edge)"),
        InputClass("name:valid-length-max", "IKP-N2", "a valid name of 128 characters (the upper edge)"),
        InputClass("name:length-1", "IKP-N2", "1 character (below the lower edge) -> Malformed"),
        InputClass("name:length-129", "IKP-N2", "129 characters (just over the upper edge) -> Malformed"),
        InputClass("name:length-over-129", "IKP-N2", "130 characters or more -> Malformed"),
        InputClass("name:valid", "IKP-N4", "ASCII letters, digits, ':', '_', '-', inside the range"),
        InputClass("name:valid-extra-characters", "IKP-N4", "':', '_', '-' after the first"),
        InputClass(
            "name:valid-starts-http-word",
            "IKP-N4",
            "a valid name starting 'https' without '://' (only http:// and https:// are forbidden)",
        ),
    ]
    for cls, chars in names.BAD_FIRST_CLASSES.items():
        why = "a decimal digit is no letter under any reading" if cls == "unicode-digit" else ""
        out.append(
            InputClass(f"name:first-{cls}", "IKP-N3", f"first character {chars[:6]!r}... -> Malformed", why)
        )
    for cls in names.FORBIDDEN_CLASSES:
        for where in names.POSITIONS:
            out.append(
                InputClass(
                    f"name:{names.forbidden_rule(cls, where)}",
                    "IKP-N4",
                    f"{cls} {_WHERE[where]} of a valid name -> Malformed",
                    _FORBIDDEN_WHY.get(cls, ""),
                )
            )
    for scheme in contract.FORBIDDEN_NAME_PREFIXES:
        tag = scheme.rstrip(":/")
        out.append(InputClass(f"name:starts-{tag}", "IKP-N4", f"a name starting {scheme} -> Malformed"))
    for kind in names.NON_ASCII_LETTERS:
        for where in ("first", "inside"):
            out.append(InputClass(f"name:{kind}-{where}", "IKP-N5", f"a non-ASCII {kind} letter ({where})"))
    out.append(InputClass("name:dot-inside", "IKP-N5", "a '.' after the first character (current docs)"))
    out.append(
        InputClass(
            "name:unicode-digit-inside",
            "IKP-N5",
            "a non-ASCII decimal digit ('\u0663') after the first",
            "the docs say 'digits', not ASCII digits, and the current docs allow the Nd category",
        )
    )
    out.append(
        InputClass(
            "name:unicode-number-inside",
            "IKP-N5",
            "another Unicode number ('\u00b2', '\u216b') inside",
            "'\u00b2' has the numeric type Digit, Nl is a 'Letter' category: a reading may accept them",
        )
    )
    return out


def _version(key_type: str) -> str:
    return key_type if key_type in PLAIN_KEY_TYPES else f"{key_type} (certificate)"


def _keys() -> list[InputClass]:
    out = [
        InputClass("PublicKeyBody:absent", "IKP-K1", "no PublicKeyBody -> MissingParameter"),
        InputClass("PublicKeyBody:empty", "IKP-K1", "PublicKeyBody='' -> MissingParameter"),
    ]
    for key_type in DOCUMENTED_KEY_TYPES:
        out.append(
            InputClass(f"key:openssh@{key_type}", "IKP-K2", f"{_version(key_type)}, one line, no comment")
        )
        out.append(
            InputClass(
                f"key:openssh-comment@{key_type}", "IKP-K2", f"{_version(key_type)}, one line with a comment"
            )
        )
    for bits in RSA_KEY_SIZES:
        out.append(InputClass(f"key:rsa-{bits}@ssh-rsa", "IKP-K2", f"ssh-rsa of {bits} bits"))
    for broken in BROKEN_FAMILIES.values():
        variants = broken.applies if broken.applies is not None else broken.variants
        for variant in variants:
            what = _version(variant) if broken.applies is not None else variant
            out.append(InputClass(f"key:{broken.name}@{variant}", "IKP-K3", f"{broken.name}: {what}"))
    for family, (requirement, what, _types, _build) in PROFILE_FAMILIES.items():
        out.append(InputClass(f"key:{family}", requirement, f"{what} (any documented type it applies to)"))
    return out


def _regions_and_tags() -> list[InputClass]:
    out = [
        InputClass("RegionId:absent", "IKP-G1", "no RegionId -> MissingParameter"),
        InputClass("RegionId:empty", "IKP-G1", "RegionId='' -> MissingParameter"),
        InputClass("region:unknown", "IKP-G2", "a RegionId no target knows -> a 4xx with a Code"),
        InputClass("resource-group:known", "IKP-G3", "the resource group the target knows -> accepted"),
        InputClass("resource-group:unknown", "IKP-G3", "an unknown resource group -> NotFound"),
        InputClass("tags:valid-1", "IKP-TG1", "one valid tag"),
        InputClass("tags:valid-some", "IKP-TG1", "2 to 19 valid tags"),
        InputClass(f"tags:valid-{contract.TAG_MAX_COUNT}", "IKP-TG1", "the most tags allowed"),
        InputClass("tags:key-max-value-max", "IKP-TG1", "row: a 128-character key and value"),
        InputClass(
            "tags:multibyte-max",
            "IKP-TG1",
            "row: a key and a value of 128 non-ASCII characters (not bytes)",
        ),
        InputClass("tags:xml-specials", "IKP-TG1", "row: & < > \" ' in a key and value, kept verbatim"),
        InputClass("tags:value-empty", "IKP-TG1", "row: an empty value"),
    ]
    out += [InputClass(f"tags:{r}", "IKP-TG2", f"tags breaking one rule: {r}") for r in _tag_labels()]
    out += [
        InputClass(f"tags:{rule}", "IKP-TG3", f"the Profile tag case {rule}") for rule in PROFILE_TAG_RULES
    ]
    return out


def _tag_labels() -> list[str]:
    """The labels ``tags.invalid_tag_parts`` draws (a rule with a choice names the choice);
    the tag boundary rows (``conformance/requirements/test_tags.py``) carry the same ones."""
    drawn: list[str] = []
    for rule in INVALID_TAG_RULES:
        if rule == "key-forbidden-prefix":
            drawn += [f"key-starts-{p.rstrip(':')}" for p in contract.TAG_KEY_FORBIDDEN_PREFIXES]
        elif rule in ("key-url", "value-url"):
            side = rule.split("-")[0]
            drawn += [f"{side}-contains-{w.rstrip(':/')}" for w in contract.TAG_FORBIDDEN_SUBSTRINGS]
        else:
            drawn.append(rule)
    return list(dict.fromkeys(drawn))


def _transports() -> list[InputClass]:
    out = [InputClass(f"transport:{t.value}", "IKP-T1", f"requests over {t.value}") for t in Transport]
    out += [
        InputClass(f"encoding:{e.id}", "IKP-T1", f"written as {e.client}") for e in (SUITE, *CLIENT_ENCODINGS)
    ]
    out += [InputClass(f"format:{f.value.lower()}", "IKP-T2", f"Format={f.value}") for f in BodyFormat]
    return out


def transport_labels(transport: Transport, body_format: BodyFormat, encoding: str) -> tuple[str, ...]:
    """The transport classes of one exchange (IKP-T1, IKP-T2)."""
    return (f"transport:{transport.value}", f"encoding:{encoding}", f"format:{body_format.value.lower()}")


_ORDER = {r.id: i for i, r in enumerate(contract.REQUIREMENTS)}
# In the contract's order of requirements, then as listed.
INVENTORY: tuple[InputClass, ...] = tuple(
    sorted((*_names(), *_keys(), *_regions_and_tags(), *_transports()), key=lambda c: _ORDER[c.requirement])
)
BY_ID: dict[str, InputClass] = {c.id: c for c in INVENTORY}
# The rules whose classes the generators must all reach in a quick run (issue 12): all.
COMPLETE_GROUPS = ("names", "keys", "regions", "tags", "transport")

_TAG_COUNT = re.compile(r"tags:valid-(\d+)")


@cache
def class_of(label: str) -> str | None:
    """The inventory class a part labelled ``label`` belongs to, or ``None`` (a label the
    inventory does not list, e.g. ``tags:valid-0`` or a region the target knows)."""
    if label in BY_ID:
        return label
    family = label.split("@", 1)[0]
    if family in BY_ID:
        return family
    count = _TAG_COUNT.fullmatch(label)
    if count and 1 < int(count.group(1)) < contract.TAG_MAX_COUNT:
        return "tags:valid-some"
    return None


def classes_of(requirement: str) -> tuple[InputClass, ...]:
    """The classes of ``requirement``, in inventory order."""
    return tuple(c for c in INVENTORY if c.requirement == requirement)


def complete_requirements() -> tuple[str, ...]:
    """The requirements of ``COMPLETE_GROUPS`` that have classes."""
    wanted = {r.id for r in contract.REQUIREMENTS if r.group in COMPLETE_GROUPS}
    return tuple(dict.fromkeys(c.requirement for c in INVENTORY if c.requirement in wanted))


__all__ = [
    "BY_ID",
    "INVENTORY",
    "InputClass",
    "class_of",
    "classes_of",
    "complete_requirements",
    "transport_labels",
]
