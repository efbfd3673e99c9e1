"""report.html in a real browser: headless Chromium opens it from disk and the verdict and matrix show.

The report itself has no script. To measure what is *visible* (laid out, non-zero size, not
hidden), the test opens a copy with a probe script appended that writes its findings into
the DOM, which ``--dump-dom`` prints.
"""

from __future__ import annotations

import html as htmllib
import json
import re
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conformance import contract
from conformance.results import RunResults
from reports.render import write_outputs

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium binary on PATH (install it: apt-get install -y chromium)"
)

PROBE = """
<script>
(function () {
  function shown(el) {
    if (!el) { return "missing"; }
    var r = el.getBoundingClientRect(), s = getComputedStyle(el);
    var laidOut = r.width > 0 && r.height > 0;
    return (laidOut && s.display !== "none" && s.visibility !== "hidden") ? "visible" : "hidden";
  }
  var verdict = document.getElementById("verdict");
  var out = {
    verdict: shown(verdict),
    verdictText: verdict ? verdict.textContent.trim() : "",
    verdictTop: verdict ? verdict.getBoundingClientRect().top : -1,
    verdictColour: verdict ? getComputedStyle(verdict).backgroundColor : "",
    meter: shown(document.querySelector(".meter")),
    rows: {},
    firstFailureOpen: shown(document.querySelector("details.failure[open] pre"))
  };
  document.querySelectorAll("table.matrix tr[id^='req-']").forEach(function (tr) {
    out.rows[tr.id.slice(4)] = shown(tr);
  });
  var pre = document.createElement("pre");
  pre.id = "ikp-probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--window-size=1280,900",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _probe(tmp_path: Path, report: Path) -> dict[str, Any]:
    probed = tmp_path / "probed.html"
    probed.write_text(report.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"))
    done = _chromium(tmp_path, "--dump-dom", probed.as_uri())
    match = re.search(r'<pre id="ikp-probe">(.*?)</pre>', done.stdout, re.S)
    assert match, f"chromium printed no probe (rc={done.returncode}): {done.stderr[-2000:]}"
    found: dict[str, Any] = json.loads(htmllib.unescape(match.group(1)))
    return found


def test_verdict_and_matrix_are_visible(sample_results: RunResults, tmp_path: Path) -> None:
    report = write_outputs(sample_results, tmp_path / "out")["html"]
    seen = _probe(tmp_path, report)
    assert seen["verdict"] == "visible" and seen["verdictText"] == "not conformant"
    assert 0 <= seen["verdictTop"] < 900, "the verdict is above the fold"
    assert seen["verdictColour"] == "rgb(207, 34, 46)"  # red for not conformant
    assert seen["meter"] == "visible"
    assert seen["rows"] == {r.id: "visible" for r in contract.REQUIREMENTS}
    assert seen["firstFailureOpen"] == "visible"


def test_escaped_script_from_the_target_does_not_run(sample_results: RunResults, tmp_path: Path) -> None:
    # alert(1) from the target would, if it ran, be a dialog; headless Chromium prints the DOM
    # after scripts ran, so check instead that no <script> element exists in the live DOM.
    report = write_outputs(sample_results, tmp_path / "out")["html"]
    done = _chromium(tmp_path, "--dump-dom", report.as_uri())
    assert "not conformant" in done.stdout, done.stderr[-2000:]
    assert "<script" not in done.stdout.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in done.stdout


def test_screenshot_renders(sample_results: RunResults, tmp_path: Path) -> None:
    report = write_outputs(sample_results, tmp_path / "out")["html"]
    shot = tmp_path / "report.png"
    done = _chromium(tmp_path, f"--screenshot={shot}", report.as_uri())
    assert shot.is_file(), done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 900)
    assert len(data) > 20_000  # a rendered page, not a blank image
