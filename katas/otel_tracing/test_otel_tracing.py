"""Tests for the OpenTelemetry tracing kata.

Every test builds its own SDK ``TracerProvider`` (sampler ``ParentBased(ALWAYS_ON)``, the
SDK's default) with a ``SimpleSpanProcessor`` feeding an ``InMemorySpanExporter``, and
reads the finished spans back from it: a span that was never ended is never exported.

Truth comes from:

- the OpenTelemetry semantic conventions v1.27.0, "Semantic Conventions for HTTP Spans"
  (https://github.com/open-telemetry/semantic-conventions/blob/v1.27.0/docs/http/http-spans.md):
  span names, attribute names (stable since v1.23.0), span status per kind, ``error.type``,
  ``_OTHER`` for unknown methods;
- the OpenTelemetry specification, trace API (span kinds, ``SetStatus``,
  ``RecordException`` and the ``exception`` event of the exceptions semantic conventions);
- the W3C Trace Context recommendation (https://www.w3.org/TR/trace-context/): its
  ``traceparent`` and ``tracestate`` examples, §3.2 (the header) and §3.4 (a new
  ``parent-id`` for every outgoing request).
"""

from __future__ import annotations

import asyncio
import binascii
import contextlib
import dataclasses
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

import pytest
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, ParentBased
from opentelemetry.trace import SpanKind, StatusCode

from otel_tracing import Request, Response, call, gather_in_tasks, map_in_threads, serve

# W3C Trace Context §3.2.2 / §3.3 examples.
W3C_TRACE_ID = 0x4BF92F3577B34DA6A3CE929D0E0E4736
W3C_PARENT_ID = 0x00F067AA0BA902B7
W3C_TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
W3C_NOT_SAMPLED = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"
W3C_TRACESTATE = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"

# Attribute names that the stable HTTP conventions replaced (v1.23.0 migration guide).
OLD_NAMES = [
    "http.method",
    "http.target",
    "http.url",
    "http.scheme",
    "http.status_code",
    "http.host",
    "net.host.name",
    "net.host.port",
    "net.peer.name",
    "net.peer.port",
]


class Tracing:
    """A fresh SDK provider, its tracer, and the spans it exported."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider(sampler=ParentBased(ALWAYS_ON))
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.tracer = self.provider.get_tracer("test_otel_tracing")

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def named(self, name: str) -> list[ReadableSpan]:
        return [s for s in self.spans() if s.name == name]

    def one(self, kind: SpanKind) -> ReadableSpan:
        found = [s for s in self.spans() if s.kind == kind]
        assert len(found) == 1, (
            f"expected one finished {kind.name} span, got {len(found)}: "
            f"{[(s.name, s.kind.name) for s in self.spans()]} (is every span ended?)"
        )
        return found[0]


@pytest.fixture
def otel() -> Iterator[Tracing]:
    tracing = Tracing()
    yield tracing
    tracing.provider.shutdown()


class UpstreamError(Exception):
    """An application error raised by a test's handler."""


class Errors:
    """A namespace of exception classes: their ``__qualname__`` is ``Errors.<name>``."""

    class NotFound(Exception):
        """A nested class: ``__name__`` alone would drop the ``Errors.``."""


def ok(request: Request) -> Response:
    return Response(200, {"id": 42})


def request(path: str = "/users/42", **headers: str) -> Request:
    return Request("GET", path, headers, scheme="https", host="api.example.com", port=8443)


def event_names(span: ReadableSpan) -> list[str]:
    return [e.name for e in span.events]


def assert_one_exception(span: ReadableSpan, exc_type: type, message: str) -> None:
    """OTel spec, RecordException: an event named "exception" with exception.type/message."""
    events = [e for e in span.events if e.name == "exception"]
    assert len(events) == 1, (
        f"the exception must be recorded once on {span.name!r} (span.record_exception), "
        f"found {len(events)} 'exception' events"
    )
    attributes = events[0].attributes or {}
    assert attributes.get("exception.message") == message
    assert str(attributes.get("exception.type", "")).endswith(exc_type.__name__)


def assert_context_restored() -> None:
    assert trace.get_current_span() is trace.INVALID_SPAN, (
        "the span is still current after the call returned: detach the context you attached"
    )


def remote_context(traceparent: str = W3C_TRACEPARENT) -> otel_context.Context:
    """A context holding the W3C example span as a remote parent (what a server extracts)."""
    flags = int(traceparent[-2:], 16)
    parent = trace.SpanContext(
        int(traceparent[3:35], 16),
        int(traceparent[36:52], 16),
        is_remote=True,
        trace_flags=trace.TraceFlags(flags),
    )
    return trace.set_span_in_context(trace.NonRecordingSpan(parent))


