"""Tests for the query plans and keyset pagination kata.

The plans come from SQLite itself: ``EXPLAIN QUERY PLAN``
(https://www.sqlite.org/eqp.html) on the given queries, and on the exact
statements ``keyset_page`` runs, with the parameters it binds
(``grader.kata_support.explain_traced``). Query results are compared with the same
queries run before any index existed (indexes never change results), and
pages with a plain Python sort of all orders.
"""

from __future__ import annotations

import random
import re
import sqlite3

import pytest

import query_plans
from grader.kata_support import TracingConnection, explain_traced
from query_plans import QUERIES, create_indexes, create_schema, keyset_page

STATUSES = ("pending", "paid", "shipped", "delivered", "cancelled")
COUNTRIES = ("DE", "FR", "JP", "US", "BR")
NAMES = ("Ada", "Alan", "Barbara", "Edsger", "Grace", "Ken", "Linus", "Margaret")
EPOCH = 1_700_000_000

# Parameters that make every query do some work on the data from `load`.
PARAMS = {
    "customer_orders": {"customer_id": 3},
    "status_in_range": {"status": "paid", "start": EPOCH + 5, "end": EPOCH + 25},
    "customer_by_email": {"email": "user7@example.com"},
    "country_orders": {"country": "JP"},
    "orders_per_status": {},
}


def load(conn: sqlite3.Connection, seed: int, customers: int = 60, orders: int = 1500) -> None:
    """Seeded data with many ties: 40 distinct created_at values, repeated names and totals."""
    rng = random.Random(seed)
    conn.executemany(
        "INSERT INTO customers (id, email, name, country) VALUES (?, ?, ?, ?)",
        [
            (i, f"user{i}@example.com", rng.choice(NAMES), rng.choice(COUNTRIES))
            for i in range(1, customers + 1)
        ],
    )
    ids = rng.sample(range(1, orders * 10), orders)  # ids unrelated to time order
    conn.executemany(
        "INSERT INTO orders (id, customer_id, status, created_at, total) VALUES (?, ?, ?, ?, ?)",
        [
            (
                order_id,
                rng.randint(1, customers),
                rng.choice(STATUSES),
                EPOCH + rng.randrange(40),
                rng.randrange(1, 30) * 100,
            )
            for order_id in ids
        ],
    )


def new_db(seed: int = 1, *, indexed: bool = True, **sizes: int) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", factory=TracingConnection)
    create_schema(conn)
    load(conn, seed, **sizes)
    if indexed:
        create_indexes(conn)
    return conn


def all_orders_newest_first(conn: sqlite3.Connection) -> list[tuple[int, int, int, int]]:
    rows = conn.execute("SELECT id, customer_id, created_at, total FROM orders").fetchall()
    return sorted(rows, key=lambda r: (r[2], r[0]), reverse=True)


# The schema and queries as the stub gives them (README: leave them as they are).
GIVEN_SCHEMA = """
CREATE TABLE customers (
    id      INTEGER PRIMARY KEY,
    email   TEXT    NOT NULL,   -- unique in practice
    name    TEXT    NOT NULL,
    country TEXT    NOT NULL    -- ISO 3166 code: 'DE', 'FR', ...
);
CREATE TABLE orders (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    status      TEXT    NOT NULL,   -- 'pending', 'paid', 'shipped', 'delivered', 'cancelled'
    created_at  INTEGER NOT NULL,   -- Unix seconds; many orders share a second
    total       INTEGER NOT NULL    -- cents
);
"""

# The queries the application runs, by name, with named parameters.
GIVEN_QUERIES: dict[str, str] = {
    # The 20 most recent orders of one customer.
    "customer_orders": """
        SELECT id, created_at, total
        FROM orders
        WHERE customer_id = :customer_id
        ORDER BY created_at DESC, id DESC
        LIMIT 20
    """,
    # Orders in one status created in [start, end), oldest first.
    "status_in_range": """
        SELECT id, customer_id, created_at, total
        FROM orders
        WHERE status = :status AND created_at >= :start AND created_at < :end
        ORDER BY created_at, id
    """,
    # Log-in: find a customer by email.
    "customer_by_email": """
        SELECT id, name, country
        FROM customers
        WHERE email = :email
    """,
    # A country's customers by name, each with their orders, biggest first.
    "country_orders": """
        SELECT c.id, c.name, o.id, o.total
        FROM customers AS c
        JOIN orders AS o ON o.customer_id = c.id
        WHERE c.country = :country
        ORDER BY c.name, c.id, o.total DESC, o.id DESC
    """,
    # How many orders are in each status.
    "orders_per_status": """
        SELECT status, COUNT(*)
        FROM orders
        GROUP BY status
        ORDER BY status
    """,
}


