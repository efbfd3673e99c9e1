"""The conformance session: one target, one state model, one results object (``Suite``, the
``ikp`` fixture), and how a session is opened and closed (``open_suite``).

``send_import`` is the whole data flow for one request: the state model adjusts the Case's
acceptable outcomes, the target client sends it, the oracle judges it, the model learns from
it, the results record it (with a reproduce command), and cleanup learns which names may now
exist. ``expect``, ``check``, ``fail`` and ``passed`` turn verdicts into pytest outcomes and
records. Fresh names and deletions are ``hygiene.Hygiene``'s, the six-way fan-out is
``ways.py``'s, capability probing ``capabilities.py``'s.

Reproducibility (requirements.md, "A run is reproducible"): nothing that shapes a request is
drawn at random here. Fresh names come from a counter per test (``unique_name``, ``freshen``),
the keys of ``simple_case`` from a counter of seeds (``simple.fresh_seed``), and every loop
over regions or names is sorted, so the same seed and target behaviour give the same requests
apart from the per-run prefix, signatures, nonces and timestamps. Only the bundled server's
throwaway credentials are random.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any, NoReturn

import pytest
from hypothesis import strategies as st

from conformance import contract, oracle
from conformance.case import Case
from conformance.exchange import BodyFormat, Exchange, Transport
from conformance.observed import DOCUMENTED
from conformance.oracle.model import TargetModel
from conformance.results import RunResults
from conformance.results.reproduce import command_for
from conformance.runner import listing, ways
from conformance.runner.capabilities import Capabilities, probe_capabilities
from conformance.runner.hygiene import AUTO_CLEANUP_ROOM, Hygiene
from conformance.runner.shrinking import BUDGET_KEY, ShrinkBudget, deviation_of
from conformance.runner.testids import PerTestCounters, current_test_id, final_example
from conformance.target import Credentials, Target, TargetConfig
from conformance.target.encodings import SUITE, ClientEncoding
from conformance.verdict import Status, Verdict
from strategies import cases
from strategies import classes as input_classes
from strategies.samples import Part

# After this many exchanges in a row without an answer the target is taken as gone: later
# sends are not attempted (so Hypothesis cannot spend minutes shrinking against a dead
# target) and pytest stops after the current test.
MAX_CONSECUTIVE_TRANSPORT_ERRORS = 5


class TargetGone(Exception):
    """The target stopped answering: an ERROR, never a verdict on the contract."""


def target_gone(message: str) -> NoReturn:
    """Raise ``TargetGone``, always from this line: Hypothesis tells failures apart by where
    they were raised, and one dead target must look like one failure, not a flaky test."""
    raise TargetGone(message)


# What ``--record`` / ``--compare-with`` are told of each verdict: the exchange, the verdict, and
# how to judge another target's answer the same way when the oracle judged it (else None).
VerdictListener = Callable[[Exchange, Verdict, Callable[[Exchange], Verdict] | None], None]


class Suite(Hygiene):
    """One conformance session against one target (see the module docstring)."""

    def __init__(
        self,
        target: Target,
        results: RunResults,
        *,
        prefix: str,
        strict_messages: bool = False,
        known_resource_group: str | None = None,
        budget: ShrinkBudget | None = None,
        on_verdict: VerdictListener | None = None,
        reading: str = DOCUMENTED,
    ) -> None:
        self.target = target
        self.on_verdict = on_verdict  # --record / --compare-with keep each verdict (cassettes)
        self.config = target.config
        self.budget = budget  # None: Hypothesis shrinks as it likes (shrinking.py)
        self.results = results
        self.prefix = prefix
        self.strict_messages = strict_messages
        self.reading = reading  # documented or observed (``oracle/readings.py``)
        self.known_resource_group = known_resource_group
        self.model = TargetModel()
        self.capabilities = Capabilities()
        self._lock = threading.Lock()
        self._consecutive_errors = 0
        self._numbers = PerTestCounters()
        self._auto_cleanup = True
        self.deleted_pairs = set()
        self.gone = None

    # -- regions -----------------------------------------------------------------------------
    @property
    def region(self) -> str:
        return self.config.region

    @property
    def other_region(self) -> str:
        return self.config.other_region

    # -- the strategies, bound to this session's region, name prefix and known group ---------
    def valid_cases(self, **kw: Any) -> st.SearchStrategy[Case]:
        """``strategies.cases.valid_import_cases`` for this session (``kw``: key_types, max_tags)."""
        return cases.valid_import_cases(self.region, self.prefix, self.known_resource_group, **kw)

    def valid_parts(self, **kw: Any) -> st.SearchStrategy[tuple[Part, ...]]:
        """``strategies.cases.valid_request_parts`` for this session: a valid request but its
        key (``kw``: max_tags)."""
        return cases.valid_request_parts(self.region, self.prefix, self.known_resource_group, **kw)

    def invalid_cases(self, *slots: str, max_violations: int = 1) -> st.SearchStrategy[Case]:
        """Requests broken in 1..``max_violations`` of ``slots`` (name, key, region, ...)."""
        return cases.invalid_import_cases(
            self.region, self.prefix, self.known_resource_group, max_violations=max_violations, slots=slots
        )

    def profile_cases(self, *slots: str) -> st.SearchStrategy[Case]:
        """Requests asking one Profile question about one of ``slots`` (key, name, tags)."""
        return cases.profile_import_cases(self.region, self.prefix, self.known_resource_group, slots=slots)

    def any_cases(self, **kw: Any) -> st.SearchStrategy[Case]:
        """Valid, Profile and invalid requests (``strategies.cases.import_cases``)."""
        return cases.import_cases(self.region, self.prefix, self.known_resource_group, **kw)

    # -- the data flow of one request ----------------------------------------------------------
    def send_import(
        self,
        case: Case,
        *,
        transport: Transport = Transport.GET,
        body_format: BodyFormat = BodyFormat.JSON,
        target: Target | None = None,
        record: bool = True,
        fresh: bool = True,
        encoding: ClientEncoding = SUITE,
    ) -> tuple[Verdict, Exchange]:
        """Send ``case`` and judge it against the model's expectation; record the result.

        ``fresh`` (the default) gives a case that may succeed a name unused so far
        (``freshen``); the tests of duplicates pass ``fresh=False``. ``encoding``: how the
        parameters are written on the wire (``client_encodings``, IKP-T1)."""
        adjusted = self.prepare(case, fresh=fresh)
        exchange = (target or self.target).import_key_pair(
            adjusted.params, transport=transport, body_format=body_format, encoding=encoding
        )
        return self.conclude(adjusted, exchange, record=record), exchange

    def prepare(self, case: Case, *, fresh: bool, avoid: frozenset[str] = frozenset()) -> Case:
        """Before sending: a fresh name (``freshen``), room in the region, and the outcomes
        the model expects now."""
        if self.gone:
            target_gone(self.gone)
        self.within_budget()
        if fresh:
            case = self.freshen(case, avoid)
        region = case.params.get("RegionId", "")
        if self._auto_cleanup and region and self.model.room(region) < AUTO_CLEANUP_ROOM:
            self.cleanup()
        return self.model.adjust(case)

    def conclude(self, adjusted: Case, exchange: Exchange, *, record: bool) -> Verdict:
        """After the answer: the oracle's verdict, the model's update, the record."""
        verdict = oracle.judge_import(
            adjusted,
            exchange,
            expected=adjusted.outcomes,
            strict_messages=self.strict_messages,
            reading=self.reading,
        )
        self.model.observe(adjusted, exchange)
        self._note_transport(exchange)
        if record:
            self.record(verdict, adjusted, exchange, rejudge=self._rejudge(adjusted))
        return verdict

    def _rejudge(self, adjusted: Case) -> Callable[[Exchange], Verdict] | None:
        """How ``conclude`` judged ``adjusted``, for another target's answer to it (a live
        mirror, ``cassettes``); None when nothing listens for verdicts."""
        if self.on_verdict is None:
            return None
        return partial(
            oracle.judge_import,
            adjusted,
            expected=adjusted.outcomes,
            strict_messages=self.strict_messages,
            reading=self.reading,
        )

    def record(
        self,
        verdict: Verdict,
        case: Case | None,
        exchange: Exchange | None,
        *,
        rejudge: Callable[[Exchange], Verdict] | None = None,
    ) -> None:
        """Count ``verdict`` in the results; a FAIL or ERROR also keeps the case, the exchange,
        the acceptable outcomes and a reproduce command (built only then: most verdicts pass).
        ``rejudge``: how the oracle judged ``exchange``, for another target's answer (cassettes)."""
        labels = tuple(p.rule for p in case.parts) if case is not None else ()  # input classes
        if self.on_verdict is not None and exchange is not None:
            self.on_verdict(exchange, verdict, rejudge)
        if exchange is not None:
            labels += input_classes.transport_labels(
                exchange.transport, exchange.body_format, exchange.encoding
            )
        if verdict.status not in (Status.FAIL, Status.ERROR):
            self.results.record(current_test_id(), verdict, exchange=exchange, labels=labels)
            return
        final = final_example()
        test_id = current_test_id()
        if self.budget is not None and final is False:
            failed = dict(verdict.failed_requirements)
            self.budget.failed(test_id, deviation_of(failed, verdict.reasons), verdict.reasons)
        self.results.record(
            test_id,
            verdict,
            labels=labels,
            case=case.to_json() if case is not None else None,
            exchange=exchange,
            acceptable=oracle.describe_outcomes(case.outcomes) if case is not None else [],
            reproduce=command_for(exchange, self.config) if exchange is not None else "",
            final=final,
            shrunk=True if final else None,
        )

    def within_budget(self) -> None:
        """Before a shrink attempt: end the test (send nothing) once its shrinking is past the
        budget, or another test already explains its deviation (``shrinking.py``)."""
        test_id = current_test_id()
        if self.budget is not None and final_example() is False and self.budget.over(test_id):
            self.results.not_minimised(test_id, self.budget.explained_by(test_id))
            raise self.budget.stop(test_id)

    def _note_transport(self, exchange: Exchange) -> None:
        with self._lock:
            if exchange.status is None:
                self._consecutive_errors += 1
                if self._consecutive_errors >= MAX_CONSECUTIVE_TRANSPORT_ERRORS:
                    self.gone = (
                        f"target {self.config.origin} stopped answering "
                        f"({self._consecutive_errors} requests in a row): {exchange.transport_error}"
                    )
            else:
                self._consecutive_errors = 0

    # -- verdicts into pytest outcomes ---------------------------------------------------------
    @staticmethod
    def check(verdict: Verdict) -> None:
        """Turn a verdict into the pytest outcome: FAIL fails the test, ERROR errors it."""
        if verdict.status is Status.FAIL:
            pytest.fail("\n".join(verdict.reasons) or "FAIL", pytrace=False)
        if verdict.status is Status.ERROR:
            target_gone("ERROR (not a verdict on the contract): " + "; ".join(verdict.reasons))

    def fail(
        self, req_id: str, reason: str, case: Case | None = None, exchange: Exchange | None = None
    ) -> None:
        """Record a FAIL of ``req_id`` found by a test's own check, and fail the test."""
        verdict = Verdict(Status.FAIL, (req_id,), (f"{req_id}: {reason}",), ((req_id, reason),))
        self.record(verdict, case, exchange)
        pytest.fail(f"{req_id}: {reason}", pytrace=False)

    def passed(self, req_id: str, case: Case | None = None, exchange: Exchange | None = None) -> None:
        """Record that a test's own check of ``req_id`` passed."""
        self.record(Verdict(Status.PASS, (req_id,)), case, exchange)

    def unsupported_half(self, req_id: str, note: str) -> None:
        """Note that part of ``req_id`` could not be checked against this target (the report
        shows it; the rest of the requirement is still judged by its other tests)."""
        notes = self.results.meta.setdefault("notes", [])
        if f"{req_id}: {note}" not in notes:
            notes.append(f"{req_id}: {note}")

    def expect(self, case: Case, **kw: object) -> Exchange:
        """``send_import`` then ``check``: the one-liner most tests use."""
        verdict, exchange = self.send_import(case, **kw)  # type: ignore[arg-type]
        self.check(verdict)
        return exchange

    def expect_each_way(self, case: Case) -> Exchange:
        """``expect`` over each of ``ways.EACH_WAY`` (``ways.expect_each_way``); returns the
        GET exchange."""
        return ways.expect_each_way(self, case)

    def delete_checked(self, region: str, names: Sequence[str]) -> Exchange:
        """DeleteKeyPairs judged for IKP-X2 (recorded; a FAIL fails the test)."""
        exchange = self.delete(region, names)
        if exchange is None:
            pytest.fail(f"refusing to delete {names!r}: not created by this run", pytrace=False)
        verdict = oracle.judge_delete(exchange)
        if verdict.status is Status.UNSUPPORTED:
            self.results.mark_unsupported("IKP-X2", "; ".join(verdict.reasons))
            pytest.skip("; ".join(verdict.reasons))
        self.record(verdict, None, exchange)
        self.check(verdict)
        return exchange

    # -- Extended operations (``listing.py``) and capabilities ---------------------------------
    def describe(self, region: str, body_format: BodyFormat = BodyFormat.JSON, **filters: str) -> Exchange:
        return listing.describe(self.target, region, body_format, **filters)

    def list_names(self, region: str, pattern: str | None = None) -> list[str]:
        """Names DescribeKeyPairs lists in ``region`` (first page of the maximum size)."""
        return listing.list_names(self.target, region, pattern)

    def total_count(self, region: str) -> int | None:
        """DescribeKeyPairs' TotalCount in ``region`` (None when not available)."""
        return listing.total_count(self.target, region)

    def probe_capabilities(self) -> None:
        """Which Extended operations the target answers, and what is already in the regions."""
        regions = (self.region, self.other_region)
        probe_capabilities(self.capabilities, self.target, self.model, regions=regions, prefix=self.prefix)
        self.results.capabilities.update(self.capabilities.as_dict())


