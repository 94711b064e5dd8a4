"""Idempotency keys for a payments API — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- idempotency_keys
"""

from __future__ import annotations

import hashlib  # noqa: F401
import json  # noqa: F401
import threading  # noqa: F401
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request  # noqa: F401
from fastapi.responses import JSONResponse, Response  # noqa: F401
from starlette.concurrency import run_in_threadpool  # noqa: F401


def create_app(charge: Callable[[dict[str, Any]], dict[str, Any]]) -> FastAPI:
    """A FastAPI app with ``POST /payments`` guarded by the ``Idempotency-Key`` header.

    Args:
        charge: performs the payment for a request body (a dict) and returns
            the JSON-serialisable result, or raises. Called at most once per
            idempotency key (again only after it raised).

    The first request with a key calls ``charge`` and answers 201 with its
    result; a retry with the same key and the same body (compared by the
    SHA-256 of its canonical JSON) replays that response byte for byte. A
    missing key or a non-object body is 400, a key still in flight 409, a key
    reused with another body 422, an exception from ``charge`` 500 (and the
    key is released) — all as ``application/problem+json`` (RFC 9457).
    """
    raise NotImplementedError
