"""Results: what happened to each test, read from a run's outcome.

pytest-json-report's file is the source of truth for a run that finished. For
a run that died, the runner's culprits say which test was running and why,
and the last attempt's report covers the tests that ran without it.
"""

from __future__ import annotations

import linecache
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from grader.core.catalog import Kata
from grader.core.limits import OUTPUT_LIMIT_BYTES, WALL_FACTOR
from grader.core.verdicts import TestOutcome

if TYPE_CHECKING:  # the runner imports pytest; reading results needs only the data
    from grader.core.runner import RunOutcome

STATUSES = tuple(TestOutcome)

SENTINEL_TESTS = ("test_grader_sentinel_passes", "test_grader_sentinel_fails")
_TIMEOUT = re.compile(r"^Failed: Timeout", re.MULTILINE)
_DROPPED = re.compile(r"^\[output limit: .*\]$", re.MULTILINE)
_TOO_LARGE = re.compile(r"\[Errno 27\]|File too large")
_MESSAGE_LINES = 40  # pytest's explanation of a failed comparison, kept whole
MESSAGE_CHARS = 20_000
"""A failure's message is kept whole up to this many characters: it says what to change."""


@dataclass(frozen=True)
class TestResult:
    """One test's verdict, with what a learner needs to act on a failure."""

    __test__ = False  # a result, not a pytest test class

    nodeid: str
    status: TestOutcome
    message: str = ""
    traceback: str = ""
    spec: str | None = None
    line: int | None = None  # the failing line of the test file, else the test's def line
    duration: float = 0.0
    weight: float = 1.0
    stdout: str = ""
    where: dict | None = None  # the implementation's deepest frame: {"file", "line", "source"}

    @property
    def name(self) -> str:
        return self.nodeid.split("::", 1)[-1]

    @property
    def passed(self) -> bool:
        return self.status == TestOutcome.PASSED


@dataclass(frozen=True)
class RunResult:
    """The tests of one kata run against one implementation."""

    kata: Kata
    impl: Path
    tests: Sequence[TestResult] = ()
    broken: dict | None = None  # {"error", "file", "line"} when the module did not import
    problem: str | None = None  # a run-level failure: collection error, kill, interrupt
    problem_kind: str | None = None  # a cause (timeout, memory, output limit, crashed),
    # "interrupted" or "collection"
    wall: float = 0.0
    output: str = ""
    sentinels: Mapping[str, str] = field(default_factory=dict)  # sentinel test -> status
    tampered: Sequence[str] = ()  # why the run cannot be trusted

    @property
    def duration(self) -> float:
        """Time spent in the tests themselves (set-up, call and teardown).

        A test stopped at its time limit counts for nothing: its time says how
        long the limit is, not how fast the code is.
        """
        return sum(t.duration for t in self.tests if t.status != "timeout")

    @property
    def passed(self) -> int:
        return sum(t.passed for t in self.tests)

    @property
    def every_test_passed(self) -> bool:
        """Tests ran, each one passed, and nothing went wrong around them.

        Not broken, no run-level problem (killed, interrupted, not collected)
        and no tamper evidence: what a reference, an alternate or a surviving
        mutant must show, and what a wrong variant must not.
        """
        return (
            bool(self.tests)
            and all(t.passed for t in self.tests)
            and not (self.broken or self.problem or self.tampered)
        )


def is_sentinel(nodeid: str) -> bool:
    """Whether a test is one of the grader's own sentinels (not the kata's)."""
    return nodeid.rpartition("::")[2] in SENTINEL_TESTS


def _short(text: str, lines: int = _MESSAGE_LINES, width: int = 300) -> str:
    """At most ``lines`` lines of at most ``width`` characters."""
    parts = [p if len(p) <= width else p[:width] + " […]" for p in text.strip().splitlines()]
    if len(parts) > lines:
        parts = [*parts[:lines], f"[… {len(parts) - lines} more lines]"]
    return "\n".join(parts)


def _message(text: str) -> str:
    """A failure's message, whole (no line is cut) up to MESSAGE_CHARS."""
    text = text.strip()
    if len(text) <= MESSAGE_CHARS:
        return text
    left_out = len(text) - MESSAGE_CHARS
    return f"{text[:MESSAGE_CHARS]}\n[… {left_out:,} more characters left out of the report]"


def _failing_line(stage: dict, test_file: str) -> int | None:
    """The line of the test itself where the failure surfaced (not a helper's it called)."""
    for entry in stage.get("traceback") or []:
        if Path(entry.get("path", "")).name == Path(test_file).name:
            return entry.get("lineno")
    crash = stage.get("crash") or {}
    if Path(crash.get("path", "")).name == Path(test_file).name:
        return crash.get("lineno")
    return None


