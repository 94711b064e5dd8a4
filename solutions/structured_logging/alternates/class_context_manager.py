"""Correct: a class-based context manager over a ContextVar, extras by set difference.

``bind`` returns an object whose ``__enter__`` sets a merged copy of the
current fields and whose ``__exit__`` resets the variable with its token.
Extra fields are the record's attribute names minus those of a blank
``LogRecord`` (and Formatter's ``message`` and ``asctime``). The timestamp is
built from whole microseconds with ``time.gmtime``; redaction copies
containers recursively.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Mapping
from contextvars import ContextVar, Token
from typing import Any

DEFAULT_REDACT: frozenset[str] = frozenset(
    {"password", "token", "secret", "authorization", "api_key"}
)

_STANDARD = ("timestamp", "level", "logger", "message", "exception")
_NOT_EXTRA = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
_fields: ContextVar[dict[str, Any]] = ContextVar("bound_fields")


class JsonFormatter(logging.Formatter):
    def __init__(self, redact: Iterable[str] = DEFAULT_REDACT) -> None:
        super().__init__()
        self.redact = {name.casefold() for name in redact}

    def format(self, record: logging.LogRecord) -> str:
        seconds, micros = divmod(round(record.created * 1_000_000), 1_000_000)
        out: dict[str, Any] = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
            + f".{micros // 1000:03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        exc_type = record.exc_info[0] if record.exc_info else None
        if exc_type is not None:
            out["exception"] = self.formatException(record.exc_info)  # type: ignore[arg-type]
        merged = {
            **_fields.get({}),
            **{k: record.__dict__[k] for k in record.__dict__.keys() - _NOT_EXTRA},
        }
        for key, value in merged.items():
            if key in _STANDARD:
                continue
            out[key] = "[REDACTED]" if self._secret(key) else self._copy(value)
        return json.dumps(out, default=str)

    def _secret(self, key: object) -> bool:
        return isinstance(key, str) and key.casefold() in self.redact

    def _copy(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            copied = {}
            for key, item in value.items():
                if not isinstance(key, (str, int, float, bool)) and key is not None:
                    key = str(key)
                copied[key] = "[REDACTED]" if self._secret(key) else self._copy(item)
            return copied
        if isinstance(value, (list, tuple)):
            return [self._copy(item) for item in value]
        return value


class _Bind:
    def __init__(self, fields: dict[str, Any]) -> None:
        self._new = fields
        self._token: Token[dict[str, Any]] | None = None

    def __enter__(self) -> None:
        self._token = _fields.set({**_fields.get({}), **self._new})

    def __exit__(self, *exc: object) -> None:
        assert self._token is not None
        _fields.reset(self._token)


def bind(**fields: Any) -> _Bind:
    return _Bind(fields)
