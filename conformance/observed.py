"""What real ECS was observed doing, as data next to the contract (``contract.py``).

The documentation is the contract; this module is the evidence that the real service answers
otherwise in places (recorded real responses, acceptance-test runs against the live service,
production code that depends on a live behaviour). Each ``Evidence`` entry names the finding,
its public sources (URLs and commits),
its confidence, the requirements it bears on, and what the suite does with it
(``Treatment``):

- ``RELAXED``: the documented reading fails real ECS here, and the evidence is strong (High),
  so ``--reading observed`` accepts what ECS was seen doing (the relaxation is the oracle's:
  ``conformance/oracle/readings.py``), and the default documented reading annotates each such
  failure with the evidence ("real ECS was observed accepting this too").
- ``ALREADY_LEGAL``: what ECS was seen doing is already legal under the documented reading
  (the contract took it up, or the suite never asks); listed so that the report and the
  requirements document show the evidence.
- ``ANNOTATION_ONLY``: evidence too weak (Medium or Low) to relax a rule; shown, never relaxed.

The data ships with the package (a module under ``conformance/``); the requirements document
(``requirements_doc.py``) shows the evidence of each requirement, the report the relaxations a
run applied. Nothing here judges anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from conformance import contract

DOCUMENTED, OBSERVED = "documented", "observed"
READINGS = (DOCUMENTED, OBSERVED)


class Confidence(StrEnum):
    """How sure the evidence is (High = reproduced from a recorded real
    response, or several independent observations agree; Medium = one credible observation
    or strong inference; Low = indirect)."""

    HIGH = "High"
    MEDIUM = "Medium"
    LOW = "Low"


class Treatment(StrEnum):
    """What the suite does with a piece of evidence (see the module docstring)."""

    RELAXED = "relaxed under --reading observed"
    ALREADY_LEGAL = "already legal"
    ANNOTATION_ONLY = "annotation only"


@dataclass(frozen=True)
class Source:
    """One source of a finding: its short name, what it shows, where to find it."""

    tag: str
    shows: str
    where: str

    def to_json(self) -> dict[str, str]:
        return {"tag": self.tag, "shows": self.shows, "where": self.where}


@dataclass(frozen=True)
class Evidence:
    """One observed behaviour of real ECS and how the suite takes it up."""

    id: str  # "OBS-" + the finding's number in the survey the entries come from
    finding: str
    sources: tuple[Source, ...]
    confidence: Confidence
    requirements: tuple[str, ...]
    treatment: Treatment
    note: str  # how the contract / the suite takes it up

    def citation(self) -> str:
        """``OBS-1b (High; TF-PR27, TF-PR210)``: the short form a failure's annotation uses."""
        return f"{self.id} ({self.confidence.value}; {', '.join(s.tag for s in self.sources)})"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "finding": self.finding,
            "sources": [s.to_json() for s in self.sources],
            "confidence": self.confidence.value,
            "requirements": list(self.requirements),
            "treatment": self.treatment.value,
            "note": self.note,
        }


_TF = "https://github.com/aliyun/terraform-provider-alicloud"

