"""Wrong: If-None-Match is evaluated before If-Match.

RFC 9110 §13.2.2 evaluates If-Match first and If-None-Match only when
If-Match is absent or true; this variant answers a GET whose If-Match is
false but whose If-None-Match matches with 304 instead of 412.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE   (RFC 9110 §8.8.3); etagc excludes DQUOTE.
_ENTITY_TAG = re.compile(r'(W/)?("[^"]*")')

Document = tuple[bytes, str]  # (stored bytes, ETag)


def _etag(content: bytes) -> str:
    return f'"{hashlib.sha256(content).hexdigest()}"'


def _problem(status: int, detail: str) -> JSONResponse:
    """An RFC 9457 problem details response."""
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


def _condition(request: Request, name: str) -> str | list[tuple[bool, str]] | None:
    """``None`` if the header is absent, ``"*"``, or a list of (weak, opaque-tag)."""
    values = request.headers.getlist(name)
    if not values:
        return None
    value = ", ".join(values)
    if value.strip() == "*":
        return "*"
    return [(bool(weak), tag) for weak, tag in _ENTITY_TAG.findall(value)]


def _if_match(condition: str | list[tuple[bool, str]], current: str | None) -> bool:
    """RFC 9110 §13.1.1, strong comparison (our ETags are always strong)."""
    if current is None:
        return False
    if condition == "*":
        return True
    return any(not weak and tag == current for weak, tag in condition)


def _if_none_match(condition: str | list[tuple[bool, str]], current: str | None) -> bool:
    """RFC 9110 §13.1.2, weak comparison; True when the condition holds (no match)."""
    if current is None:
        return True
    if condition == "*":
        return False
    return not any(tag == current for _, tag in condition)


def _preconditions(request: Request, current: str | None) -> int | None:
    """The status that the preconditions impose (304/412), or None to go on."""
    if_none_match = _condition(request, "if-none-match")
    if if_none_match is not None and not _if_none_match(if_none_match, current):
        return 304 if request.method in ("GET", "HEAD") else 412
    if_match = _condition(request, "if-match")
    if if_match is not None and not _if_match(if_match, current):
        return 412
    return None


def create_app() -> FastAPI:
    app = FastAPI()
    docs: dict[str, Document] = {}
    lock = threading.Lock()

    @app.get("/docs/{doc_id}")
    def read(doc_id: str, request: Request) -> Response:
        with lock:
            doc = docs.get(doc_id)
        if doc is None:  # a 404 without conditions: they are not evaluated (§13.2.1)
            return _problem(404, f"No document {doc_id!r}.")
        content, etag = doc
        status = _preconditions(request, etag)
        if status == 304:
            return Response(status_code=304, headers={"ETag": etag})  # no body (§15.4.5)
        if status == 412:
            return _problem(412, "If-Match does not match the current ETag.")
        return Response(content, media_type="application/json", headers={"ETag": etag})

    @app.put("/docs/{doc_id}")
    async def write(doc_id: str, request: Request) -> Response:
        content = await request.body()
        try:
            is_object = isinstance(json.loads(content), dict)
        except ValueError:  # invalid JSON, or bytes that are not UTF-8 (RFC 8259 §8.1)
            is_object = False
        if not is_object:
            return _problem(400, "The body must be a JSON object.")
        etag = _etag(content)

        with lock:  # precondition check and write are one atomic step
            old = docs.get(doc_id)
            if _preconditions(request, old[1] if old else None) is not None:
                return _problem(412, "A precondition (If-Match / If-None-Match) failed.")
            if old is not None and "if-match" not in request.headers:
                return _problem(
                    428, "Replacing a document requires If-Match with its current ETag."
                )
            docs[doc_id] = (content, etag)
        status = 201 if old is None else 200
        return Response(content, status, media_type="application/json", headers={"ETag": etag})

    return app
