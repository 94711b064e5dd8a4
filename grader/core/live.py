"""A progress line for long runs (grading, timing, mutants), drawn only on a terminal."""

from __future__ import annotations

import os
import time
from typing import TextIO


class LiveProgress:
    """One line that rewrites itself on a terminal: runs done of all, the current kata, time.

    ``LiveProgress.on(stream, "grading", total)`` draws only when ``stream`` is a
    terminal and not ``quiet``; otherwise every method does nothing, so callers
    need no test of their own.
    """

    def __init__(self, stream: TextIO | None, label: str, total: int = 0) -> None:
        self.stream = stream
        self.label = label
        self.total = total
        self.finished = 0
        self.current = ""
        self.started = time.monotonic()
        self.drawn = False

    @classmethod
    def on(cls, stream: TextIO, label: str, total: int = 0, quiet: bool = False) -> LiveProgress:
        live = not quiet and stream.isatty() and os.environ.get("TERM") != "dumb"
        return cls(stream if live else None, label, total)

    def begin(self, current: str) -> None:
        """``current`` (a kata) has started."""
        self.current = current
        self._draw()

    def done(self, finished: int, total: int | None = None) -> None:
        """``finished`` of ``total`` are done."""
        self.finished = finished
        self.total = total if total is not None else self.total
        self._draw()

    def _draw(self) -> None:
        if self.stream is None:
            return
        width = 20
        filled = width * self.finished // self.total if self.total else 0
        bar = "█" * filled + "░" * (width - filled)
        elapsed = time.monotonic() - self.started
        parts = [f"{self.label} {bar} {self.finished}/{self.total}"]
        if self.current:
            parts.append(self.current)
        parts.append(f"{elapsed:.1f} s")
        self.stream.write("\r\x1b[K" + " · ".join(parts))
        self.stream.flush()
        self.drawn = True

    def stop(self) -> None:
        """Erase the line."""
        if self.stream is not None and self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False
