"""The two readings the oracle judges by: ``documented`` (the default) and ``observed``.

The documented reading is the contract as written (``conformance/docs/requirements.md``). The
observed reading also accepts what real ECS was seen doing where the evidence is strong
(``conformance/observed.py``, treatment ``RELAXED``). Today that is one relaxation, OBS-1b:
real ECS accepted ``ssh-rsa AAAAB3Nza12345678qwertyuudsfsg``, a body IKP-K3 calls broken.

``lenient_body`` is the predicate on what was sent: ``ssh-rsa`` (the type of the evidence), one space, text of
the base64 alphabet (padding only at its end), then optionally a space and a comment on the same
line. It reads the body itself, not the strategies' labels, so an acceptance it allows is one
real ECS was seen making, whatever a label says. ``relaxation_for`` adds what the case knows:
the key must be the request's only fault (every invalid part is an IKP-K3 part about
``PublicKeyBody``), and nothing in the state model may forbid a success (the name exists, the
region is full). Under the observed reading ``imports.judge_import`` then adds success to the
acceptable set (its fingerprint must be there, its value is not judged); under the documented
reading a failure that the relaxation would have passed is annotated with the evidence.
"""

from __future__ import annotations

import re

from conformance.case import Case, Validity
from conformance.observed import DOCUMENTED, LENIENT_KEY_BODY, OBSERVED, READINGS, Evidence

__all__ = ["DOCUMENTED", "OBSERVED", "READINGS", "lenient_body", "relaxation_for"]

K3 = "IKP-K3"
KEY_PARAMETER = "PublicKeyBody"
# State facts (``Case.state``) under which no import of the name may succeed: the name exists
# (IKP-N6), the region is full (IKP-S1).
_NO_SUCCESS_STATE = frozenset({"IKP-N6", "IKP-S1"})

# Only the type the evidence shows: OBS-1b is an ``ssh-rsa`` line. That real ECS takes any
# documented type so leniently is an inference no observation shows, not a relaxation.
LENIENT_TYPES = ("ssh-rsa",)
_LENIENT = re.compile(
    "(?:%s) [A-Za-z0-9+/]+={0,2}(?: [^\r\n]*)?"  # noqa: UP031
    % "|".join(re.escape(t) for t in LENIENT_TYPES)
)


def lenient_body(body: str | None) -> bool:
    """Whether ``body`` has the shape OBS-1b saw real ECS accept: ``ssh-rsa BASE64ALPHABET``
    and an optional `` comment`` on the same line (``ssh-rsa AAAAB3Nza12345678qwertyuudsfsg``)."""
    return body is not None and _LENIENT.fullmatch(body) is not None


def relaxation_for(case: Case) -> Evidence | None:
    """The evidence under which the observed reading may accept ``case`` (None: it may not).

    The body sent must pass ``lenient_body``; the case's invalid parts must all be IKP-K3 parts
    about ``PublicKeyBody`` (at least one: a case without parts qualifies only when IKP-K3 is
    all it exercises); its state must allow a success."""
    if not lenient_body(case.params.get(KEY_PARAMETER)):
        return None
    if _NO_SUCCESS_STATE & set(case.state):
        return None
    invalid = [p for p in case.parts if p.validity is Validity.INVALID]
    if case.parts:
        if not invalid or any(p.requirements != (K3,) or KEY_PARAMETER not in p.parameters for p in invalid):
            return None
    elif tuple(dict.fromkeys(case.requirements)) != (K3,):
        return None
    return LENIENT_KEY_BODY
