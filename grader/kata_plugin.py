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
               each test; on a real server each test claims a database of its
               own, so runs that share the server never flush each other's.
"""

from __future__ import annotations

import functools
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

DIFF_LEGEND = "- expected, + yours, ? where a line differs"
"""pytest's diffs in the learner's terms. pytest diffs the right side (the truth, in a kata
test) against the left (the value under test): its own legend reads "-: missing in left
side, +: extra in left side", so - is the expected value and + the learner's."""

_PYTEST_LEGEND = "Full diff: (-: missing in left side, +: extra in left side)"


def _with_legend(lines: list[str], text_diff: bool) -> list[str]:
    """The explanation with the diff's legend said once, in the learner's terms.

    pytest's own legend of a sequence or dict diff is replaced; a diff of two
    strings (which pytest gives no legend) gets one before its first line.
    """
    if _PYTEST_LEGEND in lines:
        return [f"Full diff ({DIFF_LEGEND}):" if line == _PYTEST_LEGEND else line for line in lines]
    if not text_diff:
        return lines
    for i, line in enumerate(lines[1:], start=1):
        if line in ("-", "+") or line.startswith(("- ", "+ ", "? ", "  ")):
            return [*lines[:i], f"Diff ({DIFF_LEGEND}):", *lines[i:]]
    return lines


@pytest.hookimpl(wrapper=True)
def pytest_assertrepr_compare(
    config: pytest.Config, op: str, left: Any, right: Any
) -> Generator[None, list[list[str] | None], list[list[str] | None]]:
    """Keep pytest's explanation of a failed comparison; add expected/actual for short values.

    pytest explains ``==`` with diffs (strings line by line, the items of sets
    and dicts that differ, the first differing index of sequences); that is
    kept whole, its diff's legend said in the learner's terms (``DIFF_LEGEND``).
    Kata tests write the value under test on the left and the truth on the
    right, so for values short enough to read at a glance the learner also
    sees what was expected before what they produced.
    """
    results: list[list[str] | None] = yield
    if op not in ("==", "is"):
        return results
    text_diff = op == "==" and isinstance(left, str) and isinstance(right, str)
    results = [_with_legend(r, text_diff) if r else r for r in results]
    expected, actual = saferepr(right, SHORT + 1), saferepr(left, SHORT + 1)
    if len(expected) > SHORT or len(actual) > SHORT:
        return results  # long values: pytest's diff says where they differ
    ours = [f"expected: {expected}", f"actual:   {actual}"]
    explained = next((r for r in results if r), None)
    if explained is None:
        return [[f"{saferepr(left)} {op} {saferepr(right)}", *ours]]
    return [[explained[0], *ours, *explained[1:]]]


CLAIM_KEY = "kata:grader:database:{}"
"""Where, in ``REDIS_URL``'s own database, a test claims the database it uses."""
CLAIM_SECONDS = 900  # a claim outlives any test; a killed test's claim expires
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end"


def _claim_database(url: str) -> tuple[Any, Any]:
    """A client on a database of ``url``'s server that no other test is using.

    Tests flush their database, so two runs sharing a server (the learner's code
    and the reference graded side by side, two katas, two machines) must never
    share one. Each test claims a free database with ``SET … NX EX`` in the URL's
    own database and gives it back with a compare-and-delete. A server with a
    single database (``databases 1``) is used as it is.
    """
    import secrets

    import redis as redis_py

    home = redis_py.Redis.from_url(url, decode_responses=True)
    base = home.connection_pool.connection_kwargs.get("db", 0)
    try:
        count = int(home.config_get("databases").get("databases") or 16)
    except redis_py.ResponseError:  # CONFIG disabled: assume the default
        count = 16
    token = secrets.token_hex(8)
    for db in (d for d in range(count) if d != base):
        if home.set(CLAIM_KEY.format(db), token, nx=True, ex=CLAIM_SECONDS):
            pool = home.connection_pool  # from_url lets the URL's /db win over db=
            kwargs = {**pool.connection_kwargs, "db": db}
            client = redis_py.Redis(
                connection_pool=redis_py.ConnectionPool(pool.connection_class, **kwargs)
            )
            return client, functools.partial(home.eval, _RELEASE, 1, CLAIM_KEY.format(db), token)
    if count > 1:
        raise RuntimeError(f"every database of {url} is in use by other tests")
    return home, lambda: None


@pytest.fixture
def redis() -> Iterator[Any]:
    """A Redis client: real when ``REDIS_URL`` is set, fakeredis otherwise."""
    url = os.environ.get("REDIS_URL")
    release = None
    if url:
        client, release = _claim_database(url)
    else:
        import fakeredis

        client = fakeredis.FakeRedis(decode_responses=True)
    client.flushdb()
    try:
        yield client
    finally:
        client.flushdb()
        client.close()
        if release is not None:
            release()