def _learner_frame(stage: dict, impl_file: Path | None, cwd: str, root: Path) -> dict | None:
    """The deepest frame in the implementation's module, with its line of source."""
    if impl_file is None:
        return None
    real = os.path.realpath(impl_file)
    for entry in reversed(stage.get("traceback") or []):
        path = os.path.realpath(os.path.join(cwd, entry.get("path", "")))
        line = entry.get("lineno")
        if path == real and isinstance(line, int):
            try:
                shown = impl_file.resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                shown = str(impl_file)
            source = linecache.getline(real, line).strip()
            return {"file": shown, "line": line, "source": source}
    return None


def _classify(message: str) -> TestOutcome:
    first = message.partition("\n")[0]
    if _TIMEOUT.search(message):
        return TestOutcome.TIMEOUT
    if message.startswith(("SystemExit", "KeyboardInterrupt")):
        return TestOutcome.CRASHED
    if "MemoryError" in first:
        return TestOutcome.MEMORY
    if _TOO_LARGE.search(first):
        return TestOutcome.OUTPUT_LIMIT
    return TestOutcome.FAILED


OUTPUT_LIMIT_NOTE = (
    f"output limit: the test wrote more than {OUTPUT_LIMIT_BYTES // 2**20} MB to stdout or "
    "stderr, the most the grader keeps, and the write failed"
)


def _test_result(
    entry: dict,
    test_file: str,
    impl_file: Path | None = None,
    cwd: str = ".",
    root: Path = Path("."),
) -> TestResult:
    meta = entry.get("metadata") or {}
    outcome = entry.get("outcome", "failed")
    stages = [entry.get(s) or {} for s in ("setup", "call", "teardown")]
    duration = sum(s.get("duration", 0.0) for s in stages)
    stdout = "".join(s.get("stdout", "") for s in stages)
    notes = _DROPPED.findall("\n".join([stdout, *(s.get("stderr", "") for s in stages)]))
    result = TestResult(
        nodeid=entry["nodeid"],
        status=TestOutcome.PASSED,
        spec=meta.get("spec"),
        line=meta.get("line"),
        duration=duration,
        weight=float(meta.get("weight", 1.0)),
        stdout="\n".join([_short(_DROPPED.sub("", stdout), 20), *notes]).strip(),
    )
    if outcome in ("passed", "xpassed"):
        return result
    if outcome == "skipped":
        return replace(result, status=TestOutcome.SKIPPED)
    failing = next(
        (s for s in stages if s.get("outcome") in ("failed", "error") or s.get("longrepr")),
        stages[1],
    )
    crash = failing.get("crash") or {}
    message = crash.get("message") or failing.get("longrepr") or outcome
    # A timeout, crash or memory verdict names the cause; otherwise an error in
    # set-up or teardown stays an error, and a failed call is a failure.
    kind = _classify(message)
    ordinary = kind == TestOutcome.FAILED and outcome not in ("failed", "xfailed")
    shown = _message(message)
    if kind == TestOutcome.OUTPUT_LIMIT:
        shown = f"{OUTPUT_LIMIT_NOTE}\n{shown}"
    return replace(
        result,
        status=TestOutcome.ERROR if ordinary else kind,
        message=shown,
        traceback=_short(failing.get("longrepr") or "", 40),
        line=_failing_line(failing, test_file) or result.line,
        where=_learner_frame(failing, impl_file, cwd, root),
    )


_NOT_RUN = TestResult(nodeid="", status=TestOutcome.NOT_RUN)


def timeout_message(time_limit: float) -> str:
    """What a test that met its time limit is told (CPU time, or the wall-clock backstop)."""
    return (
        f"the test ran past its time limit ({time_limit:g} s of CPU time, or "
        f"{time_limit * WALL_FACTOR:g} s of wall-clock time for code that waits)"
    )


