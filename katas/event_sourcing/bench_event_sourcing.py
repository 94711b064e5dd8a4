"""Timing workload for the event-sourcing kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: on a fresh in-memory SQLite database, an
account opened and given n deposits and withdrawals, each saved on its own
(a snapshot every 20 events), then loaded back and projected. Every call does
the same work: linear in n.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable
from types import ModuleType


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    ids = itertools.count()

    def run() -> None:
        store = module.EventStore(sqlite3.connect(":memory:"))
        repo = module.AccountRepository(store, snapshot_every=20)
        account_id = f"acc-{next(ids)}"
        account = module.Account.open(account_id, "ada")
        repo.save(account)
        for i in range(n):
            if i % 3 == 2:
                account.withdraw(1)
            else:
                account.deposit(2)
            repo.save(account)
        repo.load(account_id)
        module.BalanceProjection(store, sqlite3.connect(":memory:")).catch_up()

    return run
