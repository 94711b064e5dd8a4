"""The registry of report renderers, keyed by format name.

A renderer turns a finished report (the dict :func:`grader.core.report.build`
makes, the same data ``.kata/report.json`` holds) into text, and reads nothing
else: what a person sees and what a machine reads never disagree. Renderers
live in ``grader.render`` and register themselves when imported::

    @register("markdown")
    def render_markdown(report: dict[str, Any], view: View) -> str: ...

The core never imports them: a driver that shows a report (the command line)
imports ``grader.render``, which loads every renderer, and the pipeline looks
the format up here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO


@dataclass(frozen=True)
class View:
    """What a renderer may need beyond the report: how and where it is shown."""

    colour: bool | None = None  # None: colour when ``stream`` is a terminal
    stream: TextIO | None = None  # where the text goes (read for colour only)
    report_path: str | None = None  # where the JSON report was written, to mention it
    timing_only: bool = False  # show only the timing (``--timing-only``)
    plot: bool = False  # draw each timed kata's growth


Renderer = Callable[[dict[str, Any], View], str]

RENDERERS: dict[str, Renderer] = {}
"""Every registered renderer, by format name (``terminal``, ``markdown``, ``junit``, ``json``)."""


def register(name: str) -> Callable[[Renderer], Renderer]:
    """Register a renderer under ``name`` (a decorator)."""

    def add(renderer: Renderer) -> Renderer:
        if name in RENDERERS and RENDERERS[name] is not renderer:
            raise ValueError(f"two renderers for the format {name!r}")
        RENDERERS[name] = renderer
        return renderer

    return add


def render(name: str, report: dict[str, Any], view: View | None = None) -> str:
    """The report in format ``name``."""
    try:
        renderer = RENDERERS[name]
    except KeyError:
        known = ", ".join(sorted(RENDERERS)) or "none: import grader.render first"
        raise LookupError(f"no renderer for the format {name!r} (registered: {known})") from None
    return renderer(report, view or View())
