"""Wrong: returns the first common ancestors met on each path, without removing redundant ones.

The walk from b stops at every common ancestor it reaches, which is the right
start (it is half of git's paint_down_to_common). But a common ancestor met
early along one path can still lie below another one met along a different
path, and git's second step, remove_redundant, is what drops it.
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
    of_a = _ancestors(parents, a)
    found: set[str] = set()
    seen = {b}
    stack = [b]
    while stack:
        commit = stack.pop()
        if commit in of_a:
            found.add(commit)  # the bug: never checked against the other finds
            continue
        for parent in parents[commit]:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return found
