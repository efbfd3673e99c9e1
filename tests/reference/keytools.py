"""ssh-keygen helpers for the reference server's tests: real keys and their MD5 fingerprints."""

from __future__ import annotations

import subprocess
from pathlib import Path


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
