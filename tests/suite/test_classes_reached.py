"""Every NAME and KEY input class of the inventory (``strategies/classes.py``) is sent by a
quick run against the bundled server, and results.json and report.html list every class."""

from __future__ import annotations

import json
from pathlib import Path

from mutation.bench import load as load_benchmark

from strategies import classes

suiterun = load_benchmark("suiterun")


def test_a_quick_run_sends_every_name_and_key_class(tmp_path: Path) -> None:
    results = suiterun.run_suite(None, tmp_path / "out", profile="quick", cwd=tmp_path, timeout=600)
    assert results["verdict"] == "conformant", results.get("_stdout", "")[-3000:]
    rows = {c["id"]: c for g in results["classes"]["requirements"] for c in g["classes"]}
    assert set(rows) == set(classes.BY_ID)  # the inventory is the denominator
    for group in results["classes"]["requirements"]:
        assert all(classes.BY_ID[c["id"]].requirement == group["requirement"] for c in group["classes"])
    complete = set(classes.complete_requirements())
    never = sorted(i for i, c in rows.items() if classes.BY_ID[i].requirement in complete and not c["count"])
    assert never == [], never
    html = (tmp_path / "out" / "report.html").read_text()
    assert 'id="classes-IKP-N4"' in html and "name:forbidden-newline@last" in html
    json.dumps(results)  # plain JSON
