"""``KeyPairName`` parts: valid names, each way to break a name, and the Profile names.

This module owns IKP-N1..N5 as data generators (IKP-N6/N7, duplicates, belong to the suite's
state model). Valid names start with the per-run ``prefix`` the suite uses for hygiene and
still respect the length limits; invalid names break exactly one rule, and keep the prefix
right after the character that breaks the rule when the rule is about the first character.
"""

from __future__ import annotations

import string as _string

from hypothesis import strategies as st

from conformance.contract import (
    FORBIDDEN_NAME_PREFIXES,
    INVALID_KEY_PAIR_NAME,
    MISSING_PARAMETER,
    NAME_EXTRA_CHARACTERS,
    NAME_MAX_LENGTH,
    NAME_MIN_LENGTH,
    NAME_PROFILE_EXTRA_CHARACTERS,
    name_marks,
)
from strategies.case import Outcome
from strategies.draws import edge_or_between, joined, memoized, pick
from strategies.samples import Part, Validity, valid_part

PARAM = "KeyPairName"
# The rules of a valid name, in the order attribution lists them (length, first, the rest).
NAME_REQUIREMENTS = ("IKP-N2", "IKP-N3", "IKP-N4")
MALFORMED_NAME = Outcome.error(INVALID_KEY_PAIR_NAME)

# Simplest first, so that Hypothesis shrinks a name's first letter towards "a".
FIRST_CHARACTERS = _string.ascii_lowercase + _string.ascii_uppercase
NAME_CHARACTERS = FIRST_CHARACTERS + _string.digits + NAME_EXTRA_CHARACTERS

# IKP-N3: first characters that are allowed later in a name but not first.
BAD_FIRST_CLASSES: dict[str, str] = {
    "digit": _string.digits,
    "colon": ":",
    "underscore": "_",
    "hyphen": "-",
}
# IKP-N4: characters forbidden anywhere, one class at a time.
FORBIDDEN_CLASSES: dict[str, tuple[str, ...] | str] = {
    "space": " ",
    "slash": "/",
    "at": "@",
    "asterisk": "*",
    "plus": "+",
    "equals": "=",
    "comma": ",",
    "quote": "'\"`",
    "control": "".join(chr(c) for c in range(1, 32)) + "\x7f",
    "emoji": ("\U0001f600", "\U0001f511", "\U0001f30d", "\u2764\ufe0f"),
    "symbol": "!#$%&()[]{}<>;?\\|^~",
}
# IKP-N5: non-ASCII letters, by script (current docs allow Unicode letters).
NON_ASCII_LETTERS: dict[str, str] = {
    "cjk": "密钥对测试名称",
    "accented": "éàüñçøåÉÖ",
    "cyrillic": "ключпарЖЯ",
}


def _check_prefix(prefix: str) -> None:
    if prefix and (prefix[0] not in FIRST_CHARACTERS or any(c not in NAME_CHARACTERS for c in prefix)):
        raise ValueError(f"name prefix {prefix!r} is not itself a valid name start")
    if len(prefix) >= NAME_MAX_LENGTH:
        raise ValueError("name prefix leaves no room for a name")


def _fill(draw: st.DrawFn, length: int) -> str:
    """``length`` allowed characters (one draw)."""
    return joined(draw, NAME_CHARACTERS, length)


def draw_valid_name(draw: st.DrawFn, prefix: str = "", max_length: int = NAME_MAX_LENGTH) -> str:
    """A valid name starting with ``prefix``, at most ``max_length`` long (inside a composite)."""
    shortest = max(NAME_MIN_LENGTH, len(prefix) + 1)
    length = edge_or_between(draw, shortest, max_length)
    head = prefix or pick(draw, FIRST_CHARACTERS)
    return head + _fill(draw, length - len(head))


@memoized
@st.composite
def valid_names(draw: st.DrawFn, prefix: str = "") -> str:
    """Valid ``KeyPairName`` strings (IKP-N2..N4) starting with ``prefix``.

    Lengths run from max(2, len(prefix) + 1) to 128, both edges drawn often; the rest is drawn
    from the whole allowed alphabet. Shrinks towards the shortest name (two characters without a prefix)."""
    _check_prefix(prefix)
    return draw_valid_name(draw, prefix)


@memoized
@st.composite
def valid_name_parts(draw: st.DrawFn, prefix: str = "") -> Part:
    """Valid names as request parts. Shrinks like ``valid_names``."""
    _check_prefix(prefix)
    return valid_name_part(draw_valid_name(draw, prefix), prefix)


def valid_name_part(name: str, prefix: str = "") -> Part:
    """The part of a valid ``name`` (one the caller chose: a test that swaps a case's name
    takes this part with it, so a rejection is charged to the rules this name tests)."""
    edge = {NAME_MIN_LENGTH: "-length-min", NAME_MAX_LENGTH: "-length-max"}.get(len(name), "")
    return valid_part({PARAM: name}, valid_name_requirements(name, prefix), f"name:valid{edge}")


def valid_name_requirements(name: str, prefix: str = "") -> tuple[str, ...]:
    """The rules a rejection of the valid ``name`` could contradict (``contract.name_marks``),
    length first, then the characters: marks inside ``prefix`` do not count (every name of the
    run has them), a capital first only without one. A name marked by nothing (letters only,
    a length inside the range) names all three: nothing in it says which rule was misread."""
    tail = name[len(prefix) - 1 :] if prefix and name.startswith(prefix) else name
    marks = {**name_marks(tail), **{k: v for k, v in name_marks(name).items() if k.startswith("length-")}}
    if prefix:
        marks.pop("first-upper", None)
    found = set(marks.values())
    return tuple(r for r in NAME_REQUIREMENTS if r in found) or NAME_REQUIREMENTS


