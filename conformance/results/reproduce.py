"""Commands that reproduce one Exchange, printed next to every failure (Schemathesis' habit).

- An unsigned request is reproduced exactly by a ``curl`` command line.
- A signed request cannot be replayed byte for byte (its nonce is spent, its timestamp
  ages and its signature must never be printed), so it is reproduced by
  ``python -m conformance.replay ...``, which signs afresh with the credentials in the
  environment.

Both commands are built from the (already redacted) Exchange: nothing secret can appear.
"""

from __future__ import annotations

import shlex

from conformance.exchange import Exchange
from conformance.target import COMMON_PARAMETERS, TargetConfig

# Headers the client library adds by itself; curl adds its own equivalents.
_LIBRARY_HEADERS = frozenset({"user-agent", "accept-encoding", "connection", "host", "content-length"})


def _body_arguments(body: str) -> list[str]:
    """The body, byte for byte.

    ``--data-urlencode`` would be more readable, but curl encodes a space as ``+`` where the
    client sends ``%20``: a reproduction must send the same bytes, so the body goes verbatim.
    """
    return ["--data-binary", body]


def curl_command(exchange: Exchange) -> str:
    """A ``curl -sS -i`` command line that sends ``exchange``'s (unsigned) request again."""
    args = ["curl", "-sS", "-i"]
    if exchange.method != "GET":
        args += ["-X", exchange.method]
    for name, value in exchange.request_headers.items():
        lower = name.lower()
        if lower == "content-length" and value == "0" and not exchange.request_body:
            args += ["-H", "Content-Length: 0"]
        elif lower == "accept" and value == "*/*":
            continue  # curl's default
        elif lower not in _LIBRARY_HEADERS:
            args += ["-H", f"{name}: {value}"]
    if exchange.request_body:  # percent-encoded: never starts with curl's file marker "@"
        args += _body_arguments(exchange.request_body)
    args.append(exchange.url)
    return shlex.join(args)


def business_params(exchange: Exchange) -> dict[str, str]:
    """The parameters the suite chose (not the ones the client added)."""
    if exchange.business_params:
        return dict(exchange.business_params)
    return {k: v for k, v in exchange.params.items() if k not in COMMON_PARAMETERS}


def replay_command(exchange: Exchange, config: TargetConfig) -> str:
    """A ``python -m conformance.replay`` command that signs and sends the request afresh."""
    args = [
        "python",
        "-m",
        "conformance.replay",
        "--target",
        config.url,
        "--action",
        exchange.action,
        "--transport",
        exchange.transport.value,
        "--format",
        exchange.body_format.value,
    ]
    for name, value in business_params(exchange).items():
        args += ["--param", f"{name}={value}"]
    tamper = exchange.tamper
    if tamper.get("wrong_signature"):
        args.append("--wrong-signature")
    if "access_key_id" in tamper:
        args.append("--unknown-access-key-id")
    if "nonce" in tamper:
        args += ["--nonce", tamper["nonce"]]
    if "timestamp_shift" in tamper:
        args += ["--timestamp-shift", tamper["timestamp_shift"]]
    return shlex.join(args)


def command_for(exchange: Exchange, config: TargetConfig) -> str:
    """The command that reproduces ``exchange``: curl if unsigned, the replay module if signed."""
    if exchange.signed:
        return replay_command(exchange, config)
    return curl_command(exchange)
