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
    from grader.core.timing import Timing

    graded = run_grader("grade", "--reference", root=tree)
    report = normalised(graded.report, tree)
    report["implementation"]["kind"] = "learner"  # the timing of a learner's code
    adder, greeter = report["katas"]
    adder["status"], adder["points"]["earned"] = "too slow", 4.5
    report["summary"].update(solved=1, points=8.5)
    slow = Timing(
        sizes=[1000, 2000],
        ratio_size=1000,
        ratio=3.9,
        ratio_low=3.7,
        ratio_high=4.1,
        learner_growth=1.96,
        reference_growth=1.01,
        max_slowdown=3.0,
        complexity_required=True,
        flags=[
            "doubling n multiplies your time by 3.9, the reference's by 2.0: your code grows "
            "quadratic, the reference linear or n log n",
            "3.9× slower than the reference at n = 1000; this kata allows 3×",
        ],
    )
    adder["timing"] = slow.to_dict()
    even = Timing(ratio=1.0, ratio_low=0.98, ratio_high=1.02, learner_growth=1.0,
                  reference_growth=1.0, max_slowdown=3.0)  # fmt: skip
    greeter["timing"] = even.to_dict()
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
        "def test_list():\n"
        "    assert [1, 2, 3] == [1, 2, 4]\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c",
         str(ROOT / "grader" / "pytest.ini"), "--rootdir", str(tmp_path),
         "-p", "grader.kata_plugin", str(test)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
    )  # fmt: skip
    # The failures section only: on CI (env CI set) pytest repeats each explanation in the
    # short test summary.
    failures = proc.stdout.split("short test summary info", 1)[0]
    long, sets = failures.split("test_sets", 1)
    sets, listed = sets.split("test_list", 1)
    assert "MIDDLE-A" in long and "MIDDLE-B" in long  # the diff shows where they part
    # Each diff's legend, once, in the learner's terms: - is the expected value, + theirs.
    assert long.count("Diff (- expected, + yours, ? where a line differs):") == 1
    assert re.search(r"- head x+MIDDLE-B", long) and re.search(r"\+ head x+MIDDLE-A", long)
    assert listed.count("Full diff (- expected, + yours, ? where a line differs):") == 1
    assert "missing in left side" not in listed
    assert re.search(r"-\s+4,", listed) and re.search(r"\+\s+3,", listed)
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


def test_speed_reads_in_one_format_for_every_verdict() -> None:
    """Your time over the reference's, then the pairs in the same terms, whatever the verdict."""
    from grader.core.timing import Timing

    def speed(ratio: float, low: float, high: float, **kw) -> str:
        return Timing(ratio=ratio, ratio_low=low, ratio_high=high, max_slowdown=3.0, **kw).speed()

    assert speed(1 / 1.2, 0.85, 0.87) == "faster: 0.83× ref time (pairs 0.85–0.87×)"
    assert speed(1.0, 0.70, 1.26) == "as fast: 1.00× ref time (pairs 0.70–1.26×)"
    assert speed(2.5, 2.1, 2.9) == "slower: 2.50× ref time (pairs 2.10–2.90×)"
    steep = {"learner_growth": 2.07, "reference_growth": 1.03, "complexity_required": True}
    assert speed(53.1, 30.14, 87.45, **steep) == ("too slow: 53.10× ref time (pairs 30.14–87.45×)")
    # Steeper growth where complexity does not count: slower, not too slow.
    assert speed(53.1, 30.14, 87.45, learner_growth=2.07, reference_growth=1.03).startswith(
        "slower: "
    )
    assert speed(6.25, 4.93, 7.77, speed_required=True) == (
        "too slow: 6.25× ref time, needs ≤ 3× (pairs 4.93–7.77×)"
    )
    assert speed(1.5, 1.2, 1.9, recorded_reference=True) == (
        "slower: 1.50× recorded ref time (pairs 1.20–1.90×)"
    )
    assert Timing().speed() == "—"


def _report(*katas: dict) -> dict:
    return {
        "katas": list(katas),
        "complete": True,
        "implementation": {"kind": "learner"},
        "summary": {
            "solved": 0,
            "katas": len(katas),
            "points": 0,
            "possible": 10,
            "tests_passed": 0,
            "tests_total": 0,
        },
    }


def _entry(slug: str, status: str = "solved", **kw) -> dict:
    entry = {
        "slug": slug,
        "area": "python",
        "status": status,
        "tests": {"passed": 3, "total": 3},
        "points": {"earned": 10, "possible": 10},
        "duration": 1.36,
        "reference_duration": 1.02,
        "source": "run",
        "selected": None,
        "timing": None,
        "results": [],
        "broken": None,
        "problem": None,
        "tampered": [],
    }
    return {**entry, **kw}


def test_reuse_says_what_was_reused_and_what_was_run_now() -> None:
    """Test results and timing are cached apart: the line names each, never 'reused' for both."""
    timing = {"speed": "—", "growth": "—", "error": None, "flags": []}
    report = _report(
        _entry("both", source="reused", timing={**timing, "reused": True}),
        _entry("tests_only", source="reused", timing={**timing, "reused": False}),
        _entry("untimed", source="reused"),
        _entry("timing_only", timing={**timing, "reused": True}),
        _entry("measured", timing={**timing, "reused": False}),
    )
    out = io.StringIO()
    terminal.render(report, out, colour=False)
    text = out.getvalue()
    assert "test results and timing reused: both\n" in text
    assert "test results reused, timing measured now: tests_only\n" in text
    assert "test results reused: untimed\n" in text
    assert "timing reused, tests run now: timing_only — what is reused is unchanged" in text
    below_table = text.split("\n\n", 1)[1]
    assert "measured:" not in below_table and ", measured" not in below_table  # all run now


