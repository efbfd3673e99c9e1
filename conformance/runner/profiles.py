"""Hypothesis settings profiles of the suite: ``quick``, ``default``, ``thorough``, ``ci``,
and ``detect`` (``quick`` without shrinking, for mutation runs).

Registered when the pytest plugin is imported; pick one with Hypothesis' own
``--hypothesis-profile NAME`` option. Everything that talks HTTP runs with
``deadline=None``: a target's latency is not a property of the contract.
"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, Verbosity, settings

PROFILE_NAMES = ("quick", "default", "thorough", "ci", "detect")

# Built on Hypothesis' own ``default`` profile, not on ``settings.default``: with ``CI`` set in
# the environment, ``settings.default`` is Hypothesis' ``ci`` profile, whose ``derandomize=True``
# would make every profile ignore ``--hypothesis-seed`` (a cassette recorded with a seed in CI
# then no longer matches the same seed anywhere else).
_BASE = settings(
    settings.get_profile("default"),
    deadline=None,
    derandomize=False,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def register_profiles() -> None:
    """Register the four profiles (idempotent; ``default`` replaces Hypothesis' own)."""
    settings.register_profile("quick", _BASE, max_examples=10)  # development, mutation runs
    settings.register_profile("default", _BASE, max_examples=60)
    settings.register_profile("thorough", _BASE, max_examples=400)
    # ``quick`` without shrinking, for runs that only ask *whether* the suite catches a
    # deviation (the mutation benchmark, the broken-target tests): a failure is reported as
    # found, not minimised, so detection is not billed for the shrinking.
    settings.register_profile(
        "detect", _BASE, max_examples=10, phases=[Phase.explicit, Phase.reuse, Phase.generate], database=None
    )
    settings.register_profile(
        "ci",
        _BASE,
        max_examples=60,
        derandomize=True,
        database=None,
        print_blob=True,
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
        verbosity=Verbosity.normal,
    )


def current_profile_name() -> str:
    """The name of the loaded profile."""
    return settings.get_current_profile_name()
