"""``python -m strategies sample``: JSON lines with the documented keys, same seed same
lines, ``--type`` honoured."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from strategies_oracles import keygen_md5_many

from strategies.__main__ import KINDS

LINE_KEYS = {
    "kind",
    "type",
    "encoding",
    "body",
    "params",
    "fingerprints",
    "outcomes",
    "requirements",
    "profile",
}


def run(*args: str) -> list[dict[str, object]]:
    done = subprocess.run(
        [sys.executable, "-m", "strategies", "sample", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_prints_json_lines(kind: str) -> None:
    lines = run("--kind", kind, "-n", "15", "--seed", "3", "--prefix", "ikpa1b2c3-")
    assert len(lines) == 15
    for line in lines:
        assert set(line) >= LINE_KEYS and line["kind"] == kind
        assert line["outcomes"]
        # a request without tags exercises no tag rule; everything else names its requirement
        assert line["requirements"] or (kind == "valid-tags" and line["params"] == {})
        assert (line["body"] is None) != (line["params"] is None)
        if kind == "valid-key":
            assert line["fingerprints"] and line["encoding"] == "openssh" and line["profile"] is None
        if kind.startswith("profile-"):
            assert line["profile"]
        if kind.startswith("invalid-"):
            assert all(o["kind"] != "success" for o in line["outcomes"])  # type: ignore[union-attr,index]


def test_same_seed_same_lines_other_seed_other_lines() -> None:
    for kind in ("valid-key", "invalid-key", "request"):
        first = run("--kind", kind, "-n", "25", "--seed", "42")
        assert first == run("--kind", kind, "-n", "25", "--seed", "42")
        assert first != run("--kind", kind, "-n", "25", "--seed", "43")
    # not even the first line is shared (Hypothesis' simplest example is not printed)
    assert run("--kind", "valid-key", "-n", "1", "--seed", "1") != run(
        "--kind", "valid-key", "-n", "1", "--seed", "2"
    )


def test_type_filter_and_fingerprints_agree_with_ssh_keygen() -> None:
    key_type = "ecdsa-sha2-nistp384-cert-v01@openssh.com"
    lines = run("--kind", "valid-key", "--type", key_type, "-n", "30", "--seed", "5")
    assert {line["type"] for line in lines} == {key_type}
    printed = keygen_md5_many([str(line["body"]) for line in lines])
    for line, fingerprint in zip(lines, printed, strict=True):
        assert fingerprint in line["fingerprints"]  # type: ignore[operator]
    broken = run("--kind", "invalid-key", "--type", "ssh-dss", "-n", "20", "--seed", "5")
    assert {line["type"] for line in broken} == {"ssh-dss"}
