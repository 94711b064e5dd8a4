"""Timing workload for the leaderboard kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns. The set-up writes a board of n players straight
into the sorted set ``season`` (its documented shape) on an in-process
fakeredis; the timed callable then plays 32 rounds of a submit that does not
beat the player's best, a rank, an around with radius 2 and a top 10. The
board never changes, so every call does the same work. With O(log n) queries
the time barely grows with the board; reading the whole board per query
grows linearly.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from types import ModuleType

import fakeredis

ROUNDS = 32


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    redis = fakeredis.FakeRedis(decode_responses=True)
    rng = random.Random(n)
    redis.zadd("season", {f"player:{i}": rng.randint(1000, 100_000) for i in range(n)})
    board = module.Leaderboard(redis, "season")
    players = [f"player:{rng.randrange(n)}" for _ in range(ROUNDS)]

    def run() -> None:
        for player in players:
            board.submit(player, 0)  # below every best score: a no-op
            board.rank(player)
            board.around(player, 2)
            board.top(10)

    return run
