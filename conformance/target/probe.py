"""Reaching a target: the fast TCP probe run before a session, and the CA bundle HTTPS trusts.

``probe_url`` tells in a few seconds whether anything listens at a target URL, so a wrong URL
is one clear message instead of a run of ERROR verdicts. ``ca_file`` is the CA bundle the
client's HTTPS connections (``connection.py``) verify the target against.

Dependency decision (issue 13): the bundle is ``certifi``'s, the one Alibaba Cloud's Python
SDKs trust (through ``requests``), so the suite and an SDK accept the same certificates.
``certifi`` used to arrive only as a dependency of ``requests``; since the client never used
``requests`` (it speaks ``http.client``, see ``client.py``), pyproject.toml now names
``certifi`` itself as the run-time dependency and keeps ``requests`` for the benchmark only.
Without ``certifi`` the system's default bundle is used.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit, urlunsplit

PROBE_TIMEOUT = 3.0


def probe_url(url: str, timeout: float = PROBE_TIMEOUT) -> str | None:
    """A fast reachability check: None if a TCP connection to ``url``'s host:port opens within
    ``timeout`` seconds, else a message naming the URL and the reason."""
    parts = urlsplit(url)
    # Shown without userinfo (a password) or query.
    shown = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"target {shown} is not an http(s)://host[:port] URL"
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return f"target {shown} has an invalid port"
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return None
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        return f"target {shown} is not reachable ({parts.hostname}:{port}): {reason}"


def ca_file() -> str | None:
    """The CA bundle of ``certifi`` (what the SDKs trust), else None: the system's."""
    try:
        import certifi
    except ImportError:
        return None
    return str(certifi.where())
