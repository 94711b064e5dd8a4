"""Timing workload for the DynamoDB locking kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: n optimistic updates (read, change, conditional
write) over eight accounts and n one-query pages of an account's transfers,
on moto's in-process DynamoDB. The accounts and a history of 16 transfers are
made once, outside; every call does the same work, linear in n.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from dataclasses import replace
from types import ModuleType

import boto3
from moto import mock_aws

_CALLS = itertools.count()  # one table or queue per call: learner and reference share moto


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    mock_aws().start()  # stays on for the timing process
    client = boto3.client("dynamodb", region_name="us-east-1")
    table = f"bench-{n}-{next(_CALLS)}"  # learner and reference each get their own
    module.create_table(client, table)
    bank = module.Bank(client, table)
    accounts = [f"acct-{i}" for i in range(8)]
    for account in accounts:
        bank.open_account(account, account.upper(), 1_000_000)
    for i in range(16):
        bank.transfer(f"t-{i}", accounts[0], accounts[1 + i % 7], 1, at=1_700_000_000 + i)

    def bump(account: object) -> object:
        return replace(account, balance=account.balance + 1)  # type: ignore[attr-defined]

    def run() -> None:
        cursor = None
        for i in range(n):
            bank.update(accounts[i % 8], bump)
            page = bank.transfers(accounts[0], limit=4, cursor=cursor)
            cursor = page.cursor

    return run
