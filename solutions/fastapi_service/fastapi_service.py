"""A task service on FastAPI — reference solution.

An ``APIRouter`` for ``/tasks``, Pydantic models that validate the body, one
SQLite connection opened by the lifespan, a ``current_user`` dependency from
a bearer token, keyset pagination with an opaque cursor, and every error as
an RFC 9457 problem.
"""

from __future__ import annotations

import base64
import os
import sqlite3
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    422: "Unprocessable Content",
}

SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner TEXT NOT NULL,
    title TEXT NOT NULL,
    priority INTEGER NOT NULL,
    tags TEXT NOT NULL
)
"""


class TaskIn(BaseModel):
    """The body of ``POST /tasks``."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=100)
    priority: int = Field(default=3, ge=1, le=5)
    tags: list[Annotated[str, Field(min_length=1, max_length=20)]] = Field(
        default_factory=list, max_length=5
    )


class Task(TaskIn):
    """A stored task."""

    id: int
    owner: str


class Page(BaseModel):
    """One page of ``GET /tasks``."""

    items: list[Task]
    next_cursor: str | None


def problem(
    status: int, detail: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """An RFC 9457 problem details response."""
    body = {
        "type": "about:blank",
        "title": TITLES[status],
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(
        body, status, headers=dict(headers or {}), media_type="application/problem+json"
    )


def get_db(request: Request) -> sqlite3.Connection:
    """The connection the lifespan opened."""
    return request.app.state.db


def current_user(request: Request, authorization: Annotated[str | None, Header()] = None) -> str:
    """The user a ``Bearer`` token names (``create_app``'s ``tokens``); 401 otherwise."""
    scheme, _, token = (authorization or "").partition(" ")
    user = request.app.state.tokens.get(token) if scheme.lower() == "bearer" else None
    if user is None:
        raise HTTPException(401, "a valid bearer token is required", {"WWW-Authenticate": "Bearer"})
    return user


Db = Annotated[sqlite3.Connection, Depends(get_db)]
User = Annotated[str, Depends(current_user)]

router = APIRouter(prefix="/tasks")


def _task(row: sqlite3.Row) -> Task:
    tags = row["tags"].split("\n") if row["tags"] else []
    return Task(
        id=row["id"], owner=row["owner"], title=row["title"], priority=row["priority"], tags=tags
    )


def _cursor(task_id: int) -> str:
    return base64.urlsafe_b64encode(f"after:{task_id}".encode()).decode()


def _after(cursor: str) -> int:
    try:
        prefix, _, number = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if prefix == "after" and number.isdigit():
            return int(number)
    except ValueError:
        pass
    raise HTTPException(400, "the cursor is not one this service returned")


@router.post("", status_code=201)
def create_task(body: TaskIn, db: Db, user: User, response: Response) -> Task:
    """Store a new task of the current user."""
    with db:
        row_id = db.execute(
            "INSERT INTO tasks (owner, title, priority, tags) VALUES (?, ?, ?, ?)",
            (user, body.title, body.priority, "\n".join(body.tags)),
        ).lastrowid
    response.headers["Location"] = f"/tasks/{row_id}"
    return Task(id=row_id, owner=user, **body.model_dump())


@router.get("")
def list_tasks(
    db: Db,
    user: User,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: str | None = None,
) -> Page:
    """The current user's tasks by id, ``limit`` at a time, after ``cursor``."""
    after = _after(cursor) if cursor is not None else 0
    rows = db.execute(
        "SELECT * FROM tasks WHERE owner = ? AND id > ? ORDER BY id LIMIT ?",
        (user, after, limit + 1),
    ).fetchall()
    items = [_task(row) for row in rows[:limit]]
    next_cursor = _cursor(items[-1].id) if len(rows) > limit else None
    return Page(items=items, next_cursor=next_cursor)


def _owned(db: sqlite3.Connection, user: str, task_id: int) -> sqlite3.Row:
    row = db.execute("SELECT * FROM tasks WHERE id = ? AND owner = ?", (task_id, user)).fetchone()
    if row is None:
        raise HTTPException(404, f"no task {task_id}")
    return row


@router.get("/{task_id}")
def get_task(task_id: int, db: Db, user: User) -> Task:
    """One task of the current user; another user's task is not found."""
    return _task(_owned(db, user, task_id))


@router.delete("/{task_id}", status_code=204)
def delete_task(task_id: int, db: Db, user: User) -> None:
    """Delete one task of the current user (204, no body)."""
    _owned(db, user, task_id)
    with db:
        db.execute("DELETE FROM tasks WHERE id = ?", (task_id,))


def _http_problem(request: Request, exc: HTTPException) -> JSONResponse:
    return problem(exc.status_code, str(exc.detail), exc.headers)


def _validation_problem(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = []
    for error in exc.errors():
        where, *path = error["loc"]
        if where == "body":
            errors.append(
                {"pointer": "#" + "".join(f"/{part}" for part in path), "detail": error["msg"]}
            )
        else:
            (name,) = path
            errors.append({"parameter": str(name), "detail": error["msg"]})
    return problem(422, "the request is not valid", errors=errors)


def create_app(
    database: str | os.PathLike[str] = ":memory:", tokens: Mapping[str, str] | None = None
) -> FastAPI:
    """The service, storing tasks in the SQLite file ``database``.

    ``tokens`` maps bearer tokens to user names, for ``current_user``.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = sqlite3.connect(database, check_same_thread=False)
        db.row_factory = sqlite3.Row
        db.execute(SCHEMA)
        app.state.db = db
        try:
            yield
        finally:
            db.close()

    app = FastAPI(lifespan=lifespan)
    app.state.tokens = dict(tokens or {})
    app.include_router(router)
    app.add_exception_handler(HTTPException, _http_problem)
    app.add_exception_handler(RequestValidationError, _validation_problem)
    return app
