"""Faults of the Extended requirements (IKP-X1..X3): DescribeKeyPairs showing the wrong
fingerprint or no tags, DeleteKeyPairs deleting nothing, and the signature checks (nonces and
timestamps).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from conformance import contract
from conformance.mutants.catalogue import Fault, fault
from conformance.mutants.combinators import (
    use_action,
    use_verifier,
)
from conformance.reference import actions, auth, errors
from conformance.reference.actions import Config


def _describe_edited(edit: Callable[[dict[str, Any]], None]) -> actions.Action:
    def describe(params: Mapping[str, str], config: Config) -> dict[str, Any]:
        result = actions.describe_key_pairs(params, config)
        for item in result["KeyPairs"]["KeyPair"]:
            edit(item)
        return result

    return describe


def _upper_fingerprint(item: dict[str, Any]) -> None:
    item["KeyPairFingerPrint"] = item["KeyPairFingerPrint"].upper()


def _no_tags(item: dict[str, Any]) -> None:
    item["Tags"] = {"Tag": []}


def _delete_forgets(params: Mapping[str, str], config: Config) -> dict[str, Any]:
    """Answers like DeleteKeyPairs, deletes nothing."""
    actions._region(params, config)
    actions._key_pair_names(params.get("KeyPairNames"))
    return {}


class _NoNonceMemory(auth.NonceCache):
    def use(self, access_key_id: str, nonce: str, now: float | None = None) -> bool:
        return True


class _NonceForgettingVerifier(auth.Verifier):
    def __init__(self, access_keys: Mapping[str, str] | None) -> None:
        super().__init__(access_keys)
        self.nonces = _NoNonceMemory()


class _ClocklessVerifier(auth.Verifier):
    """Checks nonces but never the timestamp's age."""

    def _check_time_and_nonce(self, stamp: str, nonce: str, access_key_id: str) -> None:
        auth.parse_timestamp(stamp)
        if not self.nonces.use(access_key_id, nonce):
            raise errors.SignatureNonceUsed()


class _StaleAsFormatVerifier(auth.Verifier):
    """A stale timestamp answered as a badly formatted one."""

    def _check_time_and_nonce(self, stamp: str, nonce: str, access_key_id: str) -> None:
        try:
            super()._check_time_and_nonce(stamp, nonce, access_key_id)
        except errors.TimestampExpired:
            raise errors.TimestampFormat() from None


FAULTS: tuple[Fault, ...] = (
    # Extended (IKP-X1..X3)
    fault("describe-fingerprint-uppercase", "IKP-X1", "DescribeKeyPairs shows the fingerprint in upper case",
        use_action(contract.ACTION_DESCRIBE, _describe_edited(_upper_fingerprint))),
    fault("describe-drops-tags", "IKP-X1", "DescribeKeyPairs shows no tags",
        use_action(contract.ACTION_DESCRIBE, _describe_edited(_no_tags))),
    fault("delete-keeps-key-pair", "IKP-X2", "DeleteKeyPairs answers 200 but keeps the key pair",
        use_action(contract.ACTION_DELETE, _delete_forgets)),
    fault("nonce-reuse-accepted", "IKP-X3", "a reused SignatureNonce is accepted",
        use_verifier(_NonceForgettingVerifier)),
    fault("stale-timestamp-accepted", "IKP-X3", "timestamps more than 15 minutes off are accepted",
        use_verifier(_ClocklessVerifier)),
    fault("stale-timestamp-wrong-code", "IKP-X3", "a stale timestamp gives InvalidTimeStamp.Format",
        use_verifier(_StaleAsFormatVerifier)),
)  # fmt: skip
