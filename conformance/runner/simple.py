"""The cheapest valid request (``simple_case``) and the per-test key seeds it is built from
(``fresh_seed``): the state tests send hundreds of them.

Reproducibility (requirements.md, "A run is reproducible"): the seeds come from a counter per
test (``testids.PerTestCounters``), never from randomness, so the same Hypothesis seed
replays the same requests.
"""

from __future__ import annotations

import hashlib

from conformance.case import Case
from conformance.runner.testids import PerTestCounters
from strategies.cases import combine, region_part
from strategies.names import NAME_REQUIREMENTS
from strategies.samples import valid_part
from strategies.seeded import rsa_1024_sample

_SEEDS = PerTestCounters()


def fresh_seed() -> bytes:
    """The next 16-byte key seed of the running test: a counter, not randomness, so that the
    same Hypothesis seed replays the same requests (requirements.md, "A run is reproducible")."""
    salt, number = _SEEDS.next()
    return hashlib.sha256(b"ikp-simple-case:%d:%d" % (salt, number)).digest()[:16]


def simple_case(name: str, region: str, seed: bytes | None = None) -> Case:
    """A valid import of an RSA-1024 key under ``name`` (no tags, no group): the cheapest
    valid request, for the state tests that send hundreds of them. Without ``seed`` the key
    comes from ``fresh_seed`` (a new key per call, the same ones in every run)."""
    sample = rsa_1024_sample(seed if seed is not None else fresh_seed())
    return combine(
        [valid_part({"KeyPairName": name}, NAME_REQUIREMENTS, "name:valid"), sample, region_part(region)]
    )
