"""Tests for the SQL window functions kata.

The small example is worked out by hand in README.md (## Examples). Random
data sets (seeded) are checked against a direct computation in Python below:
sum with a dict, sort with a key — no SQL involved. Window semantics follow
the SQLite documentation, https://www.sqlite.org/windowfunctions.html.

The window-function rule is checked on the statements each function runs,
recorded with their parameters (``grader.kata_support.explain_traced``): one
of them must call a window function, and its rows, run again, must be the
function's result as it stands.
"""

from __future__ import annotations

import random
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterator

import pytest

from grader.kata_support import TracingConnection, explain_traced
from sql_window import create_schema, running_totals, top_per_group

Sale = tuple[str, str, str, int]  # region, seller, day, amount

# The example of README.md ## Examples.
EXAMPLE: list[Sale] = [
    ("north", "ann", "2024-03-01", 500),
    ("north", "ann", "2024-03-01", 250),
    ("north", "bob", "2024-03-01", 700),
    ("north", "cid", "2024-03-02", 750),
    ("north", "bob", "2024-03-03", 50),
    ("south", "dee", "2024-03-01", 300),
    ("south", "ann", "2024-03-02", 100),
]


@pytest.fixture
def conn() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:", factory=TracingConnection)
    create_schema(connection)
    yield connection
    connection.close()


def insert(conn: sqlite3.Connection, sales: list[Sale]) -> None:
    conn.executemany("INSERT INTO sales (region, seller, day, amount) VALUES (?, ?, ?, ?)", sales)
    conn.commit()


def expected_top(sales: list[Sale], n: int) -> list[tuple[str, str, int]]:
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for region, seller, _day, amount in sales:
        totals[region, seller] += amount
    by_region: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for (region, seller), total in totals.items():
        by_region[region].append((seller, total))
    result = []
    for region in sorted(by_region):
        ranked = sorted(by_region[region], key=lambda pair: (-pair[1], pair[0]))
        result += [(region, seller, total) for seller, total in ranked[:n]]
    return result


def expected_running(sales: list[Sale]) -> list[tuple[str, str, int, int]]:
    daily: dict[tuple[str, str], int] = defaultdict(int)
    for _region, seller, day, amount in sales:
        daily[seller, day] += amount
    result = []
    running: dict[str, int] = defaultdict(int)
    for seller, day in sorted(daily):
        running[seller] += daily[seller, day]
        result.append((seller, day, daily[seller, day], running[seller]))
    return result


def random_sales(seed: int, count: int) -> list[Sale]:
    """Few distinct amounts (so totals tie), several sales per seller and day, some refunds."""
    rng = random.Random(seed)
    regions = ["north", "south", "east", "West"]
    sellers = ["ann", "bob", "cid", "dee", "Eve", "eve", "fay", "gus", "Hal", "ida", "jo", "zoë"]
    days = [f"2023-12-{d:02d}" for d in range(20, 32)] + [f"2024-01-{d:02d}" for d in range(1, 13)]
    amounts = [100, 200, 250, 500, 500, 1000, -100]
    return [
        (rng.choice(regions), rng.choice(sellers), rng.choice(days), rng.choice(amounts))
        for _ in range(count)
    ]


# --- Top n per group ----------------------------------------------------------------------


@pytest.mark.spec("Examples")
def test_readme_example_top_two(conn: sqlite3.Connection) -> None:
    insert(conn, EXAMPLE)
    assert top_per_group(conn, 2) == [
        ("north", "ann", 750),
        ("north", "bob", 750),
        ("south", "dee", 300),
        ("south", "ann", 100),
    ]


@pytest.mark.spec("Top n per group")
def test_readme_example_top_one(conn: sqlite3.Connection) -> None:
    insert(conn, EXAMPLE)
    assert top_per_group(conn, 1) == [("north", "ann", 750), ("south", "dee", 300)]


@pytest.mark.spec("Top n per group")
def test_ties_at_the_cutoff_give_exactly_n_rows(conn: sqlite3.Connection) -> None:
    insert(
        conn,
        [
            ("east", "uma", "2024-01-01", 900),
            ("east", "tom", "2024-01-01", 500),
            ("east", "sam", "2024-01-02", 500),
            ("east", "ray", "2024-01-03", 500),
            ("east", "quinn", "2024-01-03", 100),
        ],
    )
    assert top_per_group(conn, 2) == [("east", "uma", 900), ("east", "ray", 500)], (
        "three sellers tie at 500: the tie goes to the name first in order, and no more than "
        "n rows come back (RANK() and DENSE_RANK() number ties alike; ROW_NUMBER() does not)"
    )
    assert top_per_group(conn, 3) == [
        ("east", "uma", 900),
        ("east", "ray", 500),
        ("east", "sam", 500),
    ]


