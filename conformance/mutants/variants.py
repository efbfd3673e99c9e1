"""Legal variants: the other reading of each Profile point of the contract (issue 7).

``python -m conformance.reference --variant NAME`` (or ``start_server(variant=NAME)``) starts
the reference server with one reading that differs from ``PROFILE.md``'s, but that the
contract allows (a Profile point, or an undocumented code where any 4xx is correct). The suite
must certify every variant as conformant: a variant it fails is a soundness bug in the suite.
Each is a small override of ``actions.Behaviour``, built from the ``combinators`` the faults use.

Two more sit at the extremes (issue 11), each composed from the single-point variants and a few
blocks of their own, every Profile point read one way at once:

- ``lenient``: the most permissive legal server: keys checked for structure only
  (``structural``: any RSA or DSA numbers, non-minimal mpints, no CA signature or validity
  check, v00 certificates with any CA), RFC 4716 and PEM, surrounding whitespace, an options
  prefix, two keys (the first is taken), Unicode letters and '.' in names, ``acs:`` tag values
  and repeated tag keys, names distinct by case and per region, colon-less fingerprints (the
  whole blob's for a certificate), JSON when Format is absent, extra success fields (a
  ``Code`` among them), a contradicting Content-Type now and then, the account's default group
  and a system tag in DescribeKeyPairs, and throttling answers now and then (``latitude``).
- ``strict``: the strictest legal server: real keys only (``realkeys``: RSA 1024..4096 with no
  small factors, DSA 1024/160 with its group relations, v00 certificates only from RSA or DSA
  CAs), CA signatures and validity windows checked, minimal mpints, only the one-line OpenSSH
  form with no surrounding whitespace, no options prefix, one key, ASCII names without '.',
  repeated tag keys and ``acs:`` tag values rejected, names unique across regions and case,
  colon fingerprints, XML when Format is absent.

Over 400 lines because every legal reading sits next to the reason it is legal, in one
catalogue that the soundness benchmark walks; the shared parts come from ``combinators``.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from conformance import contract
from conformance.mutants import latitude, realkeys, structural
from conformance.mutants.catalogue import listing, named
from conformance.mutants.combinators import (
    Apply,
    Recast,
    accepted_as_is,
    chain_errors,
    key_rule,
    name_rule,
    on_malformed,
    one_line,
    prepare,
    recode,
    tag_rule,
    tolerate_tags,
    use_store,
)
from conformance.reference import errors, keys, tags, wire
from conformance.reference.actions import Behaviour, Config
from conformance.reference.store import KeyPair, KeyPairStore


@dataclass(frozen=True)
class Variant:
    """One other legal reading: its name, the Profile point(s) (requirement IDs) whose latitude
    it uses, how it is applied."""

    name: str
    readings: tuple[str, ...]
    description: str
    apply: Apply

    @property
    def single(self) -> bool:
        """One Profile point read differently (not one of the extremes)."""
        return len(self.readings) == 1


# -- names ---------------------------------------------------------------------------------------


def _unicode_letters_and_dot(name: str, inner: Callable[[str], str]) -> str:
    """IKP-N5, current docs: Unicode letters anywhere (also first) and '.' after the first."""
    mapped = "".join("a" if not c.isascii() and c.isalpha() else c for c in name)
    inner(mapped[:1] + mapped[1:].replace(".", "a"))
    return name


class _UniqueNamesStore(KeyPairStore):
    """IKP-N7's other readings: names differing only in case are the same name (also for
    deletion), and/or a name is unique across all regions ("globally unique")."""

    def __init__(self, state_file: str | None = None, *, fold_case: bool, everywhere: bool) -> None:
        super().__init__(state_file)
        self._fold: Callable[[str], str] = str.lower if fold_case else str
        self._everywhere = everywhere
        self._names_lock = threading.Lock()

    def add(self, kp: KeyPair) -> None:
        with self._names_lock:
            others = self.all() if self._everywhere else self.pairs_in(kp.region)
            folded = self._fold(kp.name)
            if any(self._fold(other.name) == folded for other in others):
                raise errors.KeyPairAlreadyExists()
            super().add(kp)

    def delete(self, region: str, names: Iterable[str]) -> int:
        wanted = {self._fold(n) for n in names}
        return super().delete(
            region, [kp.name for kp in self.pairs_in(region) if self._fold(kp.name) in wanted]
        )


def unique_names(*, fold_case: bool = False, everywhere: bool = False) -> Apply:
    return use_store(lambda state: _UniqueNamesStore(state, fold_case=fold_case, everywhere=everywhere))


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
        if fields and fields[0] in contract.DOCUMENTED_KEY_TYPES:
            return None  # a key first: no options prefix (a second key is not one either)
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


def _colonless_fingerprint(body: str, inner: Callable[[str], keys.PublicKey]) -> keys.PublicKey:
    """IKP-R2, observed on real ECS: the 32 hex digits without ':'."""
    key = inner(body)
    return dataclasses.replace(key, fingerprint=key.fingerprint.replace(":", ""))


# -- the catalogue -------------------------------------------------------------------------------


def _one(name: str, reading: str, description: str, apply: Apply) -> Variant:
    return Variant(name, (reading,), description, apply)


SINGLE_VARIANTS: tuple[Variant, ...] = (
    _one("format-absent-json", "IKP-T2", "no Format: JSON bodies (PROFILE.md: XML)",
            lambda b: dataclasses.replace(b, default_format=wire.FORMAT_JSON)),
    _one("cert-fingerprint-whole-blob", "IKP-R2", "a certificate's fingerprint is MD5 of the whole blob",
            key_rule(_whole_blob_fingerprint)),
    _one("fingerprint-no-colons", "IKP-R2", "fingerprints as 32 hex digits without ':' (real ECS)",
            key_rule(_colonless_fingerprint)),
    _one("empty-name-malformed", "IKP-N1", "an empty KeyPairName is InvalidKeyPairName.Malformed",
            prepare(_empty_name_malformed)),
    _one("names-unicode-and-dot", "IKP-N5", "non-ASCII letters and '.' are accepted in names",
            name_rule(_unicode_letters_and_dot)),
    _one("names-case-insensitive", "IKP-N7", "names differing only in case are duplicates",
            unique_names(fold_case=True)),
    _one("names-global", "IKP-N7", "names are unique across regions",
            unique_names(everywhere=True)),
    _one("key-encodings-rejected", "IKP-K4", "RFC 4716 and PEM bodies are Malformed",
            key_rule(_encodings_rejected)),
    _one("key-whitespace-strict", "IKP-K5", "outer whitespace, CR/LF, tabs between fields: Malformed",
            key_rule(_whitespace_strict)),
    _one("key-options-prefix-accepted", "IKP-K5", "an authorized_keys options prefix is skipped",
            _with_inner(_options_prefix)),
    _one("key-two-keys-first-taken", "IKP-K5", "of two keys in one body the first is imported",
            _with_inner(_first_of_two)),
    _one("rsa-odd-sizes-accepted", "IKP-K5", "RSA keys below 1024 or above 4096 bits are accepted",
            on_malformed(_odd_rsa_size)),
    _one("cert-validity-checked", "IKP-K5", "certificates outside their validity window are Malformed",
            key_rule(_validity_checked)),
    _one("region-unknown-invalid-parameter", "IKP-G2", "an unknown RegionId is 400 InvalidParameter",
            prepare(_unknown_region_invalid_parameter)),
    _one("tag-errors-invalid-parameter", "IKP-TG2", "every tag error is 400 InvalidParameter",
            recode(_TAG_CODES, contract.INVALID_PARAMETER, "Tag")),
    _one("tag-value-acs-accepted", "IKP-TG3", "tag values starting acs: are accepted (current docs)",
            tolerate_tags(lambda part, t: part == "Value" and t.startswith(
                contract.TAG_VALUE_FORBIDDEN_PREFIXES_SEED), lambda part, t, n: "x" + t[1:])),
    _one("tag-duplicate-key-accepted", "IKP-TG3", "the same tag key twice is accepted",
            tag_rule(_duplicates_kept)),
    _one("access-key-not-found-400", "IKP-X3", "InvalidAccessKeyId.NotFound with HTTP 400",
            _access_key_not_found_400),
)  # fmt: skip

_SINGLE = {variant.name: variant for variant in SINGLE_VARIANTS}


def _compose(*steps: Apply | str) -> Apply:
    """The steps applied in order; a string is the single-point variant of that name."""
    applies = [_SINGLE[step].apply if isinstance(step, str) else step for step in steps]

    def apply(b: Behaviour) -> Behaviour:
        for step in applies:
            b = step(b)
        return b

    return apply


def _structural_keys(b: Behaviour) -> Behaviour:
    """IKP-K3/K5: the lenient key reader (structure only) in every text form of ``keys``."""
    return dataclasses.replace(b, parse_key=lambda body: keys.parse_text(body, structural.read_blob))


def _real_keys(body: str, inner: KeyParser) -> keys.PublicKey:
    """IKP-K5, strict: the numbers of a real key (``realkeys``)."""
    return realkeys.check_key(inner(body))


# Every this many requests the lenient server throttles one (never the same request twice), and
# every this many responses it sends a contradicting Content-Type.
LENIENT_THROTTLE_EVERY = 53
LENIENT_CONTENT_TYPE_EVERY = 11

_PROFILE_IDS = tuple(r.id for r in contract.REQUIREMENTS if r.tier is contract.Tier.PROFILE)

EXTREME_VARIANTS: tuple[Variant, ...] = (
    Variant("lenient", tuple(dict.fromkeys(("IKP-T2", "IKP-R1", "IKP-R2", *_PROFILE_IDS, "IKP-X1"))),
            "every Profile point at its most permissive legal reading at once", _compose(
                _structural_keys,  # first: the key blocks below wrap it
                "key-two-keys-first-taken",
                "key-options-prefix-accepted",
                "cert-fingerprint-whole-blob",
                "fingerprint-no-colons",
                "names-unicode-and-dot",
                "tag-value-acs-accepted",
                "tag-duplicate-key-accepted",
                "format-absent-json",
                latitude.extra_success_fields,
                latitude.contradicting_content_types(LENIENT_CONTENT_TYPE_EVERY),
                latitude.account_default_group,
                latitude.throttling(LENIENT_THROTTLE_EVERY),
            )),
    Variant("strict", tuple(dict.fromkeys(("IKP-T2", "IKP-R2", *_PROFILE_IDS))),
            "every Profile point at its strictest legal reading at once", _compose(
                "key-encodings-rejected",
                "key-whitespace-strict",
                "cert-validity-checked",
                key_rule(_real_keys),
                unique_names(fold_case=True, everywhere=True),
            )),
)  # fmt: skip

VARIANT_LIST: tuple[Variant, ...] = SINGLE_VARIANTS + EXTREME_VARIANTS
VARIANTS: dict[str, Variant] = {variant.name: variant for variant in VARIANT_LIST}


def apply_variant(name: str, behaviour: Behaviour) -> Behaviour:
    """``behaviour`` with the named reading (``ValueError`` for an unknown name), or as real
    ECS was observed answering (``observed.OBSERVED_VARIANTS``: not legal readings)."""
    from conformance.mutants.observed import OBSERVED_VARIANTS

    return named({**VARIANTS, **OBSERVED_VARIANTS}, name, "variant").apply(behaviour)


def describe_variants() -> list[str]:
    """One line per variant: name, the Profile point it reads differently (``every`` for the
    extremes), what it does."""
    return listing(((v.name, v.readings[0] if v.single else "every", v.description) for v in VARIANT_LIST), 8)
