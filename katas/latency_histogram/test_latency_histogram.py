"""Tests for the latency histogram kata.

Histogram quantiles are checked against the expected values of Prometheus's
own PromQL test file, promql/promqltest/testdata/histograms.test
(https://github.com/prometheus/prometheus), which pins down bucketQuantile in
promql/quantile.go. Each fixture below reproduces the bucket counts of a
series there at "50m" (or "7m") by observing one value inside each bucket.
Exact percentiles are checked against hand-worked values and against
Python's statistics.quantiles(method="inclusive").
"""

from __future__ import annotations

import math
import random
import statistics

import pytest

from latency_histogram import Histogram, percentile


def histogram_from_cumulative(bounds: list[float], cumulative: list[int]) -> Histogram:
    """A histogram whose cumulative bucket counts (with +Inf last) are ``cumulative``.

    Each observation is placed strictly inside its bucket, so these fixtures do
    not depend on how a value equal to a bound is handled.
    """
    assert len(cumulative) == len(bounds) + 1
    hist = Histogram(bounds)
    below = 0
    for index, total in enumerate(cumulative):
        if index == 0:
            value = bounds[0] - 1
        elif index == len(bounds):
            value = bounds[-1] + 1
        else:
            value = (bounds[index - 1] + bounds[index]) / 2
        for _ in range(total - below):
            hist.observe(value)
        below = total
    return hist


# histograms.test, "testhistogram" at 50m.
POSITIVE = ([0.1, 0.2, 1.0], [50, 70, 110, 120])
NEGATIVE = ([-0.2, -0.1, 0.3], [10, 20, 20, 30])
# "testhistogram3" at 50m: lowest bound 0 and -0.25, nothing in +Inf.
POSITIVE3 = ([0.0, 0.1, 0.2, 1.0], [0, 50, 70, 110, 110])
NEGATIVE3 = ([-0.25, -0.2, -0.1, 0.3], [0, 10, 20, 20, 20])


# --- buckets ---------------------------------------------------------------


@pytest.mark.spec("Buckets")
def test_a_value_equal_to_a_bound_counts_in_that_bucket() -> None:
    # le means "less than or equal": 1 is in le="1", 2 in le="2", 4 in le="4".
    hist = Histogram([1, 2, 4])
    for value in (1, 2, 4):
        hist.observe(value)
    # One observation per bucket: rank 1 ends bucket le=1, rank 2 ends le=2, ...
    assert hist.quantile(1 / 3) == pytest.approx(1.0), "observe(1) belongs in the le=1 bucket"
    assert hist.quantile(2 / 3) == pytest.approx(2.0), "observe(2) belongs in the le=2 bucket"
    assert hist.quantile(1.0) == pytest.approx(4.0), "observe(4) belongs in le=4, not +Inf"


@pytest.mark.spec("Buckets")
def test_values_above_the_highest_bound_go_to_inf() -> None:
    hist = Histogram([1.0])
    hist.observe(1.0000001)
    hist.observe(math.inf)
    assert hist.count == 2
    assert hist.quantile(0.5) == 1.0, "a rank in +Inf gives the highest finite bound"


@pytest.mark.spec("API")
def test_count_and_sum() -> None:
    hist = Histogram([0.1, 0.2, 1.0])
    for value in [0.05] * 50 + [0.15] * 20 + [0.5] * 40 + [3.0] * 10:
        hist.observe(value)
    assert hist.count == 120
    assert hist.sum == pytest.approx(55.5)


@pytest.mark.spec("Buckets")
@pytest.mark.parametrize(
    "bounds",
    [[], [1.0, 1.0], [2.0, 1.0], [0.1, 0.3, 0.2], [math.nan], [1.0, math.inf], [-math.inf, 1.0]],
    ids=["empty", "equal", "decreasing", "unsorted", "nan", "inf", "minus-inf"],
)
def test_invalid_bounds_are_rejected(bounds: list[float]) -> None:
    with pytest.raises(ValueError):
        Histogram(bounds)


