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
from collections.abc import Iterator
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


def _first_difference(actual: Any, expected: Any) -> str | None:
    """Where two sequences or mappings first differ, in words."""
    if isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple)):
        for i, (a, e) in enumerate(zip(actual, expected)):
            if a != e:
                return f"first difference at index {i}: expected {saferepr(e)}, got {saferepr(a)}"
        if len(actual) != len(expected):
            return f"lengths differ: expected {len(expected)} items, got {len(actual)}"
    if isinstance(actual, dict) and isinstance(expected, dict):
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        changed = [k for k in expected if k in actual and actual[k] != expected[k]]
        parts = []
        if missing:
            parts.append(f"missing keys {saferepr(missing)}")
        if extra:
            parts.append(f"unexpected keys {saferepr(extra)}")
        if changed:
            k = changed[0]
            parts.append(f"{k!r}: expected {saferepr(expected[k])}, got {saferepr(actual[k])}")
        return "; ".join(parts) or None
    return None


def pytest_assertrepr_compare(config: pytest.Config, op: str, left: Any, right: Any) -> list[str]:
    """Explain a failed ``actual == expected`` as expected against actual.

    Kata tests write the value under test on the left and the truth on the
    right, so a learner reads what was expected before what they produced.
    """
    if op not in ("==", "is"):
        return []
    lines = [
        f"{saferepr(left)} {op} {saferepr(right)}",
        f"expected: {saferepr(right, 200)}",
        f"actual:   {saferepr(left, 200)}",
    ]
    difference = _first_difference(left, right)
    if difference:
        lines.append(difference)
    return lines


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
