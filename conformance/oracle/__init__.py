"""The oracle: pure judgements of one exchange against what the suite knows about it.

``judge_import(case, exchange)`` -> ``Verdict`` for ImportKeyPair; ``judge_describe`` (IKP-X1)
and ``judge_delete`` (IKP-X2) for the Extended siblings. No I/O, no clock, no randomness: the
same inputs always give the same verdict, so a shrunk Hypothesis example replays exactly.

The oracle never re-validates the request. The ``Case`` says which outcomes are acceptable
(the strategies know why a name or a key is invalid); the state model (``model.py``) adjusts
that set for duplicates and the quota (``TargetModel.adjust``), and the caller passes it as
``expected``. The oracle only checks that the response is *one of* those outcomes
(requirements.md, "Outcome of a request") and that it is well formed (IKP-T2..T5, IKP-R1..R3),
and judges only what the contract says: the body, not the Content-Type header (IKP-T2); a
200 with the success fields is a success even with an extra ``Code`` (IKP-R1); either
fingerprint form of IKP-R2.

How each check is charged (``Verdict.failed_requirements``), so one wrong answer fails the
requirement it breaks and not the others:

- no response, ``transport_error``, or an answer the retry rule still calls retryable
  (``retry.is_retryable``: a Code containing ``Throttling``, or ``ServiceUnavailable``,
  whatever the status): ERROR, never PASS or FAIL (requirements.md, "What the suite itself
  promises"); no transport requirement counts as exercised.
- body syntax vs the requested ``Format``: IKP-T2. A Content-Type that contradicts the body
  is only a warning (IKP-T2: the body is judged).
- a non-empty ``RequestId``: IKP-T3.
- error body shape (``Code``, ``Message``, XML root ``Error``), error status 4xx/5xx and never
  200, success XML root ``ImportKeyPairResponse``: IKP-T4. A body that parses as neither JSON
  nor XML fails IKP-T2 and IKP-T4 only (its missing RequestId is not charged again to IKP-T3).
- any 5xx: IKP-T5 (the suite only sends generated requests).
- status and Code outside the acceptable set: the requirement of the part of the request the
  answer contradicts (``attribution.blame``: the code names the parameter, the case knows
  which part exercises which requirement, the model's outcomes say whether the name exists
  or the region is full); every requirement of the case only when no part is to blame. A
  Profile case never fails for choosing a legal reading, but an answer outside the set is
  no legal reading.
- success fields: ``KeyPairName`` echoed (IKP-R1), ``KeyPairFingerPrint`` acceptable (IKP-R2,
  with or without colons; the Profile records which form).
- the documented ``Message`` of the matched code: IKP-R3, a warning unless ``strict_messages``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance import contract
from conformance.case import Case, Outcome, OutcomeKind
from conformance.contract import Tier
from conformance.exchange import ERROR_ROOT, BodyFormat, Exchange, Transport
from conformance.oracle import attribution
from conformance.target import retry
from conformance.verdict import Observation, Status, Verdict

# Requirement IDs this module charges (spelled once here; contract.py is the source).
T2, T3, T4, T5 = "IKP-T2", "IKP-T3", "IKP-T4", "IKP-T5"
R1, R2, R3 = "IKP-R1", "IKP-R2", "IKP-R3"
S3, X1, X2 = "IKP-S3", "IKP-X1", "IKP-X2"

# Exactly the content type tea-openapi (the default official SDK) needs to parse an XML error.
SDK_XML_CONTENT_TYPE = "text/xml;charset=utf-8"
_JSON_MEDIA_TYPES = ("application/json",)
_XML_MEDIA_TYPES = ("text/xml", "application/xml")

SUCCESS_ROOT = f"{contract.ACTION_IMPORT}Response"
DESCRIBE_ROOT = f"{contract.ACTION_DESCRIBE}Response"
DELETE_ROOT = f"{contract.ACTION_DELETE}Response"

# 16 lowercase hex pairs joined by ':' (IKP-R2), sized from the contract; or, observed on
# real ECS, the same 32 lowercase hex digits without colons.
FINGERPRINT_FORMAT = re.compile(
    "^[0-9a-f]{2}(?::[0-9a-f]{2}){%d}$" % (contract.FINGERPRINT_DIGEST_BYTES - 1)  # noqa: UP031
)
FINGERPRINT_FORMAT_NO_COLONS = re.compile("^[0-9a-f]{%d}$" % (2 * contract.FINGERPRINT_DIGEST_BYTES))  # noqa: UP031
FORM_COLONS, FORM_NO_COLONS = "colon-separated", "no colons"
FINGERPRINT_FORM_QUESTION = "fingerprint form"
_REQ_ID_PREFIX = re.compile(r"^\s*(IKP-[A-Z]+\d+)\s*[:\-]?\s*")

# Statuses that, without a documented code, say "no such operation" (Extended: UNSUPPORTED).
_UNSUPPORTED_STATUSES = (404, 405, 501)


# -- small helpers (public: the reports and the state machine use them) ---------------------


is_retryable = retry.is_retryable_code  # the one rule lives in retry.py


def fingerprint_form(fingerprint: str) -> str | None:
    """Which IKP-R2 form ``fingerprint`` is written in (``colon-separated`` / ``no colons``),
    None when it is neither (uppercase, a prefix, another length ...)."""
    if FINGERPRINT_FORMAT.match(fingerprint):
        return FORM_COLONS
    if FINGERPRINT_FORMAT_NO_COLONS.match(fingerprint):
        return FORM_NO_COLONS
    return None


def same_fingerprint(got: str | None, want: str) -> bool:
    """Whether ``got`` is ``want`` in either IKP-R2 form (lowercase, with or without colons)."""
    return (
        got is not None
        and fingerprint_form(got) is not None
        and got.replace(":", "") == want.replace(":", "")
    )


def _outcome_order(o: Outcome) -> tuple[int, int, str]:
    kinds = {OutcomeKind.SUCCESS: 0, OutcomeKind.ERROR: 1, OutcomeKind.ANY_CLIENT_ERROR: 2}
    return (kinds[o.kind], o.status or 0, o.code or "")


def describe_outcomes(outcomes: Iterable[Outcome]) -> list[str]:
    """Human labels of ``outcomes`` for the report, deduplicated, in a stable order:
    ``["200 success", "400 InvalidKeyPairName.Malformed", "4xx (any code)"]``."""
    return list(dict.fromkeys(o.label() for o in sorted(outcomes, key=_outcome_order)))


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _text(value: Any) -> str | None:
    """A scalar field as text (JSON numbers included), None when absent or structured."""
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _profile_requirement(case: Case) -> tuple[str, str]:
    """(requirement ID, question) of ``case.profile`` ("IKP-N5: '.' in a name")."""
    question = case.profile or ""
    match = _REQ_ID_PREFIX.match(question)
    if match and match.group(1) in contract.REQUIREMENTS_BY_ID:
        return match.group(1), question[match.end() :] or question
    for req_id in case.requirements:
        req = contract.REQUIREMENTS_BY_ID.get(req_id)
        if req is not None and req.tier is Tier.PROFILE:
            return req_id, question
    return (case.requirements[0] if case.requirements else ""), question


@dataclass
class _Judgement:
    """Accumulates what one judgement checked and found."""

    requirements: list[str]
    failures: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)

    def exercised(self, *req_ids: str) -> None:
        for req_id in req_ids:
            if req_id not in self.requirements:
                self.requirements.append(req_id)

    def fail(self, req_id: str, reason: str) -> None:
        self.exercised(req_id)
        if (req_id, reason) not in self.failures:
            self.failures.append((req_id, reason))

    def verdict(self) -> Verdict:
        reasons = tuple(dict.fromkeys(f"{req}: {why}" for req, why in self.failures))
        return Verdict(
            status=Status.FAIL if self.failures else Status.PASS,
            requirements=tuple(self.requirements),
            reasons=reasons,
            failed_requirements=tuple(self.failures),
            warnings=tuple(dict.fromkeys(self.warnings)),
            observations=tuple(self.observations),
        )


def _not_a_verdict(exchange: Exchange, requirements: Iterable[str]) -> Verdict | None:
    """ERROR for an exchange that says nothing about the contract, else None."""
    if exchange.transport_error or exchange.status is None:
        why = exchange.transport_error or "no response"
        return Verdict(Status.ERROR, tuple(requirements), reasons=(f"no verdict: {why}",))
    code = _text(exchange.field("Code"))
    if retry.is_retryable(exchange.action, exchange.status, exchange.parsed):
        return Verdict(
            Status.ERROR,
            tuple(requirements),
            reasons=(f"no verdict: {exchange.status} {code} after {exchange.attempts} attempt(s)",),
        )
    return None


# -- ImportKeyPair ---------------------------------------------------------------------------


def _accepted_syntax(exchange: Exchange) -> str | None:
    """``json``/``xml`` when the request's Accept header names exactly one of them."""
    accept = next((v for k, v in exchange.request_headers.items() if k.lower() == "accept"), "").lower()
    wants = {syntax for syntax in ("json", "xml") if syntax in accept}
    return wants.pop() if len(wants) == 1 else None


