"""The reference server as real ECS was observed answering (``conformance/observed.py``).

``python -m conformance.reference --variant observed-ecs`` (or
``start_server(variant="observed-ecs")``) starts the reference server answering the way the
evidence in ``conformance/observed.py`` says real ECS does. It is **not** a legal variant of
the documented contract, so it is not in ``variants.VARIANTS`` (which ``benchmarks/soundness.py`` walks and
the suite must certify): under the default documented reading the suite fails it on IKP-K3,
and under ``--reading observed`` certifies it, each difference explained by its evidence.

What it does, each block with its evidence ID:

- OBS-1b: a body the clean key parser refuses is accepted when it is `ssh-rsa` (the type of the evidence),
  one space, text of the base64 alphabet (``=`` only at its end), optionally a space and a
  comment on the same line (``ssh-rsa AAAAB3Nza12345678qwertyuudsfsg``); its fingerprint is
  MD5 of the leniently decoded bytes (missing padding added, a dangling sixth bit dropped).
- OBS-3a: every fingerprint written as 32 hex digits without colons.
- OBS-4a / OBS-4c: DescribeKeyPairs lists a key pair imported without ``ResourceGroupId`` in
  the account's default group and adds a system tag (``latitude.account_default_group``).
- OBS-2h, OBS-2g, OBS-2a: DeleteKeyPairs of unknown names succeeds, a non-JSON
  ``KeyPairNames`` is 400 ``InvalidKeyPairNames.ValueNotSupported`` and an unknown RegionId is
  404 ``InvalidRegionId.NotFound``: the clean server already answers so (``PROFILE.md``).

The shape check here is written apart from the oracle's (``oracle/readings.lenient_body``):
the judged and the judge share constants, never the validation logic (DESIGN.md).
"""

from __future__ import annotations

import base64
import binascii

from conformance.mutants import latitude
from conformance.mutants.combinators import Apply, accepted_as_is, on_malformed
from conformance.mutants.variants import VARIANTS, Variant
from conformance.reference import keys
from conformance.reference.actions import Behaviour

BASE64_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def _lenient_text(text: str) -> bytes | None:
    """The bytes ECS would read from ``text``: base64-alphabet characters with at most two
    ``=`` at the end; padding need not be there (None for any other text)."""
    data = text.rstrip("=")
    if not data or len(text) - len(data) > 2 or not set(data) <= BASE64_ALPHABET:
        return None
    if len(data) % 4 == 1:
        data = data[:-1]  # six bits that make no byte
    try:
        return base64.b64decode(data + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError):  # pragma: no cover - the alphabet was checked
        return None


def lenient_key(body: str) -> keys.PublicKey | None:
    """OBS-1b: ``ssh-rsa`` and base64-alphabet text, as real ECS took them."""
    if "\n" in body or "\r" in body:
        return None
    fields = body.split(" ", 2)
    if len(fields) < 2 or fields[0] != "ssh-rsa":  # the one type the evidence shows
        return None
    data = _lenient_text(fields[1])
    return None if data is None else accepted_as_is(fields[0], data)


def _compose(*steps: Apply) -> Apply:
    def apply(b: Behaviour) -> Behaviour:
        for step in steps:
            b = step(b)
        return b

    return apply


OBSERVED_VARIANT_LIST: tuple[Variant, ...] = (
    Variant(
        "observed-ecs",
        ("IKP-K3", "IKP-R2", "IKP-X1"),
        "as real ECS was observed answering (conformance/observed.py): lenient key check (OBS-1b), "
        "colon-less fingerprints (OBS-3a), default group and a system tag listed (OBS-4a/4c)",
        _compose(
            on_malformed(lenient_key),  # first: the fingerprint block below wraps it
            VARIANTS["fingerprint-no-colons"].apply,
            latitude.account_default_group,
        ),
    ),
)
OBSERVED_VARIANTS: dict[str, Variant] = {v.name: v for v in OBSERVED_VARIANT_LIST}

__all__ = ["OBSERVED_VARIANTS", "OBSERVED_VARIANT_LIST", "lenient_key"]

assert not set(OBSERVED_VARIANTS) & set(VARIANTS), "an observed variant is not a legal variant"
