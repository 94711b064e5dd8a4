"""Tests for the DynamoDB locking kata.

Every behaviour is observed through boto3 on moto (https://docs.getmoto.org),
AWS's API mocked in-process: the items another client reads back, the
exceptions DynamoDB raises (ConditionalCheckFailedException,
TransactionCanceledException with its CancellationReasons). The semantics are
the Amazon DynamoDB Developer Guide's (condition expressions, optimistic
locking with a version number, paginating query results) and the API
Reference's (TransactWriteItems).

Races are forced, not hoped for: a BotoRecorder hook on the bank's client runs
a rival client's write just before the bank's own write is sent, i.e. between
its read and its write. Calls are recorded where a rule demands one (one
TransactWriteItems per transfer, one Query per page, no Scan).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from dynamodb_locking import (
    Account,
    AccountExists,
    AccountNotFound,
    Bank,
    ConflictError,
    DuplicateTransfer,
    InsufficientFunds,
    InvalidCursor,
    Page,
    Transfer,
    create_table,
)
from grader.kata_support import AwsMock, BotoCall, BotoRecorder, aws_mock

TABLE = "bank"
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


@pytest.fixture(scope="module")
def aws() -> Iterator[AwsMock]:
    """AWS mocked by moto for the module."""
    with aws_mock() as mocked:
        yield mocked


@pytest.fixture(scope="module")
def clients(aws: AwsMock) -> tuple[Any, Any]:
    """Two DynamoDB clients, made once: the bank's and the rival's."""
    mine, rival = aws.client("dynamodb"), aws.client("dynamodb")
    rival.list_tables()  # moto loads its DynamoDB backend once, here
    return mine, rival


@pytest.fixture
def fresh_aws(aws: AwsMock) -> Iterator[AwsMock]:
    """A fresh mocked AWS for the test: every table gone, before and after."""
    aws.reset()
    yield aws
    aws.reset()


@pytest.fixture
def client(clients: tuple[Any, Any], fresh_aws: AwsMock) -> Any:
    """The bank's client, on a fresh mocked AWS with the bank's table."""
    create_table(clients[0], TABLE)
    return clients[0]


@pytest.fixture
def bank(client: Any) -> Bank:
    return Bank(client, TABLE)


@pytest.fixture
def rival(clients: tuple[Any, Any], client: Any) -> Bank:
    """Another Bank on another client: a concurrent request, or the test's own reads."""
    return Bank(clients[1], TABLE)


@pytest.fixture
def rec(client: Any) -> Iterator[BotoRecorder]:
    with BotoRecorder(client) as recorder:
        yield recorder


def at_version(bank: Bank, account_id: str, version: int) -> Account:
    """The account, saved (unchanged) until it is at ``version``."""
    account = bank.get_account(account_id)
    while account.version < version:
        account = bank.save(account)
    assert account.version == version
    return account


def is_write(call: BotoCall) -> bool:
    return call.operation in WRITES


def ids(page: Page) -> list[str]:
    return [t.transfer_id for t in page.items]


# -- Table design -----------------------------------------------------------------