# --- Server spans ------------------------------------------------------------------


@pytest.mark.spec("Server spans")
def test_server_span_name_kind_and_attributes(otel: Tracing) -> None:
    """Semconv HTTP server span: name "{method} {http.route}", kind SERVER, stable names."""
    response = serve(otel.tracer, request(), "/users/{id}", ok)
    assert response == Response(200, {"id": 42})
    span = otel.one(SpanKind.SERVER)
    assert span.name == "GET /users/{id}", "name a server span '{method} {route}', not the path"
    assert dict(span.attributes or {}) == {
        "http.request.method": "GET",
        "url.path": "/users/42",
        "url.scheme": "https",
        "http.route": "/users/{id}",
        "server.address": "api.example.com",
        "server.port": 8443,
        "http.response.status_code": 200,
    }
    assert span.status.status_code == StatusCode.UNSET
    assert span.parent is None, "without a traceparent header the server span is a root"


@pytest.mark.spec("Server spans")
def test_server_returns_the_handlers_response(otel: Tracing) -> None:
    answer = Response(201, object())
    assert serve(otel.tracer, request(), "/users", lambda r: answer) is answer


@pytest.mark.spec("Server spans")
@pytest.mark.parametrize("name", OLD_NAMES)
def test_no_pre_1_23_attribute_names(otel: Tracing, name: str) -> None:
    serve(otel.tracer, request(), "/users/{id}", ok)
    attributes = otel.one(SpanKind.SERVER).attributes or {}
    assert name not in attributes, f"{name} is the old convention; use the stable names"


@pytest.mark.spec("Server spans")
@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_known_methods_name_the_span(otel: Tracing, method: str) -> None:
    serve(otel.tracer, Request(method, "/items/7"), "/items/{id}", ok)
    span = otel.one(SpanKind.SERVER)
    assert span.name == f"{method} /items/{{id}}"
    assert (span.attributes or {})["http.request.method"] == method
    assert "http.request.method_original" not in (span.attributes or {})


@pytest.mark.spec("Server spans")
@pytest.mark.parametrize("method", ["PURGE", "get", "Get"])
def test_unknown_method_is_other(otel: Tracing, method: str) -> None:
    """Semconv http.request.method: an unknown method is "_OTHER", the original goes to
    http.request.method_original and the span name uses "HTTP" (methods are case-sensitive,
    RFC 9110 §9.1)."""
    serve(otel.tracer, Request(method, "/cache/a"), "/cache/{key}", ok)
    span = otel.one(SpanKind.SERVER)
    assert span.name == "HTTP /cache/{key}"
    attributes = span.attributes or {}
    assert attributes["http.request.method"] == "_OTHER"
    assert attributes["http.request.method_original"] == method


@pytest.mark.spec("API")
def test_request_and_responses_are_frozen(otel: Tracing) -> None:
    """The stub's declarations are frozen dataclasses; the 500 that serve makes is one too."""

    def handler(req: Request) -> Response:
        with pytest.raises(dataclasses.FrozenInstanceError):
            req.path = "/other"  # type: ignore[misc]
        raise UpstreamError("boom")

    response = serve(otel.tracer, Request("GET", "/"), "/", handler)
    assert response == Response(500)
    with pytest.raises(dataclasses.FrozenInstanceError):
        response.status = 200  # type: ignore[misc]


@pytest.mark.spec("Server spans")
def test_request_defaults(otel: Tracing) -> None:
    serve(otel.tracer, Request("GET", "/"), "/", ok)
    attributes = otel.one(SpanKind.SERVER).attributes or {}
    assert attributes["url.scheme"] == "http"
    assert attributes["server.address"] == "localhost"
    assert attributes["server.port"] == 8080


@pytest.mark.spec("Server spans")
def test_handler_runs_inside_the_server_span(otel: Tracing) -> None:
    seen: list[trace.SpanContext] = []

    def handler(req: Request) -> Response:
        seen.append(trace.get_current_span().get_span_context())
        with otel.tracer.start_as_current_span("db.query"):
            pass
        return Response(200)

    serve(otel.tracer, request(), "/users/{id}", handler)
    server = otel.one(SpanKind.SERVER)
    assert seen == [server.context], "the server span must be current while the handler runs"
    (child,) = otel.named("db.query")
    assert child.parent == server.context
    assert_context_restored()


# --- Status and errors -----------------------------------------------------------


