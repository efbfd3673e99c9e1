"""The key pair lifecycle as a Hypothesis state machine (IKP-N6, IKP-N7, IKP-S2, IKP-X1,
IKP-X2): import, rejected import of each kind, duplicate import, import in the other region,
DescribeKeyPairs, delete and re-import across two regions.

``lifecycle_machine(suite)`` builds the machine class for one session (the suite is closed
over, never set on a shared class). The names imported go to the ``imported`` bundle as
(region, name); rules that need a target feature say so with ``@precondition``. Every answer
is judged against the suite's model, which carries the history; DescribeKeyPairs must show
each stored key pair as it was imported whatever was refused or imported elsewhere since, and
the ``listed_names_match_the_model`` invariant checks after every step that DescribeKeyPairs
lists exactly the model's names under this run's prefix in each region. ``teardown`` deletes
what the example created, so examples do not depend on each other.
"""

from __future__ import annotations

from collections.abc import Mapping

from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    multiple,
    precondition,
    rule,
)

from conformance import contract, oracle
from conformance.runner.session import Suite
from conformance.runner.simple import simple_case
from conformance.runner.stored import import_stored, reject, unchanged
from conformance.target import list_at
from strategies import cases
from strategies.rejections import REJECTION_KINDS, rejected_import, rejection_parts

Pair = tuple[str, str]  # (region, name)


def listed_matches_model(suite: Suite, region: str) -> None:
    """DescribeKeyPairs of ``region`` (one page of the maximum size, no name filter) lists
    every name under this run's prefix that the model knows stored, and no name under the
    prefix the model knows absent (an uncertain import, whose answer was lost, may be either).

    A stored name missing fails IKP-X1; a name listed that is not stored fails IKP-X2 if this
    run deleted it (``Suite.deleted_pairs``: an earlier step, example or cleanup), IKP-S2
    otherwise (only refused imports and deletes leave a name of ours absent). When the page
    cannot hold the whole region only the second half is checked; an answer other than 200 is
    judged by the other Describe checks, not here."""
    page = contract.DESCRIBE_PAGE_SIZE_MAX
    listing = suite.describe(region, PageSize=str(page))
    if listing.status != 200 or listing.is_error:
        return
    items = list_at(listing.parsed.document, "KeyPairs", "KeyPair")
    listed = {str(kp.get("KeyPairName")) for kp in items if isinstance(kp, Mapping)}
    listed = {n for n in listed if n.startswith(suite.prefix)}
    stored = {n for n in suite.model.names(region) if n.startswith(suite.prefix)}
    possible = stored | {n for r, n in suite.model.created() if r == region}
    total = listing.field("TotalCount")
    whole = len(items) < page and (not total or not total.isdigit() or int(total) <= len(items))
    for name in sorted(stored - listed) if whole else ():
        suite.fail(
            "IKP-X1", f"DescribeKeyPairs in {region} does not list {name!r}, which is stored", None, listing
        )
    for name in sorted(listed - possible):
        req = "IKP-X2" if (region, name) in suite.deleted_pairs else "IKP-S2"
        why = "deleted" if req == "IKP-X2" else "never stored (refused or deleted)"
        suite.fail(req, f"DescribeKeyPairs in {region} lists {name!r}, {why}", None, listing)
    suite.passed("IKP-X1", None, listing)


def lifecycle_machine(suite: Suite) -> type[RuleBasedStateMachine]:
    """The lifecycle state machine class for ``suite`` (see the module docstring)."""
    regions = (suite.region, suite.other_region)

    class KeyPairLifecycle(RuleBasedStateMachine):
        """Import, rejected import of each kind, duplicate import, import in the other
        region, DescribeKeyPairs, delete and re-import across two regions."""

        imported = Bundle("imported")

        def __init__(self) -> None:
            super().__init__()
            self.stored: dict[Pair, oracle.ExpectedKeyPair] = {}
            self.before = frozenset(suite.model.created())  # what earlier examples and tests left

        @rule(target=imported, region=st.sampled_from((0, 1)), data=st.data())
        def import_new(self, region: int, data: st.DataObject) -> Pair:
            where = regions[region]
            case = data.draw(suite.valid_cases(), label="case")
            if where != suite.region:
                case = cases.recombine(case, cases.region_part(where), without=(cases.REGION_PARAM,))
            stored = import_stored(suite, case)
            self.stored[(where, stored.name)] = stored
            return (where, stored.name)

        @rule(pair=imported, data=st.data())
        def reject_existing(self, pair: Pair, data: st.DataObject) -> None:
            """A rejected import of a drawn kind (``strategies.rejections``) of a stored name."""
            region, name = pair
            kind = data.draw(st.sampled_from(REJECTION_KINDS), label="kind")
            part = data.draw(rejection_parts(kind, suite.known_resource_group), label=kind)
            base = data.draw(suite.valid_cases(), label="other")
            bad = rejected_import(base, name, region, kind, part, suite.prefix)
            reject(suite, self.stored[pair], region, kind, bad)

        @rule(pair=imported)
        def import_duplicate(self, pair: Pair) -> None:
            reject(suite, self.stored[pair], pair[0], "duplicate", simple_case(pair[1], pair[0]))

        @rule(pair=imported)
        def import_in_the_other_region(self, pair: Pair) -> None:
            """The same name in the other region: accepted or KeyPair.AlreadyExist (IKP-N7);
            the stored key pair is unchanged under either reading."""
            other = regions[1] if pair[0] == regions[0] else regions[0]
            suite.expect(simple_case(pair[1], other), fresh=False)
            unchanged(suite, pair[0], self.stored[pair], after="the same name in another region")

        @rule(pair=imported)
        def describe(self, pair: Pair) -> None:
            unchanged(suite, pair[0], self.stored[pair], after="the run so far")

        @precondition(lambda self: suite.capabilities.delete)
        @rule(target=imported, pair=consumes(imported))
        def delete_and_reimport(self, pair: Pair) -> object:
            """Delete a stored name and import it again with another key (IKP-X2); the new
            key pair is the one Describe must show from then on."""
            suite.delete_checked(pair[0], [pair[1]])
            case = simple_case(pair[1], pair[0])
            exchange = suite.expect(case, fresh=False)
            del self.stored[pair]
            if exchange.is_error:  # KeyPair.AlreadyExist where the name lives in the other region (IKP-N7)
                return multiple()
            self.stored[pair] = oracle.ExpectedKeyPair.imported_by(case, exchange)
            unchanged(suite, pair[0], self.stored[pair])
            return pair

        @precondition(lambda self: suite.capabilities.describe and not suite.gone)
        @invariant()
        def listed_names_match_the_model(self) -> None:
            for region in regions:
                listed_matches_model(suite, region)

        def teardown(self) -> None:
            """Delete what this example created (nothing against a target without delete)."""
            suite.delete_all(pair for pair in suite.model.created() if pair not in self.before)

    return KeyPairLifecycle
