"""Command line: ``python -m conformance.reference`` / ``ikp-reference-server``.

Prints ``listening on http://HOST:PORT`` (flushed) as its first line, then serves until
SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence

from conformance import contract
from conformance.reference.process import ACCESS_KEY_ENV, parent_gone, parent_to_follow
from conformance.reference.server import start_server
from conformance.reference.store import StateFileError


def _access_key(text: str) -> tuple[str, str]:
    key_id, sep, secret = text.partition(":")
    if not sep or not key_id or not secret:
        raise argparse.ArgumentTypeError("expected ID:SECRET")
    return key_id, secret


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ikp-reference-server",
        description="Reference ECS key pair server (ImportKeyPair, DescribeKeyPairs, DeleteKeyPairs).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    parser.add_argument("--port", type=int, default=8080, help="port (0 picks a free one)")
    parser.add_argument(
        "--resource-group",
        action="append",
        dest="resource_groups",
        metavar="ID",
        help=f"a known resource group; repeatable; the first is the default "
        f"(default: {contract.DEFAULT_RESOURCE_GROUP})",
    )
    parser.add_argument(
        "--access-key",
        action="append",
        dest="access_keys",
        type=_access_key,
        metavar="ID:SECRET",
        help="check V1/V3 signatures against this key; repeatable; also read from "
        f"{ACCESS_KEY_ENV}=ID:SECRET[,...] (default: accept unsigned requests)",
    )
    parser.add_argument("--state", metavar="FILE", help="keep key pairs in FILE across restarts")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument("--fault", metavar="NAME", help="inject one documented deviation (see --list-faults)")
    parser.add_argument(
        "--variant", metavar="NAME", help="another legal reading of the Profile points (see --list-variants)"
    )
    parser.add_argument("--list-faults", action="store_true", help="list the faults and exit")
    parser.add_argument("--list-variants", action="store_true", help="list the variants and exit")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.list_faults or args.list_variants:
        from conformance.mutants import faults, variants

        lines = faults.describe_faults() if args.list_faults else []
        lines += variants.describe_variants() if args.list_variants else []
        print("\n".join(lines), flush=True)
        return 0
    access_keys = list(args.access_keys or [])
    # Keys given in the environment never show in a process listing (process.spawn_server).
    for entry in filter(None, os.environ.get(ACCESS_KEY_ENV, "").split(",")):
        try:
            access_keys.append(_access_key(entry))
        except argparse.ArgumentTypeError:
            parser.error(f"{ACCESS_KEY_ENV}: expected ID:SECRET[,ID:SECRET...]")
    try:
        running = start_server(
            args.host,
            args.port,
            resource_groups=tuple(args.resource_groups or (contract.DEFAULT_RESOURCE_GROUP,)),
            access_keys=dict(access_keys) if access_keys else None,
            state_file=args.state,
            verbose=args.verbose,
            fault=args.fault,
            variant=args.variant,
        )
    except ValueError as exc:
        parser.error(str(exc))
    except StateFileError as exc:
        print(f"error: cannot read state file: {exc}", file=sys.stderr, flush=True)
        return 2
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr, flush=True)
        return 1
    stop = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        stop.set()

    # Handlers first: whoever reads the line below may signal us at once.
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    print(f"listening on {running.url}", flush=True)
    parent = parent_to_follow()  # started by a suite run: stop with it (process.py)
    try:
        while not stop.wait(0.5) and not parent_gone(parent):
            pass
    finally:
        running.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
