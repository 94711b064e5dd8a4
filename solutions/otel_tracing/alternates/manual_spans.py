"""Correct: spans started with start_span and made current by hand (attach/detach in
try/finally), the caller's context attached in each worker thread, explicit asyncio tasks,
and the outgoing traceparent written from the client span's context."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urlsplit

from opentelemetry import context, trace
from opentelemetry.trace import Span, SpanKind, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

T = TypeVar("T")
R = TypeVar("R")

_KNOWN = ("CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE")


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


def _set_method(span: Span, method: str) -> str:
    if method in _KNOWN:
        span.set_attribute("http.request.method", method)
        return method
    span.set_attribute("http.request.method", "_OTHER")
    span.set_attribute("http.request.method_original", method)
    return "HTTP"


def _name_of_method(method: str) -> str:
    return method if method in _KNOWN else "HTTP"


def _fail(span: Span, exc: BaseException, *, typed: bool = True) -> None:
    span.record_exception(exc)
    span.set_status(StatusCode.ERROR, str(exc))
    if typed:
        cls = type(exc)
        module = "" if cls.__module__ == "builtins" else cls.__module__ + "."
        span.set_attribute("error.type", module + cls.__qualname__)


def serve(tracer: Tracer, request: Request, route: str, handler: Handler) -> Response:
    """Run ``handler`` inside a SERVER span continuing the caller's trace."""
    remote = TraceContextTextMapPropagator().extract(carrier=request.headers)
    span = tracer.start_span(
        f"{_name_of_method(request.method)} {route}", context=remote, kind=SpanKind.SERVER
    )
    _set_method(span, request.method)
    span.set_attribute("url.path", request.path)
    span.set_attribute("url.scheme", request.scheme)
    span.set_attribute("http.route", route)
    span.set_attribute("server.address", request.host)
    span.set_attribute("server.port", request.port)
    token = context.attach(trace.set_span_in_context(span, remote))
    try:
        try:
            response = handler(request)
        except Exception as exc:
            _fail(span, exc)
            response = Response(500)
        else:
            if 500 <= response.status <= 599:
                span.set_status(StatusCode.ERROR)
                span.set_attribute("error.type", f"{response.status}")
        span.set_attribute("http.response.status_code", response.status)
        return response
    finally:
        context.detach(token)
        span.end()


def call(
    tracer: Tracer,
    method: str,
    url: str,
    send: Send,
    headers: Mapping[str, str] | None = None,
) -> int:
    """Send an outbound request through ``send`` inside a CLIENT span; return its status."""
    span = tracer.start_span(_name_of_method(method), kind=SpanKind.CLIENT)
    try:
        _set_method(span, method)
        parts = urlsplit(url)
        span.set_attribute("url.full", url)
        span.set_attribute("server.address", parts.hostname or "")
        span.set_attribute("server.port", parts.port or (443 if parts.scheme == "https" else 80))
        ctx = span.get_span_context()
        outgoing = {**(headers or {})}
        outgoing["traceparent"] = (
            f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"
        )
        if ctx.trace_state:
            outgoing["tracestate"] = ctx.trace_state.to_header()
        try:
            status = send(method, url, outgoing)
        except Exception as exc:
            _fail(span, exc)
            raise
        span.set_attribute("http.response.status_code", status)
        if status > 399:
            span.set_status(StatusCode.ERROR)
            span.set_attribute("error.type", str(status))
        return status
    finally:
        span.end()


def map_in_threads(
    tracer: Tracer,
    executor: Executor,
    name: str,
    fn: Callable[[T], R],
    items: Iterable[T],
) -> list[R]:
    """Run ``fn(item)`` on ``executor`` for each item, each in an INTERNAL span."""
    caller = context.get_current()

    def job(item: T) -> R:
        token = context.attach(caller)
        try:
            span = tracer.start_span(name, kind=SpanKind.INTERNAL)
            inner = context.attach(trace.set_span_in_context(span))
            try:
                return fn(item)
            except Exception as exc:
                _fail(span, exc, typed=False)
                raise
            finally:
                context.detach(inner)
                span.end()
        finally:
            context.detach(token)

    futures = [executor.submit(job, item) for item in items]
    results: list[R] = []
    for future in futures:
        results.append(future.result())
    return results


async def gather_in_tasks(
    tracer: Tracer,
    name: str,
    fn: Callable[[T], Awaitable[R]],
    items: Iterable[T],
) -> list[R]:
    """Await ``fn(item)`` for every item in its own asyncio task, each in an INTERNAL span."""

    async def job(item: T) -> R:
        with trace.use_span(tracer.start_span(name), end_on_exit=True):
            return await fn(item)

    tasks = [asyncio.create_task(job(item)) for item in items]
    return [await task for task in tasks]
