"""judge_describe (IKP-X1) and judge_delete (IKP-X2) on hand-written JSON and XML bodies."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from oracle_helpers import (
    FP,
    REGION,
    REQUEST_ID,
    XML_CT,
    charged,
    error_json,
    exchange,
    success_json,
    xml_body,
)

from conformance import contract
from conformance.case import Case, Outcome
from conformance.exchange import BodyFormat, Exchange
from conformance.oracle import ExpectedKeyPair, judge_delete, judge_describe, judge_race
from conformance.verdict import Observation, Status

RG = contract.DEFAULT_RESOURCE_GROUP
WANT = {"Key-1": ExpectedKeyPair("Key-1", FP, RG, {"env": "test", "empty": ""})}


def _item(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "KeyPairName": "Key-1",
        "KeyPairFingerPrint": FP,
        "ResourceGroupId": RG,
        "CreationTime": "2026-11-28T06:00Z",
        "Tags": {"Tag": [{"TagKey": "env", "TagValue": "test"}, {"TagKey": "empty", "TagValue": ""}]},
    }
    item.update(overrides)
    return {k: v for k, v in item.items() if v is not None}


def describe_json(*items: dict[str, Any]) -> Exchange:
    body = {
        "RequestId": REQUEST_ID,
        "PageNumber": 1,
        "PageSize": 10,
        "TotalCount": len(items),
        "KeyPairs": {"KeyPair": list(items)},
    }
    return exchange(200, json.dumps(body), action=contract.ACTION_DESCRIBE)


def describe_xml(tags: str = "", *, extra_item: str = "") -> Exchange:
    item = (
        "<KeyPair><CreationTime>2026-11-28T06:00Z</CreationTime>"
        f"<ResourceGroupId>{RG}</ResourceGroupId><KeyPairName>Key-1</KeyPairName>"
        f"<KeyPairFingerPrint>{FP}</KeyPairFingerPrint>{tags}</KeyPair>"
    )
    text = (
        '<?xml version="1.0" encoding="UTF-8"?><DescribeKeyPairsResponse><PageNumber>1</PageNumber>'
        f"<PageSize>10</PageSize><TotalCount>1</TotalCount><KeyPairs>{item}{extra_item}</KeyPairs>"
        f"<RequestId>{REQUEST_ID}</RequestId></DescribeKeyPairsResponse>"
    )
    return exchange(200, text, content_type=XML_CT, fmt=BodyFormat.XML, action=contract.ACTION_DESCRIBE)


XML_TAGS = (
    "<Tags><Tag><TagKey>env</TagKey><TagValue>test</TagValue></Tag>"
    "<Tag><TagKey>empty</TagKey><TagValue></TagValue></Tag></Tags>"
)


def test_json_listing_passes() -> None:
    verdict = judge_describe(describe_json(_item()), region=REGION, expected=WANT)
    assert verdict.status is Status.PASS, verdict.reasons
    assert verdict.requirements == ("IKP-X1",)


def test_xml_listing_passes() -> None:
    verdict = judge_describe(describe_xml(XML_TAGS), region=REGION, expected=WANT)
    assert verdict.status is Status.PASS, verdict.reasons


def test_xml_single_tag_and_other_key_pairs() -> None:
    want = {"Key-1": ExpectedKeyPair("Key-1", FP, RG, {"env": "test"})}
    other = "<KeyPair><KeyPairName>Other</KeyPairName></KeyPair>"
    tags = "<Tags><Tag><TagKey>env</TagKey><TagValue>test</TagValue></Tag></Tags>"
    verdict = judge_describe(describe_xml(tags, extra_item=other), region=REGION, expected=want)
    assert verdict.status is Status.PASS, verdict.reasons


def test_missing_key_pair_fails_x1() -> None:
    verdict = judge_describe(describe_json(), region=REGION, expected=WANT)
    assert charged(verdict) == {"IKP-X1"}
    assert "does not list 'Key-1'" in verdict.reasons[0]


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"KeyPairFingerPrint": FP.upper()}, "fingerprint"),
        ({"ResourceGroupId": "rg-other"}, "resource group"),
        ({"Tags": {"Tag": [{"TagKey": "env", "TagValue": "prod"}]}}, "tags"),
        ({"Tags": None}, "tags"),
        ({"Tags": {"Tag": [{"Key": "env", "Value": "test"}]}}, "malformed Tags"),
    ],
)
def test_a_wrong_attribute_fails_x1(overrides: dict[str, Any], words: str) -> None:
    verdict = judge_describe(describe_json(_item(**overrides)), region=REGION, expected=WANT)
    assert charged(verdict) == {"IKP-X1"}
    assert words in verdict.reasons[0]


def test_system_tags_and_unchecked_group_are_ignored() -> None:
    tags = {"Tag": [{"TagKey": "acs:rm:rgId", "TagValue": RG}, {"TagKey": "env", "TagValue": "t"}]}
    want = {"Key-1": ExpectedKeyPair("Key-1", FP, None, {"env": "t"})}
    verdict = judge_describe(
        describe_json(_item(Tags=tags, ResourceGroupId="")), region=REGION, expected=want
    )
    assert verdict.status is Status.PASS, verdict.reasons


@pytest.mark.parametrize(
    ("listed", "form"), [(FP, "colon-separated"), (FP.replace(":", ""), "no colons")], ids=["colons", "bare"]
)
def test_describe_accepts_either_fingerprint_form_and_records_it(listed: str, form: str) -> None:
    """IKP-X1 with IKP-R2: the listing may write the imported fingerprint with or without colons,
    whichever form ImportKeyPair used."""
    for imported in (FP, FP.replace(":", "")):
        want = {"Key-1": replace(WANT["Key-1"], fingerprint=imported)}
        verdict = judge_describe(
            describe_json(_item(KeyPairFingerPrint=listed)), region=REGION, expected=want
        )
        assert verdict.status is Status.PASS, verdict.reasons
        assert Observation("IKP-X1", "fingerprint form in DescribeKeyPairs", form) in verdict.observations


@pytest.mark.parametrize(
    "listed", [FP.upper(), FP.replace(":", "").upper(), "MD5:" + FP, FP[:-2] + "00"], ids=str
)
def test_describe_still_refuses_another_fingerprint(listed: str) -> None:
    verdict = judge_describe(describe_json(_item(KeyPairFingerPrint=listed)), region=REGION, expected=WANT)
    assert charged(verdict) == {"IKP-X1"} and "fingerprint" in verdict.reasons[0]


@pytest.mark.parametrize(("group", "reading"), [("", "empty"), ("rg-acfmdefault123", "a default group")])
def test_a_key_pair_imported_without_a_group_may_be_listed_in_any(group: str, reading: str) -> None:
    want = {"Key-1": replace(WANT["Key-1"], resource_group=None)}
    verdict = judge_describe(describe_json(_item(ResourceGroupId=group)), region=REGION, expected=want)
    assert verdict.status is Status.PASS, verdict.reasons
    question = "resource group of a key pair imported without one"
    assert Observation("IKP-X1", question, reading) in verdict.observations


@pytest.mark.parametrize("system_key", ["acs:rm:rgId", "aliyun-created-by", "ACS:ecs:owner", "Aliyun.x"])
def test_system_tags_may_be_listed_besides_the_sent_ones(system_key: str) -> None:
    tags = {"Tag": [*_item()["Tags"]["Tag"], {"TagKey": system_key, "TagValue": "anything"}]}
    verdict = judge_describe(describe_json(_item(Tags=tags)), region=REGION, expected=WANT)
    assert verdict.status is Status.PASS, verdict.reasons


def test_a_sent_tag_missing_or_changed_or_an_extra_user_tag_fails_x1() -> None:
    system = {"TagKey": "acs:rm:rgId", "TagValue": RG}
    only_env = {"Tag": [{"TagKey": "env", "TagValue": "test"}, system]}
    missing = judge_describe(describe_json(_item(Tags=only_env)), region=REGION, expected=WANT)
    assert charged(missing) == {"IKP-X1"} and "without the tags {'empty': ''}" in missing.reasons[0]
    changed_tags = {"Tag": [{"TagKey": "env", "TagValue": "prod"}, {"TagKey": "empty", "TagValue": ""}]}
    changed = judge_describe(describe_json(_item(Tags=changed_tags)), region=REGION, expected=WANT)
    assert "tag 'env' = 'prod', imported with 'test'" in changed.reasons[0]
    extra_tags = {"Tag": [*_item()["Tags"]["Tag"], {"TagKey": "owner", "TagValue": "x"}]}
    extra = judge_describe(describe_json(_item(Tags=extra_tags)), region=REGION, expected=WANT)
    assert charged(extra) == {"IKP-X1"} and "['owner']" in extra.reasons[0]


def test_body_without_key_pairs_fails_x1() -> None:
    ex = exchange(200, json.dumps({"RequestId": REQUEST_ID, "KeyPairs": ["Key-1"]}))
    assert charged(judge_describe(ex, region=REGION, expected=WANT)) == {"IKP-X1"}


def test_describe_unsupported_is_neither_pass_nor_fail() -> None:
    verdict = judge_describe(error_json(contract.ACTION_NOT_FOUND), region=REGION, expected=WANT)
    assert verdict.status is Status.UNSUPPORTED
    assert verdict.requirements == ()
    assert verdict.reasons[0].startswith("IKP-X1")


def test_describe_error_fails_x1_and_transport_error_is_error() -> None:
    assert charged(judge_describe(error_json(contract.MISSING_PARAMETER), region=REGION, expected=WANT)) == {
        "IKP-X1"
    }
    lost = judge_describe(exchange(None, transport_error="refused"), region=REGION, expected=WANT)
    assert lost.status is Status.ERROR


def _delete(text: str, *, status: int = 200, xml: bool = False) -> Exchange:
    ct = XML_CT if xml else "application/json"
    fmt = BodyFormat.XML if xml else BodyFormat.JSON
    return exchange(status, text, content_type=ct, fmt=fmt, action=contract.ACTION_DELETE)


def test_delete_success_passes_in_json_and_xml() -> None:
    assert judge_delete(_delete(json.dumps({"RequestId": REQUEST_ID}))).passed
    xml = _delete(xml_body("DeleteKeyPairsResponse", RequestId=REQUEST_ID), xml=True)
    verdict = judge_delete(xml)
    assert verdict.passed and verdict.requirements == ("IKP-X2",)


@pytest.mark.parametrize(
    "ex",
    [
        _delete(json.dumps({})),
        _delete(xml_body("Response", RequestId=REQUEST_ID), xml=True),
        _delete("<html>", status=200),
        error_json(contract.INVALID_KEY_PAIR_NAMES),
    ],
    ids=["no-request-id", "xml-root", "html", "error"],
)
def test_delete_failures_fail_x2(ex: Exchange) -> None:
    assert charged(judge_delete(ex)) == {"IKP-X2"}


def test_delete_success_with_extra_fields_passes_but_a_200_error_body_fails() -> None:
    """Extra fields are allowed in a success (a Code among them); the error shape (Code and
    Message) in a 200 is still an error body."""
    extra = _delete(json.dumps({"RequestId": REQUEST_ID, "Code": "200", "Success": True}))
    assert judge_delete(extra).passed
    error_200 = error_json(contract.INVALID_KEY_PAIR_NAMES, status=200)
    assert charged(judge_delete(replace(error_200, action=contract.ACTION_DELETE))) == {"IKP-X2"}


@pytest.mark.parametrize("status", [400, 403, 429, 503])
def test_describe_and_delete_throttled_whatever_the_status_is_error(status: int) -> None:
    throttled = error_json(contract.THROTTLING, status=status, Code="Throttling.User")
    assert judge_delete(replace(throttled, action=contract.ACTION_DELETE)).status is Status.ERROR
    listing = replace(throttled, action=contract.ACTION_DESCRIBE)
    assert judge_describe(listing, region=REGION, expected=WANT).status is Status.ERROR


def test_delete_unsupported_and_throttled() -> None:
    assert judge_delete(_delete("", status=404)).status is Status.UNSUPPORTED
    assert judge_delete(error_json(contract.THROTTLING)).status is Status.ERROR


def test_xml_listing_with_a_namespace_passes() -> None:
    ex = describe_xml(XML_TAGS)
    text = ex.response_text.replace(
        "<DescribeKeyPairsResponse>", '<DescribeKeyPairsResponse xmlns="http://ecs.aliyuncs.com/doc/">'
    )
    namespaced = exchange(200, text, content_type=XML_CT, fmt=BodyFormat.XML, action=contract.ACTION_DESCRIBE)
    verdict = judge_describe(namespaced, region=REGION, expected=WANT)
    assert verdict.status is Status.PASS, verdict.reasons


# -- with the suite's own body parser (conformance.target.parse_body) --------------------------


def _client_parsed(ex: Exchange) -> Exchange:
    target = pytest.importorskip("conformance.target")
    return replace(ex, parsed=target.parse_body(ex.response_text.encode()))


@pytest.mark.parametrize("xml", [False, True])
def test_listings_as_the_client_parses_them(xml: bool) -> None:
    ex = _client_parsed(describe_xml(XML_TAGS) if xml else describe_json(_item()))
    verdict = judge_describe(ex, region=REGION, expected=WANT)
    assert verdict.status is Status.PASS, verdict.reasons
    assert charged(judge_describe(ex, region=REGION, expected={"Nope": ExpectedKeyPair("Nope")})) == {
        "IKP-X1"
    }


def test_xml_with_a_doctype_is_not_expanded() -> None:
    text = describe_xml(XML_TAGS).response_text.replace(
        "<DescribeKeyPairsResponse>", '<!DOCTYPE d [<!ENTITY e "x">]><DescribeKeyPairsResponse>', 1
    )
    ex = exchange(200, text, content_type=XML_CT, fmt=BodyFormat.XML, action=contract.ACTION_DESCRIBE)
    ex = _client_parsed(ex)  # the client refuses it: nothing to list
    assert charged(judge_describe(ex, region=REGION, expected=WANT)) == {"IKP-X1"}


# -- IKP-S3: concurrent batches ------------------------------------------------------------------


EXISTS_ANSWER = error_json(contract.KEY_PAIR_ALREADY_EXISTS)
QUOTA_ANSWER = error_json(contract.QUOTA_EXCEEDED)


def test_race_for_one_name_needs_exactly_one_winner() -> None:
    win, exists = success_json(), EXISTS_ANSWER
    names = ["Key-1"] * 3
    assert judge_race([win, exists, exists], names, room=10).passed
    two = judge_race([win, win, exists], names, room=10)
    assert charged(two) == {"IKP-S3"}
    assert any("2 succeeded, expected exactly 1" in r for r in two.reasons)
    assert any("imported more than once" in r for r in two.reasons)
    none = judge_race([exists, exists], names[:2], room=10)
    assert charged(none) == {"IKP-S3"} and "0 succeeded, expected exactly 1" in none.reasons[0]
    other = judge_race([win, error_json(contract.INTERNAL_ERROR)], names[:2], room=10)
    assert "500 InternalError" in other.reasons[0]


def test_race_for_one_name_refuses_quota_exceeded_while_the_region_has_room() -> None:
    """IKP-S3 exact: the losers get KeyPair.AlreadyExist, not QuotaExceed, when slots are free."""
    verdict = judge_race([success_json(), QUOTA_ANSWER, EXISTS_ANSWER], ["Key-1"] * 3, room=10)
    assert charged(verdict) == {"IKP-S3"}
    assert "403 QuotaExceed.KeyPair where 400 KeyPair.AlreadyExist applies" in verdict.reasons[0]


def test_race_for_one_name_in_a_full_region_is_all_quota_exceeded() -> None:
    assert judge_race([QUOTA_ANSWER, QUOTA_ANSWER], ["Key-1"] * 2, room=0).passed
    assert charged(judge_race([EXISTS_ANSWER, QUOTA_ANSWER], ["Key-1"] * 2, room=0)) == {"IKP-S3"}
    assert charged(judge_race([success_json(), QUOTA_ANSWER], ["Key-1"] * 2, room=0)) == {"IKP-S3"}


def test_race_for_the_last_slot_lets_a_loser_get_either_error() -> None:
    """One slot, one name: the winner takes the name and fills the region; both errors apply."""
    names = ["Key-1"] * 3
    assert judge_race([success_json(), EXISTS_ANSWER, QUOTA_ANSWER], names, room=1).passed


def test_race_at_the_quota_never_exceeds_the_free_slots() -> None:
    win, quota = success_json(), QUOTA_ANSWER
    assert judge_race([win, win, quota], ["a", "b", "c"], room=2).passed
    assert judge_race([win, win], ["a", "b"], room=5).passed
    assert charged(judge_race([win, win, win], ["a", "b", "c"], room=2)) == {"IKP-S3"}
    refused = judge_race([win, quota, quota], ["a", "b", "c"], room=2)  # refused with a free slot
    assert charged(refused) == {"IKP-S3"} and "1 succeeded, expected exactly 2" in refused.reasons[0]
    exists = judge_race([win, win, EXISTS_ANSWER], ["a", "b", "c"], room=2)  # 'c' never existed
    assert "400 KeyPair.AlreadyExist where 403 QuotaExceed.KeyPair applies" in exists.reasons[0]


def test_race_needs_one_name_per_exchange() -> None:
    with pytest.raises(ValueError, match="2 exchanges but 1 names"):
        judge_race([success_json(), EXISTS_ANSWER], ["a"], room=1)


def test_race_with_a_lost_answer_is_error() -> None:
    verdict = judge_race([success_json(), exchange(None, transport_error="timeout")], ["a", "a"], room=1)
    assert verdict.status is Status.ERROR


def test_unsupported_needs_an_undocumented_answer() -> None:
    undocumented = error_json(contract.ACTION_NOT_FOUND, Code="InvalidApi.NotFound")
    assert judge_describe(undocumented, region=REGION, expected=WANT).status is Status.UNSUPPORTED
    region_gone = error_json(contract.REGION_NOT_FOUND)
    assert charged(judge_describe(region_gone, region=REGION, expected=WANT)) == {"IKP-X1"}


def test_expected_key_pair_imported_by_reads_name_fingerprint_group_and_tags() -> None:
    """What an import stored: its name, the answer's fingerprint, the group and the tags sent
    (a key without its value is listed with an empty one)."""
    params = {
        "KeyPairName": "Key-1", "PublicKeyBody": "ssh-rsa AAAA", "RegionId": REGION, "ResourceGroupId": RG,
        "Tag.1.Key": "env", "Tag.1.Value": "test", "Tag.2.Key": "empty",
    }  # fmt: skip
    case = Case(params, frozenset({Outcome.success()}), ("IKP-X1",))
    stored = ExpectedKeyPair.imported_by(case, success_json(name="Key-1", fingerprint=FP))
    assert stored == WANT["Key-1"]
    bare = Case(
        {k: v for k, v in params.items() if not k.startswith(("Tag.", "Resource"))}, case.outcomes, ()
    )
    assert ExpectedKeyPair.imported_by(bare, success_json(name="Key-1", fingerprint=FP)) == ExpectedKeyPair(
        "Key-1", FP, None, {}
    )
