"""How real clients write a request's parameters on the wire (IKP-T1), as data.

This module owns the *text* of a request: how each name and value is escaped (``%20`` or
``+`` for a space, upper- or lower-case hex), in which order the pairs come, and whether the
common parameters stay in the query or travel in the form body with the rest. It does not
decide what is sent (``request.py`` does) nor what is signed: a V1 signature is computed over
the decoded parameters with the canonical RFC 3986 encoding, and a V3 signature over the
canonical query and the body hash, whatever the wire encoding (``signing.py``). A server
must decode every one of these ways back to the same parameters.

Each ``ClientEncoding`` has an id (for reports and Hypothesis events), the client it stands
for, and the transport that client uses. The sources, all public code:

- Python ``alibabacloud-ecs20140526`` on ``alibabacloud-tea-openapi``: the query is built by
  Darabonba's ``compose_url`` with ``urllib.parse.urlencode`` (``+`` for a space, upper-case
  hex, the order the SDK built the parameters in), for the V3 default and for the V1
  (``signature_algorithm='v2'``) path alike.
- Python ``aliyun-python-sdk-core`` (legacy): ``urlencode`` then ``+`` -> ``%20``, ``*`` ->
  ``%2A``, ``%7E`` -> ``~``: RFC 3986, in the order the request was built.
- Terraform (``alibabacloud-go/tea-rpc``): common and signature parameters in the query,
  business parameters form-encoded in the body, both written by Go's ``url.Values.Encode``
  (sorted by name, ``+`` for a space, upper-case hex). Older ``tea-utils`` builds wrote the
  form with ``url.QueryEscape`` in Go map order (unsorted, different on every call).
- The Go SDK ``alibabacloud-go/ecs-20140526`` on Darabonba Go: V3, its query written by
  ``url.Values.Encode``.
- Node ``@alicloud/pop-core`` (``lib/rpc.js``): RFC 3986 (``encodeURIComponent`` plus
  ``!'()*``), sorted by name, ``Signature`` appended last; a GET puts everything in the query,
  a POST puts everything (the signature too) in the form body and nothing in the query.
- Java ``aliyun-java-sdk-core`` (``HttpMessage.getContentTypeValue``): a form body is sent
  with ``Content-Type: application/x-www-form-urlencoded;charset=utf-8``; its query
  parameters stay in the URL.
- Lower-case hex digits in escapes (``%2f``): RFC 3986 section 2.1 makes them equivalent;
  hand-written clients and some encoders emit them.
- A request split elsewhere than between common and business parameters (``RegionId`` left
  in the URL, the rest in the form body): IKP-T1 says the parameters may be "split between
  the two", and a client that builds its URL from the region does this.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote_plus

from conformance.exchange import Transport
from conformance.target.signing import percent_encode


def form_plus(text: str) -> str:
    """``application/x-www-form-urlencoded`` as Python's ``urlencode`` and Go's
    ``url.QueryEscape`` write it: ``A-Z a-z 0-9 - _ . ~`` kept, a space as ``+``, every other
    UTF-8 byte as upper-case ``%XY`` (so a literal ``+`` is ``%2B``)."""
    return quote_plus(text, safe="")


FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"

_ESCAPE = re.compile(r"%[0-9A-F]{2}")


def lower_hex(text: str) -> str:
    """RFC 3986 percent-encoding with lower-case hex digits (``%2f``, ``%e6%b5%8b``)."""
    return _ESCAPE.sub(lambda m: m.group(0).lower(), percent_encode(text))


class Order(StrEnum):
    """The order of the ``name=value`` pairs on the wire."""

    GIVEN = "given"  # as the client built them (common parameters, then business ones)
    SORTED = "sorted"  # by name, Signature included (Go url.Values.Encode)
    SORTED_SIGNATURE_LAST = "sorted-signature-last"  # by name, then Signature (pop-core)
    REVERSED = "reversed"  # neither: a stand-in for Go's map iteration order


def ordered(pairs: Mapping[str, str], order: Order) -> list[tuple[str, str]]:
    """``pairs`` in ``order``."""
    items = list(pairs.items())
    if order is Order.SORTED:
        return sorted(items)
    if order is Order.SORTED_SIGNATURE_LAST:
        return sorted(i for i in items if i[0] != "Signature") + [i for i in items if i[0] == "Signature"]
    if order is Order.REVERSED:
        return items[::-1]
    return items


@dataclass(frozen=True)
class ClientEncoding:
    """One client's way of writing a request.

    ``escape`` writes one name or value; ``order`` arranges the pairs; ``all_in_body`` (a
    form-body transport only) moves the common and signature parameters from the query into
    the body with the business ones; ``in_query`` (a form-body transport only) names the
    business parameters kept in the query with the common ones; ``content_type`` is the form
    body's ``Content-Type``. ``transport`` is the transport that client uses."""

    id: str
    client: str
    transport: Transport
    escape: Callable[[str], str] = percent_encode
    order: Order = Order.GIVEN
    all_in_body: bool = False
    in_query: frozenset[str] = frozenset()
    content_type: str = FORM_CONTENT_TYPE

    def __post_init__(self) -> None:
        form_only = self.all_in_body or self.in_query or self.content_type != FORM_CONTENT_TYPE
        if form_only and self.transport is not Transport.POST_FORM:
            raise ValueError(f"{self.id}: only a form-body transport can split or label its body")
        if self.all_in_body and self.in_query:
            raise ValueError(f"{self.id}: everything in the body leaves nothing in the query")

    def encode(self, pairs: Mapping[str, str]) -> str:
        """``k=v&k=v`` of ``pairs``, escaped and ordered this client's way."""
        escape = self.escape
        return "&".join(f"{escape(k)}={escape(v)}" for k, v in ordered(pairs, self.order))


