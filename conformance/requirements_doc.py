"""The requirements document, rendered from the contract as data (``contract.py``).

This module owns the prose that frames the requirements (what the tiers mean, how ambiguous
points are judged, the soundness rule, what the suite promises) and the Markdown rendering of
``contract.REQUIREMENTS`` and the error table. The product carries its own contract: the
rendered file ships inside the package (``conformance/docs/requirements.md``, package data),
and a test fails when it no longer matches what this module renders.

    python -m conformance.requirements_doc            # print the document
    python -m conformance.requirements_doc --write    # rewrite the shipped file
    python -m conformance.requirements_doc --check    # exit 1 if the shipped file is stale
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from conformance import contract, observed
from conformance.contract import Requirement, Tier

#: Where the rendered document lives in the source tree and in an installed package.
DOC_RELATIVE_PATH = "docs/requirements.md"
SHIPPED_PATH = Path(__file__).resolve().parent / DOC_RELATIVE_PATH
GENERATE_COMMAND = "python -m conformance.requirements_doc --write"

TITLE = f"ImportKeyPair requirements (ECS API {contract.API_VERSION})"

INTRO = (
    "This is the suite's reading of the ImportKeyPair documentation: every requirement it "
    "checks, with an ID, a tier, and the documentation sentence it rests on. Every check in "
    "the suite, every line of the report and every deviation of the bundled reference server "
    "names its requirement by these IDs (`IKP-…`)."
)

#: What each tier means for the verdict.
TIER_MEANING: dict[Tier, str] = {
    Tier.CORE: (
        "the documentation says it. A target is *conformant* only if every Core requirement "
        "was exercised and passed."
    ),
    Tier.EXTENDED: (
        "needs more than ImportKeyPair (DescribeKeyPairs, DeleteKeyPairs, request signatures). "
        "Checked when the target supports it; a target that does not is reported UNSUPPORTED "
        "for these, never failed."
    ),
    Tier.PROFILE: (
        "an ambiguous point. Never pass or fail: the report records which reading the target "
        "chose (its *behaviour profile*)."
    ),
}

AMBIGUITY = (
    "Where the documentation is silent or contradicts itself, the requirement is ambiguous and "
    "its tier is Profile: several outcomes are acceptable, the suite accepts every reasonable "
    "reading, never fails a target for choosing one, and records which one it chose. A rule "
    "that a later revision of the official documentation relaxed is ambiguous too, and so is a "
    "point where the real service was observed answering otherwise than the documentation on "
    "strong evidence: a mock that follows the current documentation, or copies real ECS, is "
    "not failed for it."
)

OUTCOMES = (
    "The outcome of a request is its HTTP status and `Code` (errors), or HTTP 200 and the body "
    "(success). When several errors apply to one request (say a bad name and a bad key), the "
    "documentation gives no order, so any one of the applicable errors is correct: the suite "
    "computes the set of acceptable outcomes of each request, and the response must fall in "
    "that set."
)

SOUNDNESS = (
    "A suite that fails a legal target is worse than one that misses a "
    "fault. So every case the suite calls *invalid* is invalid under every legal reading, and "
    "every case it calls *valid* is valid under every legal reading. In particular the Core key "
    "rejections (IKP-K3) are structural only: what a parser of the SSH wire format sees without "
    "judging the numbers inside (strict base64, the type word, the field layout, nothing left "
    "over, the ECDSA curve name, the point on the curve). Numeric properties of key parameters "
    "and certificate semantics (CA signature, validity window, which CA key types a v00 "
    "certificate may use) are Profile points (IKP-K5): a strict server and a lenient server "
    "are both legal. A valid key the suite sends is a genuine key: an RSA modulus is a product "
    "of two primes of the stated size, and every valid key passes OpenSSL's public-key check."
)

#: What the suite itself promises, whatever the target does.
PROMISES = (
    "It only sends ImportKeyPair, DescribeKeyPairs and DeleteKeyPairs; it never touches a key "
    "pair it did not create (every name it creates carries a per-run prefix, and it deletes only "
    "names it recorded), and it cleans up after itself, also after a failure or an interrupt.",
    "What is not a verdict on the contract (connection refused, a timeout, a `Code` containing "
    "`Throttling` or equal to `ServiceUnavailable`, whatever its HTTP status, after bounded "
    "retries; a bug in the suite) is an ERROR in the report, never a PASS, and never retried "
    "forever.",
    "A run is reproducible: the same seed, profile and target behaviour give the same requests "
    "(apart from signatures, nonces, timestamps and the per-run name prefix), so a failure can "
    "be replayed and shrinks to a minimal example.",
    "A body that cannot be parsed, or lacks a required field, is a verdict: FAIL.",
    "A target that answers 200 to everything, or errors to everything, can never come out conformant.",
)

#: Section title of each requirement group, in document order.
GROUP_TITLES: dict[str, str] = {
    "transport": "Transport",
    "response": "Success response",
    "names": "KeyPairName",
    "keys": "PublicKeyBody",
    "regions": "RegionId and ResourceGroupId",
    "tags": "Tags (Tag.N.Key / Tag.N.Value)",
    "state": "State",
    "extended": "Extended (when the target supports them)",
}

_MARKDOWN_SPECIALS = str.maketrans({c: "\\" + c for c in "\\`*_<["})


def _escape(text: str) -> str:
    """``text`` as literal Markdown: no emphasis, code spans, HTML tags or links from it."""
    return text.translate(_MARKDOWN_SPECIALS)


READINGS = (
    "The suite judges by one of two readings (`--reading`, env `IKP_READING`). **documented** "
    "(the default) is this document as written. **observed** also accepts what real ECS was "
    "observed doing where the evidence is strong (confidence High; the evidence, with its "
    "public sources, ships as data in `conformance/observed.py`); each relaxation names its evidence, "
    "and the report lists the relaxations a run applied. Under the documented reading, each "
    'failure that real ECS is known to share is annotated with its evidence ("real ECS was '
    'observed accepting this too"). Evidence that needs no relaxation (what real ECS does is '
    "already legal here) or is too weak to relax a rule is shown under its requirement too."
)


def _evidence(evidence: observed.Evidence) -> list[str]:
    sources = "; ".join(f"{s.tag}: {s.shows} ({s.where})" for s in evidence.sources)
    return [
        f"> Observed on real ECS, {evidence.id} ({evidence.confidence.value}; {evidence.treatment.value}): "
        f"{_escape(evidence.finding)} {_escape(evidence.note)}",
        ">",
        f"> Evidence: {_escape(sources)}",
        "",
    ]


def _requirement(req: Requirement) -> list[str]:
    lines = [
        f"### {req.id} ({req.tier.value})",
        "",
        _escape(req.text),
        "",
        f"> Documentation: “{_escape(req.quote)}”",
        "",
    ]
    for evidence in observed.evidence_for(req.id):
        lines += _evidence(evidence)
    return lines


def _error_table(rows: Iterable[contract.ErrorRow]) -> list[str]:
    lines = ["| HTTP status | Code | Message |", "|---|---|---|"]
    for row in rows:
        message = _escape(row.message).replace("|", "\\|")
        lines.append(f"| {row.status} | `{row.code}` | {message} |")
    return lines


def render() -> str:
    """The whole requirements document, as Markdown (ends with one newline)."""
    by_group: dict[str, list[Requirement]] = {}
    for req in contract.REQUIREMENTS:
        if req.group not in GROUP_TITLES:
            raise KeyError(f"{req.id}: group {req.group!r} has no title in GROUP_TITLES")
        by_group.setdefault(req.group, []).append(req)

    lines = [
        f"# {TITLE}",
        "",
        f"*Generated from `conformance/contract.py` by `{GENERATE_COMMAND}`; do not edit by hand.*",
        "",
        INTRO,
        "",
        "## Tiers",
        "",
        *(f"- **{tier.value}**: {TIER_MEANING[tier]}" for tier in Tier),
        "",
        "## Ambiguous points",
        "",
        AMBIGUITY,
        "",
        "## Outcome of a request",
        "",
        OUTCOMES,
        "",
        "## Soundness comes first",
        "",
        SOUNDNESS,
        "",
        "## Documented and observed readings",
        "",
        READINGS,
        "",
        "## Requirements",
        "",
        "| ID | Tier | Group |",
        "|---|---|---|",
        *(f"| {r.id} | {r.tier.value} | {GROUP_TITLES[r.group]} |" for r in contract.REQUIREMENTS),
        "",
    ]
    for group, title in GROUP_TITLES.items():
        if group not in by_group:
            continue
        lines += [f"## {title}", ""]
        for req in by_group[group]:
            lines += _requirement(req)
    lines += [
        "## What the suite itself promises",
        "",
        *(f"- {promise}" for promise in PROMISES),
        "",
        "## Error codes",
        "",
        "The ImportKeyPair error table:",
        "",
        *_error_table(contract.IMPORT_ERROR_TABLE),
        "",
        "Codes from the surrounding API that the suite and the reference server use (where a "
        "requirement accepts any 4xx error with a `Code`, these are the reference server's "
        "choices, not the only legal ones):",
        "",
        *_error_table(r for r in contract.ERRORS_BY_CODE.values() if r not in contract.IMPORT_ERROR_TABLE),
        "",
    ]
    return "\n".join(lines)


def shipped() -> str:
    """The document as shipped with the package (works from a checkout and an installed wheel)."""
    return resources.files("conformance").joinpath(DOC_RELATIVE_PATH).read_text(encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.requirements_doc", description=__doc__)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help=f"rewrite {SHIPPED_PATH}")
    action.add_argument("--check", action="store_true", help="exit 1 if the shipped document is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.write:
        SHIPPED_PATH.parent.mkdir(parents=True, exist_ok=True)
        SHIPPED_PATH.write_text(text, encoding="utf-8")
    elif args.check:
        if shipped() != text:
            print(f"{SHIPPED_PATH} is out of date: run {GENERATE_COMMAND}", file=sys.stderr)
            return 1
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
