"""The terminal output, compared with golden files.

Regenerate after an intended change with ``UPDATE_GOLDEN=1 nox -s tests``
and review the diff.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest

from conftest import IMPLS, run_grader
from grader import terminal

GOLDEN = Path(__file__).parent / "golden"


def normalised(report: dict, tree: Path) -> dict:
    """The report with what varies between runs (times, paths) made fixed."""
    for kata in report["katas"]:
        if report["implementation"]["kind"] == "impl":
            kata["implementation"] = f"SUBMISSION/{kata['slug']}"
        kata["duration"] = 0.0123
        kata["reference_duration"] = 0.0111 if kata["reference_duration"] is not None else None
        for t in kata["results"]:
            t["duration"] = 0.001
    if report["implementation"].get("path"):
        report["implementation"]["path"] = "SUBMISSION"
    return report


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text)
    assert path.is_file(), f"no golden file {path.name}: run with UPDATE_GOLDEN=1"
    assert text == path.read_text()


@pytest.mark.parametrize("impl", ["partial", "broken", "exits", None])
def test_terminal_report(tree: Path, impl: str | None) -> None:
    args = ["grade", "--impl", str(IMPLS / impl)] if impl else ["grade"]
    graded = run_grader(*args, root=tree)
    out = io.StringIO()
    terminal.render(normalised(graded.report, tree), out, colour=False)
    text = re.sub(r"File \"[^\"]*/adder.py\"", 'File "SUBMISSION/adder/adder.py"', out.getvalue())
    check_golden(f"grade-{impl or 'stub'}", text)


def test_colour_only_on_request() -> None:
    report = {
        "katas": [],
        "complete": True,
        "implementation": {"kind": "learner"},
        "summary": {
            "solved": 0,
            "katas": 0,
            "points": 0,
            "possible": 0,
            "tests_passed": 0,
            "tests_total": 0,
        },
    }
    plain, coloured = io.StringIO(), io.StringIO()
    terminal.render(report, plain, colour=False)
    terminal.render(report, coloured, colour=True)
    assert "\x1b[" not in plain.getvalue()
    assert "\x1b[1m" in coloured.getvalue()


def test_no_color_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert terminal.use_colour(Tty())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not terminal.use_colour(Tty())
    assert not terminal.use_colour(io.StringIO())


def test_timing_report(tree: Path) -> None:
    """Speed and growth columns, and the too-slow explanation, from synthetic figures."""
    graded = run_grader("grade", "--reference", root=tree)
    report = normalised(graded.report, tree)
    adder, greeter = report["katas"]
    adder["status"], adder["points"]["earned"] = "too slow", 4.5
    report["summary"].update(solved=1, points=8.5)
    adder["timing"] = {
        "speed": "3.9× slower (3.70–4.10)",
        "growth": "n^1.96 (ref n^1.01)",
        "error": None,
        "flags": [
            "doubling n multiplies your time by 3.9, the reference's by 2.0: your code grows "
            "quadratic, the reference linear or n log n",
            "3.9× slower than the reference at n = 1000; this kata allows 3×",
        ],
    }
    greeter["timing"] = {"speed": "as fast (0.98–1.02)", "growth": "n^1.00 (ref n^1.00)",
                         "error": None, "flags": []}  # fmt: skip
    out = io.StringIO()
    terminal.render(report, out, colour=False)
    check_golden("grade-timing", out.getvalue())
