"""``python -m conformance.replay``: send one request again, signed afresh from the environment.

This is what ``reproduce.command_for`` prints for a signed request. Credentials come only
from ``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``ALIBABA_CLOUD_ACCESS_KEY_SECRET`` /
``ALIBABA_CLOUD_SECURITY_TOKEN``; the request is sent once (no retries) through ``Target``,
and the status and body are printed (redacted, like everything the suite shows).

Exit status: 0 when a response came back, 1 on a transport error, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Sequence

from conformance.exchange import BodyFormat, Transport
from conformance.target import Credentials, Tamper, Target, TargetConfig


def _param(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface (also documents the flags ``reproduce.py`` emits)."""
    parser = argparse.ArgumentParser(
        prog="python -m conformance.replay",
        description="Send one ECS RPC request to a target, signed with the credentials in the environment.",
    )
    parser.add_argument("--target", required=True, help="base URL, e.g. http://127.0.0.1:8080")
    parser.add_argument("--action", required=True, help="e.g. ImportKeyPair")
    parser.add_argument("--transport", choices=[t.value for t in Transport], default=Transport.GET.value)
    parser.add_argument("--format", choices=[f.value for f in BodyFormat], default=BodyFormat.JSON.value)
    parser.add_argument(
        "--param", type=_param, action="append", default=[], metavar="NAME=VALUE",
        help="a business parameter (repeatable)",
    )  # fmt: skip
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--unsigned", action="store_true", help="do not sign even with credentials")
    tamper = parser.add_argument_group("signature faults (IKP-X3)")
    tamper.add_argument("--wrong-signature", action="store_true")
    tamper.add_argument("--unknown-access-key-id", action="store_true")
    tamper.add_argument("--nonce", default=None, help="use this SignatureNonce")
    tamper.add_argument("--timestamp-shift", type=float, default=0.0, help="seconds added to the timestamp")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    credentials = Credentials.from_env()
    tampered = bool(
        args.wrong_signature or args.unknown_access_key_id or args.nonce is not None or args.timestamp_shift
    )
    if credentials is None and not args.unsigned:
        print(
            "replay: no credentials in ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET; "
            "sending unsigned",
            file=sys.stderr,
        )
    if tampered and (credentials is None or args.unsigned):
        print("replay: signature faults need a signed request (set the credentials)", file=sys.stderr)
        return 2
    try:
        config = TargetConfig(args.target, credentials=credentials, timeout=args.timeout, retries=0)
    except ValueError as exc:
        print(f"replay: {exc}", file=sys.stderr)
        return 2
    tamper = None
    if tampered:
        tamper = Tamper(
            wrong_signature=args.wrong_signature,
            access_key_id=f"unknown-{uuid.uuid4().hex[:16]}" if args.unknown_access_key_id else None,
            nonce=args.nonce,
            timestamp_shift=args.timestamp_shift,
        )
    with Target(config) as target:
        exchange = target.call(
            args.action,
            dict(args.param),
            transport=Transport(args.transport),
            body_format=BodyFormat(args.format),
            sign=False if args.unsigned else None,
            tamper=tamper,
        )
    print(f"{exchange.method} {exchange.url}")
    if exchange.request_body:
        print(exchange.request_body)
    if exchange.status is None:
        print(f"transport error: {exchange.transport_error}")
        return 1
    print(f"HTTP {exchange.status}")
    for name, value in exchange.response_headers.items():
        print(f"{name}: {value}")
    print()
    print(exchange.response_text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