@pytest.mark.spec("Buckets")
def test_observing_nan_is_rejected() -> None:
    hist = Histogram([1.0])
    with pytest.raises(ValueError):
        hist.observe(math.nan)
    hist.observe(-5.0)  # negative values are fine
    assert hist.count == 1


# --- quantiles -------------------------------------------------------------


@pytest.mark.spec("Quantiles")
@pytest.mark.parametrize(
    ("fixture", "q", "expected"),
    [
        (POSITIVE, 0, 0.0),  # "Quantile value in lowest bucket"
        (NEGATIVE, 0, -0.2),
        (POSITIVE, 1, 1.0),  # "Quantile value in highest bucket"
        (NEGATIVE, 1, 0.3),
        (POSITIVE, 0.2, 0.048),  # "Finally some useful quantiles"
        (NEGATIVE, 0.2, -0.2),
        (POSITIVE, 0.5, 0.15),
        (NEGATIVE, 0.5, -0.15),
        (POSITIVE, 0.8, 0.72),
        (NEGATIVE, 0.8, 0.3),
    ],
)
def test_prometheus_testhistogram(
    fixture: tuple[list[float], list[int]], q: float, expected: float
) -> None:
    hist = histogram_from_cumulative(*fixture)
    assert hist.quantile(q) == pytest.approx(expected), (
        f"histogram_quantile({q}) over le={fixture[0]} cumulative={fixture[1]}"
    )


@pytest.mark.spec("Quantiles")
@pytest.mark.parametrize(
    ("fixture", "q", "expected"),
    [
        (POSITIVE3, 0, 0.0),
        (NEGATIVE3, 0, -0.25),
        (POSITIVE3, 0.25, 0.055),
        (NEGATIVE3, 0.25, -0.225),
        (POSITIVE3, 0.5, 0.125),
        (NEGATIVE3, 0.5, -0.2),
        (POSITIVE3, 0.75, 0.45),
        (NEGATIVE3, 0.75, -0.15),
        (POSITIVE3, 1, 1.0),
        (NEGATIVE3, 1, -0.1),
    ],
)
def test_prometheus_testhistogram3(
    fixture: tuple[list[float], list[int]], q: float, expected: float
) -> None:
    hist = histogram_from_cumulative(*fixture)
    assert hist.quantile(q) == pytest.approx(expected), (
        f"histogram_quantile({q}) over le={fixture[0]} cumulative={fixture[1]}"
    )


@pytest.mark.spec("Quantiles")
@pytest.mark.parametrize(("q", "expected"), [(1 / 6, 1.0), (0.5, 3.0), (5 / 6, 5.0)])
def test_prometheus_results_in_the_middle_of_a_bucket(q: float, expected: float) -> None:
    # histograms.test "testhistogram2" at 7m: one observation in each of
    # (0, 2], (2, 4] and (4, 6]; "Want results exactly in the middle of the bucket."
    hist = histogram_from_cumulative([0.0, 2.0, 4.0, 6.0], [0, 1, 2, 3, 3])
    assert hist.quantile(q) == pytest.approx(expected)


@pytest.mark.spec("Quantiles")
def test_lowest_bucket_interpolates_from_zero() -> None:
    # 10 observations in le=10: the median is interpolated between 0 and 10.
    hist = Histogram([10.0, 20.0])
    for _ in range(10):
        hist.observe(7.0)
    assert hist.quantile(0.5) == pytest.approx(5.0), (
        "the lowest bucket with a positive bound spans [0, bound]"
    )
    assert hist.quantile(0.1) == pytest.approx(1.0)


@pytest.mark.spec("Quantiles")
def test_out_of_range_and_nan_q() -> None:
    # histograms.test: "Quantile too low", "Quantile too high", "Quantile invalid".
    hist = histogram_from_cumulative(*POSITIVE)
    assert hist.quantile(-0.1) == -math.inf
    assert hist.quantile(1.01) == math.inf
    assert math.isnan(hist.quantile(math.nan))


