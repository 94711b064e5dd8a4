"""Renderers: each turns the report (``grader.core.report``) into one output format.

Importing this package registers every renderer in :mod:`grader.core.formats`:
``terminal``, ``markdown``, ``junit`` and ``json``. The platforms' formats
(Classroom 50, the Actions step, Gradescope, the batch gradebook) are in
``grader.platforms``; they too read only the report.
"""

from grader.render import json_report, junit, markdown, terminal

__all__ = ["json_report", "junit", "markdown", "terminal"]
