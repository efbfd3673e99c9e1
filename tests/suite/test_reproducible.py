"""requirements.md, "A run is reproducible" (issue 11): two runs of the conformance suite with one
Hypothesis seed against the reference server send the same requests, apart from the per-run
name prefix, signatures, nonces and timestamps.

Each run gets a fresh reference server behind a ``recording.RecordingProxy``, a fresh working
directory and Hypothesis storage (no example database can replay one run's examples in the
other), no pytest cache, and a different ``PYTHONHASHSEED`` (an order that follows a set of
strings would show). The requests of each test are compared as multisets: the five ways
``Suite.expect_each_way`` sends at once may arrive in any order; tests come in the same order.
A third run of a few tests alone (as a ``-k`` replay of a failure would run them) must send,
for each, what it sent in the larger run: names and keys come from a counter per test.

Not in the slice: ``test_concurrent_imports_at_the_quota_edge``, whose racers at the quota
edge the target may serve in any order (so which names it stored, and the cleanup deleting
them, is the target's behaviour, not the seed's), and the quota tests, for time (a whole
run through this proxy takes minutes; run the module with ``SELECTION`` widened to check).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from conformance import contract
from conformance.reference import start_server

from .recording import RecordingProxy

HERE = Path(__file__).resolve().parent
SEED = 20261201
# A slice that goes through every way the suite makes names and keys: drawn names that
# ``freshen`` rewrites (replays, duplicates, the case-swapped prefix of IKP-N7), the run
# counter of ``unique_name`` with ``simple_case`` keys (boundary rows, the state machine),
# the six-way fan-out, and every transport with signing.
SELECTION = (
    "test_valid_names_are_accepted or test_duplicate_name or test_case_variant_and_other_region"
    " or test_two_character_names_are_accepted"
    " or test_name_boundary_rows or test_tag_boundary_rows or test_region_rows"
    " or test_lifecycle_state_machine or test_delete_frees_the_name"
    " or test_concurrent_imports_of_one_name or test_every_transport_and_format"
    " or test_broken_keys_are_rejected"
)
CREDENTIALS = ("ikpreproducible0001", "not-a-real-secret-only-for-this-loopback-server")


Groups = list[tuple[str, Counter[tuple[object, ...]]]]
# Run alone as a replay would be (``-k``): the middle ones must send what they sent in the run
# of the whole slice (the first also carries the session's probes, the last its final sweep).
REPLAYED = "test_name_boundary_rows or test_region_rows or test_tag_boundary_rows"


def _run(workdir: Path, hash_seed: str, selection: str = SELECTION) -> tuple[str, Groups, int]:
    """One suite run; returns its name prefix, the requests of each test and their total."""
    workdir.mkdir()
    key_id, secret = CREDENTIALS
    with start_server(access_keys={key_id: secret}) as server:
        proxy = RecordingProxy(server.url)
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "IKP_"))}
            env.update(
                ALIBABA_CLOUD_ACCESS_KEY_ID=key_id,
                ALIBABA_CLOUD_ACCESS_KEY_SECRET=secret,
                IKP_RECORDING_URL=proxy.url,
                HYPOTHESIS_STORAGE_DIRECTORY=str(workdir / "hypothesis"),
                PYTHONHASHSEED=hash_seed,
                PYTHONPATH=os.pathsep.join(filter(None, (str(HERE), env.get("PYTHONPATH")))),
            )
            cmd = [
                sys.executable, "-m", "pytest", "--pyargs", "conformance", f"--target={proxy.url}",
                f"--resource-group={contract.DEFAULT_RESOURCE_GROUP}", "--hypothesis-profile=quick",
                f"--hypothesis-seed={SEED}", f"--report-dir={workdir / 'out'}", "-p", "no:cacheprovider",
                "-p", "no:randomly", "-p", "no:xdist", "-p", "recordmarks", "-k", selection,
            ]  # fmt: skip
            proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=300)
        finally:
            proxy.close()
    results_file = workdir / "out" / "results.json"
    assert results_file.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    prefix = json.loads(results_file.read_text())["meta"]["name_prefix"]
    assert f"name prefix {prefix}" in proc.stdout  # the header prints it
    requests = proxy.requests()
    # The prefix is really in what was sent (so hiding it below hides something real).
    assert sum(prefix.lower() in r.text().lower() for r in requests) > len(requests) // 2
    groups = [(test, Counter(r.normalized(prefix) for r in reqs)) for test, reqs in proxy.by_test()]
    return prefix, groups, len(requests)


def test_one_seed_gives_the_same_requests(tmp_path: Path) -> None:
    first_prefix, first, first_count = _run(tmp_path / "first", "1")
    second_prefix, second, second_count = _run(tmp_path / "second", "2")
    assert second_count == first_count
    assert first_prefix != second_prefix  # the prefix is the run's own (and hidden above)
    assert first_count > 500, first_count  # the slice really ran
    assert [test for test, _ in first] == [test for test, _ in second]
    assert len(first) > 20
    for (test, mine), (_, theirs) in zip(first, second, strict=True):
        if mine != theirs:
            only_first = sorted(map(repr, (mine - theirs).elements()))[:3]
            only_second = sorted(map(repr, (theirs - mine).elements()))[:3]
            raise AssertionError(
                f"{test}: {sum(mine.values())} vs {sum(theirs.values())} requests;\n"
                f"only in the first run: {only_first}\nonly in the second run: {only_second}"
            )
    # A test's requests depend on that test alone: replayed with -k, it sends the same.
    _, replayed, _ = _run(tmp_path / "replay", "3", REPLAYED)
    in_full = dict(first)
    middle = replayed[2:-1]  # [0]: before the first test; [1]: with the probes; [-1]: the sweep
    assert len(middle) > 20
    for test, requests in middle:
        assert requests == in_full[test], test
