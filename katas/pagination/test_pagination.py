"""Tests for the keyset pagination kata.

The expected order of every walk is computed in the test with ``sorted`` on
the (created_at, id) keyset. Link headers are parsed with a small RFC 8288 §3
parser written here; problem responses are checked against RFC 9457 §3 and
§4.2.1.
"""

from __future__ import annotations

import base64
import binascii
import random
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

import pagination
from grader.kata_support import problem_details, spy_compare_digest
from pagination import create_app

BASE = "http://testserver/items"


def keyset(item: dict[str, Any]) -> tuple[Any, int]:
    return (item["created_at"], item["id"])


def make_items(n: int, seed: int = 1, ties: int = 4) -> list[dict[str, Any]]:
    """n items in shuffled order; about ``ties`` items share each created_at."""
    rng = random.Random(seed)
    items = [
        {"id": i, "created_at": 1_700_000_000 + rng.randrange(n // ties + 1), "name": f"item-{i}"}
        for i in rng.sample(range(1, 10 * n + 1), n)
    ]
    rng.shuffle(items)
    return items


# --- RFC 8288 §3 Link header parsing -------------------------------------------

_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_PARAM = rf"\s*;\s*(?P<name>{_TOKEN})\s*(?:=\s*(?P<value>{_QUOTED}|{_TOKEN}))?"
_LINK_VALUE = re.compile(rf"\s*<(?P<target>[^>]*)>(?P<params>(?:{_PARAM})*)\s*(?:,|$)")
_PARAM_RE = re.compile(_PARAM)


def parse_link_header(value: str) -> list[tuple[str, dict[str, str]]]:
    """[(target, {param: value})] for a Link header; rel values are lower-cased."""
    links = []
    pos = 0
    while pos < len(value):
        match = _LINK_VALUE.match(value, pos)
        assert match and match.end() > pos, f"Link header is not RFC 8288 syntax: {value!r}"
        params: dict[str, str] = {}
        for param in _PARAM_RE.finditer(match["params"]):
            raw = param["value"] or ""
            if raw.startswith('"'):
                raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
            params.setdefault(param["name"].lower(), raw)
        if "rel" in params:
            params["rel"] = " ".join(params["rel"].lower().split())
        links.append((match["target"], params))
        pos = match.end()
    return links


def next_link(response) -> str | None:
    """The target of the rel="next" link, or None when there is no Link header."""
    header = response.headers.get("link")
    if header is None:
        return None
    targets = [t for t, p in parse_link_header(header) if "next" in p.get("rel", "").split()]
    assert len(targets) == 1, f'expected one rel="next" link in {header!r}'
    return targets[0]


def assert_problem(response, detail_hint: str = "") -> None:
    """An RFC 9457 problem details response with status 400."""
    body = problem_details(response, 400, detail_hint)
    assert body.get("type") == "about:blank", body
    assert body.get("title") == "Bad Request", "with type about:blank, title is the status phrase"
    assert isinstance(body.get("detail"), str) and body["detail"], body


def walk(client: TestClient, limit: int | None = None) -> list[list[dict[str, Any]]]:
    """All pages, following next_cursor."""
    pages = []
    params: dict[str, Any] = {} if limit is None else {"limit": limit}
    for _ in range(10_000):
        response = client.get("/items", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["items"])
        if body["next_cursor"] is None:
            return pages
        params = {**params, "cursor": body["next_cursor"]}
    raise AssertionError("pagination never ended")


# --- Ordering ------------------------------------------------------------------


@pytest.mark.spec("Ordering")
@pytest.mark.parametrize("limit", [1, 3, 7, 25])
def test_walk_returns_every_item_in_keyset_order(limit: int) -> None:
    items = make_items(60, seed=limit)
    pages = walk(TestClient(create_app(items)), limit)
    got = [item for page in pages for item in page]
    expected = sorted(items, key=keyset)
    assert [i["id"] for i in got] == [i["id"] for i in expected], (
        "items must come in ascending (created_at, id) order, each exactly once"
    )
    assert got == expected, "items are returned unchanged, with all their fields"


@pytest.mark.spec("Ordering")
def test_ties_on_created_at_are_split_across_pages_by_id() -> None:
    # Ten items with the same created_at: every page boundary falls inside the tie.
    items = [{"id": i, "created_at": 5} for i in (9, 2, 7, 4, 10, 1, 8, 3, 6, 5)]
    items += [{"id": 11, "created_at": 4}, {"id": 0, "created_at": 6}]
    pages = walk(TestClient(create_app(items)), 3)
    assert [[i["id"] for i in page] for page in pages] == [
        [11, 1, 2],
        [3, 4, 5],
        [6, 7, 8],
        [9, 10, 0],
    ], "a cursor on created_at alone skips the rest of a tie"


@pytest.mark.spec("Ordering")
def test_iso_8601_created_at_strings() -> None:
    rng = random.Random(7)
    items = [
        {"id": i, "created_at": f"2024-05-{rng.randrange(1, 4):02d}T12:{rng.randrange(3):02d}:00Z"}
        for i in range(1, 41)
    ]
    rng.shuffle(items)
    pages = walk(TestClient(create_app(items)), 6)
    got = [item["id"] for page in pages for item in page]
    assert got == [item["id"] for item in sorted(items, key=keyset)]


# --- Pages ---------------------------------------------------------------------


@pytest.mark.spec("Pages")
def test_default_limit_is_20() -> None:
    items = make_items(45)
    pages = walk(TestClient(create_app(items)))
    assert [len(page) for page in pages] == [20, 20, 5]


@pytest.mark.spec("Pages")
def test_exact_multiple_has_no_empty_last_page() -> None:
    items = make_items(20)
    client = TestClient(create_app(items))
    pages = walk(client, 10)
    assert [len(page) for page in pages] == [10, 10], (
        "next_cursor must be null on a page that no item follows, even a full one"
    )


@pytest.mark.spec("Pages")
def test_empty_list() -> None:
    response = TestClient(create_app([])).get("/items")
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}
    assert "link" not in response.headers


@pytest.mark.spec("Pages")
def test_same_cursor_gives_the_same_page() -> None:
    items = make_items(30)
    client = TestClient(create_app(items))
    cursor = client.get("/items", params={"limit": 8}).json()["next_cursor"]
    first = client.get("/items", params={"limit": 8, "cursor": cursor}).json()
    again = client.get("/items", params={"limit": 8, "cursor": cursor}).json()
    assert first == again
    assert [i["id"] for i in first["items"]] == [i["id"] for i in sorted(items, key=keyset)[8:16]]


# --- Link header ---------------------------------------------------------------


@pytest.mark.spec("Link header")
def test_link_header_points_at_the_next_page() -> None:
    items = make_items(25)
    response = TestClient(create_app(items)).get("/items", params={"limit": 10})
    target = next_link(response)
    assert target is not None, "a page with a next page carries a Link header"
    url = urlsplit(target)
    assert f"{url.scheme}://{url.netloc}{url.path}" == BASE, (
        f"the next link is the absolute URL of /items, got {target!r}"
    )
    query = parse_qs(url.query, keep_blank_values=True)
    assert query == {"limit": ["10"], "cursor": [response.json()["next_cursor"]]}, (
        f"the next link's query is limit=<limit>&cursor=<next_cursor>, got {url.query!r}"
    )


@pytest.mark.spec("Link header")
def test_link_header_carries_the_default_limit() -> None:
    response = TestClient(create_app(make_items(30))).get("/items")
    target = next_link(response)
    assert target is not None
    assert parse_qs(urlsplit(target).query).get("limit") == ["20"], (
        "limit is always in the next link, the default too"
    )


@pytest.mark.spec("Link header")
def test_following_link_headers_walks_all_pages() -> None:
    items = make_items(50, seed=3)
    client = TestClient(create_app(items))
    url: str | None = f"{BASE}?limit=7"
    seen = []
    sizes = []
    while url is not None:
        response = client.get(url)
        assert response.status_code == 200, response.text
        page = response.json()["items"]
        seen += [item["id"] for item in page]
        sizes.append(len(page))
        url = next_link(response)
    assert seen == [item["id"] for item in sorted(items, key=keyset)]
    assert sizes == [7, 7, 7, 7, 7, 7, 7, 1], "following the links must keep limit=7"


@pytest.mark.spec("Link header")
def test_link_header_uses_the_requests_own_origin() -> None:
    """RFC 8288 §3: the target is a URI-Reference; here an absolute URL built from the request
    (scheme and host included), not a host written into the code."""
    client = TestClient(create_app(make_items(30)), base_url="https://api.example.com:8443")
    target = next_link(client.get("/items", params={"limit": 10}))
    assert target is not None
    url = urlsplit(target)
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://api.example.com:8443/items", (
        f"the next link takes the scheme, host and port of the request, got {target!r}"
    )


