"""Wrong: ``limit`` is parsed with ``int()``, which also takes "+5", "1_0", " 5" and "٥"."""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import json
import secrets
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

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

    def __init__(self) -> None:
        self._secret = secrets.token_bytes(32)

    def _sign(self, payload: bytes) -> str:
        mac = hmac.new(self._secret, payload, hashlib.sha256).digest()
        return f"{_b64encode(payload)}.{_b64encode(mac)}"

    def issue(self, keyset: Keyset) -> str:
        return self._sign(json.dumps(list(keyset), separators=(",", ":")).encode("utf-8"))

    def verify(self, cursor: str) -> Keyset:
        invalid = _BadRequest("cursor is invalid or was not issued by this server")
        payload_text, _, _ = cursor.partition(".")
        try:
            payload = _b64decode(payload_text)
        except ValueError as exc:  # binascii.Error is a ValueError
            raise invalid from exc
        # Constant-time comparison of the whole string: any change anywhere fails.
        if not hmac.compare_digest(self._sign(payload).encode(), cursor.encode("utf-8")):
            raise invalid
        created_at, item_id = json.loads(payload)  # signed by us, so well-formed
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
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_LIMIT:
        raise _BadRequest(f"limit must be an integer from 1 to {MAX_LIMIT}")
    return value


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
