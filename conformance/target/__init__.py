"""The target client: the only code in the suite that talks HTTP.

It knows the base URL, the regions, a known resource group, the credentials (V1 and V3
signing), timeouts, bounded retries on throttling (the rule is ``retry.py``'s), and
redaction. ``Target.call`` puts the parameters where a transport puts them (IKP-T1), asks
for a body format (IKP-T2), signs when credentials exist (IKP-X3), sends once or a few
times, and returns an ``Exchange`` in which every string has passed through ``redaction.py``.

Network trouble never raises out of ``call``: a refused connection, a timeout, or throttling
that outlasts the retries come back as an Exchange with ``transport_error`` set, which the
oracle turns into ERROR (never PASS; requirements.md, "What the suite itself promises").
"""

from __future__ import annotations

import functools
import json
import os
import re
import socket
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from conformance import contract, redaction
from conformance.exchange import BodyFormat, Exchange, ParsedBody, Transport
from conformance.target import retry, signing
from conformance.target.connection import Connections, Pending, Request, Response, SendError
from conformance.target.encodings import SUITE, ClientEncoding

ENV_ACCESS_KEY_ID = "ALIBABA_CLOUD_ACCESS_KEY_ID"
ENV_ACCESS_KEY_SECRET = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
ENV_SECURITY_TOKEN = "ALIBABA_CLOUD_SECURITY_TOKEN"

MAX_RESPONSE_BYTES = 2 * 1024 * 1024  # a broken target cannot exhaust memory
MAX_DEPTH = 64  # DescribeKeyPairs nests 5 levels; deeper documents are refused, not recursed into
PROBE_TIMEOUT = 3.0
# V3 sends no Format: it asks with Accept. JSON is what the SDK asks for (IKP-T1), and what
# a V3 request asks for unless the caller explicitly wants XML.
V3_ACCEPT = {
    BodyFormat.JSON: "application/json",
    BodyFormat.ABSENT: "application/json",
    BodyFormat.XML: "application/xml",
}
USER_AGENT = "ikp-conformance/0.1"

# Parameters the client adds itself; everything else in a request is a business parameter.
COMMON_PARAMETERS = frozenset({"Action", "Version", "Format", *signing.V1_PARAMETERS})

_XML_DECLARATIONS = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


# -- configuration ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """An AccessKey pair and optional STS token; ``repr`` never shows the secret or the token."""

    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        token = ", security_token=<set>" if self.security_token else ""
        return (
            f"Credentials(access_key_id={redaction.mask_access_key_id(self.access_key_id)!r}, "
            f"access_key_secret=<hidden>{token})"
        )

    __str__ = __repr__

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials | None:
        """From ``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``_SECRET`` / ``ALIBABA_CLOUD_SECURITY_TOKEN``.

        None unless both the id and the secret are set and non-empty.
        """
        env = os.environ if environ is None else environ
        key_id = env.get(ENV_ACCESS_KEY_ID, "").strip()
        secret = env.get(ENV_ACCESS_KEY_SECRET, "").strip()
        token = env.get(ENV_SECURITY_TOKEN, "").strip() or None
        if not key_id or not secret:
            return None
        return cls(key_id, secret, token)

    def secrets(self, *extra_ids: str) -> redaction.Secrets:
        """What redaction must hide for these credentials."""
        return redaction.Secrets(
            self.access_key_id, self.access_key_secret, self.security_token, tuple(extra_ids)
        )


SIGNATURE_CHOICES = ("v1", "none")