# --- plan reading --------------------------------------------------------------------------

# "SEARCH orders USING INDEX i (a=?)" (SQLite >= 3.36) or "SEARCH TABLE orders AS o USING ...".
_ROW = re.compile(
    r"^(?P<op>SEARCH|SCAN) (?:TABLE )?(?P<table>\S+)(?: AS (?P<alias>\S+))?"
    r"(?: USING (?P<covering>COVERING )?INDEX (?P<index>\S+)(?: \((?P<constraint>.*)\))?)?"
)
_DERIVED = re.compile(r"^(?:CO-ROUTINE|MATERIALIZE) (\S+)")


def plan(conn: sqlite3.Connection, sql: str, params: object = ()) -> list[str]:
    return [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]


def accesses(details: list[str]) -> list[dict[str, str | None]]:
    """The SCAN/SEARCH rows of a plan as dicts; subqueries and constant rows left out."""
    derived = {m.group(1) for d in details if (m := _DERIVED.match(d))}
    found = []
    for detail in details:
        m = _ROW.match(detail)
        if m is None or detail.startswith("SCAN CONSTANT ROW"):
            continue
        row = m.groupdict()
        row["name"] = row["alias"] or row["table"]
        row["detail"] = detail
        if row["name"] not in derived and not detail.startswith("SCAN SUBQUERY"):
            found.append(row)
    return found


def assert_no_table_scan_or_sort(details: list[str], what: str) -> None:
    for row in accesses(details):
        assert not (row["op"] == "SCAN" and row["index"] is None), (
            f"{what}: full table scan {row['detail']!r}; plan: {details}"
        )
    for detail in details:
        assert "TEMP B-TREE" not in detail, (
            f"{what}: the rows are sorted after reading ({detail!r}), so no index delivers them "
            f"in order; plan: {details}"
        )


def assert_seeks(details: list[str], what: str, seeks: list[tuple[str, str]]) -> None:
    for row in accesses(details):
        assert row["op"] == "SEARCH", (
            f"{what}: {row['detail']!r} reads every entry; expected a SEARCH; plan: {details}"
        )
    for name, constraint in seeks:
        assert any(
            row["name"] == name
            and row["index"] is not None
            and (row["constraint"] or "").startswith(constraint)
            for row in accesses(details)
        ), f"{what}: expected SEARCH {name} USING … INDEX … ({constraint}…); plan: {details}"


def traced(
    conn: TracingConnection, after: tuple[int, int] | None, limit: int
) -> tuple[list[tuple[int, int, int, int]], list[list[str]]]:
    """keyset_page's result, and the plan of every SELECT it ran, with its parameters."""
    page, statements = explain_traced(conn, lambda: keyset_page(conn, after, limit))
    selects = [s for s in statements if s.sql.lstrip().upper().startswith(("SELECT", "WITH"))]
    assert selects, "keyset_page ran no SELECT on the connection"
    return page, [s.plan for s in selects]


# --- plan rules ----------------------------------------------------------------------------

SEEKS = {
    "customer_orders": [("orders", "customer_id=?")],
    "status_in_range": [("orders", "status=? AND created_at>? AND created_at<?")],
    "customer_by_email": [("customers", "email=?")],
    "country_orders": [("c", "country=?"), ("o", "customer_id=?")],
}


@pytest.mark.spec("Plan rules")
@pytest.mark.weight(2)
@pytest.mark.parametrize("name", sorted(SEEKS))
def test_query_seeks_an_index_without_sorting(name: str) -> None:
    conn = new_db()
    details = plan(conn, QUERIES[name], PARAMS[name])
    assert_no_table_scan_or_sort(details, name)
    assert_seeks(details, name, SEEKS[name])