@pytest.mark.spec("Link header")
def test_link_header_of_a_later_page_has_only_the_new_cursor() -> None:
    """The next link's query is exactly limit and the new cursor: not the cursor this request
    came with, nor the other parameters it carried."""
    items = make_items(30)
    client = TestClient(create_app(items))
    first = client.get("/items", params={"limit": 10}).json()["next_cursor"]
    response = client.get("/items", params={"cursor": first, "limit": "10", "sort": "x"})
    target = next_link(response)
    assert target is not None
    query = parse_qs(urlsplit(target).query, keep_blank_values=True)
    assert query == {"limit": ["10"], "cursor": [response.json()["next_cursor"]]}, (
        f"the next link's query is limit=<limit>&cursor=<next_cursor>, got {target!r}"
    )


@pytest.mark.spec("Link header")
def test_no_link_header_on_the_last_page() -> None:
    items = make_items(12)
    client = TestClient(create_app(items))
    first = client.get("/items", params={"limit": 8})
    last = client.get("/items", params={"limit": 8, "cursor": first.json()["next_cursor"]})
    assert last.json()["next_cursor"] is None
    assert "link" not in last.headers, "the last page has no next link"


# --- Limit ---------------------------------------------------------------------


@pytest.mark.spec("Limit")
@pytest.mark.parametrize(
    "limit",
    [
        "0",
        "101",
        "-1",
        "abc",
        "1.5",
        "",
        "1e2",
        "1_0",
        "+5",
        " 5",
        "5 ",
        "\u0665",
        "\uff15",
        "\u00b2",
        "0x5",
        "9" * 5000,
    ],
    ids=[
        "0",
        "101",
        "-1",
        "abc",
        "1.5",
        "empty",
        "1e2",
        "underscore",
        "plus",
        "leading-space",
        "trailing-space",
        "arabic-indic-5",
        "fullwidth-5",
        "superscript-2",
        "hex",
        "5000-digits",
    ],
)
def test_invalid_limit_is_a_400_problem(limit: str) -> None:
    response = TestClient(create_app(make_items(5))).get("/items", params={"limit": limit})
    assert response.status_code != 422, (
        "FastAPI's default 422 validation error must be turned into a 400 problem"
    )
    assert_problem(response, f"for limit={limit!r}")