def _expected_syntax(exchange: Exchange) -> str | None:
    """``json``/``xml`` when the request pinned the body syntax, None when either is legal.

    ``Format`` decides (IKP-T2). Without it, a V3 request asks with its Accept header
    (``Accept: application/json``, IKP-T1), so the Accept header decides when it names JSON
    or XML; a request without either (absent Format, ``Accept: */*``) may get either.
    """
    if exchange.body_format is BodyFormat.JSON:
        return "json"
    if exchange.body_format is BodyFormat.XML:
        return "xml"
    if exchange.transport is Transport.V3:
        return _accepted_syntax(exchange)
    return None


def check_syntax(exchange: Exchange, j: _Judgement) -> bool:
    """IKP-T2 (and IKP-T4 for an unparseable body): the body syntax, then its Content-Type.

    The body is judged, not the header (IKP-T2): a JSON body under anything but
    an ``application/json`` media type, or an XML body under anything but ``text/xml`` or
    ``application/xml`` (parameters such as ``charset`` are free), is a **warning**: the
    label misleads generic clients, but the contract does not make it a failure.
    For an XML *error* body, tea-openapi parses XML only under exactly
    ``text/xml;charset=utf-8`` (spec/ecs-api.md §4.1); any other XML media type is a warning
    too (the official SDKs never ask for XML).

    Returns whether the body parsed at all.
    """
    j.exercised(T2)
    parsed = exchange.parsed
    if parsed.syntax is None:
        detail = f" ({parsed.error})" if parsed.error else ""
        snippet = exchange.response_text[:60]
        j.fail(T2, f"body is neither JSON nor XML{detail}: {snippet!r}")
        j.fail(T4, "body is not a documented JSON or XML response body")
        return False
    want = _expected_syntax(exchange)
    if want is None:
        j.observations.append(Observation(T2, "body syntax when Format is absent", parsed.syntax))
    elif parsed.syntax != want:
        asked = exchange.body_format.value if exchange.body_format is not BodyFormat.ABSENT else "Accept"
        j.fail(T2, f"asked for {want.upper()} ({asked}), got a {parsed.syntax.upper()} body")
    media = _media_type(exchange.content_type)
    allowed = _JSON_MEDIA_TYPES if parsed.syntax == "json" else _XML_MEDIA_TYPES
    if media not in allowed:
        j.warnings.append(
            f"{T2}: {parsed.syntax.upper()} body with Content-Type {exchange.content_type!r} "
            f"(a {parsed.syntax.upper()} body is labelled {' or '.join(allowed)}); the body is judged"
        )
    elif (
        parsed.syntax == "xml" and parsed.root == ERROR_ROOT and exchange.content_type != SDK_XML_CONTENT_TYPE
    ):
        j.warnings.append(
            f"{T2}: XML error with Content-Type {exchange.content_type!r}; tea-openapi parses XML "
            f"errors only under exactly {SDK_XML_CONTENT_TYPE!r}"
        )
    return True


