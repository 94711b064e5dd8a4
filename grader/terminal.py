"""The terminal renderer: a summary table, then what to fix first.

It reads the report dict (the same data the JSON file holds), so what the
learner sees and what is recorded never disagree. Colour is used on a
terminal unless ``NO_COLOR`` is set (https://no-color.org); ``FORCE_COLOR``
forces it.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from grader.verdicts import KataStatus, TestOutcome

FAILURES_SHOWN = 3
"""Failures shown per kata; the JSON report has them all."""

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
                text = paint(text, cell)
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


def _kata_details(kata: dict[str, Any], report: dict[str, Any], paint: Painter) -> list[str]:
    slug = kata["slug"]
    impl = report["implementation"]
    header = f"{slug} — {kata['status']}, {kata['tests']['passed']}/{kata['tests']['total']} tests"
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
        return lines
    if kata["problem"]:
        lines += [f"  {paint(line, 'red')}" for line in kata["problem"].splitlines()]
    failures = [t for t in kata["results"] if t["status"] not in ("passed", "skipped")]
    if kata["status"] == "not started":
        lines.append(
            f"  not started: open katas/{slug}/README.md, then fill "
            f"katas/{slug}/ (every test still meets NotImplementedError)"
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
        for n, line in enumerate(t["message"].splitlines() or [t["status"]]):
            lines.append(("           " if n else "    why:   ") + line)
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


def _timing_details(kata: dict[str, Any], paint: Painter) -> list[str]:
    t = kata["timing"]
    verdict = "too slow" if kata["status"] == "too slow" else "slower than the reference"
    lines = ["", paint(f"{kata['slug']} — {verdict}", "bold")]
    if t.get("error"):
        lines.append(f"  {paint('the timing workload failed:', 'red')}")
        lines += [f"    {line}" for line in t["error"].splitlines()[:12]]
    for flag in t.get("flags", []):
        lines.append(f"  {paint('•', 'yellow')} {flag}")
    if kata["status"] == "too slow":
        lines.append("  complexity is part of this kata: see Constraints in its README")
    elif not t.get("error"):
        lines.append(paint("  (this kata does not count speed against you)", "dim"))
    return lines


def render(
    report: dict[str, Any],
    stream: TextIO | None = None,
    *,
    colour: bool | None = None,
    report_path: str | None = None,
    timing_only: bool = False,
) -> None:
    """Print the report for a person at a terminal."""
    stream = stream or sys.stdout
    paint = Painter(use_colour(stream) if colour is None else colour)
    timed = any(k.get("timing") for k in report["katas"])
    header = ("kata", "area", "tests", "points", "status", "time", "ref time")
    rows = [header + (("speed vs ref", "growth") if timed else ())]
    for k in report["katas"]:
        row = (
            k["slug"],
            k["area"],
            f"{k['tests']['passed']}/{k['tests']['total']}",
            f"{k['points']['earned']:g}/{k['points']['possible']}",
            k["status"],
            seconds(k["duration"]) if k["tests"]["total"] else "—",
            seconds(k["reference_duration"]),
        )
        if timed:
            t = k.get("timing") or {}
            row += ("error" if t.get("error") else t.get("speed", "—"), t.get("growth", "—"))
        rows.append(row)
    out = _table(rows, paint, status_col=4)
    untouched = [k["slug"] for k in report["katas"] if k["status"] == "not started"]
    collapse = len(untouched) > 1  # one line for them all, not a block each
    for k in report["katas"]:
        timing = k.get("timing") or {}
        if k["status"] == "too slow" or timing.get("flags") or timing.get("error"):
            out += _timing_details(k, paint)
        elif (
            k["status"] != "solved"
            and not timing_only
            and not (collapse and k["slug"] in untouched)
        ):
            out += _kata_details(k, report, paint)
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
    s = report["summary"]
    out.append("")
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