@pytest.mark.spec("Table design")
def test_create_table_makes_the_table(clients: tuple[Any, Any], fresh_aws: AwsMock) -> None:
    create_table(clients[0], "ledger")
    table = clients[1].describe_table(TableName="ledger")["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert clients[1].list_tables()["TableNames"] == ["ledger"], "one table"


@pytest.mark.spec("Table design")
def test_get_account_is_one_consistent_get_item(bank: Bank, rec: BotoRecorder) -> None:
    bank.open_account("alice", "Alice", 100)
    rec.clear()
    bank.get_account("alice")
    assert [c.operation for c in rec.calls] == ["GetItem"]
    assert rec.calls[0].params.get("ConsistentRead") is True, "read with ConsistentRead=True"


@pytest.mark.spec("Table design")
@pytest.mark.weight(2)
def test_a_page_is_one_query_reading_only_the_page(
    bank: Bank, rec: BotoRecorder, client: Any
) -> None:
    for name in ("alice", "bob", "carol"):
        bank.open_account(name, name.title(), 1000)
    for i in range(6):
        bank.transfer(f"t{i}", "alice", "bob" if i % 2 else "carol", 10, at=100 + i)
    rec.clear()
    page = bank.transfers("alice", limit=2)
    assert [c.operation for c in rec.calls] == ["Query"], "one Query per page, never a Scan"
    query = rec.calls[0].params
    assert query.get("Limit") == 2, "Limit=limit: read no more items than the page holds"
    assert ids(page) == ["t5", "t4"]
    consumed = client.query(**{**query, "Select": "COUNT"})
    assert consumed["ScannedCount"] == 2, "the query's key condition selects transfers only"


# -- Accounts -----------------------------------------------------------------------


@pytest.mark.spec("Accounts")
def test_open_and_get_an_account(bank: Bank, rival: Bank) -> None:
    opened = bank.open_account("alice", "Alice", 100)
    assert opened == Account("alice", "Alice", 100, 1)
    assert rival.get_account("alice") == Account("alice", "Alice", 100, 1)
    assert bank.open_account("bob", "Bob") == Account("bob", "Bob", 0, 1), "balance 0 by default"


@pytest.mark.spec("Accounts")
def test_an_id_cannot_be_opened_twice(bank: Bank, rival: Bank, rec: BotoRecorder) -> None:
    bank.open_account("alice", "Alice", 100)
    at_version(bank, "alice", 3)
    rec.clear()
    with pytest.raises(AccountExists):
        rival.open_account("alice", "Mallory", 0)
    with pytest.raises(ConflictError):  # AccountExists is a ConflictError
        bank.open_account("alice", "Mallory", 0)
    assert rival.get_account("alice") == Account("alice", "Alice", 100, 3), "left as it was"
    (put,) = rec.calls
    assert put.operation == "PutItem" and "attribute_not_exists" in put.params.get(
        "ConditionExpression", ""
    ), "one PutItem conditioned on attribute_not_exists"


@pytest.mark.spec("Accounts")
def test_opening_balance_cannot_be_negative(bank: Bank, rival: Bank) -> None:
    with pytest.raises(ValueError):
        bank.open_account("alice", "Alice", -1)
    with pytest.raises(AccountNotFound):
        rival.get_account("alice")


@pytest.mark.spec("Accounts")
def test_a_missing_account_is_not_found(bank: Bank) -> None:
    bank.open_account("alice", "Alice")
    with pytest.raises(AccountNotFound) as raised:
        bank.get_account("bob")
    assert raised.value.args[0] == "bob", "AccountNotFound names the missing account's id"


@pytest.mark.spec("API")
def test_the_values_are_frozen(bank: Bank) -> None:
    values = [
        bank.open_account("alice", "Alice", 100),
        Transfer("t-1", "alice", "bob", 1, 1),
        Page([], None),
    ]
    for value in values:
        field = dataclasses.fields(value)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, field, None)


# -- Optimistic locking ---------------------------------------------------------------


@pytest.mark.spec("Optimistic locking")
def test_save_writes_and_bumps_the_version(bank: Bank, rival: Bank, rec: BotoRecorder) -> None:
    opened = bank.open_account("alice", "Alice", 100)
    rec.clear()
    saved = bank.save(replace(opened, owner="Alice Smith", balance=75))
    assert saved == Account("alice", "Alice Smith", 75, 2)
    assert rival.get_account("alice") == saved
    made = [c.operation for c in rec.calls]
    assert made in (["PutItem"], ["UpdateItem"]), (
        f"save is one write call (a PutItem or an UpdateItem carrying the version condition), "
        f"no read; made {made}"
    )
    (write,) = rec.calls
    assert write.params.get("ConditionExpression"), "the write carries the version condition"
    assert bank.save(replace(saved, balance=80)) == Account("alice", "Alice Smith", 80, 3)


@pytest.mark.spec("Optimistic locking")
@pytest.mark.weight(2)
def test_two_clients_read_version_3_and_exactly_one_wins(bank: Bank, rival: Bank) -> None:
    bank.open_account("alice", "Alice", 100)
    at_version(bank, "alice", 3)
    mine, theirs = bank.get_account("alice"), rival.get_account("alice")
    assert mine.version == theirs.version == 3
    won = rival.save(replace(theirs, balance=theirs.balance + 10))
    assert won.version == 4
    with pytest.raises(ConflictError):
        bank.save(replace(mine, balance=mine.balance + 20))
    assert rival.get_account("alice") == Account("alice", "Alice", 110, 4), (
        "the rival's write stays"
    )