def _is_error_body(exchange: Exchange) -> bool:
    """Whether the response is an error (``exchange.is_error_answer``): any non-2xx status, or
    a 2xx whose body is an error (an XML ``<Error>`` root, or a ``Code`` without the success
    fields: what IKP-T4 forbids). A 200 with the success fields and a ``Code`` is a success."""
    return exchange.status is None or exchange.is_error


def _got_label(exchange: Exchange, error_body: bool) -> str:
    status = exchange.status
    code = _text(exchange.field("Code"))
    if exchange.parsed.syntax is None:
        return f"{status} (unparseable body)"
    if not error_body:
        return f"{status} success" if status == 200 else f"{status} (success body)"
    if status is not None and 200 <= status < 300:
        return f"{status} {code or '(no Code)'} (error body with a success status)"
    return f"{status} {code}" if code else f"{status} (no Code)"


def _matches(outcome: Outcome, exchange: Exchange, error_body: bool) -> bool:
    """Whether the response is ``outcome``; a body no client can read matches nothing."""
    status = exchange.status
    code = _text(exchange.field("Code"))
    if exchange.parsed.syntax is None:
        return False
    if outcome.kind is OutcomeKind.SUCCESS:
        return status == 200 and not error_body
    if not error_body or not code or status is None:
        return False
    if outcome.kind is OutcomeKind.ANY_CLIENT_ERROR:
        return 400 <= status <= 499
    return status == outcome.status and code == outcome.code


