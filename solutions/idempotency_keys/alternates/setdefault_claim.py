"""Correct: the key is claimed with ``dict.setdefault`` under an RLock, records are mutable.

Each key maps to a mutable ``_Entry`` that starts in flight and is filled in
when the charge finishes. ``setdefault`` inserts the new entry or returns the
existing one in one operation; the lock around it also orders it with the
finish and the release. ``charge`` runs in the thread pool, outside the lock.
Problems use ``about:blank`` with the status phrase as title throughout.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool


class _Entry:
    __slots__ = ("content", "done", "fingerprint")

    def __init__(self, fingerprint: str) -> None:
        self.fingerprint = fingerprint
        self.done = False
        self.content = b""


def _problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse(
        {
            "type": "about:blank",
            "title": HTTPStatus(status).phrase,
            "status": status,
            "detail": detail,
        },
        status_code=status,
        media_type="application/problem+json",
    )


def create_app(charge: Callable[[dict[str, Any]], dict[str, Any]]) -> FastAPI:
    app = FastAPI()
    entries: dict[str, _Entry] = {}
    lock = threading.RLock()

    @app.post("/payments")
    async def pay(request: Request) -> Response:
        key = request.headers.get("idempotency-key", "")
        if key == "":
            return _problem(400, "an Idempotency-Key header is required")
        raw = await request.body()
        try:
            body = json.loads(raw)
        except ValueError:
            return _problem(400, "the body is not JSON")
        if type(body) is not dict:
            return _problem(400, "the body must be a JSON object")
        digest = hashlib.sha256(
            json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()

        mine = _Entry(digest)
        with lock:
            entry = entries.setdefault(key, mine)
            done, content = entry.done, entry.content
        if entry is not mine:
            if entry.fingerprint != digest:
                return _problem(422, "the Idempotency-Key was used with another body")
            if not done:
                return _problem(409, "a request with this Idempotency-Key is in flight")
            return Response(content, 201, media_type="application/json")

        try:
            result = await run_in_threadpool(charge, body)
            content = json.dumps(result).encode()
        except Exception:
            with lock:
                entries.pop(key, None)
            return _problem(500, "the charge failed; retry with the same key")
        with lock:
            mine.content, mine.done = content, True
        return Response(content, 201, media_type="application/json")

    return app
