"""libcloud's ECS connection and footmark against the reference server, signed and unsigned.

The steps are ``steps.STEPS``, run through ``python_clients``' adapters; with a server fault
on, exactly ``steps.FAULT_FAILS[fault]`` fail. footmark's test ids name the bugs the adapter
works around (``python_clients.FOOTMARK_BUGS``). aliyunsdkcore, under footmark, compares the
server's StringToSign with its own and reports a wrong secret as ``InvalidAccessKeySecret``
(keeping the 400), as tests/reference/test_sdk_legacy.py shows.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

import pytest

from conformance import contract
from conformance.reference import RunningServer, start_server

from .python_clients import FOOTMARK_BUGS, FootmarkAdapter, LibcloudAdapter, footmark_endpoint
from .steps import AK, FAULT_FAILS, SECRET, Adapter, Step, describe_failures, failed, run_steps, steps_for

PLACEHOLDER = ("unsigned-id", "unsigned-secret")

Make = Callable[[RunningServer, str, str], Adapter]
Scope = Callable[[RunningServer], AbstractContextManager[None]]

CLIENTS: dict[str, tuple[Make, Scope, tuple[str, ...]]] = {
    "libcloud": (
        lambda s, key, secret: LibcloudAdapter(s.host, s.port, key, secret),
        lambda s: nullcontext(),
        (contract.SIGNATURE_DOES_NOT_MATCH.code,),
    ),
    "footmark[" + ",".join(FOOTMARK_BUGS) + "]": (
        lambda s, key, secret: FootmarkAdapter(key, secret),
        lambda s: footmark_endpoint(s.host, s.port),
        ("InvalidAccessKeySecret",),
    ),
}


def run_client(client: str, server: RunningServer, signed: bool, public_key: str, prefix: str) -> list[Step]:
    make, scope, wrong_codes = CLIENTS[client]
    key, secret = (AK, SECRET) if signed else PLACEHOLDER
    with scope(server):
        results = run_steps(
            make(server, key, secret),
            public_key,
            prefix,
            wrong_secret=make(server, key, secret + "-wrong") if signed else None,
            wrong_secret_codes=wrong_codes,
        )
    assert [r.step for r in results] == list(steps_for(signed))
    return results


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
@pytest.mark.parametrize("client", CLIENTS)
def test_every_step_passes(
    signed_server: RunningServer, unsigned_server: RunningServer, public_key: str, client: str, signed: bool
) -> None:
    server = signed_server if signed else unsigned_server
    results = run_client(client, server, signed, public_key, prefix=f"{client.split('[')[0]}-{signed}")
    assert not failed(results), describe_failures(results)


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("fault", sorted(FAULT_FAILS))
def test_fault_fails_exactly_its_steps(public_key: str, fault: str, client: str, signed: bool) -> None:
    with start_server(access_keys={AK: SECRET} if signed else None, fault=fault) as server:
        results = run_client(client, server, signed, public_key, prefix=client.split("[")[0])
    assert failed(results) == FAULT_FAILS[fault] & set(steps_for(signed)), describe_failures(results)
