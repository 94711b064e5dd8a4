"""Timing workload for the sorted set kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: build a fresh sorted set from n members with
random scores (many ties), then ask the rank of every member. With expected
O(log n) insert and rank the total grows as n log n.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from types import ModuleType


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    rng = random.Random(n)
    pairs = [(f"member:{i}", float(rng.randrange(n // 2 + 1))) for i in range(n)]
    rng.shuffle(pairs)
    queries = [member for member, _ in pairs]
    rng.shuffle(queries)
    sorted_set = module.SortedSet

    def run() -> None:
        z = sorted_set()
        for member, score in pairs:
            z.add(member, score)
        for member in queries:
            z.rank(member)

    return run
