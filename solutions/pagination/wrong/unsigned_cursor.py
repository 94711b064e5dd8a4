"""Wrong: the cursor is plain base64url JSON with no signature.

"Opaque" is mistaken for "encoded": anyone can decode the cursor, change the
keyset inside and send it back, and the server trusts it.
"""

from __future__ import annotations

import base64
import heapq
import json
import re
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_LIMIT = re.compile(r"[0-9]{1,3}")

Keyset = tuple[Any, int]


def _keyset(item: dict[str, Any]) -> Keyset:
    return (item["created_at"], item["id"])


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class _BadRequest(Exception):
    """An invalid query parameter; the message becomes the problem's detail."""


class _Cursors:
    """Issues and verifies cursors under one secret."""

    def issue(self, keyset: Keyset) -> str:
        return _b64encode(json.dumps(list(keyset), separators=(",", ":")).encode("utf-8"))

    def verify(self, cursor: str) -> Keyset:
        try:  # the bug: whatever decodes is trusted
            created_at, item_id = json.loads(_b64decode(cursor))
        except (ValueError, TypeError) as exc:
            raise _BadRequest("cursor is invalid") from exc
        if not isinstance(item_id, int) or not isinstance(created_at, (int, str)):
            raise _BadRequest("cursor is invalid")
        return (created_at, item_id)


def _problem(detail: str, status: int = 400, title: str = "Bad Request") -> JSONResponse:
    """An RFC 9457 problem details response."""
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status_code=status,
        media_type="application/problem+json",
    )


def _parse_limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not _LIMIT.fullmatch(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise _BadRequest(f"limit must be an integer from 1 to {MAX_LIMIT}")
    return int(raw)


def create_app(items: list[dict[str, Any]]) -> FastAPI:
    app = FastAPI()
    cursors = _Cursors()

    @app.get("/items")
    def list_items(
        request: Request, limit: str | None = None, cursor: str | None = None
    ) -> JSONResponse:
        try:
            page_size = _parse_limit(limit)
            after = cursors.verify(cursor) if cursor is not None else None
        except _BadRequest as exc:
            return _problem(str(exc))

        # ``items`` is read now, not when the app was made: it may have grown.
        candidates = items if after is None else (i for i in items if _keyset(i) > after)
        page = heapq.nsmallest(page_size + 1, candidates, key=_keyset)

        headers = {}
        next_cursor = None
        if len(page) > page_size:
            del page[page_size:]
            next_cursor = cursors.issue(_keyset(page[-1]))
            query = urlencode({"limit": page_size, "cursor": next_cursor})
            headers["Link"] = f'<{request.url.replace(query=query)}>; rel="next"'
        return JSONResponse({"items": page, "next_cursor": next_cursor}, headers=headers)

    return app
