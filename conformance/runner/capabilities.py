"""What the target supports beyond ImportKeyPair (``Capabilities``) and how the session finds
out, once, before any test (``probe_capabilities``): DescribeKeyPairs answers with a
TotalCount, DeleteKeyPairs answers 200 (a probe name under the run prefix)."""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance import contract
from conformance.oracle.model import TargetModel
from conformance.runner.listing import total_count
from conformance.target import Target


@dataclass
class Capabilities:
    """What the target supports beyond ImportKeyPair (probed once per session)."""

    describe: bool = False
    delete: bool = False
    signatures_checked: bool | None = None  # None: unknown (no credentials to test with)
    notes: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, bool]:
        return {
            contract.ACTION_DESCRIBE: self.describe,
            contract.ACTION_DELETE: self.delete,
            "signature checks": bool(self.signatures_checked),
        }


def probe_capabilities(
    caps: Capabilities, target: Target, model: TargetModel, *, regions: tuple[str, str], prefix: str
) -> None:
    """Fill ``caps``: which Extended operations the target answers; tell ``model`` what is
    already in each of ``regions`` (the session's region first)."""
    for region in regions:
        count = total_count(target, region)
        if count is not None:
            caps.describe = True
            model.preexisting(region, count)
    probe = target.delete_key_pairs(regions[0], [f"{prefix}probe"])
    caps.delete = probe.status == 200
    if not caps.delete:
        caps.notes[contract.ACTION_DELETE] = f"answered {probe.status} {probe.field('Code') or ''}".strip()
    if not caps.describe:
        caps.notes[contract.ACTION_DESCRIBE] = "no TotalCount in DescribeKeyPairs"
