"""What a generated request is: a ``Case`` and the ``Outcome`` answers it deserves.

Strategies build Cases; the oracle judges a response against ``Case.outcomes``; the
report prints them. A Case knows why it is valid or invalid (its requirement IDs),
so the oracle never re-derives that by validating the input again (DESIGN.md). It also
knows which part of the request exercises which requirement (``Case.parts``), so that a
wrong answer is charged to the part it contradicts (``conformance/oracle/attribution.py``).

The outcomes assume a fresh name in a region with room to spare; the state model of
the suite adjusts them for duplicates and the quota (IKP-N6, IKP-S1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from conformance.contract import MISSING_PARAMETER, ErrorRow


class Validity(StrEnum):
    """What the contract says about a part of a request."""

    VALID = "valid"  # Core: accepted
    INVALID = "invalid"  # Core: rejected with one of the part's rejections
    PROFILE = "profile"  # accepted, or rejected with one of the part's rejections


class OutcomeKind(StrEnum):
    """The three shapes an acceptable answer can take."""

    SUCCESS = "success"  # HTTP 200, RequestId, KeyPairName, KeyPairFingerPrint (IKP-R1)
    ERROR = "error"  # this exact HTTP status and Code (documented rows)
    ANY_CLIENT_ERROR = "any-4xx"  # any 4xx with a non-empty Code (undocumented codes: IKP-G2, IKP-TG2)


@dataclass(frozen=True)
class Outcome:
    """One acceptable answer to a request."""

    kind: OutcomeKind
    status: int | None = None
    code: str | None = None
    message: str | None = None  # the documented Message, for IKP-R3

    @classmethod
    def success(cls) -> Outcome:
        """HTTP 200 with the echoed name and an acceptable fingerprint."""
        return cls(OutcomeKind.SUCCESS, 200)

    @classmethod
    def error(cls, row: ErrorRow, *, parameter: str | None = None) -> Outcome:
        """A documented error row; ``parameter`` fills MissingParameter's message."""
        message = row.message
        if row is MISSING_PARAMETER:
            if parameter is None:
                raise ValueError("MissingParameter needs the parameter it names")
            message = row.message.format(name=parameter)
        return cls(OutcomeKind.ERROR, row.status, row.code, message)

    @classmethod
    def any_client_error(cls) -> Outcome:
        """Any 4xx status with a non-empty Code (the code is undocumented)."""
        return cls(OutcomeKind.ANY_CLIENT_ERROR)

    def label(self) -> str:
        """A short human form: ``200 success``, ``400 MissingParameter``, ``4xx (any code)``."""
        if self.kind is OutcomeKind.SUCCESS:
            return "200 success"
        if self.kind is OutcomeKind.ANY_CLIENT_ERROR:
            return "4xx (any code)"
        return f"{self.status} {self.code}"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (used by ``python -m strategies sample`` and results.json)."""
        return {"kind": self.kind.value, "status": self.status, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class CasePart:
    """One part of a Case's request: which parameters it is about, what the contract says of
    them, the requirement IDs it exercises and its rule label (``name:length-1``).

    ``parameters`` names the request parameters of the part even when they are absent from
    the request (``KeyPairName`` for ``name:absent``), so a ``MissingParameter`` naming one can
    be traced back to it; a tag part lists its ``Tag.N.Key``/``Tag.N.Value`` parameters.
    """

    parameters: tuple[str, ...]
    validity: Validity
    requirements: tuple[str, ...]
    rule: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (``Case.to_json``'s ``parts``)."""
        return {
            "parameters": list(self.parameters),
            "validity": self.validity.value,
            "requirements": list(self.requirements),
            "rule": self.rule,
        }


@dataclass(frozen=True)
class Case:
    """One ImportKeyPair request and everything the suite knows about it.

    ``params`` are the operation's own parameters (``KeyPairName``, ``PublicKeyBody``,
    ``RegionId``, ``ResourceGroupId``, ``Tag.N.Key``/``Tag.N.Value``); the target client
    adds ``Action``, ``Version``, ``Format`` and signatures. A parameter that is absent
    is absent from ``params`` (not ``None``).

    ``requirements`` is what the request exercises (the union over the parts that decide its
    outcome, plus what the state model adds); ``parts`` says which part exercises which
    (empty for a hand-built case: a wrong answer is then charged to ``requirements``).
    """

    params: Mapping[str, str]
    outcomes: frozenset[Outcome]
    requirements: tuple[str, ...]
    # The Profile question this case asks (e.g. "IKP-N5: '.' in a name"), or None.
    profile: str | None = None
    # Acceptable fingerprints on success, by label ("plain-key", "certificate-blob").
    fingerprints: Mapping[str, str] = field(default_factory=dict)
    # Known *wrong* fingerprints of the same key, by label ("sha256-blob", "md5-spki-der",
    # "uppercase", ...), so a failure can say which mistake the target made (IKP-R2).
    wrong_fingerprints: Mapping[str, str] = field(default_factory=dict)
    key_type: str | None = None  # the documented type name of the key, if any
    encoding: str | None = None  # openssh, rfc4716, pem-pkcs1, pem-spki, ...
    description: str = ""
    parts: tuple[CasePart, ...] = ()
    # What the state model knows about this request's name and region, as the requirement IDs
    # of the rules that apply (IKP-N6 the name exists, IKP-N7 in another case or region, IKP-S1
    # the region is full, IKP-S2 an import of the name was refused, IKP-X2 it was deleted),
    # whether or not the case exercises them: attribution reads it (``TargetModel.adjust``).
    state: tuple[str, ...] = ()
    # The marks (``contract.name_marks``) of names this target was seen accepting before the
    # case was sent: rules it has honoured, which attribution suspects last (``TargetModel``).
    honoured: frozenset[str] = frozenset()

    def expects_success(self) -> bool:
        """True when success is among the acceptable outcomes."""
        return any(o.kind is OutcomeKind.SUCCESS for o in self.outcomes)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of the whole case."""
        return {
            "params": dict(self.params),
            "outcomes": sorted((o.to_json() for o in self.outcomes), key=lambda d: str(d)),
            "requirements": list(self.requirements),
            "profile": self.profile,
            "fingerprints": dict(self.fingerprints),
            "wrong_fingerprints": dict(self.wrong_fingerprints),
            "type": self.key_type,
            "encoding": self.encoding,
            "description": self.description,
            "parts": [p.to_json() for p in self.parts],
            "state": list(self.state),
        }
