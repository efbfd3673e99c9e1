"""Whole ImportKeyPair requests as ``Case`` objects.

This module owns how parts combine (requirements.md, "Outcome of a request"): a request is a name part, a key
part, a region part, an optional resource-group part and a tag part. Its acceptable
outcomes are

* ``{success}`` when every part is valid;
* ``{success} | the Profile part's errors`` when one part is a Profile question;
* the UNION of the errors of the broken parts otherwise (any one applicable error is
  correct), never success.

Missing parameters (absent or empty ``KeyPairName``/``PublicKeyBody``/``RegionId``) give
``MissingParameter`` naming the parameter (an empty name may also be ``Malformed``, IKP-N1);
an unknown region any 4xx (IKP-G2); an unknown resource group
``InvalidResourceGroup.NotFound`` (IKP-G3); broken tags any 4xx (IKP-TG2).

The outcomes assume a fresh name in a region with room; the suite's state model adjusts them
for duplicates and the quota (IKP-N6, IKP-S1).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from hypothesis import strategies as st

from conformance.case import Case, Outcome
from conformance.contract import (
    DEFAULT_REGION,
    DOCUMENTED_KEY_TYPES,
    KNOWN_REGIONS,
    MISSING_PARAMETER,
    RESOURCE_GROUP_NOT_FOUND,
    TAG_MAX_COUNT,
)
from strategies.bodies import profile_keys, valid_keys
from strategies.broken import broken_keys
from strategies.draws import memoized, pick
from strategies.names import (
    absent_name_part,
    empty_name_part,
    invalid_name_parts,
    profile_name_parts,
    valid_name_parts,
)
from strategies.samples import SUCCESS, KeySample, Part, Validity, valid_part
from strategies.tags import invalid_tag_parts, profile_tag_parts, valid_tag_parts

KEY_PARAM = "PublicKeyBody"
REGION_PARAM = "RegionId"
RESOURCE_GROUP_PARAM = "ResourceGroupId"
SLOTS = ("name", "key", "region", "resource-group", "tags")
PROFILE_SLOTS = ("key", "name", "tags")
_ORDER = ("KeyPairName", KEY_PARAM, REGION_PARAM, RESOURCE_GROUP_PARAM)


# -- the parts that are not names, keys or tags ------------------------------------------------
def missing_part(param: str, requirement: str, *, empty: bool) -> Part:
    """``param`` absent (or sent empty) -> ``MissingParameter`` naming it."""
    return Part(
        {param: ""} if empty else {},
        Validity.INVALID,
        frozenset({Outcome.error(MISSING_PARAMETER, parameter=param)}),
        (requirement,),
        f"{param}:{'empty' if empty else 'absent'}",
        about=(param,),
    )


def region_part(region: str) -> Part:
    """``RegionId`` of the target's region (valid)."""
    return valid_part({REGION_PARAM: region}, (), "region:known")


@memoized
@st.composite
def unknown_region_parts(draw: st.DrawFn, region: str = DEFAULT_REGION) -> Part:
    """A ``RegionId`` no target knows (IKP-G2) -> any 4xx. Shrinks towards ``xx-nowhere-1``."""
    word = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=0, max_size=12))
    name = f"xx-nowhere{word}-{draw(st.integers(1, 99))}"
    assert name not in KNOWN_REGIONS and name != region
    return Part(
        {REGION_PARAM: name},
        Validity.INVALID,
        frozenset({Outcome.any_client_error()}),
        ("IKP-G2",),
        "region:unknown",
    )


@memoized
def invalid_region_parts(region: str = DEFAULT_REGION) -> st.SearchStrategy[Part]:
    """RegionId absent, empty (IKP-G1) or unknown (IKP-G2). Shrinks towards absent."""
    return st.one_of(
        st.sampled_from(
            (
                missing_part(REGION_PARAM, "IKP-G1", empty=False),
                missing_part(REGION_PARAM, "IKP-G1", empty=True),
            )
        ),
        unknown_region_parts(region),
    )


