"""Slow but correct: range_by_rank walks the bottom level from the head, so it is O(start + k).

Ranks and updates use the spans, but the range by rank ignores them and steps
node by node to ``start``: O(n) per query instead of O(log n + k).
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
        # span[i]: level-0 steps from this node to forward[i] (to the end if None).
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
        level = 1
        while level < _MAX_LEVEL and self._random.random() < _P:
            level += 1
        return level

    def _insert(self, member: str, score: float) -> None:
        update: list[_Node] = [self._header] * _MAX_LEVEL
        rank = [0] * _MAX_LEVEL  # rank of update[i]
        x = self._header
        for i in range(self._level - 1, -1, -1):
            rank[i] = 0 if i == self._level - 1 else rank[i + 1]
            nxt = x.forward[i]
            while nxt is not None and (
                nxt.score < score or (nxt.score == score and nxt.member < member)
            ):
                rank[i] += x.span[i]
                x = nxt
                nxt = x.forward[i]
            update[i] = x
        level = self._random_level()
        if level > self._level:
            for i in range(self._level, level):
                rank[i] = 0
                update[i] = self._header
                self._header.span[i] = self._length
            self._level = level
        node = _Node(member, score, level)
        for i in range(level):
            prev = update[i]
            node.forward[i] = prev.forward[i]
            prev.forward[i] = node
            # prev's old span is split in two around the new node.
            node.span[i] = prev.span[i] - (rank[0] - rank[i])
            prev.span[i] = rank[0] - rank[i] + 1
        for i in range(level, self._level):
            update[i].span[i] += 1  # pointers passing over the new node
        self._length += 1

    def _delete(self, member: str, score: float) -> None:
        update: list[_Node] = [self._header] * _MAX_LEVEL
        x = self._header
        for i in range(self._level - 1, -1, -1):
            nxt = x.forward[i]
            while nxt is not None and (
                nxt.score < score or (nxt.score == score and nxt.member < member)
            ):
                x = nxt
                nxt = x.forward[i]
            update[i] = x
        node = x.forward[0]
        assert node is not None and node.member == member
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

    def _node_at(self, rank: int) -> _Node | None:
        """The node at 1-based ``rank``."""
        traversed = 0
        x = self._header
        for i in range(self._level - 1, -1, -1):
            nxt = x.forward[i]
            while nxt is not None and traversed + x.span[i] <= rank:
                traversed += x.span[i]
                x = nxt
                nxt = x.forward[i]
            if traversed == rank:
                return x
        return None

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
        rank = 0
        x = self._header
        for i in range(self._level - 1, -1, -1):
            nxt = x.forward[i]
            while nxt is not None and (
                nxt.score < score or (nxt.score == score and nxt.member <= member)
            ):
                rank += x.span[i]
                x = nxt
                nxt = x.forward[i]
            if x.member == member and x is not self._header:
                return rank - 1
        raise AssertionError("member in the dict but not in the skip list")

    def range_by_rank(self, start: int, stop: int) -> list[tuple[str, float]]:
        n = self._length
        if start < 0:
            start += n
        if stop < 0:
            stop += n
        start = max(start, 0)
        if start > stop or start >= n:
            return []
        stop = min(stop, n - 1)
        node = self._header.forward[0]
        for _ in range(start):  # walk the bottom level to the start
            assert node is not None
            node = node.forward[0]
        result = []
        for _ in range(stop - start + 1):
            assert node is not None
            result.append((node.member, node.score))
            node = node.forward[0]
        return result

    def range_by_score(self, min_score: float, max_score: float) -> list[tuple[str, float]]:
        x = self._header
        for i in range(self._level - 1, -1, -1):
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