@pytest.mark.spec("Limit")
def test_limit_with_leading_zeros_is_still_decimal() -> None:
    items = make_items(30)
    client = TestClient(create_app(items))
    assert len(client.get("/items", params={"limit": "007"}).json()["items"]) == 7
    assert len(client.get("/items", params={"limit": "0100"}).json()["items"]) == 30


@pytest.mark.spec("Limit")
def test_limit_bounds_are_inclusive() -> None:
    items = make_items(150)
    client = TestClient(create_app(items))
    assert len(client.get("/items", params={"limit": 100}).json()["items"]) == 100
    assert len(client.get("/items", params={"limit": 1}).json()["items"]) == 1


# --- Cursors -------------------------------------------------------------------


BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
OTHERS = "A-_~!*."  # replacements for a character outside base64url (a separator, say)


def first_cursor() -> tuple[TestClient, str]:
    client = TestClient(create_app(make_items(40)))
    cursor = client.get("/items", params={"limit": 5}).json()["next_cursor"]
    assert isinstance(cursor, str) and cursor
    return client, cursor


def flip(char: str, bit: int) -> str:
    """The base64url character whose 6-bit value differs from ``char``'s in ``bit``."""
    if char in BASE64URL:
        return BASE64URL[BASE64URL.index(char) ^ (1 << bit)]
    return OTHERS.replace(char, "")[bit]


