"""Disclosure levels: how much of a failing test the learner is shown.

The same three levels as Classroom 50's ``failure-details`` (and the idea of
PrairieLearn's and Gradescope's hidden feedback), applied by every report an
instructor hands out — Classroom 50's ``result.json`` and ``release-body.md``,
Gradescope's ``results.json``, ``batch``'s per-student reports:

``full``
    everything: the assertion's message with expected against actual, the
    traceback (which shows the test's code), the test's line, what the code
    printed.
``actual-only``
    what the learner's own code did, never what was expected: the failure
    kind, the exception's type, the ``actual:`` value, the exception raised by
    the learner's code, what it printed, and the spec section. No expected
    value, no assertion text, no test source or traceback, no diff.
``none``
    only pass/fail and the failure kind (wrong result, error, timed out…).

:func:`redact` applies a level to one test entry of the report; the renderers
then show whatever is left.
"""

from __future__ import annotations

import re
from typing import Any

from grader.core.verdicts import test_outcome

FULL, ACTUAL_ONLY, NONE = "full", "actual-only", "none"
LEVELS = (FULL, ACTUAL_ONLY, NONE)


# A first line such as "AssertionError: …" or "Failed: DID NOT RAISE …" states
# what the test wanted; an exception of the learner's own code does not.
_TEST_SIDE = re.compile(r"^(AssertionError|Failed|pytest\.fail|_pytest\.\w+)\b")
_EXCEPTION = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning))\b")


def failure_kind(status: str) -> str:
    """A test status in words: ``"failed"`` is a wrong result, and so on."""
    return test_outcome(status).props.kind


def check_level(level: str) -> str:
    """``level`` if it is one of :data:`LEVELS`, else a ``ValueError`` naming them."""
    if level not in LEVELS:
        raise ValueError(f"unknown disclosure level {level!r}: choose {', '.join(LEVELS)}")
    return level


def actual_only_message(message: str) -> str:
    """The parts of a failure message that come from the learner's code alone.

    Keeps the exception's type, the ``actual:`` line pytest's comparison gives,
    and the whole first line when the exception is one the learner's code
    raised (``KeyError: 'b'``): none of them carries the expected value.
    """
    lines = message.strip().splitlines()
    if not lines:
        return ""
    first = lines[0].strip()
    kept: list[str] = []
    exception = _EXCEPTION.match(first)
    if _TEST_SIDE.match(first):
        kept.append(first.split(":", 1)[0])
    elif exception:
        kept.append(first)
    kept += [line.strip() for line in lines[1:] if line.strip().startswith("actual:")]
    return "\n".join(kept)


def redact(test: dict[str, Any], level: str) -> dict[str, Any]:
    """A copy of one report test entry with only what ``level`` discloses.

    ``message`` always starts with the failure kind, so a reader of any level
    knows what went wrong in kind; ``kind`` holds it alone.
    """
    check_level(level)
    shown = dict(test)
    status = test.get("status", "")
    kind = failure_kind(status)
    shown["kind"] = kind
    if status in ("passed", "skipped") or level == FULL:
        return shown
    if level == ACTUAL_ONLY:
        detail = actual_only_message(test.get("message") or "")
        shown["message"] = f"{kind}: {detail}" if detail else kind
        shown["traceback"] = ""
        shown["line"] = None
        return shown
    shown.update(message=kind, traceback="", line=None, stdout="", spec=None)
    return shown


def redact_kata(kata: dict[str, Any], level: str) -> dict[str, Any]:
    """A copy of a report's kata entry with every test entry redacted to ``level``.

    A kata-level problem (the module does not import, the kata timed out) is
    the learner's own code failing, so it stays at every level but ``none``,
    where only the kata's status is left.
    """
    shown = dict(kata)
    shown["results"] = [redact(t, level) for t in kata.get("results") or []]
    if level == NONE:
        shown["problem"] = None
        shown["output"] = ""
        if shown.get("broken"):
            shown["broken"] = {"error": "the module does not import", "file": None, "line": None}
    elif level == ACTUAL_ONLY:
        shown["output"] = ""
    return shown


def redact_report(report: dict[str, Any], level: str) -> dict[str, Any]:
    """A copy of a whole report with every kata redacted to ``level``."""
    check_level(level)
    if level == FULL:
        return report
    shown = dict(report)
    shown["katas"] = [redact_kata(k, level) for k in report.get("katas", [])]
    return shown