@pytest.mark.spec("Quantiles")
@pytest.mark.parametrize(
    "bounds", [[0.1, 1.0], [-0.2, -0.1, 0.3], [0.0, 1.0]], ids=["positive", "negative", "zero"]
)
def test_no_observations_is_nan(bounds: list[float]) -> None:
    # Step 2 comes before the lowest-bucket rule of step 5: with a lowest
    # bound <= 0 an empty histogram still answers NaN, not that bound.
    for q in (0.0, 0.5, 1.0):
        assert math.isnan(Histogram(bounds).quantile(q)), f"no observations: NaN for q={q}"


@pytest.mark.spec("Quantiles")
def test_q_zero_with_an_empty_lowest_positive_bucket_is_nan() -> None:
    # bucketQuantile computes 0 + (1 - 0) * (0 / 0) here, which is NaN in Go.
    hist = Histogram([1.0, 2.0])
    hist.observe(1.5)
    assert math.isnan(hist.quantile(0.0)), "q == 0 with an empty lowest bucket is 0/0: NaN"
    assert hist.quantile(1.0) == pytest.approx(2.0)


@pytest.mark.spec("Quantiles")
def test_thousands_of_buckets() -> None:
    # Bounds 1..2000 and one observation equal to each bound: every bucket
    # (k-1, k] holds one value, so rank r interpolates to exactly r.
    size = 2000
    hist = Histogram(range(1, size + 1))
    for value in range(size, 0, -1):
        hist.observe(float(value))
    for q in (0.001, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0):
        assert hist.quantile(q) == pytest.approx(q * size), f"quantile({q})"


# --- merging ---------------------------------------------------------------


def _request_duration(cumulative: tuple[int, int, int]) -> Histogram:
    return histogram_from_cumulative([0.1, 0.2], list(cumulative))


# histograms.test "request_duration_seconds_bucket" at 50m, le 0.1 / 0.2 / +Inf.
JOB1_INS1 = (10, 30, 40)
JOB1_INS2 = (20, 50, 60)
JOB2_INS1 = (30, 40, 60)
JOB2_INS2 = (40, 70, 90)


@pytest.mark.spec("Merging")
def test_merge_is_sum_by_le() -> None:
    # histogram_quantile(q, sum(rate(request_duration_seconds_bucket[10m])) by (le))
    total = _request_duration(JOB1_INS1)
    for other in (JOB1_INS2, JOB2_INS1, JOB2_INS2):
        total.merge(_request_duration(other))
    assert total.count == 250
    assert total.quantile(0.3) == pytest.approx(0.075)
    assert total.quantile(0.5) == pytest.approx(0.1277777777777778)


@pytest.mark.spec("Merging")
@pytest.mark.parametrize(
    ("parts", "q3", "q5"),
    [((JOB1_INS1, JOB1_INS2), 0.1, 0.14), ((JOB2_INS1, JOB2_INS2), 0.0642857142857143, 0.1125)],
    ids=["job1", "job2"],
)
def test_merge_by_job(parts: tuple[tuple[int, int, int], ...], q3: float, q5: float) -> None:
    # ... sum(rate(request_duration_seconds_bucket[10m])) by (le, job)
    merged = _request_duration(parts[0])
    merged.merge(_request_duration(parts[1]))
    assert merged.quantile(0.3) == pytest.approx(q3)
    assert merged.quantile(0.5) == pytest.approx(q5)


@pytest.mark.spec("Merging")
def test_merge_equals_observing_everything() -> None:
    rng = random.Random(7)
    bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]  # client defaults
    first, second, together = Histogram(bounds), Histogram(bounds), Histogram(bounds)
    for index in range(2000):
        value = rng.lognormvariate(-2.5, 1.5)
        (first if index % 3 else second).observe(value)
        together.observe(value)
    first.merge(second)
    assert first.count == together.count == 2000
    assert first.sum == pytest.approx(together.sum)
    for q in (0.0, 0.1, 0.5, 0.9, 0.95, 0.99, 1.0):
        assert first.quantile(q) == pytest.approx(together.quantile(q)), f"quantile({q})"
    assert second.count == 667, "merge must not modify the other histogram"


