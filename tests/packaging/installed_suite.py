"""Helpers of the packaging tests: build a wheel of this checkout and install it in a fresh venv.

The wheel is built as a user would (``python -m build --wheel``)
from a copy of the tracked sources, so the checkout is left as it was. The virtual
environment is a plain one (no system site-packages); pip installs the wheel's dependencies
from the configured index. Everything run in it runs with the ``installed_env``: no
PYTHONPATH, no ``IKP_*``, ``PYTEST_*`` or ``ALIBABA_CLOUD_*`` variables of this run, its
``bin`` first on PATH, so nothing of the checkout can leak in.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("conformance", "strategies", "reports")
_SKIP = shutil.ignore_patterns(
    ".git", ".venv*", ".tox", "build", "dist", "*.egg-info", "__pycache__", ".hypothesis",
    ".mypy_cache", ".ruff_cache", ".pytest_cache", "out", "tests", "benchmarks", "node_modules",
)  # fmt: skip
STEP_TIMEOUT = 300


@dataclass(frozen=True)
class Installed:
    """The built wheel and the virtual environment it is installed in."""

    wheel: Path
    venv: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"


def run(args: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command to completion, output captured (stderr into stdout)."""
    return subprocess.run(
        args,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
    )


def _checked(result: subprocess.CompletedProcess[str], what: str) -> None:
    if result.returncode != 0:
        pytest.fail(f"{what} failed ({result.returncode}):\n{result.stdout[-4000:]}")


def installed_env(installed: Installed, **extra: str) -> dict[str, str]:
    """The environment of a user's shell in which the wheel is installed, and nothing else."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("IKP_", "PYTEST_", "HYPOTHESIS_", "COV_", "ALIBABA_CLOUD_"))
        and k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    }
    env["PATH"] = f"{installed.bin}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(installed.venv)
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_and_install(work: Path) -> Installed:
    """Build the wheel from a copy of the sources in ``work`` and install it in ``work/venv``."""
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=_SKIP)
    dist = work / "dist"
    built = run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(source)], cwd=work)
    _checked(built, "python -m build")
    wheels = sorted(dist.glob("*.whl"))
    assert len(wheels) == 1, f"expected one wheel in {dist}: {sorted(p.name for p in dist.iterdir())}"
    venv = work / "venv"
    _checked(run([sys.executable, "-m", "venv", str(venv)], cwd=work), "python -m venv")
    result = Installed(wheel=wheels[0], venv=venv)
    pip = [str(result.bin / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    _checked(run([*pip, str(wheels[0])], cwd=work, env=installed_env(result)), "pip install (the wheel)")
    return result


@contextlib.contextmanager
def serving(installed: Installed, where: Path, *args: str) -> Iterator[str]:
    """``ikp-conformance serve --port 0 *args`` of the installed suite; yields its URL."""
    server = subprocess.Popen(
        [str(installed.bin / "ikp-conformance"), "serve", "--port", "0", *args],
        cwd=where,
        env=installed_env(installed),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline().strip()
        assert line.startswith("listening on http://"), line
        yield line.removeprefix("listening on ")
    finally:
        server.terminate()
        server.wait(timeout=30)
