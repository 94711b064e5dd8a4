"""Correct: a store object with an RLock, strict UTF-8 decoding and a hand-written tag scanner.

``GET`` is a plain ``def`` endpoint (FastAPI runs it in a worker thread);
``PUT`` reads the raw body and holds the store's ``RLock`` from reading the
current ETag to storing, so "evaluate the preconditions, then write" is one
critical section. The
If-Match / If-None-Match lists are scanned character by character (a comma
inside a quoted tag is part of the tag) instead of with a regular expression.
"""

from __future__ import annotations

import hashlib
import json
import threading
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response


def _tags(value: str) -> list[tuple[bool, str]]:
    """The entity tags of a list field: (weak, quoted opaque tag) pairs."""
    tags, i = [], 0
    while i < len(value):
        weak = value.startswith("W/", i)
        start = i + 2 if weak else i
        if start < len(value) and value[start] == '"':
            end = value.find('"', start + 1)
            if end < 0:
                break
            tags.append((weak, value[start : end + 1]))
            i = end + 1
        else:
            i += 1
    return tags


class _Store:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.docs: dict[str, tuple[bytes, str]] = {}

    def etag(self, doc_id: str) -> str | None:
        doc = self.docs.get(doc_id)
        return doc[1] if doc else None


def _outcome(headers: dict[str, str], current: str | None, is_get: bool) -> int | None:
    """RFC 9110 §13.2.2 steps 1 and 3: 412/304, or None to go on."""
    if "if-match" in headers:
        value = headers["if-match"].strip()
        ok = current is not None and (
            value == "*" or any(not weak and tag == current for weak, tag in _tags(value))
        )
        if not ok:
            return 412
    if "if-none-match" in headers:
        value = headers["if-none-match"].strip()
        matched = current is not None and (
            value == "*" or any(tag == current for _, tag in _tags(value))
        )
        if matched:
            return 304 if is_get else 412
    return None


def _headers(request: Request) -> dict[str, str]:
    return {
        name: ", ".join(request.headers.getlist(name))
        for name in ("if-match", "if-none-match")
        if name in request.headers
    }


def _problem(status: int, detail: str) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    return JSONResponse(body, status, media_type="application/problem+json")


def create_app() -> FastAPI:
    app = FastAPI()
    store = _Store()

    @app.get("/docs/{doc_id}")
    def read(doc_id: str, request: Request) -> Response:
        with store.lock:
            doc = store.docs.get(doc_id)
        if doc is None:
            return _problem(404, "no such document")
        status = _outcome(_headers(request), doc[1], is_get=True)
        if status == 304:
            return Response(status_code=304, headers={"ETag": doc[1]})
        if status is not None:
            return _problem(status, "If-Match failed")
        return Response(doc[0], media_type="application/json", headers={"ETag": doc[1]})

    @app.put("/docs/{doc_id}")
    async def write(doc_id: str, request: Request) -> Response:
        content = await request.body()
        try:
            parsed = json.loads(content.decode("utf-8"))
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            return _problem(400, "the body must be a JSON object")
        etag = '"' + hashlib.sha256(content).hexdigest() + '"'
        headers = _headers(request)
        with store.lock:
            current = store.etag(doc_id)
            status = _outcome(headers, current, is_get=False)
            if status is None and current is not None and "if-match" not in headers:
                status = 428
            if status is None:
                store.docs[doc_id] = (content, etag)
        if status is not None:
            return _problem(status, "precondition failed or required")
        code = 201 if current is None else 200
        return Response(content, code, media_type="application/json", headers={"ETag": etag})

    return app
