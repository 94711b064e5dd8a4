"""Timing workload for the hot-path optimisation kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: one ``summarize`` of an access log of n lines,
made once outside from a seeded generator. The log looks like a busy API's:
about 30 route templates with numeric ids and UUIDs, query strings, mostly
GETs, a few percent of 5xx, about 25 lines per second of timestamps, some
sixty clients (IPv4 and IPv6), and one line in a hundred malformed. Its
number of routes does not grow with n, so every correct solution grows
linearly; what the kata measures is the constant factor.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from types import ModuleType

TEMPLATES = [
    "/",
    "/health",
    "/login",
    "/logout",
    "/api/v1/users",
    "/api/v1/users/{id}",
    "/api/v1/users/{id}/orders",
    "/api/v1/users/{id}/orders/{id}",
    "/api/v1/users/{id}/avatar",
    "/api/v1/orders",
    "/api/v1/orders/{uuid}",
    "/api/v1/orders/{uuid}/items",
    "/api/v1/orders/{uuid}/items/{id}",
    "/api/v1/products",
    "/api/v1/products/{id}",
    "/api/v1/products/{id}/reviews",
    "/api/v1/search",
    "/api/v1/carts/{uuid}",
    "/api/v1/carts/{uuid}/checkout",
    "/api/v2/users/{id}",
    "/api/v2/users/{id}/settings",
    "/api/v2/feed",
    "/api/v2/notifications/{id}",
    "/static/app.js",
    "/static/app.css",
    "/static/img/{id}",
    "/files/{uuid}",
    "/admin/reports/{id}",
    "/webhooks/stripe",
    "/metrics",
]
METHODS = ["GET"] * 12 + ["POST"] * 4 + ["PUT", "DELETE", "PATCH"]
STATUSES = [200] * 80 + [201] * 5 + [204] * 3 + [304] * 4 + [400, 401, 403] + [404] * 3
STATUSES += [500, 502, 503]


def _path(rng: random.Random, template: str) -> str:
    path = template
    while "{id}" in path:
        path = path.replace("{id}", str(rng.randrange(1, 10**6)), 1)
    while "{uuid}" in path:
        path = path.replace("{uuid}", str(uuid.UUID(int=rng.getrandbits(128))), 1)
    if rng.random() < 0.2:
        path += f"?page={rng.randrange(1, 50)}&sort=desc"
    return path


def access_log(n: int, seed: int = 2024) -> list[str]:
    """n lines of a synthetic access log, the same for the same n and seed."""
    rng = random.Random(seed)
    start = datetime(2024, 10, 10, 13, 55, 0, tzinfo=timezone.utc)
    clients = [f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"]
    clients += [f"2001:db8::{rng.getrandbits(16):x}" for _ in range(8)]
    clients += [f"192.168.{rng.randrange(256)}.{rng.randrange(1, 255)}" for _ in range(55)]
    lines = []
    for i in range(n):
        if rng.random() < 0.01:
            lines.append(f'malformed line {i} "GET / HTTP/1.1"\n')
            continue
        stamp = (start + timedelta(seconds=i // 25)).strftime("%d/%b/%Y:%H:%M:%S %z")
        method = rng.choice(METHODS)
        path = _path(rng, rng.choice(TEMPLATES))
        status = rng.choice(STATUSES)
        size = "-" if status in (204, 304) else str(rng.randrange(100, 50000))
        latency = int(rng.lognormvariate(3.5, 0.8))
        ip = rng.choice(clients)
        lines.append(f'{ip} - - [{stamp}] "{method} {path} HTTP/1.1" {status} {size} {latency}\n')
    return lines


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    lines = access_log(n)
    summarize = module.summarize

    def run() -> None:
        summarize(lines)

    return run
