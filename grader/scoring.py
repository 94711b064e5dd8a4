"""Scores: a status and points for each kata run.

Statuses, from best to worst:
    solved       every test passed
    partial      some tests passed; points in proportion to the tests' weights
    not started  the stub is untouched (every test meets NotImplementedError)
    broken       the module does not import
    timeout      the kata was killed for running too long
    crashed      the test process died and nothing could be recovered
    error        the tests could not be collected
    incomplete   grading was interrupted before this kata finished
    tampered     the tests or the way they run were changed; scores nothing
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.results import RunResult

SOLVED = "solved"


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
