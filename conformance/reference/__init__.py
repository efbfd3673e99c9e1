"""The bundled reference server: a real HTTP implementation of ImportKeyPair, DescribeKeyPairs
and DeleteKeyPairs as ECS answers them (the suite's default target, and a standalone mock).

Modules: ``server`` (HTTP connections, framing and the Python API), ``dispatch`` (from an HTTP
request to the answer: parameters, action, version, signature, format), ``actions`` (the three
operations), ``keys`` (PublicKeyBody validation and fingerprints), ``names`` and ``tags``
(parameter rules), ``store`` (thread-safe state and persistence), ``auth`` (V1/V3 signature
checks), ``wire`` (parameter decoding, JSON/XML), ``errors`` (one class per error row). The
Profile readings are listed in ``PROFILE.md``. Nothing here imports the suite's strategies or
oracle; the faults and variants (``conformance.mutants``) are loaded only when asked for.
"""

from conformance.reference.server import RunningServer, start_server

__all__ = ["RunningServer", "start_server"]
