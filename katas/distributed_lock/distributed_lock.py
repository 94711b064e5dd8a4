"""Distributed lock on Redis — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- distributed_lock
"""

from __future__ import annotations

from types import TracebackType
from typing import Any


class LockNotOwnedError(Exception):
    """Raised by ``release`` when this object does not hold the lock (any more)."""


class RedisLock:
    """A lock named ``name`` in Redis that expires ``ttl_ms`` after it is taken.

    The lock is the Redis key ``name`` holding a random owner value; its
    fencing counter is the key ``<name>:fencing``.

    Args:
        redis: a ``redis.Redis`` client (``decode_responses=True``).
        name: the lock's name, also its Redis key.
        ttl_ms: how long an acquired lock lives, in milliseconds; positive.

    Raises:
        ValueError: ``ttl_ms`` not positive.
    """

    def __init__(self, redis: Any, name: str, ttl_ms: int) -> None:
        raise NotImplementedError

    @property
    def token(self) -> int | None:
        """The fencing token of this object's latest successful acquire; ``None`` before."""
        raise NotImplementedError

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        """Take the lock: ``SET name <new random owner> NX PX ttl_ms``.

        Non-blocking: one attempt. Blocking: retry with short sleeps until
        taken or ``timeout`` seconds have passed (``None``: wait forever).
        Returns whether the lock was taken; on success also takes the next
        fencing token (``INCR <name>:fencing``).

        Raises:
            ValueError: a timeout with ``blocking=False``, or a negative timeout.
        """
        raise NotImplementedError

    def release(self) -> None:
        """Delete the lock if, and only if, this object still owns it (atomically).

        Raises:
            LockNotOwnedError: not acquired, already released, or expired
                (and maybe taken by someone else, whose lock stays).
        """
        raise NotImplementedError

    def extend(self, ttl_ms: int) -> bool:
        """Set the lock's remaining time to ``ttl_ms`` if this object still owns it.

        Returns whether it did (atomically compared and re-expired).

        Raises:
            ValueError: ``ttl_ms`` not positive.
        """
        raise NotImplementedError

    def __enter__(self) -> RedisLock:
        """Acquire (blocking, no timeout) and return the lock."""
        raise NotImplementedError

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Release; raises ``LockNotOwnedError`` if the lock was lost meanwhile."""
        raise NotImplementedError
