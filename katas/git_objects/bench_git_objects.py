"""Timing workload for the git objects kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: the ids of n small blobs, then the id of one
tree holding all n of them (plus directories) in shuffled order, so that
hash_tree has to sort n entries: O(n log n) in all, though the hashing
dominates at these sizes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from types import ModuleType

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    rng = random.Random(n)
    blobs = [rng.randbytes(rng.randint(16, 96)) for _ in range(n)]
    names = [f"file-{i:06d}.txt" for i in range(n)]
    directories = [("40000", f"file-{i:06d}", EMPTY_TREE) for i in range(0, n, 10)]
    order = list(range(n))
    rng.shuffle(order)

    def run() -> None:
        ids = [module.hash_object(blob) for blob in blobs]
        entries = [("100644", names[i], ids[i]) for i in order]
        module.hash_tree(entries + directories)

    return run
