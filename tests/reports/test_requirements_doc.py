"""The shipped requirements document matches the contract (``conformance/requirements_doc.py``)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from conformance import contract, requirements_doc
from conformance.target import retry


def test_shipped_document_is_up_to_date() -> None:
    assert requirements_doc.shipped() == requirements_doc.render(), (
        f"conformance/{requirements_doc.DOC_RELATIVE_PATH} is stale: run {requirements_doc.GENERATE_COMMAND}"
    )


def test_document_says_it_is_generated_and_how() -> None:
    head = requirements_doc.shipped().splitlines()[:3]
    assert any("Generated from `conformance/contract.py`" in line for line in head)
    assert any(requirements_doc.GENERATE_COMMAND in line for line in head)


def test_every_requirement_has_its_own_section_with_text_and_quote() -> None:
    doc = requirements_doc.shipped()
    headings = re.findall(r"^### (IKP-[A-Z]+\d+) \((\w+)\)$", doc, flags=re.MULTILINE)
    assert headings == [(r.id, r.tier.value) for r in contract.REQUIREMENTS]
    for req in contract.REQUIREMENTS:
        section = doc.split(f"### {req.id} (", 1)[1].split("\n### ", 1)[0]
        # Markdown escapes aside, the rule and the quote are there word for word.
        plain = section.replace("\\", "")
        assert req.text in plain, req.id
        assert req.quote in plain, req.id


def test_every_tier_group_and_error_code_is_covered() -> None:
    doc = requirements_doc.shipped()
    for tier in contract.Tier:
        assert f"- **{tier.value}**: " in doc
    assert {r.group for r in contract.REQUIREMENTS} <= set(requirements_doc.GROUP_TITLES)
    for code in contract.ERRORS_BY_CODE:
        assert f"`{code}`" in doc
    for word in (retry.THROTTLING_WORD, retry.SERVICE_UNAVAILABLE):  # the one retry rule's codes
        assert f"`{word}`" in requirements_doc.PROMISES[1]


def test_stale_document_is_detected(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert requirements_doc.main(["--check"]) == 0
    changed = (replace(contract.REQUIREMENTS[0], text="a rule the shipped file does not have"),)
    monkeypatch.setattr(contract, "REQUIREMENTS", changed + contract.REQUIREMENTS[1:])
    assert requirements_doc.main(["--check"]) == 1
    assert requirements_doc.GENERATE_COMMAND in capsys.readouterr().err


def test_a_group_without_a_title_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    orphan = replace(contract.REQUIREMENTS[0], id="IKP-Z1", group="nowhere")
    monkeypatch.setattr(contract, "REQUIREMENTS", (*contract.REQUIREMENTS, orphan))
    with pytest.raises(KeyError, match="IKP-Z1"):
        requirements_doc.render()
