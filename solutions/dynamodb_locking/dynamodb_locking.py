"""DynamoDB accounts with optimistic locking — the reference solution.

One table, generic keys ``pk``/``sk``:

======================  ==============================  ===========================
item                    pk                              sk
======================  ==============================  ===========================
account                 ``ACCOUNT#<id>``                ``ACCOUNT``
its transfers           ``ACCOUNT#<id>``                ``TRANSFER#<at, 15 digits>#<transfer id>``
transfer id claim       ``TRANSFER#<transfer id>``      ``TRANSFER``
======================  ==============================  ===========================

A transfer writes its record into both accounts' partitions, so "an
account's transfers, newest first" is one Query on the account's partition
with ``ScanIndexForward=False``; the zero-padded time makes the sort key's
string order the time order. Every write of an account checks its version in
the ``ConditionExpression`` and raises it by one.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

AT_LIMIT = 10**15
"""``at`` is below this: 15 digits, the width of the sort key's zero-padded time."""


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
    """Create the bank's table (on-demand capacity) and wait until it exists."""
    client.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    client.get_waiter("table_exists").wait(TableName=name)


def _account_key(account_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"ACCOUNT#{account_id}"}, "sk": {"S": "ACCOUNT"}}


def _account(item: dict[str, Any]) -> Account:
    return Account(
        account_id=item["pk"]["S"].removeprefix("ACCOUNT#"),
        owner=item["owner"]["S"],
        balance=int(item["balance"]["N"]),
        version=int(item["version"]["N"]),
    )


def _transfer(item: dict[str, Any]) -> Transfer:
    return Transfer(
        transfer_id=item["transfer_id"]["S"],
        source=item["source"]["S"],
        target=item["target"]["S"],
        amount=int(item["amount"]["N"]),
        at=int(item["at"]["N"]),
    )


