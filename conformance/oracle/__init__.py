"""The oracle: pure judgements of one exchange against what the suite knows about it.

``judge_import(case, exchange)`` -> ``Verdict`` for ImportKeyPair; ``judge_race`` for a batch
of concurrent imports (IKP-S3); ``judge_describe`` (IKP-X1) and ``judge_delete`` (IKP-X2)
for the Extended siblings. No I/O, no clock, no randomness: the same inputs always give the
same verdict, so a shrunk Hypothesis example replays exactly.

The modules, by what they own:

- ``judgement``: the accumulator (``Judgement``), the answer the checks read (``Answer``),
  the ERROR for an exchange that says nothing (``not_a_verdict``), shared readings of an
  answer, ``describe_outcomes``, the requirement IDs the oracle charges.
- ``imports``: ``judge_import`` and ``CHECKS``, its table of per-rule checks (the rules and
  how each is charged are listed there); the outcome match, IKP-R1 and IKP-R3.
- ``readings``: the documented and observed readings: the OBS-1b predicate on the body sent
  and when the observed relaxation covers a case (``judge_import`` applies it).
- ``syntax``: the transport-level checks IKP-T2..T5 (body syntax, RequestId, error shape,
  no 5xx).
- ``fingerprints``: IKP-R2, the two fingerprint forms and ``check_fingerprint``.
- ``race``: ``judge_race`` (IKP-S3).
- ``extended``: ``ExpectedKeyPair``, ``judge_describe``, ``judge_delete``, tag listing checks.
- ``listing``: reading a DescribeKeyPairs body (XML from the response text).
- ``attribution``: which requirement a wrong ImportKeyPair answer is charged to.
- ``model``: the state model that adjusts a case's acceptable outcomes (``TargetModel``).

This package re-exports the names the rest of the tree uses (``oracle.judge_import``, ...).
"""

from __future__ import annotations

from conformance.oracle.extended import (
    DELETE_ROOT,
    ExpectedKeyPair,
    is_system_tag,
    judge_delete,
    judge_describe,
)
from conformance.oracle.fingerprints import (
    FINGERPRINT_FORM_QUESTION,
    FINGERPRINT_FORMAT,
    FINGERPRINT_FORMAT_NO_COLONS,
    FORM_COLONS,
    FORM_NO_COLONS,
    check_fingerprint,
    fingerprint_form,
    same_fingerprint,
)
from conformance.oracle.imports import CHECKS, judge_import
from conformance.oracle.judgement import describe_outcomes
from conformance.oracle.race import judge_race
from conformance.oracle.syntax import SDK_XML_CONTENT_TYPE, SUCCESS_ROOT
from conformance.target import retry

is_retryable = retry.is_retryable_code  # the one rule lives in retry.py

__all__ = [
    "CHECKS",
    "DELETE_ROOT",
    "FINGERPRINT_FORMAT",
    "FINGERPRINT_FORMAT_NO_COLONS",
    "FINGERPRINT_FORM_QUESTION",
    "FORM_COLONS",
    "FORM_NO_COLONS",
    "SDK_XML_CONTENT_TYPE",
    "SUCCESS_ROOT",
    "ExpectedKeyPair",
    "check_fingerprint",
    "describe_outcomes",
    "fingerprint_form",
    "is_retryable",
    "is_system_tag",
    "judge_delete",
    "judge_describe",
    "judge_import",
    "judge_race",
    "same_fingerprint",
]