@pytest.mark.spec("Status and errors")
@pytest.mark.parametrize("status", [200, 204, 301, 304, 400, 401, 404, 429, 499])
def test_server_status_unset_below_500(otel: Tracing, status: int) -> None:
    """Semconv: on a SERVER span, 1xx–4xx leave the status unset (a 4xx is the client's
    error, not the server's), and error.type is not set."""
    serve(otel.tracer, request(), "/users/{id}", lambda r: Response(status))
    span = otel.one(SpanKind.SERVER)
    assert span.status.status_code == StatusCode.UNSET, (
        f"a server answering {status} did not fail: leave the status unset"
    )
    attributes = span.attributes or {}
    assert attributes["http.response.status_code"] == status
    assert "error.type" not in attributes


@pytest.mark.spec("Status and errors")
@pytest.mark.parametrize("status", [500, 502, 503, 599])
def test_server_status_error_on_5xx(otel: Tracing, status: int) -> None:
    serve(otel.tracer, request(), "/users/{id}", lambda r: Response(status))
    span = otel.one(SpanKind.SERVER)
    assert span.status.status_code == StatusCode.ERROR
    attributes = span.attributes or {}
    assert attributes["http.response.status_code"] == status
    assert attributes["error.type"] == str(status), "error.type is the status code as a string"
    assert "exception" not in event_names(span)


@pytest.mark.spec("Status and errors")
@pytest.mark.parametrize(
    ("exc", "error_type"),
    [
        (ValueError("bad id"), "ValueError"),
        (KeyError("user"), "KeyError"),
        (UpstreamError("inventory down"), f"{__name__}.UpstreamError"),
        (binascii.Error("bad base64"), "binascii.Error"),
        (Errors.NotFound("no user 42"), f"{__name__}.Errors.NotFound"),
    ],
    ids=["ValueError", "KeyError", "own-class", "binascii", "nested-class"],
)
def test_handler_exception_is_recorded_and_answers_500(
    otel: Tracing, exc: Exception, error_type: str
) -> None:
    def handler(req: Request) -> Response:
        raise exc

    response = serve(otel.tracer, request(), "/users/{id}", handler)
    assert response.status == 500
    span = otel.one(SpanKind.SERVER)  # exported: the span was ended on the error path
    assert span.status.status_code == StatusCode.ERROR
    attributes = span.attributes or {}
    assert attributes["http.response.status_code"] == 500
    assert attributes["error.type"] == error_type, (
        "error.type is type(exc).__qualname__, prefixed with the module unless it is builtins"
    )
    assert_one_exception(span, type(exc), str(exc))


@pytest.mark.spec("Status and errors")
def test_keyboard_interrupt_is_not_answered_with_500(otel: Tracing) -> None:
    """Only an Exception is answered with a 500: a KeyboardInterrupt (a BaseException, like
    SystemExit) must reach the process, not be swallowed by the request."""

    def handler(req: Request) -> Response:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        serve(otel.tracer, request(), "/users/{id}", handler)
    assert_context_restored()


@pytest.mark.spec("Status and errors")
def test_context_restored_after_a_failed_request(otel: Tracing) -> None:
    def handler(req: Request) -> Response:
        raise UpstreamError("boom")

    serve(otel.tracer, request(traceparent=W3C_TRACEPARENT), "/users/{id}", handler)
    assert_context_restored()
    serve(otel.tracer, request(), "/next", ok)
    assert otel.named("GET /next")[0].parent is None, "the next request inherited a dead span"


# --- Incoming propagation ----------------------------------------------------------


@pytest.mark.spec("Incoming propagation")
def test_server_span_continues_the_remote_trace(otel: Tracing) -> None:
    """W3C §3.2: the server span joins the caller's trace; its parent is the caller's span."""
    serve(otel.tracer, request(traceparent=W3C_TRACEPARENT), "/users/{id}", ok)
    span = otel.one(SpanKind.SERVER)
    assert span.context.trace_id == W3C_TRACE_ID, "extract traceparent from request.headers"
    assert span.parent is not None and span.parent.span_id == W3C_PARENT_ID
    assert span.parent.is_remote, "the parent came over the wire: it is a remote span context"
    assert span.context.span_id != W3C_PARENT_ID, "the server span gets a span id of its own"
    assert_context_restored()


@pytest.mark.spec("Incoming propagation")
def test_tracestate_is_kept(otel: Tracing) -> None:
    serve(
        otel.tracer,
        request(traceparent=W3C_TRACEPARENT, tracestate=W3C_TRACESTATE),
        "/users/{id}",
        ok,
    )
    state = otel.one(SpanKind.SERVER).context.trace_state
    assert state.to_header() == W3C_TRACESTATE