class Bank:
    """Accounts and transfers in the DynamoDB table ``table``."""

    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    def open_account(self, account_id: str, owner: str, balance: int = 0) -> Account:
        """Create an account at version 1; ``AccountExists`` if the id is taken."""
        if balance < 0:
            raise ValueError(f"an opening balance cannot be negative: {balance}")
        account = Account(account_id, owner, balance, 1)
        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    **_account_key(account_id),
                    "owner": {"S": owner},
                    "balance": {"N": str(balance)},
                    "version": {"N": "1"},
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            raise AccountExists(account_id) from None
        return account

    def get_account(self, account_id: str) -> Account:
        """The account as stored now (a strongly consistent read)."""
        item = self.client.get_item(
            TableName=self.table, Key=_account_key(account_id), ConsistentRead=True
        ).get("Item")
        if item is None:
            raise AccountNotFound(account_id)
        return _account(item)

    def save(self, account: Account) -> Account:
        """Write the account's owner and balance if its stored version is ``account.version``."""
        if account.balance < 0:
            raise ValueError(f"a balance cannot be negative: {account.balance}")
        try:
            self.client.update_item(
                TableName=self.table,
                Key=_account_key(account.account_id),
                UpdateExpression="SET #owner = :owner, #balance = :balance, #v = :next",
                ConditionExpression="#v = :expected",
                ExpressionAttributeNames={
                    "#owner": "owner",
                    "#balance": "balance",
                    "#v": "version",
                },
                ExpressionAttributeValues={
                    ":owner": {"S": account.owner},
                    ":balance": {"N": str(account.balance)},
                    ":expected": {"N": str(account.version)},
                    ":next": {"N": str(account.version + 1)},
                },
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            raise ConflictError(
                f"account {account.account_id} is no longer at version {account.version}"
            ) from None
        return Account(account.account_id, account.owner, account.balance, account.version + 1)

    def update(
        self, account_id: str, change: Callable[[Account], Account], *, attempts: int = 3
    ) -> Account:
        """Read, ``change``, save; on a conflict read again and retry, ``attempts`` tries in all."""
        if attempts < 1:
            raise ValueError(f"attempts must be at least 1, not {attempts}")
        for attempt in range(attempts):
            try:
                return self.save(change(self.get_account(account_id)))
            except ConflictError:
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def transfer(
        self, transfer_id: str, source: str, target: str, amount: int, at: int
    ) -> Transfer:
        """Move ``amount`` from ``source`` to ``target`` in one transaction, with its record."""
        if amount <= 0:
            raise ValueError(f"a transfer's amount must be positive, not {amount}")
        if source == target:
            raise ValueError("a transfer needs two different accounts")
        if not 0 <= at < AT_LIMIT:
            raise ValueError(f"at must be 0 <= at < {AT_LIMIT} (seconds since the epoch), not {at}")
        transfer = Transfer(transfer_id, source, target, amount, at)
        record = {
            "transfer_id": {"S": transfer_id},
            "source": {"S": source},
            "target": {"S": target},
            "amount": {"N": str(amount)},
            "at": {"N": str(at)},
        }
        sk = {"S": f"TRANSFER#{at:015d}#{transfer_id}"}
        names = {"#balance": "balance", "#v": "version"}
        values = {":amount": {"N": str(amount)}, ":one": {"N": "1"}}
        items = [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": _account_key(source),
                    "UpdateExpression": "SET #balance = #balance - :amount, #v = #v + :one",
                    "ConditionExpression": "attribute_exists(pk) AND #balance >= :amount",
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values,
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            {
                "Update": {
                    "TableName": self.table,
                    "Key": _account_key(target),
                    "UpdateExpression": "SET #balance = #balance + :amount, #v = #v + :one",
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values,
                }
            },
            {
                "Put": {
                    "TableName": self.table,
                    "Item": {"pk": {"S": f"TRANSFER#{transfer_id}"}, "sk": {"S": "TRANSFER"}},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Put": {
                    "TableName": self.table,
                    "Item": {"pk": {"S": f"ACCOUNT#{source}"}, "sk": sk, **record},
                }
            },
            {
                "Put": {
                    "TableName": self.table,
                    "Item": {"pk": {"S": f"ACCOUNT#{target}"}, "sk": sk, **record},
                }
            },
        ]
        try:
            self.client.transact_write_items(TransactItems=items)
        except self.client.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons", [])
            failed = [r.get("Code") == "ConditionalCheckFailed" for r in reasons]
            source_missing = failed[0] and "Item" not in reasons[0]
            if source_missing or failed[1]:
                raise AccountNotFound(source if source_missing else target) from None
            if failed[0]:
                raise InsufficientFunds(f"{source} cannot pay {amount}") from None
            if failed[2]:
                raise DuplicateTransfer(transfer_id) from None
            raise
        return transfer

    def transfers(self, account_id: str, *, limit: int = 10, cursor: str | None = None) -> Page:
        """One page of the account's transfers, newest first, and the next page's cursor."""
        if not 1 <= limit <= 100:
            raise ValueError(f"limit must be 1 to 100, not {limit}")
        pk = f"ACCOUNT#{account_id}"
        query: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": "TRANSFER#"}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if cursor is not None:
            query["ExclusiveStartKey"] = _decode(cursor, pk)
        response = self.client.query(**query)
        last = response.get("LastEvaluatedKey")
        return Page(
            [_transfer(item) for item in response.get("Items", [])],
            None if last is None else _encode(last),
        )


def _encode(key: dict[str, Any]) -> str:
    """The opaque cursor of a LastEvaluatedKey: URL-safe base64 of its JSON."""
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def _decode(cursor: str, pk: str) -> dict[str, Any]:
    """The ExclusiveStartKey of a cursor handed out for partition ``pk``."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        ok = key["pk"] == {"S": pk} and key["sk"]["S"].startswith("TRANSFER#")
    except (binascii.Error, ValueError, TypeError, KeyError, AttributeError):
        ok = False
    if not ok:
        raise InvalidCursor("not a cursor of this account's transfers")
    return key
