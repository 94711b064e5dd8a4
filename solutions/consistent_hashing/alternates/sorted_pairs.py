"""Correct: one sorted list of (position, node) pairs, merged on add, and a modular jump hash.

The ring is a single list of ``(position, node)`` tuples. ``bisect_left`` with
``(position, "")`` finds the first pair at or after a key's position, because
``""`` sorts before every node name. Adding a node merges its sorted pairs in
(O(V)); removing filters them out. jump_hash keeps the key in ``range(2**64)``
with ``%`` instead of a mask.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
from collections.abc import Iterable

_RING = 2**64


def _position(label: str) -> int:
    return int.from_bytes(hashlib.md5(label.encode("utf-8")).digest()[:8], "big")


class HashRing:
    def __init__(self, nodes: Iterable[str] = (), vnodes: int = 100) -> None:
        if vnodes < 1:
            raise ValueError(f"vnodes must be at least 1, got {vnodes}")
        self._vnodes = vnodes
        self._members: set[str] = set()
        pairs: list[tuple[int, str]] = []
        for node in nodes:
            pairs += self._pairs(node)
        self._ring = sorted(pairs)

    def _pairs(self, node: str) -> list[tuple[int, str]]:
        if node in self._members:
            raise ValueError(f"{node!r} is already on the ring")
        self._members.add(node)
        return [(_position(f"{node}#{i}"), node) for i in range(self._vnodes)]

    def add_node(self, node: str) -> None:
        self._ring = list(heapq.merge(self._ring, sorted(self._pairs(node))))

    def remove_node(self, node: str) -> None:
        if node not in self._members:
            raise KeyError(node)
        self._members.discard(node)
        self._ring = [pair for pair in self._ring if pair[1] != node]

    def node_for(self, key: str) -> str:
        if not self._ring:
            raise LookupError("empty ring")
        at = bisect.bisect_left(self._ring, (_position(key), ""))
        return self._ring[at % len(self._ring)][1]


def jump_hash(key: int, num_buckets: int) -> int:
    if num_buckets < 1:
        raise ValueError(f"num_buckets must be at least 1, got {num_buckets}")
    key %= _RING
    b, j = -1, 0
    while j < num_buckets:
        b = j
        key = (key * 2862933555777941757 + 1) % _RING
        j = int((b + 1) * ((1 << 31) / ((key >> 33) + 1)))
    return b
