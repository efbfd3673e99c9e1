"""The Node.js Alibaba Cloud clients against the reference server, signed and unsigned.

Clients (``node/steps.js`` CLIENTS): ``@alicloud/ecs20140526`` 7.x on ``@alicloud/openapi-core``
and 4.x on ``@alicloud/openapi-client`` (npm aliases ``ecs7`` and ``ecs4``), each with V3
(ACS3-HMAC-SHA256) and v2 (V1 HMAC-SHA1 RPC) signing, and ``@alicloud/pop-core`` with GET and
POST. Signed: the server checks signatures against the client's key; unsigned: the server
checks none and the client signs with placeholder credentials. Every step of
``steps.STEPS`` must pass; with a server fault on, exactly ``steps.FAULT_FAILS[fault]`` fail.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conformance.reference import RunningServer, start_server

from .steps import AK, FAULT_FAILS, SECRET, Step, describe_failures, failed, fingerprint_of, steps_for

CLIENTS = ("ecs7-v3", "ecs7-v2", "ecs4-v3", "ecs4-v2", "pop-get", "pop-post")
FAULT_CLIENTS = ("ecs7-v3", "ecs4-v2", "pop-post")  # both SDK generations, both signings, pop-core
RUN_TIMEOUT = 120


def run_node(
    project: Path, client: str, server: RunningServer, signed: bool, public_key: str, prefix: str
) -> list[Step]:
    env = {
        **os.environ,
        "PUBLIC_KEY": public_key,
        "FINGERPRINT": fingerprint_of(public_key),
        "PREFIX": prefix,
    }
    env.pop("ACCESS_KEY_ID", None)
    env.pop("ACCESS_KEY_SECRET", None)
    args = ["node", "steps.js", client, server.url, *((AK, SECRET) if signed else ())]
    done = subprocess.run(args, cwd=project, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert done.returncode == 0, f"steps.js {client} exited {done.returncode}:\n{done.stderr}"
    results = [Step.from_json(line) for line in done.stdout.splitlines() if line.strip()]
    assert [r.step for r in results] == list(steps_for(signed)), done.stdout
    return results


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
@pytest.mark.parametrize("client", CLIENTS)
def test_every_step_passes(
    node_project: Path,
    signed_server: RunningServer,
    unsigned_server: RunningServer,
    public_key: str,
    client: str,
    signed: bool,
) -> None:
    server = signed_server if signed else unsigned_server
    results = run_node(node_project, client, server, signed, public_key, prefix=f"{client}-{signed}")
    assert not failed(results), describe_failures(results)


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
@pytest.mark.parametrize("client", FAULT_CLIENTS)
@pytest.mark.parametrize("fault", sorted(FAULT_FAILS))
def test_fault_fails_exactly_its_steps(
    node_project: Path, public_key: str, fault: str, client: str, signed: bool
) -> None:
    with start_server(access_keys={AK: SECRET} if signed else None, fault=fault) as server:
        results = run_node(node_project, client, server, signed, public_key, prefix=client)
    assert failed(results) == FAULT_FAILS[fault] & set(steps_for(signed)), describe_failures(results)
