"""The registry of report renderers, keyed by format name.

A renderer turns a finished report (the dict :func:`grader.core.report.build`
makes, the same data ``.kata/report.json`` holds) into text, and reads nothing
else: what a person sees and what a machine reads never disagree. Renderers
register themselves when their module is imported::

    @register("markdown")
    def render_markdown(report: dict[str, Any], view: View) -> str: ...

The core never imports them. ``grader.render`` holds the general formats
(a module each); importing it loads them all. The platforms' formats live with
their platform and register when it is imported. :data:`RENDERERS` is the
list; ``tests/test_verdicts.py`` checks that each covers every verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO


@dataclass(frozen=True)
class View:
    """What a renderer may need beyond the report: how, where and for whom it is shown."""

    colour: bool | None = None  # None: colour when ``stream`` is a terminal
    stream: TextIO | None = None  # where the text goes (read for colour only)
    report_path: str | None = None  # where the JSON report was written, to mention it
    timing_only: bool = False  # show only the timing (``--timing-only``)
    plot: bool = False  # draw each timed kata's growth
    # The platforms' formats:
    root: Path | None = None  # the grading root, whose test files a format quotes
    found: Mapping[str, str] | None = None  # where each kata's module was found ("": not)
    execution_time: float = 0.0  # seconds the whole grading took
    disclosure: str = "full"  # how much of a failing test a student sees
    kata_disclosure: Mapping[str, str] = field(default_factory=dict)  # per kata
    environ: Mapping[str, str] = field(default_factory=dict)  # the CI run's environment
    now: datetime | None = None  # the time a format records (None: the clock's)
    settings: Any = None  # the platform's assignment settings (Classroom 50's ``Settings``)
    student: str = ""  # whose report it is (a gradebook's row)


Renderer = Callable[[dict[str, Any], View], str]

RENDERERS: dict[str, Renderer] = {}
"""Every registered renderer, by format name."""


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
