"""The key pair steps every real client runs against the reference server, and their verdicts.

The same steps as tests/reference/test_sdk_tea.py and test_sdk_legacy.py: import (with a tag;
the fingerprint checked), duplicate (``KeyPair.AlreadyExist``), bad name
(``InvalidKeyPairName.Malformed``), Describe by name (fingerprint and tags), Describe paged
(three key pairs, pages of two), Delete (then Describe finds none), re-import, and, where the
server checks signatures, a wrong secret. ``node/steps.js`` runs them in Node.js and prints one
JSON line per step; ``run_steps`` runs them through a Python ``Adapter``. Both give ``Step``
results under the names in ``STEPS``.

``FAULT_FAILS`` says which steps a server fault (``conformance.mutants.faults``) must fail:
the fault check asserts exactly those fail and every other step still passes.
"""

from __future__ import annotations

import hashlib
import json
from base64 import b64decode
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from conformance import contract

# The access key the signed reference server of these tests knows.
AK, SECRET = "client-test-id", "client-test-secret"

REGION = contract.DEFAULT_REGION
TAG = ("team", "conformance")

STEPS = ("import", "duplicate", "bad_name", "describe", "pagination", "delete", "reimport", "wrong_secret")
SIGNED_ONLY = frozenset({"wrong_secret"})

FAULT_FAILS: dict[str, frozenset[str]] = {
    # Describe shows no tags: only the step that reads tags back sees it.
    "describe-drops-tags": frozenset({"describe"}),
    # A second import of a name replaces the first instead of KeyPair.AlreadyExist; the
    # duplicate carries no tag, so Describe then misses the first import's tag too.
    "duplicate-overwrites": frozenset({"duplicate", "describe"}),
    # Every error answered with HTTP 200: every step that expects an error.
    "errors-with-200": frozenset({"duplicate", "bad_name", "wrong_secret"}),
}


def steps_for(signed: bool) -> tuple[str, ...]:
    return tuple(s for s in STEPS if signed or s not in SIGNED_ONLY)


def fingerprint_of(public_key: str) -> str:
    """MD5 of the key blob, colon-separated hex: what ``ssh-keygen -l -E md5`` prints."""
    digest = hashlib.md5(b64decode(public_key.split()[1])).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


@dataclass(frozen=True)
class Step:
    """One step's outcome, as a client saw it."""

    step: str
    ok: bool
    status: int | None = None
    code: str | None = None
    detail: str = ""

    @classmethod
    def from_json(cls, line: str) -> Step:
        data = json.loads(line)
        return cls(
            data["step"], bool(data["ok"]), data.get("status"), data.get("code"), data.get("detail", "")
        )


def failed(results: Iterable[Step]) -> set[str]:
    return {r.step for r in results if not r.ok}


def describe_failures(results: Iterable[Step]) -> str:
    return "\n".join(f"{r.step}: status={r.status} code={r.code} {r.detail}" for r in results if not r.ok)


# -- the Python side ------------------------------------------------------------------------


class ClientError(Exception):
    """An error answer as a client reports it: HTTP status and error code."""

    def __init__(self, status: int | None, code: str | None, message: str = "") -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code


@dataclass(frozen=True)
class KeyPairItem:
    name: str
    fingerprint: str | None
    tags: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Imported:
    status: int | None
    name: str | None
    fingerprint: str | None
    request_id: str | None


@dataclass(frozen=True)
class Listed:
    """A Describe page. ``total_count`` is None for a client that does not expose it."""

    total_count: int | None
    items: list[KeyPairItem]


class Adapter(Protocol):
    """One Python client's way to make the three calls; errors raise ``ClientError``."""

    def import_key_pair(self, name: str, body: str, tags: Sequence[tuple[str, str]]) -> Imported: ...

    def describe(self, name: str, page_size: int | None = None, page_number: int | None = None) -> Listed: ...

    def delete(self, names: Sequence[str]) -> None: ...


