"""Scores: a status and points for each kata run.

Statuses, from best to worst:
    solved       every test passed
    partial      some tests passed; points in proportion to the tests' weights
    not started  the stub is untouched (every test meets NotImplementedError)
    broken       the module does not import
    timeout      the kata was killed for running too long
    crashed      the test process died and nothing could be recovered
    error        the tests could not be collected
    too slow     every test passed, but the kata makes complexity part of the task
                 and the code's time grows clearly faster than the reference's (or the
                 workload failed); 3/4 of the points. A constant factor, however large,
                 costs nothing: it is only reported
    incomplete   grading was interrupted before this kata finished
    tampered     the tests or the way they run were changed; scores nothing
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from grader.catalog import Kata
from grader.results import RunResult

if TYPE_CHECKING:  # timing imports pytest; scoring needs only its fields
    from grader.timing import Timing

SOLVED = "solved"
TOO_SLOW = "too slow"
TOO_SLOW_SHARE = 0.75
"""Share of the points a kata keeps when it is correct but too slow."""


@dataclass(frozen=True)
class Score:
    status: str
    earned: float
    possible: int
    passed: int
    total: int

    @property
    def solved(self) -> bool:
        return self.status == SOLVED


def _not_started(run: RunResult) -> bool:
    return bool(run.tests) and all(
        not t.passed and "NotImplementedError" in t.message for t in run.tests
    )


def score(run: RunResult) -> Score:
    """Status and points of one run."""
    possible = run.kata.points
    tests = run.tests
    passed = run.passed
    total = len(tests)
    weights = sum(t.weight for t in tests)
    earned = (
        round(possible * sum(t.weight for t in tests if t.passed) / weights, 2) if weights else 0
    )

    if run.tampered:
        status = "tampered"
    elif run.broken is not None:
        status = "broken"
    elif run.problem_kind == "interrupted":
        status = "incomplete"
    elif run.problem_kind == "collection" or (total == 0 and run.problem_kind is None):
        status = "error"
    elif run.problem_kind in ("timeout", "crashed") and passed == 0:
        status = run.problem_kind
    elif total and passed == total and run.problem_kind is None:
        status = SOLVED
    elif passed == 0 and _not_started(run):
        status = "not started"
    else:
        status = "partial"
    if status != SOLVED and status != "partial":
        earned = 0.0
    return Score(status=status, earned=earned, possible=possible, passed=passed, total=total)


def apply_timing(s: Score, timing: Timing | None, kata: Kata) -> Score:
    """A solved kata whose timing failed, or whose growth is worse where complexity counts."""
    if timing is None or not s.solved:
        return s
    if timing.error or (timing.too_slow and timing.complexity_required):
        return replace(s, status=TOO_SLOW, earned=round(s.possible * TOO_SLOW_SHARE, 2))
    return s
