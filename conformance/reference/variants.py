"""Legal variants: the other reading of each Profile point of CONTRACT.md (issue 7).

``python -m conformance.reference --variant NAME`` (or ``start_server(variant=NAME)``) starts
the reference server with one reading that differs from ``PROFILE.md``'s, but that the
contract allows (a Profile point, or an undocumented code where any 4xx is correct). The suite
must certify every variant as conformant: a variant it fails is a soundness bug in the suite.
Each is a small override of ``actions.Behaviour``, built from the same blocks as ``faults``.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from conformance import contract
from conformance.reference import errors, keys, tags, wire
from conformance.reference.actions import Behaviour, Config
from conformance.reference.faults import (
    Apply,
    Recast,
    accepted_as_is,
    chain_errors,
    key_rule,
    listing,
    name_rule,
    named,
    on_malformed,
    one_line,
    prepare,
    recode,
    tag_rule,
    tolerate_tags,
    use_store,
)
from conformance.reference.store import KeyPair, KeyPairStore


@dataclass(frozen=True)
class Variant:
    """One other legal reading: its name, the Profile point (requirement ID), how it is applied."""

    name: str
    reading: str  # the CONTRACT.md requirement ID whose latitude it uses
    description: str
    apply: Apply


# -- names ---------------------------------------------------------------------------------------


def _unicode_letters_and_dot(name: str, inner: Callable[[str], str]) -> str:
    """IKP-N5, current docs: Unicode letters anywhere (also first) and '.' after the first."""
    mapped = "".join("a" if not c.isascii() and c.isalpha() else c for c in name)
    inner(mapped[:1] + mapped[1:].replace(".", "a"))
    return name


class _CaseInsensitiveStore(KeyPairStore):
    """IKP-N7: names differing only in case are the same name (also for deletion)."""

    def __init__(self, state_file: str | None = None) -> None:
        super().__init__(state_file)
        self._names_lock = threading.Lock()

    def add(self, kp: KeyPair) -> None:
        with self._names_lock:
            folded = kp.name.lower()
            if any(kp2.name.lower() == folded for kp2 in self.pairs_in(kp.region)):
                raise errors.KeyPairAlreadyExists()
            super().add(kp)

    def delete(self, region: str, names: Iterable[str]) -> int:
        wanted = {n.lower() for n in names}
        return super().delete(region, [kp.name for kp in self.pairs_in(region) if kp.name.lower() in wanted])


class _GlobalNamesStore(KeyPairStore):
    """IKP-N7: a name is unique across all regions ("globally unique")."""

    def __init__(self, state_file: str | None = None) -> None:
        super().__init__(state_file)
        self._names_lock = threading.Lock()

    def add(self, kp: KeyPair) -> None:
        with self._names_lock:
            if any(other.name == kp.name for other in self.all()):
                raise errors.KeyPairAlreadyExists()
            super().add(kp)


def _empty_name_malformed(params: Mapping[str, str], config: Config) -> Mapping[str, str]:
    if params.get("KeyPairName") == "":
        raise errors.InvalidKeyPairName()
    return params


def _unknown_region_invalid_parameter(params: Mapping[str, str], config: Config) -> Mapping[str, str]:
    region = params.get("RegionId")
    if region and region not in config.regions:
        raise errors.InvalidParameter("RegionId")
    return params


# -- keys ----------------------------------------------------------------------------------------


def _encodings_rejected(body: str, inner: Callable[[str], keys.PublicKey]) -> keys.PublicKey:
    """IKP-K4: only the OpenSSH one-line form; RFC 4716 and PEM blocks are Malformed."""
    if body.strip().startswith("-"):
        raise keys.MalformedKey("only the OpenSSH one-line form")
    return inner(body)


def _whitespace_strict(body: str, inner: Callable[[str], keys.PublicKey]) -> keys.PublicKey:
    """IKP-K5: the one-line form exactly: no surrounding whitespace, CR, LF, or tabs between
    the type and the base64."""
    if not body.strip().startswith("-"):
        fields = body.split(" ", 2)
        if body != body.strip() or "\r" in body or "\n" in body or any("\t" in f for f in fields[:2]):
            raise keys.MalformedKey("whitespace")
    return inner(body)


def _parses(inner: Callable[[str], keys.PublicKey], text: str) -> keys.PublicKey | None:
    try:
        return inner(text)
    except keys.MalformedKey:
        return None


def _options_prefix(inner: Callable[[str], keys.PublicKey]) -> Callable[[str], keys.PublicKey | None]:
    """IKP-K5: an authorized_keys options prefix before ``TYPE BASE64`` is skipped."""

    def fallback(body: str) -> keys.PublicKey | None:
        fields = body.split()
        for i in range(1, len(fields) - 1):
            if fields[i] in contract.DOCUMENTED_KEY_TYPES:
                return _parses(inner, " ".join(fields[i:]))
        return None

    return fallback


def _first_of_two(inner: Callable[[str], keys.PublicKey]) -> Callable[[str], keys.PublicKey | None]:
    """IKP-K5: two keys in one body (two lines, or a second key in the comment): the first
    is taken, when both are keys."""

    def fallback(body: str) -> keys.PublicKey | None:
        lines = [line for line in body.strip().splitlines() if line.strip()]
        if len(lines) > 1:
            parsed = [_parses(inner, line) for line in lines]
            return parsed[0] if all(parsed) else None
        fields = body.split()
        first = _parses(inner, " ".join(fields[:2]))
        if first is None:
            return None
        for name, data in itertools.pairwise(fields[2:]):
            if name in contract.DOCUMENTED_KEY_TYPES and _parses(inner, f"{name} {data}"):
                return first
        return None

    return fallback


KeyParser = Callable[[str], keys.PublicKey]


def _with_inner(make: Callable[[KeyParser], Callable[[str], keys.PublicKey | None]]) -> Apply:
    def apply(b: Behaviour) -> Behaviour:
        return on_malformed(make(b.parse_key))(b)

    return apply


def _odd_rsa_size(body: str) -> keys.PublicKey | None:
    """IKP-K5: plain RSA keys below 1024 or above 4096 bits are accepted."""
    line = one_line(body)
    if line is None or line[0] != "ssh-rsa":
        return None
    try:
        r = keys._Reader(line[1])
        r.text()
        e, n = r.mpint(), r.mpint()
        r.done()
    except keys.MalformedKey:
        return None
    if min(contract.RSA_KEY_SIZES) <= n.bit_length() <= max(contract.RSA_KEY_SIZES):
        return None
    if e < 3 or e % 2 == 0 or e >= n or e.bit_length() > keys.RSA_MAX_EXPONENT_BITS:
        return None
    return accepted_as_is("ssh-rsa", line[1])


def _validity_checked(body: str, inner: Callable[[str], keys.PublicKey]) -> keys.PublicKey:
    """IKP-K5: a certificate outside its validity window is Malformed."""
    key = inner(body)
    if key.is_certificate:
        after, before, _ = keys.certificate_window_and_ca(key.blob)
        if not after <= time.time() < before:
            raise keys.MalformedKey("certificate not valid now")
    return key


def _whole_blob_fingerprint(body: str, inner: Callable[[str], keys.PublicKey]) -> keys.PublicKey:
    """IKP-R2: a certificate's fingerprint is MD5 over the whole certificate blob."""
    key = inner(body)
    if key.is_certificate:
        return dataclasses.replace(key, fingerprint=keys.md5_fingerprint(key.blob))
    return key


