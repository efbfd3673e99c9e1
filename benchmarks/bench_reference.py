"""Benchmark of the bundled reference server (loopback only, bounded in count and time).

Prints, for 1, 8 and 32 concurrent keep-alive clients, ImportKeyPair requests per second and
p50/p99 latency, then the server's memory with 500 key pairs in each of the 27 regions.

The server runs in its own process (``python -m conformance.reference --port 0``), so clients
and server do not share a GIL; each phase gets a fresh server. Clients are threads with one
raw keep-alive socket each, spread over a few client processes.

    python benchmarks/bench_reference.py [--seconds 3] [--clients 1 8 32]
"""

from __future__ import annotations

import argparse
import base64
import multiprocessing as mp
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conformance import contract  # noqa: E402
from strategies.sshwire import mpint, string  # noqa: E402

REGIONS = contract.KNOWN_REGIONS
QUOTA = contract.KEY_PAIRS_PER_REGION
CAPACITY = QUOTA * len(REGIONS)


def rsa_public_key(bits: int = 2048, seed: int = 1) -> str:
    """A structurally valid ssh-rsa line from a random odd modulus (no prime generation)."""
    n = random.Random(seed).getrandbits(bits) | (1 << (bits - 1)) | 1
    blob = string(b"ssh-rsa") + mpint(65537) + mpint(n)
    return "ssh-rsa " + base64.b64encode(blob).decode() + " bench"


def import_request(index: int, body: str) -> bytes:
    region = REGIONS[index // QUOTA]
    params = {
        "Action": contract.ACTION_IMPORT,
        "Version": contract.API_VERSION,
        "Format": "JSON",
        "RegionId": region,
        "KeyPairName": f"bench{index}",
        "PublicKeyBody": body,
    }
    return f"GET /?{urllib.parse.urlencode(params)} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()


def read_response(sock: socket.socket, buf: bytearray) -> int:
    """Read one response from a keep-alive socket; returns the status. ``buf`` keeps leftovers."""
    while True:
        end = buf.find(b"\r\n\r\n")
        if end >= 0:
            break
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        buf += chunk
    head = bytes(buf[:end])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    total = end + 4 + length
    while len(buf) < total:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        buf += chunk
    del buf[:total]
    return int(head[9:12])


def _client_process(
    host: str,
    port: int,
    threads: int,
    first: int,
    stride: int,
    limit: int,
    deadline: float,
    body: str,
    out: mp.Queue,
) -> None:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def run(slot: int) -> None:
        sock = socket.create_connection((host, port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = bytearray()
        mine: list[float] = []
        seen: dict[int, int] = {}
        index = slot
        while index < limit and time.monotonic() < deadline:
            request = import_request(index, body)
            started = time.perf_counter()
            sock.sendall(request)
            status = read_response(sock, buf)
            mine.append(time.perf_counter() - started)
            seen[status] = seen.get(status, 0) + 1
            index += stride
        sock.close()
        with lock:
            latencies.extend(mine)
            for k, v in seen.items():
                statuses[k] = statuses.get(k, 0) + v

    workers = [threading.Thread(target=run, args=(first + i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put((latencies, statuses))


class Server:
    """The reference server in a child process."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "conformance.reference", "--port", "0"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on http://"):
            raise RuntimeError(f"server did not start: {line!r}")
        address = line.removeprefix("listening on http://")
        host, _, port = address.rpartition(":")
        self.host, self.port = host, int(port)

    def rss_kib(self) -> int:
        with open(f"/proc/{self.proc.pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return -1

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        if self.proc.stdout:
            self.proc.stdout.close()


def run_phase(server: Server, clients: int, seconds: float, limit: int, body: str) -> dict[str, float]:
    processes = min(clients, max(1, (os.cpu_count() or 2) // 2), 4)
    per_process = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    queue: mp.Queue = mp.Queue()
    deadline = time.monotonic() + seconds
    procs = []
    first = 0
    for threads in per_process:
        # Client c handles indices c, c + clients, c + 2*clients, ... : unique names, regions fill in order.
        p = mp.Process(
            target=_client_process,
            args=(server.host, server.port, threads, first, clients, limit, deadline, body, queue),
        )
        first += threads
        procs.append(p)
    started = time.monotonic()
    for p in procs:
        p.start()
    results = [queue.get(timeout=seconds + 60) for _ in procs]
    for p in procs:
        p.join(30)
    elapsed = time.monotonic() - started
    latencies = sorted(x for lat, _ in results for x in lat)
    statuses: dict[int, int] = {}
    for _, st in results:
        for k, v in st.items():
            statuses[k] = statuses.get(k, 0) + v
    count = len(latencies)
    return {
        "requests": count,
        "rps": count / elapsed,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": 1000 * latencies[min(count - 1, int(count * 0.99))] if latencies else float("nan"),
        "ok": statuses.get(200, 0),
        "errors": count - statuses.get(200, 0),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each phase (default 3)")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    args = parser.parse_args(argv)
    body = rsa_public_key()
    limit = CAPACITY  # at most one region-quota's worth of imports per region per phase

    print(f"reference server benchmark: ImportKeyPair over loopback, {args.seconds:.0f} s per phase, "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")  # fmt: skip
    print(f"{'clients':>7} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-200':>8}")
    for clients in args.clients:
        server = Server()
        try:
            r = run_phase(server, clients, args.seconds, limit, body)
        finally:
            server.close()
        print(f"{clients:>7} {r['requests']:>9.0f} {r['rps']:>9.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} "
              f"{r['errors']:>8.0f}")  # fmt: skip

    server = Server()
    try:
        before = server.rss_kib()
        r = run_phase(server, 8, 120.0, CAPACITY, body)
        after = server.rss_kib()
    finally:
        server.close()
    print(
        f"memory: {r['ok']:.0f} key pairs stored ({QUOTA} in each of {len(REGIONS)} regions): "
        f"server RSS {before / 1024:.1f} MiB empty -> {after / 1024:.1f} MiB full "
        f"(+{(after - before) / 1024:.1f} MiB, "
        f"{(after - before) * 1024 / max(r['ok'], 1):.0f} bytes per key pair)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
