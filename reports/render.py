"""Render a run's ``RunResults`` as results.json, report.html and terminal lines.

Every output is rendered from one *document*: ``RunResults.to_json()`` scrubbed of secrets
(``redact.py``) plus, when asked, the baseline comparison. The terminal, the JSON and the
HTML therefore cannot disagree, and none can carry a credential the others would not.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2

import conformance
from conformance import contract
from conformance.results import RunResults
from conformance.verdict import Status
from reports.baseline import BaselineDiff, compare_baseline, load_baseline
from reports.redact import scrub

__all__ = [
    "BaselineDiff",
    "build_document",
    "compare_baseline",
    "load_baseline",
    "render_html",
    "terminal_lines",
    "write_outputs",
]

HTML_NAME = "report.html"
JSON_NAME = "results.json"
TEMPLATE_DIR = Path(__file__).parent / "templates"
SCHEMA_PATH = Path(__file__).parent / "schema" / "results.schema.json"

TERMINAL_FAILURES = 20  # the terminal lists this many; report.html and results.json have all
HTML_BODY_LIMIT = 20_000  # characters of a body shown in report.html; results.json keeps it whole

# Worst first: the order of the meter, the legend and the failure list.
STATUS_ORDER = [Status.FAIL, Status.ERROR, Status.UNSUPPORTED, Status.NOT_COVERED, Status.PASS]


def build_document(
    results: RunResults,
    baseline: BaselineDiff | None = None,
    comparison: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The scrubbed JSON document every output is rendered from (the content of results.json).

    ``comparison`` (``--compare-with``, ``conformance/cassettes``): ``{"summary", "divergences"}``,
    written as the top-level ``comparison`` and ``divergences``."""
    doc = results.to_json()
    doc["kind"] = "ImportKeyPairConformanceReport"
    doc["generated"] = datetime.now(UTC).isoformat(timespec="seconds")
    meta = doc["meta"]
    meta.setdefault("suite_version", conformance.__version__)
    meta.setdefault("target", None)
    if baseline is not None:
        doc["baseline"] = baseline.to_json()
    if comparison is not None:
        doc["comparison"] = dict(comparison["summary"])
        doc["divergences"] = list(comparison["divergences"])
    scrubbed: dict[str, Any] = scrub(doc)
    return scrubbed


# -- terminal ---------------------------------------------------------------------------------
def _verdict_line(doc: dict[str, Any]) -> str:
    return f"ImportKeyPair conformance verdict: {doc['verdict'].upper()}"


def lines_from_document(doc: dict[str, Any]) -> list[str]:
    """The terminal summary of a document (see ``terminal_lines``)."""
    lines = [_verdict_line(doc)]
    target = doc["meta"].get("target")
    if target:
        lines.append(f"target: {target}")
    for tier, part in doc["tiers"].items():
        stats = part["statistics"]
        counts = ", ".join(f"{n} {s}" for s, n in sorted(stats["by_status"].items()))
        lines.append(f"{tier.capitalize()}: {part['result']} ({counts}; {stats['cases']} cases)")
    lines.append("")
    lines.append(f"{'ID':<9} {'tier':<9} {'status':<12} {'cases':>7}")
    for row in doc["requirements"]:
        lines.append(f"{row['id']:<9} {row['tier']:<9} {row['status']:<12} {row['cases']:>7}")
    failures = doc["failures"]
    if failures:
        lines.append("")
        lines.append(f"failures ({len(failures)}):")
        for f in failures[:TERMINAL_FAILURES]:
            lines.append(f"  {f['status']} {f['requirement']} {f['test_id']}: {f['reason']}")
            for note in f.get("observed") or []:
                lines.append(f"    {note['note']}")
            if f.get("reproduce"):
                lines.append(f"    reproduce: {f['reproduce']}")
        if len(failures) > TERMINAL_FAILURES:
            lines.append(f"  ... and {len(failures) - TERMINAL_FAILURES} more (see report.html)")
    lines += _reading_lines(doc.get("reading") or {})
    if doc["warnings"]:
        lines.append(f"message warnings: {sum(w['count'] for w in doc['warnings'])} (see report)")
    if doc["leftovers"]:
        lines.append(f"key pairs left behind: {len(doc['leftovers'])}")
        for left in doc["leftovers"]:
            lines.append(f"  {left['region']} {left['name']}: {left['why']}")
    if "baseline" in doc:
        source = doc["baseline"]["source"]
        lines.append(doc["baseline"]["summary"] + (f" ({source})" if source else ""))
    return lines