@pytest.mark.spec("Incoming propagation")
def test_unsampled_parent_is_respected(otel: Tracing) -> None:
    """Flags 00: the caller did not sample this trace; ParentBased sampling records nothing,
    but the request is still served."""
    seen: list[int] = []

    def handler(req: Request) -> Response:
        seen.append(trace.get_current_span().get_span_context().trace_id)
        return Response(200)

    response = serve(otel.tracer, request(traceparent=W3C_NOT_SAMPLED), "/users/{id}", handler)
    assert response.status == 200
    assert otel.spans() == [], "an unsampled remote parent means no exported spans"
    assert seen == [W3C_TRACE_ID]


@pytest.mark.spec("Incoming propagation")
@pytest.mark.parametrize(
    "header",
    [
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "garbage",
    ],
    ids=["uppercase", "zero-trace-id", "zero-parent-id", "version-ff", "garbage"],
)
def test_invalid_traceparent_starts_a_new_trace(otel: Tracing, header: str) -> None:
    """W3C §3.2.2: an invalid traceparent is ignored and a new trace is started."""
    serve(otel.tracer, request(traceparent=header), "/users/{id}", ok)
    span = otel.one(SpanKind.SERVER)
    assert span.parent is None
    assert span.context.trace_id != W3C_TRACE_ID


# --- Client spans ------------------------------------------------------------------


def sender(status: int = 200):
    sent: list[tuple[str, str, dict[str, str]]] = []

    def send(method: str, url: str, headers: dict[str, str]) -> int:
        sent.append((method, url, dict(headers)))
        return status

    return send, sent


@pytest.mark.spec("Client spans")
@pytest.mark.parametrize(
    ("url", "address", "port"),
    [
        ("http://inventory.internal:8081/items/7?fields=stock", "inventory.internal", 8081),
        ("https://payments.example.com/v1/charges", "payments.example.com", 443),
        ("http://10.0.0.7/health", "10.0.0.7", 80),
        ("http://Inventory.Internal:8081/items", "inventory.internal", 8081),
        ("http://[::1]:8080/health", "::1", 8080),
    ],
    ids=["explicit-port", "https-default", "http-default", "host-lower-cased", "ipv6"],
)
def test_client_span_name_kind_and_attributes(
    otel: Tracing, url: str, address: str, port: int
) -> None:
    """Semconv HTTP client span: name "{method}" (no url.template), kind CLIENT,
    server.port always set (the scheme's default when the URL has none), server.address the
    URL's ``urlsplit(url).hostname``: lower-cased, an IPv6 address without its brackets."""
    send, sent = sender(200)
    assert call(otel.tracer, "GET", url, send) == 200
    assert [(m, u) for m, u, _ in sent] == [("GET", url)]
    span = otel.one(SpanKind.CLIENT)
    assert span.name == "GET"
    assert dict(span.attributes or {}) == {
        "http.request.method": "GET",
        "url.full": url,
        "server.address": address,
        "server.port": port,
        "http.response.status_code": 200,
    }
    assert span.status.status_code == StatusCode.UNSET
    assert_context_restored()


@pytest.mark.spec("Client spans")
def test_client_unknown_method(otel: Tracing) -> None:
    send, sent = sender(200)
    call(otel.tracer, "PURGE", "http://cache.internal/a", send)
    assert sent[0][0] == "PURGE", "send the original method"
    span = otel.one(SpanKind.CLIENT)
    assert span.name == "HTTP"
    attributes = span.attributes or {}
    assert attributes["http.request.method"] == "_OTHER"
    assert attributes["http.request.method_original"] == "PURGE"


@pytest.mark.spec("Client spans")
def test_client_span_is_a_child_of_the_current_span(otel: Tracing) -> None:
    send, _ = sender(200)
    with otel.tracer.start_as_current_span("checkout") as parent:
        call(otel.tracer, "POST", "https://payments.example.com/v1/charges", send)
    client = otel.one(SpanKind.CLIENT)
    assert client.parent == parent.get_span_context()


@pytest.mark.spec("Status and errors")
@pytest.mark.parametrize("status", [200, 201, 302, 304, 399])
def test_client_status_unset_below_400(otel: Tracing, status: int) -> None:
    send, _ = sender(status)
    assert call(otel.tracer, "GET", "http://inventory.internal/items", send) == status
    span = otel.one(SpanKind.CLIENT)
    assert span.status.status_code == StatusCode.UNSET
    assert "error.type" not in (span.attributes or {})


