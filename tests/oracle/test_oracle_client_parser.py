"""judge_import on bodies read by the suite's own client parser (``conformance.target.parse_body``),
so the oracle and the client agree on what a field is."""

from __future__ import annotations

from dataclasses import replace

import pytest
from oracle_helpers import (
    FP,
    charged,
    error_case,
    error_json,
    error_xml,
    success_json,
    success_xml,
    valid_case,
)

from conformance import contract
from conformance.exchange import Exchange
from conformance.oracle import judge_import
from conformance.verdict import Status

target = pytest.importorskip("conformance.target")


def _client(ex: Exchange) -> Exchange:
    return replace(ex, parsed=target.parse_body(ex.response_text.encode()))


@pytest.mark.parametrize("ex", [success_json(), success_xml()], ids=["json", "xml"])
def test_success_parsed_by_the_client_passes(ex: Exchange) -> None:
    verdict = judge_import(valid_case(), _client(ex), strict_messages=True)
    assert verdict.status is Status.PASS, verdict.reasons


@pytest.mark.parametrize("ex", [error_json(), error_xml()], ids=["json", "xml"])
def test_error_parsed_by_the_client_passes(ex: Exchange) -> None:
    verdict = judge_import(error_case(), _client(ex), strict_messages=True)
    assert verdict.status is Status.PASS, verdict.reasons


def test_client_parsed_failures_are_charged_the_same() -> None:
    assert charged(judge_import(valid_case(), _client(success_json(fingerprint=FP.upper())))) == {"IKP-R2"}
    assert charged(judge_import(error_case(), _client(error_json(status=200)))) >= {"IKP-T4", "IKP-N3"}
    bad = _client(error_json(contract.INVALID_PUBLIC_KEY_BODY))
    assert charged(judge_import(error_case(), bad)) == {"IKP-N3"}


def test_json_array_body_is_unparseable_for_the_client() -> None:
    ex = replace(success_json(), response_text="[1, 2]")
    verdict = judge_import(valid_case(), _client(ex))
    assert {"IKP-T2", "IKP-T4", "IKP-N2"} <= charged(verdict)
