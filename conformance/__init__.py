"""The ImportKeyPair conformance suite, and the one home of its version.

``__version__`` is the installed distribution's (``pyproject.toml``'s ``version``, read back
through the package metadata), or ``unknown`` when the code runs from a bare checkout.
``USER_AGENT`` is the ``User-Agent`` the target client sends, built from it. Every output that
names the suite's version (results.json's ``meta.suite_version``, report.html, the
``User-Agent``) reads it from here.
"""

from __future__ import annotations

from importlib import metadata

DISTRIBUTION = "ikp-conformance"


def _installed_version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown"


__version__ = _installed_version()
USER_AGENT = f"{DISTRIBUTION}/{__version__}"