def _generic_variants(acceptable: Mapping[str, str]) -> dict[str, str]:
    """Wrong spellings computable from an acceptable fingerprint alone (IKP-R2)."""
    out: dict[str, str] = {}
    for label, fp in acceptable.items():
        suffix = f" of {label}" if len(acceptable) > 1 else ""
        out.setdefault(fp.upper(), f"uppercase{suffix}")
        out.setdefault(fp.replace(":", "").upper(), f"uppercase, no colons{suffix}")
        out.setdefault(f"MD5:{fp}", f"'MD5:' prefix{suffix}")
        out.setdefault(f"MD5:{fp}".upper(), f"uppercase, 'MD5:' prefix{suffix}")
    return out


def check_fingerprint(case: Case, fingerprint: str | None, j: _Judgement) -> None:
    """IKP-R2: the fingerprint is one of ``case.fingerprints``, written with colons or without
    (both lowercase; the Profile records which form); name the mistake if not."""
    j.exercised(R2)
    if not fingerprint:
        j.fail(R1, "success without a KeyPairFingerPrint (a field every success carries)")
        return
    form = fingerprint_form(fingerprint)
    if form is not None:
        j.observations.append(Observation(R2, FINGERPRINT_FORM_QUESTION, form))
    if not case.fingerprints:
        # The case knows no value (e.g. a key the strategies could not fingerprint): format only.
        if form is None:
            j.fail(
                R2,
                f"KeyPairFingerPrint {fingerprint!r} is neither 16 lowercase hex pairs joined by ':' "
                "nor 32 lowercase hex digits",
            )
        return
    for label, fp in case.fingerprints.items():
        if same_fingerprint(fingerprint, fp):
            if len(case.fingerprints) > 1 or case.key_type in contract.CERTIFICATE_KEY_TYPES:
                j.observations.append(Observation(R2, "certificate fingerprint", label))
            return
    known = [label for label, fp in case.wrong_fingerprints.items() if fp == fingerprint]
    generic = _generic_variants(case.fingerprints).get(fingerprint)
    if generic is not None and generic not in known:
        known.append(generic)
    if not known:
        low = fingerprint.lower().replace(":", "").removeprefix("md5")
        known = [
            f"{label} (ignoring case and separators)"
            for label, fp in case.wrong_fingerprints.items()
            if fp.lower().replace(":", "") == low
        ]
    want = ", ".join(f"{label} {fp}" for label, fp in case.fingerprints.items())
    which = f"; it matches {' / '.join(known)}" if known else "; it matches no known candidate"
    j.fail(R2, f"KeyPairFingerPrint {fingerprint!r} is not the acceptable [{want}]{which}")


