"""Fixtures for the reference server's tests: real keys made by ssh-keygen."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .keytools import make_key


@pytest.fixture(scope="session")
def keydir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is not installed")
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(scope="session")
def rsa_key(keydir: Path) -> Path:
    return make_key(keydir, "rsa", 2048, "fixture_rsa")


@pytest.fixture(scope="session")
def rsa_pub(rsa_key: Path) -> str:
    return Path(str(rsa_key) + ".pub").read_text()
