"""The model of target state: which key pairs exist, per region, as far as the suite knows.

Strategies build a Case for "a fresh name in a region with room to spare". This model turns
the run's history into the outcomes a request deserves *now* (``TargetModel.adjust``), so
duplicate and quota expectations follow from what happened before instead of being guessed
(IKP-N6, IKP-N7, IKP-S1, IKP-S2, IKP-X2). It is pure bookkeeping: no I/O. A lock makes it safe
to share between the threads of a concurrent test (IKP-S3).

How the acceptable set is adjusted for a request to region R with name N:

- N exists in R (the suite created it, or a preexisting key pair is known by that name):
  success becomes ``KeyPair.AlreadyExist`` (IKP-N6).
- R holds ``quota`` key pairs: success becomes ``QuotaExceed.KeyPair`` (IKP-S1). When both
  apply, either is correct: the documentation gives no order (requirements.md, "Outcome of a
  request"). For the same reason, a request that is invalid anyway may also be answered with
  ``KeyPair.AlreadyExist`` / ``QuotaExceed.KeyPair`` when those apply: they are added as
  alternatives to the case's errors, never instead of them.
- Profile IKP-N7 (AMBIGUOUS, both readings acceptable, the reading is recorded):
  a name equal to an existing one in R *except for case* ("Key" vs "key"): success or
  ``KeyPair.AlreadyExist``; the same name (in any case) existing only in *another* region
  ("globally unique"): success or ``KeyPair.AlreadyExist``. ``adjust`` sets the case's
  ``profile`` question for these (unless the case already asks another one) so the oracle
  records which reading the target chose.
- Unknown: an import whose answer never arrived (timeout, 5xx) may or may not have stored the
  key pair. Such names are *uncertain*: a later import of the name accepts success or
  ``KeyPair.AlreadyExist``, the quota accepts success or ``QuotaExceed.KeyPair`` when the
  uncertain ones could fill the region, and ``created()`` includes them for cleanup.

Requirement IDs the model adds to a case whose outcomes include success (``adjust``), so
the coverage gate sees them (an invalid case only gains the extra alternatives):
IKP-N6 (duplicate in the region), IKP-S1 (region full, or the last free slot), IKP-N7
(case-only or cross-region duplicate), IKP-S2 (a name an earlier import was refused for),
IKP-X2 (a name the suite deleted before).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from conformance import contract
from conformance.case import Case, Outcome, OutcomeKind
from conformance.exchange import Exchange
from conformance.target.retry import is_retryable

N6, N7, S1, S2, S3, X2 = "IKP-N6", "IKP-N7", "IKP-S1", "IKP-S2", "IKP-S3", "IKP-X2"
QUESTION_CASE_ONLY = f"{N7}: a name differing only in case from an existing one"
QUESTION_OTHER_REGION = f"{N7}: a name that exists in another region"

ALREADY_EXISTS = Outcome.error(contract.KEY_PAIR_ALREADY_EXISTS)
QUOTA_EXCEEDED = Outcome.error(contract.QUOTA_EXCEEDED)


@dataclass
class _Region:
    """One region's bookkeeping."""

    created: set[str] = field(default_factory=set)  # names the suite created (certain)
    uncertain: set[str] = field(default_factory=set)  # imports whose answer never arrived
    preexisting_count: int = 0  # key pairs the suite did not create
    preexisting_names: set[str] = field(default_factory=set)  # those of them known by name
    rejected: set[str] = field(default_factory=set)  # names an import was refused for (IKP-S2)
    deleted: set[str] = field(default_factory=set)  # names the suite deleted (IKP-X2)

    _folded: frozenset[str] | None = field(default=None, repr=False)

    def present(self) -> set[str]:
        return self.created | self.preexisting_names

    def count(self) -> int:
        return self.preexisting_count + len(self.created)

    def has(self, name: str) -> bool:
        """``name in present()``, without building the union."""
        return name in self.created or name in self.preexisting_names

    def folded(self) -> frozenset[str]:
        """The lower-cased names present or uncertain, kept until the next ``changed()``
        (every request asks; a region holds up to 500 names)."""
        if self._folded is None:
            names = self.created | self.preexisting_names | self.uncertain
            self._folded = frozenset(n.lower() for n in names)
        return self._folded

    def changed(self) -> None:
        """Call after changing ``created``, ``uncertain`` or ``preexisting_names``."""
        self._folded = None