def _invalid(name: str, requirement: str, rule: str) -> Part:
    return Part({PARAM: name}, Validity.INVALID, frozenset({MALFORMED_NAME}), (requirement,), f"name:{rule}")


def _too_short(draw: st.DrawFn, prefix: str) -> Part:
    return _invalid(pick(draw, FIRST_CHARACTERS), "IKP-N2", "length-1")


def _too_long(draw: st.DrawFn, prefix: str) -> Part:
    length = edge_or_between(draw, NAME_MAX_LENGTH + 1, 4 * NAME_MAX_LENGTH)
    head = prefix or "a"
    rule = "length-129" if length == NAME_MAX_LENGTH + 1 else "length-over-129"
    return _invalid(head + _fill(draw, length - len(head)), "IKP-N2", rule)


def _bad_first(draw: st.DrawFn, prefix: str) -> Part:
    cls = pick(draw, tuple(BAD_FIRST_CLASSES))
    first = pick(draw, BAD_FIRST_CLASSES[cls])
    rest = prefix + _fill(draw, draw(st.integers(max(0, 1 - len(prefix)), 20)))
    return _invalid((first + rest)[:NAME_MAX_LENGTH], "IKP-N3", f"first-{cls}")


def _forbidden(draw: st.DrawFn, prefix: str) -> Part:
    cls = pick(draw, tuple(FORBIDDEN_CLASSES))
    bad = pick(draw, FORBIDDEN_CLASSES[cls])
    base = draw_valid_name(draw, prefix, NAME_MAX_LENGTH - len(bad))
    position = draw(st.integers(max(1, len(prefix)), len(base)))
    return _invalid(base[:position] + bad + base[position:], "IKP-N4", f"forbidden-{cls}")


def _url_prefix(draw: st.DrawFn, prefix: str) -> Part:
    scheme = pick(draw, FORBIDDEN_NAME_PREFIXES)
    rest = prefix + _fill(draw, draw(st.integers(1, 20)))
    return _invalid(scheme + rest, "IKP-N4", f"starts-{scheme.rstrip(':/')}")


INVALID_NAME_RULES = ("length-1", "length-over-128", "first-character", "forbidden-character", "url-prefix")
_INVALID_BUILDERS = {
    "length-1": _too_short,
    "length-over-128": _too_long,
    "first-character": _bad_first,
    "forbidden-character": _forbidden,
    "url-prefix": _url_prefix,
}


@memoized
@st.composite
def invalid_name_parts(
    draw: st.DrawFn, prefix: str = "", rules: tuple[str, ...] = INVALID_NAME_RULES
) -> Part:
    """Names that break exactly one of IKP-N2..N4 -> ``InvalidKeyPairName.Malformed``.

    Rules: length 1, length 129 and beyond, a bad first character (digit, ``:``, ``_``, ``-``),
    a forbidden character class (space, ``/``, ``@``, ``*``, ``+``, ``=``, ``,``, quotes,
    controls, emoji, other symbols) inside an otherwise valid name, an ``http://``/``https://``
    start. Where the rule allows, the name still contains ``prefix``. Shrinks towards a one-letter
    name."""
    return _INVALID_BUILDERS[pick(draw, rules)](draw, prefix)


def empty_name_part() -> Part:
    """``KeyPairName=""`` (IKP-N1): ``MissingParameter`` or ``InvalidKeyPairName.Malformed``."""
    return Part(
        {PARAM: ""},
        Validity.INVALID,
        frozenset({Outcome.error(MISSING_PARAMETER, parameter=PARAM), MALFORMED_NAME}),
        ("IKP-N1",),
        "name:empty",
        about=(PARAM,),
    )


def absent_name_part() -> Part:
    """No ``KeyPairName`` at all (IKP-N1): ``MissingParameter``."""
    return Part(
        {},
        Validity.INVALID,
        frozenset({Outcome.error(MISSING_PARAMETER, parameter=PARAM)}),
        ("IKP-N1",),
        "name:absent",
        about=(PARAM,),
    )


@memoized
@st.composite
def profile_name_parts(draw: st.DrawFn, prefix: str = "") -> Part:
    """Names whose acceptance is a Profile question (IKP-N5): a non-ASCII letter (CJK,
    accented, Cyrillic) anywhere including first, or a ``.``; otherwise valid.

    Accepted or ``InvalidKeyPairName.Malformed``. Shrinks towards a CJK letter inside the name."""
    kind = pick(draw, (*NON_ASCII_LETTERS, "dot"))
    extra = NAME_PROFILE_EXTRA_CHARACTERS if kind == "dot" else NON_ASCII_LETTERS[kind]
    char = pick(draw, extra)
    base = draw_valid_name(draw, prefix, NAME_MAX_LENGTH - 1)
    first = kind != "dot" and draw(st.booleans())
    if first:
        name = char + base
        where = "first"
    else:
        position = draw(st.integers(max(1, len(prefix)), len(base)))
        name = base[:position] + char + base[position:]
        where = "inside"
    question = (
        "IKP-N5: is '.' accepted in a name?"
        if kind == "dot"
        else f"IKP-N5: are non-ASCII ({kind}) letters accepted in a name ({where})?"
    )
    return Part(
        {PARAM: name},
        Validity.PROFILE,
        frozenset({MALFORMED_NAME}),
        ("IKP-N5",),
        f"name:{kind}-{where}",
        question,
    )
