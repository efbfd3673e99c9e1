"""The KeyPairName rule the reference server enforces (IKP-N1..N5).

Reading chosen for the Profile point IKP-N5: the seed document's rule. ASCII letter first,
then ASCII letters, digits and the contract's extra characters; non-ASCII letters and ``.``
are rejected. Lengths and characters come from ``conformance.contract``.
"""

from __future__ import annotations

from conformance import contract
from conformance.reference import errors

_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ALLOWED = _ASCII_LETTERS | frozenset("0123456789") | frozenset(contract.NAME_EXTRA_CHARACTERS)


def is_valid_name(name: str) -> bool:
    """True when ``name`` is a well-formed key pair name under the seed document's rule."""
    if not contract.NAME_MIN_LENGTH <= len(name) <= contract.NAME_MAX_LENGTH:
        return False
    if name[0] not in _ASCII_LETTERS:
        return False
    if any(name.startswith(prefix) for prefix in contract.FORBIDDEN_NAME_PREFIXES):
        return False
    return all(ch in _ALLOWED for ch in name)


def check_name(name: str | None, parameter: str = "KeyPairName") -> str:
    """The name, or MissingParameter (absent/empty) / InvalidKeyPairName.Malformed."""
    if not name:
        raise errors.MissingParameter(parameter)
    if not is_valid_name(name):
        raise errors.InvalidKeyPairName()
    return name
