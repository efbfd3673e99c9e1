"""Attribution: which requirement a wrong ImportKeyPair answer is charged to.

A failure is charged to the requirement whose part of the request the answer contradicts,
not to the requirement the test was written for, so a mock author is sent to the right rule. Three
things say which part that is:

1. **The error code names the parameter it blames.** ``InvalidKeyPairName.*`` ->
   ``KeyPairName``; ``InvalidPublicKeyBody.*`` -> ``PublicKeyBody``; ``InvalidRegionId.*`` ->
   ``RegionId``; ``InvalidResourceGroup.*`` -> ``ResourceGroupId``; any other code about
   tags (``InvalidTagKey.Malformed``, ``InvalidTagValue.Malformed``, ``Duplicate.TagKey``,
   ``InvalidTagCount``, ``QuotaExceed.Tags``, ...) -> the tags; ``MissingParameter`` and
   ``InvalidParameter`` -> the parameter their Message names in quotes, else (for
   ``MissingParameter``) the required parameters the request left absent or empty.
2. **The case knows which part exercises which requirement** (``Case.parts``). The blamed
   part's requirements are charged, whatever its validity: a valid DSA key rejected in a
   name test fails IKP-K2, an empty tag value rejected fails IKP-TG1, a broken name answered
   with the right code but the wrong status fails the name's requirement. A success where
   a part is invalid is charged to the invalid parts (then to IKP-T1 when the case exercises
   a transport: ``suite.another_way`` sends a case the suite's own way first, so the check
   was skipped on that path). A ``MissingParameter`` for a parameter
   that *was* sent, non-empty, says the target did not read it: that is the transport's
   fault (IKP-T1) when the case exercises IKP-T1.
   A valid name's part names each rule its name could be misread by (``contract.name_marks``:
   a 128-character name with a ``:`` names IKP-N2 and IKP-N4); the rules whose marks the
   target was never seen honouring (``Case.honoured``: it accepted no name with that mark
   before) come first, so a target that rejects every ``:`` is charged to IKP-N4 once it
   has accepted a 128-character name without one, and the other way round.
3. **The state model knows the region and the names** (the outcomes it computed, and the
   requirement IDs it added to the case: ``model.TargetModel.adjust``). ``QuotaExceed.KeyPair``
   where it is not acceptable, or a success where the model says the region is full, fails
   IKP-S1 (and IKP-X2 when the name's slot was freed by a delete): a target that refuses an
   import below 500 live key pairs breaks IKP-S1 whatever it miscounted (slots kept by
   deletes or spent by refused imports are not told apart). ``KeyPair.AlreadyExist``
   where it is not acceptable, or a success where the model says the name exists, fails the
   rule the model applied to the name: IKP-S2 (an earlier import of the name was refused),
   IKP-X2 (the name was deleted), IKP-N7 (it exists only in another case or region), else
   IKP-N6. The model says so in ``Case.state`` even for a request that is invalid anyway.

4. **A signature code** (``SignatureDoesNotMatch``, ``IncompleteSignature``,
   ``InvalidAccessKeyId.NotFound``, ``SignatureNonceUsed``, ``InvalidTimeStamp.*``) where it
   is not acceptable refuses a request the suite signed correctly: IKP-X3 (and IKP-T1 when
   the case exercises a transport, whose bytes the target may have read otherwise). Over a
   POST (query or form body) IKP-T1 comes first: V1 signs the same parameters on every
   transport, and the GET tests judge the signer itself, so a refusal that only a POST gets
   most likely means the target verified other bytes than were sent.
5. **The operation not found** (``InvalidAction.NotFound``, or a ``MissingParameter`` /
   ``InvalidParameter`` naming ``Action`` or ``Version``): the suite always sends
   ``Action=ImportKeyPair`` and ``Version=2014-05-26``, on each transport the way IKP-T1
   says, so the target did not read them where they were: IKP-T1.

Only when nothing above blames a part (an unknown code, no code, an unreadable body, a case
built without parts) is the failure charged to every requirement of the case, as before.
Pure functions: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from conformance import contract
from conformance.case import Case, CasePart, Outcome, OutcomeKind, Validity
from conformance.exchange import Transport

NAME, KEY, REGION, GROUP = "KeyPairName", "PublicKeyBody", "RegionId", "ResourceGroupId"
TAGS = "Tag.*"  # stands for every Tag.N.Key / Tag.N.Value parameter
REQUIRED = (NAME, KEY, REGION)  # what MissingParameter may be about
N6, N7, S1, S2, T1, X2, X3 = "IKP-N6", "IKP-N7", "IKP-S1", "IKP-S2", "IKP-T1", "IKP-X2", "IKP-X3"
SIGNATURE_CODES = contract.SIGNATURE_ERROR_CODES
# Parameters the suite sends on every request, where IKP-T1 says they travel.
_OPERATION_PARAMETERS = ("Action", "Version")
_POST = (Transport.POST_QUERY, Transport.POST_FORM)

# Code prefix -> the parameter it blames.
CODE_PARAMETERS = (
    ("InvalidKeyPairName.", NAME),
    ("InvalidPublicKeyBody.", KEY),
    ("InvalidRegionId.", REGION),
    ("InvalidResourceGroup.", GROUP),
)
_TAG_WORD = "Tag"
_NAMED_PARAMETER = re.compile(r'"([A-Za-z][A-Za-z0-9.]*)"')
# Requirements about the *answer's* shape, not about a part of the request: a rejected part
# is never charged to them (a valid key's part lists IKP-R2 for its fingerprint).
_ANSWER_SHAPE = re.compile(r"^IKP-(R|T)\d+$")


@dataclass(frozen=True)
class Blame:
    """Who a wrong answer is charged to: requirement IDs, and why (None for the fallback)."""

    requirements: tuple[str, ...]
    why: str | None = None


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def blamed_parameter(code: str, message: str | None, params: dict[str, str] | None = None) -> str | None:
    """The parameter (or ``TAGS``) an error code blames, None when the code names none.

    ``params`` (the request's) is used for a ``MissingParameter`` whose Message names no
    parameter: the first required one the request left absent or empty."""
    if code == contract.MISSING_PARAMETER.code or code == contract.INVALID_PARAMETER.code:
        named = _NAMED_PARAMETER.search(message or "")
        if named:
            return TAGS if named.group(1).startswith("Tag.") else named.group(1)
        if code == contract.MISSING_PARAMETER.code and params is not None:
            return next((p for p in REQUIRED if not params.get(p)), None)
        return None
    for prefix, parameter in CODE_PARAMETERS:
        if code.startswith(prefix):
            return parameter
    if _TAG_WORD in code:
        return TAGS
    return None


def _covers(part: CasePart, parameter: str) -> bool:
    if parameter == TAGS:
        return any(p.startswith("Tag.") for p in part.parameters)
    return parameter in part.parameters


def _charge(parts: Iterable[CasePart]) -> tuple[str, ...]:
    """The requirements of ``parts`` that a part can break (not the answer-shape ones)."""
    return _unique(r for p in parts for r in p.requirements if not _ANSWER_SHAPE.match(r))


def _suspects_first(charged: tuple[str, ...], case: Case) -> tuple[str, ...]:
    """``charged`` with the rules of the name's never-honoured marks first (rule 2)."""
    marks = contract.name_marks(case.params.get(NAME, ""))
    suspects = {rule for mark, rule in marks.items() if mark not in case.honoured}
    return tuple(sorted(charged, key=lambda r: r not in suspects))


def _rules(parts: Iterable[CasePart]) -> str:
    return ", ".join(p.rule for p in parts)


def _known(case: Case) -> tuple[str, ...]:
    """What the model said about the case's name and region: ``Case.state``, else (a case the
    model did not adjust) the state rules among its requirements."""
    return case.state or case.requirements


def _name_rule(case: Case) -> str:
    """The state rule that applies to the case's name (see the module docstring)."""
    known = _known(case)
    applied = [r for r in (S2, X2) if r in known]
    if applied:
        return applied[0]
    if N7 in known and N6 not in known:
        return N7
    return N6


def _state(case: Case, outcomes: frozenset[Outcome]) -> tuple[str, ...]:
    """The state rules behind an acceptable set without success (what the model said)."""
    codes = {o.code for o in outcomes if o.kind is OutcomeKind.ERROR}
    out: list[str] = []
    if contract.QUOTA_EXCEEDED.code in codes:
        out.append(S1)
    if contract.KEY_PAIR_ALREADY_EXISTS.code in codes:
        out.append(_name_rule(case))
    return tuple(out)


def blame(
    case: Case,
    outcomes: frozenset[Outcome],
    *,
    success: bool,
    code: str | None,
    message: str | None,
    transport: Transport | None = None,
) -> Blame:
    """Who to charge for an answer outside ``outcomes`` (the module docstring's rules).

    ``success``: the answer was a success body; else ``code``/``message`` are its error's
    (None when it had none). ``transport``: how the request travelled (None: unknown)."""
    fallback = Blame(case.requirements)
    parts = case.parts
    if success:
        invalid = [p for p in parts if p.validity is Validity.INVALID]
        if invalid and _charge(invalid):
            # Over a transport under test the check was skipped on that path (IKP-T1 too).
            over = (T1,) if T1 in case.requirements else ()
            return Blame((*_charge(invalid), *over), f"accepted although {_rules(invalid)} must be rejected")
        state = _state(case, outcomes)
        if state:
            return Blame(state, "accepted although the model says the name or the region forbids it")
        return fallback
    if not code:
        return fallback
    if code in SIGNATURE_CODES:
        # A correctly signed request refused (IKP-X3); over a transport under test, the
        # target may have signed other bytes than were sent (IKP-T1).
        if T1 not in case.requirements:
            return Blame((X3,), f"{code} for a request the suite signed correctly")
        if transport in _POST:
            return Blame(
                (T1, X3),
                f"{code} for a request the suite signed correctly, sent as {transport}: "
                "the target verified other bytes than were sent, or signs a POST otherwise",
            )
        return Blame((X3, T1), f"{code} for a request the suite signed correctly")
    if code == contract.ACTION_NOT_FOUND.code or blamed_parameter(code, message) in _OPERATION_PARAMETERS:
        how = f" sent as {transport}" if transport else ""
        sent = f"Action={contract.ACTION_IMPORT}, Version={contract.API_VERSION}{how}"
        return Blame((T1,), f"{code} for {sent}: the target did not read them")
    if code == contract.QUOTA_EXCEEDED.code:
        freed = (X2,) if X2 in _known(case) else ()
        return Blame((S1, *freed), "QuotaExceed.KeyPair where the model does not expect it")
    if code == contract.KEY_PAIR_ALREADY_EXISTS.code:
        return Blame((_name_rule(case),), "KeyPair.AlreadyExist where the model does not expect it")
    parameter = blamed_parameter(code, message, dict(case.params) if parts else None)
    if parameter is None or not parts:
        return fallback
    if (
        code == contract.MISSING_PARAMETER.code
        and parameter in case.params
        and case.params[parameter]
        and T1 in case.requirements
    ):
        return Blame((T1,), f"{code} for {parameter}, which was sent: the target did not read it")
    blamed = [p for p in parts if _covers(p, parameter)]
    charged = _suspects_first(_charge(blamed), case) if parameter == NAME else _charge(blamed)
    if not charged:
        return fallback
    what = "the tags" if parameter == TAGS else parameter
    return Blame(charged, f"{code} blames {what} ({_rules(blamed)})")