EVIDENCE: tuple[Evidence, ...] = (
    Evidence(
        id="OBS-1b",
        finding=(
            "ImportKeyPair validates PublicKeyBody very leniently: Terraform's acceptance test "
            "imports `ssh-rsa AAAAB3Nza12345678qwertyuudsfsg` (unpadded base64 that strict "
            "decoding refuses, a 22-byte blob whose inner type is not ssh-rsa, no key fields) "
            "and it passed against live ECS, with a non-empty fingerprint since 2019."
        ),
        sources=(
            Source(
                "TF-PR27",
                "pasted TF_ACC=1 run: --- PASS: TestAccAlicloudKeyPair_publicKey (2017-08-22)",
                f"{_TF}/pull/27",
            ),
            Source("TF-PR210", "pasted TF_ACC=1 run, same test PASS (2018-07-09)", f"{_TF}/pull/210"),
            Source(
                "TF 18b16c47c",
                "the body, alicloud/resource_alicloud_key_pair_test.go line 201",
                f"{_TF}/commit/18b16c47c",
            ),
            Source("TF 58122892f", "2019: the test asserts finger_print CHECKSET", f"{_TF}/commit/58122892f"),
        ),
        confidence=Confidence.HIGH,
        requirements=("IKP-K3",),
        treatment=Treatment.RELAXED,
        note=(
            "A body `ssh-rsa BASE64ALPHABET[ comment]` (the type of the evidence, then text of "
            "the base64 alphabet, however broken the blob it decodes to) may be accepted with a "
            "non-empty KeyPairFingerPrint (its value not judged) when the key is the request's "
            "only fault; rejection stays acceptable. Other IKP-K3 bodies (not a key, bad "
            "characters, other types, private keys) stay Core: that ECS checks every documented "
            "type as loosely is an inference no observation shows, not evidence."
        ),
    ),
    Evidence(
        id="OBS-2a",
        finding="An unknown RegionId is answered HTTP 404 InvalidRegionId.NotFound.",
        sources=(
            Source(
                "CCM81",
                "real ECS error in a log (DescribeInstances, RegionId=10)",
                "https://github.com/kubernetes/cloud-provider-alibaba-cloud/issues/81",
            ),
            Source("DOC-CKP-2025", "current CreateKeyPair error table", "CreateKeyPair documentation"),
        ),
        confidence=Confidence.MEDIUM,
        requirements=("IKP-G2",),
        treatment=Treatment.ALREADY_LEGAL,
        note="IKP-G2 accepts any 4xx with a Code for an unknown RegionId.",
    ),
    Evidence(
        id="OBS-2g",
        finding=(
            "DeleteKeyPairs with KeyPairNames that is not a JSON array answers 400 "
            "InvalidKeyPairNames.ValueNotSupported; a JSON array string works."
        ),
        sources=(
            Source("CLI31", "error quoted in an issue", "https://github.com/aliyun/aliyun-cli/issues/31"),
            Source(
                "CLI76",
                "error quoted, answer: --KeyPairNames '[\"foo\"]'",
                "https://github.com/aliyun/aliyun-cli/issues/76",
            ),
            Source(
                "PHP29",
                "HTTP Status: 400 quoted",
                "https://github.com/aliyun/aliyun-openapi-php-sdk/issues/29",
            ),
            Source("PHP38", "error quoted", "https://github.com/aliyun/openapi-sdk-php/issues/38"),
        ),
        confidence=Confidence.HIGH,
        requirements=("IKP-X2",),
        treatment=Treatment.ALREADY_LEGAL,
        note="IKP-X2 sends KeyPairNames as a JSON array string only; the suite never sends another form.",
    ),
    Evidence(
        id="OBS-2h",
        finding="DeleteKeyPairs of names that do not exist succeeds.",
        sources=(
            Source(
                "CBS",
                "cb-spider looks a key up before deleting it, because deleting a missing key "
                "always succeeds (KeyPairHandler.go DeleteKey, 2019-10, still at HEAD 6459f46)",
                "https://github.com/cloud-barista/cb-spider",
            ),
        ),
        confidence=Confidence.MEDIUM,
        requirements=("IKP-X2",),
        treatment=Treatment.ALREADY_LEGAL,
        note=(
            "The suite's capability probe deletes a name it never created and reads a 200 as "
            "'DeleteKeyPairs supported'; no verdict depends on how a missing name is answered."
        ),
    ),
    Evidence(
        id="OBS-3a",
        finding=(
            "KeyPairFingerPrint is 32 lowercase hex digits without colons (MD5 over the SSH "
            "blob), not the colon form the documentation shows."
        ),
        sources=(
            Source(
                "SP",
                "live run prints fingerprint = a9e63c3f543bd0ce9c3217bbfc13d866",
                "https://github.com/turbot/steampipe-plugin-alicloud/pull/90",
            ),
            Source(
                "JC",
                "recorded CreateKeyPair fixtures, reproduced as MD5 over the SSH blob",
                "jclouds/jclouds-labs 65d27af aliyun-ecs/src/test/resources/keypair-create-res.json",
            ),
            Source(
                "KOPS",
                "compactKeyFingerprint strips the colons",
                "kubernetes/kops upup/pkg/fi/cloudup/alitasks/sshkey.go",
            ),
            Source(
                "YUN",
                "lookUpAliyunKeypair strips the colons",
                "yunionio/cloudmux 311f52c pkg/multicloud/aliyun/keypair.go",
            ),
        ),
        confidence=Confidence.HIGH,
        requirements=("IKP-R2", "IKP-X1"),
        treatment=Treatment.ALREADY_LEGAL,
        note="IKP-R2 accepts both forms (the Profile records which); IKP-X1 lists it in either form.",
    ),
    Evidence(
        id="OBS-4a",
        finding=(
            "A key pair imported without ResourceGroupId is listed in the account's default "
            "resource group (a non-empty id), not with an empty one."
        ),
        sources=(
            Source("TF b21b2b5f5", "resource_group_id marked Computed (2024-10)", f"{_TF}/commit/b21b2b5f5"),
            Source(
                "DOC-DKP-2024",
                "resources in the default group are always displayed",
                "DescribeKeyPairs documentation",
            ),
        ),
        confidence=Confidence.MEDIUM,
        requirements=("IKP-X1",),
        treatment=Treatment.ALREADY_LEGAL,
        note='IKP-X1 accepts "" or any non-empty group for a key pair imported without one.',
    ),
    Evidence(
        id="OBS-4c",
        finding=(
            "DescribeKeyPairs lists Tags.Tag[] of {TagKey, TagValue}, possibly with system tags "
            "(keys starting acs: or aliyun) the user never sent."
        ),
        sources=(
            Source(
                "TF",
                "tagsToMap reads TagKey/TagValue; tagIgnored drops aliyun/acs: keys",
                f"{_TF} alicloud/tags.go, alicloud/resource_alicloud_ecs_key_pair.go",
            ),
        ),
        confidence=Confidence.MEDIUM,
        requirements=("IKP-X1",),
        treatment=Treatment.ALREADY_LEGAL,
        note="IKP-X1 tolerates extra tags whose key starts acs: or aliyun.",
    ),
)

