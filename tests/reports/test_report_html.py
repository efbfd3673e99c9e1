"""report.html and the terminal lines, rendered from RunResults filled with real Verdicts."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from markupsafe import escape
from report_samples import ESCAPED_SCRIPT, SCRIPT, conformant, exchange

from conformance import contract
from conformance.exchange import KEPT_BODY_CHARACTERS
from conformance.results import RunResults
from conformance.verdict import Observation, Status, Verdict
from reports.render import render_html, terminal_lines, write_outputs


def _matrix_ids(html: str, table_id: str) -> list[str]:
    match = re.search(rf'<table class="matrix" id="{table_id}">(.*?)</table>', html, re.S)
    assert match, f"no table {table_id}"
    return re.findall(r'id="req-([A-Z0-9-]+)"', match.group(1))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _write(results: RunResults, tmp_path: Path) -> str:
    paths = write_outputs(results, tmp_path / "out")
    assert set(paths) == {"html", "json"}
    assert paths["html"].name == "report.html" and paths["json"].name == "results.json"
    return paths["html"].read_text(encoding="utf-8")


def test_html_shows_verdict_and_every_requirement(sample_results: RunResults, tmp_path: Path) -> None:
    html = _write(sample_results, tmp_path)
    assert re.search(r'<div class="verdict v-not-conformant" id="verdict">not conformant</div>', html)
    for req in contract.REQUIREMENTS:
        assert f'id="req-{req.id}"' in html, req.id
        assert str(escape(req.text)) in html, req.id  # the rule
        assert f"<blockquote>{escape(req.quote)}</blockquote>" in html, req.id  # the doc's sentence


def test_core_extended_and_profile_are_separate_tables(sample_results: RunResults, tmp_path: Path) -> None:
    html = _write(sample_results, tmp_path)
    for tier, table in (
        (contract.Tier.CORE, "matrix-core"),
        (contract.Tier.EXTENDED, "matrix-extended"),
        (contract.Tier.PROFILE, "matrix-profile"),
    ):
        assert _matrix_ids(html, table) == [r.id for r in contract.REQUIREMENTS if r.tier is tier]


def test_matrix_rows_carry_status_and_case_counts(sample_results: RunResults, tmp_path: Path) -> None:
    html = _write(sample_results, tmp_path)
    row = re.search(r'<tr class="row-fail" id="req-IKP-N3">(.*?)</tr>', html, re.S)
    assert row, "IKP-N3 should be a FAIL row"
    assert '<span class="chip s-fail">FAIL</span>' in row.group(1)
    assert '<td class="num">2</td>' in row.group(1)  # two cases: one failed, one passed
    assert "1 / 1 / 0" in row.group(1)
    unsupported = re.search(r'id="req-IKP-X3">(.*?)</tr>', html, re.S)
    assert unsupported and "UNSUPPORTED" in unsupported.group(1)
    assert "target does not check signatures" in unsupported.group(1)


def test_target_text_is_escaped_never_markup(sample_results: RunResults, tmp_path: Path) -> None:
    html = _write(sample_results, tmp_path)
    assert SCRIPT not in html
    assert "<script" not in html.lower()
    # in the response Message, in the case parameter, the request URL/params, the warning
    assert html.count(ESCAPED_SCRIPT) >= 4
    parser = _Tags()
    parser.feed(html)
    assert "script" not in {tag for tag, _ in parser.tags}


def test_html_is_self_contained(sample_results: RunResults, tmp_path: Path) -> None:
    html = _write(sample_results, tmp_path)
    parser = _Tags()
    parser.feed(html)
    tags = {tag for tag, _ in parser.tags}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed", "base"}
    for tag, attrs in parser.tags:
        for name, value in attrs:
            assert name != "src", tag
            if name == "href":
                assert value and value.startswith("#"), (tag, value)
    assert "@import" not in html and "url(" not in html
    assert "<style>" in html  # the CSS is inline


def test_failure_shows_request_response_acceptable_reason_and_reproduce(
    sample_results: RunResults, tmp_path: Path
) -> None:
    html = _write(sample_results, tmp_path)
    section = html[html.index('<section id="failures">') : html.index('<section id="warnings">')]
    assert "Failures and errors (2)" in section
    # FAIL first (status ladder), then ERROR
    assert section.index('chip s-fail">FAIL') < section.index('chip s-error">ERROR')
    assert "GET http://127.0.0.1:9/?Action=ImportKeyPair" in section
    assert "HTTP 200\nContent-Type: application/json\n\n{&#34;RequestId&#34;" in section
    assert "&#34;Code&#34;:&#34;Oops&#34;" in section  # the response body received
    assert "<li><code>400 InvalidKeyPairName.Malformed</code></li>" in section
    assert "expected 400 InvalidKeyPairName.Malformed, got 200" in section
    assert (
        "pytest &#39;conformance/requirements/test_names.py::test_first_character&#39; --hypothesis-seed=7"
        in section
    )
    assert "no response: connection refused" in section
    assert section.count('<details class="failure"') == 2


def test_profile_warnings_capabilities_leftovers_config(sample_results: RunResults, tmp_path: Path) -> None:
    html = _write(sample_results, tmp_path)
    profile = html[html.index('<section id="profile">') : html.index('<section id="failures">')]
    assert "CJK letters in a name" in profile
    assert "<li><code>accepted</code> × 2</li>" in profile
    assert "<li><code>400 InvalidKeyPairName.Malformed</code> × 1</li>" in profile
    assert "PEM BEGIN PUBLIC KEY" in profile
    assert "no reading observed" in profile  # IKP-N7 and friends were not exercised
    warnings = html[html.index('<section id="warnings">') : html.index('<section id="capabilities">')]
    assert "Message differs: " + ESCAPED_SCRIPT in warnings
    caps = html[html.index('<section id="capabilities">') : html.index('<section id="leftovers">')]
    assert "<tr><td>signatures</td><td>no</td></tr>" in caps
    leftovers = html[html.index('<section id="leftovers">') : html.index('<section id="configuration">')]
    assert "ikpdeadbeef-left" in leftovers and "DeleteKeyPairs answered 503" in leftovers
    config = html[html.index('<section id="configuration">') :]
    assert "access_key_id" in config and "LTAI****" in config
    header = html[: html.index('<section id="summary">')]
    for fact in ("http://127.0.0.1:9", "0.1.0", "derandomized", "<code>ci</code>", "2026-11-28T06:05:00"):
        assert fact in header, fact
    assert re.search(r"<dt>Report written</dt><dd>20\d\d-\d\d-\d\dT[0-9:]+\+00:00</dd>", header)


def test_summary_meter_counts_match_the_results(sample_results: RunResults, tmp_path: Path) -> None:
    html = _write(sample_results, tmp_path)
    by_status = sample_results.to_json()["statistics"]["by_status"]
    summary = html[html.index('<section id="summary">') : html.index('<section id="core">')]
    for status, n in by_status.items():
        assert f"{n} {status}</span>" in summary
    widths = [float(w) for w in re.findall(r'style="width: ([0-9.]+)%"', summary)]
    assert len(widths) == len(by_status)
    assert abs(sum(widths) - 100.0) < 0.01


def test_verdict_variants(tmp_path: Path) -> None:
    assert 'id="verdict">conformant<' in render_html(_doc(conformant()))
    assert 'id="verdict">incomplete<' in render_html(_doc(RunResults()))


def _doc(results: RunResults) -> dict[str, object]:
    from reports.render import build_document

    return build_document(results)


def test_terminal_lines_agree_with_results_json(sample_results: RunResults, tmp_path: Path) -> None:
    lines = terminal_lines(sample_results)
    assert lines[0] == "ImportKeyPair conformance verdict: NOT CONFORMANT"
    doc = json.loads(write_outputs(sample_results, tmp_path)["json"].read_text(encoding="utf-8"))
    rows = {line.split()[0]: line.split() for line in lines if line.startswith("IKP-")}
    assert set(rows) == {r.id for r in contract.REQUIREMENTS}
    for req in doc["requirements"]:
        row = rows[req["id"]]
        assert row[1] == req["tier"]
        assert " ".join(row[2:-1]) == req["status"]
        assert int(row[-1]) == req["cases"]
    assert any(
        "reproduce: pytest 'conformance/requirements/test_names.py::test_first_character'" in x for x in lines
    )
    assert any(line.startswith("key pairs left behind: 1") for line in lines)


def test_many_failures_and_long_bodies_stay_readable(tmp_path: Path) -> None:
    results = RunResults(meta={"target": "t", "suite_version": "0"})
    body = "x" * 30_000
    for i in range(25):
        results.record(
            f"test_many[{i}]",
            Verdict(Status.FAIL, ("IKP-K3",), reasons=(f"reason {i}",)),
            exchange=exchange(f"n{i}", 200, body),
        )
    lines = terminal_lines(results)
    assert sum(1 for line in lines if line.startswith("  FAIL IKP-K3")) == 20
    assert "  ... and 5 more (see report.html)" in lines
    paths = write_outputs(results, tmp_path)
    html = paths["html"].read_text(encoding="utf-8")
    assert html.count('<details class="failure"') == 25  # the report keeps every failure
    # a kept exchange holds a few KB of each body, and says how much was cut (issue 14)
    cut = f"{len(body) - KEPT_BODY_CHARACTERS} more characters cut"
    assert cut in html
    kept = paths["json"].read_text(encoding="utf-8")
    assert body[:KEPT_BODY_CHARACTERS] in kept and body not in kept and cut in kept


def test_profile_question_on_a_core_requirement_is_shown_with_its_tier(tmp_path: Path) -> None:
    results = RunResults(meta={"target": "t", "suite_version": "0"})
    results.record(
        "test_cert",
        Verdict(
            Status.PASS,
            ("IKP-R2",),
            observations=(Observation("IKP-R2", "certificate fingerprint", "plain-key"),),
        ),
    )
    html = write_outputs(results, tmp_path)["html"].read_text(encoding="utf-8")
    row = re.search(r'<tr id="observed-IKP-R2">(.*?)</tr>', html, re.S)
    assert row, "the IKP-R2 reading is listed in the Profile section"
    assert "<td>Core</td>" in row.group(1) and "chip s-pass" in row.group(1)
    assert "certificate fingerprint" in row.group(1) and "<code>plain-key</code> × 1" in row.group(1)
