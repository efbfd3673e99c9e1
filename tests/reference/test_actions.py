"""ImportKeyPair rules, DescribeKeyPairs filters and paging, DeleteKeyPairs, the quota."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from conformance import contract
from conformance.reference import RunningServer, start_server

from .rawhttp import call

REGION = contract.DEFAULT_REGION
OTHER = contract.DEFAULT_OTHER_REGION


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with start_server() as running:
        yield running


def _import(
    server: RunningServer, name: str, body: str, region: str = REGION, **extra: str
) -> tuple[int, dict]:  # type: ignore[type-arg]
    r = call(
        server.url,
        {
            "Action": contract.ACTION_IMPORT,
            "RegionId": region,
            "KeyPairName": name,
            "PublicKeyBody": body,
            **extra,
        },
    )
    return r.status, r.json()


def _describe(server: RunningServer, region: str = REGION, **params: str) -> dict:  # type: ignore[type-arg]
    r = call(server.url, {"Action": contract.ACTION_DESCRIBE, "RegionId": region, **params})
    assert r.status == 200, r.raw
    result: dict = r.json()  # type: ignore[type-arg]
    return result


def _delete(server: RunningServer, names: str, region: str = REGION) -> tuple[int, dict]:  # type: ignore[type-arg]
    r = call(server.url, {"Action": contract.ACTION_DELETE, "RegionId": region, "KeyPairNames": names})
    return r.status, r.json()


def _code(result: tuple[int, dict]) -> tuple[int, str]:  # type: ignore[type-arg]
    return result[0], result[1].get("Code", "")


def _row(row: contract.ErrorRow) -> tuple[int, str]:
    return row.status, row.code


MALFORMED_NAME = _row(contract.INVALID_KEY_PAIR_NAME)

GOOD_NAMES = ["ab", "a" * contract.NAME_MAX_LENGTH, "Key:pair_name-1", "Z9", "a:_-"]
BAD_NAMES = [
    "a",
    "a" * (contract.NAME_MAX_LENGTH + 1),
    "1abc",
    ":abc",
    "_abc",
    "-abc",
    "ab c",
    "ab/c",
    "ab@c",
    "ab*c",
    "ab+c",
    "ab=c",
    "ab,c",
    'ab"c',
    "ab'c",
    "ab\tc",
    "ab\x00c",
    "ab😀",
    "http://x",
    "https://x",
    "测试key",  # IKP-N5 reading: non-ASCII letters rejected
    "clé",
    "ключ",
    "key.name",  # IKP-N5 reading: '.' rejected
]


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_good_names(server: RunningServer, rsa_pub: str, name: str) -> None:
    status, body = _import(server, name, rsa_pub)
    assert status == 200
    assert body["KeyPairName"] == name


@pytest.mark.parametrize("name", BAD_NAMES, ids=repr)
def test_bad_names(server: RunningServer, rsa_pub: str, name: str) -> None:
    assert _code(_import(server, name, rsa_pub)) == MALFORMED_NAME


def test_missing_parameters(server: RunningServer, rsa_pub: str) -> None:
    missing = _row(contract.MISSING_PARAMETER)
    r = call(server.url, {"Action": contract.ACTION_IMPORT, "RegionId": REGION, "PublicKeyBody": rsa_pub})
    assert (r.status, r.json()["Code"]) == missing
    assert r.json()["Message"] == contract.missing_parameter_message("KeyPairName")
    assert _code(_import(server, "", rsa_pub)) == missing
    assert _code(_import(server, "abc", "")) == missing
    assert _code(_import(server, "abc", rsa_pub, region="")) == missing
    assert _code(_import(server, "abc", rsa_pub, region="xx-nowhere-1"))[0] // 100 == 4


def test_duplicates_case_and_regions(server: RunningServer, rsa_pub: str) -> None:
    assert _import(server, "dupKey", rsa_pub)[0] == 200
    assert _code(_import(server, "dupKey", rsa_pub)) == _row(contract.KEY_PAIR_ALREADY_EXISTS)
    assert _import(server, "DUPKEY", rsa_pub)[0] == 200  # IKP-N7 reading: case-sensitive
    assert _import(server, "dupKey", rsa_pub, region=OTHER)[0] == 200  # unique per region


def test_rejected_import_stores_nothing(server: RunningServer, rsa_pub: str) -> None:
    assert _code(_import(server, "kept", "ABC1234567")) == _row(contract.INVALID_PUBLIC_KEY_BODY)
    assert _code(_import(server, "kept", rsa_pub, **{"Tag.1.Key": "acs:x"}))[0] == 400
    assert _code(_import(server, "kept", rsa_pub, ResourceGroupId="rg-nope")) == _row(
        contract.RESOURCE_GROUP_NOT_FOUND
    )
    assert _describe(server)["TotalCount"] == 0
    assert _import(server, "kept", rsa_pub)[0] == 200


def _tags(*pairs: tuple[str, str | None], start: int = 1) -> dict[str, str]:
    params = {}
    for i, (key, value) in enumerate(pairs, start):
        if key is not None:
            params[f"Tag.{i}.Key"] = key
        if value is not None:
            params[f"Tag.{i}.Value"] = value
    return params


def test_twenty_tags_with_limits_accepted_and_described(server: RunningServer, rsa_pub: str) -> None:
    pairs = [(f"k{i}", f"v{i}") for i in range(contract.TAG_MAX_COUNT - 2)]
    pairs.append(("K" * contract.TAG_KEY_MAX_LENGTH, "V" * contract.TAG_VALUE_MAX_LENGTH))
    pairs.append(("empty", ""))
    status, _ = _import(server, "tagged", rsa_pub, **_tags(*pairs))
    assert status == 200
    item = _describe(server)["KeyPairs"]["KeyPair"][0]
    assert [(t["TagKey"], t["TagValue"]) for t in item["Tags"]["Tag"]] == pairs


@pytest.mark.parametrize(
    "params",
    [
        _tags(("", "v")),
        _tags(("K" * (contract.TAG_KEY_MAX_LENGTH + 1), "v")),
        _tags(("acs:key", "v")),
        _tags(("aliyunkey", "v")),
        _tags(("a http://x", "v")),
        _tags(("https://x", "v")),
        _tags(("k", "V" * (contract.TAG_VALUE_MAX_LENGTH + 1))),
        _tags(("k", "see http://x")),
        _tags(("k", "https://x")),
        _tags(("k", "acs:value")),  # IKP-TG3 reading: rejected
        _tags(("k", "1"), ("k", "2")),  # IKP-TG3 reading: Duplicate.TagKey
        _tags(("k", "v"), start=0),
        _tags(("k", "v"), start=contract.TAG_MAX_COUNT + 1),
        _tags(*[(f"k{i}", "v") for i in range(contract.TAG_MAX_COUNT + 1)]),
        {"Tag.1.Value": "value without key"},
        {"Tag.x.Key": "k"},
        {"Tag.01.Key": "k"},
    ],
    ids=repr,
)
def test_bad_tags_rejected(server: RunningServer, rsa_pub: str, params: dict[str, str]) -> None:
    status, body = _import(server, "tagKey", rsa_pub, **params)
    assert 400 <= status < 500
    assert body["Code"]
    assert _describe(server)["TotalCount"] == 0


def test_duplicate_tag_key_code(server: RunningServer, rsa_pub: str) -> None:
    assert _code(_import(server, "tagKey", rsa_pub, **_tags(("k", "1"), ("k", "2")))) == _row(
        contract.DUPLICATE_TAG_KEY
    )


def test_quota_per_region(server: RunningServer, rsa_pub: str) -> None:
    store = server.store
    quota = contract.KEY_PAIRS_PER_REGION
    for i in range(quota - 1):
        assert _import(server, f"q{i}", rsa_pub)[0] == 200
    assert _import(server, "last", rsa_pub)[0] == 200  # the 500th
    assert store.count(REGION) == quota
    assert _code(_import(server, "over", rsa_pub)) == _row(contract.QUOTA_EXCEEDED)
    assert _import(server, "over", rsa_pub, region=OTHER)[0] == 200
    assert _delete(server, '["q0"]')[0] == 200
    assert _import(server, "over", rsa_pub)[0] == 200
    assert store.count(REGION) == quota


def test_describe_filters_and_paging(server: RunningServer, rsa_pub: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from .keytools import make_key, md5_of

    other_key = make_key(tmp_path, "ecdsa", 256, "other")
    other_pub = (tmp_path / "other.pub").read_text()
    for i in range(23):
        assert _import(server, f"SshKey{i:02d}", rsa_pub, **_tags(("team", "a" if i % 2 else "b")))[0] == 200
    assert _import(server, "MySshKey", other_pub, ResourceGroupId=contract.DEFAULT_RESOURCE_GROUP)[0] == 200
    assert _import(server, "SshKey", rsa_pub, region=OTHER)[0] == 200

    everything = _describe(server)
    assert everything["TotalCount"] == 24
    assert everything["PageSize"] == contract.DESCRIBE_PAGE_SIZE_DEFAULT
    assert len(everything["KeyPairs"]["KeyPair"]) == contract.DESCRIBE_PAGE_SIZE_DEFAULT

    seen = []
    for page in (1, 2, 3):
        got = _describe(server, PageNumber=str(page), PageSize="10")
        assert got["PageNumber"] == page
        seen += [kp["KeyPairName"] for kp in got["KeyPairs"]["KeyPair"]]
    assert len(seen) == len(set(seen)) == 24
    assert (
        _describe(server, PageSize=str(contract.DESCRIBE_PAGE_SIZE_MAX))["KeyPairs"]["KeyPair"].__len__()
        == 24
    )
    assert _describe(server, PageNumber="9")["KeyPairs"]["KeyPair"] == []

    assert _describe(server, KeyPairName="SshKey*", PageSize="50")["TotalCount"] == 23
    assert _describe(server, KeyPairName="*SshKey", PageSize="50")["TotalCount"] == 1
    assert _describe(server, KeyPairName="*SshKey*", PageSize="50")["TotalCount"] == 24
    assert _describe(server, KeyPairName="SshKey07")["TotalCount"] == 1
    assert _describe(server, KeyPairName="SshKey")["TotalCount"] == 0
    assert _describe(server, KeyPairName="*Key0*")["TotalCount"] == 10

    fp = md5_of(other_key.with_suffix(".pub"))
    by_fp = _describe(server, KeyPairFingerPrint=fp)
    assert [kp["KeyPairName"] for kp in by_fp["KeyPairs"]["KeyPair"]] == ["MySshKey"]
    assert _describe(server, PageSize="50", **_tags(("team", "a")))["TotalCount"] == 11
    assert _describe(server, PageSize="50", **_tags(("team", None)))["TotalCount"] == 23
    assert _describe(server, ResourceGroupId=contract.DEFAULT_RESOURCE_GROUP)["TotalCount"] == 24
    assert _describe(server, ResourceGroupId="rg-other")["TotalCount"] == 0

    item = _describe(server, KeyPairName="MySshKey", IncludePublicKey="true")["KeyPairs"]["KeyPair"][0]
    assert item["PublicKey"] == other_pub
    assert item["CreationTime"].endswith("Z")
    assert "PublicKey" not in _describe(server, KeyPairName="MySshKey")["KeyPairs"]["KeyPair"][0]
    assert (
        "PublicKey"
        in _describe(server, KeyPairName="MySshKey", IncludePublicKey="True")["KeyPairs"]["KeyPair"][0]
    )


@pytest.mark.parametrize(
    "params",
    [
        {"PageSize": str(contract.DESCRIBE_PAGE_SIZE_MAX + 1)},
        {"PageSize": "0"},
        {"PageNumber": "0"},
        {"PageNumber": "-1"},
        {"PageSize": "ten"},
        {"IncludePublicKey": "maybe"},
    ],
)
def test_describe_bad_paging(server: RunningServer, params: dict[str, str]) -> None:
    r = call(server.url, {"Action": contract.ACTION_DESCRIBE, "RegionId": REGION, **params})
    assert (r.status, r.json()["Code"]) == _row(contract.INVALID_PARAMETER)


def test_delete(server: RunningServer, rsa_pub: str) -> None:
    for name in ("d1", "d2", "d3"):
        _import(server, name, rsa_pub)
    assert _delete(server, json.dumps(["d1", "d2", "never-existed"]))[0] == 200
    assert [kp["KeyPairName"] for kp in _describe(server)["KeyPairs"]["KeyPair"]] == ["d3"]
    assert _import(server, "d1", rsa_pub)[0] == 200
    names = json.dumps([f"n{i}" for i in range(contract.DELETE_NAMES_MAX)])
    assert _delete(server, names)[0] == 200


@pytest.mark.parametrize(
    "names",
    [
        "d1",
        "[d1]",
        "{}",
        '"d1"',
        "[]",
        "[1, 2]",
        '[""]',
        json.dumps([f"n{i}" for i in range(contract.DELETE_NAMES_MAX + 1)]),
        "[" * 5000,
    ],
)
def test_delete_malformed_names(server: RunningServer, names: str) -> None:
    assert _code(_delete(server, names)) == _row(contract.INVALID_KEY_PAIR_NAMES)


def test_delete_missing_names(server: RunningServer) -> None:
    r = call(server.url, {"Action": contract.ACTION_DELETE, "RegionId": REGION})
    assert (r.status, r.json()["Code"]) == _row(contract.MISSING_PARAMETER)


def test_tag_text_round_trips_through_json_and_xml(server: RunningServer, rsa_pub: str) -> None:
    value = 'a<b>&"c" 测试 ключ \x01'
    assert _import(server, "escaped", rsa_pub, **_tags(("k&<>", value)))[0] == 200
    as_json = _describe(server)["KeyPairs"]["KeyPair"][0]["Tags"]["Tag"][0]
    assert (as_json["TagKey"], as_json["TagValue"]) == ("k&<>", value)
    xml = call(server.url, {"Action": contract.ACTION_DESCRIBE, "RegionId": REGION}, fmt="XML").xml()
    tag = xml.find("KeyPairs/KeyPair/Tags/Tag")
    assert tag is not None
    assert tag.findtext("TagKey") == "k&<>"
    # XML 1.0 cannot carry U+0001; everything else survives
    assert tag.findtext("TagValue") == value.replace("\x01", "\ufffd")
