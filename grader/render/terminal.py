"""The terminal renderer: a summary table, then what to fix first.

It reads the report dict (the same data the JSON file holds), so what the
learner sees and what is recorded never disagree. Colour is used on a
terminal unless ``NO_COLOR`` is set (https://no-color.org); ``FORCE_COLOR``
forces it.
"""

from __future__ import annotations

import io
import math
import os
import shlex
import sys
import textwrap
from collections.abc import Sequence
from typing import Any, TextIO

from grader.core.formats import View, register
from grader.core.live import LiveProgress as LiveProgress  # drivers draw it from here too
from grader.core.verdicts import KataStatus, TestOutcome

FAILURES_SHOWN = 3
"""Failures shown per kata; the JSON report has them all."""

WHY_WIDTH = 100
"""Columns a failure's message is wrapped to (never cut), its indent included."""

WHY_LINES = 40
"""Lines of a failure's message shown in a grade; a one-test run (the rerun command) shows all."""

_STYLES = {
    **{str(status): status.props.colour for status in KataStatus},
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "cyan": "36",
}

_MARKS = {str(outcome): outcome.props.mark for outcome in TestOutcome}


def use_colour(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty() and os.environ.get("TERM") != "dumb"


class Painter:
    """Wraps text in ANSI styles, or not at all."""

    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def __call__(self, text: str, style: str) -> str:
        code = _STYLES.get(style)
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour and code else text


def _short_time(value: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value / 1e-9:.3g} ns"


def growth_plot(
    sizes: Sequence[int],
    series: Sequence[tuple[str, str, Sequence[float]]],
    paint: Painter | None = None,
    width: int = 56,
    height: int = 12,
) -> list[str]:
    """Time against n on log-log axes, in text: each series a line of its own mark.

    ``series`` holds ``(label, mark, times)``; a time ∝ nᵏ is a straight line of
    slope k, so code that grows faster than the reference parts from it. Measured
    sizes get the mark, the columns between them a dot on the line joining them.
    """
    paint = paint or Painter(False)
    points = [(label, mark, [t for t in times]) for label, mark, times in series if times]
    values = [t for _, _, times in points for t in times if t > 0]
    if len(sizes) < 2 or not values:
        return []
    lx = [math.log(n) for n in sizes]
    low, high = math.log(min(values)), math.log(max(values))
    if high - low < 1e-9:
        high = low + 1.0

    def column(x: float) -> int:
        return round((x - lx[0]) / (lx[-1] - lx[0]) * (width - 1))

    def row(t: float) -> int:
        return round((high - math.log(max(t, 1e-12))) / (high - low) * (height - 1))

    grid = [[" "] * width for _ in range(height)]
    marked: set[tuple[int, int]] = set()  # cells holding a measured point
    styles = ("yellow", "cyan")
    for number, (_label, mark, times) in enumerate(points):
        path = "•" if number == 0 else "·"
        count = min(len(times), len(sizes))
        for i in range(count - 1):
            c0, c1 = column(lx[i]), column(lx[i + 1])
            for c in range(c0 + 1, c1):
                f = (c - c0) / (c1 - c0)
                y = math.exp(math.log(times[i]) * (1 - f) + math.log(times[i + 1]) * f)
                if grid[row(y)][c] == " ":
                    grid[row(y)][c] = paint(path, styles[number % 2])
        for i in range(count):
            at = (row(times[i]), column(lx[i]))
            both = at in marked
            marked.add(at)
            grid[at[0]][at[1]] = paint(
                "◉" if both else mark, "bold" if both else styles[number % 2]
            )
    top, bottom = _short_time(math.exp(high)), _short_time(math.exp(low))
    margin = max(len(top), len(bottom))
    lines = []
    for r, cells in enumerate(grid):
        label = top if r == 0 else bottom if r == height - 1 else ""
        lines.append(f"{label:>{margin}} ┤{''.join(cells)}")
    lines.append(" " * margin + " └" + "─" * width)
    ticks = [" "] * (width + 2)
    for n, x in zip(sizes, lx):
        text, middle = f"{n:g}", column(x)
        start = min(max(0, middle - len(text) // 2), width + 2 - len(text))
        if all(ch == " " for ch in ticks[max(0, start - 1) : start + len(text) + 1]):
            ticks[start : start + len(text)] = list(text)
    lines.append(" " * (margin + 2) + "".join(ticks).rstrip() + "   n (log scale)")
    legend = "   ".join(
        paint(f"{mark} {label}", styles[i % 2]) for i, (label, mark, _) in enumerate(points)
    )
    lines.append(" " * (margin + 2) + legend + "   ◉ both   (time per call, log scale)")
    return lines


def timing_plot(timing: dict[str, Any], paint: Painter | None = None) -> list[str]:
    """The growth picture of a report's timing entry: yours against the reference's."""
    sizes = timing.get("sizes") or []
    mine, ref = timing.get("learner_times") or [], timing.get("reference_times") or []
    if timing.get("error") or len(sizes) < 2:
        return []
    mine_k, ref_k = timing.get("learner_growth"), timing.get("reference_growth")
    series = [
        (f"yours n^{mine_k:.2f}" if mine_k is not None else "yours", "●", mine),
        (f"reference n^{ref_k:.2f}" if ref_k is not None else "reference", "○", ref),
    ]
    return growth_plot(sizes, series, paint)


def seconds(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s"


def _table(rows: Sequence[Sequence[str]], paint: Painter, status_col: int) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = []
        for i, cell in enumerate(row):
            text = cell.rjust(widths[i]) if i in (2, 3, 5, 6) else cell.ljust(widths[i])
            if n == 0:
                text = paint(text, "bold")
            elif i == status_col:
                text = paint(text, cell.removeprefix("test "))
            cells.append(text)
        lines.append("  ".join(cells).rstrip())
    return lines


def rerun_command(slug: str, test: str | None, implementation: dict[str, Any]) -> str:
    """The command that grades just this kata (or just this test) again."""
    target = f"{slug}::{test}" if test else slug
    args = ["nox", "-s", "grade", "--", target]
    if implementation.get("kind") == "reference":
        args.append("--reference")
    elif implementation.get("kind") == "impl":
        args += ["--impl", implementation["path"]]
    return shlex.join(args)


def _selected_status(kata: dict[str, Any]) -> str:
    """The verdict of a run of selected tests: not a kata's status, which needs all its tests."""
    result = kata.get("result") or "not found"
    if result == "not found":
        return "no such test"
    if result in ("broken", "tampered", "incomplete", "error"):
        return result
    return f"test {result}"


_WHY_INDENT = " " * len("    why:   ")


def wrap_message(message: str, width: int) -> list[str]:
    """A failure's message in lines of at most ``width`` columns: wrapped, nothing cut.

    A long line breaks at spaces (inside a long word when it must), and its
    continuation keeps the line's own indent plus two, so pytest's diff lines
    stay readable.
    """
    out = []
    for line in message.splitlines():
        if len(line) <= width:
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        out += textwrap.wrap(
            line,
            width,
            subsequent_indent=indent + "  ",
            replace_whitespace=False,
            drop_whitespace=True,
            break_on_hyphens=False,
        )
    return out


def message_lines(message: str, width: int, limit: int | None = WHY_LINES) -> list[str]:
    """The message wrapped to ``width``; past ``limit`` lines, a note on how to see the rest."""
    lines = wrap_message(message, width)
    if limit is None or len(lines) <= limit:
        return lines
    more = len(lines) - limit
    return [
        *lines[:limit],
        f"[… {more} more lines: the rerun command below shows the whole message]",
    ]


def _passed(kata: dict[str, Any]) -> bool:
    """Nothing to fix: a kata solved, or a selection whose tests all passed."""
    if kata.get("selected"):
        return kata.get("result") == "passed"
    return kata["status"] == "solved"


def _kata_details(kata: dict[str, Any], report: dict[str, Any], paint: Painter) -> list[str]:
    slug = kata["slug"]
    impl = report["implementation"]
    header = f"{slug} — {kata['status']}"
    if kata.get("selected"):
        header = f"{slug}::{kata['selected']} — {_selected_status(kata)}"
    elif kata["tests"]["total"]:
        header += f", {kata['tests']['passed']}/{kata['tests']['total']} tests"
    lines = ["", paint(header, "bold")]
    if kata.get("tampered"):
        lines.append(f"  {paint('tampered: this kata scores nothing until it is restored', 'red')}")
        lines += [f"    - {reason}" for reason in kata["tampered"]]
        lines.append(f"  restore the shipped tests with: git checkout -- katas/{slug}/test_*.py")
        return lines
    if kata["broken"]:
        b = kata["broken"]
        where = f"{kata['implementation']}/{b['file']}" + (
            f", line {b['line']}" if b["line"] else ""
        )
        lines += [
            f"  {paint('the module does not import', 'red')}: {where}",
            *(f"    {line}" for line in b["error"].splitlines()),
        ]
        lines.append(f"  rerun: {rerun_command(slug, None, impl)}")
        if impl.get("kind") == "learner":
            lines.append(
                f"  start again from the stub: nox -s reset -- {slug} (your file is backed up)"
            )
        return lines
    if kata["problem"]:
        lines += [f"  {paint(line, 'red')}" for line in kata["problem"].splitlines()]
    ran = kata["results"] if kata["tests"]["total"] else []  # not those listed as never run
    failures = [t for t in ran if t["status"] not in ("passed", "skipped")]
    if kata["status"] == "not started":
        original = kata["results"] and all(t["status"] == "not run" for t in kata["results"])
        reason = (
            "the shipped original is correct and too slow: make it faster"
            if original  # a speed kata's
            else "every test still meets NotImplementedError"
        )
        lines.append(
            f"  not started: open katas/{slug}/README.md, then fill katas/{slug}/ ({reason})"
        )
        return lines
    if kata["status"] == "needs timing":
        lines.append(
            "  every test passed, but speed is this kata's task and only the timing can judge"
            " it: grade again without --no-timing or --sandbox"
        )
        return lines
    for t in failures[:FAILURES_SHOWN]:
        mark = _MARKS.get(t["status"], "?")
        title = f"  {paint(mark, 'red')} {t['name']}"
        if t["status"] != "failed":
            title += paint(f"  [{t['status']}]", "red")
        lines.append(title)
        if t["spec"]:
            lines.append(f"    spec:  katas/{slug}/README.md § {t['spec']}")
        message = t["message"]
        if t["status"] == "timeout" and message.startswith("Failed: Timeout"):
            message = "the test ran past its time limit" + message.removeprefix(
                "Failed: Timeout"
            ).removesuffix(" from pytest-timeout.")
        limit = None if kata.get("selected") else WHY_LINES  # the rerun shows it all
        why = message_lines(message or t["status"], WHY_WIDTH - len(_WHY_INDENT), limit)
        for n, line in enumerate(why):
            lines.append(((_WHY_INDENT if n else "    why:   ") + line).rstrip())
        where = t.get("where")
        if where:
            lines.append(
                f"    in:    {where['file']}:{where['line']}  {paint(where['source'], 'bold')}"
            )
        if t["line"]:
            test_file = t["nodeid"].split("::", 1)[0]
            lines.append(f"    at:    {test_file}:{t['line']}")
        if t["stdout"]:
            lines.append("    printed:")
            lines += [f"           {line}" for line in t["stdout"].splitlines()[:8]]
        lines.append(f"    rerun: {paint(rerun_command(slug, t['name'], impl), 'cyan')}")
    hidden = len(failures) - FAILURES_SHOWN
    if hidden > 0:
        lines.append(paint(f"  … and {hidden} more failing; all are in the JSON report", "dim"))
    return lines


def _workload_times(timing: dict[str, Any]) -> tuple[float, float] | None:
    """Yours and the reference's CPU time per workload call at the size the ratio was taken."""
    sizes, n = timing.get("sizes") or [], timing.get("ratio_size")
    mine, ref = timing.get("learner_times") or [], timing.get("reference_times") or []
    if n not in sizes or sizes.index(n) >= min(len(mine), len(ref)):
        return None
    return mine[sizes.index(n)], ref[sizes.index(n)]


def _timing_details(kata: dict[str, Any], paint: Painter) -> list[str]:
    t = kata["timing"]
    verdict = "too slow" if kata["status"] == "too slow" else "slower than the reference"
    lines = ["", paint(f"{kata['slug']} — {verdict}", "bold")]
    if t.get("error"):
        lines.append(f"  {paint('the timing workload failed:', 'red')}")
        lines += [f"    {line}" for line in t["error"].splitlines()[:12]]
    for flag in t.get("flags", []):
        lines.append(f"  {paint('•', 'yellow')} {flag}")
    if kata["status"] == "too slow" and t.get("speed_required"):
        lines.append("  speed is this kata's task: see Speed in its README")
    elif kata["status"] == "too slow":
        lines.append("  complexity is part of this kata: see Constraints in its README")
    elif not t.get("error"):
        lines.append(paint("  (this kata does not count speed against you)", "dim"))
    return lines


def reuse_lines(katas: Sequence[dict[str, Any]]) -> list[str]:
    """What was reused from an earlier grade and what was run now, kata by kata.

    Test results and the timing are reused separately (each while what it
    depends on is unchanged), so a line names which of the two was reused and
    says when the other was run now.
    """
    groups: dict[str, list[str]] = {}
    for k in katas:
        tests = k.get("source") == "reused"
        timing = k.get("timing")
        if tests and timing and timing.get("reused"):
            key = "test results and timing reused"
        elif tests and timing:
            key = "test results reused, timing measured now"
        elif tests:
            key = "test results reused"
        elif timing and timing.get("reused"):
            key = "timing reused, tests run now"
        else:
            continue
        groups.setdefault(key, []).append(k["slug"])
    lines = []
    for key, slugs in groups.items():
        shown = ", ".join(slugs[:6]) + (f" and {len(slugs) - 6} more" if len(slugs) > 6 else "")
        lines.append(f"{key}: {shown}")
    if lines:
        lines[-1] += " — what is reused is unchanged since the last grade (--fresh runs it all)"
    return lines


def render(
    report: dict[str, Any],
    stream: TextIO | None = None,
    *,
    colour: bool | None = None,
    report_path: str | None = None,
    timing_only: bool = False,
    plot: bool = False,
) -> None:
    """Print the report for a person at a terminal (``plot``: each timing's growth drawn)."""
    stream = stream or sys.stdout
    paint = Painter(use_colour(stream) if colour is None else colour)
    timed = any(k.get("timing") for k in report["katas"])
    reference = report["implementation"].get("kind") == "reference"
    header = ("kata", "area", "tests", "points", "status", "time", "ref time")
    rows = [header + (("speed vs ref", "growth") if timed else ())]
    speed_katas = []  # rows whose time columns are the workload's, not the tests'
    for k in report["katas"]:
        ran = k["tests"]["total"] and k.get("source") != "stub"
        mine: str = seconds(k["duration"]) if ran else "—"
        ref: str = seconds(k["reference_duration"])
        t = k.get("timing") or {}
        workload = _workload_times(t) if t.get("speed_required") else None
        if workload is not None:
            # Speed is this kata's task: the tests' times say nothing of it.
            mine, ref = _short_time(workload[0]), _short_time(workload[1])
            speed_katas.append(k)
        elif k["status"] == "needs timing":
            mine = ref = "—"  # the tests' times would pass for the speed they cannot judge
        row: tuple[str, ...] = (
            f"{k['slug']}::{k['selected']}" if k.get("selected") else k["slug"],
            k["area"],
            f"{k['tests']['passed']}/{k['tests']['total']}" if k["tests"]["total"] else "—",
            "—" if k.get("selected") else f"{k['points']['earned']:g}/{k['points']['possible']}",
            _selected_status(k) if k.get("selected") else k["status"],
            mine,
            ref,
        )
        if timed:
            t = k.get("timing") or {}
            growth = t.get("growth", "—")
            if reference and t.get("reference_growth") is not None:
                growth = f"n^{t['reference_growth']:.2f}"  # measured alone, not against itself
            row += ("error" if t.get("error") else t.get("speed", "—"), growth)
        rows.append(row)
    out = _table(rows, paint, status_col=4)
    for k in speed_katas:
        t = k["timing"]
        out.append(
            paint(
                f"{k['slug']}: time and ref time are the workload's CPU time per call at "
                f"n = {t['ratio_size']}, the fastest sample of each (speed is this kata's "
                f"task: solved at {t['max_slowdown']:g}× the reference's time or less)",
                "dim",
            )
        )
    untouched = [k["slug"] for k in report["katas"] if k["status"] == "not started"]
    collapse = len(untouched) > 1  # one line for them all, not a block each
    for k in report["katas"]:
        timing = k.get("timing") or {}
        if k["status"] == "too slow" or timing.get("flags") or timing.get("error"):
            out += _timing_details(k, paint)
        elif not _passed(k) and not timing_only and not (collapse and k["slug"] in untouched):
            out += _kata_details(k, report, paint)
    for k in report["katas"] if plot else ():
        picture = timing_plot(k.get("timing") or {}, paint)
        if picture:
            out += ["", paint(f"{k['slug']} — growth", "bold"), *(f"  {line}" for line in picture)]
    if collapse and not timing_only:
        shown = ", ".join(untouched[:6]) + (
            f" and {len(untouched) - 6} more" if len(untouched) > 6 else ""
        )
        out += [
            "",
            paint(f"{len(untouched)} katas not started: ", "bold") + shown,
            "  each begins with its spec, katas/<kata>/README.md; `nox -s next` says where "
            "to start",
        ]
    reused = reuse_lines(report["katas"])
    if reused:
        out += ["", *(paint(line, "dim") for line in reused)]
    s = report["summary"]
    out.append("")
    if report["katas"] and all(k.get("selected") for k in report["katas"]):
        # One test (or a few) run again: no kata was graded as a whole.
        summary = f"{s['tests_passed']}/{s['tests_total']} selected tests passed"
        earlier = [k for k in report["katas"] if k.get("last_grade")]
        for k in earlier:
            last = k["last_grade"]
            summary += (
                f"; {k['slug']} was {last['status']}, {last['passed']}/{last['total']} tests, "
                f"at its last full grade"
            )
    else:
        summary = (
            f"{s['solved']}/{s['katas']} katas solved, {s['points']:g}/{s['possible']} points, "
            f"{s['tests_passed']}/{s['tests_total']} tests passed"
        )
    out.append(paint(summary, "bold"))
    if not report["complete"]:
        out.append(paint("grading was interrupted: the report is incomplete", "incomplete"))
    if report_path:
        out.append(paint(f"report: {report_path}", "dim"))
    stream.write("\n".join(out) + "\n")
    stream.flush()


@register("terminal")
def render_view(report: dict[str, Any], view: View) -> str:
    """The ``terminal`` format of the registry: what :func:`render` prints, as text."""
    out = io.StringIO()
    colour = use_colour(view.stream or sys.stdout) if view.colour is None else view.colour
    render(
        report,
        out,
        colour=colour,
        report_path=view.report_path,
        timing_only=view.timing_only,
        plot=view.plot,
    )
    return out.getvalue()
