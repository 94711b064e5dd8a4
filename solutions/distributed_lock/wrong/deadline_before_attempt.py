"""Wrong: the blocking loop checks the deadline before each attempt, so timeout=0 never tries.

``while time.monotonic() < deadline: try`` reads well, but with timeout=0 the
loop body never runs: a free lock is reported as taken by someone else.
"""

from __future__ import annotations

import secrets
import time
from types import TracebackType
from typing import Any

_POLL_SECONDS = 0.005  # pause between attempts of a blocking acquire

# KEYS: lock, fencing counter. ARGV: owner, ttl in ms. Returns the token or nil.
_ACQUIRE = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return redis.call('INCR', KEYS[2])
end
return false
"""

# KEYS: lock. ARGV: owner. Returns 1 if deleted, 0 if someone else owns it.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""

# KEYS: lock. ARGV: owner, ttl in ms. Returns 1 if extended, 0 if not ours.
_EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""


class LockNotOwnedError(Exception):
    """Raised by ``release`` when this object does not hold the lock (any more)."""


class RedisLock:
    """A lock named ``name`` in Redis that expires ``ttl_ms`` after it is taken."""

    def __init__(self, redis: Any, name: str, ttl_ms: int) -> None:
        if ttl_ms <= 0:
            raise ValueError(f"ttl_ms must be positive, got {ttl_ms}")
        self._name = name
        self._fencing_key = f"{name}:fencing"
        self._ttl_ms = ttl_ms
        self._owner: str | None = None  # our random value while we (think we) hold it
        self._token: int | None = None
        self._acquire = redis.register_script(_ACQUIRE)
        self._release = redis.register_script(_RELEASE)
        self._extend = redis.register_script(_EXTEND)

    @property
    def token(self) -> int | None:
        return self._token

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        if not blocking and timeout is not None:
            raise ValueError("a non-blocking acquire takes no timeout")
        if timeout is not None and timeout < 0:
            raise ValueError(f"timeout must not be negative, got {timeout}")
        owner = secrets.token_hex(16)
        deadline = None if timeout is None else time.monotonic() + timeout
        while deadline is None or time.monotonic() < deadline:  # the bug: no attempt at 0
            token = self._acquire(keys=[self._name, self._fencing_key], args=[owner, self._ttl_ms])
            if token is not None:
                self._owner = owner
                self._token = int(token)
                return True
            if not blocking:
                return False
            pause = _POLL_SECONDS
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                pause = min(pause, remaining)
            time.sleep(pause)
        return False

    def release(self) -> None:
        owner, self._owner = self._owner, None
        if owner is None:
            raise LockNotOwnedError(f"lock {self._name!r} is not held by this object")
        if not self._release(keys=[self._name], args=[owner]):
            raise LockNotOwnedError(f"lock {self._name!r} expired and is no longer ours")

    def extend(self, ttl_ms: int) -> bool:
        if ttl_ms <= 0:
            raise ValueError(f"ttl_ms must be positive, got {ttl_ms}")
        if self._owner is None:
            return False
        return bool(self._extend(keys=[self._name], args=[self._owner, ttl_ms]))

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
