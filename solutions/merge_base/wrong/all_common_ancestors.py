"""Wrong: returns every common ancestor, not only the best ones.

Intersecting the two ancestor sets feels like the whole job; the second half,
dropping common ancestors that lie below other common ancestors, is forgotten.
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
    return _ancestors(parents, a) & _ancestors(parents, b)  # the bug: not filtered
