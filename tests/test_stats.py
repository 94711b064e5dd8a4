"""The timing statistics, on synthetic timings (no clock involved)."""

from __future__ import annotations

import math
import random

import pytest

from grader.core import stats

SIZES = [1000, 2000, 4000, 8000, 16000]


@pytest.mark.parametrize(
    ("complexity", "expected"),
    [
        (lambda n: 5e-7, 0.0),
        (lambda n: 1e-6 * n, 1.0),
        (lambda n: 1e-9 * n * n, 2.0),
        (lambda n: 1e-6 * n * math.log2(n), 1.12),
    ],
)
def test_slope_recovers_the_exponent(complexity, expected: float) -> None:
    times = [complexity(n) for n in SIZES]
    assert stats.slope(SIZES, times) == pytest.approx(expected, abs=0.02)


def test_slope_is_robust_to_modest_noise() -> None:
    rng = random.Random(7)
    times = [1e-6 * n * rng.uniform(0.9, 1.1) for n in SIZES]
    assert stats.slope(SIZES, times) == pytest.approx(1.0, abs=0.1)


@pytest.mark.parametrize(
    ("slope", "band"),
    [
        (0.0, "constant or logarithmic"),
        (0.12, "constant or logarithmic"),
        (1.02, "linear or n log n"),
        (1.12, "linear or n log n"),
        (1.98, "quadratic"),
        (3.1, "worse than quadratic"),
    ],
)
def test_bands(slope: float, band: str) -> None:
    assert stats.band(slope) == band


def test_ratio_is_the_median_pair_ratio_with_its_spread() -> None:
    pairs = [(3.0, 1.0), (6.0, 2.0), (2.9, 1.0), (30.0, 1.0), (3.1, 1.0)]
    r = stats.ratio(pairs)
    assert r.median == 3.0
    assert (r.low, r.high) == (2.9, 30.0)
    assert r.describe() == "3.0× slower"


def test_ratio_words() -> None:
    assert stats.ratio([(1.0, 1.0)]).describe() == "as fast"
    assert stats.ratio([(1.0, 1.6)]).describe() == "1.6× faster"
    with pytest.raises(ValueError):
        stats.ratio([])


def test_growth_flags_only_a_clearly_steeper_slope() -> None:
    assert not stats.Growth(1.12, 1.02).worse
    assert stats.Growth(1.95, 1.01).worse
    explained = stats.Growth(1.96, 1.07).explain()
    assert "doubling n multiplies your time by 3.9, the reference's by 2.1" in explained
    assert stats.Growth(1.02, 1.0).describe() == "n^1.02 (ref n^1.00)"


def test_slope_is_the_least_squares_fit() -> None:
    """stats.slope is statistics.linear_regression over (log n, log t)."""
    import math
    import statistics

    times = [0.001, 0.0021, 0.0039, 0.0082, 0.0161]
    xs, ys = [math.log(n) for n in SIZES], [math.log(t) for t in times]
    assert stats.slope(SIZES, times) == statistics.linear_regression(xs, ys).slope
