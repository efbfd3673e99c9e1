"""The input classes in results.json and report.html: counted from the case parts of each
recorded verdict, merged across workers, round-tripped, every inventory class listed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from conformance import contract
from conformance.results import RunResults
from conformance.verdict import Status, Verdict
from reports.render import build_document, render_html, write_outputs
from strategies import classes

PASS_N4 = Verdict(Status.PASS, ("IKP-N4",))


def _counts(doc: dict[str, Any]) -> dict[str, int]:
    return {c["id"]: c["count"] for g in doc["classes"]["requirements"] for c in g["classes"]}


def test_labels_are_counted_merged_and_round_tripped(schema: dict[str, Any], tmp_path: Path) -> None:
    one, two = RunResults(), RunResults()
    one.record("t1", PASS_N4, labels=("name:forbidden-newline@last", "key:openssh@ssh-rsa", "region:known"))
    two.record("t2", PASS_N4, labels=("name:forbidden-newline@last", "key:rfc4716@ssh-dss"))
    two.record("t3", PASS_N4)  # a verdict without a case counts no class
    one.merge(RunResults.from_json(json.loads(json.dumps(two.to_json()))))
    counts = _counts(one.to_json())
    assert counts["name:forbidden-newline@last"] == 2
    assert counts["key:openssh@ssh-rsa"] == 1 and counts["key:rfc4716"] == 1  # a Profile key: its family
    assert set(counts) == set(classes.BY_ID) and sum(counts.values()) == 4
    assert one.to_json()["classes"]["unlisted"] == {"region:known": 1}
    again = RunResults.from_json(one.to_json())
    assert _counts(again.to_json()) == counts and again.unlisted == one.unlisted
    doc = json.loads(write_outputs(one, tmp_path)["json"].read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema)
    groups = [g["requirement"] for g in doc["classes"]["requirements"]]
    assert groups == [r.id for r in contract.REQUIREMENTS if r.id in groups]  # in the contract's order
    assert {"IKP-T1", "IKP-N1", "IKP-N5", "IKP-K3", "IKP-TG2"} <= set(groups)


def test_the_report_marks_a_class_never_drawn() -> None:
    results = RunResults()
    drawn = [c.id for c in classes.classes_of("IKP-N1")]
    results.record("t", Verdict(Status.PASS, ("IKP-N1",)), labels=tuple(drawn))
    html = render_html(build_document(results))
    section = html[html.index('<section id="classes">') :]
    assert 'id="classes-IKP-N1"' in section and "IKP-N1</b> · 2 classes · all drawn" in section
    assert "0 — never drawn" in section.split('id="classes-IKP-N4"')[1].split("</details>")[0]
    assert section.count('<tr class="never">') == len(classes.INVENTORY) - len(drawn)
