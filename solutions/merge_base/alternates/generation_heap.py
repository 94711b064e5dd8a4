"""Correct: git's paint_down_to_common, walking a heap in generation order.

Every commit gets a generation number, one more than the largest of its
parents' (git keeps them in its commit-graph file; here they are computed
first). A max-heap then walks down from both tips, newest generation first,
painting each commit with the side(s) it is reachable from. A commit painted
by both sides is common; the first time the walk meets one that is not yet
STALE it is a best common ancestor, and STALE spreads down from it. Because
every child has a larger generation than its parents, a commit is met only
after all of its children, so its paint is final and the STALE mark has
already reached it if any common ancestor lies above: no second pass is
needed. O((V + E) log V) for the V commits reachable from ``a`` or ``b``.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence

_FROM_A, _FROM_B, _STALE = 1, 2, 4
_BOTH = _FROM_A | _FROM_B


def _generations(parents: Mapping[str, Sequence[str]], tips: Sequence[str]) -> dict[str, int]:
    """1 for a root, else one more than the largest parent's, for every ancestor of ``tips``."""
    generation: dict[str, int] = {}
    for tip in tips:
        stack = [tip]
        while stack:
            commit = stack[-1]
            if commit in generation:
                stack.pop()
                continue
            pending = [p for p in parents[commit] if p not in generation]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            generation[commit] = 1 + max((generation[p] for p in parents[commit]), default=0)
    return generation


def merge_base(parents: Mapping[str, Sequence[str]], a: str, b: str) -> set[str]:
    for commit in (a, b):
        if commit not in parents:
            raise KeyError(commit)
    generation = _generations(parents, (a, b))
    paint: dict[str, int] = {a: _FROM_A}
    paint[b] = paint.get(b, 0) | _FROM_B
    heap = [(-generation[c], c) for c in paint]
    heapq.heapify(heap)
    live = set(paint)  # queued commits not (yet) STALE: the walk ends when there are none
    done: set[str] = set()
    bases: set[str] = set()
    while live:
        _, commit = heapq.heappop(heap)
        if commit in done:
            continue
        done.add(commit)
        live.discard(commit)
        flags = paint[commit]
        if flags & _BOTH == _BOTH and not flags & _STALE:
            bases.add(commit)
            flags |= _STALE
        for parent in parents[commit]:
            old = paint.get(parent, 0)
            if old | flags == old:
                continue
            paint[parent] = old | flags
            if paint[parent] & _STALE:
                live.discard(parent)
            else:
                live.add(parent)
            heapq.heappush(heap, (-generation[parent], parent))
    return bases
