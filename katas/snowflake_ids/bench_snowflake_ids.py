"""Timing workload for the Snowflake IDs kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: n IDs from one generator on the real clock,
each parsed and written to base62 and read back. Every step is O(1) for
64-bit numbers, so the total grows linearly in n.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    gen = module.SnowflakeGenerator(worker_id=417)
    parse = module.parse
    to_base62 = module.to_base62
    from_base62 = module.from_base62

    def run() -> None:
        for _ in range(n):
            snowflake = gen.next_id()
            parse(snowflake)
            from_base62(to_base62(snowflake))

    return run
