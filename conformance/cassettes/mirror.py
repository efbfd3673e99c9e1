"""Live differential runs: ``--compare-with URL`` (or ``reference``) sends every request to a mirror too.

Where ``--compare-with FILE`` looks a run's requests up in a recorded cassette, a **live
mirror** is a second target that gets each request of the run as it is made: ``plugin.observe``
hands every exchange of the session target's ``call`` and ``call_many`` (threads racing each
other included) to ``Mirror.call`` / ``Mirror.call_many``, which send the same call, with the
same arguments, to the mirror's own ``Target`` (the run's regions, resource group, timeout and
retries; the credentials of the environment, or a spawned reference server's throwaway ones)
and note its answer in a second ``Recorder`` under the same canonical keys (the run's prefix,
the same test ids). At the end of the session the run's cassette is compared with the
mirror's (``compare``), exactly as with a recorded cassette; ``mirror_of`` finds the mirror's
exchange of a main exchange (while the main exchange is alive).

``parse_source`` reads the option: an ``http(s)://`` URL, or ``reference`` (the bundled
reference server, spawned as a child process like the default target), ``reference:VARIANT``
or ``reference:variant=NAME`` (a legal variant, ``conformance.mutants.variants``) or
``reference:fault=NAME`` (one documented fault, ``conformance.mutants.faults``). Anything
else is a cassette FILE (``./reference`` names a file called ``reference``).

The mirror never holds the run up or breaks it: its requests have the run's timeout; a mirror
that gives ``GIVE_UP`` transport errors in a row (no answer) is no longer sent anything, and
the summary says so in one line; a call the mirror cannot make (a signed or tampered request
while the mirror has no credentials) is skipped and counted. Nothing raised while mirroring
reaches a test. The mirror never keeps this run's key pairs: the run's own cleanup is mirrored
like every other request, and ``sweep`` (after that cleanup, from ``session.open_suite``)
lists the names under the run prefix in both regions (DescribeKeyPairs
``KeyPairName=<prefix>*``) and deletes those, and only names that start with the prefix;
names the mirror created without the prefix (answers the run's target did not give) are
reported, never deleted. The mirror's URL is shown redacted (``redacted_target``) and its
credentials never: the exchanges are redacted by its client as the run's are.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from conformance import contract
from conformance.cassettes.cassette import Recorder, redacted_target
from conformance.exchange import Exchange
from conformance.runner.listing import describe, list_names
from conformance.target import Call, Credentials, Target, TargetConfig
from conformance.verdict import Verdict

# After this many mirror exchanges in a row without an answer, mirroring stops (the run's own
# target is given up after as many: ``session.MAX_CONSECUTIVE_TRANSPORT_ERRORS``).
GIVE_UP = 5
REFERENCE = "reference"
LIVE_SCHEMES = ("http://", "https://")


def is_live(source: str) -> bool:
    """Whether ``--compare-with`` names a live mirror (a URL or ``reference[:...]``), not a FILE."""
    return source.startswith(LIVE_SCHEMES) or source == REFERENCE or source.startswith(REFERENCE + ":")


@dataclass(frozen=True)
class MirrorSpec:
    """What ``--compare-with`` names: a URL, or a reference server (with a variant or a fault)."""

    url: str | None = None
    variant: str | None = None
    fault: str | None = None

    @property
    def label(self) -> str:
        """How reports name the mirror before it runs (a URL redacted)."""
        if self.url is not None:
            return redacted_target(self.url)
        extra = (
            f" (variant {self.variant})" if self.variant else f" (fault {self.fault})" if self.fault else ""
        )
        return f"bundled reference server{extra}"


def parse_source(source: str) -> MirrorSpec:
    """The mirror ``source`` names (``ValueError`` naming what is wrong)."""
    if source.startswith(LIVE_SCHEMES):
        try:
            TargetConfig(base_url=source)  # the run's own URL rules: no userinfo, no query
        except ValueError as exc:
            raise ValueError(f"mirror {exc}") from None
        return MirrorSpec(url=source)
    if source == REFERENCE:
        return MirrorSpec()
    what = source[len(REFERENCE) + 1 :]
    kind, sep, name = what.partition("=")
    if not sep:
        kind, name = "variant", what
    if kind == "variant":
        from conformance.mutants.variants import VARIANTS

        if name not in VARIANTS:
            raise ValueError(f"unknown reference variant {name!r} (known: {', '.join(sorted(VARIANTS))})")
        return MirrorSpec(variant=name)
    if kind == "fault":
        from conformance.mutants.faults import FAULTS

        if name not in FAULTS:
            raise ValueError(
                f"unknown reference fault {name!r} (see python -m conformance.reference --list-faults)"
            )
        return MirrorSpec(fault=name)
    raise ValueError(f"expected reference, reference:VARIANT or reference:fault=NAME, got {source!r}")


class Mirror:
    """A live mirror of one run (see the module docstring). Thread-safe."""

    def __init__(
        self,
        target: Target,
        prefix: str,
        *,
        source: str,
        on_close: Callable[[], None] | None = None,
        give_up: int = GIVE_UP,
    ) -> None:
        self.target = target
        self.prefix = prefix
        self.source = source  # redacted: what the comparison and the summary name
        self.recorder = Recorder(prefix)
        self._on_close = on_close
        self._give_up = give_up
        self._lock = threading.Lock()
        self._in_a_row = 0
        self._pairs: dict[int, tuple[weakref.ref[Exchange], Exchange]] = {}
        self._unprefixed: set[tuple[str, str]] = set()  # (region, name) created on the mirror only
        self._closed = False
        self.mirrored = 0
        self.not_mirrored = 0
        self.unsendable = 0  # calls the mirror's client refused (no credentials to sign with)
        self.unsendable_why = ""  # the first reason it gave
        self.stopped: str | None = None
        self.errors: list[str] = []  # the first unexpected failures while mirroring
        self.left: list[dict[str, str]] = []
        self.swept = False

    # -- during the run ------------------------------------------------------------------------
    def call(
        self, main: Exchange, args: Sequence[Any], kw: Mapping[str, Any], test: str, *, raced: bool
    ) -> None:
        """Send the call that gave ``main`` to the mirror too, and note its answer."""
        if not self._wanted():
            return
        try:
            exchange = self.target.call(*args, **kw)
        except ValueError as exc:  # the client cannot make this call (no credentials to sign)
            self._unsendable(exc)
            return
        except Exception as exc:  # the mirror never breaks the run
            self._failed(exc)
            return
        self._noted(main, exchange, test, raced=raced)

    def call_many(self, main: Sequence[Exchange], calls: Sequence[Call], test: str) -> None:
        """``mirror.call_many`` with the same ``calls``, each answer paired with its main one."""
        if not self._wanted(len(calls)):
            return
        try:
            exchanges = self.target.call_many(calls)
        except ValueError as exc:
            self._unsendable(exc, len(calls))
            return
        except Exception as exc:  # the mirror never breaks the run
            self._failed(exc, len(calls))
            return
        for ours, theirs in zip(main, exchanges, strict=True):
            self._noted(ours, theirs, test, raced=False)

    def mirror_of(self, exchange: Exchange) -> Exchange | None:
        """The mirror's exchange for the main ``exchange`` (None: not mirrored). Kept while
        ``exchange`` is alive: the pair goes when the main exchange is collected."""
        pair = self._pairs.get(id(exchange))
        if pair is None or pair[0]() is not exchange:
            return None
        return pair[1]

    def _wanted(self, count: int = 1) -> bool:
        with self._lock:
            if self.stopped is None and not self._closed:
                return True
            self.not_mirrored += count
            return False

    def _noted(self, main: Exchange, exchange: Exchange, test: str, *, raced: bool) -> None:
        self.recorder.note(exchange, test, raced=raced)
        key = id(main)

        def forget(ref: weakref.ref[Exchange], key: int = key) -> None:
            # No lock: the garbage collector may call this in any thread, one holding the lock
            # included. While the dying exchange's memory is not yet freed no other object can
            # have its id, so nothing else can replace the pair between the look-up and the pop.
            if self._pairs.get(key, (None,))[0] is ref:
                self._pairs.pop(key, None)

        with self._lock:
            self.mirrored += 1
            self._pairs[key] = (weakref.ref(main, forget), exchange)
            self._keep_track(exchange)
            if exchange.status is not None:
                self._in_a_row = 0
                return
            self._in_a_row += 1
            if self._in_a_row >= self._give_up and self.stopped is None:
                self.stopped = (
                    f"stopped mirroring: {self.source} gave no answer to {self._in_a_row} requests "
                    f"in a row ({exchange.transport_error})"
                )

    def _keep_track(self, exchange: Exchange) -> None:
        """Names the mirror created without the run prefix, which ``sweep`` must not delete."""
        if exchange.status != 200 or exchange.is_error:  # a 200 may be an error body (IKP-T4)
            return
        params = exchange.business_params
        region = params.get("RegionId", "")
        if exchange.action == contract.ACTION_IMPORT:
            name = params.get("KeyPairName", "")
            if name and not name.startswith(self.prefix):
                self._unprefixed.add((region, name))
        elif exchange.action == contract.ACTION_DELETE:
            try:
                names = json.loads(params.get("KeyPairNames", "[]"))
            except ValueError:
                return
            if isinstance(names, list):
                self._unprefixed.difference_update((region, str(n)) for n in names)

    def _unsendable(self, exc: ValueError, count: int = 1) -> None:
        with self._lock:
            self.unsendable += count
            self.unsendable_why = self.unsendable_why or str(exc)

    def judge(self, exchange: Exchange, rejudge: Callable[[Exchange], Verdict]) -> None:
        """Judge the mirror's ``exchange`` as the run's answer to the same request was judged,
        and keep the verdict with its answer (never raises: a mirror never breaks the run)."""
        try:
            self.recorder.judged(exchange, rejudge(exchange))
        except Exception as exc:
            with self._lock:
                self._note_error(f"judging a mirror answer failed: {type(exc).__name__}: {exc}")

    def _failed(self, exc: Exception, count: int = 1) -> None:
        with self._lock:
            self.not_mirrored += count
            self._note_error(f"mirroring failed: {type(exc).__name__}: {exc}")

    def _note_error(self, text: str) -> None:
        if len(self.errors) < 3 and text not in self.errors:
            self.errors.append(text)

    # -- at the end of the session ----------------------------------------------------------
    def sweep(self) -> None:
        """Delete what the mirror still lists under the run prefix in both regions (nothing
        else, ever), then note what is left: prefixed names it did not delete, and the names
        it created without the prefix (reported, never deleted)."""
        config = self.target.config
        regions = sorted({config.region, config.other_region})
        why = self.stopped  # a mirror given up is sent nothing more
        for region in regions:
            why = why or self._described(region)
            if why is not None:
                break
            for _ in range(contract.KEY_PAIRS_PER_REGION // contract.DESCRIBE_PAGE_SIZE_MAX + 2):
                names = self._listed(region)
                if not names:
                    break
                deleted = self.target.delete_key_pairs(region, names[: contract.DELETE_NAMES_MAX])
                if deleted.status != 200 or deleted.is_error:
                    break
            self.left += [{"region": region, "name": n, "why": "delete failed"} for n in self._listed(region)]
        if why is None:
            self.swept = True
        else:
            self.left.append({"region": "*", "name": f"{self.prefix}*", "why": f"not swept: {why}"})
        self.left += [
            {"region": region, "name": name, "why": "created on the mirror only, without the run prefix"}
            for region, name in sorted(self._unprefixed)
        ]

    def _listed(self, region: str) -> list[str]:
        """The names the mirror lists under the run prefix in ``region`` (first page)."""
        return [n for n in list_names(self.target, region, f"{self.prefix}*") if n.startswith(self.prefix)]

    def _described(self, region: str) -> str | None:
        """None when the mirror's DescribeKeyPairs answers in ``region``, else why not."""
        exchange = describe(self.target, region, KeyPairName=f"{self.prefix}*", PageSize="1")
        if exchange.status == 200 and not exchange.is_error:
            return None
        return (
            exchange.transport_error
            or f"DescribeKeyPairs answered {exchange.status} {exchange.field('Code') or ''}".strip()
        )

    def close(self) -> None:
        """Close the mirror's connections and stop a spawned server. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            self.target.close()
        finally:
            if self._on_close is not None:
                self._on_close()

    def summary(self) -> dict[str, Any]:
        """For results.json (``comparison.mirror``)."""
        return {
            "url": self.source,
            "mirrored": self.mirrored,
            "not_mirrored": self.not_mirrored + self.unsendable,
            "not_sendable": self.unsendable,
            "stopped": self.stopped,
            "swept": self.swept,
            "left": list(self.left),
            "errors": list(self.errors),
        }

    def lines(self) -> list[str]:
        """The terminal summary's lines about the mirror (empty when all went well)."""
        out = []
        if self.stopped is not None:
            out.append(f"mirror: {self.stopped}; {self.not_mirrored} later requests not mirrored")
        if self.unsendable:
            out.append(f"mirror: {self.unsendable} requests not sent to it ({self.unsendable_why})")
        if self.errors:
            out.append(f"mirror: {self.errors[0]}")
        if not self.swept:
            why = next((item["why"] for item in self.left if item["region"] == "*"), "not swept")
            why = "not swept: mirroring stopped" if self.stopped else why
            out.append(f"mirror: {why}; key pairs named {self.prefix}* may be left on it")
        left = [f"{item['region']}/{item['name']}" for item in self.left if item["region"] != "*"]
        if left:
            shown = ", ".join(left[:5]) + (" ..." if len(left) > 5 else "")
            out.append(f"mirror: {len(left)} key pair(s) may be left on it: {shown}")
        return out


def open_mirror(spec: MirrorSpec, main: TargetConfig, prefix: str) -> Mirror:
    """The mirror ``spec`` names, configured like the run's ``main`` target (regions, resource
    group, timeout, retries, signature) but for its URL and credentials: the environment's for
    a URL, throwaway ones for a spawned reference server. ``ServerProcessError`` when a
    reference server does not start."""
    if spec.url is not None:
        config = dataclasses.replace(main, base_url=spec.url, credentials=Credentials.from_env())
        return Mirror(Target(config), prefix, source=redacted_target(config.url))
    from conformance.reference.process import spawn_server

    credentials = Credentials.throwaway()
    args = ["--variant", spec.variant] if spec.variant else ["--fault", spec.fault] if spec.fault else []
    if main.resource_group:  # the group the run's requests name, known to the mirror too
        args += ["--resource-group", main.resource_group]
    server = spawn_server(access_keys={credentials.access_key_id: credentials.access_key_secret}, args=args)
    config = dataclasses.replace(main, base_url=server.url, credentials=credentials)
    return Mirror(Target(config), prefix, source=redacted_target(server.url), on_close=server.close)
