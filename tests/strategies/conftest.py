"""Hypothesis settings for the strategy tests: no deadline (each example runs ssh-keygen),
and the health checks about slow or large generation off (keys are large by nature)."""

from __future__ import annotations

import warnings

from hypothesis import HealthCheck, settings

settings.register_profile(
    "strategies",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.load_profile("strategies")
warnings.filterwarnings("ignore", message=".*DSA.*deprecated.*")