def _check_message(matched: list[Outcome], exchange: Exchange, j: _Judgement, strict_messages: bool) -> None:
    """IKP-R3: the Message is the documented text of the matched code."""
    documented = [o.message for o in matched if o.kind is OutcomeKind.ERROR and o.message is not None]
    if not documented:
        return
    j.exercised(R3)
    message = _text(exchange.field("Message"))
    if message in documented:
        return
    code = _text(exchange.field("Code"))
    why = f"{exchange.status} {code} Message {message!r} differs from the documented {documented[0]!r}"
    if strict_messages:
        j.fail(R3, why)
    else:
        j.warnings.append(f"{R3}: {why}")


def judge_import(
    case: Case,
    exchange: Exchange,
    *,
    expected: frozenset[Outcome] | None = None,
    strict_messages: bool = False,
) -> Verdict:
    """Judge one ImportKeyPair exchange.

    ``expected`` replaces ``case.outcomes`` when the state model adjusted them (duplicates,
    quota: ``TargetModel.adjust``). ``strict_messages`` turns IKP-R3 warnings into failures.
    The verdict lists every requirement the exchange exercised: the case's IDs, IKP-T2..T5 on
    every response, IKP-R1/R2 on a success, IKP-R3 when an error's documented message was
    compared; failures are charged to the requirement they break (an answer outside the
    acceptable set: ``attribution.blame``).
    """
    outcomes = case.outcomes if expected is None else expected
    if not case.requirements or not outcomes:
        # A suite bug, not a verdict: a wrong answer would have no requirement to fail.
        why = "names no requirement" if not case.requirements else "has no acceptable outcome"
        return Verdict(Status.ERROR, case.requirements, reasons=(f"suite bug: the case {why}",))
    stop = _not_a_verdict(exchange, case.requirements)
    if stop is not None:
        return stop
    status = exchange.status
    assert status is not None  # _not_a_verdict returned ERROR otherwise
    j = _Judgement(list(dict.fromkeys(case.requirements)))

    parsed_ok = check_syntax(exchange, j)
    error_body = _is_error_body(exchange)

    # IKP-T3: every parsed response carries a non-empty RequestId.
    if parsed_ok:
        j.exercised(T3)
        if not (_text(exchange.field("RequestId")) or "").strip():
            j.fail(T3, "response without a non-empty RequestId")

    # IKP-T4: error shape and status; success XML root.
    j.exercised(T4)
    if error_body:
        if not 400 <= status <= 599:
            j.fail(T4, f"error body with HTTP {status}: an error's status is 4xx/5xx (never 200)")
        if parsed_ok:
            missing = [f for f in ("Code", "Message") if _text(exchange.field(f)) is None]
            if not _text(exchange.field("Code")) and "Code" not in missing:
                missing.insert(0, "Code")
            if missing:
                j.fail(T4, f"error body without {', '.join(missing)}")
            if exchange.parsed.syntax == "xml" and exchange.parsed.root != ERROR_ROOT:
                j.fail(T4, f"XML error root is <{exchange.parsed.root}>, not <{ERROR_ROOT}>")
    elif parsed_ok and exchange.parsed.syntax == "xml" and exchange.parsed.root != SUCCESS_ROOT:
        j.fail(T4, f"XML success root is <{exchange.parsed.root}>, not <{SUCCESS_ROOT}>")

    # IKP-T5: never a 5xx to a generated request.
    j.exercised(T5)
    if status >= 500:
        j.fail(T5, f"HTTP {status} {_text(exchange.field('Code')) or ''}".rstrip())

    # The case's requirements: status and Code within the acceptable set.
    matched = [o for o in outcomes if _matches(o, exchange, error_body)]
    if not matched:
        got = _got_label(exchange, error_body)
        reason = f"expected one of [{', '.join(describe_outcomes(outcomes))}], got {got}"
        culprit = attribution.blame(
            case,
            frozenset(outcomes),
            success=parsed_ok and not error_body,
            code=_text(exchange.field("Code")) if parsed_ok and error_body else None,
            message=_text(exchange.field("Message")),
            transport=exchange.transport,
        )
        if culprit.why:
            reason = f"{reason} ({culprit.why})"
        for req_id in culprit.requirements:
            j.fail(req_id, reason)
    elif case.profile:
        req_id, question = _profile_requirement(case)
        reading = "accepted" if not error_body else f"{status} {_text(exchange.field('Code'))}"
        j.observations.append(Observation(req_id, question, reading))

    if error_body:
        if matched:
            _check_message(matched, exchange, j, strict_messages)
    elif parsed_ok:
        # IKP-R1 and IKP-R2: the success body.
        j.exercised(R1)
        if status != 200:
            j.fail(R1, f"success with HTTP {status}, not 200")
        sent = case.params.get("KeyPairName")
        name = _text(exchange.field("KeyPairName"))
        if name is None:
            j.fail(R1, "success without KeyPairName")
        elif name != sent:
            j.fail(R1, f"KeyPairName {name!r} is not the name sent {sent!r}")
        check_fingerprint(case, _text(exchange.field("KeyPairFingerPrint")), j)

    return j.verdict()


