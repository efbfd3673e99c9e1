"""The target client: the only code in the suite that talks HTTP.

``Target`` knows the target's configuration (``config.py``), sends each request that
``request.py`` builds over the keep-alive connections of ``connection.py``, retries by the
rule of ``retry.py``, reads each answer with ``bodies.py``, and returns an ``Exchange`` in
which every string has passed through ``redaction.py``. ``Target.call`` puts the parameters
where a transport puts them (IKP-T1), asks for a body format (IKP-T2), signs when
credentials exist (IKP-X3), sends once or a few times; ``Target.call_many`` sends several
requests before reading any answer (the concurrency tests, IKP-S*).

Network trouble never raises out of ``call``: a refused connection, a timeout, or throttling
that outlasts the retries come back as an Exchange with ``transport_error`` set, which the
oracle turns into ERROR (never PASS; requirements.md, "What the suite itself promises").

Dependency decision (issue 13): the client speaks ``http.client`` (``connection.py``), not
``requests``, which is therefore no run-time dependency any more (pyproject.toml keeps it in
the ``dev`` extra for ``benchmarks/bench_suite.py``'s reference loop). ``requests`` sends a
request and reads its answer in one call (``Session.send`` returns only once the status line
is in), so several requests in flight from one thread, which ``call_many`` needs, would take
a thread each; and its per-request cost is high: a keep-alive loop of 1000 unsigned valid
imports against the bundled server measured 985-1020 req/s with ``requests.Session``,
2920-3190 req/s with a bare ``http.client`` connection, and 1930-2200 req/s through
``Target.call`` (which also builds, parses and redacts each exchange).
"""

from __future__ import annotations

import functools
import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from conformance import USER_AGENT, contract, redaction
from conformance.exchange import BodyFormat, Exchange, ParsedBody, Transport
from conformance.target import request, retry
from conformance.target.bodies import parse_body, redact_parsed
from conformance.target.config import TargetConfig
from conformance.target.connection import Connections, Pending, Request, Response, SendError
from conformance.target.encodings import SUITE, ClientEncoding
from conformance.target.probe import PROBE_TIMEOUT, ca_file, probe_url
from conformance.target.request import Built
from conformance.target.tamper import Tamper

MAX_RESPONSE_BYTES = 2 * 1024 * 1024  # a broken target cannot exhaust memory


def _attempts(count: int) -> str:
    return f"{count} attempt" + ("s" if count != 1 else "")


@dataclass
class _Job:
    """One ``call`` in progress: what to send, and how many attempts so far."""

    action: str
    business: dict[str, str]
    transport: Transport
    body_format: BodyFormat
    sign: bool
    tamper: Tamper | None
    secrets: redaction.Secrets
    started: float
    attempts: int = 0
    encoding: ClientEncoding = SUITE


@dataclass(frozen=True)
class Call:
    """One request for ``Target.call_many`` (signed as ``call`` signs by default)."""

    action: str
    params: Mapping[str, str]
    transport: Transport = Transport.GET
    body_format: BodyFormat = BodyFormat.JSON
    encoding: ClientEncoding = SUITE  # how the parameters are written (IKP-T1)


