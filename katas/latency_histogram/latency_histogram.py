"""Latency histogram and percentiles — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- latency_histogram
"""

from __future__ import annotations

from collections.abc import Sequence


class Histogram:
    """A Prometheus-style histogram with cumulative ``le`` buckets.

    Args:
        bounds: the finite bucket upper bounds, strictly increasing, at least
            one; the ``+Inf`` bucket is implicit.

    Raises:
        ValueError: empty, non-finite or not strictly increasing bounds.
    """

    def __init__(self, bounds: Sequence[float]) -> None:
        raise NotImplementedError

    def observe(self, value: float) -> None:
        """Count ``value`` in the first bucket whose bound is >= ``value``.

        O(log b) in the number of bounds. ``NaN`` raises ``ValueError``.
        """
        raise NotImplementedError

    def quantile(self, q: float) -> float:
        """Estimate the q-quantile exactly as Prometheus's ``histogram_quantile``.

        ``NaN`` for ``q`` NaN or no observations, ``-inf`` for ``q < 0``,
        ``+inf`` for ``q > 1``; linear interpolation inside the bucket that
        holds rank ``q * count`` (the lowest bucket starts at 0 when its bound
        is positive); the highest finite bound when the rank is in ``+Inf``.
        """
        raise NotImplementedError

    def merge(self, other: Histogram) -> None:
        """Add ``other``'s counts and sum to this histogram.

        Raises:
            ValueError: ``other`` has different bounds.
        """
        raise NotImplementedError

    @property
    def count(self) -> int:
        """The number of observations."""
        raise NotImplementedError

    @property
    def sum(self) -> float:
        """The sum of all observed values."""
        raise NotImplementedError


def percentile(values: Sequence[float], q: float) -> float:
    """The exact q-quantile of ``values`` with linear interpolation.

    ``pos = (n - 1) * q`` into the sorted values, interpolating between the
    two neighbours (NumPy's default, ``statistics.quantiles`` "inclusive").
    ``values`` is not modified.

    Raises:
        ValueError: ``values`` is empty, or ``q`` is not in [0, 1].
    """
    raise NotImplementedError