@pytest.mark.spec("Plan rules")
@pytest.mark.parametrize("name", sorted(SEEKS))
def test_plans_hold_on_an_empty_database(name: str) -> None:
    conn = new_db(customers=0, orders=0)
    details = plan(conn, QUERIES[name], PARAMS[name])
    assert_no_table_scan_or_sort(details, name)
    assert_seeks(details, name, SEEKS[name])


@pytest.mark.spec("Plan rules")
def test_orders_per_status_reads_a_covering_index_without_sorting() -> None:
    conn = new_db()
    details = plan(conn, QUERIES["orders_per_status"])
    assert_no_table_scan_or_sort(details, "orders_per_status")
    assert any(
        row["op"] == "SCAN" and row["name"] == "orders" and row["covering"]
        for row in accesses(details)
    ), f"orders_per_status: expected SCAN orders USING COVERING INDEX …; plan: {details}"


@pytest.mark.spec("Plan rules")
@pytest.mark.weight(2)
def test_indexes_do_not_change_results() -> None:
    conn = new_db(seed=5, indexed=False)
    rng = random.Random(11)
    runs = [(name, PARAMS[name]) for name in QUERIES]
    for _ in range(15):
        runs.append(("customer_orders", {"customer_id": rng.randint(1, 60)}))
        start = EPOCH + rng.randrange(40)
        runs.append(
            (
                "status_in_range",
                {"status": rng.choice(STATUSES), "start": start, "end": start + rng.randrange(15)},
            )
        )
        runs.append(("customer_by_email", {"email": f"user{rng.randint(1, 70)}@example.com"}))
        runs.append(("country_orders", {"country": rng.choice(COUNTRIES)}))
    before = [conn.execute(QUERIES[name], params).fetchall() for name, params in runs]
    create_indexes(conn)
    for (name, params), expected in zip(runs, before, strict=True):
        assert conn.execute(QUERIES[name], params).fetchall() == expected, (
            f"{name} with {params} returns different rows once the indexes exist"
        )


@pytest.mark.spec("API")
def test_only_indexes_are_added_to_the_given_schema_and_queries() -> None:
    # The plans are checked on the given queries over the given tables: a UNIQUE or an INDEXED BY
    # added to them would answer a different question.
    def words(sql: str) -> list[str]:
        return sql.split()

    conn = new_db()
    given = sqlite3.connect(":memory:")
    given.executescript(GIVEN_SCHEMA)
    listing = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type != 'index'"
    indexes = "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    assert conn.execute(indexes).fetchall(), "create_indexes created no index"
    assert sorted(conn.execute(listing)) == sorted(given.execute(listing)), (
        "the tables must be as given: indexes belong in create_indexes"
    )
    assert {name: words(sql) for name, sql in QUERIES.items()} == {
        name: words(sql) for name, sql in GIVEN_QUERIES.items()
    }, "QUERIES must be left as given"
    assert words(query_plans.SCHEMA) == words(GIVEN_SCHEMA), "SCHEMA must be left as given"


# --- keyset pagination ---------------------------------------------------------------------


@pytest.mark.spec("Examples")
def test_readme_example() -> None:
    conn = sqlite3.connect(":memory:")
    create_schema(conn)
    conn.executemany(
        "INSERT INTO orders VALUES (?, ?, ?, ?, ?)",
        [
            (1, 7, "paid", 100, 500),
            (2, 7, "paid", 200, 900),
            (3, 8, "pending", 200, 250),
            (4, 8, "paid", 200, 100),
            (5, 7, "shipped", 300, 700),
        ],
    )
    create_indexes(conn)
    assert keyset_page(conn, None, 2) == [(5, 7, 300, 700), (4, 8, 200, 100)]
    assert keyset_page(conn, (200, 4), 2) == [(3, 8, 200, 250), (2, 7, 200, 900)]
    assert keyset_page(conn, (200, 2), 2) == [(1, 7, 100, 500)]
    assert keyset_page(conn, (100, 1), 2) == []


@pytest.mark.spec("Keyset pagination")
def test_first_page_is_the_newest_orders() -> None:
    conn = new_db()
    expected = all_orders_newest_first(conn)
    assert keyset_page(conn, None, 25) == expected[:25]


