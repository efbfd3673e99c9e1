"""Where the target is and who the suite is there: ``TargetConfig`` and ``Credentials``.

This module owns the configuration of one target (base URL, regions, resource group,
timeouts, retry count and backoff, which signature the non-V3 transports use) and the
credentials read from the environment; neither ever shows the AccessKey secret or the STS
token (``repr``, ``redacted``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from secrets import token_hex, token_urlsafe
from typing import Any
from urllib.parse import urlsplit

from conformance import contract, redaction

ENV_ACCESS_KEY_ID = "ALIBABA_CLOUD_ACCESS_KEY_ID"
ENV_ACCESS_KEY_SECRET = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
ENV_SECURITY_TOKEN = "ALIBABA_CLOUD_SECURITY_TOKEN"


@dataclass(frozen=True)
class Credentials:
    """An AccessKey pair and optional STS token; ``repr`` never shows the secret or the token."""

    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        token = ", security_token=<set>" if self.security_token else ""
        return (
            f"Credentials(access_key_id={redaction.mask_access_key_id(self.access_key_id)!r}, "
            f"access_key_secret=<hidden>{token})"
        )

    __str__ = __repr__

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials | None:
        """From ``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``_SECRET`` / ``ALIBABA_CLOUD_SECURITY_TOKEN``.

        None unless both the id and the secret are set and non-empty.
        """
        env = os.environ if environ is None else environ
        key_id = env.get(ENV_ACCESS_KEY_ID, "").strip()
        secret = env.get(ENV_ACCESS_KEY_SECRET, "").strip()
        token = env.get(ENV_SECURITY_TOKEN, "").strip() or None
        if not key_id or not secret:
            return None
        return cls(key_id, secret, token)

    @classmethod
    def throwaway(cls) -> Credentials:
        """A fresh random key for a bundled reference server started for one run (its secret
        lives only in this process and the child's environment)."""
        return cls("ikp" + token_hex(8), token_urlsafe(24), None)

    def secrets(self, *extra_ids: str) -> redaction.Secrets:
        """What redaction must hide for these credentials."""
        return redaction.Secrets(
            self.access_key_id, self.access_key_secret, self.security_token, tuple(extra_ids)
        )


SIGNATURE_CHOICES = ("v1", "none")


@dataclass(frozen=True)
class TargetConfig:
    """Where the target is and how to talk to it.

    ``signature`` is the signing used for the non-V3 transports when credentials exist:
    ``v1`` (HMAC-SHA1) or ``none`` (never sign them). ``Transport.V3`` always signs V3 when
    credentials exist. ``retries`` counts extra attempts after the first one.
    """

    base_url: str
    region: str = contract.DEFAULT_REGION
    other_region: str = contract.DEFAULT_OTHER_REGION
    resource_group: str | None = None
    credentials: Credentials | None = None
    timeout: float = 10.0
    retries: int = 3
    backoff: float = 0.2
    signature: str = "v1"

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if "@" in parts.netloc:  # never echo it: it may hold a password
            raise ValueError("the target URL must not carry credentials (they come from the environment)")
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"target URL must be http(s)://host[:port][/path], got {self.base_url!r}")
        try:
            parts.port  # noqa: B018 - validates the port
        except ValueError as exc:
            raise ValueError(f"target URL has an invalid port: {self.base_url!r}") from exc
        if self.signature not in SIGNATURE_CHOICES:
            raise ValueError(f"signature must be one of {SIGNATURE_CHOICES}, got {self.signature!r}")
        if self.timeout <= 0 or self.retries < 0 or self.backoff < 0:
            raise ValueError("timeout must be > 0, retries and backoff >= 0")

    @property
    def host(self) -> str:
        """``host[:port]`` as written in the URL: what the Host header and V3 sign."""
        return urlsplit(self.base_url).netloc

    @property
    def path(self) -> str:
        """The RPC path: the URL's path with a trailing ``/`` (``/`` for a bare host)."""
        return urlsplit(self.base_url).path.rstrip("/") + "/"

    @property
    def origin(self) -> str:
        """``scheme://host[:port]``."""
        return f"{urlsplit(self.base_url).scheme}://{self.host}"

    @property
    def url(self) -> str:
        """The normalised base URL (``origin`` + path, no trailing ``/``), as reports show it."""
        return self.origin + self.path.rstrip("/")

    def redacted(self) -> dict[str, Any]:
        """A JSON-ready view for reports: the AccessKeyId masked, the secret and token absent."""
        creds = self.credentials
        return {
            "base_url": self.url,
            "region": self.region,
            "other_region": self.other_region,
            "resource_group": self.resource_group,
            "credentials": None
            if creds is None
            else {
                "access_key_id": redaction.mask_access_key_id(creds.access_key_id),
                "access_key_secret": "<set>",
                "security_token": "<set>" if creds.security_token else None,
            },
            "timeout": self.timeout,
            "retries": self.retries,
            "backoff": self.backoff,
            "signature": self.signature,
        }
