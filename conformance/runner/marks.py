"""``requires``: how a conformance test names the requirements it exercises (IKP-…).

The IDs go into the test id (``test_x[IKP-N2,IKP-N3]``), so JUnit output and the terminal
carry them, and into a ``requirement`` marker, so ``-m`` and the reports can select them.
An ID that the contract (``contract.py``) does not have is an error at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from conformance import contract

F = TypeVar("F", bound=Callable[..., Any])


def requires(*ids: str) -> Callable[[F], F]:
    """Mark a test as exercising ``ids``; it receives them as the ``requirement_ids`` argument."""
    for req_id in ids:
        contract.requirement(req_id)

    def decorate(fn: F) -> F:
        fn = pytest.mark.requirement(*ids)(fn)
        return pytest.mark.parametrize("requirement_ids", [ids], ids=[",".join(ids)])(fn)

    return decorate
