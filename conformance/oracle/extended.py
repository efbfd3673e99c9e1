"""The Extended judgements: DescribeKeyPairs (IKP-X1) and DeleteKeyPairs (IKP-X2).

``ExpectedKeyPair`` is what a listing should show for one imported key pair;
``judge_describe`` judges a listing against those (name, fingerprint in either IKP-R2 form,
resource group, tags: ``_check_listed_tags``), ``judge_delete`` a DeleteKeyPairs answer. A
target that does not implement the action is UNSUPPORTED, not FAIL (``_unsupported``).
Reading the listing's body is ``listing.py``'s job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from conformance import contract
from conformance.case import Case
from conformance.exchange import Exchange
from conformance.oracle.fingerprints import fingerprint_form, same_fingerprint
from conformance.oracle.judgement import X1, X2, Judgement, got_label, is_error_body, not_a_verdict, text
from conformance.oracle.listing import describe_document, listed_key_pairs, listed_tags
from conformance.verdict import Observation, Status, Verdict

DELETE_ROOT = f"{contract.ACTION_DELETE}Response"

# Statuses that, without a documented code, say "no such operation" (Extended: UNSUPPORTED).
_UNSUPPORTED_STATUSES = (404, 405, 501)


@dataclass(frozen=True)
class ExpectedKeyPair:
    """What DescribeKeyPairs should list for one imported key pair (IKP-X1).

    ``fingerprint`` is what ImportKeyPair returned (the listing may write it in either
    IKP-R2 form); ``resource_group`` None means the key pair was imported without one: the
    listing may show ``""`` or any default group (IKP-X1; the Profile records which);
    ``tags`` are the request's ``Tag.N.Key`` -> ``Tag.N.Value``.
    """

    name: str
    fingerprint: str | None = None
    resource_group: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def imported_by(cls, case: Case, exchange: Exchange) -> ExpectedKeyPair:
        """What the successful import ``case``, answered by ``exchange``, stored: its name,
        the fingerprint the answer gave, its ``ResourceGroupId`` and ``Tag.N`` pairs."""
        params = case.params
        tags = {
            value: params.get(key.removesuffix(".Key") + ".Value", "")
            for key, value in params.items()
            if key.startswith("Tag.") and key.endswith(".Key")
        }
        return cls(
            name=params["KeyPairName"],
            fingerprint=exchange.field("KeyPairFingerPrint"),
            resource_group=params.get("ResourceGroupId"),
            tags=tags,
        )


def _unsupported(exchange: Exchange, req_id: str, action: str) -> Verdict | None:
    """UNSUPPORTED when the target does not implement ``action`` (Extended tier):
    ``InvalidAction.NotFound``, or 404/405/501 with no code or an undocumented one (a
    documented code such as ``InvalidRegionId.NotFound`` is a real answer, judged FAIL).

    The verdict lists no requirement, so recording it counts nothing; the caller marks the
    requirement with ``RunResults.mark_unsupported(req_id, verdict.reasons[0])``.
    """
    code = text(exchange.field("Code"))
    status = exchange.status or 0
    undocumented = not code or code not in contract.ERRORS_BY_CODE  # e.g. InvalidApi.NotFound
    if code == contract.ACTION_NOT_FOUND.code or (undocumented and status in _UNSUPPORTED_STATUSES):
        label = f"{status} {code}" if code else str(status)
        return Verdict(Status.UNSUPPORTED, (), reasons=(f"{req_id}: {action} not supported ({label})",))
    return None


def judge_describe(exchange: Exchange, *, region: str, expected: Mapping[str, ExpectedKeyPair]) -> Verdict:
    """IKP-X1: DescribeKeyPairs lists each expected key pair with its name, fingerprint,
    resource group and tags (``Tags.Tag[]`` of ``TagKey``/``TagValue``).

    The fingerprint is the imported one in either IKP-R2 form (lowercase, with or without
    colons). A key pair imported without ResourceGroupId may be listed in ``""`` or any
    group. Every tag sent must be listed with its value; extra tags whose key starts with a
    reserved prefix (``acs:``, ``aliyun``: system tags no user can set) are allowed, any
    other extra tag fails.
    """
    stop = not_a_verdict(exchange, (X1,))
    if stop is not None:
        return stop
    j = Judgement([X1])
    where = f"DescribeKeyPairs in {region}"
    if exchange.status != 200 or is_error_body(exchange):
        unsupported = _unsupported(exchange, X1, contract.ACTION_DESCRIBE)
        if unsupported is not None:
            return unsupported
        j.fail(X1, f"{where} answered {got_label(exchange, is_error_body(exchange))}")
        return j.verdict()
    listed = listed_key_pairs(describe_document(exchange))
    if listed is None:
        j.fail(X1, f"{where}: no KeyPairs.KeyPair[] in the body")
        return j.verdict()
    by_name = {str(kp.get("KeyPairName")): kp for kp in listed}
    for name, want in expected.items():
        item = by_name.get(name)
        if item is None:
            j.fail(X1, f"{where} does not list {name!r}")
            continue
        fingerprint = text(item.get("KeyPairFingerPrint"))
        if want.fingerprint is not None:
            if not same_fingerprint(fingerprint, want.fingerprint):
                j.fail(X1, f"{name!r} listed with fingerprint {fingerprint!r}, imported {want.fingerprint!r}")
            elif fingerprint is not None and (form := fingerprint_form(fingerprint)) is not None:
                j.observations.append(Observation(X1, "fingerprint form in DescribeKeyPairs", form))
        group = text(item.get("ResourceGroupId"))
        if want.resource_group is not None:
            if group != want.resource_group:
                j.fail(
                    X1, f"{name!r} listed in resource group {group!r}, imported into {want.resource_group!r}"
                )
        else:
            reading = "a default group" if group else "empty"
            j.observations.append(
                Observation(X1, "resource group of a key pair imported without one", reading)
            )
        tags = listed_tags(item)
        if tags is None:
            j.fail(X1, f"{name!r} listed with malformed Tags (want Tags.Tag[] of TagKey/TagValue)")
            continue
        _checklisted_tags(name, tags, want.tags, j)
    return j.verdict()


def is_system_tag(key: str) -> bool:
    """A tag key only the platform sets (``acs:``/``aliyun`` start, any case): DescribeKeyPairs
    may list such tags besides the ones sent (IKP-X1)."""
    return key.lower().startswith(contract.TAG_KEY_FORBIDDEN_PREFIXES)


def _checklisted_tags(name: str, listed: Mapping[str, str], sent: Mapping[str, str], j: Judgement) -> None:
    """IKP-X1: every tag sent is listed with its value; no extra tag but system ones."""
    missing = {k: v for k, v in sent.items() if k not in listed}
    changed = {k: (v, listed[k]) for k, v in sent.items() if k in listed and listed[k] != v}
    extra = sorted(k for k in listed if k not in sent and not is_system_tag(k))
    if missing:
        j.fail(X1, f"{name!r} listed without the tags {missing!r} it was imported with")
    for key, (value, shown) in sorted(changed.items()):
        j.fail(X1, f"{name!r} listed with tag {key!r} = {shown!r}, imported with {value!r}")
    if extra:
        j.fail(X1, f"{name!r} listed with tags {extra!r} it was not imported with (not system tags)")


def judge_delete(exchange: Exchange) -> Verdict:
    """IKP-X2 (first half): DeleteKeyPairs answers 200 with a RequestId (XML root
    ``DeleteKeyPairsResponse``). That the name and the quota slot are free again is judged by
    the next ImportKeyPair against the state model, which adds IKP-X2 to that case."""
    stop = not_a_verdict(exchange, (X2,))
    if stop is not None:
        return stop
    j = Judgement([X2])
    if exchange.status != 200 or is_error_body(exchange):
        unsupported = _unsupported(exchange, X2, contract.ACTION_DELETE)
        if unsupported is not None:
            return unsupported
        j.fail(X2, f"DeleteKeyPairs answered {got_label(exchange, is_error_body(exchange))}")
        return j.verdict()
    if exchange.parsed.syntax is None:
        j.fail(X2, "DeleteKeyPairs body is neither JSON nor XML")
    elif exchange.parsed.syntax == "xml" and exchange.parsed.root != DELETE_ROOT:
        j.fail(X2, f"XML root is <{exchange.parsed.root}>, not <{DELETE_ROOT}>")
    elif not (text(exchange.field("RequestId")) or "").strip():
        j.fail(X2, "DeleteKeyPairs answer without a RequestId")
    return j.verdict()
