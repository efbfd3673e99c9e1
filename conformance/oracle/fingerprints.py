"""The fingerprint rule (IKP-R2): its two written forms and the judgement of one value.

``KeyPairFingerPrint`` is 16 lowercase hex pairs joined by ``:`` or, as observed on real
ECS, the same 32 lowercase hex digits without colons (the Profile records which form).
``fingerprint_form`` and ``same_fingerprint`` read a value in either form (DescribeKeyPairs
lists it too, IKP-X1); ``check_fingerprint`` judges an ImportKeyPair success's value against
the case's acceptable fingerprints and names the mistake when it is a known wrong one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from conformance import contract
from conformance.case import Case
from conformance.oracle.judgement import R1, R2, Judgement
from conformance.verdict import Observation

FINGERPRINT_FORMAT = re.compile(
    "^[0-9a-f]{2}(?::[0-9a-f]{2}){%d}$" % (contract.FINGERPRINT_DIGEST_BYTES - 1)  # noqa: UP031
)
FINGERPRINT_FORMAT_NO_COLONS = re.compile("^[0-9a-f]{%d}$" % (2 * contract.FINGERPRINT_DIGEST_BYTES))  # noqa: UP031
FORM_COLONS, FORM_NO_COLONS = "colon-separated", "no colons"
FINGERPRINT_FORM_QUESTION = "fingerprint form"


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


def check_fingerprint(case: Case, fingerprint: str | None, j: Judgement) -> None:
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
