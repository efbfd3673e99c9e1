"""Adapters that drive libcloud's ECS connection and footmark through ``steps.run_steps``.

libcloud (``apache-libcloud``): ``ECSDriver`` has no key pair methods, so the adapter speaks
through the driver's own ``ECSConnection`` (V1 HMAC-SHA1 signed, XML answers), which takes
``host``, ``port`` and ``secure=False``. Its errors are ``BaseHTTPError`` with the HTTP status
as ``code`` and the parsed error as ``str(dict)`` in ``message``.

footmark (the library behind Ansible's Alibaba modules) builds a new aliyunsdkcore
``AcsClient`` per call and has no endpoint option; ``footmark_endpoint`` points it at the
server through aliyunsdkcore's process-wide endpoint table (``region_provider.add_endpoint``)
and takes the entry out again. Its known bugs, worked around here and named in the test ids:

- ``FOOTMARK_BUG_YAML``: ``footmark.connection`` imports ``yaml`` but footmark does not
  declare PyYAML; without it ``import footmark.ecs`` fails (``pyyaml`` is in the dev extra).
- ``FOOTMARK_BUG_KEY_PAIR_NAMES``: ``delete_key_pair(key_pair_names=[...])`` sends the
  Python list's ``str()`` (``['a']``, not JSON) as ``KeyPairNames``, swallows the
  ``InvalidKeyPairNames`` answer and retries every 5 s for 300 s (then, on Python 3, dies of a
  NameError: the ``except ... as e`` name is gone). Worked around with a list whose ``str()``
  is its JSON, so its own "are they gone" loop over the names still works.
- ``FOOTMARK_BUG_LOST_ERROR``: ``describe_key_pairs`` wraps the SDK's ``ServerException`` in
  ``ECSResponseError``, whose constructor ``json.loads`` the exception object (a TypeError on
  Python 3, swallowed), so ``error_code`` and ``http_status`` are lost. The adapter reads the
  wrapped exception (``.error``) instead.

(``KeyPair.__repr__`` also raises AttributeError, since ECS answers carry no KeyPairId; the
adapter never prints one.)
"""

from __future__ import annotations

import ast
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from .steps import REGION, ClientError, Imported, KeyPairItem, Listed

FOOTMARK_BUGS = ("FOOTMARK_BUG_YAML", "FOOTMARK_BUG_KEY_PAIR_NAMES", "FOOTMARK_BUG_LOST_ERROR")


def _tag_params(tags: Sequence[tuple[str, str]]) -> dict[str, str]:
    params = {}
    for i, (key, value) in enumerate(tags, 1):
        params[f"Tag.{i}.Key"] = key
        params[f"Tag.{i}.Value"] = value
    return params


class LibcloudAdapter:
    def __init__(self, host: str, port: int, key: str, secret: str) -> None:
        from libcloud.compute.drivers.ecs import ECSDriver

        self.connection = ECSDriver(key, secret, secure=False, host=host, port=port, region=REGION).connection

    def _call(self, action: str, params: dict[str, str]) -> tuple[int, ET.Element]:
        from libcloud.common.exceptions import BaseHTTPError

        try:
            response = self.connection.request("/", params={"Action": action, "RegionId": REGION, **params})
        except BaseHTTPError as err:
            # libcloud's AliyunXmlResponse.parse_error gives a dict; the exception keeps its str().
            try:
                parsed = ast.literal_eval(err.message)
            except (ValueError, SyntaxError):
                parsed = {}
            code = parsed.get("code") if isinstance(parsed, dict) else None
            raise ClientError(int(err.code), code, err.message) from err
        return int(response.status), response.object

    def import_key_pair(self, name: str, body: str, tags: Sequence[tuple[str, str]]) -> Imported:
        status, root = self._call(
            "ImportKeyPair", {"KeyPairName": name, "PublicKeyBody": body, **_tag_params(tags)}
        )
        return Imported(
            status,
            root.findtext("KeyPairName"),
            root.findtext("KeyPairFingerPrint"),
            root.findtext("RequestId"),
        )

    def describe(self, name: str, page_size: int | None = None, page_number: int | None = None) -> Listed:
        params = {"KeyPairName": name}
        if page_size is not None:
            params["PageSize"] = str(page_size)
        if page_number is not None:
            params["PageNumber"] = str(page_number)
        _, root = self._call("DescribeKeyPairs", params)
        items = [
            KeyPairItem(
                k.findtext("KeyPairName") or "",
                k.findtext("KeyPairFingerPrint"),
                [(t.findtext("TagKey") or "", t.findtext("TagValue") or "") for t in k.findall("Tags/Tag")],
            )
            for k in root.findall("KeyPairs/KeyPair")
        ]
        total = root.findtext("TotalCount")
        return Listed(int(total) if total is not None else None, items)

    def delete(self, names: Sequence[str]) -> None:
        self._call("DeleteKeyPairs", {"KeyPairNames": json.dumps(list(names))})