def known_resource_group_part(group: str) -> Part:
    """The resource group the target knows (IKP-G3, accepted)."""
    return valid_part({RESOURCE_GROUP_PARAM: group}, ("IKP-G3",), "resource-group:known")


@memoized
@st.composite
def unknown_resource_group_parts(draw: st.DrawFn, known: str | None = None) -> Part:
    """A resource group id nobody has (IKP-G3) -> ``InvalidResourceGroup.NotFound``."""
    suffix = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=8, max_size=16))
    group = f"rg-ikpunknown{suffix}"
    assert group != known
    return Part(
        {RESOURCE_GROUP_PARAM: group},
        Validity.INVALID,
        frozenset({Outcome.error(RESOURCE_GROUP_NOT_FOUND)}),
        ("IKP-G3",),
        "resource-group:unknown",
    )


@memoized
def invalid_key_parts(
    key_types: tuple[str, ...] = DOCUMENTED_KEY_TYPES,
) -> st.SearchStrategy[Part | KeySample]:
    """A broken body (IKP-K3) or PublicKeyBody absent/empty (IKP-K1). Shrinks towards absent."""
    types = None if set(key_types) == set(DOCUMENTED_KEY_TYPES) else key_types
    return st.one_of(
        st.sampled_from(
            (missing_part(KEY_PARAM, "IKP-K1", empty=False), missing_part(KEY_PARAM, "IKP-K1", empty=True))
        ),
        broken_keys(types),
    )


@memoized
def invalid_name_or_missing(prefix: str = "") -> st.SearchStrategy[Part]:
    """A name breaking IKP-N2..N4, or absent/empty (IKP-N1). Shrinks towards absent."""
    return st.one_of(st.sampled_from((absent_name_part(), empty_name_part())), invalid_name_parts(prefix))


