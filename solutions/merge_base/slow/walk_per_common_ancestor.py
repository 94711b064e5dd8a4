"""Slow but correct: a fresh walk below every common ancestor to find the redundant ones.

This follows the definition word for word: a common ancestor is not best when
it is an ancestor of another common ancestor, so it walks the ancestors of
each common ancestor in turn and strikes them out. On a long history almost
every commit is a common ancestor of the two tips, and the walks add up to
O(n²).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def _ancestors(parents: Mapping[str, Sequence[str]], start: str) -> set[str]:
    seen = {start}
    stack = [start]
    while stack:
        for parent in parents[stack.pop()]:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def merge_base(parents: Mapping[str, Sequence[str]], a: str, b: str) -> set[str]:
    for commit in (a, b):
        if commit not in parents:
            raise KeyError(commit)
    common = _ancestors(parents, a) & _ancestors(parents, b)
    best = set(common)
    for commit in common:
        # Everything strictly below this common ancestor is redundant.
        below = _ancestors(parents, commit)
        below.discard(commit)
        best -= below
    return best
