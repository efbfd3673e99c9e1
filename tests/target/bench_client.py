"""Throughput of the target client against a loopback server (figures printed, never asserted).

    python -m tests.target.bench_client [seconds-per-row]

Measures requests per second for every transport, unsigned and signed, over one keep-alive
connection, so a slowdown in signing, redaction or parsing shows up as a number.
"""

from __future__ import annotations

import sys
import time

from conformance.exchange import Transport
from conformance.target import Credentials, Target, TargetConfig

from .conftest import RecordingServer

PARAMS = {
    "RegionId": "cn-hangzhou",
    "KeyPairName": "bench-key",
    "PublicKeyBody": "ssh-rsa " + "A" * 372,
    "Tag.1.Key": "k",
    "Tag.1.Value": "v",
}


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    server = RecordingServer()
    server.start()
    try:
        for signed in (False, True):
            creds = Credentials("LTAIbenchKeyId000001", "bench-secret", None) if signed else None
            with Target(TargetConfig(server.url, credentials=creds, retries=0)) as target:
                for transport in Transport:
                    count, started = 0, time.perf_counter()
                    while time.perf_counter() - started < seconds:
                        target.import_key_pair(PARAMS, transport=transport)
                        count += 1
                    rate = count / (time.perf_counter() - started)
                    label = "signed" if signed else "unsigned"
                    print(f"{transport.value:<11} {label:<9} {rate:8.0f} requests/s")
                    server.received.clear()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
