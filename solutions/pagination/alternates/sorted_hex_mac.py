"""Correct: a sort of the items after the cursor, and a cursor with a hexadecimal MAC.

The cursor is ``base64url(json) "~" hex(hmac)``. Verification checks that the
payload text is the canonical encoding of what it decodes to, and compares the
presented hex MAC, as text, with the expected lower-case hex digest in constant
time (upper-case hex would be a second spelling of the same bytes, so the text
is compared, not the bytes). Pages come from sorting the items after the cursor:
O(n log n) per request instead of O(n log limit).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


def _problem(detail: str) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "title": "Bad Request", "status": 400, "detail": detail},
        status_code=400,
        media_type="application/problem+json",
    )


def create_app(items: list[dict[str, Any]]) -> FastAPI:
    app = FastAPI()
    secret = secrets.token_bytes(32)

    def mac(payload: bytes) -> str:
        return hmac.new(secret, payload, hashlib.sha256).hexdigest()

    def issue(item: dict[str, Any]) -> str:
        payload = json.dumps([item["created_at"], item["id"]]).encode()
        return base64.urlsafe_b64encode(payload).decode().rstrip("=") + "~" + mac(payload)

    def verify(cursor: str) -> tuple[Any, int] | None:
        text, sep, tag = cursor.partition("~")
        try:
            payload = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except ValueError:
            return None
        canonical = base64.urlsafe_b64encode(payload).decode().rstrip("=") == text
        if not (sep and canonical and secrets.compare_digest(tag, mac(payload))):
            return None
        created_at, item_id = json.loads(payload)
        return created_at, item_id

    @app.get("/items")
    async def list_items(request: Request) -> JSONResponse:
        raw_limit = request.query_params.get("limit", "20")
        if not (raw_limit.isascii() and raw_limit.isdigit()) or len(raw_limit.lstrip("0")) > 3:
            return _problem("limit must be an integer from 1 to 100")
        limit = int(raw_limit)
        if not 1 <= limit <= 100:
            return _problem("limit must be an integer from 1 to 100")
        after = None
        if "cursor" in request.query_params:
            after = verify(request.query_params["cursor"])
            if after is None:
                return _problem("the cursor is not one this server issued")

        rest = sorted(
            (i for i in items if after is None or (i["created_at"], i["id"]) > after),
            key=lambda i: (i["created_at"], i["id"]),
        )
        page, more = rest[:limit], len(rest) > limit
        body = {"items": page, "next_cursor": issue(page[-1]) if more else None}
        headers = {}
        if more:
            url = request.url
            query = urlencode({"limit": limit, "cursor": body["next_cursor"]})
            headers["Link"] = f'<{url.scheme}://{url.netloc}{url.path}?{query}>; rel="next"'
        return JSONResponse(body, headers=headers)

    return app
