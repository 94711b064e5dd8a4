"""Tests for the structured logging kata.

Every line is parsed back with json.loads. Timestamps are checked against
the RFC 3339 §5.6 grammar (https://www.rfc-editor.org/rfc/rfc3339#section-5.6)
narrowed to the spec's UTC, three-digit, "Z" form, with the expected instants
worked out by hand from their epoch seconds. Context isolation follows the
documented semantics of contextvars and asyncio (a task runs in a copy of
the context current when it was created; each thread has its own context).
"""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from freezegun import freeze_time

from structured_logging import DEFAULT_REDACT, JsonFormatter, bind

# RFC 3339 §5.6 date-time, restricted to time-secfrac of three digits and "Z".
RFC3339_UTC_MS = re.compile(
    r"(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])-(?P<day>0[1-9]|[12]\d|3[01])"
    r"T(?P<hour>[01]\d|2[0-3]):(?P<minute>[0-5]\d):(?P<second>[0-5]\d|60)"
    r"\.(?P<ms>\d{3})Z"
)

_names = itertools.count()


@dataclass
class Capture:
    """A logger whose output goes through a JsonFormatter into a buffer."""

    logger: logging.Logger
    stream: io.StringIO

    def lines(self) -> list[str]:
        return self.stream.getvalue().splitlines()

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines()]

    def last(self) -> dict[str, Any]:
        return self.records()[-1]


MakeCapture = Callable[..., Capture]


@pytest.fixture
def make_capture() -> Iterator[MakeCapture]:
    handlers: list[tuple[logging.Logger, logging.Handler]] = []

    def make(formatter: logging.Formatter | None = None) -> Capture:
        logger = logging.getLogger(f"kata.structured.{next(_names)}")
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(formatter if formatter is not None else JsonFormatter())
        logger.addHandler(handler)
        handlers.append((logger, handler))
        return Capture(logger, stream)

    yield make
    for logger, handler in handlers:
        logger.removeHandler(handler)


def record_at(created: float, msg: str = "tick") -> logging.LogRecord:
    record = logging.LogRecord("clock", logging.INFO, __file__, 1, msg, None, None)
    record.created = created
    return record


# --- output format ---------------------------------------------------------


@pytest.mark.spec("Output format")
def test_standard_keys(make_capture: MakeCapture) -> None:
    capture = make_capture()
    capture.logger.warning("disk almost full")
    line = capture.last()
    assert line["level"] == "WARNING"
    assert line["logger"] == capture.logger.name
    assert line["message"] == "disk almost full"
    assert RFC3339_UTC_MS.fullmatch(line["timestamp"])
    assert "exception" not in line, "exception is only present when there is one"


@pytest.mark.spec("Output format")
def test_message_is_formatted_with_its_arguments(make_capture: MakeCapture) -> None:
    capture = make_capture()
    capture.logger.info("user %s logged in from %s (%d tries)", "ada", "10.0.0.1", 2)
    assert capture.last()["message"] == "user ada logged in from 10.0.0.1 (2 tries)", (
        "message is record.getMessage(), with the % arguments applied"
    )


@pytest.mark.spec("Output format")
def test_one_line_per_record(make_capture: MakeCapture) -> None:
    capture = make_capture()
    capture.logger.info("first line\nsecond line")
    capture.logger.error("plain")
    assert len(capture.lines()) == 2, "a newline in the message must be escaped, not written"
    assert capture.records()[0]["message"] == "first line\nsecond line"


@pytest.mark.spec("Output format")
def test_exception_is_formatted(make_capture: MakeCapture) -> None:
    capture = make_capture()
    try:
        {}["missing"]
    except KeyError:
        capture.logger.exception("lookup failed")
    assert len(capture.lines()) == 1, "the traceback must not break the line"
    line = capture.last()
    assert line["level"] == "ERROR"
    assert line["message"] == "lookup failed"
    assert line["exception"].startswith("Traceback (most recent call last):")
    assert line["exception"].rstrip().endswith("KeyError: 'missing'")