@pytest.mark.spec("Status and errors")
@pytest.mark.parametrize("status", [400, 404, 409, 500, 503])
def test_client_status_error_from_400(otel: Tracing, status: int) -> None:
    """Semconv: on a CLIENT span a 4xx is an error too (the call did not get what it asked)."""
    send, _ = sender(status)
    assert call(otel.tracer, "GET", "http://inventory.internal/items", send) == status
    span = otel.one(SpanKind.CLIENT)
    assert span.status.status_code == StatusCode.ERROR
    attributes = span.attributes or {}
    assert attributes["http.response.status_code"] == status
    assert attributes["error.type"] == str(status)


@pytest.mark.spec("Status and errors")
def test_client_exception_is_recorded_and_raised(otel: Tracing) -> None:
    failure = ConnectionRefusedError("connection refused")

    def send(method: str, url: str, headers: dict[str, str]) -> int:
        raise failure

    with pytest.raises(ConnectionRefusedError) as caught:
        call(otel.tracer, "GET", "http://inventory.internal/items", send)
    assert caught.value is failure, "re-raise the caller's exception unchanged"
    span = otel.one(SpanKind.CLIENT)
    assert span.status.status_code == StatusCode.ERROR
    attributes = span.attributes or {}
    assert attributes["error.type"] == "ConnectionRefusedError"
    assert "http.response.status_code" not in attributes, "no response was received"
    assert_one_exception(span, ConnectionRefusedError, "connection refused")
    assert_context_restored()


# --- Outgoing propagation ----------------------------------------------------------


def traceparent_of(span: ReadableSpan) -> str:
    """W3C §3.2.2: version 00, trace-id, parent-id (the sender's span), flags."""
    ctx = span.context
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"


@pytest.mark.spec("Outgoing propagation")
def test_traceparent_names_the_client_span(otel: Tracing) -> None:
    """W3C §3.4: the parent-id sent downstream is the id of the span making the call, so
    the callee's server span becomes a child of the CLIENT span, not of the caller's parent."""
    send, sent = sender(200)
    with otel.tracer.start_as_current_span("handler"):
        call(otel.tracer, "GET", "http://inventory.internal/items", send)
    client = otel.one(SpanKind.CLIENT)
    headers = sent[0][2]
    assert headers.get("traceparent") == traceparent_of(client), (
        "inject while the CLIENT span is current: its span id is the next hop's parent"
    )


@pytest.mark.spec("Outgoing propagation")
def test_caller_headers_are_kept_and_not_mutated(otel: Tracing) -> None:
    send, sent = sender(200)
    mine = {"accept": "application/json"}
    call(otel.tracer, "GET", "http://inventory.internal/items", send, headers=mine)
    assert mine == {"accept": "application/json"}, "copy the caller's headers before injecting"
    headers = sent[0][2]
    assert headers["accept"] == "application/json"
    assert "traceparent" in headers, (
        "nothing was injected: no span was current when you injected (inject inside the "
        "client span, while it is current)"
    )
    assert headers["traceparent"] == traceparent_of(otel.one(SpanKind.CLIENT))


@pytest.mark.spec("Outgoing propagation")
def test_remote_trace_and_tracestate_flow_downstream(otel: Tracing) -> None:
    send, sent = sender(200)

    def handler(req: Request) -> Response:
        return Response(call(otel.tracer, "GET", "http://inventory.internal/items", send))

    headers = {"traceparent": W3C_TRACEPARENT, "tracestate": W3C_TRACESTATE}
    serve(otel.tracer, request(**headers), "/users/{id}", handler)
    client = otel.one(SpanKind.CLIENT)
    server = otel.one(SpanKind.SERVER)
    assert client.parent == server.context
    outgoing = sent[0][2]
    assert outgoing["traceparent"].startswith("00-4bf92f3577b34da6a3ce929d0e0e4736-")
    assert outgoing["traceparent"] == traceparent_of(client)
    assert outgoing.get("tracestate") == W3C_TRACESTATE, "forward the tracestate you received"


@pytest.mark.spec("Outgoing propagation")
def test_unsampled_flag_is_forwarded(otel: Tracing) -> None:
    send, sent = sender(200)
    token = otel_context.attach(remote_context(W3C_NOT_SAMPLED))
    try:
        call(otel.tracer, "GET", "http://inventory.internal/items", send)
    finally:
        otel_context.detach(token)
    assert otel.spans() == []
    traceparent = sent[0][2]["traceparent"]
    assert traceparent.startswith("00-4bf92f3577b34da6a3ce929d0e0e4736-")
    assert traceparent.endswith("-00"), "the sampled flag travels unchanged"


