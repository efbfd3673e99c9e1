"""Small drawing helpers shared by the composite strategies, chosen for speed.

Hypothesis caches ``st.integers``, ``st.binary``, ``st.text`` and ``st.lists`` by their
arguments but builds (and validates) a new strategy for every ``st.sampled_from`` call, which
inside a composite costs more than the key it picks. ``pick`` draws an index instead: the same
distribution and the same shrinking (towards the first item), with no new strategy.
``memoized`` gives composites called inside other composites one strategy object per
argument tuple, for the same reason.

"Shrinks towards X" in the strategies' docstrings is a direction: Hypothesis' shrinker first
prefers fewer drawn choices, then smaller ones (``pick`` index 0, the shortest text, the
smallest integer), so a failing example ends as simple as the failure allows.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from functools import cache, wraps
from typing import ParamSpec, TypeVar

from hypothesis import strategies as st

T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")


def pick(draw: st.DrawFn, items: Sequence[T]) -> T:
    """One of ``items``; shrinks towards ``items[0]``."""
    if len(items) < 2:  # no draw for a single item: one Hypothesis draw less per example
        if not items:
            raise ValueError("nothing to pick from")
        return items[0]
    return items[draw(st.integers(0, len(items) - 1))]


def edge_or_between(draw: st.DrawFn, low: int, high: int) -> int:
    """An integer in ``low..high``, either edge often; shrinks towards ``low``."""
    if draw(st.booleans()):
        return low if not draw(st.booleans()) else high
    return draw(st.integers(low, high))


def joined(draw: st.DrawFn, alphabet: str, size: int) -> str:
    """``size`` characters of ``alphabet`` from one drawn 32-bit seed; seed 0 (where
    Hypothesis' shrinker goes first) gives ``alphabet[0]`` repeated.

    Hypothesis checks every character of an ``st.text`` and loops over every byte of an
    ``st.binary``, so a 128-character text cost about 0.7 ms to draw; a seed costs the same
    whatever the size. The characters shrink all or nothing (a failure that needs them
    keeps its seed, and replays exactly from it); the size is the caller's draw."""
    if size <= 0:
        return ""
    seed = draw(st.integers(0, 2**32 - 1))
    if seed == 0:
        return alphabet[0] * size
    return "".join(random.Random(seed).choices(alphabet, k=size))


def memoized(factory: Callable[P, R]) -> Callable[P, R]:
    """``functools.cache`` for strategy factories that keeps their signature for type checkers.

    A composite called inside another composite builds a new strategy object per draw unless
    the factory is memoized; the arguments are hashable (tuples, strings, numbers, None)."""
    cached = cache(factory)

    @wraps(factory)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        return cached(*args, **kwargs)  # type: ignore[arg-type]

    return wrapper