@pytest.mark.spec("Cursors")
@pytest.mark.parametrize("bit", range(6))
def test_every_bit_of_every_character_is_protected(bit: int) -> None:
    """Each character of the cursor in turn, with one bit of its base64url value flipped:
    every position, every bit, so the low bits of a segment's last character (which
    Python's decoder ignores, RFC 4648 §3.5) are reached on every run."""
    client, cursor = first_cursor()
    for i, char in enumerate(cursor):
        forged = cursor[:i] + flip(char, bit) + cursor[i + 1 :]
        response = client.get("/items", params={"limit": 5, "cursor": forged})
        assert_problem(response, f"for the cursor with character {i} changed ({forged!r})")


@pytest.mark.spec("Cursors")
@pytest.mark.parametrize("change", ["removed", "added-!", "added-="])
def test_a_character_removed_or_added_anywhere_is_rejected(change: str) -> None:
    """Python's base64 decoder skips characters outside its alphabet and takes "=" as
    padding, so a verifier that decodes before it compares accepts, for one, a 43-character
    MAC with "=" appended: the same 32 bytes."""
    client, cursor = first_cursor()
    added = change[-1]
    for i in range(len(cursor) + (change != "removed")):
        forged = (
            cursor[:i] + cursor[i + 1 :] if change == "removed" else cursor[:i] + added + cursor[i:]
        )
        response = client.get("/items", params={"limit": 5, "cursor": forged})
        assert_problem(response, f"for the cursor with character {i} {change} ({forged!r})")


@pytest.mark.spec("Cursors")
def test_cursors_of_every_length_are_accepted() -> None:
    """Keysets whose digits run from 1 to 12 make cursors of every length, so a cursor's
    base64url part needs 0, 1 or 2 "=" of padding to decode (RFC 4648 §5): each one issued
    must be accepted, whatever its length."""
    items = [{"id": int("7" * (1 + i % 5)), "created_at": int("3" * (1 + i))} for i in range(12)]
    pages = walk(TestClient(create_app(items)), 1)
    got = [item for page in pages for item in page]
    assert got == sorted(items, key=keyset), "every next_cursor issued must be accepted"


