"""Reference solution: a Redis-style sorted set on a skip list with spans.

This follows Redis's ``zskiplist`` (t_zset.c). Nodes are ordered by
(score, member). Every node has a random height (each extra level with
probability 1/4, at most 32 levels), and every forward pointer stores its
*span*: how many level-0 steps it covers. Searching from the top level down
while summing spans gives a member's rank, or the node at a given rank, in
expected O(log n). A dict from member to score answers ``score`` and ``in`` in
O(1) and lets an update find the old node.
"""

from __future__ import annotations

import math
import random

_MAX_LEVEL = 32
_P = 0.25


class _Node:
    __slots__ = ("forward", "member", "score", "span")

    def __init__(self, member: str, score: float, level: int) -> None:
        self.member = member
        self.score = score
        self.forward: list[_Node | None] = [None] * level
        # span[i]: level-0 steps from this node to forward[i]; unused while forward[i] is None.
        self.span = [0] * level


class SortedSet:
    """Unique string members ordered by (score, member), like a Redis sorted set."""

    def __init__(self) -> None:
        self._header = _Node("", -math.inf, _MAX_LEVEL)
        self._level = 1  # levels in use
        self._length = 0
        self._scores: dict[str, float] = {}
        self._random = random.Random(0x5C1B)

    # -- skip list primitives -------------------------------------------------

    def _random_level(self) -> int:
        """1, plus one for every draw below P in a row (zslRandomLevel), capped at 32."""
        level = 1
        while self._random.random() < _P:
            level += 1
        return min(level, _MAX_LEVEL)

    def _insert(self, member: str, score: float) -> None:
        # update[i]: the last node before the new one on level i; rank[i]: its rank.
        # Levels above those in use keep the header, at rank 0.
        update = [self._header] * _MAX_LEVEL
        rank = [0] * _MAX_LEVEL
        x, traversed = self._header, 0
        for i in reversed(range(self._level)):
            nxt = x.forward[i]
            while nxt is not None and (
                nxt.score < score or (nxt.score == score and nxt.member < member)
            ):
                traversed += x.span[i]
                x = nxt
                nxt = x.forward[i]
            update[i], rank[i] = x, traversed
        level = self._random_level()
        self._level = max(self._level, level)
        node = _Node(member, score, level)
        for i in range(level):
            prev = update[i]
            node.forward[i] = prev.forward[i]
            prev.forward[i] = node
            # prev's old span is split in two around the new node.
            node.span[i] = prev.span[i] - (traversed - rank[i])
            prev.span[i] = traversed - rank[i] + 1
        for i in range(level, self._level):
            update[i].span[i] += 1  # pointers passing over the new node
        self._length += 1

    def _delete(self, member: str, score: float) -> None:
        update = [self._header] * _MAX_LEVEL
        x = self._header
        for i in reversed(range(self._level)):
            nxt = x.forward[i]
            while nxt is not None and (
                nxt.score < score or (nxt.score == score and nxt.member < member)
            ):
                x = nxt
                nxt = x.forward[i]
            update[i] = x
        node = x.forward[0]
        assert node is not None  # the member is in the dict, so in the list
        for i in range(self._level):
            prev = update[i]
            if prev.forward[i] is node:
                prev.span[i] += node.span[i] - 1
                prev.forward[i] = node.forward[i]
            else:
                prev.span[i] -= 1
        while self._level > 1 and self._header.forward[self._level - 1] is None:
            self._level -= 1
        self._length -= 1

    def _node_at(self, rank: int) -> _Node:
        """The node at 1-based ``rank`` (the header for 0)."""
        traversed = 0
        x = self._header
        for i in reversed(range(self._level)):
            nxt = x.forward[i]
            while nxt is not None and traversed + x.span[i] <= rank:
                traversed += x.span[i]
                x = nxt
                nxt = x.forward[i]
        return x

    # -- public API -----------------------------------------------------------

    def add(self, member: str, score: float) -> bool:
        score = float(score)
        if math.isnan(score):
            raise ValueError("score is not a number (NaN)")
        old = self._scores.get(member)
        if old is not None:
            if old == score:
                return False
            self._delete(member, old)
        self._insert(member, score)
        self._scores[member] = score
        return old is None

    def remove(self, member: str) -> bool:
        score = self._scores.pop(member, None)
        if score is None:
            return False
        self._delete(member, score)
        return True

    def score(self, member: str) -> float | None:
        return self._scores.get(member)

    def rank(self, member: str) -> int | None:
        score = self._scores.get(member)
        if score is None:
            return None
        # Walk to the member's own node, the last one <= (score, member), summing spans.
        rank = 0
        x = self._header
        for i in reversed(range(self._level)):
            nxt = x.forward[i]
            while nxt is not None and (
                nxt.score < score or (nxt.score == score and nxt.member <= member)
            ):
                rank += x.span[i]
                x = nxt
                nxt = x.forward[i]
        return rank - 1

    def range_by_rank(self, start: int, stop: int) -> list[tuple[str, float]]:
        n = self._length
        if start < 0:
            start += n
        if stop < 0:
            stop += n
        start, stop = max(start, 0), min(stop, n - 1)
        if start > stop:
            return []
        node: _Node | None = self._node_at(start + 1)
        result = []
        for _ in range(stop - start + 1):
            assert node is not None
            result.append((node.member, node.score))
            node = node.forward[0]
        return result

    def range_by_score(self, min_score: float, max_score: float) -> list[tuple[str, float]]:
        x = self._header
        for i in reversed(range(self._level)):
            nxt = x.forward[i]
            while nxt is not None and nxt.score < min_score:
                x = nxt
                nxt = x.forward[i]
        node = x.forward[0]
        result = []
        while node is not None and node.score <= max_score:
            result.append((node.member, node.score))
            node = node.forward[0]
        return result

    def __len__(self) -> int:
        return self._length

    def __contains__(self, member: object) -> bool:
        return member in self._scores