@pytest.mark.spec("Optimistic locking")
@pytest.mark.weight(2)
def test_a_rival_write_between_read_and_write_is_not_lost(
    bank: Bank, rival: Bank, rec: BotoRecorder
) -> None:
    bank.open_account("alice", "Alice", 100)
    at_version(bank, "alice", 3)

    def rival_renames(call: BotoCall) -> None:
        rival.save(replace(rival.get_account("alice"), owner="Alice Smith"))

    rec.before(is_write, rival_renames)  # runs just before save's write is sent
    with pytest.raises(ConflictError):
        bank.save(Account("alice", "Alice", 150, 3))
    assert rival.get_account("alice") == Account("alice", "Alice Smith", 100, 4), (
        "the rival's rename landed between the read of version 3 and this write: the write must "
        "be conditional on the version (in DynamoDB, not in Python) and fail"
    )


@pytest.mark.spec("Optimistic locking")
def test_saving_a_missing_account_conflicts(bank: Bank, rival: Bank) -> None:
    with pytest.raises(ConflictError):
        bank.save(Account("ghost", "Nobody", 10, 1))
    with pytest.raises(AccountNotFound):
        rival.get_account("ghost")


@pytest.mark.spec("Optimistic locking")
def test_a_newer_version_is_not_accepted_either(bank: Bank, rival: Bank) -> None:
    bank.open_account("alice", "Alice", 100)
    with pytest.raises(ConflictError):
        bank.save(Account("alice", "Alice", 5, 2))
    assert rival.get_account("alice") == Account("alice", "Alice", 100, 1)


# -- Retrying ---------------------------------------------------------------------------


def double(account: Account) -> Account:
    return replace(account, balance=account.balance * 2)


@pytest.mark.spec("Retrying")
@pytest.mark.weight(2)
def test_update_retries_with_the_fresh_account(bank: Bank, rival: Bank, rec: BotoRecorder) -> None:
    bank.open_account("alice", "Alice", 100)
    seen: list[Account] = []

    def change(account: Account) -> Account:
        seen.append(account)
        return double(account)

    rec.before(is_write, lambda call: rival.update("alice", lambda a: replace(a, balance=110)))
    got = bank.update("alice", change)
    assert [a.version for a in seen] == [1, 2], "a conflict re-reads the account and retries"
    assert seen[1].balance == 110, "change is called again on the fresh account"
    assert got == Account("alice", "Alice", 220, 3)
    assert rival.get_account("alice") == got


@pytest.mark.spec("Retrying")
def test_update_without_conflict_saves_once(bank: Bank, rec: BotoRecorder) -> None:
    bank.open_account("alice", "Alice", 100)
    rec.clear()
    assert bank.update("alice", double) == Account("alice", "Alice", 200, 2)
    assert len([c for c in rec.calls if is_write(c)]) == 1


@pytest.mark.spec("Retrying")
@pytest.mark.parametrize("attempts", [1, 2, 3], ids=["1", "2", "3"])
def test_update_gives_up_after_its_attempts(
    bank: Bank, rival: Bank, rec: BotoRecorder, attempts: int
) -> None:
    bank.open_account("alice", "Alice", 100)
    calls: list[int] = []

    def change(account: Account) -> Account:
        calls.append(account.version)
        return double(account)

    rec.before(is_write, lambda call: rival.save(rival.get_account("alice")), times=10)
    with pytest.raises(ConflictError):
        bank.update("alice", change, attempts=attempts)
    assert calls == list(range(1, attempts + 1)), f"{attempts} tries in all, then ConflictError"
    assert rival.get_account("alice").balance == 100


@pytest.mark.spec("Retrying")
def test_update_default_attempts_is_3(bank: Bank, rival: Bank, rec: BotoRecorder) -> None:
    bank.open_account("alice", "Alice", 100)
    rec.before(is_write, lambda call: rival.save(rival.get_account("alice")), times=2)
    got = bank.update(account_id="alice", change=double)
    assert got == Account("alice", "Alice", 200, 4), "the third try succeeds"
    rec.before(is_write, lambda call: rival.save(rival.get_account("alice")), times=3)
    with pytest.raises(ConflictError):
        bank.update("alice", double)
    assert rival.get_account("alice") == Account("alice", "Alice", 200, 7), "three tries only"


@pytest.mark.spec("Retrying")
def test_update_checks_its_arguments(bank: Bank) -> None:
    bank.open_account("alice", "Alice", 100)
    with pytest.raises(ValueError):
        bank.update("alice", double, attempts=0)
    with pytest.raises(AccountNotFound):
        bank.update("bob", double)


# -- Transfers --------------------------------------------------------------------------


