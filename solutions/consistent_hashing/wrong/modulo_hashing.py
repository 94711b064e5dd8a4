"""Wrong: ``position(key) % len(nodes)`` picks the node, so a new node reshuffles almost every key.

Modulo hashing is the first idea and spreads keys perfectly — until the
node count changes: going from 4 to 5 nodes moves about 4 keys in 5, not 1
in 5, and they move between old nodes too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

_MASK64 = (1 << 64) - 1


def _position(label: str) -> int:
    return int.from_bytes(hashlib.md5(label.encode("utf-8")).digest()[:8], "big")


class HashRing:
    def __init__(self, nodes: Iterable[str] = (), vnodes: int = 100) -> None:
        if vnodes < 1:
            raise ValueError(f"vnodes must be at least 1, got {vnodes}")
        self._nodes: list[str] = []
        for node in nodes:
            self.add_node(node)

    def add_node(self, node: str) -> None:
        if node in self._nodes:
            raise ValueError(f"node {node!r} is already on the ring")
        self._nodes.append(node)
        self._nodes.sort()

    def remove_node(self, node: str) -> None:
        if node not in self._nodes:
            raise KeyError(node)
        self._nodes.remove(node)

    def node_for(self, key: str) -> str:
        if not self._nodes:
            raise LookupError("the ring has no nodes")
        return self._nodes[_position(key) % len(self._nodes)]


def jump_hash(key: int, num_buckets: int) -> int:
    if num_buckets < 1:
        raise ValueError(f"num_buckets must be at least 1, got {num_buckets}")
    key &= _MASK64
    b, j = -1, 0
    while j < num_buckets:
        b = j
        key = (key * 2862933555777941757 + 1) & _MASK64
        j = int((b + 1) * (float(1 << 31) / float((key >> 33) + 1)))
    return b
