"""Tests for the leaderboard kata.

The ordering is Redis's own: ZREVRANGE/ZREVRANK list the highest score first
and equal scores "by reverse lexicographical ordering" of the member bytes
(https://redis.io/docs/latest/commands/zrange/). Besides hand-worked cases,
a seeded random board is checked against a plain Python model, and that
model's order is itself checked against ZREVRANGE on a sorted set the test
builds directly with ZADD. Atomicity is forced, not hoped for: another
client's submit runs between two round trips of the board under test
(grader.kata_support.RedisRecorder).
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from grader.kata_support import RedisRecorder
from leaderboard import Leaderboard


def board_with(redis: Any, entries: list[tuple[str, float]], name: str = "weekly") -> Leaderboard:
    board = Leaderboard(redis, name)
    for player, score in entries:
        board.submit(player, score)
    return board


# Ten players with distinct scores: p0 is best (rank 1), p9 last (rank 10).
TEN = [(f"p{i}", float(100 - 10 * i)) for i in range(10)]


# -- API ----------------------------------------------------------------------


@pytest.mark.spec("API")
def test_board_is_the_sorted_set_at_name(redis: Any) -> None:
    board_with(redis, [("ada", 50), ("bob", 70)])
    assert redis.type("weekly") == "zset", "the board is the sorted set at the key `name`"
    assert redis.zscore("weekly", "ada") == 50
    assert redis.zscore("weekly", "bob") == 70


@pytest.mark.spec("API")
def test_boards_with_different_names_are_independent(redis: Any) -> None:
    weekly = board_with(redis, [("ada", 50)], name="weekly")
    daily = board_with(redis, [("bob", 10)], name="daily")
    assert weekly.top(5) == [("ada", 50.0)]
    assert daily.top(5) == [("bob", 10.0)]
    assert daily.rank("ada") is None


@pytest.mark.spec("API")
def test_objects_with_the_same_name_share_the_board(redis: Any) -> None:
    board_with(redis, [("ada", 50)])
    other = Leaderboard(redis, "weekly")
    other.submit("bob", 70)
    assert other.top(5) == [("bob", 70.0), ("ada", 50.0)]
    assert Leaderboard(redis, "weekly").rank("ada") == 2


@pytest.mark.spec("API")
def test_empty_board(redis: Any) -> None:
    board = Leaderboard(redis, "weekly")
    assert board.top(3) == []
    assert board.rank("ada") is None
    assert board.around("ada", 2) == []


# -- Scores -------------------------------------------------------------------


@pytest.mark.spec("Scores")
@pytest.mark.weight(2)
def test_submit_keeps_the_best_score(redis: Any) -> None:
    board = board_with(redis, [("ada", 50), ("ada", 30)])
    assert board.top(1) == [("ada", 50.0)], "a lower score must not replace the best one"
    board.submit("ada", 80)
    assert board.top(1) == [("ada", 80.0)], "a higher score replaces the best one"
    board.submit("ada", 80)
    board.submit("ada", 79.5)
    assert redis.zscore("weekly", "ada") == 80


@pytest.mark.spec("Scores")
def test_a_worse_score_does_not_change_the_ranking(redis: Any) -> None:
    board = board_with(redis, [("ada", 50), ("bob", 40)])
    board.submit("ada", 10)
    assert board.rank("ada") == 1
    assert board.rank("bob") == 2


@pytest.mark.spec("Scores")
def test_negative_and_fractional_scores(redis: Any) -> None:
    board = board_with(redis, [("ada", -5), ("bob", 2.5), ("cy", -0.25), ("ada", -7)])
    assert board.top(3) == [("bob", 2.5), ("cy", -0.25), ("ada", -5.0)]


@pytest.mark.spec("Scores")
def test_scores_come_back_as_floats(redis: Any) -> None:
    board = board_with(redis, [("ada", 10)])
    (entry,) = board.top(1)
    assert entry == ("ada", 10.0) and isinstance(entry[1], float)
    ((_, _, score),) = board.around("ada", 0)
    assert isinstance(score, float)


@pytest.mark.spec("Scores")
@pytest.mark.weight(2)
@pytest.mark.parametrize("before", [None, 50.0], ids=["new player", "known player"])
def test_submit_is_atomic_against_another_clients_better_score(
    redis: Any, before: float | None
) -> None:
    # Another server submits ada's 90 between two round trips of this submit
    # of 70 (after the first: a ZADD GT is done by then, a read is not).
    rec = RedisRecorder(redis)
    board = Leaderboard(rec.client, "weekly")
    if before is not None:
        redis.zadd("weekly", {"ada": before})
    concurrent = rec.after(1, lambda: redis.zadd("weekly", {"ada": 90}, gt=True))
    board.submit("ada", 70)
    assert concurrent.fired == 1, "submit must talk to Redis"
    assert redis.zscore("weekly", "ada") == 90, (
        "a better score submitted meanwhile by another client was overwritten: "
        "read-compare-write from Python is not atomic (use ZADD GT)"
    )


# -- Ordering -----------------------------------------------------------------


@pytest.mark.spec("Ordering")
@pytest.mark.weight(2)
def test_ties_are_in_reverse_lexicographic_order(redis: Any) -> None:
    board = board_with(redis, [("alice", 10), ("carol", 10), ("bob", 10), ("dave", 20)])
    assert board.top(4) == [("dave", 20.0), ("carol", 10.0), ("bob", 10.0), ("alice", 10.0)]
    assert [board.rank(p) for p in ("dave", "carol", "bob", "alice")] == [1, 2, 3, 4]


@pytest.mark.spec("Ordering")
def test_ties_compare_utf8_bytes_as_redis_does(redis: Any) -> None:
    players = ["Zed", "amy", "Émile", "bob", "Bob"]
    board = board_with(redis, [(p, 7) for p in players])
    # Truth from Redis itself: a sorted set built directly, read with ZREVRANGE.
    redis.zadd("truth", {p: 7 for p in players})
    expected = redis.zrevrange("truth", 0, -1)
    assert expected == ["Émile", "bob", "amy", "Zed", "Bob"]  # bytes C3.., 62, 61, 5A, 42
    assert [p for p, _ in board.top(10)] == expected
    assert [board.rank(p) for p in expected] == [1, 2, 3, 4, 5]


# -- Top ----------------------------------------------------------------------


@pytest.mark.spec("Top")
def test_top_is_highest_first(redis: Any) -> None:
    board = board_with(redis, list(reversed(TEN)))
    assert board.top(3) == [("p0", 100.0), ("p1", 90.0), ("p2", 80.0)]
    assert board.top(2) == [("p0", 100.0), ("p1", 90.0)]
    assert board.top(1) == [("p0", 100.0)]
    assert board.top(6) == TEN[:6], "top(n) is exactly n entries (ZREVRANGE 0 n-1)"


@pytest.mark.spec("Top")
def test_top_larger_than_the_board_gives_everything(redis: Any) -> None:
    board = board_with(redis, [("ada", 1), ("bob", 2)])
    assert board.top(50) == [("bob", 2.0), ("ada", 1.0)]


@pytest.mark.spec("Top")
@pytest.mark.parametrize("n", [0, -1, -3])
def test_top_of_zero_or_less_is_empty(redis: Any, n: int) -> None:
    board = board_with(redis, TEN)
    assert board.top(n) == [], f"top({n}) must be [] (ZREVRANGE 0 {n - 1} is not)"


# -- Rank ---------------------------------------------------------------------


@pytest.mark.spec("Rank")
@pytest.mark.weight(2)
def test_rank_is_one_based(redis: Any) -> None:
    board = board_with(redis, TEN)
    assert board.rank("p0") == 1, "the best player has rank 1"
    assert board.rank("p4") == 5
    assert board.rank("p9") == 10


@pytest.mark.spec("Rank")
def test_unknown_player_has_no_rank(redis: Any) -> None:
    board = board_with(redis, TEN)
    assert board.rank("nobody") is None


# -- Around -------------------------------------------------------------------


@pytest.mark.spec("Around")
def test_around_in_the_middle(redis: Any) -> None:
    board = board_with(redis, TEN)
    assert board.around("p5", 2) == [
        (4, "p3", 70.0),
        (5, "p4", 60.0),
        (6, "p5", 50.0),
        (7, "p6", 40.0),
        (8, "p7", 30.0),
    ]


@pytest.mark.spec("Around")
@pytest.mark.weight(2)
@pytest.mark.parametrize(
    ("player", "radius", "ranks"),
    [("p0", 2, [1, 2, 3]), ("p1", 3, [1, 2, 3, 4, 5]), ("p0", 9, list(range(1, 11)))],
)
def test_around_clips_at_the_top(redis: Any, player: str, radius: int, ranks: list[int]) -> None:
    board = board_with(redis, TEN)
    got = board.around(player, radius)
    assert [r for r, _, _ in got] == ranks, (
        f"around({player!r}, {radius}): ranks above 1 do not exist; "
        "a negative start in ZREVRANGE counts from the end"
    )
    assert [(p, s) for _, p, s in got] == [TEN[r - 1] for r in ranks]


@pytest.mark.spec("Around")
def test_around_clips_at_the_bottom(redis: Any) -> None:
    board = board_with(redis, TEN)
    assert board.around("p9", 2) == [(8, "p7", 30.0), (9, "p8", 20.0), (10, "p9", 10.0)]


@pytest.mark.spec("Around")
def test_around_with_radius_zero_is_the_player(redis: Any) -> None:
    board = board_with(redis, TEN)
    assert board.around("p3", 0) == [(4, "p3", 70.0)]


@pytest.mark.spec("Around")
def test_around_larger_than_the_board(redis: Any) -> None:
    board = board_with(redis, [("ada", 1), ("bob", 2), ("cy", 3)])
    assert board.around("bob", 10) == [(1, "cy", 3.0), (2, "bob", 2.0), (3, "ada", 1.0)]


@pytest.mark.spec("Around")
def test_around_an_unknown_player_is_empty(redis: Any) -> None:
    board = board_with(redis, TEN)
    assert board.around("nobody", 3) == []


@pytest.mark.spec("Around")
def test_negative_radius_is_rejected(redis: Any) -> None:
    board = board_with(redis, TEN)
    with pytest.raises(ValueError):
        board.around("p3", -1)


# -- A random board against a model -------------------------------------------


@pytest.mark.spec("Ordering")
@pytest.mark.weight(2)
def test_random_board_matches_a_model(redis: Any) -> None:
    rng = random.Random(2024)
    players = [f"{rng.choice(['', 'X', 'x'])}player{i:02d}" for i in range(40)]
    best: dict[str, int] = {}
    board = Leaderboard(redis, "season")
    for _ in range(300):
        player = rng.choice(players)
        score = rng.randint(0, 30)  # few distinct scores: many ties
        board.submit(player, score)
        best[player] = max(best.get(player, score), score)

    # The model: best score first, equal scores by name descending.
    order = sorted(best.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
    # ...which is Redis's order: check the model against ZREVRANGE itself.
    redis.zadd("truth", dict(best))
    assert [p for p, _ in order] == redis.zrevrange("truth", 0, -1)

    for n in (1, 5, len(order), len(order) + 3):
        assert board.top(n) == [(p, float(s)) for p, s in order[:n]], f"top({n})"
    for i, (player, _) in enumerate(order):
        assert board.rank(player) == i + 1, f"rank({player!r})"
        lo, hi = max(0, i - 3), min(len(order), i + 4)
        expected = [(j + 1, order[j][0], float(order[j][1])) for j in range(lo, hi)]
        assert board.around(player, 3) == expected, f"around({player!r}, 3)"
