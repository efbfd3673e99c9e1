"""Run hygiene (requirements.md, "What the suite itself promises"): fresh names under the
per-run prefix (``unique_name``, ``freshen``), and deleting only what this run created
(``delete``, ``cleanup``, ``sweep``), with the names that could not be deleted reported as
leftovers.

Every name the suite creates carries the per-run prefix or is recorded when created; only
recorded names and names under this run's prefix are ever deleted, after each test and in a
final sweep (also after failures and Ctrl-C, since the sweep runs in the session fixture's
teardown). Against a target without DeleteKeyPairs the names stay and the report lists them.

Fresh names are numbered from a counter per test (``testids.PerTestCounters``), never drawn
at random, and every loop over regions or names is sorted (requirements.md, "A run is
reproducible"). ``Hygiene`` is a mixin of ``session.Suite``, which sets its attributes.
"""

from __future__ import annotations

import dataclasses
import string
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from conformance import contract
from conformance.case import Case
from conformance.exchange import Exchange
from conformance.oracle.model import TargetModel
from conformance.results import RunResults
from conformance.runner.capabilities import Capabilities
from conformance.runner.listing import list_names
from conformance.runner.testids import PerTestCounters
from conformance.target import Target, TargetConfig

FRESHEN_ATTEMPTS = 1000
# ``freshen`` rewrites at most this many letters and digits at the end of a taken name.
FRESHEN_WINDOW = 8
# A long Hypothesis test deletes what it created once fewer slots than this are left, so
# that valid cases keep meaning "success" (the quota tests switch this off).
AUTO_CLEANUP_ROOM = 50

_CLASSES = (string.ascii_lowercase, string.ascii_uppercase, string.digits)


def _class_of(char: str) -> str | None:
    """The alphabet ``freshen`` may move ``char`` in (its case of ASCII letters, or the
    digits); None for any other character, which ``freshen`` leaves alone."""
    return next((alphabet for alphabet in _CLASSES if char in alphabet), None)


def _window(name: str, start: int) -> list[int]:
    """The positions ``rewritten_tail`` may change: the last ``FRESHEN_WINDOW`` ASCII letters
    and digits of ``name`` at or after ``start``."""
    return [i for i in range(start, len(name)) if _class_of(name[i])][-FRESHEN_WINDOW:]


def tail_capacity(name: str, start: int) -> int:
    """How many distinct names ``rewritten_tail`` makes of ``name`` (``name`` itself included)."""
    capacity = 1
    for i in _window(name, start):
        capacity *= len(_class_of(name[i]) or "")
    return capacity


def rewritten_tail(name: str, start: int, number: int) -> str:
    """``name`` with ``number`` (0 < number < ``tail_capacity``) added, digit by digit in mixed
    radix with the last position least significant, to its last ``FRESHEN_WINDOW`` ASCII
    letters and digits at or after ``start``, each moved within its own class. The length and
    the case and class of every character are kept; ``:``, ``_``, ``-``, ``.`` and non-ASCII
    letters are not touched. Distinct ``number`` give names that differ in every case."""
    chars = list(name)
    rest = number
    for i in reversed(_window(name, start)):
        alphabet = _class_of(name[i]) or ""
        rest, digit = divmod(rest, len(alphabet))
        chars[i] = alphabet[(alphabet.index(name[i]) + digit) % len(alphabet)]
    return "".join(chars)