class Target:
    """A conformance target at ``config.base_url``. Thread-safe (each thread has its own
    keep-alive connections)."""

    def __init__(
        self,
        config: TargetConfig,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        nonce: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self.config = config
        self._clock = clock
        self._sleep = sleep
        self._nonce = nonce
        self._connections = Connections(
            config.origin,
            timeout=config.timeout,
            max_body=MAX_RESPONSE_BYTES,
            user_agent=USER_AGENT,
            ca_file=ca_file() if config.origin.startswith("https:") else None,
        )
        self._lock = threading.Lock()
        self._sent = 0

    @property
    def requests_sent(self) -> int:
        """HTTP requests attempted so far (retries included), for the benchmarks."""
        with self._lock:
            return self._sent

    def __repr__(self) -> str:
        return f"Target({self.config.origin!r}, credentials={self.config.credentials!r})"

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every keep-alive connection of every thread."""
        self._connections.close()

    # -- public API ------------------------------------------------------------------------

    def probe(self) -> str | None:
        """None when a TCP connection to the target opens within 3 s, else why not (naming the URL)."""
        return probe_url(self.config.base_url, timeout=min(PROBE_TIMEOUT, self.config.timeout))

    def call(
        self,
        action: str,
        params: Mapping[str, str],
        *,
        transport: Transport = Transport.GET,
        body_format: BodyFormat = BodyFormat.JSON,
        sign: bool | None = None,
        tamper: Tamper | None = None,
        encoding: ClientEncoding = SUITE,
    ) -> Exchange:
        """Send ``action`` with the business ``params``; never raises for network problems.

        ``sign``: None signs when credentials exist (V1 for GET/POST_QUERY/POST_FORM unless the
        config says ``signature="none"``; V3 for Transport.V3); True requires credentials;
        False never signs. ``tamper`` (needs a signed request) spoils the signature for IKP-X3.
        Throttling/ServiceUnavailable answers (``retry.is_retryable``: any status) and
        connections that never opened are retried ``config.retries`` times with exponential
        backoff or the target's ``x-acs-retry-after`` (capped), each attempt signed afresh.
        ``encoding`` is how a real client would write the parameters (``client_encodings``);
        signatures are computed over the decoded parameters whatever it is.
        """
        job = self._job(action, params, transport, body_format, sign, tamper, encoding)
        built = self._attempt(job)
        return self._until_settled(job, built, self._connections.finish(self._start(0, built)))

    def call_many(self, calls: Sequence[Call]) -> list[Exchange]:
        """``call`` for several requests at once: every first attempt is sent, each on a
        connection of its own, before any answer is read (``Connections.start``), so the
        target works on them while the client reads and parses. A request that needs another
        attempt then carries on alone, exactly as in ``call``. Exchanges in ``calls`` order."""
        jobs = [
            self._job(c.action, c.params, c.transport, c.body_format, None, None, c.encoding) for c in calls
        ]
        started = []
        for slot, job in enumerate(jobs):  # each one leaves as soon as it is built
            built = self._attempt(job)
            started.append((built, self._start(slot, built)))
        return [
            self._until_settled(job, built, self._connections.finish(pending))
            for job, (built, pending) in zip(jobs, started, strict=True)
        ]

    def _start(self, slot: int, built: Built) -> Pending | SendError:
        return self._connections.start(slot, self._wire(built))

    def _until_settled(self, job: _Job, built: Built, result: Response | SendError) -> Exchange:
        """The Exchange of ``job``, attempting again (alone) while ``_settle`` asks for it."""
        while (exchange := self._settle(job, built, result)) is None:
            built = self._attempt(job)
            result = self._connections.finish(self._start(0, built))
        return exchange

    def _job(
        self,
        action: str,
        params: Mapping[str, str],
        transport: Transport,
        body_format: BodyFormat,
        sign: bool | None,
        tamper: Tamper | None,
        encoding: ClientEncoding = SUITE,
    ) -> _Job:
        creds = self.config.credentials
        if sign is None:
            sign = creds is not None and (transport is Transport.V3 or self.config.signature != "none")
        if sign and creds is None:
            raise ValueError("a signed request needs credentials (ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET)")
        if tamper is not None and not sign:
            raise ValueError("tampering needs a signed request")
        if encoding.all_in_body and transport is not Transport.POST_FORM:
            raise ValueError(f"encoding {encoding.id} needs the form-body transport")
        business = {str(k): str(v) for k, v in params.items()}
        extra_ids = (tamper.access_key_id,) if tamper and tamper.access_key_id else ()
        secrets = creds.secrets(*extra_ids) if creds else redaction.NO_SECRETS
        started = time.monotonic()
        return _Job(
            action, business, transport, body_format, sign, tamper, secrets, started, encoding=encoding
        )

    def _attempt(self, job: _Job) -> Built:
        """The next attempt of ``job``, counted and built (signed afresh)."""
        job.attempts += 1
        with self._lock:
            self._sent += 1
        creds = self.config.credentials if job.sign else None
        return request.build(
            self.config, job.action, job.business, job.transport, job.body_format, creds, job.tamper,
            job.encoding, nonce=self._nonce, clock=self._clock,
        )  # fmt: skip

    def _settle(self, job: _Job, built: Built, result: Response | SendError) -> Exchange | None:
        """The Exchange of an attempt's result, or None (after the backoff) when another
        attempt is due: a request that surely never left, or a throttling answer."""
        more = retry.another_attempt(job.attempts, self.config.retries)
        common = (job.action, job.transport, job.body_format, built, job.secrets, job.business, job.tamper)
        if isinstance(result, SendError):
            if result.retryable and more:
                self._backoff(job.attempts)
                return None
            message = str(result)
            if job.attempts > 1:
                message += f" (after {_attempts(job.attempts)})"
            return self._exchange(
                *common, job.started,
                status=None, headers={}, raw=b"", parsed=ParsedBody(None, error="no response"),
                transport_error=message, attempts=job.attempts, signed=job.sign,
            )  # fmt: skip
        status, raw, note = result.status, result.body, result.note
        parsed = parse_body(raw) if note is None else ParsedBody(None, error=note)
        code = parsed.fields.get("Code", "")
        transport_error = None
        if retry.is_retryable(job.action, status, parsed):
            if more:
                self._backoff(job.attempts, result.headers)
                return None
            transport_error = (
                f"gave up after {_attempts(job.attempts)}: {self.config.origin} kept answering "
                f"HTTP {status} {code}"
            )
        return self._exchange(
            *common, job.started,
            status=status, headers=result.headers, raw=raw, parsed=parsed,
            transport_error=transport_error, attempts=job.attempts, signed=job.sign,
        )  # fmt: skip

    def import_key_pair(self, params: Mapping[str, str], **kw: Any) -> Exchange:
        """ImportKeyPair with ``params`` (RegionId, KeyPairName, PublicKeyBody, ...)."""
        return self.call(contract.ACTION_IMPORT, params, **kw)

    def describe_key_pairs(
        self,
        region: str,
        *,
        transport: Transport = Transport.GET,
        body_format: BodyFormat = BodyFormat.JSON,
        sign: bool | None = None,
        **filters: str,
    ) -> Exchange:
        """DescribeKeyPairs in ``region`` with filters (KeyPairName, PageSize, PageNumber, ...)."""
        params = {"RegionId": region, **{k: str(v) for k, v in filters.items()}}
        return self.call(
            contract.ACTION_DESCRIBE, params, transport=transport, body_format=body_format, sign=sign
        )

    def delete_key_pairs(
        self,
        region: str,
        names: Sequence[str],
        *,
        transport: Transport = Transport.GET,
        body_format: BodyFormat = BodyFormat.JSON,
        sign: bool | None = None,
    ) -> Exchange:
        """DeleteKeyPairs of ``names`` in ``region`` (KeyPairNames as a JSON array string)."""
        params = {
            "RegionId": region,
            "KeyPairNames": json.dumps(list(names), ensure_ascii=False, separators=(",", ":")),
        }
        return self.call(
            contract.ACTION_DELETE, params, transport=transport, body_format=body_format, sign=sign
        )

    # -- internals -------------------------------------------------------------------------

    def _backoff(self, attempt: int, headers: Mapping[str, str] | None = None) -> None:
        self._sleep(retry.wait_before_next(attempt, self.config.backoff, headers))

    def _wire(self, built: Built) -> Request:
        """What ``Connections`` sends for ``built`` (its headers become the ones sent)."""
        built.headers = self._connections.request_headers(built.method, built.headers, built.body)
        return built.method, built.url[len(self.config.origin) :], built.headers, built.body

    def _exchange(
        self,
        action: str,
        transport: Transport,
        body_format: BodyFormat,
        built: Built,
        secrets: redaction.Secrets,
        business: Mapping[str, str],
        tamper: Tamper | None,
        started: float,
        *,
        status: int | None,
        headers: Mapping[str, str],
        raw: bytes,
        parsed: ParsedBody,
        transport_error: str | None,
        attempts: int,
        signed: bool,
    ) -> Exchange:
        if signed:  # hide the signature values wherever the target echoes them
            sent_signatures = [built.params.get("Signature", "")]
            for name, value in built.headers.items():
                if name.lower() == "authorization":
                    sent_signatures.append(value.rpartition("Signature=")[2])
            secrets = redaction.with_signatures(secrets, *sent_signatures)
        text = raw.decode("utf-8", errors="replace")
        # The URL and the form body are rebuilt from the redacted parameters exactly as
        # ``request.build`` wrote them. The parameters are what the suite itself generated plus what
        # the client added: when one scan of them finds nothing to hide but the by-name ones
        # (Signature, AccessKeyId, ...), nothing built from them can hold a secret either.
        quiet = not redaction.params_mention(secrets, built.query, built.form_params, business)
        redact = (
            redaction.redact_by_name if quiet else functools.partial(redaction.redact_params, secrets=secrets)
        )
        query_pairs = list(redact(built.query).items())
        form_pairs = list(redact(built.form_params).items())
        url = request.url(self.config, dict(query_pairs), built.encoding)
        if not quiet:
            url = redaction.redact_text(url, secrets)
        if built.form:
            request_body = built.encoding.encode(dict(form_pairs))
        elif built.body:
            request_body = redaction.redact_text(built.body.decode("utf-8", "replace"), secrets)
        else:
            request_body = ""
        params = dict(query_pairs + form_pairs)
        business_params = redact(business)
        error = None if transport_error is None else redaction.redact_text(transport_error, secrets)
        return Exchange(
            action=action,
            transport=transport,
            body_format=body_format,
            method=built.method,
            url=url,
            params=params,
            request_headers=redaction.redact_headers(built.headers, secrets),
            request_body=request_body,
            status=status,
            response_headers=redaction.redact_headers(headers, secrets),
            response_text=redaction.redact_text(text, secrets),
            parsed=redact_parsed(parsed, secrets),
            elapsed=time.monotonic() - started,
            transport_error=error,
            attempts=attempts,
            signed=signed,
            business_params=business_params,
            tamper=tamper.describe() if tamper else {},
            encoding=built.encoding.id,
        )
