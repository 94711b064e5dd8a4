"""Timing workload for the three-way merge kata.

The grader calls ``workload(module, n)`` and times the callable it returns:
both styles of merge of an n-line base with two sides that each change 12
places (replacements, deletions and insertions), a quarter of them colliding,
built once, outside the timing, with a seeded generator.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from types import ModuleType


def files(n: int, edits: int = 12, seed: int = 7) -> tuple[str, str, str]:
    """ours, base, theirs: unique lines, each side edited at ``edits`` places."""
    rng = random.Random(seed)
    base = [f"line {i}" for i in range(n)]
    spots = sorted(rng.sample(range(n), 2 * edits))

    def side(name: str, picks: list[int]) -> str:
        out = list(base)
        for at in reversed(picks):
            kind = rng.randrange(3)
            if kind == 0:
                out[at] = f"{name} {at}"
            elif kind == 1:
                del out[at]
            else:
                out[at:at] = [f"{name} {at}.{k}" for k in range(3)]
        return "".join(line + "\n" for line in out)

    ours = side("ours", spots[::2])
    near = [spots[2 * i] + 1 if i % 4 == 0 else spots[2 * i + 1] for i in range(edits)]
    theirs = side("theirs", [at for at in near if at < n])  # every fourth touches ours
    return ours, "".join(line + "\n" for line in base), theirs


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    ours, base, theirs = files(n)

    def run() -> None:
        module.merge(ours, base, theirs)
        module.merge(ours, base, theirs, style="diff3")

    return run
