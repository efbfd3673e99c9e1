"""RFC 4251 section 5 encoding primitives, and blobs that remember their field boundaries.

This module owns the bytes: ``uint32``, ``uint64``, ``string``, ``mpint`` (with an optional
count of redundant leading zero bytes, for the non-minimal encodings of IKP-K5) and
``WireBlob``, a sequence of labelled fields whose boundaries the broken-key families cut at
(IKP-K3, truncation).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def u32(value: int) -> bytes:
    """A big-endian ``uint32``."""
    return struct.pack(">I", value)


def u64(value: int) -> bytes:
    """A big-endian ``uint64``."""
    return struct.pack(">Q", value)


def string(data: bytes | str) -> bytes:
    """An SSH ``string``: a ``uint32`` length, then the bytes (text is UTF-8)."""
    raw = data.encode() if isinstance(data, str) else data
    return u32(len(raw)) + raw


def mpint_bytes(value: int, extra_zeros: int = 0) -> bytes:
    """The content of a non-negative ``mpint``: minimal two's complement, plus ``extra_zeros``
    redundant leading ``00`` bytes (0 gives the canonical form RFC 4251 requires)."""
    if value < 0:
        raise ValueError("key fields are never negative")
    # ceil((bits + 1) / 8) bytes: the value plus a clear sign bit, and no more (zero: empty).
    body = value.to_bytes(value.bit_length() // 8 + 1, "big") if value else b""
    return b"\x00" * extra_zeros + body


def mpint(value: int, extra_zeros: int = 0) -> bytes:
    """An SSH ``mpint`` (length-prefixed ``mpint_bytes``)."""
    return string(mpint_bytes(value, extra_zeros))


def name_data_list(pairs: Iterable[tuple[str, bytes]]) -> bytes:
    """Packed ``(string name, string data)`` tuples: certificate options and extensions."""
    return b"".join(string(name) + string(data) for name, data in pairs)


def string_list(items: Iterable[str]) -> bytes:
    """Packed ``string`` values: a certificate's valid principals."""
    return b"".join(string(item) for item in items)


Field = tuple[str, bytes]


@dataclass(frozen=True)
class WireBlob:
    """A blob as a sequence of ``(label, encoded bytes)`` fields."""

    fields: tuple[Field, ...]

    @property
    def data(self) -> bytes:
        """The whole blob."""
        return b"".join(raw for _, raw in self.fields)

    def boundaries(self) -> tuple[int, ...]:
        """Offsets where one field ends and the next begins (excluding 0 and the full length)."""
        offsets: list[int] = []
        total = 0
        for _, raw in self.fields[:-1]:
            total += len(raw)
            offsets.append(total)
        return tuple(offsets)

    def spans(self) -> tuple[tuple[str, int, int], ...]:
        """``(label, start, end)`` of every field."""
        out: list[tuple[str, int, int]] = []
        total = 0
        for label, raw in self.fields:
            out.append((label, total, total + len(raw)))
            total += len(raw)
        return tuple(out)


def blob(fields: Sequence[Field]) -> WireBlob:
    """A ``WireBlob`` from its fields."""
    return WireBlob(tuple(fields))
