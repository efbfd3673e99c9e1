"""Reading a DescribeKeyPairs listing (IKP-X1): the body as JSON-shaped data, the key pairs
it lists, and each one's tags.

``describe_document`` reads an XML listing from the response text itself (with the one body
reader, ``target.bodies``), so the judgement does not depend on how the client turned XML
into a dict; ``listed_key_pairs`` and ``listed_tags`` take
``KeyPairs.KeyPair[]`` and ``Tags.Tag[]`` out of it (None when the shape is wrong).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.exchange import Exchange
from conformance.oracle.judgement import text as _text
from conformance.target.bodies import xml_value


def describe_document(exchange: Exchange) -> Any:
    """The DescribeKeyPairs body as JSON-shaped data. XML is read again from the response
    text by the one body reader (``target.bodies.xml_value``: a repeated child is a list, a
    leaf's text kept verbatim), so the judgement does not depend on how the client turned
    XML into a dict; a document it refuses (DOCTYPE/ENTITY, too deep) falls back to the
    client's reading."""
    if exchange.parsed.syntax == "xml" and (value := xml_value(exchange.response_text)) is not None:
        return value
    return exchange.parsed.document


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def listed_key_pairs(document: Any) -> list[dict[str, Any]] | None:
    """``KeyPairs.KeyPair[]`` (JSON; in XML repeated ``<KeyPair>`` under ``<KeyPairs>``)."""
    if not isinstance(document, dict):
        return None
    key_pairs = document.get("KeyPairs")
    if key_pairs in (None, ""):
        return []
    if not isinstance(key_pairs, dict):
        return None
    return [kp for kp in _as_list(key_pairs.get("KeyPair")) if isinstance(kp, dict)]


def listed_tags(item: Mapping[str, Any]) -> dict[str, str] | None:
    tags = item.get("Tags")
    if tags in (None, ""):
        return {}
    if not isinstance(tags, dict):
        return None
    out: dict[str, str] = {}
    for tag in _as_list(tags.get("Tag")):
        if not isinstance(tag, dict) or _text(tag.get("TagKey")) is None:
            return None
        out[str(tag["TagKey"])] = _text(tag.get("TagValue")) or ""
    return out
