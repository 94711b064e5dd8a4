"""Timing workload for the Redis Cluster key slots kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: the slots of n keys of about twenty bytes, half
of them with a hash tag. Each key costs time proportional to its length, so the
total grows linearly in n.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    keys = [f"{{user{i}}}.following" if i % 2 else f"session:{i:08d}:token" for i in range(n)]
    key_slot = module.key_slot

    def run() -> None:
        for key in keys:
            key_slot(key)

    return run
