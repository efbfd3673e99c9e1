"""Per-test hygiene for the conformance tests: delete what each test created."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.runner.suite import Suite


@pytest.fixture(autouse=True)
def _delete_what_the_test_created(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "ikp" in request.fixturenames:
        suite: Suite = request.getfixturevalue("ikp")
        suite.cleanup()