@pytest.mark.spec("Output format")
@pytest.mark.parametrize(
    "call",
    [
        lambda log: log.error("no exception here", exc_info=True),
        lambda log: log.exception("no exception here"),
        lambda log: log.error("no exception here", exc_info=(None, None, None)),
    ],
    ids=["exc_info-true", "logger-exception", "none-tuple"],
)
def test_no_exception_key_outside_an_except_block(
    make_capture: MakeCapture, call: Callable[[logging.Logger], None]
) -> None:
    # Outside an except block sys.exc_info() is (None, None, None): the record
    # carries no exception, and Formatter.formatException would render
    # "NoneType: None".
    capture = make_capture()
    call(capture.logger)
    line = capture.last()
    assert "exception" not in line, (
        "exc_info=(None, None, None) is not an exception: leave the key out"
    )
    assert sorted(line) == ["level", "logger", "message", "timestamp"]


@pytest.mark.spec("Output format")
def test_an_exception_that_was_never_raised_is_formatted(make_capture: MakeCapture) -> None:
    # logging turns exc_info=<exception> into (type, value, value.__traceback__);
    # an exception never raised has no traceback, and is still an exception.
    capture = make_capture()
    capture.logger.error("rejected", exc_info=ValueError("bad amount"))
    assert capture.last()["exception"] == "ValueError: bad amount"


@pytest.mark.spec("Output format")
def test_keys_json_cannot_encode_are_written_as_str(make_capture: MakeCapture) -> None:
    # json.dumps writes int, float, bool and None keys as "3", "1.5", "true",
    # "null"; a tuple key it cannot write at all: it becomes its str().
    capture = make_capture()
    capture.logger.info("odd keys", extra={"cells": {(1, 2): "a", 3: "b", None: "c", True: "d"}})
    assert capture.last()["cells"] == {"(1, 2)": "a", "3": "b", "null": "c", "true": "d"}


@pytest.mark.spec("Output format")
def test_values_json_cannot_encode_are_written_as_str(make_capture: MakeCapture) -> None:
    capture = make_capture()

    class Widget:
        def __str__(self) -> str:
            return "<widget 7>"

    when = datetime(2024, 1, 2, 3, 4, 5)
    capture.logger.info(
        "odd values",
        extra={"when": when, "amount": Decimal("9.99"), "widget": Widget(), "nested": {"w": when}},
    )
    line = capture.last()
    assert line["when"] == "2024-01-02 03:04:05"
    assert line["amount"] == "9.99"
    assert line["widget"] == "<widget 7>"
    assert line["nested"] == {"w": "2024-01-02 03:04:05"}


# --- timestamps ------------------------------------------------------------


@pytest.mark.spec("Timestamps")
@pytest.mark.parametrize(
    ("created", "expected"),
    [
        (1704067200.125, "2024-01-01T00:00:00.125Z"),  # 2024-01-01 is 19723 days after 1970
        (951782400.5, "2000-02-29T00:00:00.500Z"),  # leap day
        (0.0, "1970-01-01T00:00:00.000Z"),
        # 4095/4096 of a second: truncated to .999, not rounded up to the next second.
        (1704067199.999755859375, "2023-12-31T23:59:59.999Z"),
    ],
)
def test_timestamp_is_utc_with_milliseconds_and_z(created: float, expected: str) -> None:
    line = json.loads(JsonFormatter().format(record_at(created)))
    assert line["timestamp"] == expected
    assert RFC3339_UTC_MS.fullmatch(line["timestamp"]), "RFC 3339 date-time in UTC with 'Z'"


@pytest.mark.spec("Timestamps")
def test_timestamp_ignores_the_local_time_zone() -> None:
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "IST-5:30"  # POSIX TZ: UTC+05:30, no tz database needed
    time.tzset()
    try:
        line = json.loads(JsonFormatter().format(record_at(1704067200.125)))
    finally:
        if saved is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = saved
        time.tzset()
    assert line["timestamp"] == "2024-01-01T00:00:00.125Z", "timestamps are UTC, not local time"


@pytest.mark.spec("Timestamps")
def test_timestamp_comes_from_the_record_clock(make_capture: MakeCapture) -> None:
    capture = make_capture()
    with freeze_time("2024-02-29 23:59:59.5"):
        capture.logger.info("frozen")
    assert capture.last()["timestamp"] == "2024-02-29T23:59:59.500Z"


# --- fields ----------------------------------------------------------------


@pytest.mark.spec("Fields")
def test_extra_fields_are_included(make_capture: MakeCapture) -> None:
    capture = make_capture()
    capture.logger.info("paid", extra={"order_id": 7, "amount": 12.5, "tags": ["a", "b"]})
    line = capture.last()
    assert line["order_id"] == 7
    assert line["amount"] == 12.5
    assert line["tags"] == ["a", "b"]
    for attribute in ("args", "msg", "levelno", "pathname", "lineno", "created", "exc_info"):
        assert attribute not in line, f"standard record attribute {attribute!r} is not a field"


