"""Deliberate signature faults (IKP-X3): what ``Tamper`` spoils in a signed request.

The request builder (``request.py``) applies them; the Exchange records ``describe()`` so
``reproduce`` can send the same fault again.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance import redaction


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