# --- Threads -------------------------------------------------------------------------


@pytest.mark.spec("Threads")
def test_thread_pool_spans_are_children_of_the_caller(otel: Tracing) -> None:
    """A worker thread starts with an empty contextvars context: without carrying the
    caller's context into each job, every job's span would be the root of a new trace."""
    with ThreadPoolExecutor(max_workers=2) as pool, otel.tracer.start_as_current_span("fan-out"):
        results = map_in_threads(otel.tracer, pool, "price", lambda x: x * 10, [1, 2, 3, 4])
    assert results == [10, 20, 30, 40], "results in item order, not completion order"
    (parent,) = otel.named("fan-out")
    jobs = otel.named("price")
    assert len(jobs) == 4, "one span per item"
    for job in jobs:
        assert job.kind == SpanKind.INTERNAL
        assert job.parent == parent.context, (
            "the job's span lost its parent: copy the caller's context into the worker"
        )
        assert job.context.trace_id == parent.context.trace_id


@pytest.mark.spec("Threads")
def test_work_in_a_thread_runs_inside_its_span(otel: Tracing) -> None:
    current: dict[int, trace.SpanContext] = {}

    def work(item: int) -> int:
        current[item] = trace.get_current_span().get_span_context()
        with otel.tracer.start_as_current_span(f"step-{item}"):
            pass
        return item

    with ThreadPoolExecutor(max_workers=2) as pool, otel.tracer.start_as_current_span("fan-out"):
        map_in_threads(otel.tracer, pool, "job", work, [0, 1, 2])
    jobs = {s.context.span_id: s for s in otel.named("job")}
    for item in range(3):
        (step,) = otel.named(f"step-{item}")
        assert step.parent is not None and step.parent.span_id in jobs
        assert current[item] == step.parent, "fn must run with its job's span current"
    assert {s.parent.span_id for s in otel.named("step-0") + otel.named("step-1")} <= set(jobs)


@pytest.mark.spec("Threads")
def test_worker_threads_are_left_clean(otel: Tracing) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        with otel.tracer.start_as_current_span("fan-out"):
            map_in_threads(otel.tracer, pool, "job", lambda x: x, [1, 2])
        left = pool.submit(trace.get_current_span).result()
    assert left is trace.INVALID_SPAN, (
        "a worker thread still has a span current after its job: detach what you attach"
    )
    assert_context_restored()


@pytest.mark.spec("Threads")
def test_failing_job_is_recorded_and_raised(otel: Tracing) -> None:
    def work(item: int) -> int:
        if item == 2:
            raise UpstreamError("no price for 2")
        return item

    pool = ThreadPoolExecutor(max_workers=2)
    with pool, pytest.raises(UpstreamError), otel.tracer.start_as_current_span("fan-out"):
        map_in_threads(otel.tracer, pool, "job", work, [1, 2, 3])
    jobs = otel.named("job")
    assert len(jobs) == 3, "every job's span is ended, the failing one too"
    failed = [s for s in jobs if s.status.status_code == StatusCode.ERROR]
    assert len(failed) == 1
    assert_one_exception(failed[0], UpstreamError, "no price for 2")
    assert "error.type" not in (failed[0].attributes or {}), (
        "error.type is for server and client spans only, not INTERNAL ones"
    )


class SpyExecutor(Executor):
    """A thread pool that counts the jobs submitted to it and notes every job whose callable
    could not even start because its ``contextvars.Context`` was already entered by another
    thread (``RuntimeError: cannot enter context``); it then breaks ``barrier``, so that the
    jobs waiting there fail at once instead of waiting for a partner that will never come."""

    def __init__(self, workers: int, barrier: threading.Barrier | None = None) -> None:
        self.pool = ThreadPoolExecutor(max_workers=workers)
        self.barrier = barrier
        self.submitted = 0
        self.futures: list[Future[Any]] = []
        self.entry_errors: list[RuntimeError] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.submitted += 1

        def run() -> Any:
            try:
                return fn(*args, **kwargs)
            except RuntimeError as exc:
                if "cannot enter context" in str(exc):
                    self.entry_errors.append(exc)
                    if self.barrier is not None:
                        self.barrier.abort()
                raise

        future = self.pool.submit(run)
        self.futures.append(future)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.pool.shutdown(wait, cancel_futures=cancel_futures)


