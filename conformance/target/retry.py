"""The retry rule: which answers mean "try again later", how often, and how long to wait.

This module is the one home of that rule (requirements.md, "What the suite itself promises"):
the target client (``client.py``) retries with it, the oracle turns what is still retryable
after the last attempt into ERROR with it, and the state model knows from it that such an
answer stored nothing.

- An answer is *retryable* when it is an error answer (``exchange.is_error_answer``: a 200
  carrying the success fields is a success, IKP-R1) whose ``Code`` contains ``Throttling``
  (``Throttling``, ``Throttling.User``, ``Rejected.Throttling``, ...) or is
  ``ServiceUnavailable``, whatever its HTTP status: real ECS answers 400, 403, 429 and 503
  (as observed on real ECS, and what Terraform's provider retries).
- A request that surely never reached the target (``connection.SendError.retryable``: it could
  not connect) is sent again too; no other failure is (a request that timed out after it
  was sent may have been acted on).
- Either is retried a bounded number of times (``TargetConfig.retries`` extra attempts,
  ``another_attempt``), never forever.
- The wait before attempt ``n + 1`` is ``backoff * 2**(n - 1)``, or the target's own
  ``x-acs-retry-after`` when that is a positive integer (milliseconds, as tea-openapi and
  darabonba read it), both capped at ``MAX_WAIT`` seconds.
"""

from __future__ import annotations

from collections.abc import Mapping

from conformance import contract
from conformance.exchange import ParsedBody, is_error_answer

THROTTLING_WORD = contract.THROTTLING.code  # any Code containing it
SERVICE_UNAVAILABLE = contract.SERVICE_UNAVAILABLE.code  # this Code exactly
RETRY_AFTER_HEADER = "x-acs-retry-after"
MAX_WAIT = 5.0  # seconds: no single wait of the suite is longer


def is_retryable_code(code: str | None) -> bool:
    """True for a Code that means "try again later": it contains ``Throttling`` or it is
    ``ServiceUnavailable`` (case as sent: codes are case-sensitive identifiers)."""
    if not code:
        return False
    return THROTTLING_WORD in code or code == SERVICE_UNAVAILABLE


def is_retryable(action: str, status: int | None, parsed: ParsedBody) -> bool:
    """True when an answer (any HTTP status) is an error answer with a retryable Code."""
    if status is None or parsed.syntax is None:
        return False
    if not is_error_answer(action, status, parsed):
        return False
    return is_retryable_code(parsed.fields.get("Code"))


def another_attempt(attempts: int, retries: int) -> bool:
    """True when a request tried ``attempts`` times may be tried again: ``retries`` counts
    the extra attempts after the first one."""
    return attempts < 1 + retries


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The target's ``x-acs-retry-after`` in seconds, when it is a positive integer of
    milliseconds; None otherwise (absent, zero, negative, not a number)."""
    for name, value in headers.items():
        if name.lower() == RETRY_AFTER_HEADER:
            text = value.strip()
            if text.isascii() and text.isdigit() and int(text) > 0:
                return int(text) / 1000.0
            return None
    return None


def wait_before_next(attempt: int, backoff: float, headers: Mapping[str, str] | None = None) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based): the target's
    ``x-acs-retry-after`` if it gave one, else exponential backoff; at most ``MAX_WAIT``."""
    asked = retry_after(headers or {})
    wait = asked if asked is not None else backoff * 2 ** (attempt - 1)
    return min(wait, MAX_WAIT)
