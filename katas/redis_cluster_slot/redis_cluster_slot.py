"""Redis Cluster key slots — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- redis_cluster_slot
"""

from __future__ import annotations


def crc16(data: bytes) -> int:
    """The CRC-16/XMODEM of ``data``, as the Redis Cluster specification defines it.

    Polynomial 0x1021, initial value 0, no reflection, no final XOR.
    ``crc16(b"123456789") == 0x31C3``.

    Returns:
        An integer in ``0 … 65535``.
    """
    raise NotImplementedError


def key_slot(key: str | bytes) -> int:
    """The Redis Cluster hash slot of ``key``: ``crc16(...) mod 16384``.

    A ``str`` key is encoded as UTF-8. When the key has a non-empty hash tag
    (the bytes between the first ``{`` and the first ``}`` after it), only the
    tag is hashed; otherwise the whole key is.

    Returns:
        An integer in ``0 … 16383``.
    """
    raise NotImplementedError
