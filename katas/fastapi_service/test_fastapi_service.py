"""Tests for the FastAPI service kata.

Requests go through FastAPI's ``TestClient`` (httpx against the ASGI app, the
lifespan run by ``with TestClient(app)``, FastAPI's "Testing" and "Testing
dependencies with overrides" pages). Error bodies are checked against RFC 9457
§3 (members, ``about:blank``, the ``errors`` extension with ``pointer``), the
titles against RFC 9110 §15's reason phrases, the 401 challenge against RFC
6750 §3, pointers against RFC 6901 §6. Stored rows are read back with the
standard library's ``sqlite3``, not through the service.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from fastapi_service import create_app, current_user, router
from grader.kata_support import problem_details


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    app = create_app(tmp_path / "tasks.db")
    app.dependency_overrides[current_user] = lambda: "ada"
    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def as_user(app: FastAPI, user: str) -> None:
    app.dependency_overrides[current_user] = lambda: user


def new_task(client: TestClient, title: str = "t", **fields: object) -> dict:
    response = client.post("/tasks", json={"title": title, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def problem(response, status: int, title: str) -> dict:
    """RFC 9457 §3.1 members, with ``about:blank`` and RFC 9110's phrase as the title."""
    body = problem_details(response, status)
    assert body.get("type") == "about:blank", f"type is 'about:blank': {body}"
    assert body.get("title") == title, f"the title of a {status} is {title!r}: {body}"
    assert isinstance(body.get("detail"), str), f"a problem has a detail string: {body}"
    return body


def where(body: dict) -> set[str]:
    """The places a 422 problem's ``errors`` name."""
    errors = body.get("errors")
    assert isinstance(errors, list) and errors, f"a 422 problem lists its errors: {body}"
    for error in errors:
        assert isinstance(error.get("detail"), str), f"each error has a detail string: {error}"
    return {
        e.get("pointer", "") if "pointer" in e else "param:" + str(e.get("parameter"))
        for e in errors
    }


# --- API -------------------------------------------------------------------------


