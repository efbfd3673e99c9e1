"""Fixtures for the reports' tests (the sample runs live in ``report_samples.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from report_samples import fill, load_schema

from conformance.results import RunResults


@pytest.fixture
def sample_results() -> RunResults:
    """A run with passes, a FAIL carrying <script> from the target, an ERROR, readings, leftovers."""
    return fill(RunResults())


@pytest.fixture
def schema() -> dict[str, Any]:
    """reports/schema/results.schema.json."""
    return load_schema()