@pytest.mark.spec("Fields")
def test_a_plain_record_has_only_the_standard_keys(make_capture: MakeCapture) -> None:
    # Every attribute of a plain LogRecord (Python docs, "LogRecord
    # attributes", and the ones without a format name: exc_text, stack_info,
    # taskName on 3.12+) is standard, not an extra field.
    capture = make_capture()
    capture.logger.info("plain")
    assert sorted(capture.last()) == ["level", "logger", "message", "timestamp"], (
        "no extra=, no bind(): only the four standard keys (no exc_text, stack_info, …)"
    )


@pytest.mark.spec("Fields")
def test_an_exception_line_has_no_other_record_attribute(make_capture: MakeCapture) -> None:
    capture = make_capture()
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        capture.logger.exception("failed", extra={"order_id": 7})
    line = capture.last()
    assert sorted(line) == ["exception", "level", "logger", "message", "order_id", "timestamp"]


@pytest.mark.spec("Fields")
def test_attributes_other_formatters_add_are_not_fields(make_capture: MakeCapture) -> None:
    # logging.Formatter.format sets record.message and record.asctime on the
    # record itself; a handler that formats the record first leaves them there.
    capture = make_capture()
    plain = logging.StreamHandler(io.StringIO())
    plain.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    capture.logger.handlers.insert(0, plain)
    try:
        capture.logger.warning("seen by two handlers", extra={"order_id": 7})
    finally:
        capture.logger.removeHandler(plain)
    line = capture.last()
    assert "asctime" not in line, "asctime is added by Formatter.format, it is not an extra field"
    assert sorted(line) == ["level", "logger", "message", "order_id", "timestamp"]


@pytest.mark.spec("Fields")
def test_extra_wins_over_context_and_nothing_replaces_standard_keys(
    make_capture: MakeCapture,
) -> None:
    capture = make_capture()
    with bind(user="from-context", request_id="r-1", level="context-level"):
        capture.logger.info("hello", extra={"user": "from-call", "logger": "fake"})
    line = capture.last()
    assert line["user"] == "from-call", "the extra= value is the more specific one"
    assert line["request_id"] == "r-1"
    assert line["level"] == "INFO", "a field named level must not replace the standard key"
    assert line["logger"] == capture.logger.name


# --- context ---------------------------------------------------------------


@pytest.mark.spec("Context")
def test_bind_nests_and_restores(make_capture: MakeCapture) -> None:
    capture = make_capture()
    with bind(request_id="r-1", user="ada"):
        capture.logger.info("start")
        with bind(user="bob", step=2):
            capture.logger.info("inner")
        capture.logger.info("end")
    capture.logger.info("after")
    start, inner, end, after = capture.records()
    assert (start["request_id"], start["user"]) == ("r-1", "ada")
    assert (inner["request_id"], inner["user"], inner["step"]) == ("r-1", "bob", 2)
    assert (end["user"], "step" in end) == ("ada", False), "leaving bind restores the outer one"
    assert not {"request_id", "user", "step"} & after.keys(), "no fields outside any bind"


@pytest.mark.spec("Context")
def test_bind_restores_after_an_exception(make_capture: MakeCapture) -> None:
    capture = make_capture()

    class Boom(Exception):
        pass

    with pytest.raises(Boom), bind(request_id="doomed"):
        raise Boom

    capture.logger.info("later")
    assert "request_id" not in capture.last()


@pytest.mark.spec("Context")
def test_concurrent_tasks_see_only_their_own_fields(make_capture: MakeCapture) -> None:
    capture = make_capture()

    async def handle(request_id: str) -> None:
        with bind(request_id=request_id):
            await asyncio.sleep(0)
            capture.logger.info("start %s", request_id)
            await asyncio.sleep(0)
            capture.logger.info("end %s", request_id)

    async def main() -> None:
        await asyncio.gather(handle("a"), handle("b"), handle("c"))

    asyncio.run(main())
    lines = capture.records()
    assert len(lines) == 6
    for line in lines:
        assert line["request_id"] == line["message"].split()[1], (
            f"{line['message']!r} was logged with request_id={line['request_id']!r}: "
            "bindings leaked between interleaved tasks"
        )


