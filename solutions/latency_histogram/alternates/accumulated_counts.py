"""Correct: per-bucket counts in an array, quantiles by bisect over their running sums.

``observe`` finds the bucket with ``bisect_left`` and increments one slot of
an ``array("q")``; ``quantile`` builds the cumulative counts with
``itertools.accumulate`` and finds the first bucket reaching the rank with
``bisect_left`` over them, then follows ``bucketQuantile``'s special cases.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections.abc import Sequence
from itertools import accumulate, pairwise


class Histogram:
    def __init__(self, bounds: Sequence[float]) -> None:
        bounds = [float(b) for b in bounds]
        if not bounds or not all(map(math.isfinite, bounds)):
            raise ValueError("bounds must be one or more finite numbers")
        if any(b <= a for a, b in pairwise(bounds)):
            raise ValueError("bounds must be strictly increasing")
        self._bounds = bounds
        self._buckets = array("q", [0] * (len(bounds) + 1))
        self._total = 0.0

    def observe(self, value: float) -> None:
        if value != value:
            raise ValueError("NaN cannot be observed")
        self._buckets[bisect_left(self._bounds, value)] += 1
        self._total += value

    def quantile(self, q: float) -> float:
        if math.isnan(q):
            return math.nan
        if q < 0 or q > 1:
            return -math.inf if q < 0 else math.inf
        count = self.count
        if not count:
            return math.nan
        rank = q * count
        cumulative = list(accumulate(self._buckets[:-1]))
        b = bisect_left(cumulative, rank)
        if b == len(self._bounds):
            return self._bounds[-1]
        upper = self._bounds[b]
        if b == 0:
            if upper <= 0:
                return upper
            lower, below = 0.0, 0
        else:
            lower, below = self._bounds[b - 1], cumulative[b - 1]
        inside = cumulative[b] - below
        if not inside:
            return math.nan
        return lower + (upper - lower) * (rank - below) / inside

    def merge(self, other: Histogram) -> None:
        if other._bounds != self._bounds:
            raise ValueError("bucket bounds differ")
        for index, n in enumerate(other._buckets):
            self._buckets[index] += n
        self._total += other._total

    @property
    def count(self) -> int:
        return sum(self._buckets)

    @property
    def sum(self) -> float:
        return self._total


def percentile(values: Sequence[float], q: float) -> float:
    if not values or not 0 <= q <= 1:
        raise ValueError("need values and 0 <= q <= 1")
    data = sorted(values)
    fraction, whole = math.modf((len(data) - 1) * q)
    i = int(whole)
    if not fraction:
        return float(data[i])
    return data[i] + (data[i + 1] - data[i]) * fraction
