"""The verdict vocabulary: every kata status and test outcome, and what each means everywhere.

A kata's status and a test's outcome are each one member of a string enum,
so a report, a renderer and a comparison all use the same word. Each member
has one row of properties (whether it earns points, whether it counts as
done, its colour and icon, and the word each platform uses), so a renderer
maps a status through this table instead of keeping a list of its own.

The kata status is decided once, in :func:`grader.core.scoring.score`, by this
precedence (the first rule that applies wins):

1. ``tampered``     the tests or the way they run were changed; scores nothing
2. ``broken``       the module does not import
3. ``incomplete``   grading was interrupted before the kata finished
4. ``error``        the tests could not be collected, or there are none
5. ``output limit`` the code printed more than the grader keeps while importing
6. the cause, when nothing passed and every test that did not pass (leaving
   aside those that never ran because the kata was stopped) shares one of the
   causes ``timeout``, ``memory``, ``output limit``, ``process limit`` or
   ``crashed``; or the
   kata as a whole was killed for one of them and nothing passed
7. ``solved``       every test passed
8. ``not started``  nothing passed and every test met ``NotImplementedError``
9. ``failed``       nothing passed, for mixed or ordinary reasons
10. ``partial``     some tests passed, not all; points by weight

``too slow`` replaces ``solved`` afterwards when the timing flags a kata whose
spec makes complexity part of the task: the code's time grows clearly faster
than the reference's, or its workload failed (:func:`grader.core.scoring.apply_timing`).
A constant factor, however large, costs nothing: it is only reported — except
in a kata whose task is speed (``[timing] speed_required``), which is ``too
slow`` beyond its ``max_slowdown`` and earns nothing but when solved. Such a
kata graded without its timing (``--no-timing``, ``--sandbox``) is ``needs
timing``, never ``solved``: its tests pass on the shipped code already.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:  # pragma: no cover - Python 3.10

    class StrEnum(str, Enum):
        """A string enum whose members format as their value (``enum.StrEnum`` of 3.11)."""

        def __str__(self) -> str:
            return str(self.value)


class KataStatus(StrEnum):
    """One kata's status in a report (``katas[].status``)."""

    SOLVED = "solved"
    TOO_SLOW = "too slow"
    NEEDS_TIMING = "needs timing"
    PARTIAL = "partial"
    FAILED = "failed"
    NOT_STARTED = "not started"
    BROKEN = "broken"
    TIMEOUT = "timeout"
    MEMORY = "memory"
    OUTPUT_LIMIT = "output limit"
    PROCESS_LIMIT = "process limit"
    CRASHED = "crashed"
    ERROR = "error"
    INCOMPLETE = "incomplete"
    TAMPERED = "tampered"

    @property
    def props(self) -> KataProps:
        return KATA_PROPS[self]


class TestOutcome(StrEnum):
    """One test's outcome in a report (``katas[].results[].status``)."""

    __test__ = False  # a vocabulary, not a pytest test class

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    TIMEOUT = "timeout"
    MEMORY = "memory"
    OUTPUT_LIMIT = "output limit"
    PROCESS_LIMIT = "process limit"
    CRASHED = "crashed"
    SKIPPED = "skipped"
    NOT_RUN = "not run"

    @property
    def props(self) -> OutcomeProps:
        return OUTCOME_PROPS[self]


@dataclass(frozen=True)
class KataProps:
    """What a kata status means to each output."""

    earns_points: bool  # points in proportion to the passed tests' weights
    done: bool  # counts as solved on the learning path
    colour: str  # ANSI SGR code for the terminal
    icon: str  # Markdown summary table
    classroom: str  # GitHub Classroom reporter: pass, fail or error
    attention: bool  # batch summary: the submission needs a look, not just the solution
    describes: str  # one line for docs and help


@dataclass(frozen=True)
class OutcomeProps:
    """What a test outcome means to each output."""

    mark: str  # terminal and Classroom log
    cause: KataStatus | None  # the kata status when every failing test shares this outcome
    junit: str  # JUnit element: passed, failure, error or skipped
    classroom: str  # pass, fail or error
    gradescope: str  # passed or failed
    describes: str
    kind: str  # the failure kind in words, for learners and teachers ("timed out")
    load_may_cause: bool  # a busy machine may have caused it: the results cache never keeps it


_RED, _YELLOW, _GREEN, _DIM, _MAGENTA = "31", "33", "32", "2", "35"

_Word = TypeVar("_Word", bound=StrEnum)
_Row = TypeVar("_Row")


def _table(words: type[_Word], rows: Mapping[_Word, _Row]) -> dict[_Word, _Row]:
    """A vocabulary's table: one row of properties per member, in the members' order.

    A member without a row (a new verdict added to the enum only) fails at import.
    """
    missing = [str(w) for w in words if w not in rows]
    if missing or len(rows) != len(words):
        raise TypeError(f"{words.__name__}: no row of properties for {', '.join(missing)}")
    return {w: rows[w] for w in words}


