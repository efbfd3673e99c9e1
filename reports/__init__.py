"""The run's outputs, all rendered from one scrubbed results document.

- ``render.py``: ``write_outputs`` (report.html + results.json), ``terminal_lines``;
- ``baseline.py``: ``compare_baseline`` / ``BaselineDiff`` for ``--baseline FILE``;
- ``redact.py``: defense-in-depth secret scrubbing applied before anything is rendered;
- ``templates/report.html.j2``: the self-contained HTML report (autoescaped, no script);
- ``schema/results.schema.json``: JSON Schema (draft 2020-12) of results.json.

The pytest hooks that call these live in ``conformance/runner/reporting.py``.
"""
