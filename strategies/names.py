"""``KeyPairName`` parts: valid names, each way to break a name, and the Profile names.

This module owns IKP-N1..N5 as data generators (IKP-N6/N7, duplicates, belong to the suite's
state model). Valid names start with the per-run ``prefix`` the suite uses for hygiene and
still respect the length limits; invalid names break exactly one rule, and keep the prefix
right after the character that breaks the rule when the rule is about the first character.
"""

from __future__ import annotations

import string as _string

from hypothesis import strategies as st

from conformance.case import Outcome
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
from strategies.draws import edge_or_between, joined, memoized, pick
from strategies.samples import Part, Validity, valid_part

PARAM = "KeyPairName"
# The rules of a valid name, in the order attribution lists them (length, first, the rest).
NAME_REQUIREMENTS = ("IKP-N2", "IKP-N3", "IKP-N4")
MALFORMED_NAME = Outcome.error(INVALID_KEY_PAIR_NAME)

# Simplest first, so that Hypothesis shrinks a name's first letter towards "a".
FIRST_CHARACTERS = _string.ascii_lowercase + _string.ascii_uppercase
NAME_CHARACTERS = FIRST_CHARACTERS + _string.digits + NAME_EXTRA_CHARACTERS

# IKP-N3: first characters that are not letters under any reading: the ones allowed later in
# a name, ASCII symbols and a space, and non-ASCII decimal digits (a digit is no letter, however
# "letter" is read; IKP-N5's Unicode letters are the Profile question, never drawn here).
BAD_FIRST_CLASSES: dict[str, str] = {
    "digit": _string.digits,
    "colon": ":",
    "underscore": "_",
    "hyphen": "-",
    "symbol": " !#$%&*+/=@.",
    # What the range [A-z] holds between 'Z' and 'a' besides '_': the classic slip.
    "between-letters": "[\\]^`",
    "unicode-digit": "\u0663\u0969\u0bed",
}
# IKP-N4: characters forbidden anywhere after the first, one kind at a time. Each is invalid
# under every legal reading of "letters, digits, ':', '_', '-'" (also the current docs' Unicode
# letters and decimal digits, IKP-N5): none is a letter or a digit, none becomes one under
# NFC/NFKC normalisation (the Unicode ones have no decomposition, or decompose to a space).
FORBIDDEN_CLASSES: dict[str, tuple[str, ...] | str] = {
    "space": " ",
    "slash": "/",
    "at": "@",
    "asterisk": "*",
    "plus": "+",
    "equals": "=",
    "comma": ",",
    "quote": "'\"`",
    "newline": "\n",  # the regular expression whose ``$`` also matches before a final newline
    "carriage-return": "\r",
    "tab": "\t",
    "control": "".join(chr(c) for c in (*range(1, 9), 11, 12, *range(14, 32))) + "\x7f",
    "c1-control": "\x85\x80\x9f",
    "emoji": ("\U0001f600", "\U0001f511", "\U0001f30d", "\u2764\ufe0f"),
    "symbol": "!#$%&()[]{}<>;?\\|^~",
    "between-letters": "[\\]^`",  # inside [A-z] but no letter: the classic range slip
    "unicode-space": "\u00a0\u3000\u2028",
    "format-character": "\u200b\u200d\ufeff\u2060",
    "combining-mark": "\u20dd\u20e3\u0489",  # enclosing marks: compose with nothing
    "unicode-punctuation": "\u20ac\u00a9\u00a7\u00bf\u00ab\u2014\u2022\u2192\u3002\u00d7",
}
# Where IKP-N4 places the forbidden character: right after the first character (index 1,
# inside the run's prefix when there is one: a loop that starts checking at index 2 misses
# nothing else), strictly inside after the prefix, or at the very end.
POSITIONS = ("first", "middle", "last")
# IKP-N5: non-ASCII letters, by script (current docs allow Unicode letters).
NON_ASCII_LETTERS: dict[str, str] = {
    "cjk": "密钥对测试名称",
    "accented": "éàüñçøåÉÖ",
    "cyrillic": "ключпарЖЯ",
}
# IKP-N5 too: non-ASCII numbers after the first character. The seed's rule rejects them, but
# the official text says "digits" without "ASCII" and the current docs allow the Unicode
# decimal-digit and letter categories (``Nd``; ``Nl`` "letter number"), and Unicode gives
# ``²`` the numeric type Digit: a reading may accept each, so none is invalid under every one.
NON_ASCII_NUMBERS: dict[str, str] = {
    "unicode-digit": "\u0663\u0969\u0bed\uff10",
    "unicode-number": "\u00b2\u00bd\u216b",
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
def valid_name_parts(draw: st.DrawFn, prefix: str = "") -> Part:
    """Valid ``KeyPairName`` parts (IKP-N2..N4) starting with ``prefix``.

    Lengths run from max(2, len(prefix) + 1) to 128, both edges drawn often; the rest is drawn
    from the whole allowed alphabet. Shrinks towards the shortest name (two characters without a prefix)."""
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


def _invalid(name: str, *args: str) -> Part:
    """The invalid part of ``name``: ``args`` are the requirements it breaks, then its rule."""
    *requirements, rule = args
    return Part(
        {PARAM: name}, Validity.INVALID, frozenset({MALFORMED_NAME}), tuple(requirements), f"name:{rule}"
    )


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
    return _invalid((first + rest)[:NAME_MAX_LENGTH], *_first_rules(cls), f"first-{cls}")


def _first_rules(cls: str) -> tuple[str, ...]:
    """What a bad first character of ``cls`` breaks: IKP-N3 (not a letter) and, for a symbol
    forbidden anywhere, IKP-N4 too (a Unicode digit is a digit under some reading)."""
    return ("IKP-N3", "IKP-N4") if cls in ("symbol", "between-letters") else ("IKP-N3",)


def insert_at(base: str, bad: str, where: str, prefix: str = "") -> str:
    """``base`` with ``bad`` inserted at ``where`` (``POSITIONS``): right after the first
    character (index 1), strictly inside after ``prefix`` (padding ``base`` with ``x`` when it
    is too short to have an inside), or at the end."""
    start = max(1, len(prefix))
    if where == "first":
        return base[:1] + bad + base[1:]
    if where == "last":
        return base + bad
    if len(base) < start + 2:
        base = base.ljust(start + 2, "x")
    middle = start + (len(base) - start) // 2
    return base[:middle] + bad + base[middle:]


def forbidden_rule(cls: str, where: str) -> str:
    """The label of a name with a ``cls`` character at ``where``: ``forbidden-newline@last``."""
    return f"forbidden-{cls}@{where}"


def _forbidden(draw: st.DrawFn, prefix: str) -> Part:
    cls = pick(draw, tuple(FORBIDDEN_CLASSES))
    bad = pick(draw, FORBIDDEN_CLASSES[cls])
    where = pick(draw, POSITIONS)
    base = draw_valid_name(draw, prefix, NAME_MAX_LENGTH - len(bad) - 2)
    return _invalid(insert_at(base, bad, where, prefix), "IKP-N4", forbidden_rule(cls, where))


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


PROFILE_KINDS = (*NON_ASCII_LETTERS, "dot", *NON_ASCII_NUMBERS)


def _profile_characters(kind: str) -> str:
    if kind == "dot":
        return NAME_PROFILE_EXTRA_CHARACTERS
    return NON_ASCII_LETTERS.get(kind) or NON_ASCII_NUMBERS[kind]


def profile_name_part(name: str, kind: str, where: str) -> Part:
    """The Profile part of ``name``, which holds one ``kind`` character at ``where`` (IKP-N5)."""
    if kind == "dot":
        question = "IKP-N5: is '.' accepted in a name?"
    elif kind in NON_ASCII_NUMBERS:
        question = f"IKP-N5: are non-ASCII numbers ({kind}) accepted after a name's first character?"
    else:
        question = f"IKP-N5: are non-ASCII ({kind}) letters accepted in a name ({where})?"
    return Part(
        {PARAM: name},
        Validity.PROFILE,
        frozenset({MALFORMED_NAME}),
        ("IKP-N5",),
        f"name:{kind}-{where}",
        question,
    )


@memoized
@st.composite
def profile_name_parts(draw: st.DrawFn, prefix: str = "") -> Part:
    """Names whose acceptance is a Profile question (IKP-N5): a non-ASCII letter (CJK,
    accented, Cyrillic) anywhere including first, a ``.`` or a non-ASCII digit or number
    after the first; otherwise valid.

    Accepted or ``InvalidKeyPairName.Malformed``. Shrinks towards a CJK letter inside the name."""
    kind = pick(draw, PROFILE_KINDS)
    char = pick(draw, _profile_characters(kind))
    base = draw_valid_name(draw, prefix, NAME_MAX_LENGTH - 1)
    if kind in NON_ASCII_LETTERS and draw(st.booleans()):
        return profile_name_part(char + base, kind, "first")
    position = draw(st.integers(max(1, len(prefix)), len(base)))
    return profile_name_part(base[:position] + char + base[position:], kind, "inside")


def name_class_part(rule: str, base: str, prefix: str = "") -> Part:
    """The part of the name class labelled ``name:{rule}`` built from the valid ``base`` name
    (which starts with ``prefix``) with the first character of each choice: the deterministic
    row of every class (``classes.py``), so that each is sent whatever the example budget."""
    if rule == "absent":
        return absent_name_part()
    if rule == "empty":
        return empty_name_part()
    if rule == "valid-length-max":
        return valid_name_part(base.ljust(NAME_MAX_LENGTH, "x"), prefix)
    if rule == "valid-starts-http-word":
        return valid_part({PARAM: "https" + base}, ("IKP-N4",), f"name:{rule}")
    if rule == "valid-extra-characters":
        name = base + NAME_EXTRA_CHARACTERS.join("xyzw")
        return valid_part({PARAM: name}, ("IKP-N4",), f"name:{rule}")
    if rule == "length-1":
        return _invalid(base[:1], "IKP-N2", rule)
    if rule == "length-129":
        return _invalid(base.ljust(NAME_MAX_LENGTH + 1, "x"), "IKP-N2", rule)
    if rule == "length-over-129":
        return _invalid(base.ljust(2 * NAME_MAX_LENGTH, "x"), "IKP-N2", rule)
    if rule.startswith("first-") and rule[len("first-") :] in BAD_FIRST_CLASSES:
        cls = rule[len("first-") :]
        return _invalid(BAD_FIRST_CLASSES[cls][0] + base, *_first_rules(cls), rule)
    if rule.startswith("starts-"):
        scheme = next(s for s in FORBIDDEN_NAME_PREFIXES if s.rstrip(":/") == rule[len("starts-") :])
        return _invalid(scheme + base, "IKP-N4", rule)
    if rule.startswith("forbidden-"):
        cls, where = rule[len("forbidden-") :].split("@")
        return _invalid(insert_at(base, FORBIDDEN_CLASSES[cls][0], where, prefix), "IKP-N4", rule)
    kind, _, where = rule.rpartition("-")
    if kind in PROFILE_KINDS and where in ("first", "inside"):
        char = _profile_characters(kind)[0]
        name = char + base if where == "first" else insert_at(base, char, "middle", prefix)
        return profile_name_part(name, kind, where)
    raise ValueError(f"no name class {rule!r}")
