"""The cassette file and the comparison, without a server: canonical keys (prefix and fresh-name
counter normalised), answers, the multiset comparison, the format version, the exit gate, and
the planted-secret test for cassettes."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from conformance import contract
from conformance.cassettes import Cassette, Recorder, compare
from conformance.cassettes.cassette import Normaliser, _salt_of, canonical_key, redacted_target
from conformance.cassettes.compare import fingerprint_format
from conformance.exchange import BodyFormat, Exchange, ParsedBody, Transport
from conformance.results import RunResults, Verdicts, gate
from conformance.verdict import Observation, Status, Verdict
from reports.render import SCHEMA_PATH as SCHEMA
from reports.render import write_outputs

PREFIX = "ikp0123abcdw1-"
TEST = "tests/x/test_names.py::test_valid[IKP-N1]"
SHORT = "test_names.py::test_valid[IKP-N1]"
FP = "12:34:56:78:9a:bc:de:f0:12:34:56:78:9a:bc:de:f0"
PLANTED_SECRET = "PLANTEDcassetteSECRET0123456789"
PLANTED_TOKEN = "PLANTEDcassetteTOKEN9876543210"
PLANTED_SIGNATURE = "PLANTEDcassetteSIGNATUREabcdef"
PLANTED_KEY_ID = "LTAIplantedCassetteKey01"


def _exchange(
    name: str,
    status: int | None = 200,
    fields: dict[str, str] | None = None,
    *,
    params: dict[str, str] | None = None,
    tamper: dict[str, str] | None = None,
    syntax: str | None = "json",
) -> Exchange:
    answer = dict(
        fields if fields is not None else {"RequestId": "r", "KeyPairName": name, "KeyPairFingerPrint": FP}
    )
    business = {"RegionId": contract.DEFAULT_REGION, "KeyPairName": name, "PublicKeyBody": "ssh-ed25519 AAAA"}
    return Exchange(
        action=contract.ACTION_IMPORT,
        transport=Transport.GET,
        body_format=BodyFormat.JSON,
        method="GET",
        url="http://127.0.0.1:9/?Action=ImportKeyPair",
        params={**business, "Signature": "REDACTED"},
        request_headers={},
        request_body="",
        status=status,
        response_text=json.dumps(answer),
        parsed=ParsedBody(syntax, None, answer, answer) if status is not None else ParsedBody(None),
        signed=True,
        business_params={**business, **(params or {})},
        tamper=tamper or {},
        transport_error=None if status is not None else "connection refused",
    )


def _cassette(*exchanges: tuple[Exchange, str], prefix: str = PREFIX) -> Cassette:
    recorder = Recorder(prefix, {"seed": "1", "hypothesis_profile": "quick"})
    for exchange, test in exchanges:
        recorder.note(exchange, test)
    return recorder.cassette


def test_prefix_and_fresh_name_counter_are_normalised() -> None:
    salt = _salt_of(SHORT)
    norm = Normaliser(PREFIX)
    assert norm.text(f"{PREFIX}dup{salt}0003", SHORT) == f"<PREFIX>dup{salt}<N>"
    assert norm.text(f"{PREFIX}dup{salt}10003", SHORT) == f"<PREFIX>dup{salt}<N>"
    assert norm.text(f'["{PREFIX}a{salt}0001","{PREFIX}a{salt}0002"]', SHORT) == (
        f'["<PREFIX>a{salt}<N>","<PREFIX>a{salt}<N>"]'
    )
    assert norm.text(PREFIX.upper() + "x", SHORT) == "<PREFIX:upper>x"
    assert norm.text("i%kp0123abcdw1-x", SHORT) == "<PREFIX:+%>x"
    assert norm.text("plain-name", SHORT) == "plain-name"
    # Two runs' prefixes give the same key.
    other = "ikp9999ffffw1-"
    mine = canonical_key(_exchange(f"{PREFIX}n{salt}0001"), TEST, Normaliser(PREFIX))
    theirs = canonical_key(_exchange(f"{other}n{salt}0007"), TEST, Normaliser(other))
    assert mine == theirs
    assert mine["test"] == SHORT and mine["params"]["KeyPairName"] == f"<PREFIX>n{salt}<N>"


def test_keys_never_hold_credentials_and_random_nonces_are_normalised() -> None:
    exchange = _exchange(
        "abc",
        params={
            "AccessKeyId": PLANTED_KEY_ID,
            "Signature": PLANTED_SIGNATURE,
            "SecurityToken": PLANTED_TOKEN,
        },
        tamper={"nonce": "f849043862e74e9497fe0d92511d5967", "access_key_id": "LTAI****"},
    )
    key = canonical_key(exchange, TEST, Normaliser(PREFIX))
    text = json.dumps(key)
    for secret in (PLANTED_KEY_ID, PLANTED_SIGNATURE, PLANTED_TOKEN, "f849043862e7"):
        assert secret not in text
    assert key["tamper"]["nonce"] == "<nonce>"
    raced = canonical_key(_exchange("a1"), TEST, Normaliser(PREFIX), raced=True)
    assert raced == canonical_key(_exchange("b2"), TEST, Normaliser(PREFIX), raced=True)
    assert raced["raced"] is True


def test_same_answers_in_any_order_do_not_diverge() -> None:
    ok, taken = _exchange("n"), _exchange("n", 400, {"Code": "KeyPair.AlreadyExist", "Message": "m"})
    recorded = _cassette((ok, TEST), (taken, TEST))
    comparison = compare(_cassette((taken, TEST), (ok, TEST)), recorded, "c.json")
    assert comparison.divergences == [] and comparison.uncompared == []
    assert comparison.compared == 2


def test_a_different_answer_is_a_divergence_naming_its_aspects() -> None:
    recorded = _cassette((_exchange("n"), TEST))
    error_200 = _exchange(
        "n", 200, {"RequestId": "r", "Code": "InvalidKeyPairName.Malformed", "Message": "m"}
    )
    comparison = compare(_cassette((error_200, TEST)), recorded, "c.json")
    [divergence] = comparison.divergences
    assert divergence["aspects"] == ["code", "fingerprint format", "body shape"]
    assert divergence["run"]["code"] == "InvalidKeyPairName.Malformed"
    assert divergence["cassette"]["fingerprint_format"] == "md5-colon"
    no_colons = _exchange(
        "n", 200, {"RequestId": "r", "KeyPairName": "n", "KeyPairFingerPrint": FP.replace(":", "")}
    )
    [divergence] = compare(_cassette((no_colons, TEST)), recorded, "c.json").divergences
    assert divergence["aspects"] == ["fingerprint format"]
    [divergence] = compare(_cassette((_exchange("n", None), TEST)), recorded, "c.json").divergences
    assert divergence["aspects"][0] == "status" and "answered" in divergence["aspects"]


def _judged(*exchanges: tuple[Exchange, str, Verdict | None]) -> Cassette:
    recorder = Recorder(PREFIX, {"seed": "1", "hypothesis_profile": "quick"})
    for exchange, test, verdict in exchanges:
        recorder.note(exchange, test)
        if verdict is not None:
            recorder.judged(exchange, verdict)
    recorder.finish()
    return recorder.cassette


def _passed(fingerprint_form: str) -> Verdict:
    seen = Observation("IKP-R2", "fingerprint form", fingerprint_form)
    return Verdict(Status.PASS, ("IKP-N1",), observations=(seen,))


PASS_N1 = _passed("colons")
WRONG_FP = Verdict(Status.FAIL, ("IKP-N1",), ("IKP-R2: wrong",), (("IKP-R2", "wrong"),))
WARNED = Verdict(Status.PASS, ("IKP-N1",), warnings=("IKP-R3: Message differs",))


def test_a_verdict_that_differs_is_a_divergence_naming_the_requirement() -> None:
    """The same answer shape judged otherwise (a wrong fingerprint value, a Message off the
    documented text) diverges on the verdict, named by the requirement whose verdict differs."""
    recorded = _judged((_exchange("n"), TEST, PASS_N1))
    assert recorded.answers[next(iter(recorded.answers))][0]["verdict"] == {
        "status": "PASS",
        "failed": [],
        "warned": [],
    }
    [divergence] = compare(_judged((_exchange("n"), TEST, WRONG_FP)), recorded, "c").divergences
    assert divergence["aspects"] == ["verdict"] and divergence["requirements"] == ["IKP-R2"]
    [divergence] = compare(_judged((_exchange("n"), TEST, WARNED)), recorded, "c").divergences
    assert divergence["requirements"] == ["IKP-R3"]
    assert compare(_judged((_exchange("n"), TEST, PASS_N1)), recorded, "c").divergences == []
    # One side did not judge the key (a mirror's clean-up): verdicts are not compared there.
    assert compare(_judged((_exchange("n"), TEST, None)), recorded, "c").divergences == []


def test_a_divergence_without_a_verdict_is_named_by_its_test() -> None:
    recorded = _judged((_exchange("n"), TEST, None))
    refused = _exchange("n", 400, {"RequestId": "r", "Code": "InvalidKeyPairName.Malformed", "Message": "m"})
    [divergence] = compare(_judged((refused, TEST, None)), recorded, "c").divergences
    assert divergence["requirements"] == ["IKP-N1"]  # from the test's node id
    summary = compare(_judged((refused, TEST, None)), recorded, "c").summary()
    assert summary["requirements"] == {"IKP-N1": 1}


def test_behaviour_profiles_side_by_side() -> None:
    bare = _passed("bare")
    recorded = _judged((_exchange("n"), TEST, PASS_N1))
    comparison = compare(_judged((_exchange("n"), TEST, bare)), recorded, "c")
    assert comparison.profile == [
        {
            "requirement": "IKP-R2",
            "question": "fingerprint form",
            "run": {"bare": 1},
            "cassette": {"colons": 1},
            "same": False,
        }
    ]
    assert comparison.summary()["profile_differences"] == 1
    same = compare(_judged((_exchange("n"), TEST, PASS_N1)), recorded, "c")
    assert [row["same"] for row in same.profile] == [True]


def test_requests_the_cassette_lacks_are_listed_not_guessed() -> None:
    recorded = _cassette((_exchange("n"), TEST))
    run = _cassette((_exchange("n"), TEST), (_exchange("n"), TEST), (_exchange("other"), TEST))
    comparison = compare(run, recorded, "c.json")
    assert comparison.divergences == []
    whys = sorted(u["why"] for u in comparison.uncompared)
    assert whys == ["not in the cassette", "sent 2 times, recorded 1"]
    assert comparison.summary()["uncompared"] == comparison.uncompared


def test_fingerprint_formats() -> None:
    assert fingerprint_format(FP) == "md5-colon"
    assert fingerprint_format(FP.replace(":", "")) == "hex32"
    assert fingerprint_format("SHA256:abc") == "other"
    assert fingerprint_format(None) == "absent"


def test_the_file_round_trips_and_its_version_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    cassette = _cassette((_exchange("n"), TEST))
    cassette.save(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format"] == "ikp-cassette" and doc["format_version"] == 2 and doc["about"]
    loaded = Cassette.load(path)
    assert loaded.keys == cassette.keys and loaded.answers == cassette.answers
    assert compare(cassette, loaded, str(path)).divergences == []
    doc["format_version"] = 99
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ValueError, match="format version 99"):
        Cassette.load(path)
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(ValueError, match="not a cassette"):
        Cassette.load(path)


def test_planted_secrets_reach_no_cassette(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The planted-secret test (tests/reports/test_report_redaction.py) for a cassette: secrets
    a careless producer would copy into the parameters, the signature faults, an echoed Message
    or the target URL never reach the file."""
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", PLANTED_SECRET)
    leaky = _exchange(
        "abc",
        400,
        {
            "RequestId": "r",
            "Code": "SignatureDoesNotMatch",
            "Message": f"string to sign GET&Signature%3D{PLANTED_SIGNATURE}%26SecurityToken%3D{PLANTED_TOKEN}"
            f" with secret {PLANTED_SECRET}",
        },
        params={
            "AccessKeyId": PLANTED_KEY_ID,
            "Signature": PLANTED_SIGNATURE,
            "SecurityToken": PLANTED_TOKEN,
            "Authorization": f"ACS3-HMAC-SHA256 Credential={PLANTED_KEY_ID},Signature={PLANTED_SIGNATURE}",
            "Description": f"AccessKeySecret={PLANTED_SECRET}",
        },
        tamper={"access_key_id": PLANTED_KEY_ID},
    )
    recorder = Recorder(
        PREFIX, {"target": redacted_target(f"http://{PLANTED_KEY_ID}:{PLANTED_SECRET}@127.0.0.1:9/?token=x")}
    )
    recorder.note(leaky, TEST)
    path = tmp_path / "c.json"
    recorder.cassette.save(path)
    text = path.read_text(encoding="utf-8")
    for secret in (PLANTED_SECRET, PLANTED_TOKEN, PLANTED_SIGNATURE, PLANTED_KEY_ID):
        assert secret not in text, secret
    assert "SignatureDoesNotMatch" in text and "127.0.0.1:9" in text  # not over-scrubbed


