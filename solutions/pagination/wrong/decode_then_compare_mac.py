"""Wrong: the MAC is decoded and compared as bytes, so other spellings of the same bytes pass.

Both parts are base64url-decoded and the MAC bytes compared in constant time. But
Python's decoder skips characters outside the alphabet and ignores the unused low
bits of a segment's last character, so a cursor with an added "!" or a flipped
last bit is accepted as if it were the one issued.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import json
import re
import secrets
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_LIMIT = re.compile(r"[0-9]+")  # ASCII digits only: no sign, "_", space or other scripts

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
        payload_text, _, mac_text = cursor.partition(".")
        try:
            payload = _b64decode(payload_text)
            mac = _b64decode(mac_text)
        except ValueError as exc:  # binascii.Error is a ValueError
            raise invalid from exc
        expected = hmac.new(self._secret, payload, hashlib.sha256).digest()
        if not hmac.compare_digest(mac, expected):
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
    digits = raw.lstrip("0")
    # More than three significant digits is out of range; checking the length first also
    # keeps int() away from huge strings (it refuses more than 4300 digits).
    if not _LIMIT.fullmatch(raw) or len(digits) > 3 or not 1 <= int(digits or "0") <= MAX_LIMIT:
        raise _BadRequest(f"limit must be an integer from 1 to {MAX_LIMIT}")
    return int(digits)


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