# -- combining ---------------------------------------------------------------------------------
def _unique(items: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def combine(parts: Sequence[Part | KeySample]) -> Case:
    """The ``Case`` of a request made of ``parts`` (the union rule of this module's docstring)."""
    key = next((p for p in parts if isinstance(p, KeySample)), None)
    plain = [p.part() if isinstance(p, KeySample) else p for p in parts]
    params: dict[str, str] = {}
    for part in plain:
        params.update(part.params)
    ordered = {k: params[k] for k in _ORDER if k in params} | {
        k: v for k, v in params.items() if k not in _ORDER
    }
    broken = [p for p in plain if p.validity is Validity.INVALID]
    questions = [p for p in plain if p.validity is Validity.PROFILE]
    outcomes: set[Outcome] = set()
    for part in broken + questions:
        outcomes |= part.rejections
    if broken:
        deciding = broken + questions
    else:
        outcomes.add(SUCCESS)
        deciding = plain
    requirements = [r for p in deciding for r in p.requirements]
    if not broken:
        requirements.append("IKP-R1")
    success_possible = not broken
    return Case(
        params=ordered,
        outcomes=frozenset(outcomes),
        requirements=_unique(requirements),
        profile="; ".join(q.profile for q in questions if q.profile) or None,
        fingerprints=dict(key.fingerprints) if key is not None and success_possible else {},
        wrong_fingerprints=dict(key.wrong_fingerprints) if key is not None and success_possible else {},
        key_type=key.key_type if key is not None else None,
        encoding=key.encoding if key is not None else None,
        description=", ".join(p.rule for p in plain if p.rule and not p.rule.startswith("region:known")),
        parts=tuple(p.case_part() for p in plain),
    )


def valid_parts_of(case: Case, *, without: Sequence[str] = ()) -> list[Part]:
    """The parts of a valid ``case`` again, except those about a parameter in ``without``, so a
    test can swap one part and ``combine`` the rest with it while every part keeps its own
    requirements (a wrong answer is then charged to the part it contradicts, not to a lump).
    An entry of ``without`` ending in ``.`` is a prefix (``Tag.`` drops the tags).
    Raises ValueError for a case with a part that is not valid (its rejections are not kept)."""
    out: list[Part] = []
    for part in case.parts:
        if part.validity is not Validity.VALID:
            raise ValueError(f"{part.rule} is not a valid part: only a valid case can be taken apart")
        if any(p == w or (w.endswith(".") and p.startswith(w)) for p in part.parameters for w in without):
            continue
        params = {p: case.params[p] for p in part.parameters if p in case.params}
        out.append(valid_part(params, part.requirements, part.rule))
    return out


def recombine(case: Case, *parts: Part | KeySample, without: Sequence[str] = ()) -> Case:
    """``combine`` of the valid ``case``'s own parts (but those about ``without``) and ``parts``.

    The kept key keeps what the case knew about it (fingerprints, type, encoding), so a test
    that swaps the name, the region or the tags of a valid case still checks the fingerprint."""
    new = combine([*valid_parts_of(case, without=without), *parts])
    swapped = KEY_PARAM in without or any(
        isinstance(p, KeySample) or KEY_PARAM in p.parameters() for p in parts
    )
    if swapped:
        return new
    success = new.expects_success()
    return dataclasses.replace(
        new,
        fingerprints=dict(case.fingerprints) if success else {},
        wrong_fingerprints=dict(case.wrong_fingerprints) if success else {},
        key_type=case.key_type,
        encoding=case.encoding,
    )


def _rg_part(draw: st.DrawFn, known_resource_group: str | None) -> list[Part]:
    if known_resource_group is not None and draw(st.booleans()):
        return [known_resource_group_part(known_resource_group)]
    return []


# -- public request strategies ------------------------------------------------------------------
@memoized
@st.composite
def valid_request_parts(
    draw: st.DrawFn,
    region: str = DEFAULT_REGION,
    name_prefix: str = "",
    known_resource_group: str | None = None,
    max_tags: int = TAG_MAX_COUNT,
) -> tuple[Part, ...]:
    """Every part of a valid request but its key: a valid name starting with ``name_prefix``,
    ``region``, the known resource group (sometimes, if given) and 0..``max_tags`` valid tags.
    For requests built around a key drawn apart (``combine`` them with it), so no key is
    drawn only to be thrown away. Shrinks towards the shortest name, no group, no tags."""
    return (
        draw(valid_name_parts(name_prefix)),
        region_part(region),
        *_rg_part(draw, known_resource_group),
        draw(valid_tag_parts(max_tags)),
    )


@memoized
@st.composite
def valid_import_cases(
    draw: st.DrawFn,
    region: str = DEFAULT_REGION,
    name_prefix: str = "",
    known_resource_group: str | None = None,
    key_types: tuple[str, ...] = DOCUMENTED_KEY_TYPES,
    max_tags: int = TAG_MAX_COUNT,
) -> Case:
    """Requests every part of which is valid -> ``{200 success}`` with the key's fingerprints.

    A valid name starting with ``name_prefix``, an OpenSSH one-line key of ``key_types``,
    ``region``, the known resource group (sometimes, if given) and 0..``max_tags`` valid tags.
    Shrinks towards the shortest name, an ``ssh-rsa`` 1024 key without comment, no group, no tags."""
    name, *rest = draw(valid_request_parts(region, name_prefix, known_resource_group, max_tags))
    return combine([name, draw(valid_keys(key_types)), *rest])


@memoized
@st.composite
def profile_import_cases(
    draw: st.DrawFn,
    region: str = DEFAULT_REGION,
    name_prefix: str = "",
    known_resource_group: str | None = None,
    key_types: tuple[str, ...] = DOCUMENTED_KEY_TYPES,
    slots: tuple[str, ...] = PROFILE_SLOTS,
) -> Case:
    """Requests asking exactly one Profile question (IKP-K4, IKP-K5, IKP-N5 or IKP-TG3), all
    else valid -> success or the question's error; ``Case.profile`` says which question.

    Shrinks towards an RFC 4716 body of an ``ssh-rsa`` 1024 key."""
    slot = pick(draw, slots)
    name = draw(profile_name_parts(name_prefix) if slot == "name" else valid_name_parts(name_prefix))
    key = draw(profile_keys(key_types) if slot == "key" else valid_keys(key_types))
    tags = draw(profile_tag_parts() if slot == "tags" else valid_tag_parts())
    return combine([name, key, region_part(region), *_rg_part(draw, known_resource_group), tags])


@memoized
@st.composite
def invalid_import_cases(
    draw: st.DrawFn,
    region: str = DEFAULT_REGION,
    name_prefix: str = "",
    known_resource_group: str | None = None,
    key_types: tuple[str, ...] = DOCUMENTED_KEY_TYPES,
    max_violations: int = 3,
    slots: tuple[str, ...] = SLOTS,
) -> Case:
    """Requests with 1..``max_violations`` broken parts among ``slots`` (name, key, region,
    resource-group, tags), every other part valid -> the union of the broken parts' errors,
    never success. A broken name/key/region may also be an absent or empty parameter.

    Shrinks towards one violation: the name absent."""
    indices = draw(st.lists(st.integers(0, len(slots) - 1), min_size=1, max_size=max_violations, unique=True))
    chosen = {slots[i] for i in indices}
    parts: list[Part | KeySample] = [
        draw(invalid_name_or_missing(name_prefix) if "name" in chosen else valid_name_parts(name_prefix)),
        draw(invalid_key_parts(key_types) if "key" in chosen else valid_keys(key_types)),
        draw(invalid_region_parts(region)) if "region" in chosen else region_part(region),
    ]
    if "resource-group" in chosen:
        parts.append(draw(unknown_resource_group_parts(known_resource_group)))
    else:
        parts.extend(_rg_part(draw, known_resource_group))
    parts.append(draw(invalid_tag_parts() if "tags" in chosen else valid_tag_parts()))
    return combine(parts)


@memoized
@st.composite
def missing_parameter_cases(
    draw: st.DrawFn,
    region: str = DEFAULT_REGION,
    name_prefix: str = "",
    key_types: tuple[str, ...] = DOCUMENTED_KEY_TYPES,
) -> Case:
    """Requests missing exactly one required parameter (absent or empty KeyPairName,
    PublicKeyBody or RegionId: IKP-N1, IKP-K1, IKP-G1), all else valid. Shrinks towards no name."""
    which = pick(draw, ("name", "key", "region"))
    empty = draw(st.booleans())
    name = (
        (empty_name_part() if empty else absent_name_part())
        if which == "name"
        else draw(valid_name_parts(name_prefix))
    )
    key: Part | KeySample = (
        missing_part(KEY_PARAM, "IKP-K1", empty=empty) if which == "key" else draw(valid_keys(key_types))
    )
    reg = missing_part(REGION_PARAM, "IKP-G1", empty=empty) if which == "region" else region_part(region)
    return combine([name, key, reg])


@memoized
def import_cases(
    region: str = DEFAULT_REGION,
    name_prefix: str = "",
    known_resource_group: str | None = None,
    *,
    only_valid: bool = False,
    only_invalid: bool = False,
    include_profile: bool = True,
    key_types: tuple[str, ...] = DOCUMENTED_KEY_TYPES,
    max_violations: int = 3,
) -> st.SearchStrategy[Case]:
    """Any ImportKeyPair request: valid, Profile (unless ``include_profile=False``) or with
    1..``max_violations`` violations. ``only_valid`` gives only ``{success}`` cases,
    ``only_invalid`` only cases that exclude success.

    Shrinks towards a valid case (shortest name, ``ssh-rsa`` 1024, no tags)."""
    if only_valid and only_invalid:
        raise ValueError("only_valid and only_invalid exclude each other")
    common = {
        "region": region,
        "name_prefix": name_prefix,
        "known_resource_group": known_resource_group,
        "key_types": key_types,
    }
    if only_valid:
        return valid_import_cases(**common)  # type: ignore[arg-type]
    if only_invalid:
        return invalid_import_cases(max_violations=max_violations, **common)  # type: ignore[arg-type]
    options = [valid_import_cases(**common)]  # type: ignore[arg-type]
    if include_profile:
        options.append(profile_import_cases(**common))  # type: ignore[arg-type]
    options.append(invalid_import_cases(max_violations=max_violations, **common))  # type: ignore[arg-type]
    return st.one_of(options)