def _reader(words: type[_Word], unknown: _Word) -> Callable[[str], _Word]:
    """The member for a word read from a report; an unknown word reads as ``unknown``."""

    def read(value: str) -> _Word:
        try:
            return words(value)
        except ValueError:
            return unknown

    read.__name__ = read.__qualname__ = f"read_{words.__name__}"
    read.__doc__ = f"The {words.__name__} of a word read from a report; unknown: {unknown!s}."
    return read


KATA_PROPS: dict[KataStatus, KataProps] = _table(KataStatus, {
    # status: earns points, done, colour, icon, classroom, attention, describes
    KataStatus.SOLVED: KataProps(True, True, _GREEN, "✅", "pass", False, "every test passed"),
    KataStatus.TOO_SLOW: KataProps(
        True, True, _YELLOW, "🐢", "fail", False, "correct, but too slow where speed counts"
    ),
    KataStatus.NEEDS_TIMING: KataProps(
        False, False, _YELLOW, "⏱️", "fail", False, "correct; only the timing can judge its speed"
    ),
    KataStatus.PARTIAL: KataProps(
        True, False, _YELLOW, "🟡", "fail", False, "some tests passed, not all"
    ),
    KataStatus.FAILED: KataProps(False, False, _RED, "❌", "fail", False, "no test passed"),
    KataStatus.NOT_STARTED: KataProps(
        False, False, _DIM, "⚪", "fail", False, "the stub is untouched"
    ),
    KataStatus.BROKEN: KataProps(False, False, _RED, "❌", "error", True, "does not import"),
    KataStatus.TIMEOUT: KataProps(
        False, False, _RED, "❌", "error", True, "ran past its time limits and was stopped"
    ),
    KataStatus.MEMORY: KataProps(
        False, False, _RED, "❌", "error", True, "ran out of its memory limit"
    ),
    KataStatus.OUTPUT_LIMIT: KataProps(
        False, False, _RED, "❌", "error", True, "printed more output than the grader keeps"
    ),
    KataStatus.PROCESS_LIMIT: KataProps(
        False, False, _RED, "❌", "error", True, "started processes without end (a fork bomb)"
    ),
    KataStatus.CRASHED: KataProps(
        False, False, _RED, "❌", "error", True, "the test process died (a signal or an exit)"
    ),
    KataStatus.ERROR: KataProps(False, False, _RED, "❌", "error", True, "tests not collected"),
    KataStatus.INCOMPLETE: KataProps(
        False, False, _MAGENTA, "⏸️", "error", True, "grading was interrupted"
    ),
    KataStatus.TAMPERED: KataProps(
        False, False, _RED, "❌", "error", True, "tests or their running were changed"
    ),
})  # fmt: skip

OUTCOME_PROPS: dict[TestOutcome, OutcomeProps] = _table(TestOutcome, {
    # outcome: mark, cause, junit, classroom, gradescope, describes,
    #          kind, load_may_cause
    TestOutcome.PASSED: OutcomeProps(
        "✓", None, "passed", "pass", "passed", "passed",
        "passed", False,
    ),
    TestOutcome.FAILED: OutcomeProps(
        "✗", None, "failure", "fail", "failed", "an assertion failed",
        "wrong result", False,
    ),
    TestOutcome.ERROR: OutcomeProps(
        "!", None, "error", "error", "failed", "an exception outside the assertion",
        "error", False,
    ),
    TestOutcome.TIMEOUT: OutcomeProps(
        "⧗", KataStatus.TIMEOUT, "error", "error", "failed", "ran past the time limit",
        "timed out", True,
    ),
    TestOutcome.MEMORY: OutcomeProps(
        "M", KataStatus.MEMORY, "error", "error", "failed", "hit the kata's memory limit",
        "ran out of memory", True,
    ),
    TestOutcome.OUTPUT_LIMIT: OutcomeProps(
        "▤", KataStatus.OUTPUT_LIMIT, "error", "error", "failed", "wrote past the output limit",
        "printed past the output limit", False,
    ),
    TestOutcome.PROCESS_LIMIT: OutcomeProps(
        "⑂", KataStatus.PROCESS_LIMIT, "error", "error", "failed", "started processes without end",
        "started too many processes", False,
    ),
    TestOutcome.CRASHED: OutcomeProps(
        "☠", KataStatus.CRASHED, "error", "error", "failed", "the process died in the test",
        "crashed", True,
    ),
    TestOutcome.SKIPPED: OutcomeProps(
        "-", None, "skipped", "fail", "failed", "skipped",
        "skipped", False,
    ),
    TestOutcome.NOT_RUN: OutcomeProps(
        "·", None, "error", "error", "failed", "never ran (the kata was stopped first)",
        "not run", False,
    ),
})  # fmt: skip

kata_status = _reader(KataStatus, KataStatus.ERROR)
test_outcome = _reader(TestOutcome, TestOutcome.ERROR)


test_outcome.__test__ = False  # type: ignore[attr-defined]

CAUSES = tuple(s for s in KataStatus if any(o.props.cause is s for o in TestOutcome))
"""Kata statuses that name a cause shared by the failing tests."""