def collect(outcome: RunOutcome, kata: Kata) -> RunResult:
    """Turn a runner outcome into per-test results."""
    job = outcome.job
    last = outcome.last
    run = RunResult(kata=kata, impl=Path(job.impl_dir), wall=outcome.wall, output=last.output)
    if last.broken is not None:
        if last.broken.get("cause") == "output limit":
            return replace(
                run,
                problem_kind="output limit",
                problem=(
                    f"output limit: importing {kata.module}.py wrote more than "
                    f"{OUTPUT_LIMIT_BYTES // 2**20} MB to stdout or stderr, the most the grader "
                    f"keeps, and the write failed ({last.broken.get('error')})"
                ),
            )
        return replace(run, broken=last.broken)

    by_id: dict[str, TestResult] = {}
    report = last.report
    if report is not None:
        impl_file = Path(job.impl_dir) / f"{job.module}.py"
        for entry in report.get("tests", []):
            by_id[entry["nodeid"]] = _test_result(
                entry, job.test_file, impl_file, job.scratch, kata.root
            )
    metadata = {n: m for a in outcome.attempts for n, m in a.metadata.items()}
    for culprit in outcome.culprits:
        meta = metadata.get(culprit.nodeid, {})
        by_id[culprit.nodeid] = TestResult(
            nodeid=culprit.nodeid,
            status=culprit.verdict,
            message=culprit.detail,
            spec=meta.get("spec"),
            line=meta.get("line"),
            weight=float(meta.get("weight", 1.0)),
        )

    collected = max((a.collected for a in outcome.attempts), key=len)
    order = list(collected) + [n for n in by_id if n not in collected]
    sentinels = {
        nodeid.rpartition("::")[2]: by_id.get(nodeid, _NOT_RUN).status
        for nodeid in order
        if is_sentinel(nodeid)
    }
    tests = tuple(_listed(n, by_id, metadata, kata) for n in order if not is_sentinel(n))
    problem_kind, problem = _problem(outcome, kata, collected, tests)
    return replace(
        run, tests=tests, sentinels=sentinels, problem_kind=problem_kind, problem=problem
    )


def _listed(
    nodeid: str, by_id: Mapping[str, TestResult], metadata: Mapping[str, dict], kata: Kata
) -> TestResult:
    """A collected test's result, or *not run*; a timeout in one wording, whichever limit hit."""
    found = by_id.get(nodeid)
    if found is None:
        meta = metadata.get(nodeid, {})
        return TestResult(
            nodeid=nodeid,
            status=TestOutcome.NOT_RUN,
            spec=meta.get("spec"),
            line=meta.get("line"),
            weight=float(meta.get("weight", 1.0)),
        )
    if found.status == TestOutcome.TIMEOUT and found.message.startswith("Failed: Timeout"):
        return replace(found, message=timeout_message(kata.time_limit))
    return found


def _problem(
    outcome: RunOutcome, kata: Kata, collected: Sequence[str], tests: Sequence[TestResult]
) -> tuple[str | None, str | None]:
    """What went wrong with the run as a whole: its kind and its message, or (None, None)."""
    last, report = outcome.last, outcome.last.report
    if last.killed_for == "interrupted":
        return "interrupted", "grading was interrupted"
    if last.killed_for == "kata-timeout":
        problem = (
            f"the kata did not finish within {kata.kata_timeout:g} s of CPU time "
            f"({kata.kata_timeout * WALL_FACTOR:g} s of wall-clock time) and was killed"
        )
        if not collected:
            problem += (
                f": no test had started, so importing {kata.module}.py (or a module it "
                "imports) never finished"
            )
        return "timeout", problem
    if report is None and outcome.culprits and any(t.status == TestOutcome.NOT_RUN for t in tests):
        causes = {c.verdict for c in outcome.culprits}
        cause = causes.pop() if len(causes) == 1 else TestOutcome.CRASHED
        why = {
            TestOutcome.TIMEOUT: "ran past the time limit and had to be killed",
            TestOutcome.MEMORY: "ran out of memory",
            TestOutcome.OUTPUT_LIMIT: "wrote past the output limit",
        }.get(cause, "ended the test process")
        return str(cause), (
            f"{len(outcome.culprits)} tests in a row {why}; the grader stopped there "
            "(the tests marked 'not run' never ran)"
        )
    if report is None and not outcome.culprits:
        return "crashed", (
            "the test process ended before writing its report "
            f"(exit status {last.returncode}, signal {last.signal})"
        )
    if report is not None and not report.get("tests") and report.get("exitcode") not in (0, 5):
        return "collection", "the tests could not be collected:\n" + _short(last.output, 30)
    return None, None


def from_report(entry: dict, kata: Kata, impl: Path) -> RunResult:
    """A run rebuilt from its entry in an earlier report (for ``--timing-only``)."""
    tests = tuple(
        TestResult(
            nodeid=t["nodeid"],
            status=TestOutcome(t["status"]),
            message=t.get("message", ""),
            traceback=t.get("traceback", ""),
            spec=t.get("spec"),
            line=t.get("line"),
            duration=float(t.get("duration", 0.0)),
            weight=float(t.get("weight", 1.0)),
            stdout=t.get("stdout", ""),
            where=t.get("where"),
        )
        for t in entry["results"]
    )
    # The run was checked when it was recorded; its sentinels gave their known outcomes.
    sentinels = {name: "passed" if "passes" in name else "failed" for name in SENTINEL_TESTS}
    return RunResult(
        kata=kata, impl=impl, tests=tests, wall=float(entry.get("wall", 0.0)), sentinels=sentinels
    )
