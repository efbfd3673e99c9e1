"""Faults of the state (IKP-S1..S3): the quota (its size, its scope, its status, slots spent by
rejected imports or kept after a delete, IKP-X2), an import stored before it is validated,
the check-then-insert race, the state updated by a refused import (and a delete by prefix,
IKP-X1), the quota skipped for GET.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
import time
from collections.abc import Iterable, Mapping
from typing import Any

from conformance import contract
from conformance.mutants.catalogue import Fault, fault
from conformance.mutants.combinators import (
    Apply,
    Recast,
    chain_errors,
    is_get,
    seeing_request,
    seen_request,
    use_action,
    use_store,
)
from conformance.reference import actions, errors, keys
from conformance.reference.actions import Config
from conformance.reference.store import KeyPair, KeyPairStore

_QUOTA = contract.KEY_PAIRS_PER_REGION


class _AcrossRegionsStore(KeyPairStore):
    """Counts the quota over all regions together."""

    def add(self, kp: KeyPair) -> None:
        with self._lock:
            total = sum(len(pairs) for pairs in self._regions.values())
            if total >= self._quota and kp.name not in self._regions.get(kp.region, {}):
                raise errors.QuotaExceeded()
        super().add(kp)


RACE_WINDOW_SECONDS = 0.05


class _RacyStore(KeyPairStore):
    """Checks, then inserts without holding the lock in between (a check-then-act race)."""

    def add(self, kp: KeyPair) -> None:
        region = self._regions.setdefault(kp.region, {})
        if kp.name in region:
            raise errors.KeyPairAlreadyExists()
        if len(region) >= self._quota:
            raise errors.QuotaExceeded()
        time.sleep(RACE_WINDOW_SECONDS)  # e.g. a database round trip between check and insert
        with self._lock:
            region[kp.name] = kp
            self._version += 1


def _import_inserting_first(params: Mapping[str, str], config: Config) -> dict[str, Any]:
    """ImportKeyPair that stores the name as soon as name and region look right, then
    validates the rest and keeps the record when that fails (IKP-S2 broken)."""
    rules = config.behaviour
    params = rules.prepare_import(params, config)
    region, name, body = params.get("RegionId"), params.get("KeyPairName"), params.get("PublicKeyBody")
    if not region:
        raise errors.MissingParameter("RegionId")
    if not name:
        raise errors.MissingParameter("KeyPairName")
    if not body:
        raise errors.MissingParameter("PublicKeyBody")
    if region not in config.regions:
        raise errors.RegionNotFound()
    rules.check_name(name)
    group = params.get("ResourceGroupId") or config.default_resource_group
    config.store.add(KeyPair(region, name, "", body, group, (), time.time()))
    try:
        key = rules.parse_key(body)
    except keys.MalformedKey:
        raise errors.InvalidPublicKeyBody() from None
    if group not in config.resource_groups:
        raise errors.ResourceGroupNotFound()
    tag_list = rules.parse_tags(params)
    config.store.delete(region, [name])
    config.store.add(KeyPair(region, name, key.fingerprint, body, group, tag_list, time.time()))
    return {"KeyPairName": name, "KeyPairFingerPrint": key.fingerprint}


def _quota_status(status: int) -> Apply:
    def adjust(error: errors.ApiError) -> errors.ApiError:
        if error.code != contract.QUOTA_EXCEEDED.code:
            return error
        return Recast(contract.QUOTA_EXCEEDED, error.message, status)

    return lambda b: dataclasses.replace(b, adjust_error=chain_errors(b.adjust_error, adjust))


class _TallyStore(KeyPairStore):
    """A store with a per-region tally of slots used besides the stored pairs (a counter that
    a fault forgets to roll back)."""

    def __init__(self, state_file: str | None = None, quota: int = contract.KEY_PAIRS_PER_REGION) -> None:
        super().__init__(state_file, quota)
        self.extra: dict[str, int] = {}

    def add(self, kp: KeyPair) -> None:
        with self._lock:
            held = self._regions.get(kp.region, {})
            if len(held) + self.extra.get(kp.region, 0) >= self._quota and kp.name not in held:
                raise errors.QuotaExceeded()
        super().add(kp)

    def spend(self, region: str) -> None:
        with self._lock:
            self.extra[region] = self.extra.get(region, 0) + 1


def _import_spending_on_rejects(params: Mapping[str, str], config: Config) -> dict[str, Any]:
    # counter += 1 before validating, decremented only on... nothing: a rejected import uses a slot
    try:
        return actions.import_key_pair(params, config)
    except errors.ApiError as error:
        region = params.get("RegionId")
        store = config.store
        quota_refusal = error.code == contract.QUOTA_EXCEEDED.code
        if isinstance(store, _TallyStore) and region and region in config.regions and not quota_refusal:
            store.spend(region)
        raise


class _DeleteKeepsSlotStore(_TallyStore):
    """DeleteKeyPairs removes the pair but the quota counter is never decremented."""

    def delete(self, region: str, names: Iterable[str]) -> int:
        removed = super().delete(region, names)
        for _ in range(removed):
            self.spend(region)
        return removed


class _GetSkipsQuotaStore(KeyPairStore):
    """The GET handler inserts without the quota check (only the POST handler has it)."""

    def add(self, kp: KeyPair) -> None:
        if not is_get(seen_request()):
            super().add(kp)
            return
        with self._lock:
            region = self._regions.setdefault(kp.region, {})
            if kp.name in region:
                raise errors.KeyPairAlreadyExists()
            region[kp.name] = kp
            self._version += 1


class _DuplicateUpdatesStore(KeyPairStore):
    """A duplicate is refused, but only after the record was updated with the new key and tags
    (an upsert followed by the existence check)."""

    def add(self, kp: KeyPair) -> None:
        with self._lock:
            region = self._regions.get(kp.region, {})
            old = region.get(kp.name)
            if old is not None:
                region[kp.name] = dataclasses.replace(kp, created=old.created)
                self._version += 1
                raise errors.KeyPairAlreadyExists()
        super().add(kp)


def _import_reserving_on_bad_group(params: Mapping[str, str], config: Config) -> dict[str, Any]:
    # the record is inserted, then the resource group is looked up and the insert not undone
    try:
        return actions.import_key_pair(params, config)
    except errors.ResourceGroupNotFound:
        region, name = str(params.get("RegionId")), str(params.get("KeyPairName"))
        group = str(params.get("ResourceGroupId"))
        body = str(params.get("PublicKeyBody"))
        with contextlib.suppress(errors.ApiError):
            config.store.add(KeyPair(region, name, "", body, group, (), time.time()))
        raise


def _delete_by_prefix(params: Mapping[str, str], config: Config) -> dict[str, Any]:
    # DELETE ... WHERE name LIKE :name || '%': "key-1" also removes "key-10"
    region = actions._region(params, config)
    wanted = actions._key_pair_names(params.get("KeyPairNames"))
    doomed = [kp.name for kp in config.store.pairs_in(region) if any(kp.name.startswith(w) for w in wanted)]
    config.store.delete(region, doomed)
    return {}


FAULTS: tuple[Fault, ...] = (
    # State (IKP-S1..S3)
    fault("quota-499", "IKP-S1", "the quota is 499",
        use_store(lambda state: KeyPairStore(state, _QUOTA - 1))),
    fault("quota-501", "IKP-S1", "the quota is 501",
        use_store(lambda state: KeyPairStore(state, _QUOTA + 1))),
    fault("quota-missing", "IKP-S1", "there is no quota",
        use_store(lambda state: KeyPairStore(state, sys.maxsize))),
    fault("quota-across-regions", "IKP-S1", "the quota counts all regions together",
        use_store(lambda state: _AcrossRegionsStore(state))),
    fault("failed-import-stored", "IKP-S2", "the name is stored before the key, group and tags are checked",
        use_action(contract.ACTION_IMPORT, _import_inserting_first)),
    fault("race-check-then-insert", "IKP-S3", "no lock between the duplicate/quota check and the insert",
        use_store(lambda state: _RacyStore(state))),
)  # fmt: skip


OFF_BY_ONES: tuple[Fault, ...] = (
    # Off-by-ones at each limit. IKP-S1: "the 501st -> 403 QuotaExceed.KeyPair"; IKP-X2: "the
    # quota slot is free".
    fault("quota-status-400", "IKP-S1", "QuotaExceed.KeyPair answered with HTTP 400, not 403",
        _quota_status(400)),
    fault("quota-spent-by-rejects", "IKP-S1", "every rejected import uses up a quota slot",
        lambda b: use_action(contract.ACTION_IMPORT, _import_spending_on_rejects)(
            use_store(lambda state: _TallyStore(state))(b))),
    # Also IKP-S1: once the kept slots add up, imports are refused below 500 live key pairs.
    fault("quota-not-freed-by-delete", "IKP-X2 IKP-S1",
        "DeleteKeyPairs removes the pair but not its quota slot",
        use_store(lambda state: _DeleteKeepsSlotStore(state))),
)  # fmt: skip


UPDATED_ON_ERROR: tuple[Fault, ...] = (
    # State updated on error. IKP-S2: "A rejected import stores nothing"; IKP-X1: "DescribeKeyPairs
    # shows an imported key pair with the same name, fingerprint ... and tags".
    fault("duplicate-updates-stored", "IKP-S2", "a refused duplicate still replaces the stored key and tags",
        use_store(lambda state: _DuplicateUpdatesStore(state))),
    fault("bad-group-reserves-name", "IKP-S2", "an import refused for its ResourceGroupId keeps the name",
        use_action(contract.ACTION_IMPORT, _import_reserving_on_bad_group)),
    fault("delete-by-prefix", "IKP-X1", "DeleteKeyPairs of 'key-1' also deletes 'key-10'",
        use_action(contract.ACTION_DELETE, _delete_by_prefix)),
)  # fmt: skip


SKIPPED_ON_GET: tuple[Fault, ...] = (
    fault("get-skips-quota", "IKP-S1", "GET imports skip the quota",
        seeing_request(use_store(lambda state: _GetSkipsQuotaStore(state)))),
)  # fmt: skip
