"""Timing workload for the merge base kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: the merge bases of the two tips of a history
of n commits, where a main line and a topic branch merge into each other
every few commits. The answer sits near the tips, but nothing tells an
algorithm so without walking the history below: O(n) for the reference.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType


def history(n: int) -> tuple[dict[str, list[str]], str, str]:
    """A graph of n commits on two branches that merge both ways; and the two tips."""
    parents: dict[str, list[str]] = {"c0": []}
    main = topic = "c0"
    for i in range(1, n):
        commit = f"c{i}"
        if i % 10 == 0:  # topic merges main
            parents[commit] = [topic, main]
            topic = commit
        elif i % 10 == 5:  # main merges topic
            parents[commit] = [main, topic]
            main = commit
        elif i % 2:
            parents[commit] = [main]
            main = commit
        else:
            parents[commit] = [topic]
            topic = commit
    return parents, main, topic


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    parents, main, topic = history(n)

    def run() -> None:
        module.merge_base(parents, main, topic)

    return run