@pytest.mark.parametrize(
    ("status", "divergent", "expected"),
    [
        (pytest.ExitCode.OK, True, pytest.ExitCode.TESTS_FAILED),
        (pytest.ExitCode.OK, False, pytest.ExitCode.OK),
        (pytest.ExitCode.TESTS_FAILED, True, pytest.ExitCode.TESTS_FAILED),
        (pytest.ExitCode.INTERRUPTED, True, pytest.ExitCode.INTERRUPTED),
    ],
)
def test_the_gate_fails_a_divergent_run_only_when_asked(status: int, divergent: bool, expected: int) -> None:
    assert gate.exit_status(status, Verdicts.CONFORMANT, divergent=divergent) == expected
    assert gate.exit_status(status, Verdicts.CONFORMANT, regressions=[], divergent=divergent) == expected


def test_divergences_reach_results_json_and_report_html(tmp_path: Path) -> None:
    recorded = _cassette((_exchange("n"), TEST))
    error_200 = _exchange("n", 200, {"RequestId": "r", "Code": "Bad", "Message": "m"})
    comparison = compare(_cassette((error_200, TEST), (_exchange("other"), TEST)), recorded, "c.json")
    paths = write_outputs(
        RunResults(),
        tmp_path,
        comparison={"summary": comparison.summary(), "divergences": comparison.divergences},
    )
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    jsonschema.validate(doc, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert [d["aspects"] for d in doc["divergences"]] == [["code", "fingerprint format", "body shape"]]
    assert doc["comparison"]["divergent"] == 1 and len(doc["comparison"]["uncompared"]) == 1
    html = paths["html"].read_text(encoding="utf-8")
    assert "Divergences from the cassette (1)" in html and "Not compared (1)" in html
    # Without --compare-with neither key appears (both are optional in the schema).
    plain = json.loads(write_outputs(RunResults(), tmp_path / "plain")["json"].read_text(encoding="utf-8"))
    assert "divergences" not in plain and "comparison" not in plain
