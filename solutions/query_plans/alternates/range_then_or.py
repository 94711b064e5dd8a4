"""Correct: the cursor as a range with an OR inside it; covering customer indexes.

The customer lookups carry the columns they return, so they never touch the
table. The page condition is the row value written out so that SQLite can
still seek: ``created_at <= ?`` is a plain range on the index, and the OR
that breaks ties (``created_at < ? OR id < ?``) only filters the rows of the
cursor's own second.
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


_INDEXES = (
    # Nothing may follow created_at here: the rowid after it gives ORDER BY created_at, id.
    "CREATE INDEX orders_customer_created ON orders (customer_id, created_at)",
    "CREATE INDEX orders_customer_total ON orders (customer_id, total)",
    "CREATE INDEX orders_status_created ON orders (status, created_at)",
    "CREATE INDEX orders_created ON orders (created_at)",
    "CREATE INDEX customers_email ON customers (email, name, country)",
    "CREATE INDEX customers_country_name ON customers (country, name, id)",
)

_COLUMNS = "SELECT id, customer_id, created_at, total FROM orders"
_ORDER = "ORDER BY created_at DESC, id DESC LIMIT ?"


def create_indexes(conn: sqlite3.Connection) -> None:
    for statement in _INDEXES:
        conn.execute(statement)


def keyset_page(
    conn: sqlite3.Connection, after: tuple[int, int] | None, limit: int
) -> list[tuple[int, int, int, int]]:
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    if after is None:
        return conn.execute(f"{_COLUMNS} {_ORDER}", (limit,)).fetchall()
    created_at, order_id = after
    return conn.execute(
        f"{_COLUMNS} WHERE created_at <= ? AND (created_at < ? OR id < ?) {_ORDER}",
        (created_at, created_at, order_id, limit),
    ).fetchall()
