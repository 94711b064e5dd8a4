"""Timing workload for the FastAPI service kata.

The grader calls ``workload(module, n)`` and times the callable it returns:
through one started ``TestClient``, n tasks are created and then read back
page by page, 10 at a time, and deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from fastapi.testclient import TestClient


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    app = module.create_app()
    app.dependency_overrides[module.current_user] = lambda: "ada"
    client = TestClient(app)
    client.__enter__()  # the lifespan stays open for the workload's lifetime

    def run() -> None:
        ids = [
            client.post("/tasks", json={"title": f"t{i}", "tags": ["a"]}).json()["id"]
            for i in range(n)
        ]
        cursor = None
        while True:
            params = {"limit": 10} if cursor is None else {"limit": 10, "cursor": cursor}
            cursor = client.get("/tasks", params=params).json()["next_cursor"]
            if cursor is None:
                break
        for task_id in ids:
            client.delete(f"/tasks/{task_id}")

    return run