@pytest.fixture
def two(bank: Bank) -> Bank:
    """alice (100) and bob (50), each at version 1."""
    bank.open_account("alice", "Alice", 100)
    bank.open_account("bob", "Bob", 50)
    return bank


@pytest.mark.spec("Transfers")
@pytest.mark.weight(2)
def test_a_transfer_is_one_transaction(two: Bank, rival: Bank, rec: BotoRecorder) -> None:
    rec.clear()
    got = two.transfer("t-1", "alice", "bob", 30, at=1_700_000_000)
    assert got == Transfer("t-1", "alice", "bob", 30, 1_700_000_000)
    assert [c.operation for c in rec.calls if is_write(c)] == ["TransactWriteItems"], (
        "debit, credit and record in one TransactWriteItems call"
    )
    assert rival.get_account("alice") == Account("alice", "Alice", 70, 2), "debited, version + 1"
    assert rival.get_account("bob") == Account("bob", "Bob", 80, 2), "credited, version + 1"
    assert rival.transfers("alice").items == [got]
    assert rival.transfers("bob").items == [got]


@pytest.mark.spec("Transfers")
def test_the_whole_balance_can_be_sent(two: Bank, rival: Bank) -> None:
    two.transfer("t-1", "alice", "bob", 100, at=1)
    assert rival.get_account("alice").balance == 0
    assert rival.get_account("bob").balance == 150


@pytest.mark.spec("Transfers")
def test_a_save_from_before_a_transfer_conflicts(two: Bank, rival: Bank) -> None:
    stale = two.get_account("alice")
    two.transfer("t-1", "alice", "bob", 30, at=1)
    with pytest.raises(ConflictError):
        two.save(replace(stale, owner="Alice Smith"))  # would restore balance 100
    assert rival.get_account("alice").balance == 70, "the transfer's debit must not be lost"


def unchanged(rival: Bank) -> None:
    assert rival.get_account("alice") == Account("alice", "Alice", 100, 1)
    assert rival.get_account("bob") == Account("bob", "Bob", 50, 1)
    assert rival.transfers("alice").items == [] and rival.transfers("bob").items == []


@pytest.mark.spec("Transfers")
@pytest.mark.weight(2)
def test_insufficient_funds_changes_nothing(two: Bank, rival: Bank) -> None:
    with pytest.raises(InsufficientFunds):
        two.transfer("t-1", "alice", "bob", 101, at=1)
    unchanged(rival)


@pytest.mark.spec("Transfers")
@pytest.mark.weight(2)
@pytest.mark.parametrize(
    ("source", "target"), [("alice", "ghost"), ("ghost", "alice")], ids=["target", "source"]
)
def test_a_missing_account_changes_nothing(
    two: Bank, rival: Bank, source: str, target: str
) -> None:
    with pytest.raises(AccountNotFound) as raised:
        two.transfer("t-1", source, target, 10, at=1)
    assert raised.value.args[0] == "ghost", "AccountNotFound names the missing account's id"
    unchanged(rival)
    with pytest.raises(AccountNotFound):
        rival.get_account("ghost")


@pytest.mark.spec("Transfers")
def test_a_transfer_id_is_used_once(two: Bank, rival: Bank) -> None:
    two.transfer("t-1", "alice", "bob", 30, at=1)
    for retry in (("alice", "bob", 30, 1), ("bob", "alice", 5, 2)):
        with pytest.raises(DuplicateTransfer):
            two.transfer("t-1", *retry)
    assert rival.get_account("alice") == Account("alice", "Alice", 70, 2)
    assert rival.get_account("bob") == Account("bob", "Bob", 80, 2)
    assert ids(rival.transfers("alice")) == ["t-1"] and ids(rival.transfers("bob")) == ["t-1"]


@pytest.mark.spec("Transfers")
def test_cancellation_reasons_in_order_of_precedence(two: Bank, rival: Bank) -> None:
    two.transfer("t-1", "alice", "bob", 30, at=1)  # alice 70

    def outcome(source: str, target: str, amount: int) -> str:
        """What transfer t-1 (a reused id) raises, by name."""
        try:
            two.transfer("t-1", source, target, amount, at=2)
        except (AccountNotFound, InsufficientFunds, DuplicateTransfer) as exc:
            return type(exc).__name__
        return "no exception"

    assert outcome("alice", "ghost", 500) == "AccountNotFound", (
        "a missing target (1) comes before insufficient funds (2) and a reused id (3)"
    )
    assert outcome("ghost", "bob", 500) == "AccountNotFound", (
        "a missing source (1) comes before a reused id (3)"
    )
    assert outcome("alice", "bob", 71) == "InsufficientFunds", (
        "insufficient funds (2) comes before a reused id (3)"
    )
    assert outcome("alice", "bob", 70) == "DuplicateTransfer", (
        "both accounts exist and 70 is affordable: the reused id (3) cancels the transaction"
    )
    assert rival.get_account("alice").balance == 70


