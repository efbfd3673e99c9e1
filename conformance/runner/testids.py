"""Pytest and Hypothesis plumbing of the session: which test is running (``current_test_id``),
whether this is Hypothesis's final replay of an example (``final_example``), and one counter
per test (``PerTestCounters``) from which names and key seeds are numbered."""

from __future__ import annotations

import hashlib
import itertools
import os
import threading

from hypothesis.control import current_build_context
from hypothesis.errors import InvalidArgument


def final_example() -> bool | None:
    """True in Hypothesis's final replay of a (shrunk) example, False in any other example,
    None outside a Hypothesis test."""
    try:
        return bool(current_build_context().is_final)
    except InvalidArgument:
        return None


def current_test_id() -> str:
    """The running test's node id (pytest sets it in the environment)."""
    return os.environ.get("PYTEST_CURRENT_TEST", "session").rsplit(" (", 1)[0]


class PerTestCounters:
    """One counter per conformance test (by its node id without the directory part), and a
    salt per test: what a test sends then depends on that test alone, not on which tests ran
    before it in this process (a ``-k`` replay, an xdist worker's share of the tests)."""

    def __init__(self) -> None:
        self._counters: dict[str, itertools.count[int]] = {}
        self._lock = threading.Lock()

    def next(self) -> tuple[int, int]:
        """(the running test's salt, its next number)."""
        test = current_test_id().rsplit("/", 1)[-1]
        with self._lock:
            counter = self._counters.setdefault(test, itertools.count())
            number = next(counter)
        return int.from_bytes(hashlib.sha256(test.encode()).digest()[:3], "big"), number
