"""Timing workload for the OpenTelemetry tracing kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: n requests served, each making one outbound
call, on an SDK provider whose in-memory exporter is cleared after every run.
Each request is O(1) spans, so the total grows linearly in n.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

_TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("bench")

    def send(method: str, url: str, headers: dict[str, str]) -> int:
        return 404 if url.endswith("7") else 200

    def handler(request: object) -> object:
        status = module.call(tracer, "GET", "http://inventory.internal:8081/items/7", send)
        return module.Response(200 if status == 200 else 502)

    requests = [
        module.Request("GET", f"/carts/{i}", {"traceparent": _TRACEPARENT}, "https", "shop", 443)
        for i in range(n)
    ]

    def run() -> None:
        for request in requests:
            module.serve(tracer, request, "/carts/{id}", handler)
        exporter.clear()

    return run
