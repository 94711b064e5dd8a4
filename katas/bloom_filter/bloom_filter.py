"""Bloom filter — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- bloom_filter
"""

from __future__ import annotations


class BloomFilter:
    """A Bloom filter sized for ``capacity`` items at false-positive rate ``error_rate``.

    ``size_bits = ceil(-n ln p / (ln 2)^2)`` and
    ``hash_count = max(1, round(size_bits / n * ln 2))``.

    Args:
        capacity: the number of items the filter is designed for; at least 1.
        error_rate: the target false-positive probability, strictly between 0 and 1.

    Raises:
        ValueError: ``capacity`` below 1, or ``error_rate`` not in (0, 1).
    """

    def __init__(self, capacity: int, error_rate: float) -> None:
        raise NotImplementedError

    @property
    def size_bits(self) -> int:
        """The number of bits m."""
        raise NotImplementedError

    @property
    def hash_count(self) -> int:
        """The number of bit positions k per item."""
        raise NotImplementedError

    def add(self, item: str | bytes) -> None:
        """Record ``item`` (a ``str`` is the same item as its UTF-8 bytes)."""
        raise NotImplementedError

    def __contains__(self, item: str | bytes) -> bool:
        """``False`` if ``item`` was never added; ``True`` if it probably was."""
        raise NotImplementedError