@contextmanager
def open_suite(config: pytest.Config, results: RunResults, *, prefix: str) -> Iterator[Suite]:
    """Start (or reach) the target, probe it, yield the Suite, and always clean up."""
    url = config.getoption("target")
    resource_group = config.getoption("resource_group")
    credentials = Credentials.from_env()
    server = None
    if not url:
        from conformance.reference.process import spawn_server

        # The bundled server checks signatures with a throwaway key, so that V1/V3 signing
        # (IKP-X3) is certified too. The secret lives only in this process and its child's
        # environment. A child process: the server's work runs on a core of its own.
        credentials = Credentials.throwaway()
        server = spawn_server(access_keys={credentials.access_key_id: credentials.access_key_secret})
        url = server.url
        resource_group = resource_group or contract.DEFAULT_RESOURCE_GROUP
    target = Target(
        TargetConfig(
            base_url=url,
            region=config.getoption("region"),
            other_region=config.getoption("other_region"),
            resource_group=resource_group,
            credentials=credentials,
            timeout=config.getoption("request_timeout"),
        )
    )
    results.meta["config"] = target.config.redacted()
    from conformance.cassettes.plugin import finish_observing, observe

    on_verdict = observe(config, target, prefix)  # --record / --compare-with see every exchange
    suite = Suite(
        target,
        results,
        prefix=prefix,
        strict_messages=config.getoption("strict_messages"),
        known_resource_group=resource_group,
        budget=config.stash.get(BUDGET_KEY, None),
        on_verdict=on_verdict,
        reading=config.getoption("reading"),
    )
    try:
        suite.probe_capabilities()
        yield suite
    finally:
        try:
            suite.cleanup()
            suite.sweep()
        finally:
            finish_observing(config)  # a --compare-with URL mirror: swept after the cleanup, closed
            results.meta["requests_sent"] = results.meta.get("requests_sent", 0) + target.requests_sent
            target.close()
            if server is not None:
                server.close()
