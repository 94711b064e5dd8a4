"""The limits every grading process runs under.

Standard library only: the reporters that explain a verdict read them too.
"""

OUTPUT_LIMIT_BYTES = 32 * 1024 * 1024
"""Largest file the process may write. Past it a write fails with ``EFBIG``
(SIGXFSZ is ignored), which the grader reports as an output limit."""

WALL_FACTOR = 4.0
"""A test's wall-clock limit, in multiples of its ``time_limit`` (which is CPU time)."""
