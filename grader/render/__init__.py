"""Renderers: each turns the report (``grader.core.report``) into one output format.

Importing this package registers each of its renderers in :mod:`grader.core.formats`
(a module per format, imported below). The platforms' formats
(Classroom 50, the Actions step, Gradescope, the batch gradebook) are in
``grader.platforms``; they too read only the report.
"""

from grader.render import json_report, junit, markdown, terminal

__all__ = ["json_report", "junit", "markdown", "terminal"]