def test_a_speed_katas_row_shows_its_workload_against_the_floor() -> None:
    """Speed is the task: the time columns are the workload's, and the floor is named."""
    from grader.core.timing import Timing

    timing = Timing(
        sizes=[1000, 2000],
        learner_times=[0.0295, 0.061],
        reference_times=[0.00559, 0.0112],
        ratio_size=1000,
        ratio=6.25,
        ratio_low=4.93,
        ratio_high=7.77,
        learner_growth=1.0,
        reference_growth=1.0,
        max_slowdown=2.0,
        speed_required=True,
    )
    slow = _entry("optimize_hot_path", "too slow", timing=timing.to_dict())
    untimed = _entry("untimed_speed", "needs timing")
    out = io.StringIO()
    terminal.render(_report(slow, untimed), out, colour=False)
    rows = out.getvalue().splitlines()
    row = next(line for line in rows if line.startswith("optimize_hot_path "))
    assert "29.5 ms" in row and "5.59 ms" in row, row  # the workload's, not the tests' 1.36 s
    assert "1.36 s" not in row and "1.02 s" not in row
    assert "too slow: 6.25× ref time, needs ≤ 2× (pairs 4.93–7.77×)" in row
    assert any(
        line.startswith("optimize_hot_path: time and ref time are the workload's CPU time")
        for line in rows
    )
    untimed_row = next(line for line in rows if line.startswith("untimed_speed "))
    assert "1.36 s" not in untimed_row and "1.02 s" not in untimed_row, untimed_row


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


def test_a_long_failure_message_is_kept_whole_and_wrapped() -> None:
    """The part of a long message that says what to change is never cut off.

    The report keeps the whole message (up to a generous cap); the terminal wraps
    it, and past WHY_LINES lines says that the rerun command shows all of it —
    which it does, since a one-test run shows the whole message.
    """
    from grader.core.results import _test_result

    hint = "positions are (h1 + i·h2) mod m: use the little-endian halves of the digest"
    message = "AssertionError: " + "the filter answered otherwise than the spec " * 12 + hint
    entry = {
        "nodeid": "katas/adder/test_adder.py::test_long",
        "outcome": "failed",
        "call": {"outcome": "failed", "crash": {"message": message}, "longrepr": message},
    }
    kept = _test_result(entry, "katas/adder/test_adder.py").message
    assert kept == message  # 600 characters on one line: whole, no " […]"

    def shown(msg: str, selected: str | None = None) -> list[str]:
        test = {
            "name": "test_long",
            "nodeid": entry["nodeid"],
            "status": "failed",
            "message": msg,
            "spec": None,
            "line": 3,
            "where": None,
            "stdout": "",
        }
        kata = _entry("adder", "partial", results=[test], selected=selected)
        out = io.StringIO()
        terminal.render(_report(kata), out, colour=False)
        lines = out.getvalue().splitlines()
        start = next(i for i, line in enumerate(lines) if "why:" in line)
        end = next(i for i, line in enumerate(lines) if line.startswith("    at:"))
        return lines[start:end]

    why = shown(kept)
    assert all(len(line) <= terminal.WHY_WIDTH for line in why), why
    assert " ".join(line.strip() for line in why).endswith(hint)  # wrapped, every word kept
    many = "\n".join(f"line {n}" for n in range(60)) + "\n" + hint
    capped = shown(many)
    assert len(capped) == terminal.WHY_LINES + 1
    assert "21 more lines: the rerun command below shows the whole message" in capped[-1]
    assert shown(many, selected="test_long")[-1].strip() == hint  # the rerun: all of it


def test_the_diff_legend_agrees_with_pytests_own() -> None:
    """pytest diffs right (the truth) against left (the learner's value): - is expected."""
    import inspect

    from _pytest.assertion import _compare_sequence

    from grader import kata_plugin

    assert kata_plugin._PYTEST_LEGEND in inspect.getsource(_compare_sequence)
    assert "ndiff(right_formatting, left_formatting)" in inspect.getsource(_compare_sequence)
    listed = [
        "[1, 2, 3] == [1, 2, 4]",
        "",
        kata_plugin._PYTEST_LEGEND,
        "  [",
        "-     4,",
        "+     3,",
    ]
    assert kata_plugin._with_legend(listed, text_diff=False)[2] == (
        "Full diff (- expected, + yours, ? where a line differs):"
    )
    text = ["'a\\nb' == 'a\\nX'", "", "  a", "- X", "+ b"]
    assert kata_plugin._with_legend(text, text_diff=True) == [
        "'a\\nb' == 'a\\nX'",
        "",
        "Diff (- expected, + yours, ? where a line differs):",
        "  a",
        "- X",
        "+ b",
    ]
    assert kata_plugin._with_legend(["1 == 2"], text_diff=False) == ["1 == 2"]