def _reading_lines(reading: dict[str, Any]) -> list[str]:
    """The reading, when it is not the default or real ECS shares some failures (else nothing)."""
    lines = []
    if reading.get("name") == "observed":
        applied = ", ".join(f"{r['id']} x{r['applied']}" for r in reading.get("relaxations", []))
        lines.append(f"reading: observed (relaxations applied: {applied or 'none'}; evidence in report.html)")
    shared = reading.get("shared_failures") or {}
    if shared:
        counts = ", ".join(f"{k} x{n}" for k, n in shared.items())
        total = sum(shared.values())
        lines.append(f"real ECS was observed doing the same in {total} failing verdicts ({counts})")
    return lines


def terminal_lines(results: RunResults, baseline: BaselineDiff | None = None) -> list[str]:
    """Verdict, per-tier results, the requirement table (ID, tier, status, cases), failures."""
    return lines_from_document(build_document(results, baseline))


# -- HTML -------------------------------------------------------------------------------------
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,  # everything from the target is escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pretty"] = _pretty
    env.filters["http_request"] = http_request_text
    env.filters["http_response"] = http_response_text
    env.filters["css_status"] = lambda s: str(s).lower().replace(" ", "-")
    return env


def _pretty(value: Any) -> str:
    """A value as readable text: strings as they are, everything else as indented JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


def _clip(text: str) -> str:
    if len(text) <= HTML_BODY_LIMIT:
        return text
    return f"{text[:HTML_BODY_LIMIT]}\n... ({len(text) - HTML_BODY_LIMIT} more characters in results.json)"


def http_request_text(ex: dict[str, Any]) -> str:
    """An Exchange (as JSON) as the request went out: request line, headers, body."""
    lines = [f"{ex.get('method', '')} {ex.get('url', '')}"]
    lines += [f"{k}: {v}" for k, v in sorted((ex.get("request_headers") or {}).items())]
    if ex.get("request_body"):
        lines += ["", _clip(str(ex["request_body"]))]
    return "\n".join(lines)


def http_response_text(ex: dict[str, Any]) -> str:
    """An Exchange (as JSON) as the response came back: status, headers, body (or why none came)."""
    if ex.get("status") is None:
        return f"no response: {ex.get('transport_error') or 'unknown transport error'}"
    attempts = ex.get("attempts") or 1
    lines = [f"HTTP {ex['status']}" + (f" (after {attempts} attempts)" if attempts > 1 else "")]
    lines += [f"{k}: {v}" for k, v in sorted((ex.get("response_headers") or {}).items())]
    lines += ["", _clip(str(ex.get("response_text") or ""))]
    return "\n".join(lines)


def _meter(counts: dict[str, int], total: int) -> list[dict[str, Any]]:
    return [
        {
            "status": s.value,
            "count": counts.get(s.value, 0),
            "percent": round(100.0 * counts.get(s.value, 0) / total, 3) if total else 0.0,
        }
        for s in STATUS_ORDER
    ]


def render_html(doc: dict[str, Any]) -> str:
    """report.html for a document: one self-contained file, no network, no script."""
    by_tier: dict[str, list[dict[str, Any]]] = {t.value: [] for t in contract.Tier}
    for row in doc["requirements"]:
        by_tier[row["tier"]].append(row)
    ladder = {s.value: i for i, s in enumerate(STATUS_ORDER)}
    order = {r.id: i for i, r in enumerate(contract.REQUIREMENTS)}
    failures = sorted(
        doc["failures"],
        key=lambda f: (ladder.get(f["status"], 99), order.get(f["requirement"], 999), f["test_id"]),
    )
    profile: dict[str, list[dict[str, Any]]] = {}
    for obs in doc["profile"]:
        profile.setdefault(obs["requirement"], []).append(obs)
    stats = doc["statistics"]
    template = _environment().get_template("report.html.j2")
    return template.render(
        doc=doc,
        meta=doc["meta"],
        config=doc["meta"].get("config") or {},
        core=by_tier[contract.Tier.CORE.value],
        extended=by_tier[contract.Tier.EXTENDED.value],
        profile_rows=by_tier[contract.Tier.PROFILE.value],
        profile=profile,
        rows_by_id={row["id"]: row for row in doc["requirements"]},
        api_version=contract.API_VERSION,
        failures=failures,
        meter=_meter(stats["by_status"], stats["requirements"]),
        statuses=[s.value for s in STATUS_ORDER],
    )


# -- files ------------------------------------------------------------------------------------
def write_outputs(
    results: RunResults,
    report_dir: Path,
    *,
    baseline: BaselineDiff | None = None,
    comparison: Mapping[str, Any] | None = None,
) -> dict[str, Path]:
    """Write ``report.html`` and ``results.json`` into ``report_dir``; return ``{"html", "json"}`` paths."""
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    doc = build_document(results, baseline, comparison)
    json_path = report_dir / JSON_NAME
    html_path = report_dir / HTML_NAME
    json_path.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    html_path.write_text(render_html(doc), encoding="utf-8")
    return {"html": html_path, "json": json_path}
