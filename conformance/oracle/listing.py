"""Reading a DescribeKeyPairs listing (IKP-X1): the body as JSON-shaped data, the key pairs
it lists, and each one's tags.

``_describe_document`` reads an XML listing from the response text itself (``_local``,
``_element_to_value``, ``_XML_DECLARATIONS``), so the judgement does not depend on how the
client turned XML into a dict; ``listed_key_pairs`` and ``listed_tags`` take
``KeyPairs.KeyPair[]`` and ``Tags.Tag[]`` out of it (None when the shape is wrong).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from conformance.exchange import Exchange
from conformance.oracle.judgement import text as _text


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _element_to_value(element: ET.Element) -> Any:
    """An XML element as JSON-shaped data: text for a leaf, a dict of children otherwise
    (a repeated child becomes a list). A leaf's text is kept as it is (a tag key may be a
    space), except whitespace with a line break, which is an empty element's indentation."""
    children = list(element)
    if not children:
        text = element.text or ""
        return "" if not text.strip() and "\n" in text else text
    out: dict[str, Any] = {}
    for child in children:
        tag, value = _local(child.tag), _element_to_value(child)
        if tag in out:
            if not isinstance(out[tag], list):
                out[tag] = [out[tag]]
            out[tag].append(value)
        else:
            out[tag] = value
    return out


_XML_DECLARATIONS = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def _describe_document(exchange: Exchange) -> Any:
    """The DescribeKeyPairs body as JSON-shaped data. XML is read from the response text
    itself, so the judgement does not depend on how the client turned XML into a dict
    (a document with DOCTYPE/ENTITY declarations is not expanded: the client's is used)."""
    text = exchange.response_text
    if exchange.parsed.syntax == "xml" and not _XML_DECLARATIONS.search(text):
        try:
            return _element_to_value(ET.fromstring(text))
        except ET.ParseError:
            pass
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
