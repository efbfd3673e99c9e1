"""results.json: validates against its schema, round-trips through RunResults, merges across workers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from report_samples import conformant, fill

from conformance import contract
from conformance.results import RunResults
from conformance.verdict import Observation, Status, Verdict
from reports.baseline import compare_baseline
from reports.render import write_outputs


def _written(results: RunResults, tmp_path: Path, **kwargs: Any) -> dict[str, Any]:
    path = write_outputs(results, tmp_path, **kwargs)["json"]
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def test_schema_is_a_valid_draft_2020_12_schema(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("kind", ["sample", "conformant", "empty", "with-baseline"])
def test_real_output_validates(kind: str, schema: dict[str, Any], tmp_path: Path) -> None:
    if kind == "conformant":
        results = conformant()
    elif kind == "empty":
        results = RunResults(meta={"target": "http://127.0.0.1:9", "suite_version": "0"})
    else:
        results = fill(RunResults())
    baseline = compare_baseline(results, fill(RunResults()).to_json()) if kind == "with-baseline" else None
    doc = _written(results, tmp_path, baseline=baseline)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(doc)
    assert ("baseline" in doc) is (kind == "with-baseline")


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        (("verdict",), "mostly conformant"),
        (("requirements", 0, "status"), "OK"),
        (("tiers", "core", "result"), "fine"),
        (("failures", 0, "status"), "PASS"),
        (("meta", "suite_version"), None),
    ],
)
def test_schema_rejects_a_broken_document(
    path: tuple[Any, ...], bad: Any, schema: dict[str, Any], sample_results: RunResults, tmp_path: Path
) -> None:
    doc = _written(sample_results, tmp_path)
    target = doc
    for key in path[:-1]:
        target = target[key]
    if bad is None:
        del target[path[-1]]
    else:
        target[path[-1]] = bad
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)


def test_document_keeps_core_and_extended_apart(sample_results: RunResults, tmp_path: Path) -> None:
    doc = _written(sample_results, tmp_path)
    assert doc["verdict"] == "not conformant"
    core, extended, profile = doc["tiers"]["core"], doc["tiers"]["extended"], doc["tiers"]["profile"]
    assert core["result"] == "failure" and core["failed"] == ["IKP-N3"] and core["errors"] == ["IKP-T5"]
    assert core["statistics"]["requirements"] == len(contract.core_ids())
    assert extended["unsupported"] == ["IKP-X3"] and extended["result"] == "incomplete"
    assert profile["statistics"]["cases"] == 4
    assert {(p["requirement"], p["question"]): p["readings"] for p in doc["profile"]}[
        ("IKP-N5", "CJK letters in a name")
    ] == {"accepted": 2, "400 InvalidKeyPairName.Malformed": 1}


def test_round_trip_through_json(sample_results: RunResults, tmp_path: Path) -> None:
    original = sample_results.to_json()
    again = RunResults.from_json(json.loads(json.dumps(original)))
    assert again.to_json() == original
    # the written file (scrubbed, with report-only keys) reads back too
    assert RunResults.from_json(_written(sample_results, tmp_path)).to_json() == original


def test_merge_adds_counts() -> None:
    one, two = fill(RunResults()), fill(RunResults())
    two.record(
        "test_extra",
        Verdict(Status.PASS, ("IKP-N7",), observations=(Observation("IKP-N7", "case", "distinct"),)),
    )
    two.add_leftover("cn-shanghai", "ikpw2-left", "timeout")
    before = {r.id: r.cases for r in one.requirements.values()}
    one.merge(RunResults.from_json(json.loads(json.dumps(two.to_json()))))
    for req_id, cases in before.items():
        extra = 1 if req_id == "IKP-N7" else 0
        assert one.requirements[req_id].cases == 2 * cases + extra, req_id
    assert one.requirements["IKP-N3"].failed == 2 and one.requirements["IKP-N3"].passed == 2
    assert one.observations[("IKP-N5", "CJK letters in a name")]["accepted"] == 4
    assert one.observations[("IKP-N7", "case")]["distinct"] == 1
    assert sum(one.warnings.values()) == 2
    assert len(one.leftovers) == 3 and one.exchanges == 4
    assert one.verdict() == "not conformant"


def test_conformant_needs_every_core_requirement() -> None:
    results = conformant()
    assert results.to_json()["verdict"] == "conformant"
    results.requirements[contract.core_ids()[0]].cases = 0
    results.requirements[contract.core_ids()[0]].passed = 0
    assert results.to_json()["verdict"] == "incomplete"


def _failing(*req_ids: str) -> Verdict:
    return Verdict(
        Status.FAIL,
        ("IKP-N2", "IKP-N4"),
        tuple(f"{r}: wrong" for r in req_ids),
        tuple((r, "wrong") for r in req_ids),
    )


def test_a_final_replay_drops_what_unshrunk_examples_recorded_under_other_requirements() -> None:
    """Hypothesis's examples on the way to the minimal one are provisional: once the final
    replay of a test records its failure, the report keeps only minimal examples."""
    results = RunResults()
    results.record("test_other", _failing("IKP-K3"), final=False)  # another test: kept
    results.record("test_names", _failing("IKP-N2", "IKP-N4"), final=False)  # unshrunk: 128 long, a ':'
    results.record("test_names", _failing("IKP-K2"), final=False)  # another deviation: kept
    results.record("test_plain", _failing("IKP-T1"))  # outside Hypothesis: always kept
    assert len(results.failures) == 4
    results.record("test_names", _failing("IKP-N4"), final=True)  # the minimal example: a ':'
    assert [(f.test_id, f.requirement) for f in results.failures.values()] == [
        ("test_other", "IKP-K3"),
        ("test_names", "IKP-K2"),
        ("test_plain", "IKP-T1"),
        ("test_names", "IKP-N4"),
    ]
    # The unshrunk example's charge to IKP-N2 is withdrawn; IKP-N4 failed twice.
    assert results.requirements["IKP-N2"].failed == 0 and results.requirements["IKP-N4"].failed == 2
    assert results.requirements["IKP-K2"].failed == 1