@contextmanager
def footmark_endpoint(host: str, port: int) -> Iterator[None]:
    """Route aliyunsdkcore's ECS calls in ``REGION`` to ``host:port`` while inside."""
    from aliyunsdkcore.endpoint.default_endpoint_resolver import DefaultEndpointResolver
    from aliyunsdkcore.profile import region_provider

    table = DefaultEndpointResolver.predefined_endpoint_resolver
    entry = f"ecs.{REGION}"
    before = table.endpoints_data.get(entry)
    region_provider.add_endpoint("Ecs", REGION, f"{host}:{port}")
    try:
        yield
    finally:
        if before is None:
            table.endpoints_data.pop(entry, None)
        else:
            table.endpoints_data[entry] = before


class _JsonList(list[str]):
    """FOOTMARK_BUG_KEY_PAIR_NAMES: a list footmark can iterate whose ``str()`` is its JSON."""

    def __str__(self) -> str:
        return json.dumps(list(self))


class FootmarkAdapter:
    """footmark's ECSConnection; call it inside ``footmark_endpoint``."""

    def __init__(self, key: str, secret: str) -> None:
        import footmark.ecs  # FOOTMARK_BUG_YAML: needs PyYAML installed by hand
        import footmark.ecs.connection

        # FOOTMARK_BUG_KEY_PAIR_NAMES: a failing delete retries for DefaultTimeOut (300 s);
        # bound it so a broken server fails the step in seconds, not minutes.
        footmark.ecs.connection.DefaultTimeOut = 5
        self.connection = footmark.ecs.connect_to_region(
            REGION, acs_access_key_id=key, acs_secret_access_key=secret
        )

    @staticmethod
    def _error(err: Exception) -> ClientError:
        from aliyunsdkcore.acs_exception.exceptions import ServerException

        inner: Any = getattr(err, "error", err)  # FOOTMARK_BUG_LOST_ERROR: the wrapped exception
        if isinstance(inner, ServerException):
            return ClientError(inner.get_http_status(), inner.get_error_code(), inner.get_error_msg())
        return ClientError(None, None, f"{type(err).__name__}: {err}")

    def import_key_pair(self, name: str, body: str, tags: Sequence[tuple[str, str]]) -> Imported:
        try:
            kp = self.connection.import_key_pair(key_pair_name=name, public_key_body=body, tags=dict(tags))
        except Exception as err:
            raise self._error(err) from err
        # footmark keeps no HTTP status for a success.
        return Imported(
            None,
            getattr(kp, "key_pair_name", None),
            getattr(kp, "key_pair_finger_print", None),
            getattr(kp, "request_id", None),
        )

    def describe(self, name: str, page_size: int | None = None, page_number: int | None = None) -> Listed:
        kwargs: dict[str, Any] = {"key_pair_name": name}
        if page_size is not None:
            kwargs["page_size"] = page_size
        if page_number is not None:
            kwargs["page_number"] = page_number
        try:
            found = self.connection.describe_key_pairs(**kwargs)
        except Exception as err:
            raise self._error(err) from err
        items = [
            KeyPairItem(kp.key_pair_name, getattr(kp, "key_pair_finger_print", None), list(kp.tags.items()))
            for kp in found
        ]
        return Listed(None, items)  # footmark returns the items only, not TotalCount

    def delete(self, names: Sequence[str]) -> None:
        try:
            self.connection.delete_key_pair(key_pair_names=_JsonList(names))
        except Exception as err:
            raise self._error(err) from err
