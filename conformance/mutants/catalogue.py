"""Catalogue entries: ``Fault`` (one deliberate deviation of the reference server), and the
look-up and listing the fault and variant catalogues share (``named``, ``listing``).

An entry says what it is (name, the requirements it breaks, a one-line description) and how it
is applied (an ``Apply`` built from ``combinators``); nothing here knows the suite's tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from conformance.mutants.combinators import Apply

T = TypeVar("T")


@dataclass(frozen=True)
class Fault:
    """One deliberate deviation: its name, what it breaks, and how it is applied."""

    name: str
    breaks: tuple[str, ...]  # requirement IDs the deviation violates
    description: str
    apply: Apply


def fault(name: str, breaks: str, description: str, apply: Apply) -> Fault:
    """A ``Fault``; ``breaks`` is the requirement IDs separated by spaces."""
    return Fault(name, tuple(breaks.split()), description, apply)


def named(catalogue: Mapping[str, T], name: str, kind: str) -> T:
    """The entry ``name`` of a catalogue of ``kind`` (fault, variant); ``ValueError`` naming the
    listing option for an unknown name."""
    entry = catalogue.get(name)
    if entry is None:
        raise ValueError(f"unknown {kind} {name!r} (see --list-{kind}s)")
    return entry


def listing(rows: Iterable[tuple[str, str, str]], middle: int) -> list[str]:
    """Aligned ``name  middle  description`` lines (``middle``: that column's width)."""
    rows = list(rows)
    width = max(len(name) for name, _, _ in rows)
    return [f"{name:<{width}}  {mid:<{middle}}  {text}" for name, mid, text in rows]