@pytest.mark.spec("Threads")
def test_each_job_runs_in_a_fresh_copy_of_the_context(otel: Tracing) -> None:
    """A contextvars.Context can be entered by one thread at a time: ``ctx.run`` in a second
    thread while the first is still inside raises RuntimeError. The two jobs meet at a
    barrier, so both are inside their context at once — with one copy shared by every job,
    the second always fails to start."""
    barrier = threading.Barrier(2, timeout=5)

    def work(item: int) -> int:
        barrier.wait()  # both jobs are running, each inside its context
        return item * 10

    results: list[int] | None = None
    pool = SpyExecutor(2, barrier)
    failed_to_start = contextlib.suppress(RuntimeError, threading.BrokenBarrierError)
    with pool, otel.tracer.start_as_current_span("fan-out"), failed_to_start:
        results = map_in_threads(otel.tracer, pool, "job", work, [1, 2])
    assert pool.entry_errors == [], (
        "two jobs entered the same shared Context at once (RuntimeError: cannot enter "
        "context): make a fresh contextvars.copy_context() per job, not one for all"
    )
    assert results == [10, 20], "the jobs must run at the same time, on the executor's threads"
    (parent,) = otel.named("fan-out")
    assert [s.parent for s in otel.named("job")] == [parent.context] * 2


@pytest.mark.spec("API")
def test_each_item_is_submitted_to_the_executor(otel: Tracing) -> None:
    """map_in_threads submits one job per item to ``executor``: fn runs on a worker thread,
    never inline in the caller's."""
    caller = threading.get_ident()
    ran_on: list[int] = []

    def work(item: int) -> int:
        ran_on.append(threading.get_ident())
        return item

    with SpyExecutor(2) as pool:
        assert map_in_threads(otel.tracer, pool, "job", work, [1, 2, 3]) == [1, 2, 3]
    assert pool.submitted == 3, f"submit one job per item to executor, not {pool.submitted}"
    assert caller not in ran_on, "fn ran in the caller's thread: run it on the executor"


def blocked_in_a_wait(thread_id: int) -> bool:
    """Whether the thread is parked in ``threading``'s ``wait`` (Condition, Event): what a
    caller does while it waits for a future."""
    frame = sys._current_frames().get(thread_id)
    code = frame.f_code if frame is not None else None
    return code is not None and code.co_name == "wait" and code.co_filename == threading.__file__


@pytest.mark.spec("API")
def test_results_are_in_item_order_not_completion_order(otel: Tracing) -> None:
    """Item 2's job completes first: item 1's returns only once item 2's future is done and
    the caller, every job submitted, is blocked waiting for a result. Results collected as
    they complete (as_completed) would come out [20, 10]."""
    caller = threading.get_ident()
    pool = SpyExecutor(2)

    def work(item: int) -> int:
        if item == 1:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and not (
                pool.submitted == 2
                and sum(f.done() for f in pool.futures) == 1
                and blocked_in_a_wait(caller)
            ):
                time.sleep(0.001)
        return item * 10

    with pool:
        results = map_in_threads(otel.tracer, pool, "job", work, [1, 2])
    assert results == [10, 20], "results in item order, not completion order"


@pytest.mark.spec("API")
def test_a_failed_job_is_raised_without_waiting_for_later_items(otel: Tracing) -> None:
    """The results are read in item order: when an item's job failed, its exception is raised
    at once, without waiting for the jobs of later items (which keep running)."""
    release = threading.Event()
    released: list[bool] = []

    def work(item: int) -> int:
        if item == 1:
            raise UpstreamError("no price for 1")
        released.append(release.wait(timeout=5))  # True: the test released it
        return item

    with ThreadPoolExecutor(max_workers=2) as pool:
        try:
            with pytest.raises(UpstreamError):
                map_in_threads(otel.tracer, pool, "job", work, [1, 2])
        finally:
            release.set()
    assert released == [True], (
        "map_in_threads waited for item 2 before raising item 1's exception: raise it as soon "
        "as the failed item is reached"
    )
    assert len(otel.named("job")) == 2, "the later job's span ends when that job does"


# --- Tasks ---------------------------------------------------------------------------


