"""Timing workload for the JWT HS256 kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: n small claim sets encoded and n tokens
decoded (signature and claims checked). Each token is O(1) work, so the total
grows linearly in n.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

_KEY = b"bench-key-0123456789abcdef0123456789"


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    payloads = [
        {"sub": f"user-{i}", "aud": ["api", "billing"], "exp": 4_000_000_000 + i, "n": i}
        for i in range(n)
    ]
    tokens = [module.encode(payload, _KEY) for payload in payloads]

    def run() -> None:
        for payload in payloads:
            module.encode(payload, _KEY)
        for token in tokens:
            module.decode(token, _KEY, audience="billing")

    return run
