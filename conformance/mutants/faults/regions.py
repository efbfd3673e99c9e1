"""Faults of RegionId and ResourceGroupId (IKP-G1..G3): a missing or unknown region, an unknown
or the known resource group.
"""

from __future__ import annotations

from collections.abc import Mapping

from conformance import contract
from conformance.mutants.catalogue import Fault, fault
from conformance.mutants.combinators import (
    prepare,
)
from conformance.reference import errors
from conformance.reference.actions import Config


def _region_defaulted(params: Mapping[str, str], config: Config) -> Mapping[str, str]:
    if not params.get("RegionId"):
        return {**params, "RegionId": contract.DEFAULT_REGION}
    return params


def _unknown_region_accepted(params: Mapping[str, str], config: Config) -> Mapping[str, str]:
    region = params.get("RegionId")
    if region and region not in config.regions:
        return {**params, "RegionId": contract.DEFAULT_REGION}
    return params


def _unknown_group_accepted(params: Mapping[str, str], config: Config) -> Mapping[str, str]:
    group = params.get("ResourceGroupId")
    if group and group not in config.resource_groups:
        return {k: v for k, v in params.items() if k != "ResourceGroupId"}
    return params


def _known_group_rejected(params: Mapping[str, str], config: Config) -> Mapping[str, str]:
    if params.get("ResourceGroupId") in config.resource_groups:
        raise errors.ResourceGroupNotFound()
    return params


FAULTS: tuple[Fault, ...] = (
    # RegionId and ResourceGroupId (IKP-G1..G3)
    fault("region-absent-defaulted", "IKP-G1", "a missing RegionId defaults to cn-hangzhou",
        prepare(_region_defaulted)),
    fault("region-unknown-accepted", "IKP-G2", "an unknown RegionId is accepted",
        prepare(_unknown_region_accepted)),
    fault("group-unknown-accepted", "IKP-G3", "an unknown ResourceGroupId is accepted",
        prepare(_unknown_group_accepted)),
    fault("group-known-rejected", "IKP-G3", "the known resource group is refused",
        prepare(_known_group_rejected)),
)  # fmt: skip
