"""The three operations: ImportKeyPair, DescribeKeyPairs, DeleteKeyPairs.

Each takes the decoded request parameters and returns the response body (without
``RequestId``, which the HTTP layer adds) or raises an ``errors.ApiError``. Parameter rules
come from ``names``, ``tags`` and ``keys``; state from ``store``.

Readings chosen where the DescribeKeyPairs/DeleteKeyPairs references are silent:
DescribeKeyPairs answers PageSize outside 1..50 and PageNumber below 1 with InvalidParameter;
an empty ResourceGroupId is the same as none; DeleteKeyPairs ignores names that do not exist
and rejects an empty list, more than 100 names, or anything that is not a JSON array of strings
with InvalidKeyPairNames.ValueNotSupported.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance import contract
from conformance.reference import auth, errors, keys, names, tags, wire
from conformance.reference.store import KeyPair, KeyPairStore

Action = Callable[[Mapping[str, str], "Config"], dict[str, Any]]


def _same_params(params: Mapping[str, str], config: Config) -> Mapping[str, str]:
    return params


def _same_error(error: errors.ApiError) -> errors.ApiError:
    return error


def _admit_all(action: str | None, params: Mapping[str, str]) -> None:
    return None


@dataclass(frozen=True)
class Behaviour:
    """The rule functions and hook points the server consults. The defaults ARE the clean
    server; ``conformance.mutants`` (``faults``: deliberate deviations; ``variants``: other legal
    readings of Profile points) replace single fields at start-up, so the clean code path has
    no flags."""

    check_name: Callable[[str], str] = names.check_name
    parse_key: Callable[[str], keys.PublicKey] = keys.parse_public_key
    parse_tags: Callable[[Mapping[str, str]], tags.Tags] = tags.parse_tags
    # ImportKeyPair parameters before any rule is applied (may rewrite them or raise).
    prepare_import: Callable[[Mapping[str, str], Config], Mapping[str, str]] = _same_params
    actions: Mapping[str, Action] = field(default_factory=dict)  # overrides of ACTIONS
    make_store: Callable[[str | None], KeyPairStore] = KeyPairStore
    make_verifier: Callable[[Mapping[str, str] | None], auth.Verifier] = auth.Verifier
    # The wire: body format when Format is absent (IKP-T2), rendering, error answers.
    default_format: str = wire.DEFAULT_FORMAT
    render: Callable[[str, Mapping[str, Any], str], tuple[bytes, str]] = wire.render
    render_error: Callable[[errors.ApiError, str, str], tuple[bytes, str]] = wire.render_error
    adjust_error: Callable[[errors.ApiError], errors.ApiError] = _same_error
    # Called with the action name and the parameters before any check (signatures included);
    # raises an ApiError to refuse the request (the lenient variant's throttling answers).
    admit: Callable[[str | None, Mapping[str, str]], None] = _admit_all
    form_body: bool = True  # read parameters from a form body (IKP-T1)
    header_action: bool = True  # take Action/Version from x-acs-* headers (IKP-T1, V3)

    def action(self, name: str) -> Action | None:
        return self.actions.get(name) or ACTIONS.get(name)


@dataclass
class Config:
    """What a running server knows besides its key pairs."""

    store: KeyPairStore
    resource_groups: Sequence[str] = (contract.DEFAULT_RESOURCE_GROUP,)
    regions: Sequence[str] = contract.KNOWN_REGIONS
    behaviour: Behaviour = field(default_factory=Behaviour)

    @property
    def default_resource_group(self) -> str:
        return self.resource_groups[0] if self.resource_groups else contract.DEFAULT_RESOURCE_GROUP


def _region(params: Mapping[str, str], config: Config) -> str:
    region = params.get("RegionId")
    if not region:
        raise errors.MissingParameter("RegionId")
    if region not in config.regions:
        raise errors.RegionNotFound()
    return region


def import_key_pair(params: Mapping[str, str], config: Config) -> dict[str, Any]:
    """ImportKeyPair: validate everything first, then one atomic insert (IKP-S2, IKP-S3)."""
    rules = config.behaviour
    params = rules.prepare_import(params, config)
    if not params.get("RegionId"):
        raise errors.MissingParameter("RegionId")
    name = params.get("KeyPairName")
    if not name:
        raise errors.MissingParameter("KeyPairName")
    body = params.get("PublicKeyBody")
    if not body:
        raise errors.MissingParameter("PublicKeyBody")
    region = _region(params, config)
    rules.check_name(name)
    try:
        key = rules.parse_key(body)
    except keys.MalformedKey:
        raise errors.InvalidPublicKeyBody() from None
    group = params.get("ResourceGroupId") or config.default_resource_group
    if group not in config.resource_groups:
        raise errors.ResourceGroupNotFound()
    tag_list = rules.parse_tags(params)
    config.store.add(
        KeyPair(
            region=region,
            name=name,
            fingerprint=key.fingerprint,
            public_key=body,
            resource_group=group,
            tags=tag_list,
            created=time.time(),
        )
    )
    return {"KeyPairName": name, "KeyPairFingerPrint": key.fingerprint}


def _int_param(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise errors.InvalidParameter(name)
    value = int(raw)
    if not low <= value <= high:
        raise errors.InvalidParameter(name)
    return value


def _bool_param(params: Mapping[str, str], name: str) -> bool:
    raw = params.get(name)
    if raw is None or raw == "":
        return False
    lowered = raw.lower()
    if lowered not in ("true", "false"):
        raise errors.InvalidParameter(name)
    return lowered == "true"


def _name_matcher(pattern: str) -> Callable[[str], bool]:
    """``*`` is a wildcard (``Ssh*``, ``*Key``, ``*sh*``); otherwise the name must be equal."""
    if "*" not in pattern:
        return lambda name: name == pattern
    regex = re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)
    return lambda name: regex.fullmatch(name) is not None


def describe_key_pairs(params: Mapping[str, str], config: Config) -> dict[str, Any]:
    """DescribeKeyPairs with name (wildcard), fingerprint, group and tag filters; paged."""
    region = _region(params, config)
    page_number = _int_param(params, "PageNumber", 1, 1, 10**9)
    page_size = _int_param(
        params, "PageSize", contract.DESCRIBE_PAGE_SIZE_DEFAULT, 1, contract.DESCRIBE_PAGE_SIZE_MAX
    )
    include_public_key = _bool_param(params, "IncludePublicKey")
    tag_filter = tags.parse_tag_filter(params)
    name_pattern = params.get("KeyPairName")
    fingerprint = params.get("KeyPairFingerPrint")
    group = params.get("ResourceGroupId")

    matches_name = _name_matcher(name_pattern) if name_pattern else None
    selected = []
    for kp in config.store.pairs_in(region):
        if matches_name is not None and not matches_name(kp.name):
            continue
        if fingerprint and kp.fingerprint != fingerprint:
            continue
        if group and kp.resource_group != group:
            continue
        if tag_filter:
            held = dict(kp.tags)
            if not all(k in held and (v is None or held[k] == v) for k, v in tag_filter):
                continue
        selected.append(kp)

    start = (page_number - 1) * page_size
    items = []
    for kp in selected[start : start + page_size]:
        item: dict[str, Any] = {
            "KeyPairName": kp.name,
            "KeyPairFingerPrint": kp.fingerprint,
            "CreationTime": kp.creation_time,
            "ResourceGroupId": kp.resource_group,
            "Tags": {"Tag": [{"TagKey": k, "TagValue": v} for k, v in kp.tags]},
        }
        if include_public_key:
            item["PublicKey"] = kp.public_key
        items.append(item)
    return {
        "PageNumber": page_number,
        "PageSize": page_size,
        "TotalCount": len(selected),
        "KeyPairs": {"KeyPair": items},
    }


def _key_pair_names(raw: str | None) -> list[str]:
    if raw is None or raw == "":
        raise errors.MissingParameter("KeyPairNames")
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        raise errors.InvalidKeyPairNames() from None
    if (
        not isinstance(value, list)
        or not 1 <= len(value) <= contract.DELETE_NAMES_MAX
        or not all(isinstance(n, str) and n for n in value)
    ):
        raise errors.InvalidKeyPairNames()
    return value


def delete_key_pairs(params: Mapping[str, str], config: Config) -> dict[str, Any]:
    """DeleteKeyPairs: ``KeyPairNames`` is a JSON array string of up to 100 names."""
    region = _region(params, config)
    to_delete = _key_pair_names(params.get("KeyPairNames"))
    config.store.delete(region, to_delete)
    return {}


ACTIONS: dict[str, Action] = {
    contract.ACTION_IMPORT: import_key_pair,
    contract.ACTION_DESCRIBE: describe_key_pairs,
    contract.ACTION_DELETE: delete_key_pairs,
}