def judge_race(exchanges: Sequence[Exchange], names: Sequence[str], *, room: int) -> Verdict:
    """IKP-S3 over one batch of ImportKeyPair requests sent concurrently into one region.

    ``names[i]`` is the new name request ``i`` imports (several racers may share one);
    ``room`` the free quota slots the model counted before the batch. Exactly what the
    contract says, and nothing looser:

    - at most one success per name, and exactly ``min(distinct names, room)`` successes in
      all (never more than the free slots, no refusal while a slot is free);
    - a racer whose name another racer won gets ``KeyPair.AlreadyExist`` (or
      ``QuotaExceed.KeyPair`` when the winners filled the region: both errors then apply);
    - a racer whose name nobody won gets ``QuotaExceed.KeyPair`` (the region was full).

    Each exchange's own shape is ``judge_import``'s job (with the outcomes of
    ``TargetModel.race``); any exchange without a verdict makes this ERROR.
    """
    if len(names) != len(exchanges):
        raise ValueError(f"{len(exchanges)} exchanges but {len(names)} names")
    for exchange in exchanges:
        stop = _not_a_verdict(exchange, (S3,))
        if stop is not None:
            return stop
    j = _Judgement([S3])
    won = [not _is_error_body(e) and e.parsed.syntax is not None for e in exchanges]
    winners: dict[str, int] = {}
    for name, win in zip(names, won, strict=True):
        winners[name] = winners.get(name, 0) + int(win)
    distinct = len(winners)
    want = min(distinct, max(room, 0))
    total = sum(won)
    what = (
        f"{len(exchanges)} concurrent imports of one new name"
        if distinct == 1
        else f"{len(exchanges)} concurrent imports of {distinct} new names with {room} free slot(s)"
    )
    doubles = sorted(n for n, count in winners.items() if count > 1)
    if doubles:
        j.fail(S3, f"{what}: {', '.join(repr(n) for n in doubles)} imported more than once")
    if total != want:
        j.fail(S3, f"{what}: {total} succeeded, expected exactly {want}")
    exists = (contract.KEY_PAIR_ALREADY_EXISTS.status, contract.KEY_PAIR_ALREADY_EXISTS.code)
    full = (contract.QUOTA_EXCEEDED.status, contract.QUOTA_EXCEEDED.code)
    wrong: set[str] = set()
    for exchange, name, win in zip(exchanges, names, won, strict=True):
        if win:
            continue
        answer = (exchange.status, _text(exchange.field("Code")))
        # Another racer took the name (and maybe the last slot), or the region was full.
        acceptable = ({exists, full} if total >= room else {exists}) if winners[name] else {full}
        if answer not in acceptable:
            label = " or ".join(f"{s} {c}" for s, c in sorted(acceptable))
            wrong.add(f"{_got_label(exchange, True)} where {label} applies")
    if wrong:
        j.fail(S3, f"{what}: the others got {'; '.join(sorted(wrong))}")
    return j.verdict()


