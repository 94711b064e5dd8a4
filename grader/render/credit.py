"""Per-test credit: a kata's points shared among its tests, adding up exactly.

Gradescope and the Actions workflow record a score per test and add them up, so
each test needs its own share of the kata's points, and the shares of the
passed tests must add up to the report's ``points.earned`` — not to a number
one hundredth away, and not to ``4.800000000000001``.

A test's ``max_score`` is its share of the kata's ``possible`` points by weight
(``@pytest.mark.weight``, 1 by default). Its ``score`` is its share of the
points actually ``earned``, shared among the passed tests by weight. Both are
allotted in hundredths by the largest-remainder method, so they add up to the
totals exactly; then the last non-zero score takes up the rounding error of
floating point, so that adding the scores one after the other (as the
consumers do) lands on the total itself.

When a run yields no tests (the module does not import, the kata was killed
before collection), the report lists the kata's tests all the same, none run
(:func:`grader.core.report.build` fills them in), so every test has a line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from grader.core.report import kata_problem

__all__ = ["Credit", "credits", "exact_sum", "kata_problem"]

PASSED = "passed"


@dataclass(frozen=True)
class Credit:
    """One test's line in a per-test score sheet."""

    name: str
    status: str  # the report's test status
    score: float
    max_score: float
    result: dict[str, Any]  # the report's test entry


def _allot(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` hundredths shared in proportion to ``weights`` (largest remainder)."""
    weight_sum = sum(weights)
    if not weights or weight_sum <= 0 or total <= 0:
        return [0] * len(weights)
    raw = [total * w / weight_sum for w in weights]
    shares = [math.floor(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (shares[i] - raw[i], i))
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _running_sum(values: Sequence[float]) -> float:
    total = 0.0
    for v in values:
        total += v
    return total


def exact_sum(hundredths: Sequence[int], total: float) -> list[float]:
    """Scores from hundredths whose left-to-right floating-point sum is ``total``.

    The last non-zero score absorbs the rounding error: it becomes ``total``
    minus the sum of the scores before it (exact when that sum is at least
    half the total, and within a unit in the last place otherwise, when a few
    nudges finish the job).
    """
    scores = [h / 100 for h in hundredths]
    nonzero = [i for i, s in enumerate(scores) if s]
    if not nonzero:
        return scores
    last = nonzero[-1]
    prefix = _running_sum(scores[:last])
    scores[last] = total - prefix
    for _ in range(64):
        running = _running_sum(scores)
        if running == total:
            break
        direction = math.inf if running < total else -math.inf
        scores[last] = math.nextafter(scores[last], direction)
    return scores


def _hundredths(value: float) -> int:
    return round(value * 100)


def credits(kata: dict[str, Any], *, exact: bool = True) -> list[Credit]:
    """Each test's score and maximum; the scores add up to ``points.earned`` exactly.

    With ``exact=False`` the scores are plain hundredths (``1.2``, never
    ``1.2000000000000002``), for a consumer that takes the total from elsewhere.
    """
    tests = list(kata.get("results") or [])
    possible = kata["points"]["possible"]
    earned = kata["points"]["earned"]
    weights = [float(t.get("weight", 1.0)) for t in tests]
    maxima = _allot(_hundredths(possible), weights)
    passed = [i for i, t in enumerate(tests) if t["status"] == PASSED]
    earned_shares = _allot(_hundredths(earned), [weights[i] for i in passed])
    hundredths = [0] * len(tests)
    for i, share in zip(passed, earned_shares):
        hundredths[i] = share
    if exact:
        scores = exact_sum(hundredths, earned) if sum(hundredths) else [0.0] * len(tests)
        max_scores = exact_sum(maxima, float(possible))
    else:
        scores, max_scores = [h / 100 for h in hundredths], [h / 100 for h in maxima]
    return [
        Credit(t["name"], t["status"], score, maximum, t)
        for t, score, maximum in zip(tests, scores, max_scores)
    ]
