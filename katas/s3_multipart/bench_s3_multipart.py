"""Timing workload for the S3 multipart upload planning kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: plans of about n parts (with an explicit
5 MiB part size and with the default 8 MiB), and the ETag of n part digests,
a few times over. Each plan is O(parts), so the total grows linearly in n
(n stays below the 10,000-part limit).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from types import ModuleType

MiB = 1024**2


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    plan_parts = module.plan_parts
    multipart_etag = module.multipart_etag
    digests = [hashlib.md5(i.to_bytes(4, "big")).digest() for i in range(n)]
    sizes = [n * 5 * MiB - k * 4099 for k in range(5)]

    def run() -> None:
        for size in sizes:
            plan_parts(size, part_size=5 * MiB)
            plan_parts(size * 8 // 5)
            multipart_etag(digests)

    return run
