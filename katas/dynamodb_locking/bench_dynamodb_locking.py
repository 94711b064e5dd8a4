"""Timing workload for the DynamoDB locking kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: n optimistic updates (read, change, conditional
write) over eight accounts and n one-query pages of an account's transfers,
on moto's in-process DynamoDB. The accounts and a history of 16 transfers are
made once, outside; every call does the same work, linear in n.

The learner's and the reference's workloads run in turn in one process, on one
mocked AWS (started once, at the first call): each implementation has its own
table, made with its accounts and history at its first call and used by every
size after (a transfer is a transaction, the dearest call in moto). The client
skips request signing and parameter validation, which moto does not check (the
tests, run first, have checked the calls).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import replace
from types import ModuleType
from typing import Any

from grader.kata_support import AwsMock, aws_mock

_TABLES = itertools.count()  # a table per implementation: learner and reference share moto
ACCOUNTS = [f"acct-{i}" for i in range(8)]


@functools.cache
def _aws() -> AwsMock:
    return aws_mock().start()  # stays on for the timing process


@functools.cache
def _bank(module: ModuleType) -> Any:
    """The implementation's bank: its own table, eight accounts, 16 transfers from the first."""
    client = _aws().client("dynamodb", fast=True)
    table = f"bench-{next(_TABLES)}"
    module.create_table(client, table)
    bank = module.Bank(client, table)
    for account in ACCOUNTS:
        bank.open_account(account, account.upper(), 1_000_000)
    for i in range(16):
        bank.transfer(f"t-{i}", ACCOUNTS[0], ACCOUNTS[1 + i % 7], 1, at=1_700_000_000 + i)
    return bank


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    bank = _bank(module)

    def bump(account: object) -> object:
        return replace(account, balance=account.balance + 1)  # type: ignore[attr-defined]

    def run() -> None:
        cursor = None
        for i in range(n):
            bank.update(ACCOUNTS[i % 8], bump)
            page = bank.transfers(ACCOUNTS[0], limit=4, cursor=cursor)
            cursor = page.cursor

    return run
