"""Wrong: every problem is "about:blank" but carries the draft's own titles.

RFC 9457 §4.2.1: with the type "about:blank", the title should be the
status code's phrase ("Conflict", not "A request is outstanding for this
Idempotency-Key"); a title of one's own needs a type URI of one's own.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

_HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class _Record:
    fingerprint: str
    status: int | None = None  # None while the first request is in flight
    content: bytes = b""


def _fingerprint(body: Any) -> str:
    """SHA-256 of the canonical JSON: key order and whitespace do not matter."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_PROBLEMS = "https://example.com/problems/"  # our own problem types (RFC 9457 §4)


def _problem(status: int, title: str, detail: str, problem: str = "") -> JSONResponse:
    """An RFC 9457 problem details response.

    ``problem`` names one of our own problem types, whose ``title`` is ours to
    choose; without it the type is ``about:blank``, whose title must be the
    status phrase (RFC 9457 §4.2.1).
    """
    kind = "about:blank"
    return JSONResponse(
        {"type": kind, "title": title, "status": status, "detail": detail},
        status_code=status,
        media_type="application/problem+json",
    )


def create_app(charge: Callable[[dict[str, Any]], dict[str, Any]]) -> FastAPI:
    app = FastAPI()
    records: dict[str, _Record] = {}
    lock = threading.Lock()

    @app.post("/payments")
    async def create_payment(request: Request) -> Response:
        key = request.headers.get(_HEADER)
        if not key:
            return _problem(
                400,
                "Idempotency-Key is missing",
                "This operation is idempotent and requires an Idempotency-Key header.",
                "idempotency-key-missing",
            )
        try:
            body = json.loads(await request.body())
        except ValueError:  # invalid JSON or invalid UTF-8
            body = None
        if not isinstance(body, dict):
            return _problem(400, "Bad Request", "The request body must be a JSON object.")
        fingerprint = _fingerprint(body)

        # Look up the key and, if it is new, claim it: one step under the lock.
        with lock:
            record = records.get(key)
            if record is None:
                records[key] = _Record(fingerprint)
        if record is not None:
            if record.fingerprint != fingerprint:
                return _problem(
                    422,
                    "Idempotency-Key is already used",
                    "This Idempotency-Key was used with a different request body.",
                    "idempotency-key-reused",
                )
            if record.status is None:
                return _problem(
                    409,
                    "A request is outstanding for this Idempotency-Key",
                    "A request with the same Idempotency-Key is being processed.",
                    "idempotency-key-in-flight",
                )
            return Response(record.content, record.status, media_type="application/json")

        try:
            result = await run_in_threadpool(charge, body)
            content = JSONResponse(result).body
        except Exception:
            with lock:
                del records[key]  # release the key: a retry may charge again
            return _problem(
                500,
                "Internal Server Error",
                "The payment could not be processed; it is safe to retry with the same key.",
            )
        with lock:
            records[key] = _Record(fingerprint, 201, content)
        return Response(content, 201, media_type="application/json")

    return app