def b64url_decode(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


@pytest.mark.spec("Cursors")
def test_cursor_mac_is_compared_in_constant_time() -> None:
    """The cursor presented (whole, or any piece of it as text or decoded) must meet the
    expected value in hmac.compare_digest: == leaks, by its timing, how much of a forged
    MAC is right (Python docs, hmac.compare_digest)."""
    items = make_items(30)
    other = TestClient(create_app(items))  # its cursors are signed with another secret
    cursor = other.get("/items", params={"limit": 10}).json()["next_cursor"]
    pieces = [p for p in re.split(r"[^A-Za-z0-9_-]", cursor) if p]
    presented = [cursor, *pieces, *(d for p in pieces if (d := b64url_decode(p)) is not None)]
    client = TestClient(create_app(items))
    with spy_compare_digest(pagination) as spy:
        assert_problem(client.get("/items", params={"limit": 10, "cursor": cursor}))
    spy.assert_checked(presented, what="the cursor's MAC")


@pytest.mark.spec("Cursors")
@pytest.mark.parametrize("cursor", ["garbage", "", "eyJpZCI6IDF9", "a.b.c", "%%%"])
def test_malformed_cursor_is_a_400_problem(cursor: str) -> None:
    response = TestClient(create_app(make_items(5))).get(
        "/items", params={"limit": 2, "cursor": cursor}
    )
    assert_problem(response, f"for cursor={cursor!r}")


@pytest.mark.spec("Cursors")
def test_cursor_from_another_app_instance_is_rejected() -> None:
    items = make_items(30)
    issuer = TestClient(create_app(items))
    other = TestClient(create_app(items))  # same data, a different secret
    cursor = issuer.get("/items", params={"limit": 10}).json()["next_cursor"]
    assert issuer.get("/items", params={"limit": 10, "cursor": cursor}).status_code == 200
    assert_problem(
        other.get("/items", params={"limit": 10, "cursor": cursor}),
        "for a cursor signed by another app instance",
    )


# --- Errors --------------------------------------------------------------------


@pytest.mark.spec("Errors")
def test_problem_details_document() -> None:
    response = TestClient(create_app(make_items(5))).get("/items", params={"limit": "zero"})
    assert_problem(response)
    assert set(response.json()) >= {"type", "title", "status", "detail"}


# --- Live data -----------------------------------------------------------------


@pytest.mark.spec("Live data")
def test_items_added_before_the_cursor_cause_no_duplicates() -> None:
    items = [{"id": i, "created_at": 100 + i} for i in range(1, 21)]
    client = TestClient(create_app(items))
    first = client.get("/items", params={"limit": 5}).json()
    for i in range(5):  # five new items sort before everything already served
        items.append({"id": 1000 + i, "created_at": 50 + i})
    rest = []
    cursor = first["next_cursor"]
    while cursor is not None:
        body = client.get("/items", params={"limit": 5, "cursor": cursor}).json()
        rest += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
    assert rest == list(range(6, 21)), (
        "items inserted before the cursor must not shift the next page (an OFFSET does)"
    )


@pytest.mark.spec("Live data")
def test_items_added_after_the_cursor_appear_later() -> None:
    items = [{"id": i, "created_at": 100 + i} for i in range(1, 11)]
    client = TestClient(create_app(items))
    first = client.get("/items", params={"limit": 4}).json()
    items.append({"id": 99, "created_at": 104})  # ties with id 4 (already served), larger id
    items.append({"id": 3_000, "created_at": 500})
    items.append({"id": 0, "created_at": 104})  # ties with id 4, smaller id: behind the cursor
    seen = [item["id"] for item in first["items"]]
    cursor = first["next_cursor"]
    while cursor is not None:
        body = client.get("/items", params={"limit": 4, "cursor": cursor}).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
    assert seen == [1, 2, 3, 4, 99, 5, 6, 7, 8, 9, 10, 3_000], (
        "the app must read the live list on every request"
    )


@pytest.mark.spec("Live data")
@pytest.mark.parametrize("seed", [11, 12, 13])
def test_random_insertions_between_pages(seed: int) -> None:
    rng = random.Random(seed)
    items = make_items(80, seed=seed, ties=5)
    client = TestClient(create_app(items))
    # The walk must equal the original items plus those inserted after the cursor at the time.
    expected = list(items)
    served: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": rng.choice([3, 6, 9])}
    next_id = 10_000
    while True:
        body = client.get("/items", params=params).json()
        served += body["items"]
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
        last = keyset(served[-1])
        for _ in range(rng.randrange(4)):
            lo, hi = keyset(min(items, key=keyset))[0], keyset(max(items, key=keyset))[0]
            item = {"id": next_id, "created_at": rng.randint(lo - 2, hi + 2), "name": "new"}
            next_id += 1
            items.append(item)
            if keyset(item) > last:
                expected.append(item)
    served_ids = [item["id"] for item in served]
    assert len(served_ids) == len(set(served_ids)), "an item was returned twice"
    assert served_ids == [item["id"] for item in sorted(expected, key=keyset)], (
        "the walk must contain every original item and every item inserted ahead of the "
        "cursor, in keyset order"
    )
