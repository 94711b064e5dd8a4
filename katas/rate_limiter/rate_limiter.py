"""Rate limiters on Redis — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- rate_limiter
"""

from __future__ import annotations

from typing import Any


class FixedWindowLimiter:
    """At most ``limit`` allowed requests per key in each fixed window.

    Windows are aligned to the Unix epoch: a request at ``now = time.time()``
    belongs to window ``floor(now / window)``.

    Args:
        redis: a ``redis.Redis`` client (``decode_responses=True``) that all
            limiters sharing the limit talk to.
        limit: allowed requests per window; at least 1.
        window: window length in seconds; positive (may be fractional).

    Raises:
        ValueError: ``limit`` below 1 or ``window`` not positive.
    """

    def __init__(self, redis: Any, limit: int, window: float) -> None:
        raise NotImplementedError

    def allow(self, key: str) -> bool:
        """Record a request for ``key`` and say whether it is allowed.

        The check and the update are one atomic step on the server.
        """
        raise NotImplementedError


class SlidingWindowLogLimiter:
    """At most ``limit`` allowed requests per key in any ``window`` seconds.

    A request at time ``t`` is allowed iff fewer than ``limit`` *allowed*
    requests of the same key happened in ``(t - window, t]``. Denied requests
    are not logged.

    Raises:
        ValueError: ``limit`` below 1 or ``window`` not positive.
    """

    def __init__(self, redis: Any, limit: int, window: float) -> None:
        raise NotImplementedError

    def allow(self, key: str) -> bool:
        """Say whether a request for ``key`` now is allowed; log it if so (atomically)."""
        raise NotImplementedError


class TokenBucketLimiter:
    """A bucket of ``capacity`` tokens per key, refilled continuously.

    A new key's bucket starts full. Tokens flow in at ``refill_per_sec`` per
    second, never beyond ``capacity``; an allowed request takes one token.

    Raises:
        ValueError: ``capacity`` below 1 or ``refill_per_sec`` not positive.
    """

    def __init__(self, redis: Any, capacity: int, refill_per_sec: float) -> None:
        raise NotImplementedError

    def allow(self, key: str) -> bool:
        """Take a token for ``key`` if one is there (atomically); ``True`` if taken."""
        raise NotImplementedError
