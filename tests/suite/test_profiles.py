"""The suite's Hypothesis profiles honour ``--hypothesis-seed`` wherever they run.

With ``CI`` in the environment Hypothesis loads its own ``ci`` profile (``derandomize=True``)
as ``settings.default``; a profile built on that would ignore the seed, and a cassette recorded
in CI would match nothing recorded elsewhere with the same seed (a CI run showed it). Only the
suite's own ``ci`` profile is derandomised, by choice."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

_PROBE = """
import json
from hypothesis import settings
from conformance.runner.profiles import PROFILE_NAMES, register_profiles
register_profiles()
print(json.dumps({n: [settings.get_profile(n).derandomize, settings.get_profile(n).print_blob]
                  for n in PROFILE_NAMES}))
"""


@pytest.mark.parametrize("ci", ["", "true"])
def test_only_the_ci_profile_is_derandomised(ci: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "TF_BUILD", "GITHUB_ACTIONS")}
    if ci:
        env["CI"] = ci
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True, timeout=60
    ).stdout
    profiles = json.loads(out)
    assert profiles.pop("ci") == [True, True]
    assert profiles == {n: [False, False] for n in profiles}, f"CI={ci!r}: {profiles}"
