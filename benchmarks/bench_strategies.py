"""Benchmark: how fast the strategies make keys and whole-request Cases.

    python benchmarks/bench_strategies.py [-n 300]

Prints figures; asserts nothing. Three tables:

* **build**: per documented key type, what our code costs per valid key once Hypothesis has
  drawn the inputs: key material (cheap RSA modulus, DSA ``g^x``, ECDSA scalar), the
  certificate encoding and CA signature, the OpenSSH line and every fingerprint (acceptable
  and wrong). Each sample drawn by ``valid_keys`` is rebuilt with the same builder functions
  the strategy calls, with fresh random inputs, and timed.
* **drawn**: the same keys end to end through Hypothesis (``@given``, generate phase only):
  the median interval between two examples, engine overhead included. The first row is the
  engine's own floor: an example that draws one 16-byte string and builds nothing.
* **cases**: whole ImportKeyPair Cases per second from ``import_cases`` and the focused
  strategies, end to end through Hypothesis.
"""

from __future__ import annotations

import argparse
import itertools
import os
import secrets
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conformance.contract import DOCUMENTED_KEY_TYPES
from strategies.bodies import key_sample, valid_keys
from strategies.cases import (
    import_cases,
    invalid_import_cases,
    profile_import_cases,
    valid_import_cases,
)
from strategies.certificates import Certificate, build_certificate
from strategies.encodings import openssh_line
from strategies.keys import (
    DSA_G,
    DSA_P,
    DSA_Q,
    PlainKey,
    dsa_key,
    ecdsa_key_from_scalar,
    rsa_key,
    rsa_modulus,
)
from strategies.samples import KeySample, Validity


def drawn(strategy: st.SearchStrategy[Any], n: int) -> tuple[list[Any], list[float]]:
    """``n`` examples and the seconds between consecutive examples (generation included)."""
    values: list[Any] = []
    stamps: list[float] = []

    @settings(
        max_examples=n, database=None, deadline=None, phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(strategy)
    def record(value: Any) -> None:
        stamps.append(time.perf_counter())
        values.append(value)

    record()
    return values, [b - a for a, b in itertools.pairwise(stamps)]


def fresh_plain(key: PlainKey) -> PlainKey:
    """A new key of the same type and size, built the way the strategy builds one."""
    if key.key_type == "ssh-rsa":
        return rsa_key(rsa_modulus(key.bits, secrets.token_bytes(16)))
    if key.key_type == "ssh-dss":
        return dsa_key(pow(DSA_G, secrets.randbelow(DSA_Q - 1) + 1, DSA_P))
    curve_id = key.key_type.removeprefix("ecdsa-sha2-")
    return ecdsa_key_from_scalar(curve_id, secrets.randbits(key.bits - 1) + 1)


def rebuild(sample: KeySample) -> KeySample:
    """What ``valid_keys`` computes for ``sample``'s drawn inputs, with fresh key material."""
    key = sample.key
    if isinstance(key, Certificate):
        subject = fresh_plain(key.subject)
        built: Any = build_certificate(subject, key.fields, key.ca, key.algorithm, version=key.version)
    else:
        built = fresh_plain(key)
    comment = sample.body.split(" ", 2)[2] if sample.rule == "openssh-comment" else None
    return key_sample(
        built, openssh_line(built.key_type, built.blob.data, comment), encoding="openssh",
        validity=Validity.VALID, requirements=sample.requirements, rule=sample.rule,
    )  # fmt: skip


def timed(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def row(label: str, seconds: list[float]) -> str:
    median = statistics.median(seconds) * 1000
    p90 = statistics.quantiles(seconds, n=10)[-1] * 1000 if len(seconds) > 10 else median
    rate = len(seconds) / sum(seconds)
    return f"{label:<44} {rate:>10.0f} {median:>10.3f} {p90:>10.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="examples per row (default 300)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # cryptography's DSA deprecation notice
    header = f"{'':<44} {'per second':>10} {'median ms':>10} {'p90 ms':>10}"
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, n={args.n} per row\n")

    samples = {t: drawn(valid_keys((t,)), args.n)[0] for t in DOCUMENTED_KEY_TYPES}
    print("build: our code per valid key (key material, certificate + CA signature, line, fingerprints)")
    print(header)
    for key_type, drawn_samples in samples.items():
        seconds = [timed(lambda s=s: rebuild(s)) for s in drawn_samples]  # type: ignore[misc]
        print(row(key_type, seconds))
    every = [timed(lambda s=s: rebuild(s)) for v in samples.values() for s in v]  # type: ignore[misc]
    print(row("all types", every))

    print("\ndrawn: end to end through Hypothesis (median interval between examples)")
    print(header)
    print(
        row(
            "(engine floor: one 16-byte draw, no build)",
            drawn(st.binary(min_size=16, max_size=16), args.n)[1],
        )
    )
    for key_type in DOCUMENTED_KEY_TYPES:
        print(row(key_type, drawn(valid_keys((key_type,)), args.n)[1]))

    print("\ncases: whole ImportKeyPair requests end to end through Hypothesis")
    print(header)
    common = {
        "region": "cn-hangzhou",
        "name_prefix": "ikpbench-",
        "known_resource_group": "rg-acfmdefault0001",
    }
    for label, strategy in (
        ("import_cases (valid, Profile, invalid)", import_cases(**common)),  # type: ignore[arg-type]
        ("valid_import_cases", valid_import_cases(**common)),  # type: ignore[arg-type]
        ("profile_import_cases", profile_import_cases(**common)),  # type: ignore[arg-type]
        ("invalid_import_cases", invalid_import_cases(**common)),  # type: ignore[arg-type]
    ):
        print(row(label, drawn(strategy, args.n)[1]))


if __name__ == "__main__":
    main()