@pytest.mark.spec("Transfers")
@pytest.mark.parametrize(
    ("source", "target", "amount"),
    [("alice", "bob", 0), ("alice", "bob", -5), ("alice", "".join(["al", "ice"]), 10)],
    ids=["zero", "negative", "same-account"],
)
def test_invalid_transfers_make_no_call(
    two: Bank, rec: BotoRecorder, source: str, target: str, amount: int
) -> None:
    rec.clear()
    with pytest.raises(ValueError):
        two.transfer("t-1", source, target, amount, at=1)
    assert rec.calls == [], "rejected before any call"


# -- Pagination -------------------------------------------------------------------------


@pytest.fixture
def history(two: Bank) -> Bank:
    """alice's transfers t1..t5 at 100, 999, 1000, 5000, 20000 (t3 is bob's to alice)."""
    two.open_account("carol", "Carol", 100)
    two.transfer("t1", "alice", "bob", 1, at=100)
    two.transfer("t2", "alice", "carol", 2, at=999)
    two.transfer("t3", "bob", "alice", 3, at=1000)
    two.transfer("c1", "carol", "bob", 4, at=1500)  # not alice's
    two.transfer("t4", "alice", "bob", 5, at=5000)
    two.transfer("t5", "carol", "alice", 6, at=20000)
    return two


@pytest.mark.spec("Pagination")
@pytest.mark.weight(2)
def test_pages_newest_first(history: Bank) -> None:
    first = history.transfers("alice", limit=2)
    assert ids(first) == ["t5", "t4"], "newest first (at descending)"
    assert isinstance(first.cursor, str)
    second = history.transfers("alice", limit=2, cursor=first.cursor)
    assert ids(second) == ["t3", "t2"], "at=1000 is newer than at=999: pad the sort key"
    assert second.cursor is not None
    third = history.transfers("alice", limit=2, cursor=second.cursor)
    assert third == Page([Transfer("t1", "alice", "bob", 1, 100)], None)


@pytest.mark.spec("Pagination")
def test_a_page_holds_transfers_in_and_out(history: Bank) -> None:
    page = history.transfers("bob", limit=100)
    assert page == Page(
        [
            Transfer("t4", "alice", "bob", 5, 5000),
            Transfer("c1", "carol", "bob", 4, 1500),
            Transfer("t3", "bob", "alice", 3, 1000),
            Transfer("t1", "alice", "bob", 1, 100),
        ],
        None,
    )
    assert ids(history.transfers("alice")) == ["t5", "t4", "t3", "t2", "t1"], "default limit 10"


@pytest.mark.spec("Pagination")
@pytest.mark.weight(2)
def test_a_transfer_made_between_pages_is_neither_repeated_nor_skipped(history: Bank) -> None:
    first = history.transfers("alice", limit=2)
    history.transfer("t6", "alice", "bob", 1, at=30000)  # newer: it belongs on page 1
    second = history.transfers("alice", limit=2, cursor=first.cursor)
    assert ids(second) == ["t3", "t2"], "continue after the last item of page 1, not at an offset"


@pytest.mark.spec("Pagination")
def test_limit_is_the_query_limit(history: Bank, rec: BotoRecorder) -> None:
    rec.clear()
    history.transfers("alice", limit=3)
    history.transfers(account_id="alice")
    assert [c.params.get("Limit") for c in rec.named("Query")] == [3, 10]
    assert "ExclusiveStartKey" not in rec.calls[0].params


@pytest.mark.spec("Pagination")
def test_an_account_without_transfers_has_an_empty_page(two: Bank) -> None:
    assert two.transfers("alice") == Page([], None)


@pytest.mark.spec("Pagination")
def test_a_foreign_cursor_is_invalid(history: Bank) -> None:
    bobs = history.transfers("bob", limit=1).cursor
    assert bobs is not None
    with pytest.raises(InvalidCursor):
        history.transfers("alice", limit=1, cursor=bobs)
    for junk in ("not-a-cursor", "", "eyJwayI6IDF9"):  # the last is base64 of {"pk": 1}
        with pytest.raises(ValueError):  # InvalidCursor is a ValueError
            history.transfers("alice", limit=1, cursor=junk)