@dataclass(frozen=True)
class TargetConfig:
    """Where the target is and how to talk to it.

    ``signature`` is the signing used for the non-V3 transports when credentials exist:
    ``v1`` (HMAC-SHA1) or ``none`` (never sign them). ``Transport.V3`` always signs V3 when
    credentials exist. ``retries`` counts extra attempts after the first one.
    """

    base_url: str
    region: str = contract.DEFAULT_REGION
    other_region: str = contract.DEFAULT_OTHER_REGION
    resource_group: str | None = None
    credentials: Credentials | None = None
    timeout: float = 10.0
    retries: int = 3
    backoff: float = 0.2
    signature: str = "v1"

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if "@" in parts.netloc:  # never echo it: it may hold a password
            raise ValueError("the target URL must not carry credentials (they come from the environment)")
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"target URL must be http(s)://host[:port][/path], got {self.base_url!r}")
        try:
            parts.port  # noqa: B018 - validates the port
        except ValueError as exc:
            raise ValueError(f"target URL has an invalid port: {self.base_url!r}") from exc
        if self.signature not in SIGNATURE_CHOICES:
            raise ValueError(f"signature must be one of {SIGNATURE_CHOICES}, got {self.signature!r}")
        if self.timeout <= 0 or self.retries < 0 or self.backoff < 0:
            raise ValueError("timeout must be > 0, retries and backoff >= 0")

    @property
    def host(self) -> str:
        """``host[:port]`` as written in the URL: what the Host header and V3 sign."""
        return urlsplit(self.base_url).netloc

    @property
    def path(self) -> str:
        """The RPC path: the URL's path with a trailing ``/`` (``/`` for a bare host)."""
        return urlsplit(self.base_url).path.rstrip("/") + "/"

    @property
    def origin(self) -> str:
        """``scheme://host[:port]``."""
        return f"{urlsplit(self.base_url).scheme}://{self.host}"

    @property
    def url(self) -> str:
        """The normalised base URL (``origin`` + path, no trailing ``/``), as reports show it."""
        return self.origin + self.path.rstrip("/")

    def redacted(self) -> dict[str, Any]:
        """A JSON-ready view for reports: the AccessKeyId masked, the secret and token absent."""
        creds = self.credentials
        return {
            "base_url": self.url,
            "region": self.region,
            "other_region": self.other_region,
            "resource_group": self.resource_group,
            "credentials": None
            if creds is None
            else {
                "access_key_id": redaction.mask_access_key_id(creds.access_key_id),
                "access_key_secret": "<set>",
                "security_token": "<set>" if creds.security_token else None,
            },
            "timeout": self.timeout,
            "retries": self.retries,
            "backoff": self.backoff,
            "signature": self.signature,
        }


@dataclass(frozen=True)
class Tamper:
    """Deliberate signature faults for IKP-X3 (only meaningful on a signed request).

    - ``wrong_signature``: a well-formed signature computed with the wrong secret;
    - ``access_key_id``: sign as this (unknown) AccessKeyId, with the real secret;
    - ``nonce``: use this SignatureNonce / x-acs-signature-nonce (send it twice to reuse it);
    - ``timestamp_shift``: seconds added to the current time in Timestamp / x-acs-date.
    """

    wrong_signature: bool = False
    access_key_id: str | None = None
    nonce: str | None = None
    timestamp_shift: float = 0.0

    def describe(self) -> dict[str, str]:
        """The non-default faults, as strings (recorded in the Exchange, read by reproduce)."""
        out: dict[str, str] = {}
        if self.wrong_signature:
            out["wrong_signature"] = "true"
        if self.access_key_id is not None:
            out["access_key_id"] = redaction.mask_access_key_id(self.access_key_id)
        if self.nonce is not None:
            out["nonce"] = self.nonce
        if self.timestamp_shift:
            out["timestamp_shift"] = f"{self.timestamp_shift:g}"
        return out


def probe_url(url: str, timeout: float = PROBE_TIMEOUT) -> str | None:
    """A fast reachability check: None if a TCP connection to ``url``'s host:port opens within
    ``timeout`` seconds, else a message naming the URL and the reason."""
    parts = urlsplit(url)
    # Shown without userinfo (a password) or query.
    shown = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"target {shown} is not an http(s)://host[:port] URL"
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return f"target {shown} has an invalid port"
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return None
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        return f"target {shown} is not reachable ({parts.hostname}:{port}): {reason}"


def _ca_file() -> str | None:
    """The CA bundle ``requests`` would use (certifi's), else the system's."""
    try:
        import certifi
    except ImportError:
        return None
    return str(certifi.where())


# -- response parsing ------------------------------------------------------------------------


def _scalar(value: Any) -> str | None:
    """A JSON scalar as text (None for null and for containers)."""
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_to_python(element: ET.Element) -> Any:
    """Leaf -> its text; element with children -> dict; repeated children -> list.

    Alibaba's list convention (``<KeyPairs><KeyPair/>...</KeyPairs>``, ``<Tags><Tag/>``) is kept
    as in the JSON form: a container named ``<child>s`` whose children all are ``<child>``
    gives ``{"<child>": [...]}`` even with a single child.
    """
    children = list(element)
    if not children:
        return element.text or ""
    name = _local(element.tag)
    names = [_local(c.tag) for c in children]
    out: dict[str, Any] = {}
    if len(set(names)) == 1 and name == names[0] + "s":
        out[names[0]] = [_xml_to_python(c) for c in children]
        return out
    for child_name, child in zip(names, children, strict=True):
        value = _xml_to_python(child)
        if child_name in out:
            existing = out[child_name]
            if isinstance(existing, list) and names.count(child_name) > 1:
                existing.append(value)
            else:
                out[child_name] = [existing, value]
        else:
            out[child_name] = [value] if names.count(child_name) > 1 else value
    return out