# The suite's own way (RFC 3986, pairs in the order built): what every request uses unless
# it names another encoding.
SUITE = ClientEncoding("suite", "this suite (RFC 3986, as built)", Transport.GET)

CLIENT_ENCODINGS: tuple[ClientEncoding, ...] = (
    ClientEncoding(
        "python-tea-v3", "alibabacloud-ecs20140526 / tea-openapi, V3 (urlencode query)",
        Transport.V3, form_plus,
    ),
    ClientEncoding(
        "python-tea-rpc", "alibabacloud-ecs20140526 / tea-openapi, signature_algorithm=v2 (urlencode query)",
        Transport.POST_QUERY, form_plus,
    ),
    ClientEncoding(
        "python-legacy", "aliyun-python-sdk-core (urlencode, then %20, %2A, ~)",
        Transport.POST_QUERY, percent_encode,
    ),
    ClientEncoding(
        "terraform", "Terraform / tea-rpc (Go url.Values.Encode: sorted, +), split query and form body",
        Transport.POST_FORM, form_plus, Order.SORTED,
    ),
    ClientEncoding(
        "go-map-order", "older Go tea-utils ToFormString (url.QueryEscape in map order), split",
        Transport.POST_FORM, form_plus, Order.REVERSED,
    ),
    ClientEncoding(
        "go-sdk-v3", "alibabacloud-go/ecs-20140526 / Darabonba Go, V3 (url.Values.Encode query)",
        Transport.V3, form_plus, Order.SORTED,
    ),
    ClientEncoding(
        "node-pop-core-get", "@alicloud/pop-core GET (RFC 3986, sorted, Signature last)",
        Transport.GET, percent_encode, Order.SORTED_SIGNATURE_LAST,
    ),
    ClientEncoding(
        "node-pop-core-post", "@alicloud/pop-core POST (everything in the form body, sorted, Signature last)",
        Transport.POST_FORM, percent_encode, Order.SORTED_SIGNATURE_LAST, all_in_body=True,
    ),
    ClientEncoding(
        "java-core", "aliyun-java-sdk-core POST (Content-Type '...;charset=utf-8'), split form body",
        Transport.POST_FORM, content_type=FORM_CONTENT_TYPE + ";charset=utf-8",
    ),
    ClientEncoding(
        "region-in-query", "split elsewhere: RegionId and the common ones in the query, the rest in the form",
        Transport.POST_FORM, in_query=frozenset({"RegionId"}),
    ),
    ClientEncoding(
        "lowercase-hex", "lower-case percent-escapes (%2f), RFC 3986 section 2.1, split form body",
        Transport.POST_FORM, lower_hex,
    ),
)  # fmt: skip

BY_ID: Mapping[str, ClientEncoding] = {e.id: e for e in (SUITE, *CLIENT_ENCODINGS)}
