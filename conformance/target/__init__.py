"""The target stage: the only code in the suite that talks HTTP to the target.

``from conformance.target import Target, TargetConfig, Credentials, Tamper, Call, parse_body,
list_at, probe_url, ...`` is the public import path; each name lives in the module that owns
its concern:

- ``config.py``: ``TargetConfig`` (URL, regions, timeouts, retries, signature) and
  ``Credentials`` (from the environment; never shown);
- ``tamper.py``: ``Tamper``, the deliberate signature faults of IKP-X3;
- ``probe.py``: ``probe_url`` (is anything listening?) and the CA bundle HTTPS trusts;
- ``request.py``: building one request (parameters, headers, body, V1/V3 signature);
- ``bodies.py``: reading a response body (``parse_body``, ``xml_value``, ``list_at``, the
  DOCTYPE/ENTITY and depth guards);
- ``client.py``: ``Target`` and ``Call``: sending, retrying, recording redacted Exchanges;
- ``connection.py`` (keep-alive ``http.client`` connections), ``signing.py`` (V1/V3),
  ``encodings.py`` (how real clients write parameters), ``retry.py`` (the one retry rule).
"""

from __future__ import annotations

from conformance.target import retry, signing
from conformance.target.bodies import MAX_DEPTH, has_xml_declarations, list_at, parse_body, xml_value
from conformance.target.client import MAX_RESPONSE_BYTES, USER_AGENT, Call, Target
from conformance.target.config import (
    ENV_ACCESS_KEY_ID,
    ENV_ACCESS_KEY_SECRET,
    ENV_SECURITY_TOKEN,
    SIGNATURE_CHOICES,
    Credentials,
    TargetConfig,
)
from conformance.target.probe import PROBE_TIMEOUT, probe_url
from conformance.target.request import COMMON_PARAMETERS, V3_ACCEPT
from conformance.target.tamper import Tamper

__all__ = [
    "COMMON_PARAMETERS",
    "ENV_ACCESS_KEY_ID",
    "ENV_ACCESS_KEY_SECRET",
    "ENV_SECURITY_TOKEN",
    "MAX_DEPTH",
    "MAX_RESPONSE_BYTES",
    "PROBE_TIMEOUT",
    "SIGNATURE_CHOICES",
    "USER_AGENT",
    "V3_ACCEPT",
    "Call",
    "Credentials",
    "Tamper",
    "Target",
    "TargetConfig",
    "has_xml_declarations",
    "list_at",
    "parse_body",
    "probe_url",
    "retry",
    "signing",
    "xml_value",
]
