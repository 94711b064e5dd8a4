"""The terminal output, compared with golden files.

Regenerate after an intended change with ``UPDATE_GOLDEN=1 nox -s tests``
and review the diff.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import IMPLS, ROOT, run_grader
from grader.core import results
from grader.render import terminal

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
            if t.get("where") and report["implementation"]["kind"] == "impl":
                name = Path(t["where"]["file"]).name
                t["where"]["file"] = f"SUBMISSION/{kata['slug']}/{name}"
    if report["implementation"].get("path"):
        report["implementation"]["path"] = "SUBMISSION"
    return report


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text)
    assert path.is_file(), f"no golden file {path.name}: run with UPDATE_GOLDEN=1"
    assert text == path.read_text()


@pytest.mark.parametrize("impl", ["partial", "broken", "exits", "explained", "import_hang", None])
def test_terminal_report(tree: Path, impl: str | None) -> None:
    args = ["grade", "--impl", str(IMPLS / impl)] if impl else ["grade"]
    graded = run_grader(*args, root=tree)
    out = io.StringIO()
    terminal.render(normalised(graded.report, tree), out, colour=False)
    text = re.sub(r"File \"[^\"]*/adder.py\"", 'File "SUBMISSION/adder/adder.py"', out.getvalue())
    check_golden(f"grade-{impl or 'stub'}", text)


def test_broken_learner_module_suggests_reset(tree: Path) -> None:
    (tree / "katas/adder/adder.py").write_text("def add(a, b):\n    return a +\n")
    (tree / "katas/greeter/greeter.py").unlink()
    graded = run_grader("grade", root=tree)
    out = io.StringIO()
    terminal.render(normalised(graded.report, tree), out, colour=False)
    check_golden("grade-broken-learner", out.getvalue().replace(str(tree), "TREE"))


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


@pytest.mark.slow
def test_pytest_explanation_is_kept_and_expected_actual_only_for_short_values(
    tmp_path: Path,
) -> None:
    """Long strings that differ in the middle get pytest's line diff, not two truncations."""
    test = tmp_path / "test_explained.py"
    test.write_text(
        "def test_long():\n"
        "    a = 'head ' + 'x' * 100 + 'MIDDLE-A' + 'y' * 100\n"
        "    b = 'head ' + 'x' * 100 + 'MIDDLE-B' + 'y' * 100\n"
        "    assert a == b\n"
        "def test_sets():\n"
        "    assert {1, 2, 3} == {1, 2, 5}\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c",
         str(ROOT / "grader" / "pytest.ini"), "--rootdir", str(tmp_path),
         "-p", "grader.kata_plugin", str(test)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
    )  # fmt: skip
    long, sets = proc.stdout.split("test_sets", 1)
    assert "MIDDLE-A" in long and "MIDDLE-B" in long  # the diff shows where they part
    assert "expected:" not in long  # a truncated pair would read the same on both sides
    assert "Extra items in the left set:" in sets and "Extra items in the right set:" in sets
    assert "expected: {1, 2, 5}" in sets and "actual:   {1, 2, 3}" in sets


def test_at_names_the_tests_own_line_not_a_helpers() -> None:
    stage = {
        "traceback": [
            {"path": "katas/k/test_k.py", "lineno": 30},  # the test
            {"path": "katas/k/test_k.py", "lineno": 8},  # a helper it calls
            {"path": "katas/k/k.py", "lineno": 4},
        ]
    }
    assert results._failing_line(stage, "/repo/katas/k/test_k.py") == 30


def test_growth_plot_shows_two_lines_that_part() -> None:
    """Quadratic against linear on log-log axes: two straight lines of slopes 2 and 1."""
    sizes = [1000, 2000, 4000, 8000, 16000]
    timing = {
        "sizes": sizes,
        "learner_times": [2e-4 * (n / 1000) ** 2 for n in sizes],
        "reference_times": [2e-4 * (n / 1000) for n in sizes],
        "learner_growth": 2.0,
        "reference_growth": 1.0,
        "error": None,
    }
    lines = terminal.timing_plot(timing)
    check_golden("plot-growth", "\n".join(lines) + "\n")
    grid = lines[:-3]
    # The smallest size: both at the bottom-left corner; the largest: apart by n's factor.
    assert grid[-1].split("┤")[1].startswith("◉")
    mine = next(r for r, line in enumerate(grid) if line.rstrip().endswith("●"))
    ref = next(r for r, line in enumerate(grid) if line.rstrip().endswith("○"))
    assert mine == 0 and abs(ref - (len(grid) - 1) / 2) <= 1  # slope 1 ends halfway up


def test_speed_spread_reads_in_the_headlines_terms() -> None:
    from grader.core.timing import Timing

    assert Timing(ratio=1 / 1.2, ratio_low=0.85, ratio_high=0.87).speed() == (
        "1.2× faster (pairs: 1.15–1.18×)"
    )
    assert Timing(ratio=53.1, ratio_low=30.14, ratio_high=87.45).speed() == (
        "53.1× slower (pairs: 30.14–87.45×)"
    )


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_live_progress_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm")
    tty = _Tty()
    live = terminal.LiveProgress.on(tty, "grading", 4)
    live.begin("lru_cache")
    live.done(1)
    live.stop()
    drawn = tty.getvalue()
    assert "grading" in drawn and "1/4" in drawn and "lru_cache" in drawn and " s" in drawn
    assert drawn.endswith("\r\x1b[K")  # the line is erased before the report prints
    for stream, quiet in ((io.StringIO(), False), (_Tty(), True)):
        live = terminal.LiveProgress.on(stream, "grading", 4, quiet=quiet)
        live.begin("lru_cache")
        live.done(1)
        live.stop()
        assert stream.getvalue() == ""
