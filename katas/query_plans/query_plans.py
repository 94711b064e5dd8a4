"""Indexes for query plans, and keyset pagination — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. ``SCHEMA``,
``create_schema`` and ``QUERIES`` are given: leave them as they are. Grade it
with::

    nox -s grade -- query_plans
"""

from __future__ import annotations

import sqlite3

SCHEMA = """
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
QUERIES: dict[str, str] = {
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


def create_schema(conn: sqlite3.Connection) -> None:
    """Create the two tables (given)."""
    conn.executescript(SCHEMA)


def create_indexes(conn: sqlite3.Connection) -> None:
    """Create the indexes that give every query in ``QUERIES`` a plan without
    a full table scan or a temporary B-tree, and serve ``keyset_page``.

    Called once, after ``create_schema``; the tables may already hold rows.
    Do not run ``ANALYZE``.
    """
    raise NotImplementedError


def keyset_page(
    conn: sqlite3.Connection, after: tuple[int, int] | None, limit: int
) -> list[tuple[int, int, int, int]]:
    """One page of all orders, newest first, by seeking past a cursor.

    Rows are ``(id, customer_id, created_at, total)`` ordered by
    ``created_at DESC, id DESC``. ``after`` is ``None`` for the first page, or
    the ``(created_at, id)`` of the last row of the previous page: the page
    holds the next ``limit`` rows that sort strictly after it.

    Raises:
        ValueError: ``limit`` below 1.
    """
    raise NotImplementedError
