"""Timing workload for the sorted set kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns. Set-up (not timed) builds a sorted set of n
members with random scores (about two members per score, so ties are
common). Each call then runs the same fixed batch of every operation whose
complexity the README names, on that set of n members:

- ``UPDATES`` score updates (each member moved to a new place and back),
- ``UPDATES`` removes and re-adds,
- ``QUERIES`` ``rank``, ``score`` and ``in`` lookups, and ``len``,
- ``QUERIES`` ``range_by_rank`` of 10 members from a random start,
- ``QUERIES`` ``range_by_score`` over a window of about 4 members,

and leaves the set as it found it. At O(log n) per operation the time of a
call grows logarithmically with n; any operation that walks the members one
by one (a linear scan, or the bottom level of a skip list from its head) makes
it grow linearly.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Callable
from types import ModuleType

UPDATES = 50
"""Score updates, and removes, per call (each is undone in the same call)."""
QUERIES = 200
"""Lookups, ranges by rank and ranges by score per call."""


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    rng = random.Random(n)
    members = [f"member:{i}" for i in range(n)]
    scores = [float(rng.randrange(n // 2 + 1)) for _ in range(n)]
    z = module.SortedSet()
    for i in rng.sample(range(n), n):
        z.add(members[i], scores[i])
    picks = rng.sample(range(n), 2 * UPDATES + QUERIES)
    moved = [(members[i], scores[i]) for i in picks[:UPDATES]]
    removed = [(members[i], scores[i]) for i in picks[UPDATES : 2 * UPDATES]]
    probed = [members[i] for i in picks[2 * UPDATES :]]
    starts = [rng.randrange(n - UPDATES - 10) for _ in range(QUERIES)]
    lows = [float(rng.randrange(n // 2)) for _ in range(QUERIES)]
    # The grader collects garbage before every sample; tens of thousands of
    # long-lived nodes would make each collection cost more than the sample.
    gc.freeze()

    def run() -> None:
        for member, score in moved:
            z.add(member, score + 0.5)
        for member, _ in removed:
            z.remove(member)
        for member in probed:
            z.rank(member)
            z.score(member)
            _ = member in z
        for start in starts:
            z.range_by_rank(start, start + 9)
        for low in lows:
            z.range_by_score(low, low + 1)
        len(z)
        for member, score in removed:
            z.add(member, score)
        for member, score in moved:
            z.add(member, score)

    return run