@pytest.mark.spec("Context")
def test_tasks_inherit_the_context_they_were_created_in(make_capture: MakeCapture) -> None:
    capture = make_capture()

    async def child() -> None:
        await asyncio.sleep(0)
        capture.logger.info("child")

    async def main() -> None:
        with bind(request_id="parent-1"):
            task = asyncio.create_task(child())
        await task  # runs after the parent left the with-block

    asyncio.run(main())
    assert capture.last()["request_id"] == "parent-1", (
        "a task keeps the context that was current when it was created"
    )


@pytest.mark.spec("Context")
def test_threads_have_their_own_context(make_capture: MakeCapture) -> None:
    capture = make_capture()
    both_bound = threading.Barrier(2, timeout=5)
    both_logged = threading.Barrier(2, timeout=5)

    def worker(request_id: str) -> None:
        with bind(request_id=request_id):
            both_bound.wait()  # both threads have bound before either logs
            capture.logger.info("work %s", request_id)
            both_logged.wait()  # and neither leaves its block before both logged

    threads = [threading.Thread(target=worker, args=(rid,)) for rid in ("t-1", "t-2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = capture.records()
    assert sorted(line["request_id"] for line in lines) == ["t-1", "t-2"]
    for line in lines:
        assert line["request_id"] == line["message"].split()[1], "bindings leaked between threads"


# --- redaction -------------------------------------------------------------


@pytest.mark.spec("Redaction")
def test_default_keys_are_redacted(make_capture: MakeCapture) -> None:
    capture = make_capture()
    secrets = {name: f"value-of-{name}" for name in DEFAULT_REDACT}
    capture.logger.info("login", extra={"user": "ada", **secrets})
    line = capture.last()
    assert line["user"] == "ada"
    for name in DEFAULT_REDACT:
        assert line[name] == "[REDACTED]", f"{name} must be redacted"
    assert "value-of" not in capture.lines()[0]


@pytest.mark.spec("Redaction")
def test_redaction_is_case_insensitive(make_capture: MakeCapture) -> None:
    capture = make_capture()
    capture.logger.info(
        "headers", extra={"Authorization": "Bearer abc", "API_KEY": "k", "Password": "p"}
    )
    line = capture.last()
    assert line["Authorization"] == "[REDACTED]", "keys compare case-insensitively"
    assert line["API_KEY"] == "[REDACTED]"
    assert line["Password"] == "[REDACTED]"


@pytest.mark.spec("Redaction")
def test_nested_dicts_and_lists_are_redacted_without_touching_the_caller(
    make_capture: MakeCapture,
) -> None:
    capture = make_capture()
    request = {
        "method": "POST",
        "headers": {"Authorization": "Bearer abc", "Accept": "application/json"},
        "body": {"users": [{"name": "ada", "password": "p1"}, ({"token": "t"}, "keep")]},
    }
    capture.logger.info("incoming", extra={"request": request})
    line = capture.last()["request"]
    assert line["method"] == "POST"
    assert line["headers"] == {"Authorization": "[REDACTED]", "Accept": "application/json"}
    assert line["body"]["users"][0] == {"name": "ada", "password": "[REDACTED]"}
    assert line["body"]["users"][1] == [{"token": "[REDACTED]"}, "keep"]
    assert request["headers"]["Authorization"] == "Bearer abc", "redact a copy, not the caller's"
    assert request["body"]["users"][0]["password"] == "p1"


@pytest.mark.spec("Redaction")
def test_bound_context_is_redacted(make_capture: MakeCapture) -> None:
    capture = make_capture()
    with bind(request_id="r-9", Api_Key="k-123"):
        capture.logger.info("call")
    line = capture.last()
    assert line["request_id"] == "r-9"
    assert line["Api_Key"] == "[REDACTED]"


@pytest.mark.spec("Redaction")
def test_custom_redact_set_replaces_the_default(make_capture: MakeCapture) -> None:
    capture = make_capture(JsonFormatter(redact={"SSN", "card"}))
    capture.logger.info("kyc", extra={"ssn": "123-45-6789", "Card": "4111", "password": "shown"})
    line = capture.last()
    assert line["ssn"] == "[REDACTED]"
    assert line["Card"] == "[REDACTED]"
    assert line["password"] == "shown", "redact= replaces the default set"


@pytest.mark.spec("Redaction")
def test_message_text_is_not_redacted(make_capture: MakeCapture) -> None:
    capture = make_capture()
    capture.logger.info("password reset for %s", "ada")
    assert capture.last()["message"] == "password reset for ada"
