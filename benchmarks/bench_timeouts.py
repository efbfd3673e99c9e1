"""How long the timeouts take to fire (loopback only; figures printed, never asserted).

The tests check *that* each timeout fires (the error it gives, that nothing is sent twice);
this prints *how long* it takes, against the configured value:

- the target client (``conformance/target``): a target that accepts the connection and never
  answers, one that answers the status line late, and one whose body trickles in;
- the reference server (``client_timeout``): a client that goes silent mid request line, and
  one that sends one byte every half second (slowloris).

    python benchmarks/bench_timeouts.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conformance.reference import start_server  # noqa: E402
from conformance.target import Target, TargetConfig  # noqa: E402

PARAMS = {"RegionId": "cn-hangzhou", "KeyPairName": "bench-key", "PublicKeyBody": "ssh-rsa AAAA bench"}
SERVER_CLIENT_TIMEOUT = 2.0


@contextlib.contextmanager
def loopback_server(answer: Callable[[socket.socket], None]) -> Iterator[str]:
    """A loopback listener that reads a request's head and then runs ``answer`` on the socket."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                data = b""
                with contextlib.suppress(OSError):
                    while b"\r\n\r\n" not in data:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                    answer(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def _silent(conn: socket.socket) -> None:
    time.sleep(2.0)


def _late_status(conn: socket.socket) -> None:
    time.sleep(1.0)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")


def _trickle(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n")
    for _ in range(40):
        time.sleep(0.05)
        conn.sendall(b" ")


def client_timeout(answer: Callable[[socket.socket], None], timeout: float) -> float:
    """Seconds until the target client gives up on a server that answers like ``answer``."""
    with loopback_server(answer) as url:
        target = Target(TargetConfig(url, timeout=timeout, retries=3), sleep=lambda s: None)
        started = time.monotonic()
        exchange = target.import_key_pair(PARAMS)
        took = time.monotonic() - started
    if exchange.transport_error is None:
        raise SystemExit(f"the client did not time out (status {exchange.status})")
    return took


def server_idle_cutoff() -> float:
    """Seconds until the reference server drops a client that went silent mid request line."""
    with (
        start_server(client_timeout=SERVER_CLIENT_TIMEOUT) as server,
        socket.create_connection((server.host, server.port), timeout=10) as sock,
    ):
        started = time.monotonic()
        sock.sendall(b"GET /?Action=Desc")
        sock.recv(1024)
        return time.monotonic() - started


def server_slowloris_cutoff() -> float:
    """Seconds until the reference server hangs up on a client sending a byte every 0.5 s."""
    line = b"GET /?Action=DescribeKeyPairs&RegionId=cn-hangzhou HTTP/1.1\r\n"
    with (
        start_server(client_timeout=SERVER_CLIENT_TIMEOUT) as server,
        socket.create_connection((server.host, server.port), timeout=20) as sock,
    ):
        started = time.monotonic()
        for byte in line:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                return time.monotonic() - started  # noticed at the first send after the hang-up
            time.sleep(0.5)
        raise SystemExit("the server took the whole slow request line")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each row (default 3)")
    args = parser.parse_args(argv)
    rows: list[tuple[str, Callable[[], float]]] = [
        ("client: target never answers (timeout 0.5 s, retries 3)", lambda: client_timeout(_silent, 0.5)),
        ("client: status line after 1 s (timeout 0.3 s)", lambda: client_timeout(_late_status, 0.3)),
        ("client: 40-byte body over 2 s (timeout 0.4 s)", lambda: client_timeout(_trickle, 0.4)),
        (f"server: silent client (client_timeout {SERVER_CLIENT_TIMEOUT:g} s)", server_idle_cutoff),
        (f"server: a byte every 0.5 s (deadline {2 * SERVER_CLIENT_TIMEOUT:g} s)", server_slowloris_cutoff),
    ]
    print(f"{'row':<58} {'min':>6} {'median':>7} {'max':>6}  (seconds, {args.repeat} runs)")
    for label, run in rows:
        times = [run() for _ in range(max(1, args.repeat))]
        print(f"{label:<58} {min(times):6.2f} {statistics.median(times):7.2f} {max(times):6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
