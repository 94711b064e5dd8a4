"""Correct: async routes, a Problem exception of its own, and JSON cursors.

The routes are ``async def`` and raise ``Problem``; one handler renders it,
and Starlette's HTTPException and validation errors are turned into it. The
cursor is URL-safe base64 of ``{"id": n}``, checked by a Pydantic model.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

PHRASES = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    422: "Unprocessable Content",
}


class Problem(Exception):
    """An error to answer with an RFC 9457 problem."""

    def __init__(
        self, status: int, detail: str, headers: dict[str, str] | None = None, **extra: Any
    ):
        super().__init__(detail)
        self.status, self.detail, self.headers, self.extra = status, detail, headers or {}, extra

    def response(self) -> JSONResponse:
        body = {
            "type": "about:blank",
            "title": PHRASES.get(self.status, "Error"),
            "status": self.status,
            "detail": self.detail,
            **self.extra,
        }
        return JSONResponse(
            body, self.status, headers=self.headers, media_type="application/problem+json"
        )


Tag = Annotated[str, StringConstraints(min_length=1, max_length=20)]


class TaskIn(BaseModel):
    """The body of ``POST /tasks``."""

    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    priority: Annotated[int, Field(ge=1, le=5)] = 3
    tags: Annotated[list[Tag], Field(max_length=5)] = []


class Task(TaskIn):
    """A stored task."""

    id: int
    owner: str


class Page(BaseModel):
    """One page of ``GET /tasks``."""

    items: list[Task]
    next_cursor: str | None


class _Cursor(BaseModel):
    id: Annotated[int, Field(ge=0)]


def _encode(last_id: int) -> str:
    return base64.urlsafe_b64encode(_Cursor(id=last_id).model_dump_json().encode()).decode()


def _decode(cursor: str) -> int:
    try:
        return _Cursor.model_validate_json(base64.urlsafe_b64decode(cursor.encode())).id
    except (ValueError, ValidationError):
        raise Problem(400, "unknown cursor") from None


async def current_user(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> str:
    """The user a ``Bearer`` token names."""
    parts = (authorization or "").split(" ", 1)
    if len(parts) == 2 and parts[0].lower() == "bearer":
        user = request.app.state.tokens.get(parts[1])
        if user is not None:
            return user
    raise Problem(401, "bearer token missing or unknown", {"WWW-Authenticate": "Bearer"})


def _db(request: Request) -> sqlite3.Connection:
    return request.app.state.db


router = APIRouter(prefix="/tasks")


def _row(row: tuple) -> Task:
    task_id, owner, title, priority, tags = row
    return Task(id=task_id, owner=owner, title=title, priority=priority, tags=json.loads(tags))


def _find(db: sqlite3.Connection, user: str, task_id: int) -> Task:
    row = db.execute(
        "SELECT id, owner, title, priority, tags FROM tasks WHERE id = ?", (task_id,)
    ).fetchone()
    if row is None or row[1] != user:
        raise Problem(404, f"task {task_id} does not exist")
    return _row(row)


@router.post("", status_code=201, response_model=Task)
async def create(
    body: TaskIn,
    response: Response,
    user: Annotated[str, Depends(current_user)],
    db: Annotated[sqlite3.Connection, Depends(_db)],
) -> Task:
    cur = db.execute(
        "INSERT INTO tasks (owner, title, priority, tags) VALUES (?, ?, ?, ?)",
        (user, body.title, body.priority, json.dumps(body.tags)),
    )
    db.commit()
    response.headers["Location"] = f"/tasks/{cur.lastrowid}"
    return Task(id=cur.lastrowid, owner=user, **body.model_dump())


@router.get("", response_model=Page)
async def page(
    user: Annotated[str, Depends(current_user)],
    db: Annotated[sqlite3.Connection, Depends(_db)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query()] = None,
) -> Page:
    last = -1 if cursor is None else _decode(cursor)
    found = db.execute(
        "SELECT id, owner, title, priority, tags FROM tasks WHERE owner = ? AND id > ? ORDER BY id",
        (user, last),
    )
    rows = found.fetchmany(limit + 1)
    more = len(rows) > limit
    items = [_row(row) for row in rows[:limit]]
    return Page(items=items, next_cursor=_encode(items[-1].id) if more else None)


@router.get("/{task_id}", response_model=Task)
async def read(
    task_id: int,
    user: Annotated[str, Depends(current_user)],
    db: Annotated[sqlite3.Connection, Depends(_db)],
) -> Task:
    return _find(db, user, task_id)


@router.delete("/{task_id}", status_code=204)
async def delete(
    task_id: int,
    user: Annotated[str, Depends(current_user)],
    db: Annotated[sqlite3.Connection, Depends(_db)],
) -> Response:
    _find(db, user, task_id)
    db.execute("DELETE FROM tasks WHERE id = ?", (task_id,))
    db.commit()
    return Response(status_code=204)


def _where(loc: tuple) -> dict[str, str]:
    if loc[0] == "body":
        return {"pointer": "#" + "".join("/" + str(part) for part in loc[1:])}
    return {"parameter": str(loc[1])}


def create_app(
    database: str | os.PathLike[str] = ":memory:", tokens: Mapping[str, str] | None = None
) -> FastAPI:
    """The service, storing tasks in the SQLite file ``database``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.db = sqlite3.connect(database, check_same_thread=False)
        app.state.db.execute(
            "CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " owner TEXT, title TEXT, priority INTEGER, tags TEXT)"
        )
        yield
        app.state.db.close()

    app = FastAPI(lifespan=lifespan)
    app.state.tokens = dict(tokens or {})
    app.include_router(router)

    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> JSONResponse:
        return exc.response()

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return Problem(exc.status_code, str(exc.detail), dict(exc.headers or {})).response()

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{**_where(e["loc"]), "detail": e["msg"]} for e in exc.errors()]
        return Problem(422, "invalid request", errors=errors).response()

    return app
