"""Consistent hashing: a hash ring with virtual nodes, and jump hash — your
implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- consistent_hashing
"""

from __future__ import annotations

from collections.abc import Iterable


class HashRing:
    """Maps string keys to nodes so that membership changes move few keys.

    Every node owns ``vnodes`` positions on a ring of 64-bit integers: the
    position of the label ``f"{node}#{i}"`` for ``i`` in ``range(vnodes)``,
    where the position of a string is the first 8 bytes of its MD5 digest
    (UTF-8), read big-endian. A key belongs to the node owning the first
    position at or after the key's own position, wrapping around to the
    smallest position.

    Args:
        nodes: the initial nodes (distinct names).
        vnodes: positions per node; at least 1.

    Raises:
        ValueError: ``vnodes`` below 1, or a node listed twice.
    """

    def __init__(self, nodes: Iterable[str] = (), vnodes: int = 100) -> None:
        raise NotImplementedError

    def add_node(self, node: str) -> None:
        """Put ``node`` on the ring; ``ValueError`` if it is already there."""
        raise NotImplementedError

    def remove_node(self, node: str) -> None:
        """Take ``node`` off the ring; ``KeyError`` if it is not there."""
        raise NotImplementedError

    def node_for(self, key: str) -> str:
        """The node that owns ``key``; ``LookupError`` when the ring is empty."""
        raise NotImplementedError


def jump_hash(key: int, num_buckets: int) -> int:
    """Lamping and Veach's jump consistent hash: a bucket in ``range(num_buckets)``.

    ``key`` is taken modulo 2**64 (as a C ``uint64_t``); all arithmetic on it
    is 64-bit, wrapping around.

    Raises:
        ValueError: ``num_buckets`` below 1.
    """
    raise NotImplementedError
