"""Count-min sketch — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- count_min_sketch
"""

from __future__ import annotations

import hashlib  # noqa: F401  (positions: keyed BLAKE2b, see "Hashing")
import heapq  # noqa: F401  (heavy-hitter candidates)
import math  # noqa: F401  (math.e, math.log, math.ceil)

Item = str | bytes
"""A stream item: a ``str`` counts as its UTF-8 bytes."""


class CountMinSketch:
    """Approximate counts of a stream's items in ``width × depth`` counters.

    Args:
        epsilon: the error bound ε in (0, 1): ``width = ⌈e/ε⌉``.
        delta: the failure probability δ in (0, 1): ``depth = ⌈ln(1/δ)⌉``.
        conservative: use the conservative update (raise counters only to the
            new minimum) instead of adding to every counter.

    Raises:
        ValueError: ``epsilon`` or ``delta`` outside (0, 1).
    """

    width: int
    depth: int
    conservative: bool
    total: int
    """N: the sum of all counts added."""

    def __init__(self, epsilon: float, delta: float, *, conservative: bool = False) -> None:
        raise NotImplementedError

    @property
    def counters(self) -> list[list[int]]:
        """A copy of the counters: ``depth`` lists of ``width`` ints, row 0 first."""
        raise NotImplementedError

    def positions(self, item: Item) -> list[int]:
        """The counter ``item`` maps to in each row (keyed BLAKE2b, see "Hashing")."""
        raise NotImplementedError

    def add(self, item: Item, count: int = 1) -> int:
        """Count ``count`` more occurrences of ``item``; return its new estimate.

        Raises:
            ValueError: ``count`` not positive.
        """
        raise NotImplementedError

    def estimate(self, item: Item) -> int:
        """The smallest of ``item``'s counters: never below its true count."""
        raise NotImplementedError

    def merge(self, other: CountMinSketch) -> CountMinSketch:
        """A new sketch with the cellwise sum of both; neither input changes.

        Raises:
            ValueError: different width, depth or update rule.
        """
        raise NotImplementedError


class HeavyHitters:
    """The items whose estimated count is at least ``phi`` times the stream's total.

    Args:
        phi: the heavy-hitter fraction φ in (0, 1].
        epsilon: ε of the underlying (plain) sketch.
        delta: δ of the underlying sketch.

    Raises:
        ValueError: a parameter out of range.
    """

    phi: float

    def __init__(self, phi: float, epsilon: float, delta: float) -> None:
        raise NotImplementedError

    @property
    def total(self) -> int:
        """N: the sum of all counts added."""
        raise NotImplementedError

    @property
    def tracked(self) -> int:
        """How many candidates are kept."""
        raise NotImplementedError

    def add(self, item: Item, count: int = 1) -> None:
        """Count ``item``; keep it as a candidate if its new estimate is at least φN."""
        raise NotImplementedError

    def heavy_hitters(self) -> dict[Item, int]:
        """``{item: estimate}`` for every candidate whose current estimate is at least φN."""
        raise NotImplementedError
