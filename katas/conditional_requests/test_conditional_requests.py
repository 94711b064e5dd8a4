"""Tests for the conditional requests kata.

Every expectation comes from RFC 9110 (HTTP Semantics) or RFC 6585, cited in
each test's docstring; expected ETags are computed here with hashlib from the
bytes the test sent. Racing writes are forced with ``check_interleavings``:
the second request runs at every point of the first where the app's lock is
not held.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

import conditional_requests
from conditional_requests import create_app
from grader.kata_support import Outcome, check_interleavings, problem_details

DOC = b'{"title": "draft", "tags": ["a", "b"]}'
NEW = b'{"title": "final", "tags": ["a"]}'


def etag_of(content: bytes) -> str:
    return f'"{hashlib.sha256(content).hexdigest()}"'


def create(client: TestClient, doc_id: str = "a", content: bytes = DOC) -> str:
    response = client.put(f"/docs/{doc_id}", content=content)
    assert response.status_code == 201, f"creating a document: {response.status_code}"
    return response.headers["etag"]


def assert_problem(response, status: int, title: str) -> None:
    problem = problem_details(response, status)
    assert problem.get("type") == "about:blank" and problem.get("title") == title, problem
    assert isinstance(problem.get("detail"), str), "the problem needs a detail string"


# --- ETag ------------------------------------------------------------------------


@pytest.mark.spec("ETag")
def test_get_serves_the_stored_bytes_with_a_strong_quoted_etag() -> None:
    """RFC 9110 §8.8.3: ETag = entity-tag, a quoted string; strong when there is no W/."""
    client = TestClient(create_app())
    create(client)
    response = client.get("/docs/a")
    assert response.status_code == 200
    assert response.content == DOC, "the document is served exactly as it was stored"
    assert response.headers["content-type"].startswith("application/json")
    etag = response.headers.get("etag")
    assert etag is not None, "a 200 response carries the ETag"
    assert re.fullmatch(r'"[0-9a-f]{64}"', etag), (
        f'the ETag is the hex SHA-256 in double quotes, e.g. "ab12…", got {etag!r}'
    )
    assert etag == etag_of(DOC)


@pytest.mark.spec("ETag")
def test_put_responses_carry_the_new_etag() -> None:
    """RFC 9110 §9.3.4: the content is stored untransformed, so the PUT response may and
    here must carry the new validator."""
    client = TestClient(create_app())
    created = client.put("/docs/a", content=DOC)
    assert created.status_code == 201
    assert created.headers.get("etag") == etag_of(DOC)
    assert created.content == DOC
    replaced = client.put("/docs/a", content=NEW, headers={"If-Match": etag_of(DOC)})
    assert replaced.status_code == 200
    assert replaced.headers.get("etag") == etag_of(NEW)
    assert client.get("/docs/a").headers["etag"] == etag_of(NEW)


@pytest.mark.spec("ETag")
def test_etag_follows_the_bytes() -> None:
    """RFC 9110 §8.8.1: a strong validator changes whenever the representation data
    changes, and identical content keeps it."""
    client = TestClient(create_app())
    etag = create(client)
    same = client.put("/docs/a", content=DOC, headers={"If-Match": etag})
    assert same.status_code == 200
    assert same.headers["etag"] == etag, "byte-identical content keeps its ETag"
    respaced = b'{"tags":["a","b"],"title":"draft"}'  # same JSON object, other bytes
    changed = client.put("/docs/a", content=respaced, headers={"If-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] == etag_of(respaced) != etag, (
        "other bytes are another representation: a strong ETag must change"
    )
    assert client.get("/docs/a").content == respaced


# --- Reading ---------------------------------------------------------------------


@pytest.mark.spec("Reading")
def test_unknown_document_is_a_404_problem() -> None:
    client = TestClient(create_app())
    assert_problem(client.get("/docs/nope"), 404, "Not Found")


@pytest.mark.spec("Reading")
def test_matching_if_none_match_gives_304_with_etag_and_no_body() -> None:
    """RFC 9110 §13.1.2 and §15.4.5: 304 carries the ETag a 200 would have, and no content."""
    client = TestClient(create_app())
    etag = create(client)
    response = client.get("/docs/a", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.headers.get("etag") == etag, "a 304 must carry the ETag"
    assert response.content == b"", "a 304 response has no body"


@pytest.mark.spec("Reading")
def test_if_none_match_uses_weak_comparison() -> None:
    """RFC 9110 §13.1.2: If-None-Match uses the weak comparison, so W/"x" matches "x"."""
    client = TestClient(create_app())
    etag = create(client)
    response = client.get("/docs/a", headers={"If-None-Match": f"W/{etag}"})
    assert response.status_code == 304, "W/ must be ignored when comparing for If-None-Match"
    assert response.content == b""


@pytest.mark.spec("Reading")
@pytest.mark.parametrize(
    "template",
    ['"nope", {etag}', '"x",W/"y" , {etag} ,"z"', 'W/"old", W/{etag}', '"a,b", {etag}'],
    ids=["second", "middle-no-spaces", "weak-in-list", "comma-inside-a-tag"],
)
def test_if_none_match_list(template: str) -> None:
    """RFC 9110 §13.1.2: the field is a list of entity tags; any match counts."""
    client = TestClient(create_app())
    etag = create(client)
    header = template.format(etag=etag)
    response = client.get("/docs/a", headers={"If-None-Match": header})
    assert response.status_code == 304, f"If-None-Match: {header} lists the current ETag"


@pytest.mark.spec("Reading")
@pytest.mark.parametrize(
    "header", ['"nope"', '"nope", W/"also-not"', 'W/"0"'], ids=["one", "list", "weak"]
)
def test_if_none_match_without_a_match_gives_the_document(header: str) -> None:
    client = TestClient(create_app())
    create(client)
    response = client.get("/docs/a", headers={"If-None-Match": header})
    assert response.status_code == 200
    assert response.content == DOC


@pytest.mark.spec("Reading")
def test_if_none_match_star() -> None:
    """RFC 9110 §13.1.2: "*" is false when a current representation exists."""
    client = TestClient(create_app())
    create(client)
    assert client.get("/docs/a", headers={"If-None-Match": "*"}).status_code == 304
    assert_problem(client.get("/docs/b", headers={"If-None-Match": "*"}), 404, "Not Found")


@pytest.mark.spec("Reading")
@pytest.mark.parametrize("header", ["If-Match", "If-None-Match"])
def test_unknown_document_is_404_whatever_the_preconditions(header: str) -> None:
    """RFC 9110 §13.2.1: preconditions are ignored when the response without them would not
    be a 2xx — a GET of a missing document is 404, even with If-Match: * (false)."""
    client = TestClient(create_app())
    for value in ("*", '"nope"'):
        assert_problem(client.get("/docs/nope", headers={header: value}), 404, "Not Found")


@pytest.mark.spec("Reading")
def test_get_with_a_false_if_match_is_412() -> None:
    """RFC 9110 §13.1.1: the method is not performed when If-Match is false."""
    client = TestClient(create_app())
    etag = create(client)
    assert client.get("/docs/a", headers={"If-Match": etag}).status_code == 200
    assert_problem(
        client.get("/docs/a", headers={"If-Match": '"stale"'}), 412, "Precondition Failed"
    )


# --- Writing ---------------------------------------------------------------------


@pytest.mark.spec("Writing")
def test_put_creates_without_preconditions() -> None:
    """RFC 9110 §9.3.4 and §15.3.2: a PUT that creates the resource answers 201."""
    client = TestClient(create_app())
    response = client.put("/docs/new", content=DOC)
    assert response.status_code == 201
    assert client.get("/docs/new").content == DOC


@pytest.mark.spec("Writing")
def test_if_none_match_star_creates_only_once() -> None:
    """RFC 9110 §13.1.2: If-None-Match: * prevents a PUT from overwriting an existing
    representation."""
    client = TestClient(create_app())
    first = client.put("/docs/a", content=DOC, headers={"If-None-Match": "*"})
    assert first.status_code == 201
    assert_problem(
        client.put("/docs/a", content=NEW, headers={"If-None-Match": "*"}),
        412,
        "Precondition Failed",
    )
    assert client.get("/docs/a").content == DOC


@pytest.mark.spec("Writing")
def test_put_without_if_match_on_an_existing_document_is_428() -> None:
    """RFC 6585 §3: 428 Precondition Required — the origin requires a conditional request,
    which prevents the lost update."""
    client = TestClient(create_app())
    create(client)
    assert_problem(client.put("/docs/a", content=NEW), 428, "Precondition Required")
    assert client.get("/docs/a").content == DOC, "a 428 must not change the document"


@pytest.mark.spec("Writing")
def test_put_with_the_current_etag_replaces() -> None:
    client = TestClient(create_app())
    etag = create(client)
    response = client.put("/docs/a", content=NEW, headers={"If-Match": etag})
    assert response.status_code == 200
    assert client.get("/docs/a").content == NEW


@pytest.mark.spec("Writing")
def test_put_with_a_stale_etag_is_412() -> None:
    """RFC 9110 §13.1.1 and §15.5.13: If-Match false → 412, nothing changes."""
    client = TestClient(create_app())
    create(client)
    response = client.put("/docs/a", content=NEW, headers={"If-Match": etag_of(b"{}")})
    assert_problem(response, 412, "Precondition Failed")
    assert client.get("/docs/a").content == DOC


@pytest.mark.spec("Writing")
def test_if_match_uses_strong_comparison() -> None:
    """RFC 9110 §13.1.1 and §8.8.3.2: If-Match uses the strong comparison, so a weak tag
    never matches — not even W/ plus the current tag."""
    client = TestClient(create_app())
    etag = create(client)
    response = client.put("/docs/a", content=NEW, headers={"If-Match": f"W/{etag}"})
    assert_problem(response, 412, "Precondition Failed")
    assert client.get("/docs/a").content == DOC


@pytest.mark.spec("Writing")
def test_if_match_list() -> None:
    """RFC 9110 §13.1.1: true if any listed entity tag matches."""
    client = TestClient(create_app())
    etag = create(client)
    response = client.put("/docs/a", content=NEW, headers={"If-Match": f'"old", {etag}'})
    assert response.status_code == 200


@pytest.mark.spec("Writing")
def test_if_match_star() -> None:
    """RFC 9110 §13.1.1: "*" is true when a current representation exists, false otherwise."""
    client = TestClient(create_app())
    create(client)
    assert client.put("/docs/a", content=NEW, headers={"If-Match": "*"}).status_code == 200
    assert_problem(
        client.put("/docs/b", content=NEW, headers={"If-Match": "*"}), 412, "Precondition Failed"
    )
    assert client.get("/docs/b").status_code == 404


@pytest.mark.spec("Writing")
def test_lost_update_is_prevented() -> None:
    """RFC 9110 §13.1.1: two clients read the same version; the second write fails with 412
    instead of silently overwriting the first."""
    client = TestClient(create_app())
    create(client)
    alice = client.get("/docs/a").headers["etag"]
    bob = client.get("/docs/a").headers["etag"]
    alice_put = client.put("/docs/a", content=b'{"by": "alice"}', headers={"If-Match": alice})
    assert alice_put.status_code == 200
    bob_put = client.put("/docs/a", content=b'{"by": "bob"}', headers={"If-Match": bob})
    assert_problem(bob_put, 412, "Precondition Failed")
    assert client.get("/docs/a").content == b'{"by": "alice"}', "Alice's update was lost"


@pytest.mark.spec("Writing")
@pytest.mark.parametrize(
    "content",
    [b"not json", b"[1, 2]", b'"text"', b"", b'{"name": "Zo\xeb"}', b'{"\xff": 1}'],
    ids=["not-json", "list", "string", "empty", "latin-1", "invalid-utf-8"],
)
def test_put_body_must_be_a_json_object(content: bytes) -> None:
    client = TestClient(create_app())
    assert_problem(client.put("/docs/a", content=content), 400, "Bad Request")
    assert client.get("/docs/a").status_code == 404


# --- Evaluation order ------------------------------------------------------------


@pytest.mark.spec("Evaluation order")
def test_if_none_match_star_on_existing_is_412_before_428() -> None:
    """RFC 9110 §13.2.2: If-None-Match is evaluated (false → 412) before the server's own
    requirement of If-Match (428)."""
    client = TestClient(create_app())
    create(client)
    response = client.put("/docs/a", content=NEW, headers={"If-None-Match": "*"})
    assert_problem(response, 412, "Precondition Failed")


@pytest.mark.spec("Evaluation order")
def test_bad_body_is_400_before_preconditions() -> None:
    """RFC 9110 §13.2.1: preconditions are ignored when the request would fail anyway."""
    client = TestClient(create_app())
    create(client)
    response = client.put("/docs/a", content=b"[]", headers={"If-Match": '"stale"'})
    assert_problem(response, 400, "Bad Request")


@pytest.mark.spec("Evaluation order")
def test_a_false_if_match_wins_over_a_matching_if_none_match() -> None:
    """RFC 9110 §13.2.2: If-Match is evaluated first (step 1) and, when false, the answer
    is 412; If-None-Match (step 3) is only evaluated when If-Match is absent or true. A GET
    with a stale If-Match and a matching If-None-Match is 412, not 304."""
    client = TestClient(create_app())
    etag = create(client)
    response = client.get("/docs/a", headers={"If-Match": '"stale"', "If-None-Match": etag})
    assert_problem(response, 412, "Precondition Failed")


@pytest.mark.spec("Evaluation order")
def test_a_true_if_match_goes_on_to_if_none_match() -> None:
    """RFC 9110 §13.2.2: with If-Match true, If-None-Match is evaluated next: a match is 304
    for GET and 412 for PUT, and nothing is stored."""
    client = TestClient(create_app())
    etag = create(client)
    both = {"If-Match": etag, "If-None-Match": f"W/{etag}"}
    response = client.get("/docs/a", headers=both)
    assert response.status_code == 304
    assert response.content == b""
    assert_problem(client.put("/docs/a", content=NEW, headers=both), 412, "Precondition Failed")
    assert client.get("/docs/a").content == DOC


@pytest.mark.spec("Writing")
def test_non_ascii_utf8_is_stored_as_sent() -> None:
    """RFC 8259 §8.1: JSON is UTF-8; the bytes are stored and hashed as received."""
    client = TestClient(create_app())
    content = '{"name": "Zoë", "city": "Zürich"}'.encode()
    assert client.put("/docs/u", content=content).headers.get("etag") == etag_of(content)
    assert client.get("/docs/u").content == content


# --- Atomic check and write --------------------------------------------------------

RACES = {
    # name: (headers of both racing PUTs, document created first or None, statuses wanted)
    "same-if-match": ({"If-Match": etag_of(DOC)}, DOC, [200, 412]),
    "if-none-match-star": ({"If-None-Match": "*"}, None, [201, 412]),
    "blind-create": ({}, None, [201, 428]),
}


@pytest.mark.spec("Evaluation order")
@pytest.mark.weight(2)
@pytest.mark.parametrize("race", list(RACES))
def test_the_check_and_the_write_are_atomic(race: str) -> None:
    """RFC 9110 §13.1.1 (the lost-update problem): of two PUTs that race with the same
    precondition, exactly one succeeds. The second request is run at every point of the
    first where the app's lock is not held; the document is the winner's."""
    headers, existing, statuses = RACES[race]
    bodies = {"first": b'{"by": "first"}', "second": b'{"by": "second"}'}

    def setup() -> Any:
        app = create_app()
        if existing is not None:
            create(TestClient(app), content=existing)
        return app

    def put(name: str) -> Any:
        return lambda app: TestClient(app).put("/docs/a", content=bodies[name], headers=headers)

    def check(app: Any, first: Outcome, second: Outcome) -> None:
        responses = {"first": first.get(), "second": second.get()}
        got = sorted(r.status_code for r in responses.values())
        assert got == statuses, f"two racing PUTs ({race}): one must win, got {got}"
        winner = next(n for n, r in responses.items() if r.status_code == statuses[0])
        assert TestClient(app).get("/docs/a").content == bodies[winner]

    check_interleavings(conditional_requests, setup, put("first"), put("second"), check)
