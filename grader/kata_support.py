"""Helpers that several katas' tests share.

Kata tests import them as ``from grader.kata_support import …``; the grader
runs every kata with this package importable.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable
from typing import Any


def in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Start ``fn`` in a daemon thread; the dict gets its ``"result"`` or ``"error"``."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["result"] = fn()
        except BaseException as exc:
            out["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


class _NullForEveryName(dict):
    def __missing__(self, key: str) -> None:
        return None


def explain_traced(conn: sqlite3.Connection, sql: str) -> list[str]:
    """SQLite's ``EXPLAIN QUERY PLAN`` details for a statement caught by a trace callback.

    The trace callback reports statements with their parameters filled in,
    except on Python 3.10.0-3.10.3 (CPython issue 89301), where the
    placeholders remain; then they are bound to NULL, which gives the same
    plan (without ANALYZE statistics, SQLite plans without looking at values).
    """
    query = "EXPLAIN QUERY PLAN " + sql
    try:
        rows = conn.execute(query).fetchall()
    except sqlite3.ProgrammingError as exc:
        count = re.search(r"uses (\d+)", str(exc))
        params: object = [None] * int(count.group(1)) if count else _NullForEveryName()
        rows = conn.execute(query, params).fetchall()
    return [row[3] for row in rows]
