"""Fixtures of the packaging tests: the wheel of this checkout, installed in a fresh virtual
environment once per session (``installed_suite.py`` says how), and an empty directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from installed_suite import Installed, build_and_install


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    pytest.importorskip("build", reason="python -m build is in the dev extra (pip install -e '.[dev]')")
    return build_and_install(tmp_path_factory.mktemp("packaging"))


@pytest.fixture
def empty_dir(tmp_path: Path) -> Path:
    """A directory with nothing in it: no checkout, no conftest, no pyproject."""
    path = tmp_path / "empty"
    path.mkdir()
    return path