# -- DescribeKeyPairs and DeleteKeyPairs (Extended) -------------------------------------------


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
    code = _text(exchange.field("Code"))
    status = exchange.status or 0
    undocumented = not code or code not in contract.ERRORS_BY_CODE  # e.g. InvalidApi.NotFound
    if code == contract.ACTION_NOT_FOUND.code or (undocumented and status in _UNSUPPORTED_STATUSES):
        label = f"{status} {code}" if code else str(status)
        return Verdict(Status.UNSUPPORTED, (), reasons=(f"{req_id}: {action} not supported ({label})",))
    return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _element_to_value(element: ET.Element) -> Any:
    """An XML element as JSON-shaped data: text for a leaf, a dict of children otherwise
    (a repeated child becomes a list). A leaf's text is kept as it is (a tag key may be a
    space), except whitespace with a line break, which is an empty element's indentation."""
    children = list(element)
    if not children:
        text = element.text or ""
        return "" if not text.strip() and "\n" in text else text
    out: dict[str, Any] = {}
    for child in children:
        tag, value = _local(child.tag), _element_to_value(child)
        if tag in out:
            if not isinstance(out[tag], list):
                out[tag] = [out[tag]]
            out[tag].append(value)
        else:
            out[tag] = value
    return out


_XML_DECLARATIONS = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def _describe_document(exchange: Exchange) -> Any:
    """The DescribeKeyPairs body as JSON-shaped data. XML is read from the response text
    itself, so the judgement does not depend on how the client turned XML into a dict
    (a document with DOCTYPE/ENTITY declarations is not expanded: the client's is used)."""
    text = exchange.response_text
    if exchange.parsed.syntax == "xml" and not _XML_DECLARATIONS.search(text):
        try:
            return _element_to_value(ET.fromstring(text))
        except ET.ParseError:
            pass
    return exchange.parsed.document


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def _listed_key_pairs(document: Any) -> list[dict[str, Any]] | None:
    """``KeyPairs.KeyPair[]`` (JSON; in XML repeated ``<KeyPair>`` under ``<KeyPairs>``)."""
    if not isinstance(document, dict):
        return None
    key_pairs = document.get("KeyPairs")
    if key_pairs in (None, ""):
        return []
    if not isinstance(key_pairs, dict):
        return None
    return [kp for kp in _as_list(key_pairs.get("KeyPair")) if isinstance(kp, dict)]


def _listed_tags(item: Mapping[str, Any]) -> dict[str, str] | None:
    tags = item.get("Tags")
    if tags in (None, ""):
        return {}
    if not isinstance(tags, dict):
        return None
    out: dict[str, str] = {}
    for tag in _as_list(tags.get("Tag")):
        if not isinstance(tag, dict) or _text(tag.get("TagKey")) is None:
            return None
        out[str(tag["TagKey"])] = _text(tag.get("TagValue")) or ""
    return out


