"""explain_traced: the plan of each statement as it ran, with its bound parameters."""

from __future__ import annotations

import sqlite3

import pytest

from grader.kata_support import TracingConnection, explain_traced

OR_CURSOR = (
    "SELECT id FROM t WHERE created_at < ? OR (created_at = ? AND id < ?) "
    "ORDER BY created_at DESC, id DESC LIMIT ?"
)


def connect() -> TracingConnection:
    conn = sqlite3.connect(":memory:", factory=TracingConnection)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, created_at INTEGER NOT NULL)")
    conn.execute("CREATE INDEX t_by_created ON t (created_at)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(i, i // 3) for i in range(1, 100)])
    return conn


def test_plan_is_of_the_statement_with_its_bound_parameters() -> None:
    # SQLite 3.40: with literals the OR turns into a range seek; with bound parameters it
    # cannot, and the index is scanned from the newest row. The traced plan must be the latter.
    conn = connect()
    rows, statements = explain_traced(
        conn, lambda: conn.execute(OR_CURSOR, (5, 5, 16, 3)).fetchall()
    )
    assert rows == [(15,), (14,), (13,)]
    [statement] = statements
    assert statement.sql == OR_CURSOR
    assert statement.params == (5, 5, 16, 3)
    direct = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + OR_CURSOR, (5, 5, 16, 3))]
    assert statement.plan == direct
    literal = OR_CURSOR.replace("?", "{}").format(5, 5, 16, 3)
    pasted = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + literal)]
    if pasted != direct:  # the case this helper exists for, on SQLite versions that differ
        assert statement.plan != pasted


def test_cursors_named_parameters_and_order_are_recorded() -> None:
    conn = connect()

    def run() -> list[tuple[int]]:
        cur = conn.cursor()
        cur.execute("SELECT id FROM t WHERE created_at = :at", {"at": 2})
        first = cur.fetchall()
        conn.execute("UPDATE t SET created_at = created_at WHERE id = ?", [1])
        custom = conn.cursor(sqlite3.Cursor).execute("SELECT count(*) FROM t")
        return first + custom.fetchall()

    result, statements = explain_traced(conn, run)
    assert result == [(6,), (7,), (8,), (99,)]
    assert [(s.sql.split()[0], s.params) for s in statements] == [
        ("SELECT", {"at": 2}),
        ("UPDATE", [1]),
        ("SELECT", None),
    ]
    assert any("SEARCH t USING COVERING INDEX t_by_created" in d for d in statements[0].plan)


def test_statements_only_the_trace_sees_are_explained_as_reported() -> None:
    conn = connect()
    _, statements = explain_traced(
        conn, lambda: conn.executescript("SELECT id FROM t WHERE created_at = 3; SELECT 1;")
    )
    sqls = [s.sql.strip() for s in statements]
    assert sqls[-2:] == ["SELECT id FROM t WHERE created_at = 3;", "SELECT 1;"]
    assert any("USING COVERING INDEX t_by_created" in d for d in statements[-2].plan)


def test_tracing_stops_when_the_call_raises() -> None:
    conn = connect()
    with pytest.raises(sqlite3.OperationalError):
        explain_traced(conn, lambda: conn.execute("SELECT nope FROM t"))
    _, statements = explain_traced(conn, lambda: conn.execute("SELECT 1").fetchall())
    assert [s.sql for s in statements] == ["SELECT 1"]


def test_a_plain_connection_is_refused() -> None:
    with pytest.raises(TypeError):
        explain_traced(sqlite3.connect(":memory:"), lambda: None)  # type: ignore[arg-type]