class _Failed(Exception):
    def __init__(self, detail: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code


def _check(condition: bool, detail: str) -> None:
    if not condition:
        raise _Failed(detail)


def _expect_error(call: Callable[[], Any], status: int, code: str | Sequence[str]) -> Step:
    codes = (code,) if isinstance(code, str) else tuple(code)
    try:
        answer = call()
    except ClientError as err:
        if err.status != status or err.code not in codes:
            raise _Failed(f"expected {status} {codes}, got {err}", err.status, err.code) from err
        return Step("", True, err.status, err.code)
    raise _Failed(f"expected {status} {codes}, got success {answer!r}")


def run_steps(
    adapter: Adapter,
    public_key: str,
    prefix: str,
    wrong_secret: Adapter | None = None,
    wrong_secret_codes: Sequence[str] = (contract.SIGNATURE_DOES_NOT_MATCH.code,),
) -> list[Step]:
    """Run ``STEPS`` through ``adapter`` (``wrong_secret`` only when given); never raises."""
    fingerprint = fingerprint_of(public_key)
    name = f"{prefix}-Key:1"
    pages = [f"{prefix}-page-{i}" for i in (1, 2, 3)]

    def import_step() -> Step:
        r = adapter.import_key_pair(name, public_key, [TAG])
        _check(r.status in (None, 200), f"status {r.status}")
        _check(r.name == name, f"KeyPairName {r.name}")
        _check(r.fingerprint == fingerprint, f"fingerprint {r.fingerprint} != {fingerprint}")
        _check(bool(r.request_id), "no RequestId")
        return Step("", True, r.status)

    def describe_step() -> Step:
        listed = adapter.describe(name)
        _check(listed.total_count in (None, 1), f"TotalCount {listed.total_count}")
        _check([i.name for i in listed.items] == [name], f"names {[i.name for i in listed.items]}")
        item = listed.items[0]
        _check(item.fingerprint == fingerprint, f"fingerprint {item.fingerprint}")
        _check(item.tags == [TAG], f"tags {item.tags}")
        return Step("", True)

    def pagination_step() -> Step:
        for page in pages:
            adapter.import_key_pair(page, public_key, [])
        first = adapter.describe(f"{prefix}-page-*", page_size=2, page_number=1)
        second = adapter.describe(f"{prefix}-page-*", page_size=2, page_number=2)
        for listed in (first, second):
            _check(listed.total_count in (None, 3), f"TotalCount {listed.total_count}")
        _check(
            len(first.items) == 2 and len(second.items) == 1, f"pages {len(first.items)}+{len(second.items)}"
        )
        seen = sorted(i.name for i in [*first.items, *second.items])
        _check(seen == sorted(pages), f"names {seen}")
        return Step("", True)

    def delete_step() -> Step:
        adapter.delete([name, *pages])
        after = adapter.describe(name)
        _check(not after.items and after.total_count in (None, 0), f"after delete {after}")
        return Step("", True)

    def reimport_step() -> Step:
        r = adapter.import_key_pair(name, public_key, [])
        _check(r.fingerprint == fingerprint, f"fingerprint {r.fingerprint}")
        adapter.delete([name])
        return Step("", True, r.status)

    bodies: dict[str, Callable[[], Step]] = {
        "import": import_step,
        "duplicate": lambda: _expect_error(
            lambda: adapter.import_key_pair(name, public_key, []),
            contract.KEY_PAIR_ALREADY_EXISTS.status,
            contract.KEY_PAIR_ALREADY_EXISTS.code,
        ),
        "bad_name": lambda: _expect_error(
            lambda: adapter.import_key_pair("1-starts-with-digit", public_key, []),
            contract.INVALID_KEY_PAIR_NAME.status,
            contract.INVALID_KEY_PAIR_NAME.code,
        ),
        "describe": describe_step,
        "pagination": pagination_step,
        "delete": delete_step,
        "reimport": reimport_step,
    }
    if wrong_secret is not None:
        wrong = wrong_secret
        bodies["wrong_secret"] = lambda: _expect_error(
            lambda: wrong.describe(name), contract.SIGNATURE_DOES_NOT_MATCH.status, wrong_secret_codes
        )

    results = []
    for step in STEPS:
        if step not in bodies:
            continue
        try:
            got = bodies[step]()
            results.append(Step(step, True, got.status, got.code))
        except _Failed as err:
            results.append(Step(step, False, err.status, err.code, str(err)))
        except ClientError as err:
            results.append(Step(step, False, err.status, err.code, str(err)))
        except Exception as err:  # a client crashing is that step's failure, not the run's
            results.append(Step(step, False, None, None, f"{type(err).__name__}: {err}"))
    return results
