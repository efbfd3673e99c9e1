"""One helper for the cassette tests: run the suite with options that must be refused, and
return what it said (``--co``: an option check that did not fire collects and stops, it never
runs the suite)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

_BASE = [sys.executable, "-m", "pytest", "--pyargs", "conformance", "-p", "no:cacheprovider", "-q", "--co"]


def usage(cwd: Path, *options: str) -> str:
    """The output of a run with ``options``, which must end in a usage error."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "IKP_"))}
    proc = subprocess.run([*_BASE, *options], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == pytest.ExitCode.USAGE_ERROR, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc.stdout + proc.stderr
