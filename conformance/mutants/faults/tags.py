"""Faults of the tag rules (IKP-TG1, TG2): the count and the forbidden keys and values; the
issue-12 off-by-ones at each limit and the tag checks skipped for form bodies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from conformance import contract
from conformance.mutants.catalogue import Fault, fault
from conformance.mutants.combinators import (
    TAG_PARAMETER,
    Apply,
    TagParser,
    has_form_body,
    seeing_request,
    seen_request,
    tag_rule,
    tolerate_tags,
)
from conformance.reference import errors, tags


def _tags_21_accepted(params: Mapping[str, str], inner: TagParser) -> tags.Tags:
    extra = contract.TAG_MAX_COUNT + 1
    own = {k: v for k, v in params.items() if k.startswith(f"Tag.{extra}.")}
    result = inner({k: v for k, v in params.items() if k not in own})
    if own:
        result += inner({k.replace(f"Tag.{extra}.", "Tag.1."): v for k, v in own.items()})
    return result


def _tags_20_rejected(params: Mapping[str, str], inner: TagParser) -> tags.Tags:
    if f"Tag.{contract.TAG_MAX_COUNT}.Key" in params:
        raise errors.InvalidTagCount()
    return inner(params)


def _starts_forbidden(part: str, text: str) -> bool:
    return part == "Key" and text.startswith(contract.TAG_KEY_FORBIDDEN_PREFIXES)


def _has_url(part: str, text: str) -> bool:
    return part == "Value" and any(s in text for s in contract.TAG_FORBIDDEN_SUBSTRINGS)


def _tag_texts(params: Mapping[str, str]) -> Iterable[tuple[str, str]]:
    for name, text in params.items():
        m = TAG_PARAMETER.fullmatch(name)
        if m:
            yield m.group(2), text


def _refuse_tags(bad: Callable[[str, str], bool]) -> Apply:
    """Tags for which ``bad(part, text)`` holds are refused with the part's error."""

    def rule(params: Mapping[str, str], inner: TagParser) -> tags.Tags:
        for part, text in _tag_texts(params):
            if bad(part, text):
                raise errors.InvalidTagKey() if part == "Key" else errors.InvalidTagValue()
        return inner(params)

    return tag_rule(rule)


def _index_accepted(index: int) -> Callable[[Mapping[str, str], TagParser], tags.Tags]:
    """Tag.<index>.* (outside 1..20) parsed as if it were a legal N."""

    def rule(params: Mapping[str, str], inner: TagParser) -> tags.Tags:
        own = {k: v for k, v in params.items() if k.startswith(f"Tag.{index}.")}
        result = inner({k: v for k, v in params.items() if k not in own})
        if own:
            result += inner({k.replace(f"Tag.{index}.", "Tag.1."): v for k, v in own.items()})
        return result

    return rule


def _lone_values_dropped(params: Mapping[str, str], inner: TagParser) -> tags.Tags:
    # for n in keys: ...: a Tag.N.Value whose Tag.N.Key is absent is never looked at.
    kept = {
        k: v
        for k, v in params.items()
        if not (k.startswith("Tag.") and k.endswith(".Value") and k[: -len("Value")] + "Key" not in params)
    }
    return inner(kept)


def _tags_unchecked_on_forms(params: Mapping[str, str], inner: TagParser) -> tags.Tags:
    if not has_form_body(seen_request()):
        return inner(params)
    # the form-body handler copies Tag.N.* into the record without calling the validator
    found = sorted(
        {int(m.group(1)) for m in (TAG_PARAMETER.fullmatch(n) for n in params) if m and m.group(2) == "Key"}
    )
    return tuple((params[f"Tag.{n}.Key"], params.get(f"Tag.{n}.Value", "")) for n in found)


FAULTS: tuple[Fault, ...] = (
    # Tags (IKP-TG1, TG2)
    fault("tags-20-rejected", "IKP-TG1", "20 tags are refused", tag_rule(_tags_20_rejected)),
    fault("tags-21-accepted", "IKP-TG2", "Tag.21 is accepted", tag_rule(_tags_21_accepted)),
    fault("tag-empty-key-accepted", "IKP-TG2", "an empty tag key is accepted",
        tolerate_tags(lambda part, t: part == "Key" and not t, lambda part, t, n: f"k{n}")),
    fault("tag-acs-key-accepted", "IKP-TG2", "tag keys starting acs: or aliyun are accepted",
        tolerate_tags(_starts_forbidden, lambda part, t, n: "x" + t)),
    fault("tag-url-value-accepted", "IKP-TG2", "tag values containing http:// or https:// are accepted",
        tolerate_tags(_has_url, lambda part, t, n: t.replace("://", "x"))),
    fault("tag-value-129-accepted", "IKP-TG2", "129-character tag values are accepted",
        tolerate_tags(
            lambda part, t: part == "Value" and len(t) == contract.TAG_VALUE_MAX_LENGTH + 1,
            lambda part, t, n: t[: contract.TAG_VALUE_MAX_LENGTH],
        )),
)  # fmt: skip


OFF_BY_ONES: tuple[Fault, ...] = (
    # Off-by-ones at each limit. IKP-TG1: "Up to 20 tags, N = 1..20, keys 1..128 characters,
    # values 0..128 characters (empty value allowed): accepted"; IKP-TG2: "key over 128; value
    # over 128; N = 0 ...; a value sent without its key -> 4xx".
    fault("tag-key-128-rejected", "IKP-TG1", "128-character tag keys are refused (len < 128)",
        _refuse_tags(lambda part, t: part == "Key" and len(t) == contract.TAG_KEY_MAX_LENGTH)),
    fault("tag-key-129-accepted", "IKP-TG2", "129-character tag keys are accepted (len <= 129)",
        tolerate_tags(lambda part, t: part == "Key" and len(t) == contract.TAG_KEY_MAX_LENGTH + 1,
                      lambda part, t, n: t[: contract.TAG_KEY_MAX_LENGTH])),
    fault("tag-value-128-rejected", "IKP-TG1", "128-character tag values are refused (len < 128)",
        _refuse_tags(lambda part, t: part == "Value" and len(t) == contract.TAG_VALUE_MAX_LENGTH)),
    fault("tag-value-empty-rejected", "IKP-TG1", "an empty Tag.N.Value is refused (the key's rule copied)",
        _refuse_tags(lambda part, t: part == "Value" and not t)),
    fault("tag-index-0-accepted", "IKP-TG2", "Tag.0 is accepted (0 <= N <= 20)",
        tag_rule(_index_accepted(0))),
    fault("tag-lone-value-ignored", "IKP-TG2", "a Tag.N.Value without its Tag.N.Key is ignored",
        tag_rule(_lone_values_dropped)),
    fault("tag-length-in-bytes", "IKP-TG1", "tag lengths counted in UTF-8 bytes (128 'é' refused)",
        _refuse_tags(lambda part, t: len(t.encode()) > contract.TAG_KEY_MAX_LENGTH >= len(t))),
)  # fmt: skip


SKIPPED_ON_FORMS: tuple[Fault, ...] = (
    fault("form-skips-tag-check", "IKP-TG2", "POST form bodies skip the tag checks",
        seeing_request(tag_rule(_tags_unchecked_on_forms))),
)  # fmt: skip