# -- tags ----------------------------------------------------------------------------------------


def _duplicates_kept(params: Mapping[str, str], inner: Callable[[Mapping[str, str]], tags.Tags]) -> tags.Tags:
    """IKP-TG3: the same key twice is accepted; later occurrences are checked like the first
    (they are the same text) and kept as sent."""
    checked = dict(params)
    seen: set[str] = set()
    order: list[int] = []
    for name in sorted(params):
        if name.startswith("Tag.") and name.endswith(".Key") and name[4:-4].isdigit():
            order.append(int(name[4:-4]))
    for n in sorted(order):
        key = params[f"Tag.{n}.Key"]
        if key in seen:
            checked[f"Tag.{n}.Key"] = f"dup{n}"
        seen.add(key)
    result = inner(checked)
    if len(result) != len(order):
        return result
    return tuple((params[f"Tag.{n}.Key"], params.get(f"Tag.{n}.Value", "")) for n in sorted(order))


_TAG_CODES = (
    contract.INVALID_TAG_KEY.code,
    contract.INVALID_TAG_VALUE.code,
    contract.INVALID_TAG_COUNT.code,
    contract.DUPLICATE_TAG_KEY.code,
)


def _access_key_not_found_400(b: Behaviour) -> Behaviour:
    """IKP-X3: InvalidAccessKeyId.NotFound answered with 400 (ECS tables disagree)."""
    status = contract.SIGNATURE_DOES_NOT_MATCH.status

    def adjust(error: errors.ApiError) -> errors.ApiError:
        if error.code != contract.ACCESS_KEY_NOT_FOUND.code:
            return error
        return Recast(contract.ACCESS_KEY_NOT_FOUND, error.message, status)

    return dataclasses.replace(b, adjust_error=chain_errors(b.adjust_error, adjust))