@pytest.mark.spec("Tasks")
def test_task_spans_are_children_of_the_caller(otel: Tracing) -> None:
    """asyncio tasks copy the current context when created; the jobs run concurrently, so
    each must see its own span, not a sibling's."""
    started: list[int] = []

    async def main() -> tuple[list[int], trace.Span]:
        async def work(item: int) -> int:
            started.append(item)
            for _ in range(100):  # every job is in flight at once
                if len(started) == 3:
                    break
                await asyncio.sleep(0)
            else:
                raise AssertionError(
                    f"jobs must run concurrently: job {item} waited 100 event-loop turns and "
                    f"only jobs {started} had started (one task per item, awaited together)"
                )
            with otel.tracer.start_as_current_span(f"step-{item}"):
                await asyncio.sleep(0)
            return item * 2

        with otel.tracer.start_as_current_span("gather") as parent:
            results = await gather_in_tasks(otel.tracer, "job", work, [1, 2, 3])
            assert trace.get_current_span() is parent
        return results, parent

    results, parent = asyncio.run(main())
    assert results == [2, 4, 6]
    jobs = otel.named("job")
    assert len(jobs) == 3
    for job in jobs:
        assert job.kind == SpanKind.INTERNAL
        assert job.parent == parent.get_span_context()
    parents = [otel.named(f"step-{i}")[0].parent for i in (1, 2, 3)]
    assert {p.span_id for p in parents if p} == {j.context.span_id for j in jobs}, (
        "each job's inner span must be a child of that job's own span"
    )
    for job in jobs:
        (step,) = [s for s in otel.spans() if s.parent == job.context]
        assert job.end_time >= step.end_time, "the job's span must end after its work"


@pytest.mark.spec("Tasks")
def test_failing_task_is_recorded_and_raised(otel: Tracing) -> None:
    async def work(item: int) -> int:
        await asyncio.sleep(0)
        if item == 1:
            raise UpstreamError("task 1 failed")
        return item

    with pytest.raises(UpstreamError):
        asyncio.run(gather_in_tasks(otel.tracer, "job", work, [0, 1]))
    failed = [s for s in otel.named("job") if s.status.status_code == StatusCode.ERROR]
    assert len(failed) == 1
    assert_one_exception(failed[0], UpstreamError, "task 1 failed")
    assert "error.type" not in (failed[0].attributes or {}), (
        "error.type is for server and client spans only, not INTERNAL ones"
    )


@pytest.mark.spec("API")
def test_a_failed_task_is_raised_without_waiting_for_the_others(otel: Tracing) -> None:
    """As with asyncio.gather: the first exception propagates at once; the other tasks are
    neither awaited nor cancelled, and finish on their own."""

    async def main() -> list[bool]:
        release = asyncio.Event()
        released: list[bool] = []

        async def work(item: int) -> int:
            if item == 1:
                await asyncio.sleep(0)
                raise UpstreamError("task 1 failed")
            try:
                await asyncio.wait_for(release.wait(), 5)
                released.append(True)
            except TimeoutError:
                released.append(False)
            return item

        with pytest.raises(UpstreamError):
            await gather_in_tasks(otel.tracer, "job", work, [1, 2])
        release.set()
        for _ in range(100):  # the other task is still running: let it finish
            if released:
                break
            await asyncio.sleep(0)
        return released

    assert asyncio.run(main()) == [True], (
        "gather_in_tasks must raise the first exception at once, without waiting for or "
        "cancelling the other tasks (as asyncio.gather does)"
    )
    assert len(otel.named("job")) == 2


# --- Examples ------------------------------------------------------------------------


@pytest.mark.spec("Examples")
def test_a_whole_request(otel: Tracing) -> None:
    """Server span (remote parent) → one INTERNAL span per item in a thread pool → a
    CLIENT span in each, whose traceparent names it."""
    send, sent = sender(200)

    def handler(req: Request) -> Response:
        def fetch(item: int) -> int:
            return call(otel.tracer, "GET", f"http://inventory.internal/items/{item}", send)

        with ThreadPoolExecutor(max_workers=2) as pool:
            statuses = map_in_threads(otel.tracer, pool, "fetch item", fetch, [1, 2, 3])
        return Response(200, statuses)

    incoming = request("/carts/9", traceparent=W3C_TRACEPARENT)
    response = serve(otel.tracer, incoming, "/carts/{id}", handler)
    assert response == Response(200, [200, 200, 200])
    server = otel.one(SpanKind.SERVER)
    assert server.parent is not None and server.parent.span_id == W3C_PARENT_ID
    fetches = otel.named("fetch item")
    clients = [s for s in otel.spans() if s.kind == SpanKind.CLIENT]
    assert len(fetches) == 3 and len(clients) == 3
    assert [f.parent for f in fetches] == [server.context] * 3, (
        "each job's span is a child of the server span (carry the context into the pool)"
    )
    fetch_ids = {f.context.span_id for f in fetches}
    assert {c.parent.span_id for c in clients if c.parent} == fetch_ids, (
        "each client span is a child of its job's span"
    )
    assert {s.context.trace_id for s in otel.spans()} == {W3C_TRACE_ID}, "one trace throughout"
    assert sorted(h["traceparent"] for _, _, h in sent) == sorted(map(traceparent_of, clients))
