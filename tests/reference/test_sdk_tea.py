"""The official alibabacloud-ecs20140526 SDK against the reference server, signatures checked.

Both signing modes: V3 (ACS3-HMAC-SHA256, the default) and ``signature_algorithm="v2"``
(V1 HMAC-SHA1 RPC signature).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config

from conformance import contract
from conformance.reference import RunningServer, start_server

from .keytools import md5_of

AK, SECRET = "sdk-tea-id", "sdk-tea-secret"
REGION = contract.DEFAULT_REGION


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with start_server(access_keys={AK: SECRET}) as running:
        yield running


def _client(server: RunningServer, algorithm: str | None, secret: str = SECRET) -> Client:
    cfg = Config(
        access_key_id=AK,
        access_key_secret=secret,
        region_id=REGION,
        endpoint=f"127.0.0.1:{server.port}",
        protocol="HTTP",
    )
    if algorithm:
        cfg.signature_algorithm = algorithm
    return Client(cfg)


@pytest.mark.parametrize("algorithm", [None, "v2"], ids=["v3", "v2"])
def test_import_describe_delete(
    server: RunningServer, algorithm: str | None, rsa_key: Path, rsa_pub: str
) -> None:
    client = _client(server, algorithm)
    name = f"tea-{algorithm or 'v3'}-Key:1"
    tag = ecs.ImportKeyPairRequestTag(key="team", value="conformance")
    resp = client.import_key_pair(
        ecs.ImportKeyPairRequest(region_id=REGION, key_pair_name=name, public_key_body=rsa_pub, tag=[tag])
    )
    assert resp.status_code == 200
    assert resp.body.key_pair_name == name
    assert resp.body.key_pair_finger_print == md5_of(Path(str(rsa_key) + ".pub"))
    assert resp.body.request_id

    described = client.describe_key_pairs(
        ecs.DescribeKeyPairsRequest(region_id=REGION, key_pair_name=name, include_public_key=True)
    ).body
    assert described.total_count == 1
    item = described.key_pairs.key_pair[0]
    assert item.key_pair_name == name
    assert item.key_pair_finger_print == resp.body.key_pair_finger_print
    assert item.public_key == rsa_pub
    assert item.resource_group_id == contract.DEFAULT_RESOURCE_GROUP
    assert [(t.tag_key, t.tag_value) for t in item.tags.tag] == [("team", "conformance")]

    client.delete_key_pairs(ecs.DeleteKeyPairsRequest(region_id=REGION, key_pair_names=f'["{name}"]'))
    after = client.describe_key_pairs(ecs.DescribeKeyPairsRequest(region_id=REGION, key_pair_name=name)).body
    assert after.total_count == 0


@pytest.mark.parametrize("algorithm", [None, "v2"], ids=["v3", "v2"])
def test_documented_errors_parsed_by_sdk(server: RunningServer, algorithm: str | None, rsa_pub: str) -> None:
    client = _client(server, algorithm)
    name = f"tea-dup-{algorithm or 'v3'}"
    client.import_key_pair(
        ecs.ImportKeyPairRequest(region_id=REGION, key_pair_name=name, public_key_body=rsa_pub)
    )
    with pytest.raises(ClientException) as dup:
        client.import_key_pair(
            ecs.ImportKeyPairRequest(region_id=REGION, key_pair_name=name, public_key_body=rsa_pub)
        )
    assert dup.value.code == contract.KEY_PAIR_ALREADY_EXISTS.code
    assert dup.value.status_code == contract.KEY_PAIR_ALREADY_EXISTS.status
    with pytest.raises(ClientException) as bad:
        client.import_key_pair(
            ecs.ImportKeyPairRequest(region_id=REGION, key_pair_name="tea-bad", public_key_body="ABC1234567")
        )
    assert bad.value.code == contract.INVALID_PUBLIC_KEY_BODY.code
    assert bad.value.status_code == contract.INVALID_PUBLIC_KEY_BODY.status
    with pytest.raises(ClientException) as names:
        client.delete_key_pairs(ecs.DeleteKeyPairsRequest(region_id=REGION, key_pair_names="not json"))
    assert names.value.code == contract.INVALID_KEY_PAIR_NAMES.code


@pytest.mark.parametrize("algorithm", [None, "v2"], ids=["v3", "v2"])
def test_wrong_secret_is_signature_does_not_match(server: RunningServer, algorithm: str | None) -> None:
    client = _client(server, algorithm, secret="not-the-secret")
    with pytest.raises(ClientException) as exc:
        client.describe_key_pairs(ecs.DescribeKeyPairsRequest(region_id=REGION))
    assert exc.value.code == contract.SIGNATURE_DOES_NOT_MATCH.code
    assert exc.value.status_code == contract.SIGNATURE_DOES_NOT_MATCH.status
    assert "server string to sign is:" in exc.value.message