# -- the catalogue -------------------------------------------------------------------------------

VARIANT_LIST: tuple[Variant, ...] = (
    Variant("format-absent-json", "IKP-T2", "no Format: JSON bodies (PROFILE.md: XML)",
            lambda b: dataclasses.replace(b, default_format=wire.FORMAT_JSON)),
    Variant("cert-fingerprint-whole-blob", "IKP-R2", "a certificate's fingerprint is MD5 of the whole blob",
            key_rule(_whole_blob_fingerprint)),
    Variant("empty-name-malformed", "IKP-N1", "an empty KeyPairName is InvalidKeyPairName.Malformed",
            prepare(_empty_name_malformed)),
    Variant("names-unicode-and-dot", "IKP-N5", "non-ASCII letters and '.' are accepted in names",
            name_rule(_unicode_letters_and_dot)),
    Variant("names-case-insensitive", "IKP-N7", "names differing only in case are duplicates",
            use_store(lambda state: _CaseInsensitiveStore(state))),
    Variant("names-global", "IKP-N7", "names are unique across regions",
            use_store(lambda state: _GlobalNamesStore(state))),
    Variant("key-encodings-rejected", "IKP-K4", "RFC 4716 and PEM bodies are Malformed",
            key_rule(_encodings_rejected)),
    Variant("key-whitespace-strict", "IKP-K5", "outer whitespace, CR/LF, tabs between fields: Malformed",
            key_rule(_whitespace_strict)),
    Variant("key-options-prefix-accepted", "IKP-K5", "an authorized_keys options prefix is skipped",
            _with_inner(_options_prefix)),
    Variant("key-two-keys-first-taken", "IKP-K5", "of two keys in one body the first is imported",
            _with_inner(_first_of_two)),
    Variant("rsa-odd-sizes-accepted", "IKP-K5", "RSA keys below 1024 or above 4096 bits are accepted",
            on_malformed(_odd_rsa_size)),
    Variant("cert-validity-checked", "IKP-K5", "certificates outside their validity window are Malformed",
            key_rule(_validity_checked)),
    Variant("region-unknown-invalid-parameter", "IKP-G2", "an unknown RegionId is 400 InvalidParameter",
            prepare(_unknown_region_invalid_parameter)),
    Variant("tag-errors-invalid-parameter", "IKP-TG2", "every tag error is 400 InvalidParameter",
            recode(_TAG_CODES, contract.INVALID_PARAMETER, "Tag")),
    Variant("tag-value-acs-accepted", "IKP-TG3", "tag values starting acs: are accepted (current docs)",
            tolerate_tags(lambda part, t: part == "Value" and t.startswith(
                contract.TAG_VALUE_FORBIDDEN_PREFIXES_SEED), lambda part, t, n: "x" + t[1:])),
    Variant("tag-duplicate-key-accepted", "IKP-TG3", "the same tag key twice is accepted",
            tag_rule(_duplicates_kept)),
    Variant("access-key-not-found-400", "IKP-X3", "InvalidAccessKeyId.NotFound with HTTP 400",
            _access_key_not_found_400),
)  # fmt: skip

VARIANTS: dict[str, Variant] = {variant.name: variant for variant in VARIANT_LIST}


def apply_variant(name: str, behaviour: Behaviour) -> Behaviour:
    """``behaviour`` with the named reading (``ValueError`` for an unknown name)."""
    return named(VARIANTS, name, "variant").apply(behaviour)


def describe_variants() -> list[str]:
    """One line per variant: name, the Profile point it reads differently, what it does."""
    return listing(((v.name, v.reading, v.description) for v in VARIANT_LIST), 8)
