"""Wrong: email is made UNIQUE in the given schema instead of indexed in create_indexes.

"Unique in practice" invites a UNIQUE constraint, and its automatic index
does serve the log-in query. But the schema is given: the tables are already
there, full of rows, and create_indexes is where the index must come from.
"""

from __future__ import annotations

import sqlite3

SCHEMA = """
CREATE TABLE customers (
    id      INTEGER PRIMARY KEY,
    email   TEXT    NOT NULL UNIQUE,
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
    # customer_orders and the inner loop of country_orders' join both start with
    # customer_id = ?; each needs its own second column to come out in order.
    "CREATE INDEX orders_by_customer_created ON orders (customer_id, created_at)",
    "CREATE INDEX orders_by_customer_total ON orders (customer_id, total)",
    # status_in_range: equality (status) before range (created_at). The same index,
    # grouped by status, also lets orders_per_status count without touching the table.
    "CREATE INDEX orders_by_status_created ON orders (status, created_at)",
    # keyset_page: walk all orders by (created_at, id), from the newest or from a cursor.
    "CREATE INDEX orders_by_created ON orders (created_at)",
    # country_orders' outer loop: customers of one country, already sorted by (name, id).
    "CREATE INDEX customers_by_country_name ON customers (country, name)",
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
    # The row value comparison means: created_at < ? OR (created_at = ? AND id < ?).
    return conn.execute(
        f"{_COLUMNS} WHERE (created_at, id) < (?, ?) {_ORDER}", (created_at, order_id, limit)
    ).fetchall()
