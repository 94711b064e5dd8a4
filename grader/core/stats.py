"""Statistics for timing: speed ratios and growth, from numbers alone.

Nothing here reads a clock, so all of it is unit-tested with synthetic
timings.

Growth is the slope of a least-squares line through (log n, log t): time
proportional to n^k gives slope k. A fit separates linear from quadratic
cleanly but cannot tell n from n log n at sizes that fit in a grading budget
(slopes 1.0 and about 1.1), so slopes are reported in bands a learner
understands.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

BANDS = (
    (0.5, "constant or logarithmic"),
    (1.5, "linear or n log n"),
    (2.5, "quadratic"),
    (math.inf, "worse than quadratic"),
)

EXPONENTS = {
    "constant": 0.0,
    "logarithmic": 0.1,
    "linear": 1.0,
    "linearithmic": 1.1,
    "quadratic": 2.0,
}
"""The slope each declared growth shows at grading sizes."""

GROWTH_TOLERANCE = 0.5
"""How much steeper than the reference a slope may be before it is flagged."""


@dataclass(frozen=True)
class Ratio:
    """Learner time over reference time: the median of paired samples and their spread."""

    median: float
    low: float
    high: float
    samples: tuple[float, ...]

    def describe(self) -> str:
        """``1.8× slower`` / ``1.1× faster`` / ``as fast``."""
        if 0.95 <= self.median <= 1.05:
            return "as fast"
        if self.median > 1:
            return f"{self.median:.1f}× slower"
        return f"{1 / self.median:.1f}× faster"


def ratio(pairs: Sequence[tuple[float, float]]) -> Ratio:
    """Summarise (learner, reference) samples taken side by side.

    Each pair is measured back to back, so a burst of load on the machine
    hits both sides of one pair; the median pair ratio ignores the pairs it
    distorted anyway.
    """
    if not pairs:
        raise ValueError("no samples")
    ratios = sorted(learner / reference for learner, reference in pairs)
    return Ratio(statistics.median(ratios), ratios[0], ratios[-1], tuple(ratios))


def slope(sizes: Sequence[float], times: Sequence[float]) -> float:
    """Least-squares slope of log(time) over log(size)."""
    if len(sizes) != len(times) or len(sizes) < 2:
        raise ValueError("need at least two sizes with a time each")
    xs = [math.log(n) for n in sizes]
    ys = [math.log(max(t, 1e-12)) for t in times]
    return statistics.linear_regression(xs, ys).slope


def band(exponent: float) -> str:
    """The plain-language growth band of a fitted slope."""
    for upper, name in BANDS:
        if exponent < upper:
            return name
    return BANDS[-1][1]


def doubling_factor(exponent: float) -> float:
    """How much the time multiplies when n doubles, for a slope."""
    return 2.0**exponent


@dataclass(frozen=True)
class Growth:
    """Learner and reference growth, and whether the learner's is worse."""

    learner: float
    reference: float

    @property
    def worse(self) -> bool:
        return self.learner - self.reference > GROWTH_TOLERANCE

    def describe(self) -> str:
        return f"n^{self.learner:.2f} (ref n^{self.reference:.2f})"

    def explain(self) -> str:
        return (
            f"doubling n multiplies your time by {doubling_factor(self.learner):.1f}, "
            f"the reference's by {doubling_factor(self.reference):.1f}: your code grows "
            f"{band(self.learner)}, the reference {band(self.reference)}"
        )
