"""A task service on FastAPI — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- fastapi_service
"""

from __future__ import annotations

import os
import sqlite3  # noqa: F401  (the lifespan's connection)
from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, FastAPI, Header, Request
from pydantic import BaseModel


class TaskIn(BaseModel):
    """The body of ``POST /tasks``: ``title`` (1-100 characters), ``priority``
    (1-5, default 3), ``tags`` (at most 5 strings of 1-20 characters, default
    ``[]``); any other member is an error."""


class Task(TaskIn):
    """A stored task: a ``TaskIn`` with ``id`` (an int the service assigns) and ``owner``."""


class Page(BaseModel):
    """One page of ``GET /tasks``: ``items`` (``Task``s) and ``next_cursor`` (str or None)."""


router = APIRouter(prefix="/tasks")
"""The ``/tasks`` routes: ``POST ""``, ``GET ""``, ``GET "/{task_id}"``, ``DELETE "/{task_id}"``."""


def current_user(request: Request, authorization: Annotated[str | None, Header()] = None) -> str:
    """The user that the ``Authorization: Bearer <token>`` header names.

    The token is looked up in the ``tokens`` given to ``create_app``. A
    missing header, another scheme or an unknown token is a 401 problem with
    ``WWW-Authenticate: Bearer``. Routes depend on this function, so tests can
    replace it with ``app.dependency_overrides[current_user]``.
    """
    raise NotImplementedError


def create_app(
    database: str | os.PathLike[str] = ":memory:", tokens: Mapping[str, str] | None = None
) -> FastAPI:
    """A new app serving ``router``, storing tasks in the SQLite file ``database``.

    Args:
        database: the SQLite database file (``":memory:"`` for none).
        tokens: bearer token → user name, for ``current_user``.

    The lifespan opens ``sqlite3.connect(database, check_same_thread=False)``
    on startup as ``app.state.db`` and closes it on shutdown. Every error is
    an RFC 9457 problem (``application/problem+json``), validation errors
    with ``errors``: see README.md.
    """
    raise NotImplementedError