@pytest.mark.spec("API")
def test_create_returns_201_location_and_the_task(client: TestClient) -> None:
    response = client.post("/tasks", json={"title": "write spec", "priority": 2, "tags": ["docs"]})
    assert response.status_code == 201, response.text
    task = response.json()
    assert isinstance(task.get("id"), int), f"the service assigns an integer id: {task}"
    assert task == {
        "id": task["id"],
        "title": "write spec",
        "priority": 2,
        "tags": ["docs"],
        "owner": "ada",
    }
    assert response.headers.get("location") == f"/tasks/{task['id']}"
    fetched = client.get(f"/tasks/{task['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == task


@pytest.mark.spec("API")
def test_delete_returns_204_then_404(client: TestClient) -> None:
    task = new_task(client)
    deleted = client.delete(f"/tasks/{task['id']}")
    assert deleted.status_code == 204
    assert deleted.content == b"", "a 204 has no body"
    problem(client.get(f"/tasks/{task['id']}"), 404, "Not Found")
    problem(client.delete(f"/tasks/{task['id']}"), 404, "Not Found")


@pytest.mark.spec("API")
def test_routes_live_on_the_router() -> None:
    assert isinstance(router, APIRouter)
    paths = {(method, route.path) for route in router.routes for method in route.methods}
    assert {
        ("POST", "/tasks"),
        ("GET", "/tasks"),
        ("GET", "/tasks/{task_id}"),
        ("DELETE", "/tasks/{task_id}"),
    } <= paths


@pytest.mark.spec("API")
def test_each_app_is_new(tmp_path: Path) -> None:
    first, second = create_app(tmp_path / "a.db"), create_app(tmp_path / "b.db")
    assert first is not second
    for app in (first, second):
        app.dependency_overrides[current_user] = lambda: "ada"
    with TestClient(first) as a, TestClient(second) as b:
        new_task(a, "only in a")
        assert b.get("/tasks").json()["items"] == [], "each app stores in its own database"


# --- Models ------------------------------------------------------------------------


@pytest.mark.spec("Models")
def test_defaults(client: TestClient) -> None:
    task = new_task(client, "plain")
    assert (task["priority"], task["tags"]) == (3, []), "priority defaults to 3, tags to []"


@pytest.mark.spec("Models")
@pytest.mark.parametrize(
    ("body", "pointers"),
    [
        ({}, {"#/title"}),
        ({"title": ""}, {"#/title"}),
        ({"title": "x" * 101}, {"#/title"}),
        ({"title": 5}, {"#/title"}),
        ({"title": "t", "priority": 0}, {"#/priority"}),
        ({"title": "t", "priority": 6}, {"#/priority"}),
        ({"title": "t", "priority": "high"}, {"#/priority"}),
        ({"title": "t", "tags": ["a"] * 6}, {"#/tags"}),
        ({"title": "t", "tags": ["a", "b", ""]}, {"#/tags/2"}),
        ({"title": "t", "tags": ["ok", "x" * 21]}, {"#/tags/1"}),
        ({"title": "t", "colour": "red"}, {"#/colour"}),
        ({"title": "", "priority": 9}, {"#/title", "#/priority"}),
        (["title"], {"#"}),
    ],
    ids=[
        "missing",
        "empty",
        "long",
        "number",
        "prio-0",
        "prio-6",
        "prio-text",
        "6-tags",
        "empty-tag",
        "long-tag",
        "extra",
        "two",
        "not-object",
    ],
)
def test_invalid_bodies_are_422_problems(
    client: TestClient, body: object, pointers: set[str]
) -> None:
    response = client.post("/tasks", json=body)
    got = problem(response, 422, "Unprocessable Content")
    assert where(got) == pointers, (
        f"errors[].pointer locates each error in the body: {got['errors']}"
    )
    assert client.get("/tasks").json()["items"] == [], "nothing is stored from an invalid body"


@pytest.mark.spec("Models")
def test_boundaries_are_valid(client: TestClient) -> None:
    task = new_task(client, "x" * 100, priority=5, tags=["y" * 20] * 5)
    assert (len(task["title"]), task["priority"], task["tags"]) == (100, 5, ["y" * 20] * 5)
    assert new_task(client, "z", priority=1)["priority"] == 1


@pytest.mark.spec("Models")
def test_ids_increase_and_are_never_reused(client: TestClient) -> None:
    a, b = new_task(client, "a"), new_task(client, "b")
    assert b["id"] > a["id"]
    assert client.delete(f"/tasks/{b['id']}").status_code == 204
    c = new_task(client, "c")
    assert c["id"] > b["id"], "the id of a deleted task is not given out again"


# --- Users -------------------------------------------------------------------------


@pytest.mark.spec("Users")
def test_bearer_token_names_the_user(tmp_path: Path) -> None:
    app = create_app(tmp_path / "tasks.db", tokens={"t-ada": "ada", "t-bob": "bob"})
    with TestClient(app) as client:
        made = client.post("/tasks", json={"title": "x"}, headers={"Authorization": "Bearer t-bob"})
        assert made.status_code == 201, made.text
        assert made.json()["owner"] == "bob"
        mine = client.get("/tasks", headers={"Authorization": "Bearer t-ada"})
        assert mine.status_code == 200 and mine.json()["items"] == []


@pytest.mark.spec("Users")
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Basic dC1hZGE6"},
        {"Authorization": "t-ada"},
        {"Authorization": "Basic t-ada"},
        {"Authorization": "Token t-ada"},
    ],
    ids=["none", "unknown", "basic", "no-scheme", "basic-known-token", "token-scheme"],
)
def test_without_a_valid_token_401(tmp_path: Path, headers: dict[str, str]) -> None:
    app = create_app(tmp_path / "tasks.db", tokens={"t-ada": "ada"})
    with TestClient(app) as client:
        for response in (
            client.get("/tasks", headers=headers),
            client.post("/tasks", json={"title": "x"}, headers=headers),
        ):
            problem(response, 401, "Unauthorized")
            assert response.headers.get("www-authenticate", "").startswith("Bearer"), (
                "RFC 6750 §3: a 401 carries the WWW-Authenticate: Bearer challenge"
            )
        assert sqlite3.connect(tmp_path / "tasks.db").execute(
            "SELECT count(*) FROM tasks"
        ).fetchone() == (0,)