def judge_describe(exchange: Exchange, *, region: str, expected: Mapping[str, ExpectedKeyPair]) -> Verdict:
    """IKP-X1: DescribeKeyPairs lists each expected key pair with its name, fingerprint,
    resource group and tags (``Tags.Tag[]`` of ``TagKey``/``TagValue``).

    The fingerprint is the imported one in either IKP-R2 form (lowercase, with or without
    colons). A key pair imported without ResourceGroupId may be listed in ``""`` or any
    group. Every tag sent must be listed with its value; extra tags whose key starts with a
    reserved prefix (``acs:``, ``aliyun``: system tags no user can set) are allowed, any
    other extra tag fails.
    """
    stop = _not_a_verdict(exchange, (X1,))
    if stop is not None:
        return stop
    j = _Judgement([X1])
    where = f"DescribeKeyPairs in {region}"
    if exchange.status != 200 or _is_error_body(exchange):
        unsupported = _unsupported(exchange, X1, contract.ACTION_DESCRIBE)
        if unsupported is not None:
            return unsupported
        j.fail(X1, f"{where} answered {_got_label(exchange, _is_error_body(exchange))}")
        return j.verdict()
    listed = _listed_key_pairs(_describe_document(exchange))
    if listed is None:
        j.fail(X1, f"{where}: no KeyPairs.KeyPair[] in the body")
        return j.verdict()
    by_name = {str(kp.get("KeyPairName")): kp for kp in listed}
    for name, want in expected.items():
        item = by_name.get(name)
        if item is None:
            j.fail(X1, f"{where} does not list {name!r}")
            continue
        fingerprint = _text(item.get("KeyPairFingerPrint"))
        if want.fingerprint is not None:
            if not same_fingerprint(fingerprint, want.fingerprint):
                j.fail(X1, f"{name!r} listed with fingerprint {fingerprint!r}, imported {want.fingerprint!r}")
            elif fingerprint is not None and (form := fingerprint_form(fingerprint)) is not None:
                j.observations.append(Observation(X1, "fingerprint form in DescribeKeyPairs", form))
        group = _text(item.get("ResourceGroupId"))
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
        tags = _listed_tags(item)
        if tags is None:
            j.fail(X1, f"{name!r} listed with malformed Tags (want Tags.Tag[] of TagKey/TagValue)")
            continue
        _check_listed_tags(name, tags, want.tags, j)
    return j.verdict()


def is_system_tag(key: str) -> bool:
    """A tag key only the platform sets (``acs:``/``aliyun`` start, any case): DescribeKeyPairs
    may list such tags besides the ones sent (IKP-X1)."""
    return key.lower().startswith(contract.TAG_KEY_FORBIDDEN_PREFIXES)


def _check_listed_tags(name: str, listed: Mapping[str, str], sent: Mapping[str, str], j: _Judgement) -> None:
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
    stop = _not_a_verdict(exchange, (X2,))
    if stop is not None:
        return stop
    j = _Judgement([X2])
    if exchange.status != 200 or _is_error_body(exchange):
        unsupported = _unsupported(exchange, X2, contract.ACTION_DELETE)
        if unsupported is not None:
            return unsupported
        j.fail(X2, f"DeleteKeyPairs answered {_got_label(exchange, _is_error_body(exchange))}")
        return j.verdict()
    if exchange.parsed.syntax is None:
        j.fail(X2, "DeleteKeyPairs body is neither JSON nor XML")
    elif exchange.parsed.syntax == "xml" and exchange.parsed.root != DELETE_ROOT:
        j.fail(X2, f"XML root is <{exchange.parsed.root}>, not <{DELETE_ROOT}>")
    elif not (_text(exchange.field("RequestId")) or "").strip():
        j.fail(X2, "DeleteKeyPairs answer without a RequestId")
    return j.verdict()
