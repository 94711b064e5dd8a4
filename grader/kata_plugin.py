"""The pytest plugin every kata's tests run with.

It registers the kata markers, provides the shared fixtures, and adds each
test's spec section, weight and line to the pytest-json-report entry so the
grader can explain a failure without re-reading the test file.

Markers:
    ``@pytest.mark.spec("Heading")``  the README section the test checks.
    ``@pytest.mark.weight(2)``        the test's share of the kata's points
                                      (1 by default).
Fixtures:
    ``redis``  a ``redis.Redis``-compatible client with ``decode_responses=True``:
               fakeredis (Lua scripting included) by default, a real server when
               ``REDIS_URL`` is set. The database is flushed before and after
               each test.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from typing import Any

import pytest


def saferepr(obj: Any, maxsize: int = 80) -> str:
    """``repr`` that never raises and keeps the middle out of long values."""
    try:
        text = repr(obj)
    except Exception as exc:
        text = f"<{type(obj).__name__} object; repr raised {exc!r}>"
    if len(text) <= maxsize:
        return text
    keep = (maxsize - 3) // 2
    return f"{text[:keep]}...{text[-keep:]}"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "spec(section): the README section this test checks")
    config.addinivalue_line("markers", "weight(n): this test's share of the kata's points")


def test_metadata(item: pytest.Item) -> dict[str, Any]:
    """Spec section, weight and source line of a collected test."""
    spec = item.get_closest_marker("spec")
    weight = item.get_closest_marker("weight")
    _, lineno, _ = item.location
    return {
        "spec": spec.args[0] if spec and spec.args else None,
        "weight": float(weight.args[0]) if weight and weight.args else 1.0,
        "line": (lineno or 0) + 1,
    }


@pytest.hookimpl(optionalhook=True)
def pytest_json_runtest_metadata(item: pytest.Item, call: pytest.CallInfo[None]) -> dict:
    """pytest-json-report hook: attach the kata metadata to every test entry."""
    if call.when != "setup":
        return {}
    return test_metadata(item)


SHORT = 60
"""Longest repr shown whole as expected/actual; pytest's diff explains longer values."""


@pytest.hookimpl(wrapper=True)
def pytest_assertrepr_compare(
    config: pytest.Config, op: str, left: Any, right: Any
) -> Generator[None, list[list[str] | None], list[list[str] | None]]:
    """Keep pytest's explanation of a failed comparison; add expected/actual for short values.

    pytest explains ``==`` with diffs (strings line by line, the items of sets
    and dicts that differ, the first differing index of sequences); that is
    kept whole. Kata tests write the value under test on the left and the
    truth on the right, so for values short enough to read at a glance the
    learner also sees what was expected before what they produced.
    """
    results: list[list[str] | None] = yield
    if op not in ("==", "is"):
        return results
    expected, actual = saferepr(right, SHORT + 1), saferepr(left, SHORT + 1)
    if len(expected) > SHORT or len(actual) > SHORT:
        return results  # long values: pytest's diff says where they differ
    ours = [f"expected: {expected}", f"actual:   {actual}"]
    explained = next((r for r in results if r), None)
    if explained is None:
        return [[f"{saferepr(left)} {op} {saferepr(right)}", *ours]]
    return [[explained[0], *ours, *explained[1:]]]


@pytest.fixture
def redis() -> Iterator[Any]:
    """A Redis client: real when ``REDIS_URL`` is set, fakeredis otherwise."""
    url = os.environ.get("REDIS_URL")
    if url:
        import redis as redis_py

        client = redis_py.Redis.from_url(url, decode_responses=True)
    else:
        import fakeredis

        client = fakeredis.FakeRedis(decode_responses=True)
    client.flushdb()
    try:
        yield client
    finally:
        client.flushdb()
        client.close()
