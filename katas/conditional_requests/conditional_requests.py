"""Conditional requests — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- conditional_requests
"""

from __future__ import annotations

import hashlib  # noqa: F401
import json  # noqa: F401
import re  # noqa: F401
import threading  # noqa: F401

from fastapi import FastAPI, Request  # noqa: F401
from fastapi.responses import JSONResponse, Response  # noqa: F401


def create_app() -> FastAPI:
    """A FastAPI app storing JSON documents under ``/docs/{id}`` with ETags.

    ``GET /docs/{id}`` serves the stored bytes with ``ETag: "<sha256 hex>"``
    and answers ``If-None-Match`` (weak comparison) with 304 and no body.
    ``PUT /docs/{id}`` stores a JSON object exactly as received: 201 when
    created, 200 when replaced, with the new ETag. ``If-Match`` (strong
    comparison) and ``If-None-Match`` that fail give 412; replacing an
    existing document without ``If-Match`` gives 428 (RFC 6585). Errors are
    ``application/problem+json`` (RFC 9457). Each call has its own store.
    """
    raise NotImplementedError
