"""The key pairs the reference server holds: thread-safe state and its persistence.

Owns uniqueness and the quota (IKP-N6, IKP-N7, IKP-S1, IKP-S3): one lock covers the check and
the insert, so concurrent imports of one name give exactly one success and a region never
holds more than the contract's quota. A failed import stores nothing (IKP-S2).

Reading chosen for IKP-N7: names are case-sensitive and unique per region (the same name may
exist in two regions).

Persistence (``--state FILE``): after every change the whole state is written to a temporary
file in the same directory, fsynced and moved over the old file with ``os.replace``, so a
``kill -9`` at any moment leaves either the old or the new state, never a torn file. Writers
coalesce: a writer that finds a newer snapshot already on disk skips its own write.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from conformance import contract
from conformance.reference import errors

STATE_FORMAT_VERSION = 1


@dataclass(frozen=True)
class KeyPair:
    """One stored key pair."""

    region: str
    name: str
    fingerprint: str
    public_key: str
    resource_group: str
    tags: tuple[tuple[str, str], ...]
    created: float  # seconds since the epoch

    @property
    def creation_time(self) -> str:
        """ECS style UTC time, e.g. ``2019-12-04T13:35:00Z`` (the DescribeKeyPairs reference)."""
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.created))

    def to_json(self) -> dict[str, object]:
        return {
            "RegionId": self.region,
            "KeyPairName": self.name,
            "KeyPairFingerPrint": self.fingerprint,
            "PublicKey": self.public_key,
            "ResourceGroupId": self.resource_group,
            "Tags": [[k, v] for k, v in self.tags],
            "Created": self.created,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> KeyPair:
        tags = data.get("Tags", [])
        if not isinstance(tags, list):
            raise ValueError("Tags")
        created = data["Created"]
        if not isinstance(created, int | float):
            raise ValueError("Created")
        return cls(
            region=str(data["RegionId"]),
            name=str(data["KeyPairName"]),
            fingerprint=str(data["KeyPairFingerPrint"]),
            public_key=str(data["PublicKey"]),
            resource_group=str(data["ResourceGroupId"]),
            tags=tuple((str(k), str(v)) for k, v in tags),
            created=float(created),
        )


class StateFileError(Exception):
    """The --state file exists but cannot be read as a state."""


def load_state_file(path: str) -> list[KeyPair]:
    """The key pairs in a state file; [] when the file does not exist."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise StateFileError(f"{path}: {exc}") from exc
    if not isinstance(data, dict) or data.get("version") != STATE_FORMAT_VERSION:
        raise StateFileError(f"{path}: not a reference-server state file")
    pairs = data.get("key_pairs")
    if not isinstance(pairs, list):
        raise StateFileError(f"{path}: no key_pairs list")
    try:
        return [KeyPair.from_json(item) for item in pairs]
    except (KeyError, TypeError, ValueError) as exc:
        raise StateFileError(f"{path}: bad key pair entry: {exc}") from exc


def write_state_file(path: str, pairs: Iterable[KeyPair]) -> None:
    """Atomically replace ``path`` with the given key pairs (temp file, fsync, os.replace)."""
    payload = json.dumps(
        {"version": STATE_FORMAT_VERSION, "key_pairs": [kp.to_json() for kp in pairs]},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


class KeyPairStore:
    """Key pairs per region, insertion-ordered; every method is thread-safe."""

    def __init__(self, state_file: str | None = None, quota: int = contract.KEY_PAIRS_PER_REGION) -> None:
        self._lock = threading.Lock()
        self._regions: dict[str, dict[str, KeyPair]] = {}
        self._quota = quota
        self._state_file = state_file
        self._version = 0
        self._write_lock = threading.Lock()
        self._written_version = 0
        if state_file is not None:
            for kp in load_state_file(state_file):
                self._regions.setdefault(kp.region, {})[kp.name] = kp

    # -- changes ---------------------------------------------------------------------------

    def add(self, kp: KeyPair) -> None:
        """Insert ``kp``; KeyPair.AlreadyExist or QuotaExceed.KeyPair leave the state unchanged."""
        with self._lock:
            region = self._regions.setdefault(kp.region, {})
            if kp.name in region:
                raise errors.KeyPairAlreadyExists()
            if len(region) >= self._quota:
                raise errors.QuotaExceeded()
            region[kp.name] = kp
            self._version += 1
            version = self._version
        try:
            self._persist(version)
        except BaseException:
            # Not on disk, so not acknowledged: take it back out (a failed import stores nothing).
            with self._lock:
                if self._regions.get(kp.region, {}).get(kp.name) is kp:
                    del self._regions[kp.region][kp.name]
                    self._version += 1
            raise

    def delete(self, region: str, names: Iterable[str]) -> int:
        """Remove the named key pairs that exist; returns how many were removed."""
        with self._lock:
            pairs = self._regions.get(region, {})
            removed = 0
            for name in names:
                if pairs.pop(name, None) is not None:
                    removed += 1
            if not removed:
                return 0
            self._version += 1
            version = self._version
        self._persist(version)
        return removed

    # -- queries ---------------------------------------------------------------------------

    def pairs_in(self, region: str) -> list[KeyPair]:
        """A snapshot of the region's key pairs in creation order."""
        with self._lock:
            return list(self._regions.get(region, {}).values())

    def count(self, region: str) -> int:
        with self._lock:
            return len(self._regions.get(region, {}))

    def all(self) -> list[KeyPair]:
        with self._lock:
            return [kp for pairs in self._regions.values() for kp in pairs.values()]

    # -- persistence -----------------------------------------------------------------------

    def _persist(self, version: int) -> None:
        if self._state_file is None:
            return
        with self._write_lock:
            if self._written_version >= version:
                return  # a later snapshot, which includes this change, is already on disk
            with self._lock:
                snapshot_version = self._version
                pairs = [kp for region in self._regions.values() for kp in region.values()]
            write_state_file(self._state_file, pairs)
            self._written_version = snapshot_version