@pytest.mark.spec("Merging")
def test_merge_into_an_empty_histogram_copies_the_buckets() -> None:
    # After the merge the two histograms are independent: observing into the
    # other one later must not move this one's quantiles.
    source = histogram_from_cumulative(*POSITIVE)
    merged = Histogram(POSITIVE[0])
    merged.merge(source)
    for _ in range(200):
        source.observe(0.15)
    twin = histogram_from_cumulative(*POSITIVE)
    for q in (0.2, 0.5, 0.8):
        assert merged.quantile(q) == pytest.approx(twin.quantile(q)), (
            f"quantile({q}) moved when the other histogram observed: they share bucket counts"
        )
    assert merged.count == 120


@pytest.mark.spec("Merging")
def test_observing_after_a_merge_into_an_empty_histogram_leaves_the_other_unchanged() -> None:
    source = histogram_from_cumulative(*POSITIVE)
    merged = Histogram(POSITIVE[0])
    merged.merge(source)
    for _ in range(200):
        merged.observe(0.15)
    twin = histogram_from_cumulative(*POSITIVE)
    for q in (0.2, 0.5, 0.8):
        assert source.quantile(q) == pytest.approx(twin.quantile(q)), (
            f"quantile({q}) of the other histogram moved: merge must copy its buckets"
        )
    assert source.count == 120


@pytest.mark.spec("Merging")
def test_merge_requires_the_same_bounds() -> None:
    hist = Histogram([0.1, 0.2])
    other = Histogram([0.1, 0.3])
    other.observe(0.15)
    with pytest.raises(ValueError):
        hist.merge(other)
    assert hist.count == 0
    with pytest.raises(ValueError):
        other.merge(Histogram([0.1, 0.2]))  # the other way round
    with pytest.raises(ValueError):
        hist.merge(Histogram([0.1, 0.2, 0.3]))  # one bound more
    assert other.count == 1


# --- exact percentiles -----------------------------------------------------


@pytest.mark.spec("Percentiles")
@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([1, 2, 3, 4], 0.5, 2.5),
        ([15, 20, 35, 40, 50], 0.4, 29.0),  # pos 1.6: 20 + 0.6 * (35 - 20)
        ([15, 20, 35, 40, 50], 0.0, 15.0),
        ([15, 20, 35, 40, 50], 1.0, 50.0),
        ([15, 20, 35, 40, 50], 0.75, 40.0),  # pos 3.0 exactly
        ([10, 7, 4, 3, 2, 1], 0.5, 3.5),  # numpy.percentile docs: percentile(a, 50) == 3.5
        ([42.0], 0.99, 42.0),
        ([3.0, 1.0, 2.0], 0.25, 1.5),
    ],
)
def test_percentile_hand_worked(values: list[float], q: float, expected: float) -> None:
    assert percentile(values, q) == pytest.approx(expected)


@pytest.mark.spec("Percentiles")
@pytest.mark.parametrize("size", [2, 11, 100, 1001])
def test_percentile_matches_statistics_quantiles(size: int) -> None:
    rng = random.Random(size)
    values = [rng.expovariate(20.0) for _ in range(size)]
    deciles = statistics.quantiles(values, n=10, method="inclusive")
    for i, expected in enumerate(deciles, start=1):
        assert percentile(values, i / 10) == pytest.approx(expected), f"decile {i}"
    centiles = statistics.quantiles(values, n=100, method="inclusive")
    for i in (1, 25, 50, 90, 95, 99):
        assert percentile(values, i / 100) == pytest.approx(centiles[i - 1]), f"p{i}"


@pytest.mark.spec("Percentiles")
def test_percentile_does_not_modify_its_input() -> None:
    values = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert percentile(values, 0.5) == 3.0
    assert values == [5.0, 1.0, 4.0, 2.0, 3.0]


@pytest.mark.spec("Percentiles")
@pytest.mark.parametrize(
    ("values", "q"),
    [([], 0.5), ([1.0], -0.01), ([1.0], 1.01), ([1.0], math.nan)],
    ids=["empty", "below-0", "above-1", "nan"],
)
def test_percentile_rejects_invalid_input(values: list[float], q: float) -> None:
    with pytest.raises(ValueError):
        percentile(values, q)
