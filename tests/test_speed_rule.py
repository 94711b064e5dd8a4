"""The speed rule: growth worse than the reference's costs points; a constant factor never does,
but where speed is the kata's task (``speed_required``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from grader.authoring.dev import _judge
from grader.core.catalog import Timing as TimingSpec
from grader.core.catalog import load_kata
from grader.core.results import RunResult, TestResult
from grader.core.scoring import NEEDS_TIMING, TOO_SLOW, Score, apply_timing
from grader.core.timing import Timing, judge
from grader.core.verdicts import TestOutcome

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


# --- Katas whose task is speed ([timing] speed_required) ---------------------------------------

SPEED_KATA = load_kata(ROOT / "katas" / "optimize_hot_path")
SPEED_SPEC = replace(SPEC, complexity_required=False, max_slowdown=2.0, speed_required=True)
SPEED_SOLVED = Score(status="solved", earned=10.0, possible=10, passed=108, total=108)


def speed_graded(ratio: float | None, learner: float = 1.0, *, reference: bool = False):
    kata = replace(SPEED_KATA, timing=SPEED_SPEC)
    timing = None
    if ratio is not None:
        timing = judge(
            Timing(ratio=ratio, ratio_size=2000, learner_growth=learner, reference_growth=1.0),
            kata,
        )
    return timing, apply_timing(SPEED_SOLVED, timing, kata, reference=reference)


def test_speed_required_is_read_from_kata_toml() -> None:
    assert SPEED_KATA.timing is not None and SPEED_KATA.timing.speed_required
    assert KATA.timing is not None and not KATA.timing.speed_required


def test_a_speed_kata_within_its_allowance_is_solved() -> None:
    timing, score = speed_graded(1.8)
    assert timing is not None and timing.flags == []
    assert score == SPEED_SOLVED


def test_a_speed_kata_beyond_its_allowance_is_too_slow_and_earns_nothing() -> None:
    # The shipped original passes every test: being correct earns nothing by itself.
    timing, score = speed_graded(5.9)
    assert score.status == TOO_SLOW and score.earned == 0.0
    assert timing is not None and timing.speed_required
    [flag] = timing.flags
    assert flag.startswith("5.9× slower than the reference at n = 2000")
    assert "speed is this kata's task" in flag and "2×" in flag
    assert "costs no points" not in flag


def test_a_speed_kata_without_timing_needs_timing() -> None:
    _, score = speed_graded(None)
    assert score.status == NEEDS_TIMING and score.earned == 0.0
    assert not score.status.props.done and not score.status.props.earns_points


def test_a_speed_katas_reference_is_solved_without_timing() -> None:
    _, score = speed_graded(None, reference=True)
    assert score == SPEED_SOLVED


def test_a_speed_kata_whose_workload_failed_is_too_slow_and_earns_nothing() -> None:
    kata = replace(SPEED_KATA, timing=SPEED_SPEC)
    timing = judge(Timing(error="ZeroDivisionError: division by zero"), kata)
    score = apply_timing(SPEED_SOLVED, timing, kata)
    assert score.status == TOO_SLOW and score.earned == 0.0


def test_a_partial_speed_kata_earns_nothing() -> None:
    kata = replace(SPEED_KATA, timing=SPEED_SPEC)
    partial = Score(status="partial", earned=9.7, possible=10, passed=105, total=108)
    assert apply_timing(partial, None, kata) == replace(partial, earned=0.0)


def test_other_katas_keep_the_points_of_a_partial() -> None:
    partial = Score(status="partial", earned=9.7, possible=15, passed=28, total=29)
    assert apply_timing(partial, None, KATA) == partial


def _run(kata, passed: bool) -> RunResult:
    status = TestOutcome.PASSED if passed else TestOutcome.FAILED
    tests = [TestResult(f"t.py::test_{i}", status, spec="API") for i in range(3)]
    return RunResult(kata=kata, impl=kata.dir, tests=tests)


def _speed_check(stub_passes: bool, verdicts: dict[str, str]) -> list[str]:
    kata = SPEED_KATA
    runs = {
        "stub": _run(kata, stub_passes),
        "reference": _run(kata, True),
        **{label: _run(kata, True) for label in verdicts if label != "stub"},
        "wrong/date_only_cache": _run(kata, False),
        "wrong/fragment_kept": _run(kata, False),
    }
    return _judge(kata, runs, (), verdicts).problems


def test_dev_check_wants_a_speed_katas_original_correct_and_too_slow() -> None:
    sound = {
        "stub": "too slow (5.9× slower)",
        "slow/half_optimised": "too slow (4.1× slower)",
        "alternates/lru_cache_calendar": "solved (1.1× faster)",
    }
    assert _speed_check(True, sound) == []
    fails = _speed_check(False, {**sound, "stub": ""})
    assert any("tests fail on the original" in p for p in fails)
    fast = _speed_check(True, {**sound, "stub": "solved (1.0× slower)"})
    assert any("the original (the stub) must be too slow" in p for p in fast)


def test_dev_check_wants_slow_variants_too_slow_and_alternates_solved() -> None:
    problems = _speed_check(
        True,
        {
            "stub": "too slow (5.9× slower)",
            "slow/half_optimised": "solved (1.9× slower)",
            "alternates/lru_cache_calendar": "too slow (2.4× slower)",
        },
    )
    assert any(p.startswith("slow/half_optimised must be too slow") for p in problems)
    assert any(p.startswith("alternates/lru_cache_calendar must be solved") for p in problems)
