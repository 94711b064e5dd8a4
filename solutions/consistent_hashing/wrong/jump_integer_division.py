"""Wrong: jump_hash divides in integers, not in floating point as the paper does.

``(b + 1) * 2**31 // ((key >> 33) + 1)`` is the exact quotient; the paper
computes ``(b + 1) * (double(1 << 31) / double((key >> 33) + 1))``, rounding
the division first, and the two disagree on some keys.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterable

_MASK64 = (1 << 64) - 1


def _position(label: str) -> int:
    """The ring position of a label: the first 8 bytes of its MD5, big-endian."""
    return int.from_bytes(hashlib.md5(label.encode("utf-8")).digest()[:8], "big")


class HashRing:
    def __init__(self, nodes: Iterable[str] = (), vnodes: int = 100) -> None:
        if vnodes < 1:
            raise ValueError(f"vnodes must be at least 1, got {vnodes}")
        self._vnodes = vnodes
        self._nodes: set[str] = set()
        self._positions: list[int] = []  # sorted ring positions
        self._owners: list[str] = []  # _owners[i] is the node at _positions[i]
        points: list[tuple[int, str]] = []
        for node in nodes:
            points += self._claim(node)
        self._rebuild(points)

    def _claim(self, node: str) -> list[tuple[int, str]]:
        """Register ``node`` and return its vnode points."""
        if node in self._nodes:
            raise ValueError(f"node {node!r} is already on the ring")
        self._nodes.add(node)
        return [(_position(f"{node}#{i}"), node) for i in range(self._vnodes)]

    def _rebuild(self, points: list[tuple[int, str]]) -> None:
        # Sorting (position, node) pairs orders equal positions by node name.
        points.sort()
        self._positions = [position for position, _ in points]
        self._owners = [owner for _, owner in points]

    def add_node(self, node: str) -> None:
        new = self._claim(node)
        self._rebuild(list(zip(self._positions, self._owners)) + new)

    def remove_node(self, node: str) -> None:
        if node not in self._nodes:
            raise KeyError(node)
        self._nodes.remove(node)
        self._rebuild([(p, o) for p, o in zip(self._positions, self._owners) if o != node])

    def node_for(self, key: str) -> str:
        if not self._positions:
            raise LookupError("the ring has no nodes")
        at = bisect.bisect_left(self._positions, _position(key))
        if at == len(self._positions):
            at = 0  # past the last position: wrap around to the first
        return self._owners[at]


def jump_hash(key: int, num_buckets: int) -> int:
    if num_buckets < 1:
        raise ValueError(f"num_buckets must be at least 1, got {num_buckets}")
    key &= _MASK64
    b, j = -1, 0
    while j < num_buckets:
        b = j
        key = (key * 2862933555777941757 + 1) & _MASK64
        j = (b + 1) * (1 << 31) // ((key >> 33) + 1)  # the bug: not the paper's arithmetic
    return b