@pytest.mark.spec("Top n per group")
def test_total_is_summed_per_region_and_seller(conn: sqlite3.Connection) -> None:
    insert(
        conn,
        [
            ("north", "ann", "2024-01-01", 100),
            ("north", "ann", "2024-01-02", 100),
            ("north", "ann", "2024-01-03", 100),
            ("north", "bob", "2024-01-01", 250),
            ("south", "ann", "2024-01-01", 1000),
        ],
    )
    assert top_per_group(conn, 1) == [("north", "ann", 300), ("south", "ann", 1000)], (
        "rank sellers by the sum of their sales in the region, not by single sales; "
        "ann's sales in south do not count in north"
    )


@pytest.mark.spec("Top n per group")
def test_n_larger_than_the_group(conn: sqlite3.Connection) -> None:
    insert(conn, EXAMPLE)
    assert top_per_group(conn, 100) == [
        ("north", "ann", 750),
        ("north", "bob", 750),
        ("north", "cid", 750),
        ("south", "dee", 300),
        ("south", "ann", 100),
    ]


@pytest.mark.spec("Top n per group")
def test_refunds_count_against_the_total(conn: sqlite3.Connection) -> None:
    insert(
        conn,
        [
            ("west", "ann", "2024-01-01", 1000),
            ("west", "ann", "2024-01-02", -600),
            ("west", "bob", "2024-01-01", 500),
        ],
    )
    assert top_per_group(conn, 1) == [("west", "bob", 500)]


@pytest.mark.spec("Top n per group")
@pytest.mark.parametrize(("seed", "n"), [(1, 1), (2, 2), (3, 3), (4, 5), (5, 2)])
def test_random_sales_top_n(conn: sqlite3.Connection, seed: int, n: int) -> None:
    sales = random_sales(seed, 300)
    insert(conn, sales)
    assert top_per_group(conn, n) == expected_top(sales, n)


@pytest.mark.spec("Top n per group")
@pytest.mark.parametrize("n", [0, -1])
def test_n_below_one_is_rejected(conn: sqlite3.Connection, n: int) -> None:
    insert(conn, EXAMPLE)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        with pytest.raises(ValueError):
            top_per_group(conn, n)
    finally:
        conn.set_trace_callback(None)
    assert statements == [], f"n is checked before any SQL runs; it ran: {statements}"


@pytest.mark.spec("Top n per group")
def test_equal_totals_are_ranked_by_seller_name_in_binary_order(conn: sqlite3.Connection) -> None:
    # Four sellers tie at 300, inserted in the reverse of the order they rank in. BINARY
    # collation compares bytes, so upper case sorts before lower case:
    # sorted(["ann", "bob", "Bob", "Zed"]) == ["Bob", "Zed", "ann", "bob"].
    insert(
        conn,
        [
            ("west", "top", "2024-01-01", 900),
            ("west", "bob", "2024-01-01", 300),
            ("west", "ann", "2024-01-02", 300),
            ("west", "Zed", "2024-01-03", 300),
            ("west", "Bob", "2024-01-04", 100),
            ("west", "Bob", "2024-01-05", 200),
        ],
    )
    assert top_per_group(conn, 3) == [
        ("west", "top", 900),
        ("west", "Bob", 300),
        ("west", "Zed", 300),
    ], "equal totals rank by seller name, ascending, in BINARY order ('Bob' < 'Zed' < 'ann')"
    assert top_per_group(conn, 5) == [
        ("west", "top", 900),
        ("west", "Bob", 300),
        ("west", "Zed", 300),
        ("west", "ann", 300),
        ("west", "bob", 300),
    ]


# --- Running totals -----------------------------------------------------------------------


@pytest.mark.spec("Examples")
def test_readme_example_running_totals(conn: sqlite3.Connection) -> None:
    insert(conn, EXAMPLE)
    assert running_totals(conn) == [
        ("ann", "2024-03-01", 750, 750),
        ("ann", "2024-03-02", 100, 850),
        ("bob", "2024-03-01", 700, 700),
        ("bob", "2024-03-03", 50, 750),
        ("cid", "2024-03-02", 750, 750),
        ("dee", "2024-03-01", 300, 300),
    ]