class Hygiene:
    """Names and deletions of one session (a mixin of ``session.Suite``)."""

    target: Target
    config: TargetConfig
    results: RunResults
    prefix: str
    model: TargetModel
    capabilities: Capabilities
    gone: str | None
    deleted_pairs: set[tuple[str, str]]  # (region, name) DeleteKeyPairs answered 200 for
    _numbers: PerTestCounters
    _auto_cleanup: bool

    # -- fresh names ---------------------------------------------------------------------------
    def _next_number(self) -> tuple[int, int]:
        """(salt, number) from the running test's counter: names are numbered, never drawn at
        random (requirements.md, "A run is reproducible"), and per test (``PerTestCounters``)."""
        return self._numbers.next()

    def unique_name(self, label: str = "") -> str:
        """A fresh name under this run's prefix (letters, digits and '-' only): the prefix,
        ``label``, the running test's salt (6 hex digits) and its counter (4 or more), skipping
        any name the model knows (in any region, in any case)."""
        for _ in range(FRESHEN_ATTEMPTS):
            salt, number = self._next_number()
            name = f"{self.prefix}{label}{salt:06x}{number:04x}"[: contract.NAME_MAX_LENGTH]
            if not self.model.taken(name):
                break
        return name

    def freshen(self, case: Case, avoid: frozenset[str] = frozenset()) -> Case:
        """``case`` with a name no key pair of this run has (in any region, in any case), if
        success is among its outcomes: Hypothesis replays names across examples, and a
        replayed name would test IKP-N6 instead of what the case was drawn for.

        The new name is the drawn one with a number from the run counter written into the
        last letters and digits after the prefix (``rewritten_tail``): the same length, every
        character of the same class, so every name rule the draw exercised still holds, and
        the same calls in the same order give the same names. Only when every such rewrite is
        taken does the name grow by a letter. ``avoid``: lower-cased names about to be sent
        alongside (taken too)."""
        name = case.params.get("KeyPairName")
        if not name or not case.expects_success():
            return case

        def taken(candidate: str) -> bool:
            return candidate.lower() in avoid or self.model.taken(candidate)

        if not taken(name):
            return case
        # Never rewrite the prefix (a Profile name may put a character before it) nor the
        # first character (the one IKP-N3 judges).
        at = name.lower().find(self.prefix.lower())
        start = at + len(self.prefix) if at >= 0 else 1
        salt, number = self._next_number()
        base = salt * 65536 + number
        attempts = 0
        while attempts < FRESHEN_ATTEMPTS:
            capacity = tail_capacity(name, start)
            for offset in range(min(capacity - 1, FRESHEN_ATTEMPTS - attempts)):
                attempts += 1
                candidate = rewritten_tail(name, start, 1 + (base + offset) % (capacity - 1))
                if not taken(candidate):
                    return dataclasses.replace(case, params=dict(case.params, KeyPairName=candidate))
            if len(name) >= contract.NAME_MAX_LENGTH:
                break
            name += "a"  # every rewrite of this length is taken: make room
            if not taken(name):
                return dataclasses.replace(case, params=dict(case.params, KeyPairName=name))
        return case  # cannot happen in practice; the model then expects AlreadyExist

    # -- deleting what this run created --------------------------------------------------------
    @contextmanager
    def no_auto_cleanup(self) -> Iterator[None]:
        """Keep every key pair until the block ends (the quota tests fill a region on purpose)."""
        self._auto_cleanup = False
        try:
            yield
        finally:
            self._auto_cleanup = True

    def delete(self, region: str, names: Sequence[str]) -> Exchange | None:
        """Delete ``names`` (only names this suite created or that carry its prefix)."""
        mine = [n for n in names if self._is_ours(region, n)]
        if not mine or not self.capabilities.delete:
            return None
        exchange = self.target.delete_key_pairs(region, mine)
        if exchange.status == 200:
            self.model.deleted(region, mine)
            self.deleted_pairs.update((region, name) for name in mine)
        return exchange

    def _is_ours(self, region: str, name: str) -> bool:
        return name.startswith(self.prefix) or (region, name) in set(self.model.created())

    def delete_all(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Delete the (region, name) ``pairs``, region by region in the order given, in
        batches of the documented maximum (nothing once the target is gone)."""
        if self.gone:
            return
        by_region: dict[str, list[str]] = {}
        for region, name in pairs:
            by_region.setdefault(region, []).append(name)
        for region, names in by_region.items():
            for start in range(0, len(names), contract.DELETE_NAMES_MAX):
                self.delete(region, names[start : start + contract.DELETE_NAMES_MAX])

    def cleanup(self) -> None:
        """Delete every key pair the suite created (in batches of the documented maximum)."""
        self.delete_all(self.model.created())

    def sweep(self) -> None:
        """Delete whatever still carries this run's prefix; report what could not be deleted."""
        if not self.gone and self.capabilities.describe and self.capabilities.delete:
            # sorted: a set's order changes with PYTHONHASHSEED, and so would the requests
            regions = {self.config.region, self.config.other_region, *self.model.regions()}
            for region in sorted(regions):
                for _ in range(contract.KEY_PAIRS_PER_REGION // contract.DESCRIBE_PAGE_SIZE_MAX + 2):
                    names = list_names(self.target, region, f"{self.prefix}*")
                    if not names:
                        break
                    self.delete(region, names[: contract.DELETE_NAMES_MAX])
        for region, name in self.model.created():
            why = "the target has no DeleteKeyPairs" if not self.capabilities.delete else "delete failed"
            if self.gone:
                why = self.gone
            self.results.add_leftover(region, name, why)
