"""``python -m strategies sample --kind KIND [--type TYPE] [-n N] [--seed S]``: generated data
as JSON lines.

This module owns the command line. Samples are drawn by running the strategy under
Hypothesis with ``@seed(S)``, only the generate phase and no example database, so one seed
gives the same lines on every run (the CA keys and DSA domain are fixed, ECDSA signatures are
RFC 6979 deterministic, DSA nonces are derived from the message).
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from conformance.case import Case
from conformance.contract import DEFAULT_REGION, DOCUMENTED_KEY_TYPES
from strategies.bodies import profile_keys, valid_keys
from strategies.broken import broken_keys
from strategies.cases import (
    import_cases,
    invalid_import_cases,
    invalid_name_or_missing,
    missing_parameter_cases,
    profile_import_cases,
    valid_import_cases,
)
from strategies.names import profile_name_parts, valid_name_parts
from strategies.samples import KeySample, Part
from strategies.tags import invalid_tag_parts, profile_tag_parts, valid_tag_parts


def draw_samples(strategy: st.SearchStrategy[Any], n: int, seed_value: int) -> list[Any]:
    """``n`` examples of ``strategy``, the same ones for the same ``seed_value``.

    Hypothesis starts every run with the simplest example, which is the same for every seed;
    it is dropped, so that each seed gives its own lines."""
    out: list[Any] = []
    round_seed = seed_value
    while len(out) < n:
        batch: list[Any] = []

        @settings(
            max_examples=n - len(out) + 1,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @seed(round_seed)
        @given(strategy)
        def collect(value: Any) -> None:
            batch.append(value)  # noqa: B023 - the closure runs before the next round

        collect()
        if len(batch) < 2:
            raise RuntimeError("the strategy generated too little")
        out.extend(batch[1:])
        round_seed += 1_000_003
    return out[:n]


Factory = Callable[[argparse.Namespace], st.SearchStrategy[Any]]


def _types(args: argparse.Namespace) -> tuple[str, ...]:
    return (args.type,) if args.type else DOCUMENTED_KEY_TYPES


def _case_args(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "region": args.region,
        "name_prefix": args.prefix,
        "known_resource_group": args.resource_group,
        "key_types": _types(args),
    }


KINDS: dict[str, Factory] = {
    "valid-key": lambda a: valid_keys(_types(a)),
    "profile-key": lambda a: profile_keys(_types(a)),
    "invalid-key": lambda a: broken_keys((a.type,) if a.type else None),
    "valid-name": lambda a: valid_name_parts(a.prefix),
    "invalid-name": lambda a: invalid_name_or_missing(a.prefix),
    "profile-name": lambda a: profile_name_parts(a.prefix),
    "valid-tags": lambda a: valid_tag_parts(),
    "invalid-tags": lambda a: invalid_tag_parts(),
    "profile-tags": lambda a: profile_tag_parts(),
    "request": lambda a: import_cases(**_case_args(a)),
    "valid-request": lambda a: valid_import_cases(**_case_args(a)),
    "invalid-request": lambda a: invalid_import_cases(**_case_args(a)),
    "profile-request": lambda a: profile_import_cases(**_case_args(a)),
    "missing-request": lambda a: missing_parameter_cases(a.region, a.prefix, _types(a)),
}


def _outcomes(outcomes: frozenset[Any]) -> list[dict[str, Any]]:
    return sorted((o.to_json() for o in outcomes), key=str)


def record(kind: str, value: Any) -> dict[str, Any]:
    """One JSON line for a generated value (KeySample, Part or Case)."""
    line: dict[str, Any] = {
        "kind": kind,
        "type": None,
        "encoding": None,
        "body": None,
        "params": None,
        "fingerprints": [],
        "outcomes": [],
        "requirements": [],
        "profile": None,
    }
    if isinstance(value, KeySample):
        line.update(
            type=value.key_type,
            encoding=value.encoding,
            body=value.body,
            fingerprints=sorted(set(value.fingerprints.values())),
            fingerprint_labels=dict(value.fingerprints),
            wrong_fingerprints=dict(value.wrong_fingerprints),
            outcomes=_outcomes(value.part().outcomes()),
            requirements=list(value.requirements),
            profile=value.profile,
            validity=value.validity.value,
            rule=value.rule,
            description=value.description,
        )
    elif isinstance(value, Part):
        line.update(
            params=dict(value.params),
            outcomes=_outcomes(value.outcomes()),
            requirements=list(value.requirements),
            profile=value.profile,
            validity=value.validity.value,
            rule=value.rule,
        )
    elif isinstance(value, Case):
        data = value.to_json()
        line.update(
            type=value.key_type,
            encoding=value.encoding,
            params=data["params"],
            fingerprints=sorted(set(value.fingerprints.values())),
            fingerprint_labels=data["fingerprints"],
            wrong_fingerprints=data["wrong_fingerprints"],
            outcomes=data["outcomes"],
            requirements=data["requirements"],
            profile=value.profile,
            description=value.description,
            parts=data["parts"],
        )
    else:  # pragma: no cover - every KIND returns one of the three
        raise TypeError(type(value).__name__)
    return line


def main(argv: Sequence[str] | None = None) -> int:
    """The command line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m strategies", description="Print generated ImportKeyPair test data as JSON lines."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sample = sub.add_parser("sample", help="print generated data as JSON lines")
    sample.add_argument("--kind", required=True, choices=sorted(KINDS))
    sample.add_argument("--type", choices=DOCUMENTED_KEY_TYPES, help="only this documented key type")
    sample.add_argument("-n", type=int, default=10, help="how many lines (default 10)")
    sample.add_argument("--seed", type=int, default=0, help="same seed, same lines (default 0)")
    sample.add_argument("--prefix", default="", help="name prefix, e.g. ikpa1b2c3-")
    sample.add_argument("--region", default=DEFAULT_REGION)
    sample.add_argument("--resource-group", default=None, help="a resource group the target knows")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("-n must be at least 1")
    warnings.simplefilter("ignore")  # cryptography's DSA deprecation notice
    strategy = KINDS[args.kind](args)
    for value in draw_samples(strategy, args.n, args.seed):
        sys.stdout.write(json.dumps(record(args.kind, value), ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