@pytest.mark.spec("Running totals")
def test_several_sales_on_one_day_make_one_row(conn: sqlite3.Connection) -> None:
    insert(
        conn,
        [
            ("north", "ann", "2024-01-01", 100),
            ("north", "ann", "2024-01-01", 200),
            ("south", "ann", "2024-01-01", 300),
            ("north", "ann", "2024-01-02", 50),
            ("north", "ann", "2024-01-02", 50),
        ],
    )
    assert running_totals(conn) == [
        ("ann", "2024-01-01", 600, 600),
        ("ann", "2024-01-02", 100, 700),
    ], "one row per seller and day: aggregate the day first, then run the window over days"


@pytest.mark.spec("Running totals")
def test_running_total_restarts_for_each_seller(conn: sqlite3.Connection) -> None:
    insert(
        conn,
        [
            ("north", "bob", "2024-01-01", 100),
            ("north", "ann", "2024-01-02", 10),
            ("north", "bob", "2024-01-03", 100),
            ("north", "ann", "2024-01-04", 10),
        ],
    )
    assert running_totals(conn) == [
        ("ann", "2024-01-02", 10, 10),
        ("ann", "2024-01-04", 10, 20),
        ("bob", "2024-01-01", 100, 100),
        ("bob", "2024-01-03", 100, 200),
    ], "each seller's running total counts only their own days (PARTITION BY seller)"


@pytest.mark.spec("Running totals")
def test_running_total_goes_down_after_a_refund(conn: sqlite3.Connection) -> None:
    insert(
        conn,
        [
            ("north", "ann", "2024-01-01", 500),
            ("north", "ann", "2024-01-02", -200),
            ("north", "ann", "2024-01-02", -100),
            ("north", "ann", "2024-01-03", 0),
        ],
    )
    assert running_totals(conn) == [
        ("ann", "2024-01-01", 500, 500),
        ("ann", "2024-01-02", -300, 200),
        ("ann", "2024-01-03", 0, 200),
    ]


@pytest.mark.spec("Running totals")
@pytest.mark.parametrize("seed", [11, 12, 13])
def test_random_sales_running_totals(conn: sqlite3.Connection, seed: int) -> None:
    sales = random_sales(seed, 400)
    insert(conn, sales)
    assert running_totals(conn) == expected_running(sales)


# --- Both -----------------------------------------------------------------------------------


@pytest.mark.spec("API")
def test_empty_table(conn: sqlite3.Connection) -> None:
    assert top_per_group(conn, 3) == []
    assert running_totals(conn) == []


@pytest.mark.spec("API")
def test_queries_leave_the_data_unchanged(conn: sqlite3.Connection) -> None:
    sales = random_sales(21, 50)
    insert(conn, sales)
    before = conn.execute("SELECT * FROM sales ORDER BY id").fetchall()
    top_per_group(conn, 2)
    running_totals(conn)
    assert conn.execute("SELECT * FROM sales ORDER BY id").fetchall() == before


# What is not code in SQLite's SQL (https://www.sqlite.org/lang_comment.html,
# https://www.sqlite.org/lang_keywords.html): comments, string literals and quoted names.
_NOT_CODE = re.compile(
    r"--[^\n]*|/\*.*?(?:\*/|$)|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\[[^\]]*\]|`(?:[^`]|``)*`",
    re.DOTALL,
)
# A window function call: "... ) OVER (" or "... ) OVER window_name".
_OVER = re.compile(r"\bOVER\s*(?:\(|[A-Za-z_])", re.IGNORECASE)


def calls_a_window_function(sql: str) -> bool:
    return bool(_OVER.search(_NOT_CODE.sub(" ", sql)))


@pytest.mark.spec("Window functions")
@pytest.mark.weight(2)
@pytest.mark.parametrize("query", ["top_per_group", "running_totals"])
def test_result_is_the_rows_of_a_window_query(conn: TracingConnection, query: str) -> None:
    insert(conn, random_sales(31, 200))
    if query == "top_per_group":
        result, statements = explain_traced(conn, lambda: top_per_group(conn, 2))
    else:
        result, statements = explain_traced(conn, lambda: running_totals(conn))
    assert result, "the data has rows for every function"
    queries = [s for s in statements if s.sql.lstrip().upper().startswith(("SELECT", "WITH"))]
    windowed = [s for s in queries if calls_a_window_function(s.sql)]
    assert windowed, (
        f"{query} must run a SQL query that calls a window function (... OVER (...)); "
        f"it ran: {[s.sql for s in statements]}"
    )
    for statement in windowed:
        rows = conn.execute(statement.sql, statement.params or ()).fetchall()
        if [tuple(row) for row in rows] == result:
            return
    pytest.fail(
        f"{query} must return the rows of its window query as SQLite returns them, in that order; "
        "ranking, filtering, sorting or summing them again in Python is not the exercise. "
        f"It ran: {[s.sql for s in queries]}"
    )
