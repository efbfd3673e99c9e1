"""The generated pieces of a request before they become a ``Case``.

This module owns the small model every part strategy returns: a ``Part`` (some request
parameters, whether the contract calls them valid, invalid or a Profile question, the errors
a target may answer if it rejects them, and the requirement IDs), and ``KeySample``, a
``PublicKeyBody`` with its fingerprints. ``cases.py`` combines parts into a ``Case``: the
acceptable outcomes of the whole request are the union over its parts (requirements.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.case import CasePart, Outcome, Validity
from conformance.contract import INVALID_PUBLIC_KEY_BODY

__all__ = ["MALFORMED_KEY", "SUCCESS", "KeySample", "Part", "Validity", "valid_part"]

SUCCESS = Outcome.success()
MALFORMED_KEY = Outcome.error(INVALID_PUBLIC_KEY_BODY)


@dataclass(frozen=True)
class Part:
    """Some request parameters and what the contract says about them.

    An absent parameter is absent from ``params``; ``about`` then names it (a part for
    ``KeyPairName`` absent is still about ``KeyPairName``). ``rule`` is a short label of what
    the part is (``name:length-1``, ``key:truncated-at-boundary``, ...)."""

    params: Mapping[str, str]
    validity: Validity
    rejections: frozenset[Outcome]
    requirements: tuple[str, ...]
    rule: str
    profile: str | None = None
    about: tuple[str, ...] = ()

    def parameters(self) -> tuple[str, ...]:
        """The parameters this part is about: ``about`` and every parameter it sends."""
        return tuple(dict.fromkeys((*self.about, *self.params)))

    def case_part(self) -> CasePart:
        """What a ``Case`` keeps of this part (for blaming a wrong answer on it)."""
        return CasePart(self.parameters(), self.validity, self.requirements, self.rule)

    def outcomes(self) -> frozenset[Outcome]:
        """The acceptable outcomes if this part were the only thing the request tested."""
        if self.validity is Validity.VALID:
            return frozenset({SUCCESS})
        if self.validity is Validity.INVALID:
            return self.rejections
        return self.rejections | {SUCCESS}


def valid_part(params: Mapping[str, str], requirements: tuple[str, ...], rule: str) -> Part:
    """A part the contract accepts."""
    return Part(dict(params), Validity.VALID, frozenset(), requirements, rule)


@dataclass(frozen=True)
class KeySample:
    """A ``PublicKeyBody`` and what the suite knows about it.

    ``key_type`` is the documented type the body is (or was derived from), ``fingerprints``
    the acceptable fingerprints on success (by label), ``wrong_fingerprints`` known wrong
    ones; ``blob`` is the SSH blob the body carries (if any) and ``key`` the object it was
    built from (``PlainKey`` or ``Certificate``), for tests and diagnostics."""

    body: str
    validity: Validity
    requirements: tuple[str, ...]
    rule: str
    encoding: str
    key_type: str | None = None
    fingerprints: Mapping[str, str] = field(default_factory=dict)
    wrong_fingerprints: Mapping[str, str] = field(default_factory=dict)
    profile: str | None = None
    description: str = ""
    blob: bytes | None = field(default=None, repr=False)
    key: Any = field(default=None, repr=False, compare=False)
    # The input class within ``rule`` (``strategies/classes.py``): the documented type, or
    # what a family that needs no key built; empty: the class is the documented type, if any.
    variant: str = ""

    def label(self) -> str:
        """The class label a request part of this body carries: ``key:bad-base64@ssh-rsa``."""
        variant = self.variant or self.key_type or ""
        return f"key:{self.rule}@{variant}" if variant else f"key:{self.rule}"

    def part(self) -> Part:
        """This body as a request part."""
        rejections = frozenset() if self.validity is Validity.VALID else frozenset({MALFORMED_KEY})
        return Part(
            {"PublicKeyBody": self.body},
            self.validity,
            rejections,
            self.requirements,
            self.label(),
            self.profile,
            ("PublicKeyBody",),
        )