def _depth(document: Any) -> int:
    """How deeply a parsed JSON value nests (iteratively: a hostile body cannot blow the stack)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return deepest


def _xml_depth(root: ET.Element) -> int:
    deepest = 0
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node)
    return deepest


def parse_body(raw: bytes) -> ParsedBody:
    """Read a response body as a JSON object or an XML document; never raises.

    The syntax is chosen by the first non-blank byte (``{``/``[`` JSON, ``<`` XML), not by
    Content-Type, so the oracle can compare the two. XML with a DOCTYPE or ENTITY declaration
    is refused before parsing (entity expansion), and so is any document nested deeper than
    MAX_DEPTH. A body that is neither gives ``syntax=None`` and ``error`` says why.
    """
    text = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        return ParsedBody(None, error="empty body")
    too_deep = ParsedBody(None, error=f"document nested deeper than {MAX_DEPTH} levels")
    if text[:1] in (b"{", b"["):
        try:
            document = json.loads(text.decode("utf-8"))
        except RecursionError:
            return too_deep
        except (UnicodeDecodeError, ValueError) as exc:
            return ParsedBody(None, error=f"invalid JSON: {exc}")
        if not isinstance(document, dict):
            return ParsedBody(None, error=f"JSON body is a {type(document).__name__}, not an object")
        if _depth(document) > MAX_DEPTH:
            return too_deep
        fields = {k: s for k, v in document.items() if (s := _scalar(v)) is not None}
        return ParsedBody("json", None, fields, document)
    if text[:1] == b"<":
        if _XML_DECLARATIONS.search(text):
            return ParsedBody(None, error="XML with a DOCTYPE or ENTITY declaration refused")
        try:
            root = ET.fromstring(text)
        except RecursionError:
            return too_deep
        except ET.ParseError as exc:
            return ParsedBody(None, error=f"invalid XML: {exc}")
        if _xml_depth(root) > MAX_DEPTH:
            return too_deep
        # Leaf children, first occurrence wins; text kept as sent (no stripping).
        xml_fields: dict[str, str] = {}
        for child in root:
            if len(child) == 0:
                xml_fields.setdefault(_local(child.tag), child.text or "")
        document = _xml_to_python(root)
        return ParsedBody("xml", _local(root.tag), xml_fields, document if isinstance(document, dict) else {})
    try:
        json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return ParsedBody(None, error="body is neither JSON nor XML")
    return ParsedBody(None, error="JSON body is a scalar, not an object")


def list_at(document: Any, *path: str) -> list[Any]:
    """The list at ``path`` (``"KeyPairs", "KeyPair"``) in a JSON or XML document; [] if absent.

    A single item (XML without the list convention) becomes a one-item list; an empty
    container (``<KeyPairs/>`` gives ``""``) becomes [].
    """
    node = document
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return []
        node = node[key]
    if isinstance(node, list):
        return node
    if node in (None, ""):
        return []
    return [node]


def _redact_parsed(parsed: ParsedBody, secrets: redaction.Secrets) -> ParsedBody:
    if parsed.error is None and not redaction.mentions(parsed.fields.values(), secrets):
        document = redaction.redact_document(parsed.document, secrets)
        if document is parsed.document:  # nothing to hide anywhere: keep it as it is
            return parsed
    return ParsedBody(
        parsed.syntax,
        parsed.root,
        {k: redaction.redact_text(v, secrets) for k, v in parsed.fields.items()},
        redaction.redact_document(parsed.document, secrets),
        None if parsed.error is None else redaction.redact_text(parsed.error, secrets),
    )


# -- the client ------------------------------------------------------------------------------


@dataclass
class _Built:
    """One request, ready to send (unredacted)."""

    method: str
    url: str
    params: dict[str, str]  # every parameter sent, query and form
    headers: dict[str, str]
    body: bytes
    form: bool
    query: dict[str, str] = field(default_factory=dict)  # the URL's parameters, in their order
    form_params: dict[str, str] = field(default_factory=dict)  # the form body's parameters
    encoding: ClientEncoding = SUITE  # how the URL and the form body were written (IKP-T1)


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
    """A conformance target at ``config.base_url``. Thread-safe (one Session per thread)."""

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
            ca_file=_ca_file() if config.origin.startswith("https:") else None,
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

    def _start(self, slot: int, built: _Built) -> Pending | SendError:
        return self._connections.start(slot, self._wire(built))

    def _until_settled(self, job: _Job, built: _Built, result: Response | SendError) -> Exchange:
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

    def _attempt(self, job: _Job) -> _Built:
        """The next attempt of ``job``, counted and built (signed afresh)."""
        job.attempts += 1
        with self._lock:
            self._sent += 1
        creds = self.config.credentials if job.sign else None
        return self._build(
            job.action, job.business, job.transport, job.body_format, creds, job.tamper, job.encoding
        )

    def _settle(self, job: _Job, built: _Built, result: Response | SendError) -> Exchange | None:
        """The Exchange of an attempt's result, or None (after the backoff) when another
        attempt is due: a request that surely never left, or a throttling answer."""
        max_attempts = 1 + self.config.retries
        common = (job.action, job.transport, job.body_format, built, job.secrets, job.business, job.tamper)
        if isinstance(result, SendError):
            if result.retryable and job.attempts < max_attempts:
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
            if job.attempts < max_attempts:
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

    def _build(
        self,
        action: str,
        business: dict[str, str],
        transport: Transport,
        body_format: BodyFormat,
        creds: Credentials | None,
        tamper: Tamper | None,
        encoding: ClientEncoding = SUITE,
    ) -> _Built:
        config = self.config
        tamper = tamper or Tamper()
        method = "GET" if transport is Transport.GET else "POST"
        headers: dict[str, str] = {}
        query: dict[str, str] = {}
        form: dict[str, str] = {}
        nonce = tamper.nonce if tamper.nonce is not None else self._nonce()
        timestamp = signing.format_timestamp(self._clock() + tamper.timestamp_shift)
        key_id = tamper.access_key_id  # None: the real one

        if transport is Transport.V3:
            query = dict(business)
            headers["Accept"] = V3_ACCEPT[body_format]
            body = b""
            if creds is None:
                headers.update(
                    {"host": config.host, "x-acs-action": action, "x-acs-version": contract.API_VERSION}
                )
            else:
                if creds.security_token:
                    headers["x-acs-security-token"] = creds.security_token
                secret = creds.access_key_secret + ("-wrong" if tamper.wrong_signature else "")
                headers = signing.sign_v3(
                    method, config.path, query, headers, body,
                    host=config.host, action=action, version=contract.API_VERSION,
                    access_key_id=key_id or creds.access_key_id, secret=secret,
                    nonce=nonce, timestamp=timestamp,
                )  # fmt: skip
            url = self._url(query, encoding)
            return _Built(method, url, dict(query), headers, body, form=False, query=query, encoding=encoding)

        common = {"Action": action, "Version": contract.API_VERSION}
        if body_format is not BodyFormat.ABSENT:
            common["Format"] = body_format.value
        if transport is Transport.POST_FORM:
            # A business parameter named like a common one (``Format=xml`` to probe IKP-T2's
            # case-insensitivity) replaces the client's own, as it does in the query transports.
            query = {k: v for k, v in common.items() if k not in business}
            query.update({k: v for k, v in business.items() if k in encoding.in_query})
            form = {k: v for k, v in business.items() if k not in encoding.in_query}
        else:
            query = {**common, **business}
        if creds is not None:
            secret = creds.access_key_secret + ("-wrong" if tamper.wrong_signature else "")
            query = signing.sign_v1(
                method, query, form,
                access_key_id=key_id or creds.access_key_id, secret=secret,
                nonce=nonce, timestamp=timestamp, security_token=creds.security_token,
            )  # fmt: skip
        body = b""
        if encoding.all_in_body:  # the whole signed request in the body (Node pop-core's POST)
            query, form = {}, {**query, **form}
        if transport is Transport.POST_FORM:
            headers["Content-Type"] = encoding.content_type
            body = encoding.encode(form).encode("ascii")
        return _Built(
            method, self._url(query, encoding), {**query, **form}, headers, body,
            form=bool(form), query=query, form_params=form, encoding=encoding,
        )  # fmt: skip

    def _url(self, query: Mapping[str, str], encoding: ClientEncoding = SUITE) -> str:
        encoded = encoding.encode(query)
        return f"{self.config.origin}{self.config.path}" + (f"?{encoded}" if encoded else "")

    def _wire(self, built: _Built) -> Request:
        """What ``Connections`` sends for ``built`` (its headers become the ones sent)."""
        built.headers = self._connections.request_headers(built.method, built.headers, built.body)
        return built.method, built.url[len(self.config.origin) :], built.headers, built.body

    def _exchange(
        self,
        action: str,
        transport: Transport,
        body_format: BodyFormat,
        built: _Built,
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
        # ``_build`` wrote them. The parameters are what the suite itself generated plus what
        # the client added: when one scan of them finds nothing to hide but the by-name ones
        # (Signature, AccessKeyId, ...), nothing built from them can hold a secret either.
        quiet = not redaction.params_mention(secrets, built.query, built.form_params, business)
        redact = (
            redaction.redact_by_name if quiet else functools.partial(redaction.redact_params, secrets=secrets)
        )
        query_pairs = list(redact(built.query).items())
        form_pairs = list(redact(built.form_params).items())
        query = built.encoding.encode(dict(query_pairs))
        url = f"{self.config.origin}{self.config.path}" + (f"?{query}" if query else "")
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
            parsed=_redact_parsed(parsed, secrets),
            elapsed=time.monotonic() - started,
            transport_error=error,
            attempts=attempts,
            signed=signed,
            business_params=business_params,
            tamper=tamper.describe() if tamper else {},
            encoding=built.encoding.id,
        )
