"""Wrong: standard attributes are a fresh LogRecord's, without Formatter's message and asctime."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any

DEFAULT_REDACT: frozenset[str] = frozenset(
    {"password", "token", "secret", "authorization", "api_key"}
)
REDACTED = "[REDACTED]"

_SCALARS = (str, int, float, bool, type(None))
_STANDARD_KEYS = ("timestamp", "level", "logger", "message", "exception")
# Attributes every LogRecord has, plus the two that Formatter.format adds.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None)))

_context: ContextVar[Mapping[str, Any]] = ContextVar(
    "structured_logging_context", default=MappingProxyType({})
)


class JsonFormatter(logging.Formatter):
    """Render each record as one line of JSON."""

    def __init__(self, redact: Iterable[str] = DEFAULT_REDACT) -> None:
        super().__init__()
        self._redact = frozenset(name.lower() for name in redact)

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "timestamp": _rfc3339_utc(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            if not record.exc_text:
                record.exc_text = self.formatException(record.exc_info)
            payload["exception"] = record.exc_text
        fields = dict(_context.get())
        fields.update(
            (key, value) for key, value in vars(record).items() if key not in _RECORD_ATTRIBUTES
        )
        for key, value in fields.items():
            if key not in _STANDARD_KEYS:
                payload[key] = REDACTED if self._is_secret(key) else self._scrub(value)
        return json.dumps(payload, default=str)

    def _is_secret(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._redact

    def _scrub(self, value: Any) -> Any:
        """``value`` with secrets at any depth redacted, as a copy."""
        if isinstance(value, _SCALARS):
            return value  # the common case, checked first: Mapping checks are slow
        if isinstance(value, Mapping):
            return {
                _json_key(key): REDACTED if self._is_secret(key) else self._scrub(item)
                for key, item in value.items()
            }
        if isinstance(value, (list, tuple)):
            return [self._scrub(item) for item in value]
        return value


def _json_key(key: object) -> object:
    """Keys json.dumps can write as they are stay; anything else becomes its str()."""
    return key if isinstance(key, (str, int, float, bool)) or key is None else str(key)


def _rfc3339_utc(created: float) -> str:
    moment = datetime.fromtimestamp(created, timezone.utc)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


@contextmanager
def _bound(fields: dict[str, Any]) -> Iterator[None]:
    token = _context.set(MappingProxyType({**_context.get(), **fields}))
    try:
        yield
    finally:
        _context.reset(token)


def bind(**fields: Any) -> AbstractContextManager[None]:
    return _bound(fields)
