"""Correct: EVAL scripts that check EXISTS, INCR, then SET PX; release by UNLINK; extend by SET XX.

Another route to the same guarantees: each step is still one script, sent
with EVAL (the source every time) instead of a registered EVALSHA. Inside
the acquire script, "absent?" and "take it" are separate commands, which is
safe because nothing else runs on the server while a script runs.
"""

from __future__ import annotations

import time
import uuid
from types import TracebackType
from typing import Any

# KEYS: lock, fencing counter. ARGV: owner, ttl in ms. Returns the token or nil.
_ACQUIRE = """
if redis.call('EXISTS', KEYS[1]) == 1 then
    return false
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return token
"""

# KEYS: lock. ARGV: owner. Returns 1 if unlinked, 0 if the lock is not ours.
_RELEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
    return 0
end
return redis.call('UNLINK', KEYS[1])
"""

# KEYS: lock. ARGV: owner, ttl in ms. Rewrites our own value with a fresh expiry.
_EXTEND = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
    return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'XX', 'PX', ARGV[2])
return 1
"""


class LockNotOwnedError(Exception):
    """Raised by ``release`` when this object does not hold the lock (any more)."""


class RedisLock:
    """A lock named ``name`` in Redis that expires ``ttl_ms`` after it is taken."""

    def __init__(self, redis: Any, name: str, ttl_ms: int) -> None:
        if ttl_ms <= 0:
            raise ValueError(f"ttl_ms must be positive, got {ttl_ms}")
        self._redis = redis
        self._keys = [name, f"{name}:fencing"]
        self._ttl_ms = ttl_ms
        self._owner: str | None = None
        self._token: int | None = None

    @property
    def token(self) -> int | None:
        return self._token

    def _try(self, owner: str) -> bool:
        token = self._redis.eval(_ACQUIRE, 2, *self._keys, owner, self._ttl_ms)
        if token is None:
            return False
        self._owner, self._token = owner, int(token)
        return True

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        if timeout is not None:
            if not blocking:
                raise ValueError("a non-blocking acquire takes no timeout")
            if timeout < 0:
                raise ValueError(f"timeout must not be negative, got {timeout}")
        owner = uuid.uuid4().hex
        if self._try(owner):
            return True
        if not blocking:
            return False
        give_up = float("inf") if timeout is None else time.monotonic() + timeout
        while (left := give_up - time.monotonic()) > 0:
            time.sleep(min(0.002, left))
            if self._try(owner):
                return True
        return False

    def release(self) -> None:
        owner = self._owner
        self._owner = None
        if owner is None or not self._redis.eval(_RELEASE, 1, self._keys[0], owner):
            raise LockNotOwnedError(f"lock {self._keys[0]!r} is not held by this object")

    def extend(self, ttl_ms: int) -> bool:
        if ttl_ms <= 0:
            raise ValueError(f"ttl_ms must be positive, got {ttl_ms}")
        if self._owner is None:
            return False
        return self._redis.eval(_EXTEND, 1, self._keys[0], self._owner, ttl_ms) == 1

    def __enter__(self) -> RedisLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