EVIDENCE_BY_ID: Mapping[str, Evidence] = {e.id: e for e in EVIDENCE}
LENIENT_KEY_BODY = EVIDENCE_BY_ID["OBS-1b"]  # the one relaxation of --reading observed
TF_BODY = "ssh-rsa AAAAB3Nza12345678qwertyuudsfsg"  # the body OBS-1b saw accepted

assert all(r in contract.REQUIREMENTS_BY_ID for e in EVIDENCE for r in e.requirements)
assert all(e.treatment is not Treatment.RELAXED or e.confidence is Confidence.HIGH for e in EVIDENCE)


def evidence_for(req_id: str) -> tuple[Evidence, ...]:
    """The evidence bearing on requirement ``req_id``, in the spec's order."""
    return tuple(e for e in EVIDENCE if req_id in e.requirements)


def relaxations() -> tuple[Evidence, ...]:
    """The evidence ``--reading observed`` relaxes a rule on."""
    return tuple(e for e in EVIDENCE if e.treatment is Treatment.RELAXED)


def shared_note(evidence: Evidence) -> str:
    """A documented-reading failure's annotation: real ECS does the same."""
    return f"real ECS was observed accepting this too: {evidence.citation()}"


def failure_notes(evidence_ids: tuple[str, ...]) -> list[dict[str, str]] | None:
    """A failure's notes that real ECS does the same, ``[{"id", "note"}]`` (None: no evidence)."""
    notes = [{"id": e, "note": shared_note(EVIDENCE_BY_ID[e])} for e in evidence_ids if e in EVIDENCE_BY_ID]
    return notes or None


def reading_json(reading: str, applied: Mapping[str, int], shared: Mapping[str, int]) -> dict[str, Any]:
    """results.json's ``reading``: the reading the run judged by, the relaxations it has (each
    with its evidence and how many verdicts it decided under ``--reading observed``), how many
    documented-reading failures real ECS shares (by evidence), and the other evidence."""
    applied_rows = [{**e.to_json(), "applied": int(applied.get(e.id, 0))} for e in relaxations()]
    return {
        "name": reading,
        "relaxations": applied_rows if reading == OBSERVED else [],
        "shared_failures": {k: int(v) for k, v in sorted(shared.items())},
        "evidence": [e.to_json() for e in EVIDENCE],
    }
