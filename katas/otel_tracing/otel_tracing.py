"""Tracing a request path with OpenTelemetry — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- otel_tracing
"""

from __future__ import annotations

import asyncio  # noqa: F401
import contextvars  # noqa: F401
from collections.abc import Awaitable, Callable, Iterable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urlsplit  # noqa: F401

from opentelemetry import context, trace  # noqa: F401
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer  # noqa: F401
from opentelemetry.trace.propagation.tracecontext import (  # noqa: F401
    TraceContextTextMapPropagator,
)

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Request:
    """An inbound HTTP request; header names are lower case."""

    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    scheme: str = "http"
    host: str = "localhost"
    port: int = 8080


@dataclass(frozen=True)
class Response:
    """What a handler answers."""

    status: int
    body: object = None


Handler = Callable[[Request], Response]
Send = Callable[[str, str, dict[str, str]], int]
"""``send(method, url, headers) -> status``: the transport an outbound call goes through."""


def serve(tracer: Tracer, request: Request, route: str, handler: Handler) -> Response:
    """Run ``handler(request)`` inside a SERVER span and return its response.

    The span is named ``"{method} {route}"``, continues the trace of the
    request's ``traceparent`` header, carries the HTTP server attributes and
    is current while the handler runs. A handler exception is recorded on the
    span (status ERROR, ``error.type``) and answered with ``Response(500)``;
    a 5xx response sets status ERROR, a 4xx does not.
    """
    raise NotImplementedError


def call(
    tracer: Tracer,
    method: str,
    url: str,
    send: Send,
    headers: Mapping[str, str] | None = None,
) -> int:
    """Send a request through ``send`` inside a CLIENT span; return the status it returned.

    ``send`` receives a copy of ``headers`` with the client span's
    ``traceparent`` (and ``tracestate``) injected. A status of 400 or more sets
    status ERROR; an exception from ``send`` is recorded and raised again.
    """
    raise NotImplementedError


def map_in_threads(
    tracer: Tracer,
    executor: Executor,
    name: str,
    fn: Callable[[T], R],
    items: Iterable[T],
) -> list[R]:
    """Run ``fn(item)`` on ``executor`` for every item, each in an INTERNAL span ``name``.

    Each span is a child of the span current in the caller (worker threads do
    not inherit the caller's context: carry it). Results in item order; the
    first failing item's exception is raised.
    """
    raise NotImplementedError


async def gather_in_tasks(
    tracer: Tracer,
    name: str,
    fn: Callable[[T], Awaitable[R]],
    items: Iterable[T],
) -> list[R]:
    """Await ``fn(item)`` for every item concurrently, each in its own asyncio task and
    INTERNAL span ``name`` (a child of the caller's current span). Results in item order."""
    raise NotImplementedError