@pytest.mark.spec("Keyset pagination")
@pytest.mark.weight(2)
@pytest.mark.parametrize("limit", [1, 7, 50, 1499, 1500, 5000])
def test_walking_all_pages_returns_every_order_once_in_order(limit: int) -> None:
    conn = new_db(seed=limit)
    expected = all_orders_newest_first(conn)
    seen: list[tuple[int, int, int, int]] = []
    after = None
    for _ in range(len(expected) + 2):
        page = keyset_page(conn, after, limit)
        assert len(page) <= limit
        if not page:
            break
        seen.extend(page)
        after = (page[-1][2], page[-1][0])
    assert len(seen) == len(set(seen)), "some orders appear on two pages"
    assert seen == expected, (
        "the pages together must be every order exactly once, newest first "
        "(created_at DESC, id DESC) — orders sharing a created_at must not be skipped"
    )


@pytest.mark.spec("Keyset pagination")
@pytest.mark.weight(2)
def test_page_after_any_cursor_matches_brute_force() -> None:
    conn = new_db(seed=3)
    everything = all_orders_newest_first(conn)
    rng = random.Random(99)
    cursors = [(row[2], row[0]) for row in rng.sample(everything, 40)]
    # Cursors that are not rows: between ids, before the newest, after the oldest.
    cursors += [(EPOCH + rng.randrange(40), rng.randrange(15000)) for _ in range(40)]
    cursors += [(EPOCH + 100, 0), (EPOCH - 1, 10**9), (EPOCH + 20, 10**9)]
    for created_at, order_id in cursors:
        limit = rng.choice([1, 5, 30])
        expected = [r for r in everything if (r[2], r[0]) < (created_at, order_id)][:limit]
        assert keyset_page(conn, (created_at, order_id), limit) == expected, (
            f"page after (created_at={created_at}, id={order_id}), limit={limit}"
        )


@pytest.mark.spec("Keyset pagination")
def test_new_orders_do_not_shift_the_next_page() -> None:
    # The cursor names a place in the order, not a row count: orders created after the
    # first page was read are newer than the cursor, so the second page is unaffected.
    conn = new_db(seed=8)
    first = keyset_page(conn, None, 30)
    cursor = (first[-1][2], first[-1][0])
    expected = [r for r in all_orders_newest_first(conn) if (r[2], r[0]) < cursor][:30]
    conn.executemany(
        "INSERT INTO orders (id, customer_id, status, created_at, total) VALUES (?, ?, ?, ?, ?)",
        [(100_000 + i, 1, "pending", EPOCH + 100 + i % 3, 500) for i in range(25)],
    )
    assert keyset_page(conn, cursor, 30) == expected


@pytest.mark.spec("Keyset pagination")
@pytest.mark.parametrize("limit", [0, -1])
def test_limit_below_one_is_rejected(limit: int) -> None:
    conn = new_db()
    with pytest.raises(ValueError):
        keyset_page(conn, None, limit)
    with pytest.raises(ValueError):
        keyset_page(conn, (EPOCH + 10, 5), limit)


@pytest.mark.spec("Keyset pagination")
@pytest.mark.weight(2)
def test_page_queries_seek_an_index_without_sorting() -> None:
    conn = new_db()
    first, plans = traced(conn, None, 20)
    assert len(first) == 20
    for details in plans:
        assert_no_table_scan_or_sort(details, "keyset_page(after=None)")
    cursor = (first[-1][2], first[-1][0])
    second, plans = traced(conn, cursor, 20)
    assert len(second) == 20
    for details in plans:
        assert_no_table_scan_or_sort(details, "keyset_page(after=cursor)")
        for row in accesses(details):
            assert row["op"] == "SEARCH", (
                f"keyset_page(after=cursor) reads from the newest row instead of seeking "
                f"to the cursor: {row['detail']!r}; plan: {details}"
            )
    assert any(
        row["op"] == "SEARCH" and row["index"] is not None
        for details in plans
        for row in accesses(details)
    ), f"keyset_page(after=cursor) does not SEARCH an index; plans: {plans}"
