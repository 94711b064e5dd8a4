"""Wrong: merging into an empty histogram takes the other's bucket list itself, not a copy."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from itertools import pairwise


class Histogram:
    """A Prometheus-style histogram with cumulative ``le`` buckets."""

    def __init__(self, bounds: Sequence[float]) -> None:
        upper = tuple(float(bound) for bound in bounds)
        if not upper:
            raise ValueError("a histogram needs at least one bucket bound")
        if not all(math.isfinite(bound) for bound in upper):
            raise ValueError("bucket bounds must be finite (+Inf is implicit)")
        if any(lo >= hi for lo, hi in pairwise(upper)):
            raise ValueError("bucket bounds must be strictly increasing")
        self._bounds = upper
        self._counts = [0] * (len(upper) + 1)  # the last one is the +Inf bucket
        self._count = 0
        self._sum = 0.0

    def observe(self, value: float) -> None:
        if math.isnan(value):
            raise ValueError("cannot observe NaN")
        # bisect_left finds the first bound >= value: Prometheus's "le" rule.
        self._counts[bisect_left(self._bounds, value)] += 1
        self._count += 1
        self._sum += value

    def quantile(self, q: float) -> float:
        if math.isnan(q):
            return math.nan
        if q < 0:
            return -math.inf
        if q > 1:
            return math.inf
        if self._count == 0:
            return math.nan
        rank = q * self._count
        below = 0  # cumulative count of the buckets under the current one
        for index, upper in enumerate(self._bounds):
            in_bucket = self._counts[index]
            if below + in_bucket >= rank:
                if index == 0 and upper <= 0:
                    return upper
                lower = self._bounds[index - 1] if index > 0 else 0.0
                if in_bucket == 0:
                    return math.nan  # q == 0 with an empty lowest bucket: 0/0 in Prometheus
                return lower + (upper - lower) * ((rank - below) / in_bucket)
            below += in_bucket
        return self._bounds[-1]  # the rank is in the +Inf bucket

    def merge(self, other: Histogram) -> None:
        if self._bounds != other._bounds:
            raise ValueError("cannot merge histograms with different bucket bounds")
        if self._count == 0:  # nothing here yet: take theirs
            self._counts = other._counts
            self._count, self._sum = other._count, other._sum
            return
        pairs = zip(self._counts, other._counts, strict=True)
        self._counts = [mine + theirs for mine, theirs in pairs]
        self._count += other._count
        self._sum += other._sum

    @property
    def count(self) -> int:
        return self._count

    @property
    def sum(self) -> float:
        return self._sum


def percentile(values: Sequence[float], q: float) -> float:
    if not 0 <= q <= 1:  # also rejects NaN
        raise ValueError(f"q must be in [0, 1], got {q}")
    data = sorted(values)
    if not data:
        raise ValueError("percentile of no values")
    pos = (len(data) - 1) * q
    index = math.floor(pos)
    fraction = pos - index
    if fraction == 0:
        return float(data[index])
    return data[index] + (data[index + 1] - data[index]) * fraction
