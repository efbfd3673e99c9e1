"""Keys chosen by a seed, not drawn: the fixed one-line ``PublicKeyBody`` samples the state
and row tests send (the cheapest valid RSA-1024 key, one valid key of each family for the
quota edge, one-line samples of a given key).

Every sample here is built through ``bodies.key_sample`` (fingerprints included), so no test
module or runner module writes a key line or a ``KeySample`` by hand. The same seed always
gives the same key (requirements.md, "A run is reproducible").
"""

from __future__ import annotations

from strategies.authorities import authority
from strategies.bodies import SshKey, one_line_sample
from strategies.certificates import FIELD_BYTES, build_certificate, fields_from_bytes
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

# The key families ``family_key`` knows.
FAMILIES = ("rsa", "dsa", "ecdsa", "certificate")


def rsa_1024_sample(seed: bytes) -> KeySample:
    """The valid one-line RSA-1024 key of ``seed``: the cheapest valid key to send."""
    return one_line_sample(rsa_key(rsa_modulus(1024, seed)), "rsa-1024")


def family_key(family: str, seed: bytes) -> KeySample:
    """A valid one-line key of ``family`` (one of ``FAMILIES``) chosen by ``seed``."""
    number = int.from_bytes(seed, "big")
    key: SshKey
    if family == "dsa":
        key = dsa_key(pow(DSA_G, 1 + number % (DSA_Q - 1), DSA_P))
    elif family == "ecdsa":
        key = ecdsa_key_from_scalar("nistp256", 1 + number)
    elif family == "certificate":
        fields = fields_from_bytes(seed * (FIELD_BYTES // len(seed)) + bytes(FIELD_BYTES % len(seed)))
        key = build_certificate(rsa_key(rsa_modulus(1024, seed)), fields, authority("ed25519"))
    else:
        key = rsa_key(rsa_modulus(1024, seed))
    return one_line_sample(key, family)


def undocumented_line_sample(key: PlainKey, comment: str | None) -> KeySample:
    """``key`` (of a type not in the documented list, e.g. ``ssh-ed25519``) as an OpenSSH
    line: an invalid sample (IKP-K3, ``undocumented-type``), with no fingerprints."""
    return KeySample(
        body=openssh_line(key.key_type, key.blob.data, comment), validity=Validity.INVALID,
        requirements=("IKP-K3",), rule="undocumented-type", encoding="openssh", blob=key.blob.data, key=key,
        variant=key.key_type,
    )  # fmt: skip
