"""A fixed set of kata runs covering the grader's verdicts, built in-process.

The golden files of the machine-read formats (``tests/test_golden.py``) are
rendered from the report these runs make, so they pin every renderer's
output without grading a tree: no process is started, no time is measured,
and whatever would vary between runs (the clock, the machine) is fixed here.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from grader.core import report as report_io
from grader.core.catalog import Kata
from grader.core.catalog import Timing as TimingSpec
from grader.core.results import RunResult, TestResult
from grader.core.scoring import apply_timing, score
from grader.core.timing import Timing, judge
from grader.core.verdicts import TestOutcome

STARTED = "2026-11-25T17:04:29Z"
FINISHED = "2026-11-25T17:04:31Z"
ENVIRONMENT = {
    "python": "3.12.0",
    "implementation": "CPython",
    "platform": "Linux-x86_64",
    "machine": "x86_64",
    "cpu_count": 2,
    "pytest": "8.3.0",
    "executable": "/usr/bin/python3",
}

SPEC = TimingSpec(
    sizes=(1000, 2000, 4000), growth="linear", max_slowdown=3.0, complexity_required=True
)
SPEED_SPEC = replace(SPEC, max_slowdown=2.0, speed_required=True)
"""A kata whose task is speed: graded without its timing, it needs timing."""

# slug, title, area, difficulty, points, tests (name, weight)
KATAS: list[tuple[str, str, str, int, int, list[tuple[str, float]]]] = [
    ("adder", "Adder", "python", 1, 6, [("test_small", 1), ("test_large", 1), ("test_zero", 1)]),
    ("sorter", "Sorter", "data-structures", 2, 10, [("test_sorts", 2), ("test_stable", 1)]),
    (
        "greeter",
        "Greeter",
        "python",
        1,
        8,
        [("test_name", 2), ("test_empty", 1), ("test_unicode", 1), ("test_skipped", 1)],
    ),
    ("stack", "Stack", "data-structures", 1, 5, [("test_push", 1), ("test_pop", 1)]),
    ("parser", "Parser", "rest", 2, 10, [("test_parses", 1), ("test_rejects", 1)]),
    ("queue", "Queue", "redis", 2, 10, [("test_fifo[1]", 1), ("test_fifo[2]", 1), ("test_ack", 1)]),
    ("cache", "Cache", "redis", 3, 10, [("test_hit", 1), ("test_miss", 1)]),
    (
        "hasher",
        "Hasher",
        "git",
        2,
        10,
        [("test_memory", 1), ("test_output", 1), ("test_fork", 1), ("test_crash", 1)],
    ),
    ("lexer", "Lexer", "databases", 2, 10, [("test_tokens", 1), ("test_strings", 1)]),
    ("router", "Router", "rest", 1, 4, [("test_routes", 1)]),
    ("printer", "Printer", "observability", 1, 4, [("test_prints", 1)]),
    ("forker", "Forker", "cloud", 3, 10, [("test_forks", 1), ("test_waits", 1)]),
    ("tuner", "Tuner", "python", 2, 10, [("test_same_output", 1)]),
]

TEST_SOURCE = '''\
"""Tests of greeter: the spec is README.md."""

import pytest
from greeter import greet


@pytest.mark.spec("Greeting")
def test_name():
    assert greet("Ada") == "Hello, Ada!"


def test_empty():
    assert greet("") == "Hello!"
'''


def kata(root: Path, slug: str) -> Kata:
    """One of :data:`KATAS` as a catalog entry under ``root``."""
    _, title, area, difficulty, points, _ = next(k for k in KATAS if k[0] == slug)
    return Kata(
        slug=slug,
        root=root,
        title=title,
        area=area,
        difficulty=difficulty,
        points=points,
        module=slug,
        time_limit=1.0,
        timing=SPEED_SPEC if slug == "tuner" else SPEC if slug in ("adder", "sorter") else None,
    )


def manifest() -> dict[str, Any]:
    """The manifest's test names (what a kata that yields no tests is filled in from)."""
    return {slug: {"tests": [n for n, _ in tests]} for slug, *_, tests in KATAS}


def lay_out(root: Path) -> None:
    """The files a report reads beside the runs: implementations (hashed) and a test file."""
    for slug, *_ in KATAS:
        folder = root / "katas" / slug
        folder.mkdir(parents=True, exist_ok=True)
        if slug != "parser":
            (folder / f"{slug}.py").write_text(f'"""The {slug} kata."""\n', encoding="utf-8")
    (root / "katas" / "greeter" / "test_greeter.py").write_text(TEST_SOURCE, encoding="utf-8")


def _tests(slug: str, outcome: TestOutcome = TestOutcome.PASSED, **fields: Any) -> list[TestResult]:
    tests = next(k[5] for k in KATAS if k[0] == slug)
    return [
        TestResult(
            nodeid=f"katas/{slug}/test_{slug}.py::{name}",
            status=outcome,
            weight=float(weight),
            duration=0.001,
            line=10 + 5 * i,
            **fields,
        )
        for i, (name, weight) in enumerate(tests)
    ]