@dataclass(frozen=True)
class Expectation:
    """Why ``explain`` changed a case: the adjusted set and the facts behind it."""

    outcomes: frozenset[Outcome]
    requirements: tuple[str, ...]
    profile: str | None
    facts: tuple[str, ...] = ()  # the rules that apply to the name and region (``Case.state``)


class TargetModel:
    """What the suite created on the target, per region (see the module docstring)."""

    def __init__(self, quota: int = contract.KEY_PAIRS_PER_REGION) -> None:
        self.quota = quota
        self._regions: dict[str, _Region] = {}
        self._honoured: set[str] = set()  # marks of names seen accepted (``Case.honoured``)
        self._lock = threading.RLock()

    def _region(self, region: str) -> _Region:
        return self._regions.setdefault(region, _Region())

    # -- what is there -------------------------------------------------------------------------
    def preexisting(self, region: str, count: int, names: Iterable[str] = ()) -> None:
        """Key pairs already in ``region`` that the suite did not create: ``count`` in all,
        ``names`` those of them known by name (a name there is a duplicate, IKP-N6).
        Replaces what an earlier call said about ``region`` (a resync after DescribeKeyPairs)."""
        named = set(names)
        if count < len(named):
            raise ValueError(f"count {count} is less than the {len(named)} names given")
        with self._lock:
            reg = self._region(region)
            reg.preexisting_count = count
            reg.preexisting_names = named
            reg.changed()

    def count(self, region: str) -> int:
        """Key pairs known to exist in ``region`` (preexisting + created; not the uncertain)."""
        with self._lock:
            reg = self._regions.get(region)
            return reg.count() if reg else 0

    def room(self, region: str) -> int:
        """Free quota slots in ``region`` as far as the model knows."""
        return max(self.quota - self.count(region), 0)

    def names(self, region: str) -> frozenset[str]:
        """Names known to exist in ``region`` (created by the suite or known preexisting)."""
        with self._lock:
            reg = self._regions.get(region)
            return frozenset(reg.present()) if reg else frozenset()

    def created(self) -> list[tuple[str, str]]:
        """Every (region, name) the suite created or may have created, for cleanup (sorted)."""
        with self._lock:
            return sorted(
                (region, name)
                for region, reg in self._regions.items()
                for name in reg.created | reg.uncertain
            )

    def taken(self, name: str) -> bool:
        """True when ``name``, in any case, is present or uncertain in any region."""
        low = name.lower()
        with self._lock:
            return any(low in reg.folded() for reg in self._regions.values())

    def regions(self) -> list[str]:
        """Regions the model has any record of."""
        with self._lock:
            return sorted(self._regions)

    # -- expectations --------------------------------------------------------------------------
    def explain(self, case: Case) -> Expectation:
        """The adjusted outcomes of ``case`` with the requirement IDs and Profile question."""
        region = case.params.get("RegionId")
        name = case.params.get("KeyPairName")
        outcomes = set(case.outcomes)
        with self._lock:
            if not region or not name or region not in self._regions:
                if region and name and self._elsewhere(region, name):
                    return self._with_other_region(case, outcomes)
                return Expectation(frozenset(outcomes), (), None)
            facts = self._facts(self._regions[region], region, name)
            reg = self._regions[region]
            success = any(o.kind is OutcomeKind.SUCCESS for o in outcomes)
            reqs: list[str] = []
            profile: str | None = None
            errors: set[Outcome] = set()  # documented errors that now apply
            maybe: set[Outcome] = set()  # errors that may apply (Profile or unknown history)
            if name in reg.created or name in reg.preexisting_names:
                errors.add(ALREADY_EXISTS)
                reqs.append(N6)
            elif name in reg.uncertain:
                maybe.add(ALREADY_EXISTS)
            elif name.lower() in reg.folded():
                maybe.add(ALREADY_EXISTS)
                reqs.append(N7)
                profile = QUESTION_CASE_ONLY
            elif self._elsewhere(region, name):
                maybe.add(ALREADY_EXISTS)
                reqs.append(N7)
                profile = QUESTION_OTHER_REGION
            count = reg.count()
            if count >= self.quota:
                errors.add(QUOTA_EXCEEDED)
                reqs.append(S1)
            elif count + sum(1 for n in reg.uncertain if not reg.has(n)) >= self.quota:
                maybe.add(QUOTA_EXCEEDED)
            elif success and count == self.quota - 1 and not reg.has(name):
                reqs.append(S1)  # the last free slot: success is the quota edge (IKP-S1)
            if success and not errors:
                if name in reg.rejected:
                    reqs.append(S2)
                if name in reg.deleted:
                    reqs.append(X2)
            if errors and success:
                outcomes = {o for o in outcomes if o.kind is not OutcomeKind.SUCCESS}
            outcomes |= errors | maybe
            if not success:
                # The case was invalid anyway: the extra errors are alternatives it may get,
                # but it does not exercise the duplicate/quota rules (their IDs stay off).
                reqs, profile = [], None
            if case.profile is not None:
                profile = None
            return Expectation(frozenset(outcomes), tuple(dict.fromkeys(reqs)), profile, facts)

    def _facts(self, reg: _Region, region: str, name: str) -> tuple[str, ...]:
        """The state rules that apply to ``name`` in ``region``, valid request or not."""
        facts: list[str] = []
        if reg.has(name):
            facts.append(N6)
        elif name.lower() in reg.folded() or self._elsewhere(region, name):
            facts.append(N7)
        if reg.count() >= self.quota:
            facts.append(S1)
        if name in reg.rejected:
            facts.append(S2)
        if name in reg.deleted:
            facts.append(X2)
        return tuple(facts)

    def _elsewhere(self, region: str, name: str) -> bool:
        low = name.lower()
        with self._lock:
            return any(low in reg.folded() for other, reg in self._regions.items() if other != region)

    def _with_other_region(self, case: Case, outcomes: set[Outcome]) -> Expectation:
        if not case.expects_success():
            return Expectation(frozenset(outcomes | {ALREADY_EXISTS}), (), None, (N7,))
        profile = None if case.profile is not None else QUESTION_OTHER_REGION
        return Expectation(frozenset(outcomes | {ALREADY_EXISTS}), (N7,), profile, (N7,))

    def adjust(self, case: Case) -> Case:
        """``case`` with the adjusted outcomes, the model's requirement IDs added, what the model
        knows of the name and region in ``Case.state`` (for attribution) and, for an IKP-N7
        situation, the Profile question set (so the oracle records the reading)."""
        exp = self.explain(case)
        return dataclasses.replace(
            case,
            outcomes=exp.outcomes,
            requirements=tuple(dict.fromkeys((*case.requirements, *exp.requirements))),
            profile=case.profile if exp.profile is None else exp.profile,
            state=exp.facts,
            honoured=self.honoured(),
        )

    def honoured(self) -> frozenset[str]:
        """The name marks (``contract.name_marks``) of every name the target accepted so far."""
        with self._lock:
            return frozenset(self._honoured)

    def race(self, cases: Sequence[Case]) -> list[Case]:
        """``adjust`` for a batch sent *concurrently* (IKP-S3): any racer may win.

        Each case is adjusted against the state before the batch; then, per region, a name
        sent more than once may also get ``KeyPair.AlreadyExist`` (another racer created it),
        and when the distinct new names the batch hopes to import exceed the free slots,
        each may also get ``QuotaExceed.KeyPair`` (racers for one name hope for one slot).
        IKP-S3 is added to every case; the batch as a whole (exactly one winner per name,
        exactly as many winners as there are slots and names) is judged by
        ``oracle.judge_race``.
        """
        with self._lock:
            adjusted = [self.adjust(c) for c in cases]
            hoping: dict[str, set[str]] = {}
            seen: dict[tuple[str, str], int] = {}
            for c in adjusted:
                region, name = c.params.get("RegionId", ""), c.params.get("KeyPairName", "")
                if c.expects_success():
                    hoping.setdefault(region, set()).add(name)
                seen[(region, name)] = seen.get((region, name), 0) + 1
            hopes = {region: len(names) for region, names in hoping.items()}
            out = []
            for c in adjusted:
                region, name = c.params.get("RegionId", ""), c.params.get("KeyPairName", "")
                extra: set[Outcome] = set()
                if c.expects_success() and seen[(region, name)] > 1:
                    extra.add(ALREADY_EXISTS)
                if c.expects_success() and hopes.get(region, 0) > self.room(region):
                    extra.add(QUOTA_EXCEEDED)
                out.append(
                    dataclasses.replace(
                        c,
                        outcomes=c.outcomes | extra,
                        requirements=tuple(dict.fromkeys((*c.requirements, S3))),
                    )
                )
            return out

    # -- history -------------------------------------------------------------------------------
    def add(self, region: str, name: str) -> None:
        """Record that the suite created ``name`` in ``region``."""
        with self._lock:
            reg = self._region(region)
            reg.created.add(name)
            reg.uncertain.discard(name)
            reg.changed()
            reg.deleted.discard(name)
            reg.rejected.discard(name)

    def observe(self, case: Case, exchange: Exchange) -> None:
        """Fold one ImportKeyPair exchange into the model.

        A success answer (``Exchange.is_error`` false: a 2xx that is no error body, IKP-R1)
        stored the key pair, whatever the verdict (a success with a wrong fingerprint still
        created it, and cleanup must delete it). No answer, a 5xx or an unreadable body may
        or may not have stored it: *uncertain*. A retryable answer (``retry.is_retryable``:
        throttling) stored nothing. Any other error stored nothing (IKP-S2);
        ``KeyPair.AlreadyExist`` for an uncertain name settles it as ours.
        """
        region = case.params.get("RegionId")
        name = case.params.get("KeyPairName")
        if not region or not name:
            return
        status = exchange.status
        code = exchange.field("Code")
        with self._lock:
            reg = self._region(region)
            if status is not None and is_retryable(exchange.action, status, exchange.parsed):
                return  # throttled or unavailable: refused, nothing stored
            if exchange.transport_error or status is None or status >= 500 or exchange.parsed.syntax is None:
                if not reg.has(name):
                    reg.uncertain.add(name)  # the answer was lost or unreadable
                    reg.changed()
                return
            if not exchange.is_error:
                self._honoured.update(contract.name_marks(name))
            if not exchange.is_error or (
                code == contract.KEY_PAIR_ALREADY_EXISTS.code and name in reg.uncertain
            ):
                self.add(region, name)
            elif not reg.has(name):
                reg.rejected.add(name)

    def deleted(self, region: str, names: Iterable[str]) -> None:
        """Record that DeleteKeyPairs removed ``names`` from ``region`` (frees the slots, IKP-X2)."""
        with self._lock:
            reg = self._region(region)
            for name in names:
                if name in reg.created or name in reg.uncertain:
                    reg.deleted.add(name)
                reg.created.discard(name)
                reg.uncertain.discard(name)
                if name in reg.preexisting_names:
                    reg.preexisting_names.discard(name)
                    reg.preexisting_count -= 1
                reg.changed()
