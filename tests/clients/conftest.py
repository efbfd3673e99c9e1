"""Fixtures for the real-client tests: a fresh RSA public key, and the Node.js project installed.

``node_project`` runs ``npm ci`` into ``tests/clients/node/node_modules`` once (a stamp with the
lockfile's hash there says it is current, so later sessions skip it), under a file lock so
pytest-xdist workers do not install at the same time. It skips only when ``node`` or ``npm``
is missing; an ``npm ci`` that fails (the registry unreachable, say) fails the tests with npm's
own words.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from conformance.reference import RunningServer, start_server

from .steps import AK, SECRET

NODE_PROJECT = Path(__file__).parent / "node"
NPM_CI_TIMEOUT = 600


@pytest.fixture(scope="session")
def public_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    body = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return body.decode() + " clients@conformance"


def _lock_digest() -> str:
    return hashlib.sha256((NODE_PROJECT / "package-lock.json").read_bytes()).hexdigest()


def install_node_project() -> Path:
    """``npm ci`` unless ``node_modules`` already holds this lockfile's install; returns the project."""
    modules = NODE_PROJECT / "node_modules"
    stamp = modules / ".ikp-lock-sha256"
    digest = _lock_digest()
    with open(NODE_PROJECT / ".npm-ci.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.is_file() and stamp.read_text().strip() == digest:
            return NODE_PROJECT
        # --ignore-scripts: the one install script in the tree (@alicloud/openapi-core's
        # TypeScript version pick) does nothing on node 14+, and the tests need none.
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
            cwd=NODE_PROJECT,
            capture_output=True,
            text=True,
            timeout=NPM_CI_TIMEOUT,
        )
        if done.returncode != 0:
            pytest.fail(
                f"npm ci failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}", pytrace=False
            )
        stamp.write_text(digest + "\n")
    return NODE_PROJECT


@pytest.fixture(scope="session")
def node_project() -> Path:
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed: the Node.js client tests need node 18+ and npm")
    return install_node_project()


@pytest.fixture(scope="module")
def signed_server() -> Iterator[RunningServer]:
    with start_server(access_keys={AK: SECRET}) as running:
        yield running


@pytest.fixture(scope="module")
def unsigned_server() -> Iterator[RunningServer]:
    with start_server() as running:
        yield running
