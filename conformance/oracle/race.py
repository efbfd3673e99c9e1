"""The race judgement (IKP-S3): one batch of ImportKeyPair requests sent concurrently.

``judge_race`` judges the batch as a whole (how many won, per name and in all, and what the
others got); each exchange's own shape is ``judge_import``'s job, with the outcomes of
``TargetModel.race``. ``conformance/requirements/test_state.py`` runs both.
"""

from __future__ import annotations

from collections.abc import Sequence

from conformance import contract
from conformance.exchange import Exchange
from conformance.oracle.judgement import S3, Judgement, got_label, is_error_body, not_a_verdict, text
from conformance.verdict import Verdict


def judge_race(exchanges: Sequence[Exchange], names: Sequence[str], *, room: int) -> Verdict:
    """IKP-S3 over one batch of ImportKeyPair requests sent concurrently into one region.

    ``names[i]`` is the new name request ``i`` imports (several racers may share one);
    ``room`` the free quota slots the model counted before the batch. Exactly what the
    contract says, and nothing looser:

    - at most one success per name, and exactly ``min(distinct names, room)`` successes in
      all (never more than the free slots, no refusal while a slot is free);
    - a racer whose name another racer won gets ``KeyPair.AlreadyExist`` (or
      ``QuotaExceed.KeyPair`` when the winners filled the region: both errors then apply);
    - a racer whose name nobody won gets ``QuotaExceed.KeyPair`` (the region was full).

    Each exchange's own shape is ``judge_import``'s job (with the outcomes of
    ``TargetModel.race``); any exchange without a verdict makes this ERROR.
    """
    if len(names) != len(exchanges):
        raise ValueError(f"{len(exchanges)} exchanges but {len(names)} names")
    for exchange in exchanges:
        stop = not_a_verdict(exchange, (S3,))
        if stop is not None:
            return stop
    j = Judgement([S3])
    won = [not is_error_body(e) and e.parsed.syntax is not None for e in exchanges]
    winners: dict[str, int] = {}
    for name, win in zip(names, won, strict=True):
        winners[name] = winners.get(name, 0) + int(win)
    distinct = len(winners)
    want = min(distinct, max(room, 0))
    total = sum(won)
    what = (
        f"{len(exchanges)} concurrent imports of one new name"
        if distinct == 1
        else f"{len(exchanges)} concurrent imports of {distinct} new names with {room} free slot(s)"
    )
    doubles = sorted(n for n, count in winners.items() if count > 1)
    if doubles:
        j.fail(S3, f"{what}: {', '.join(repr(n) for n in doubles)} imported more than once")
    if total != want:
        j.fail(S3, f"{what}: {total} succeeded, expected exactly {want}")
    exists = (contract.KEY_PAIR_ALREADY_EXISTS.status, contract.KEY_PAIR_ALREADY_EXISTS.code)
    full = (contract.QUOTA_EXCEEDED.status, contract.QUOTA_EXCEEDED.code)
    wrong: set[str] = set()
    for exchange, name, win in zip(exchanges, names, won, strict=True):
        if win:
            continue
        answer = (exchange.status, text(exchange.field("Code")))
        # Another racer took the name (and maybe the last slot), or the region was full.
        acceptable = ({exists, full} if total >= room else {exists}) if winners[name] else {full}
        if answer not in acceptable:
            label = " or ".join(f"{s} {c}" for s, c in sorted(acceptable))
            wrong.add(f"{got_label(exchange, True)} where {label} applies")
    if wrong:
        j.fail(S3, f"{what}: the others got {'; '.join(sorted(wrong))}")
    return j.verdict()
