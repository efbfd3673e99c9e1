"""A pytest plugin for the reproducibility test, loaded into the suite's own pytest process
(``-p recordmarks`` with this directory on ``PYTHONPATH``): before each conformance test it
tells the ``recording.RecordingProxy`` at ``IKP_RECORDING_URL`` which test starts, so the
proxy's log can be cut into one group of requests per test. It sends nothing to the target."""

from __future__ import annotations

import http.client
import os
from urllib.parse import quote, urlsplit

MARK_PATH = "/__ikp_recording_mark__"  # recording.MARK_PATH (this module is imported alone)


def pytest_runtest_logstart(nodeid: str, location: object) -> None:
    url = os.environ.get("IKP_RECORDING_URL")
    if not url:
        return
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=10)
    try:
        conn.request("GET", f"{MARK_PATH}?test={quote(nodeid, safe='')}")
        conn.getresponse().read()
    finally:
        conn.close()
