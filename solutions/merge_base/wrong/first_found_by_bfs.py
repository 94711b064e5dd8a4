"""Wrong: returns only the first common ancestor a breadth-first walk from b meets.

"The nearest common ancestor" is how many people picture a merge base. It
works on simple forks, but after a criss-cross merge there are two bases, and
the nearest by distance need not be best at all.
"""

from __future__ import annotations

from collections import deque
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
    of_a = _ancestors(parents, a)
    seen = {b}
    queue = deque([b])
    while queue:
        commit = queue.popleft()
        if commit in of_a:
            return {commit}  # the bug: stops at the first hit
        for parent in parents[commit]:
            if parent not in seen:
                seen.add(parent)
                queue.append(parent)
    return set()
