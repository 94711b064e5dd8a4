"""Tracing a request path with OpenTelemetry — reference solution.

Every span comes from the ``tracer`` the caller passes in, never from the
global provider; the current span travels in :mod:`contextvars` (OpenTelemetry's
context), which asyncio tasks copy and worker threads do not.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Iterable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urlsplit

from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

T = TypeVar("T")
R = TypeVar("R")

KNOWN_METHODS = frozenset(
    {"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"}
)
DEFAULT_PORTS = {"http": 80, "https": 443}

_propagator = TraceContextTextMapPropagator()


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


def _method(method: str) -> tuple[str, dict[str, str]]:
    """The span-name prefix and the method attributes (``_OTHER`` for an unknown method)."""
    if method in KNOWN_METHODS:
        return method, {"http.request.method": method}
    return "HTTP", {"http.request.method": "_OTHER", "http.request.method_original": method}


def _error_type(exc: BaseException) -> str:
    cls = type(exc)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def serve(tracer: Tracer, request: Request, route: str, handler: Handler) -> Response:
    """Run ``handler`` inside a SERVER span continuing the caller's trace."""
    prefix, attributes = _method(request.method)
    attributes.update(
        {
            "url.path": request.path,
            "url.scheme": request.scheme,
            "http.route": route,
            "server.address": request.host,
            "server.port": request.port,
        }
    )
    parent = _propagator.extract(request.headers)
    with tracer.start_as_current_span(
        f"{prefix} {route}",
        context=parent,
        kind=SpanKind.SERVER,
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        try:
            response = handler(request)
        except Exception as exc:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
            span.set_attribute("error.type", _error_type(exc))
            response = Response(500)
        else:
            if response.status >= 500:
                span.set_status(Status(StatusCode.ERROR))
                span.set_attribute("error.type", str(response.status))
        span.set_attribute("http.response.status_code", response.status)
        return response


def call(
    tracer: Tracer,
    method: str,
    url: str,
    send: Send,
    headers: Mapping[str, str] | None = None,
) -> int:
    """Send an outbound request through ``send`` inside a CLIENT span; return its status."""
    prefix, attributes = _method(method)
    parts = urlsplit(url)
    attributes.update(
        {
            "url.full": url,
            "server.address": parts.hostname or "",
            "server.port": parts.port or DEFAULT_PORTS[parts.scheme],
        }
    )
    with tracer.start_as_current_span(
        prefix,
        kind=SpanKind.CLIENT,
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        outgoing = dict(headers or {})
        _propagator.inject(outgoing)  # the current span is the client span
        try:
            status = send(method, url, outgoing)
        except Exception as exc:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
            span.set_attribute("error.type", _error_type(exc))
            raise
        span.set_attribute("http.response.status_code", status)
        if status >= 400:
            span.set_status(Status(StatusCode.ERROR))
            span.set_attribute("error.type", str(status))
        return status


def map_in_threads(
    tracer: Tracer,
    executor: Executor,
    name: str,
    fn: Callable[[T], R],
    items: Iterable[T],
) -> list[R]:
    """Run ``fn(item)`` on ``executor`` for each item, each in an INTERNAL span."""

    def job(item: T) -> R:
        with tracer.start_as_current_span(name, kind=SpanKind.INTERNAL):
            return fn(item)

    # Worker threads start with an empty context: each job runs in a copy of ours.
    futures = [executor.submit(contextvars.copy_context().run, job, item) for item in items]
    return [future.result() for future in futures]


async def gather_in_tasks(
    tracer: Tracer,
    name: str,
    fn: Callable[[T], Awaitable[R]],
    items: Iterable[T],
) -> list[R]:
    """Await ``fn(item)`` for every item in its own asyncio task, each in an INTERNAL span."""

    async def job(item: T) -> R:
        with tracer.start_as_current_span(name, kind=SpanKind.INTERNAL):
            return await fn(item)

    # Tasks copy the current context when they are created: nothing to carry by hand.
    return list(await asyncio.gather(*(job(item) for item in items)))
