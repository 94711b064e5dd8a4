"""Scores: a status and points for each kata run.

The statuses and their precedence are documented once, in :mod:`grader.core.verdicts`
(and in ``docs/report-schema.md``); :func:`score` applies them in that order.
Only *solved*, *partial* and *too slow* katas earn points; *too slow* keeps
3/4 of them. A kata whose task is speed (``[timing] speed_required``: its
tests pass on the shipped code) earns its points only when solved.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from grader.core.catalog import Kata
from grader.core.results import RunResult
from grader.core.verdicts import CAUSES, KataStatus, TestOutcome

if TYPE_CHECKING:  # timing imports pytest; scoring needs only its fields
    from grader.core.timing import Timing

SOLVED = KataStatus.SOLVED
TOO_SLOW = KataStatus.TOO_SLOW
NEEDS_TIMING = KataStatus.NEEDS_TIMING
TOO_SLOW_SHARE = 0.75
"""Share of the points a kata keeps when it is correct but too slow."""


@dataclass(frozen=True)
class Score:
    status: KataStatus
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


def _shared_cause(run: RunResult) -> KataStatus | None:
    """The cause every test that did not pass shares, leaving aside those that never ran."""
    outcomes = {TestOutcome(t.status) for t in run.tests if not t.passed}
    outcomes.discard(TestOutcome.NOT_RUN)
    causes = {o.props.cause for o in outcomes}
    if len(causes) == 1 and None not in causes:
        return causes.pop()
    return None


def _status(run: RunResult, passed: int, total: int) -> KataStatus:
    """The kata's status by the precedence of :mod:`grader.core.verdicts`."""
    if run.tampered:
        return KataStatus.TAMPERED
    if run.broken is not None:
        return KataStatus.BROKEN
    if run.problem_kind == "interrupted":
        return KataStatus.INCOMPLETE
    if run.problem_kind == "collection" or (total == 0 and run.problem_kind is None):
        return KataStatus.ERROR
    killed = KataStatus(run.problem_kind) if run.problem_kind in CAUSES else None
    if passed == 0:
        cause = _shared_cause(run) or killed
        if cause is not None:
            return cause
    if total and passed == total and run.problem_kind is None:
        return KataStatus.SOLVED
    if passed == 0:
        return KataStatus.NOT_STARTED if _not_started(run) else KataStatus.FAILED
    return KataStatus.PARTIAL


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

    status = _status(run, passed, total)
    if not status.props.earns_points:
        earned = 0.0
    return Score(status=status, earned=earned, possible=possible, passed=passed, total=total)


def apply_timing(s: Score, timing: Timing | None, kata: Kata, *, reference: bool = False) -> Score:
    """A solved kata whose timing failed, or whose growth is worse where complexity counts.

    A kata whose task is speed is solved only within its ``max_slowdown`` (and
    earns nothing otherwise); without a timing it *needs timing*. Its
    ``reference`` is the yardstick, solved by definition.
    """
    speed = kata.timing is not None and kata.timing.speed_required and not reference
    if speed and not s.solved:
        return replace(s, earned=0.0)  # partial: the shipped code passes more tests
    if not s.solved:
        return s
    if timing is None:
        return replace(s, status=NEEDS_TIMING, earned=0.0) if speed else s
    share = 0.0 if speed else TOO_SLOW_SHARE
    too_slow = timing.error or (timing.too_slow and timing.complexity_required)
    if too_slow or (speed and timing.over_allowance):
        return replace(s, status=TOO_SLOW, earned=round(s.possible * share, 2))
    return s
