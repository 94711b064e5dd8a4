"""Timing workload for the structured logging kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: n log records — each with % arguments, a few
extra fields including a nested dict with a secret — formatted inside a
bound context. Every record is the same size, so the total grows linearly
in n.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import ModuleType


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    logger = logging.getLogger("kata.bench.structured_logging")
    records = [
        logger.makeRecord(
            logger.name,
            logging.INFO,
            __file__,
            i,
            "order %s paid by user %d",
            (f"o-{i}", i % 97),
            None,
            extra={
                "order_id": i,
                "amount": i * 0.25,
                "http": {"method": "POST", "headers": {"Authorization": "Bearer x", "X-Id": i}},
                "items": [{"sku": f"s-{i % 13}", "qty": 1}],
            },
        )
        for i in range(n)
    ]
    formatter = module.JsonFormatter()

    def run() -> None:
        with module.bind(request_id="r-1", service="checkout"):
            for record in records:
                formatter.format(record)

    return run