@pytest.mark.spec("Users")
def test_other_users_tasks_are_not_found(app: FastAPI, client: TestClient) -> None:
    task = new_task(client, "ada's")
    as_user(app, "bob")
    problem(client.get(f"/tasks/{task['id']}"), 404, "Not Found")
    problem(client.delete(f"/tasks/{task['id']}"), 404, "Not Found")
    assert client.get("/tasks").json() == {"items": [], "next_cursor": None}
    bobs = new_task(client, "bob's")
    assert bobs["owner"] == "bob"
    as_user(app, "ada")
    assert client.get(f"/tasks/{task['id']}").status_code == 200, "bob's delete did not touch it"
    assert [t["title"] for t in client.get("/tasks").json()["items"]] == ["ada's"]


# --- Pagination --------------------------------------------------------------------


def walk(client: TestClient, limit: int | None = None) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        params = {k: v for k, v in (("limit", limit), ("cursor", cursor)) if v is not None}
        response = client.get("/tasks", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append([t["title"] for t in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages
        assert isinstance(cursor, str) and len(pages) < 100


@pytest.mark.spec("Pagination")
def test_pages_in_id_order(client: TestClient) -> None:
    for i in range(7):
        new_task(client, f"t{i}")
    assert walk(client, 3) == [["t0", "t1", "t2"], ["t3", "t4", "t5"], ["t6"]]
    assert walk(client) == [[f"t{i}" for i in range(7)]], "limit defaults to 20"


@pytest.mark.spec("Pagination")
def test_default_limit_is_20(client: TestClient) -> None:
    for i in range(21):
        new_task(client, f"t{i:02}")
    assert [len(p) for p in walk(client)] == [20, 1]


@pytest.mark.spec("Pagination")
def test_full_last_page_has_no_cursor(client: TestClient) -> None:
    for i in range(4):
        new_task(client, f"t{i}")
    assert walk(client, 2) == [["t0", "t1"], ["t2", "t3"]], "no cursor to an empty page"
    assert walk(client, 4) == [["t0", "t1", "t2", "t3"]]
    assert client.get("/tasks").json() == client.get("/tasks", params={"limit": 100}).json()


@pytest.mark.spec("Pagination")
def test_limit_may_change_between_pages(client: TestClient) -> None:
    for i in range(6):
        new_task(client, f"t{i}")
    cursor = client.get("/tasks", params={"limit": 1}).json()["next_cursor"]
    page = client.get("/tasks", params={"limit": 4, "cursor": cursor}).json()
    assert [t["title"] for t in page["items"]] == ["t1", "t2", "t3", "t4"]


@pytest.mark.spec("Pagination")
def test_cursor_is_stable_under_deletes_and_inserts(client: TestClient) -> None:
    ids = [new_task(client, f"t{i}")["id"] for i in range(6)]
    first = client.get("/tasks", params={"limit": 3}).json()
    assert [t["title"] for t in first["items"]] == ["t0", "t1", "t2"]
    for task_id in ids[:2]:  # delete two tasks already seen
        assert client.delete(f"/tasks/{task_id}").status_code == 204
    new_task(client, "t6")
    rest = client.get("/tasks", params={"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [t["title"] for t in rest["items"]] == ["t3", "t4", "t5"], (
        "a keyset cursor continues after t2, whatever was deleted before it"
    )
    last = client.get("/tasks", params={"limit": 3, "cursor": rest["next_cursor"]}).json()
    assert [t["title"] for t in last["items"]] == ["t6"] and last["next_cursor"] is None


@pytest.mark.spec("Pagination")
def test_cursor_after_the_last_task_was_deleted(client: TestClient) -> None:
    ids = [new_task(client, f"t{i}")["id"] for i in range(3)]
    first = client.get("/tasks", params={"limit": 2}).json()
    assert client.delete(f"/tasks/{ids[1]}").status_code == 204
    rest = client.get("/tasks", params={"cursor": first["next_cursor"]}).json()
    assert [t["title"] for t in rest["items"]] == ["t2"]


@pytest.mark.spec("Pagination")
def test_pages_hold_only_the_users_tasks(app: FastAPI, client: TestClient) -> None:
    for i in range(5):
        as_user(app, "ada" if i % 2 == 0 else "bob")
        new_task(client, f"t{i}")
    as_user(app, "ada")
    assert walk(client, 2) == [["t0", "t2"], ["t4"]]
    as_user(app, "bob")
    assert walk(client, 2) == [["t1", "t3"]]


@pytest.mark.spec("Pagination")
@pytest.mark.parametrize(
    "cursor",
    ["not-a-cursor!", "%%%", "x" * 40, "cGFnZToy", "YWZ0ZXI6eA==", "YWJjOjE="],
    ids=["junk", "percent", "long", "base64-page-2", "base64-after-x", "base64-abc-1"],
)
def test_foreign_cursor_is_400(client: TestClient, cursor: str) -> None:
    for i in range(3):
        new_task(client, f"t{i}")
    problem(client.get("/tasks", params={"cursor": cursor}), 400, "Bad Request")


@pytest.mark.spec("Pagination")
@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten"])
def test_limit_out_of_range_is_422(client: TestClient, limit: str) -> None:
    body = problem(client.get("/tasks", params={"limit": limit}), 422, "Unprocessable Content")
    assert where(body) == {"param:limit"}, f"the error names the parameter: {body['errors']}"


@pytest.mark.spec("Pagination")
def test_limit_bounds_are_valid(client: TestClient) -> None:
    new_task(client)
    assert client.get("/tasks", params={"limit": 1}).status_code == 200
    assert client.get("/tasks", params={"limit": 100}).status_code == 200


# --- Errors ------------------------------------------------------------------------


@pytest.mark.spec("Errors")
def test_unknown_path_is_a_problem(client: TestClient) -> None:
    problem(client.get("/nope"), 404, "Not Found")


@pytest.mark.spec("Errors")
def test_method_not_allowed_is_a_problem(client: TestClient) -> None:
    problem(client.put("/tasks"), 405, "Method Not Allowed")


@pytest.mark.spec("Errors")
def test_path_parameter_error_names_it(client: TestClient) -> None:
    body = problem(client.get("/tasks/abc"), 422, "Unprocessable Content")
    assert where(body) == {"param:task_id"}


@pytest.mark.spec("Errors")
def test_missing_task_is_a_problem(client: TestClient) -> None:
    body = problem(client.get("/tasks/999"), 404, "Not Found")
    assert body["detail"], "the detail says what was not found"


# --- Lifespan ----------------------------------------------------------------------


@pytest.mark.spec("Lifespan")
def test_connection_opened_on_startup_closed_on_shutdown(tmp_path: Path) -> None:
    database = tmp_path / "tasks.db"
    app = create_app(database)
    app.dependency_overrides[current_user] = lambda: "ada"
    assert not database.exists(), "create_app must not open the database: startup does"
    with TestClient(app) as client:
        db = app.state.db
        assert isinstance(db, sqlite3.Connection), "app.state.db is the lifespan's connection"
        assert database.exists()
        new_task(client, "kept")
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        db.execute("SELECT 1")
    rows = sqlite3.connect(database).execute("SELECT count(*) FROM tasks").fetchone()
    assert rows == (1,), "the task is in the file after shutdown (committed)"


@pytest.mark.spec("Lifespan")
def test_tasks_survive_a_restart(tmp_path: Path) -> None:
    database = tmp_path / "tasks.db"
    for title in ("first", "second"):
        app = create_app(database)
        app.dependency_overrides[current_user] = lambda: "ada"
        with TestClient(app) as client:
            new_task(client, title)
    app = create_app(database)
    app.dependency_overrides[current_user] = lambda: "ada"
    with TestClient(app) as client:
        assert [t["title"] for t in client.get("/tasks").json()["items"]] == ["first", "second"]


@pytest.mark.spec("Lifespan")
def test_the_service_uses_the_lifespan_connection(tmp_path: Path) -> None:
    app = create_app(tmp_path / "tasks.db")
    app.dependency_overrides[current_user] = lambda: "ada"
    with TestClient(app) as client:
        task = new_task(client, "seen")
        rows = app.state.db.execute("SELECT count(*) FROM tasks").fetchone()
        assert tuple(rows) == (1,), "the task was written through app.state.db"
        assert client.get(f"/tasks/{task['id']}").status_code == 200