def _timing(k: Kata, slow: bool) -> Timing:
    timing = Timing(
        sizes=[1000, 2000, 4000],
        learner_times=[0.001, 0.004, 0.016] if slow else [0.0011, 0.0022, 0.0044],
        reference_times=[0.001, 0.002, 0.004],
        ratio_size=4000,
        ratio_samples=[3.9, 4.0, 4.1] if slow else [1.05, 1.1, 1.15],
        ratio=4.0 if slow else 1.1,
        ratio_low=3.9 if slow else 1.05,
        ratio_high=4.1 if slow else 1.15,
        learner_growth=2.0 if slow else 1.0,
        reference_growth=1.0,
    )
    return judge(timing, k)


def runs(root: Path, student: str = "alice") -> list[report_io.KataEntry]:
    """The report's entries: each kata's run, score, reference time and timing."""
    entries = []
    for slug, *_ in KATAS:
        k = kata(root, slug)
        impl = root / "katas" / slug
        tests: list[TestResult] = []
        extra: dict[str, Any] = {}  # the run's other fields
        timing = None
        reference = 0.0111
        if slug == "adder" or (student == "bob" and slug in ("greeter", "stack")):
            tests = _tests(slug)
            timing = _timing(k, slow=False) if k.timing else None
        elif slug == "sorter":
            tests = _tests(slug)
            timing = _timing(k, slow=True)
        elif slug == "tuner":  # solved by its tests, but not timed
            tests = _tests(slug)
        elif slug == "greeter":
            tests = _tests(slug)
            name, empty, uni, skipped = tests
            tests[0] = replace(name, stdout="greeting Ada")
            tests[1] = replace(
                empty,
                status=TestOutcome.FAILED,
                message="AssertionError: assert 'Hello, !' == 'Hello!'\n"
                "expected: 'Hello!'\nactual:   'Hello, !'",
                traceback="katas/greeter/test_greeter.py:14: in test_empty\n"
                "    assert greet('') == 'Hello!'\nE   AssertionError",
                spec="Greeting",
                where={"file": "katas/greeter/greeter.py", "line": 3, "source": "return f'…'"},
            )
            tests[2] = replace(
                uni,
                status=TestOutcome.ERROR,
                message="UnicodeEncodeError: 'ascii' codec can't encode character '\\xe9'",
                spec='Unicode <names> & "quotes"',
            )
            tests[3] = replace(skipped, status=TestOutcome.SKIPPED)
            extra["output"] = "a line printed at import\n"
        elif slug == "stack":
            tests = _tests(slug, TestOutcome.FAILED, message="NotImplementedError: write push")
        elif slug == "parser":
            extra["broken"] = {
                "error": "SyntaxError: invalid syntax",
                "file": "katas/parser/parser.py",
                "line": 2,
            }
            reference = None
        elif slug == "queue":
            tests = _tests(slug, TestOutcome.NOT_RUN)
            tests[0] = replace(
                tests[0],
                status=TestOutcome.TIMEOUT,
                message="the test ran past its time limit (1 s of CPU time, or 4 s of "
                "wall-clock time for code that waits)",
            )
            extra["problem_kind"] = "timeout"
            extra["problem"] = "1 tests in a row ran past the time limit and had to be killed"
        elif slug == "cache":
            tests = _tests(slug)
            extra["tampered"] = ["katas/cache/test_cache.py was changed (its hash differs)"]
        elif slug == "hasher":
            tests = _tests(slug)
            outcomes = [
                TestOutcome.MEMORY,
                TestOutcome.OUTPUT_LIMIT,
                TestOutcome.PROCESS_LIMIT,
                TestOutcome.CRASHED,
            ]
            tests = [
                replace(t, status=o, message=f"{o}: the test was stopped")
                for t, o in zip(tests, outcomes)
            ]
        elif slug == "lexer":
            tests = _tests(slug, TestOutcome.NOT_RUN)
            tests[0] = replace(tests[0], status=TestOutcome.PASSED)
            extra.update(problem_kind="interrupted", problem="grading was interrupted")
        elif slug == "router":
            extra["problem_kind"] = "collection"
            extra["problem"] = "the tests could not be collected:\nE   ImportError: no module 'x'"
        elif slug == "printer":
            extra["problem_kind"] = "output limit"
            extra["problem"] = "output limit: importing printer.py wrote more than 16 MB"
        elif slug == "forker":
            tests = _tests(slug, TestOutcome.NOT_RUN)
            extra["problem_kind"] = "crashed"
            extra["problem"] = "the test process ended before writing its report (exit status -9)"
        run = RunResult(kata=k, impl=impl, wall=0.25, tests=tests, **extra)
        s = apply_timing(score(run), timing, k)
        source = "stub" if slug == "stack" else "run"
        entries.append(report_io.KataEntry(run, s, reference, timing, source=source))
    return entries


def report(root: Path, student: str = "alice") -> dict[str, Any]:
    """The report of :func:`runs`, as the pipeline builds it, with the clock and machine fixed."""
    lay_out(root)
    built = report_io.build(
        runs(root, student),
        root=root,
        implementation={"kind": "learner", "path": "ROOT/katas"},
        started=STARTED,
        complete=True,
        manifest=manifest(),
    )
    built["finished_at"] = FINISHED
    built["environment"] = dict(ENVIRONMENT)
    return built
