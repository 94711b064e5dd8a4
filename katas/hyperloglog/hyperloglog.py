"""HyperLogLog — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- hyperloglog
"""

from __future__ import annotations


class HyperLogLog:
    """Estimates the number of distinct items added, in ``2**precision`` registers.

    Items are hashed with ``blake2b(data, digest_size=8)`` read big-endian;
    the top ``precision`` bits pick the register, the rest give the rank.

    Args:
        precision: p, from 4 to 16; the sketch has m = 2**p registers and a
            relative standard error of about 1.04 / sqrt(m).

    Raises:
        ValueError: ``precision`` is not an integer from 4 to 16.
    """

    def __init__(self, precision: int = 14) -> None:
        raise NotImplementedError

    def add(self, item: str | bytes) -> None:
        """Record ``item`` (a ``str`` is the same item as its UTF-8 bytes)."""
        raise NotImplementedError

    def count(self) -> int:
        """The estimated number of distinct items, rounded to the nearest integer.

        alpha_m * m**2 / sum(2**-register), or linear counting m * ln(m / V)
        when that is at most 2.5 * m and V registers are still 0.
        """
        raise NotImplementedError

    def merge(self, other: HyperLogLog) -> None:
        """Fold ``other`` into this sketch (register-wise maximum), copying.

        ``other`` is left unchanged, and the two share nothing afterwards.

        Raises:
            ValueError: ``other`` has a different precision.
            TypeError: ``other`` is not a ``HyperLogLog``.
        """
        raise NotImplementedError
