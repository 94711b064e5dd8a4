"""Wrong: a commit is not counted as its own ancestor.

The walk starts from the parents of a and b instead of from a and b. Two
diverged branches still get the right answer, but when one commit is an
ancestor of the other (a fast-forward), the base comes out one step too old.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def _ancestors(parents: Mapping[str, Sequence[str]], start: str) -> set[str]:
    seen: set[str] = set()
    stack = list(parents[start])  # the bug: start itself is left out
    seen.update(stack)
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
    redundant = {parent for commit in common for parent in parents[commit]}
    return common - redundant
