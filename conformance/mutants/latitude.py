"""Response-side latitude the contract allows, used by the lenient variant (issue 11).

Each block is an ``Apply`` (``combinators.Apply``: Behaviour -> Behaviour) that makes fresh
state when it is applied, i.e. once per server start:

- ``throttling(every)``: every ``every``-th request is answered with a retryable error instead
  (400 ``Throttling.User``, 429 ``Throttling``, 503 ``ServiceUnavailable`` in turn), before any
  other check. The suite must retry such answers (requirements.md, "What the suite itself
  promises"). The same request (action and business parameters: signature, nonce, timestamp
  and key id aside) is never refused twice, so bounded retries always get through.
- ``extra_success_fields``: success bodies carry fields the contract does not name, among them
  a ``Code`` (IKP-R1: "Extra fields are allowed").
- ``contradicting_content_types(every)``: every ``every``-th response (success or error) says
  JSON for an XML body or XML for a JSON body (IKP-T2: the body is judged, the header is a
  warning).
- ``account_default_group``: DescribeKeyPairs lists a key pair imported without
  ``ResourceGroupId`` in the account's default group ``ACCOUNT_DEFAULT_GROUP`` (not the
  suite's known group, as real ECS does), and adds a system tag to every key pair (IKP-X1).
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
from collections.abc import Mapping
from typing import Any

from conformance import contract
from conformance.contract import ErrorRow
from conformance.mutants.combinators import Apply, Recast
from conformance.reference import wire
from conformance.reference.actions import Behaviour, Config

# The signing parameters of V1 (they change on every attempt of one request).
SIGNING_PARAMETERS = frozenset(
    {"AccessKeyId", "Signature", "SignatureMethod", "SignatureNonce", "SignatureType",
     "SignatureVersion", "Timestamp", "SecurityToken"}
)  # fmt: skip
THROTTLING_ANSWERS: tuple[ErrorRow, ...] = (
    ErrorRow(400, "Throttling.User", "Request was denied due to user flow control."),
    ErrorRow(429, contract.THROTTLING.code, contract.THROTTLING.message),
    contract.SERVICE_UNAVAILABLE,
)
REMEMBERED_REFUSALS = 100_000
EXTRA_SUCCESS_FIELDS: Mapping[str, Any] = {"Code": "200", "Success": True}
ACCOUNT_DEFAULT_GROUP = "rg-acfmaccountdefault"
SYSTEM_TAG_KEY = "acs:rm:rgId"


class _Throttle:
    """Counts requests; refuses every ``every``-th one, never the same request twice."""

    def __init__(self, every: int) -> None:
        self.every = every
        self._lock = threading.Lock()
        self._count = 0
        self._turn = itertools.cycle(THROTTLING_ANSWERS)
        self._refused: set[tuple[str | None, frozenset[tuple[str, str]]]] = set()

    def __call__(self, action: str | None, params: Mapping[str, str]) -> None:
        identity = (action, frozenset((k, v) for k, v in params.items() if k not in SIGNING_PARAMETERS))
        with self._lock:
            self._count += 1
            if self._count % self.every or identity in self._refused:
                return
            if len(self._refused) >= REMEMBERED_REFUSALS:
                self._refused.clear()
            self._refused.add(identity)
            row = next(self._turn)
        raise Recast(row, row.message, row.status)


def throttling(every: int) -> Apply:
    def apply(b: Behaviour) -> Behaviour:
        inner, throttle = b.admit, _Throttle(every)

        def admit(action: str | None, params: Mapping[str, str]) -> None:
            inner(action, params)
            throttle(action, params)

        return dataclasses.replace(b, admit=admit)

    return apply


def extra_success_fields(b: Behaviour) -> Behaviour:
    render = b.render
    return dataclasses.replace(
        b, render=lambda root, body, fmt: render(root, {**body, **EXTRA_SUCCESS_FIELDS}, fmt)
    )


_OTHER_TYPE = {wire.JSON_CONTENT_TYPE: wire.XML_CONTENT_TYPE, wire.XML_CONTENT_TYPE: wire.JSON_CONTENT_TYPE}


def contradicting_content_types(every: int) -> Apply:
    def apply(b: Behaviour) -> Behaviour:
        counter = itertools.count(1)  # next() on a count is atomic under the GIL
        render, render_error = b.render, b.render_error

        def label(answer: tuple[bytes, str]) -> tuple[bytes, str]:
            body, content_type = answer
            if next(counter) % every:
                return answer
            return body, _OTHER_TYPE.get(content_type, content_type)

        return dataclasses.replace(
            b,
            render=lambda root, body, fmt: label(render(root, body, fmt)),
            render_error=lambda error, rid, fmt: label(render_error(error, rid, fmt)),
        )

    return apply


def account_default_group(b: Behaviour) -> Behaviour:
    """IKP-X1: the listed group of a key pair imported without one is the account's default
    group, and every key pair carries a system tag. Filters on ``ResourceGroupId`` keep the
    clean server's meaning (the group the key pair is stored under)."""
    importer = b.action(contract.ACTION_IMPORT)
    describer = b.action(contract.ACTION_DESCRIBE)
    assert importer is not None and describer is not None
    lock = threading.Lock()
    ungrouped: set[tuple[str, str]] = set()

    def import_key_pair(params: Mapping[str, str], config: Config) -> dict[str, Any]:
        result = importer(params, config)
        pair = (params.get("RegionId", ""), str(result.get("KeyPairName", "")))
        with lock:
            if params.get("ResourceGroupId"):
                ungrouped.discard(pair)
            else:
                ungrouped.add(pair)
        return result

    def describe_key_pairs(params: Mapping[str, str], config: Config) -> dict[str, Any]:
        result = describer(params, config)
        region = params.get("RegionId", "")
        for item in result["KeyPairs"]["KeyPair"]:
            with lock:
                if (region, item["KeyPairName"]) in ungrouped:
                    item["ResourceGroupId"] = ACCOUNT_DEFAULT_GROUP
            tag = {"TagKey": SYSTEM_TAG_KEY, "TagValue": item["ResourceGroupId"]}
            item["Tags"] = {"Tag": [*item["Tags"]["Tag"], tag]}
        return result

    overrides = {contract.ACTION_IMPORT: import_key_pair, contract.ACTION_DESCRIBE: describe_key_pairs}
    return dataclasses.replace(b, actions={**b.actions, **overrides})