@pytest.mark.spec("Pagination")
@pytest.mark.parametrize("limit", [0, 101], ids=["0", "101"])
def test_limit_out_of_range(two: Bank, limit: int) -> None:
    with pytest.raises(ValueError):
        two.transfers("alice", limit=limit)


@pytest.mark.spec("Pagination")
def test_limits_at_the_bounds(history: Bank) -> None:
    assert ids(history.transfers("alice", limit=1)) == ["t5"]
    assert len(history.transfers("alice", limit=100).items) == 5


# -- Balances, times and unknown accounts -----------------------------------------------


@pytest.mark.spec("Optimistic locking")
def test_save_rejects_a_negative_balance(bank: Bank, rival: Bank, rec: BotoRecorder) -> None:
    opened = bank.open_account("alice", "Alice", 100)
    rec.clear()
    with pytest.raises(ValueError):
        bank.save(replace(opened, balance=-1))
    assert rec.calls == [], "a negative balance is rejected before any call"
    assert rival.get_account("alice") == opened, "a balance never goes negative"
    assert bank.save(replace(opened, balance=0)) == Account("alice", "Alice", 0, 2), (
        "a balance of 0 is allowed"
    )


@pytest.mark.spec("Transfers")
def test_the_source_is_named_when_neither_account_exists(two: Bank, rival: Bank) -> None:
    with pytest.raises(AccountNotFound) as raised:
        two.transfer("t-1", "ghost", "phantom", 10, at=1)
    assert raised.value.args[0] == "ghost", (
        "when neither account exists, AccountNotFound names the source"
    )
    unchanged(rival)


@pytest.mark.spec("Transfers")
@pytest.mark.parametrize("at", [-1, 10**15, 10**16], ids=["negative", "16-digits", "17-digits"])
def test_a_time_out_of_range_makes_no_call(two: Bank, rec: BotoRecorder, at: int) -> None:
    rec.clear()
    with pytest.raises(ValueError):
        two.transfer("t-1", "alice", "bob", 10, at=at)
    assert rec.calls == [], "at must be 0 <= at < 10**15: rejected before any call"


@pytest.mark.spec("Transfers")
def test_times_at_the_bounds_are_listed_in_order(two: Bank, rival: Bank) -> None:
    two.transfer("first", "alice", "bob", 1, at=0)
    two.transfer("last", "alice", "bob", 1, at=10**15 - 1)
    two.transfer("middle", "bob", "alice", 1, at=10**14)
    assert ids(rival.transfers("alice")) == ["last", "middle", "first"], (
        "at = 0 and at = 10**15 - 1 are valid, and the newest is first"
    )
    assert rival.transfers("bob").items[0] == Transfer("last", "alice", "bob", 1, 10**15 - 1)


@pytest.mark.spec("Pagination")
def test_an_unknown_account_has_an_empty_page(two: Bank, rec: BotoRecorder) -> None:
    rec.clear()
    assert two.transfers("ghost") == Page([], None), (
        "an unknown account, like one without transfers, gives an empty page, not AccountNotFound"
    )
    assert [c.operation for c in rec.calls] == ["Query"], "one Query, no read of the account"


# -- Retrying: only conflicts -------------------------------------------------------------


class Downstream(Exception):
    """An error of the change function itself, not a conflict."""


@pytest.mark.spec("Retrying")
def test_update_lets_other_errors_propagate_at_once(
    bank: Bank, rival: Bank, rec: BotoRecorder
) -> None:
    bank.open_account("alice", "Alice", 100)
    calls: list[int] = []

    def failing(account: Account) -> Account:
        calls.append(account.version)
        raise Downstream("the fraud check is down")

    rec.clear()
    with pytest.raises(Downstream):
        bank.update("alice", failing)
    assert calls == [1], "only a ConflictError is retried: any other error propagates at once"
    assert [c for c in rec.calls if is_write(c)] == [], "nothing is written"
    with pytest.raises(ValueError):
        bank.update("alice", lambda a: replace(a, balance=-1))  # save's ValueError
    rec.clear()
    with pytest.raises(AccountNotFound):
        bank.update("bob", double)
    assert [c.operation for c in rec.calls] == ["GetItem"], (
        "AccountNotFound is not a conflict: one read, no retry"
    )
    assert rival.get_account("alice") == Account("alice", "Alice", 100, 1)
