"""Correct: whole-item PutItem saves, hex sort keys, cancellations classified by re-reading.

Keys ``id``/``rank``: an account is ``id=<account id>, rank="A"``; its
transfers are ``rank="T<at as 16 hex digits><transfer id>"`` (fixed-width hex
sorts as time does); a transfer id is claimed at ``id="#<transfer id>"``.
``save`` puts the whole item under a version condition. A cancelled transfer
is explained by reading the accounts back (consistent reads) instead of
``ReturnValuesOnConditionCheckFailure``. The cursor is the last sort key in
hex, with the account id it belongs to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any


class ConflictError(Exception):
    pass


class AccountExists(ConflictError):
    pass


class AccountNotFound(Exception):
    pass


class InsufficientFunds(Exception):
    pass


class DuplicateTransfer(Exception):
    pass


class InvalidCursor(ValueError):
    pass


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
    client.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "rank", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "id", "KeyType": "HASH"},
            {"AttributeName": "rank", "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    client.get_waiter("table_exists").wait(TableName=name)


NAMES = {"#o": "owner", "#b": "balance", "#v": "version", "#i": "id"}


class Bank:
    def __init__(self, client: Any, table: str) -> None:
        self._c = client
        self._t = table

    def _item(self, account: Account) -> dict[str, Any]:
        return {
            "id": {"S": account.account_id},
            "rank": {"S": "A"},
            "owner": {"S": account.owner},
            "balance": {"N": str(account.balance)},
            "version": {"N": str(account.version)},
        }

    def open_account(self, account_id: str, owner: str, balance: int = 0) -> Account:
        if balance < 0:
            raise ValueError("negative balance")
        account = Account(account_id, owner, balance, 1)
        try:
            self._c.put_item(
                TableName=self._t,
                Item=self._item(account),
                ConditionExpression="attribute_not_exists(#i)",
                ExpressionAttributeNames={"#i": "id"},
            )
        except self._c.exceptions.ConditionalCheckFailedException as exc:
            raise AccountExists(account_id) from exc
        return account

    def _read(self, account_id: str) -> Account | None:
        item = self._c.get_item(
            TableName=self._t,
            Key={"id": {"S": account_id}, "rank": {"S": "A"}},
            ConsistentRead=True,
        ).get("Item")
        if not item:
            return None
        return Account(
            account_id, item["owner"]["S"], int(item["balance"]["N"]), int(item["version"]["N"])
        )

    def get_account(self, account_id: str) -> Account:
        account = self._read(account_id)
        if account is None:
            raise AccountNotFound(account_id)
        return account

    def save(self, account: Account) -> Account:
        if account.balance < 0:
            raise ValueError("negative balance")
        saved = replace(account, version=account.version + 1)
        try:
            self._c.put_item(
                TableName=self._t,
                Item=self._item(saved),
                ConditionExpression="#v = :seen",
                ExpressionAttributeNames={"#v": "version"},
                ExpressionAttributeValues={":seen": {"N": str(account.version)}},
            )
        except self._c.exceptions.ConditionalCheckFailedException as exc:
            raise ConflictError(account.account_id) from exc
        return saved

    def update(
        self, account_id: str, change: Callable[[Account], Account], *, attempts: int = 3
    ) -> Account:
        if attempts < 1:
            raise ValueError("attempts < 1")
        left = attempts
        while True:
            left -= 1
            try:
                return self.save(change(self.get_account(account_id)))
            except ConflictError:
                if not left:
                    raise

    def transfer(
        self, transfer_id: str, source: str, target: str, amount: int, at: int
    ) -> Transfer:
        if amount < 1 or source == target or at not in range(10**15):
            raise ValueError("bad transfer")
        rank = f"T{at:016x}{transfer_id}"
        record = {
            "tid": {"S": transfer_id},
            "src": {"S": source},
            "dst": {"S": target},
            "amount": {"N": str(amount)},
            "at": {"N": str(at)},
        }

        def change(account_id: str, sign: str, condition: str) -> dict[str, Any]:
            return {
                "Update": {
                    "TableName": self._t,
                    "Key": {"id": {"S": account_id}, "rank": {"S": "A"}},
                    "UpdateExpression": f"SET #b = #b {sign} :amt ADD #v :one",
                    "ConditionExpression": condition,
                    "ExpressionAttributeNames": {"#b": "balance", "#v": "version"},
                    "ExpressionAttributeValues": {
                        ":amt": {"N": str(amount)},
                        ":one": {"N": "1"},
                    },
                }
            }

        try:
            self._c.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._t,
                            "Item": {"id": {"S": "#" + transfer_id}, "rank": {"S": "claim"}},
                            "ConditionExpression": "attribute_not_exists(#i)",
                            "ExpressionAttributeNames": {"#i": "id"},
                        }
                    },
                    change(target, "+", "attribute_exists(#b)"),
                    change(source, "-", "#b >= :amt"),
                    {
                        "Put": {
                            "TableName": self._t,
                            "Item": {"id": {"S": source}, "rank": {"S": rank}, **record},
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._t,
                            "Item": {"id": {"S": target}, "rank": {"S": rank}, **record},
                        }
                    },
                ]
            )
        except self._c.exceptions.TransactionCanceledException:
            payer, payee = self._read(source), self._read(target)
            if payer is None or payee is None:
                raise AccountNotFound(source if payer is None else target) from None
            if payer.balance < amount:
                raise InsufficientFunds(source) from None
            raise DuplicateTransfer(transfer_id) from None
        return Transfer(transfer_id, source, target, amount, at)

    def transfers(self, account_id: str, *, limit: int = 10, cursor: str | None = None) -> Page:
        if limit < 1 or limit > 100:
            raise ValueError("limit")
        request: dict[str, Any] = {
            "TableName": self._t,
            "KeyConditionExpression": "#i = :id AND begins_with(#r, :t)",
            "ExpressionAttributeNames": {"#i": "id", "#r": "rank"},
            "ExpressionAttributeValues": {":id": {"S": account_id}, ":t": {"S": "T"}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if cursor is not None:
            try:
                owner, rank = (bytes.fromhex(part).decode() for part in cursor.split("."))
            except ValueError:
                raise InvalidCursor(cursor) from None
            if owner != account_id or not rank.startswith("T"):
                raise InvalidCursor(cursor)
            request["ExclusiveStartKey"] = {"id": {"S": owner}, "rank": {"S": rank}}
        answer = self._c.query(**request)
        items = [
            Transfer(
                i["tid"]["S"],
                i["src"]["S"],
                i["dst"]["S"],
                int(i["amount"]["N"]),
                int(i["at"]["N"]),
            )
            for i in answer["Items"]
        ]
        last = answer.get("LastEvaluatedKey")
        if last is None:
            return Page(items, None)
        return Page(items, f"{account_id.encode().hex()}.{last['rank']['S'].encode().hex()}")
