"""Fixtures for the reference server's tests: real keys made by ssh-keygen."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def ssh_keygen(*args: str) -> None:
    subprocess.run(["ssh-keygen", "-q", *args], check=True, capture_output=True, timeout=120)


def make_key(directory: Path, key_type: str, bits: int | None = None, name: str | None = None) -> Path:
    """Generate a key pair with ssh-keygen; returns the private key path (public is +.pub)."""
    path = directory / (name or f"{key_type}{bits or ''}")
    args = ["-t", key_type, "-N", "", "-C", "test key", "-f", str(path)]
    if bits:
        args[2:2] = ["-b", str(bits)]
    ssh_keygen(*args)
    return path


def md5_of(pub_path: Path) -> str:
    """What ``ssh-keygen -l -E md5`` prints, without the ``MD5:`` prefix."""
    out = subprocess.run(
        ["ssh-keygen", "-l", "-E", "md5", "-f", str(pub_path)], check=True, capture_output=True, text=True
    ).stdout
    return out.split()[1].removeprefix("MD5:")


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
