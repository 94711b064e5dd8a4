"""Timing workload for the conditional requests kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: a conditional PUT (If-Match) of a document with
n fields, a GET of it and a revalidating GET (If-None-Match, answered 304),
through FastAPI's TestClient. Parsing and hashing the document are O(n), so
the total grows linearly in n; the HTTP round trips add a constant.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from types import ModuleType

from fastapi.testclient import TestClient


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    client = TestClient(module.create_app())
    doc = {f"field_{i}": {"value": i, "label": f"label-{i}"} for i in range(n)}
    content = json.dumps(doc).encode()
    etag = f'"{hashlib.sha256(content).hexdigest()}"'
    client.put("/docs/bench", content=content)

    def run() -> None:
        # The same bytes every time, so the ETag, and the work, stay the same.
        client.put("/docs/bench", content=content, headers={"If-Match": etag})
        client.get("/docs/bench")
        client.get("/docs/bench", headers={"If-None-Match": etag})

    return run
