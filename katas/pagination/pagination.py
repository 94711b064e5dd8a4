"""Keyset pagination with signed cursors — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- pagination
"""

from __future__ import annotations

import base64  # noqa: F401
import hashlib  # noqa: F401
import hmac  # noqa: F401
import json  # noqa: F401
import secrets  # noqa: F401
from typing import Any

from fastapi import FastAPI, Request  # noqa: F401
from fastapi.responses import JSONResponse  # noqa: F401


def create_app(items: list[dict[str, Any]]) -> FastAPI:
    """A FastAPI app serving ``GET /items?limit=&cursor=`` over ``items``.

    Args:
        items: the live list of items, each a dict with a unique int ``"id"``
            and a ``"created_at"`` (int or ISO 8601 string). The app keeps this
            list object and reads it on every request; it may grow between
            requests.

    The endpoint returns ``{"items": [...], "next_cursor": str | None}`` in
    ascending ``(created_at, id)`` order, ``limit`` items per page (1–100,
    default 20), with an RFC 8288 ``Link: <...>; rel="next"`` header when a
    next page exists. Cursors are opaque and HMAC-signed with a secret made
    here; an invalid ``limit`` or cursor gives a 400
    ``application/problem+json`` response (RFC 9457).
    """
    raise NotImplementedError
