"""Reference solution: best common ancestors by two ancestor walks.

The common ancestors of ``a`` and ``b`` are closed under "parent of": every
ancestor of a common ancestor is common too. So a common ancestor is *not*
best exactly when one of its children is common — and it is enough to remove
the parents of every common ancestor from the common set. Two iterative walks
(ancestors of ``a``, then ancestors of ``b``) and one pass over the common
set: O(V + E) over the commits reachable from ``a`` or ``b``, no recursion.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def _ancestors(parents: Mapping[str, Sequence[str]], start: str) -> set[str]:
    """``start`` and every commit reachable from it through parent links."""
    seen = {start}
    stack = [start]
    while stack:
        for parent in parents[stack.pop()]:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def merge_base(parents: Mapping[str, Sequence[str]], a: str, b: str) -> set[str]:
    """All best common ancestors of ``a`` and ``b`` (``git merge-base --all``)."""
    for commit in (a, b):
        if commit not in parents:
            raise KeyError(commit)
    common = _ancestors(parents, a) & _ancestors(parents, b)
    # A common ancestor with a common child is an ancestor of that child: not best.
    redundant = {parent for commit in common for parent in parents[commit]}
    return common - redundant
