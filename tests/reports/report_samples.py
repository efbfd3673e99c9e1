"""Sample runs for the reports' tests: RunResults filled by recording real Verdicts and Exchanges."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance import contract
from conformance.exchange import BodyFormat, Exchange, ParsedBody, Transport
from conformance.results import RunResults
from conformance.verdict import Observation, Status, Verdict

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "reports" / "schema" / "results.schema.json"

SCRIPT = "<script>alert(1)</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"

# Secrets a careless producer could copy into the results (see test_report_redaction.py).
PLANTED_SECRET = "PLANTEDaks0123456789SECRETxyz"
PLANTED_SIGNATURE = "PLANTEDsig9876543210abcdefXYZ"
PLANTED_TOKEN = "PLANTEDstsTOKEN00112233445566"
PLANTED = (PLANTED_SECRET, PLANTED_SIGNATURE, PLANTED_TOKEN)


def exchange(
    name: str,
    status: int | None,
    text: str,
    *,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    url_extra: str = "",
    transport_error: str | None = None,
) -> Exchange:
    sent = {
        "Action": contract.ACTION_IMPORT,
        "Version": contract.API_VERSION,
        "Format": "JSON",
        "RegionId": contract.DEFAULT_REGION,
        "KeyPairName": name,
        **(params or {}),
    }
    return Exchange(
        action=contract.ACTION_IMPORT,
        transport=Transport.GET,
        body_format=BodyFormat.JSON,
        method="GET",
        url=f"http://127.0.0.1:9/?Action=ImportKeyPair&KeyPairName=x{url_extra}",
        params=sent,
        request_headers=headers or {"Accept": "*/*"},
        request_body="",
        status=status,
        response_headers={"Content-Type": "application/json"} if status else {},
        response_text=text,
        parsed=ParsedBody("json", fields={"RequestId": "r-1"}) if status else ParsedBody(None),
        transport_error=transport_error,
    )


def fill(results: RunResults) -> RunResults:
    """Passes on most Core requirements, one FAIL, one ERROR, Profile readings, warnings, leftovers."""
    results.meta.update(
        {
            "target": "http://127.0.0.1:9",
            "suite_version": "0.1.0",
            "started": "2026-11-28T06:00:00+00:00",
            "finished": "2026-11-28T06:05:00+00:00",
            "hypothesis_profile": "ci",
            "seed": "derandomized",
            "config": {"region": "cn-hangzhou", "access_key_id": "LTAI****"},
            "regions": ["cn-hangzhou", "cn-shanghai"],
        }
    )
    for req in contract.REQUIREMENTS:
        if req.tier is contract.Tier.CORE and req.id not in ("IKP-N3", "IKP-T5"):
            for i in range(3):
                results.record(f"test_{req.id}[{i}]", Verdict(Status.PASS, (req.id,)))
    message = f'{{"RequestId":"r-1","Code":"Oops","Message":"{SCRIPT}"}}'
    results.record(
        "test_first_character[1abc]",
        Verdict(
            Status.FAIL,
            ("IKP-N3",),
            reasons=("expected 400 InvalidKeyPairName.Malformed, got 200",),
            failed_requirements=(("IKP-N3", "accepted a name starting with a digit"),),
            warnings=(f"InvalidKeyPairName.Malformed: Message differs: {SCRIPT}",),
            observations=(Observation("IKP-N5", "'.' in a name", "accepted"),),
        ),
        case={"KeyPairName": f"1abc{SCRIPT}", "PublicKeyBody": "ssh-rsa AAAA"},
        exchange=exchange(f"1abc{SCRIPT}", 200, message),
        acceptable=["400 InvalidKeyPairName.Malformed"],
        reproduce="pytest 'conformance/requirements/test_names.py::test_first_character' --hypothesis-seed=7",
    )
    results.record("test_first_character[ok]", Verdict(Status.PASS, ("IKP-N3",)))
    results.record(
        "test_internal_error",
        Verdict(Status.ERROR, ("IKP-T5",), reasons=("connection refused after 4 attempts",)),
        exchange=exchange("abc", None, "", transport_error="connection refused"),
        reproduce="pytest 'conformance/requirements/test_transport.py::test_internal_error'",
    )
    for reading, n in (("accepted", 2), ("400 InvalidKeyPairName.Malformed", 1)):
        for _ in range(n):
            results.record(
                "test_unicode_names",
                Verdict(
                    Status.PASS,
                    ("IKP-N5",),
                    observations=(Observation("IKP-N5", "CJK letters in a name", reading),),
                ),
            )
    results.record(
        "test_pem",
        Verdict(
            Status.PASS,
            ("IKP-K4",),
            observations=(
                Observation("IKP-K4", "PEM BEGIN PUBLIC KEY", "400 InvalidPublicKeyBody.Malformed"),
            ),
        ),
    )
    results.mark_unsupported("IKP-X3", "target does not check signatures")
    results.capabilities.update({"describe": True, "delete": True, "signatures": False})
    results.add_leftover("cn-hangzhou", "ikpdeadbeef-left", "DeleteKeyPairs answered 503")
    return results


def conformant() -> RunResults:
    results = RunResults(meta={"target": "http://127.0.0.1:9", "suite_version": "0.1.0"})
    for req_id in contract.core_ids():
        results.record(f"test_{req_id}", Verdict(Status.PASS, (req_id,)))
    return results


def load_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded
