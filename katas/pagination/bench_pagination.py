"""Timing workload for the keyset pagination kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: the first two pages (limit 100) of a list of
n items, fetched through FastAPI's TestClient and following ``next_cursor``.
Each request scans the n items once, so the total grows linearly in n; the
HTTP round trips add a constant.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from types import ModuleType

from fastapi.testclient import TestClient

PAGES = 2


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    rng = random.Random(n)
    items = [{"id": i, "created_at": 1_700_000_000 + rng.randrange(n // 4 + 1)} for i in range(n)]
    rng.shuffle(items)
    client = TestClient(module.create_app(items))

    def run() -> None:
        params: dict[str, object] = {"limit": 100}
        for _ in range(PAGES):
            body = client.get("/items", params=params).json()
            params["cursor"] = body["next_cursor"]

    return run
