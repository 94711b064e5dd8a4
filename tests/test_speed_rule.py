"""The speed rule: growth worse than the reference's costs points; a constant factor never does."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from grader.core.catalog import Timing as TimingSpec
from grader.core.catalog import load_kata
from grader.core.scoring import TOO_SLOW, Score, apply_timing
from grader.core.timing import Timing, judge

ROOT = Path(__file__).resolve().parent.parent
KATA = load_kata(ROOT / "katas" / "merge_base")
SPEC = TimingSpec(sizes=(600, 1200), growth="linear", max_slowdown=10.0, complexity_required=True)
SOLVED = Score(status="solved", earned=15.0, possible=15, passed=29, total=29)


def graded(ratio: float, learner: float, reference: float = 1.0, *, required: bool = True):
    kata = replace(KATA, timing=replace(SPEC, complexity_required=required))
    timing = judge(
        Timing(ratio=ratio, ratio_size=9600, learner_growth=learner, reference_growth=reference),
        kata,
    )
    return timing, apply_timing(SOLVED, timing, kata)


def test_a_constant_factor_beyond_the_allowance_costs_no_points() -> None:
    # A heap walk in generation order: the reference's growth, several times slower.
    timing, score = graded(ratio=14.0, learner=1.1)
    assert not timing.too_slow
    assert score == SOLVED
    [flag] = timing.flags
    assert flag.startswith("14.0× slower than the reference at n = 9600")
    assert "within 10×" in flag and "costs no points" in flag


def test_within_the_allowance_nothing_is_flagged() -> None:
    timing, score = graded(ratio=4.7, learner=1.05)
    assert timing.flags == [] and score == SOLVED


@pytest.mark.parametrize("ratio", [1.2, 30.0])
def test_worse_growth_is_too_slow_whatever_the_ratio(ratio: float) -> None:
    timing, score = graded(ratio=ratio, learner=2.0)
    assert timing.too_slow
    assert score.status == TOO_SLOW and score.earned == 11.25
    assert timing.flags[0].startswith("doubling n multiplies your time by 4.0")
    assert not any("costs no points" in flag for flag in timing.flags)


def test_growth_within_the_tolerance_is_not_too_slow() -> None:
    # n log n against n reads as slopes about 1.1 and 1.0: the same band, never flagged.
    timing, score = graded(ratio=2.0, learner=1.4)
    assert not timing.too_slow and score == SOLVED


def test_worse_growth_costs_nothing_where_complexity_is_not_the_task() -> None:
    timing, score = graded(ratio=1.5, learner=2.0, required=False)
    assert timing.too_slow and timing.flags
    assert score == SOLVED


def test_a_failed_workload_is_too_slow() -> None:
    kata = replace(KATA, timing=SPEC)
    timing = judge(Timing(error="ZeroDivisionError: division by zero"), kata)
    assert apply_timing(SOLVED, timing, kata).status == TOO_SLOW
