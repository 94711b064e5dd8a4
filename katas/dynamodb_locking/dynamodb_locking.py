"""DynamoDB accounts with optimistic locking — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- dynamodb_locking
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class ConflictError(Exception):
    """The account changed since it was read: its stored version is not the one expected."""


class AccountExists(ConflictError):
    """``open_account`` for an id that is already taken."""


class AccountNotFound(Exception):
    """No account has this id."""


class InsufficientFunds(Exception):
    """The source account's balance is less than the transfer's amount."""


class DuplicateTransfer(Exception):
    """A transfer with this id was already made."""


class InvalidCursor(ValueError):
    """A cursor that ``transfers`` did not hand out for this account."""


@dataclass(frozen=True)
class Account:
    account_id: str
    owner: str
    balance: int
    version: int


@dataclass(frozen=True)
class Transfer:
    transfer_id: str
    source: str
    target: str
    amount: int
    at: int


@dataclass(frozen=True)
class Page:
    items: list[Transfer]
    cursor: str | None


def create_table(client: Any, name: str) -> None:
    """Create the bank's table (your key design) and return once it exists."""
    raise NotImplementedError


class Bank:
    """Accounts and transfers in the DynamoDB table ``table``.

    Args:
        client: a ``boto3.client("dynamodb")``.
        table: the name of a table made by ``create_table``.
    """

    def __init__(self, client: Any, table: str) -> None:
        raise NotImplementedError

    def open_account(self, account_id: str, owner: str, balance: int = 0) -> Account:
        """Create the account at version 1 (a conditional PutItem).

        Raises:
            AccountExists: the id is taken (the stored account is unchanged).
            ValueError: a negative balance.
        """
        raise NotImplementedError

    def get_account(self, account_id: str) -> Account:
        """The stored account (GetItem, ConsistentRead=True).

        Raises:
            AccountNotFound: no such account.
        """
        raise NotImplementedError

    def save(self, account: Account) -> Account:
        """Write owner and balance if the stored version is ``account.version``; version + 1.

        One write call, no read. Returns the account as stored.

        Raises:
            ConflictError: the condition failed (a stale read, or no such account).
            ValueError: a negative balance (no call made).
        """
        raise NotImplementedError

    def update(
        self, account_id: str, change: Callable[[Account], Account], *, attempts: int = 3
    ) -> Account:
        """Read, apply ``change``, save; on a conflict re-read and retry, ``attempts`` tries.

        Only a ``ConflictError`` is retried; any other exception propagates at once.

        Raises:
            ConflictError: every attempt conflicted.
            AccountNotFound: no such account.
            ValueError: ``attempts < 1``.
        """
        raise NotImplementedError

    def transfer(
        self, transfer_id: str, source: str, target: str, amount: int, at: int
    ) -> Transfer:
        """Debit, credit, bump both versions and record the transfer: one TransactWriteItems.

        Raises (from the transaction's cancellation reasons, in this precedence):
            AccountNotFound: the source or the target does not exist (the source
                named if neither does).
            InsufficientFunds: the source's balance is less than ``amount``.
            DuplicateTransfer: ``transfer_id`` was used before.
            ValueError: ``amount <= 0``, ``source == target``, or ``at`` outside
                ``0 <= at < 10**15`` (no call made).
        """
        raise NotImplementedError

    def transfers(self, account_id: str, *, limit: int = 10, cursor: str | None = None) -> Page:
        """One page of the account's transfers, newest first: one Query with ``Limit=limit``.

        ``Page.cursor`` is the opaque next-page cursor, ``None`` after the last page.
        An unknown account, like one without transfers, gives an empty page.

        Raises:
            InvalidCursor: a cursor not handed out for this account's transfers.
            ValueError: ``limit`` outside 1-100.
        """
        raise NotImplementedError
