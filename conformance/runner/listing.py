"""Reading the target's key pairs through DescribeKeyPairs: the raw call (``describe``), the
names listed (``list_names``) and the count (``total_count``), for hygiene, capability
probing and the state tests. Nothing here judges an answer."""

from __future__ import annotations

from collections.abc import Mapping

from conformance import contract
from conformance.exchange import BodyFormat, Exchange
from conformance.target import Target, list_at


def describe(
    target: Target, region: str, body_format: BodyFormat = BodyFormat.JSON, **filters: str
) -> Exchange:
    """DescribeKeyPairs in ``region`` with ``filters``."""
    return target.call(contract.ACTION_DESCRIBE, {"RegionId": region, **filters}, body_format=body_format)


def list_names(target: Target, region: str, pattern: str | None = None) -> list[str]:
    """Names DescribeKeyPairs lists in ``region`` (first page of the maximum size)."""
    filters = {"PageSize": str(contract.DESCRIBE_PAGE_SIZE_MAX)}
    if pattern:
        filters["KeyPairName"] = pattern
    exchange = describe(target, region, BodyFormat.JSON, **filters)
    if exchange.status != 200:
        return []
    return [
        str(kp.get("KeyPairName"))
        for kp in list_at(exchange.parsed.document, "KeyPairs", "KeyPair")
        if isinstance(kp, Mapping)
    ]


def total_count(target: Target, region: str) -> int | None:
    """DescribeKeyPairs' TotalCount in ``region`` (None when not available)."""
    exchange = describe(target, region, PageSize="1")
    value = exchange.field("TotalCount")
    return int(value) if exchange.status == 200 and value and value.isdigit() else None
