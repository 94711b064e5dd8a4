"""The Markdown renderer: a results table and the failures, for a pull request or a job summary.

``python -m grader grade --format markdown`` prints it; the Classroom step
appends it to ``$GITHUB_STEP_SUMMARY``. It reads the same report dict as the
terminal renderer. Text that comes from the learner's code (messages,
tracebacks, printed output) is escaped, so it shows as text and cannot add
HTML, links or images to the page.
"""

from __future__ import annotations

import html
import re
from typing import Any

from grader.core.formats import View, register
from grader.core.verdicts import KataStatus
from grader.render.credit import credits, kata_problem
from grader.render.terminal import seconds

FAILURES_SHOWN = 10
"""Failing tests listed per kata; the JSON report has them all."""

TRACEBACK_LINES = 15

_ICONS = {str(status): status.props.icon for status in KataStatus}


def cell(text: str, limit: int = 300) -> str:
    """Text made safe for one table cell: escaped, pipes quoted, lines joined with <br>."""
    text = text.strip()
    if len(text) > limit:
        text = text[:limit] + " […]"
    escaped = html.escape(text, quote=False).replace("|", "&#124;")
    return "<br>".join(line.rstrip() for line in escaped.splitlines())


def code_cell(text: str) -> str:
    """Text shown as code in a table cell."""
    return f"<code>{cell(text)}</code>" if text else ""


def _points(value: float) -> str:
    return f"{value:g}"


def summary_table(report: dict[str, Any]) -> list[str]:
    lines = [
        "| Kata | Status | Tests | Points | Time | Reference |",
        "|---|---|--:|--:|--:|--:|",
    ]
    for k in report["katas"]:
        icon = _ICONS.get(k["status"], "❌")
        status = k["status"]
        points = f"{_points(k['points']['earned'])}/{k['points']['possible']}"
        if k.get("selected"):
            points = "—"  # one test: its result, never a kata status
            icon = "✅" if k.get("result") == "passed" else "❌"
            status = f"`{k['selected']}`: {k.get('result')}"
        time = seconds(k["duration"]) if k["tests"]["total"] else "—"
        lines.append(
            f"| `{k['slug']}` | {icon} {status} | {k['tests']['passed']}/{k['tests']['total']}"
            f" | {points} | {time}"
            f" | {seconds(k['reference_duration'])} |"
        )
    return lines


def kata_failures(kata: dict[str, Any]) -> list[str]:
    """The section for one kata that is not solved: its problem, then its failing tests."""
    slug = kata["slug"]
    verdict = (
        f"{kata['selected']}: {kata.get('result')}" if kata.get("selected") else kata["status"]
    )
    lines = ["", f"### `{slug}` — {verdict}", ""]
    problem = kata_problem(kata)
    if problem:
        lines += [f"> {cell(problem, 1000)}", ""]
    failing = [c for c in credits(kata) if c.status not in ("passed", "skipped")]
    if kata["status"] == "not started":
        lines.append(
            f"Not started: every test still meets `NotImplementedError`. Read "
            f"`katas/{slug}/README.md`, then fill `katas/{slug}/`."
        )
        return lines
    if not failing:
        return lines
    lines += ["| Test | Result | Points | Why | Where |", "|---|---|--:|---|---|"]
    for c in failing[:FAILURES_SHOWN]:
        t = c.result
        where = t["nodeid"].split("::", 1)[0]
        if t.get("line"):
            where += f":{t['line']}"
        why = t.get("message") or t["status"]
        if t.get("spec"):
            why = f"{why}\n(spec: {t['spec']})"
        lines.append(
            f"| `{c.name}` | {t['status']} | {_points(c.score)}/{_points(c.max_score)}"
            f" | {cell(why)} | {code_cell(where)} |"
        )
    hidden = len(failing) - FAILURES_SHOWN
    if hidden > 0:
        lines += ["", f"… and {hidden} more failing tests; the JSON report has them all."]
    tracebacks = [c.result for c in failing[:FAILURES_SHOWN] if c.result.get("traceback")]
    for t in tracebacks[:3]:
        text = "\n".join(t["traceback"].splitlines()[-TRACEBACK_LINES:])
        lines += [
            "",
            f"<details><summary>Traceback of <code>{cell(t['name'])}</code></summary>",
            "",
            f"<pre>{html.escape(text, quote=False)}</pre>",
            "",
            "</details>",
        ]
    return lines


@register("markdown")
def render_view(report: dict[str, Any], view: View) -> str:
    """The ``markdown`` format of the registry."""
    return render(report)


def render(report: dict[str, Any]) -> str:
    """The whole report as GitHub-flavoured Markdown."""
    s = report["summary"]
    lines = ["## Kata results", "", *summary_table(report), ""]
    if report["katas"] and all(k.get("selected") for k in report["katas"]):
        lines.append(f"**{s['tests_passed']}/{s['tests_total']} selected tests passed**")
    else:
        lines.append(
            f"**{_points(s['points'])}/{s['possible']} points** — {s['solved']}/{s['katas']} "
            f"katas solved, {s['tests_passed']}/{s['tests_total']} tests passed"
        )
    if not report["complete"]:
        lines += ["", "> Grading was interrupted: the report is incomplete."]
    for k in report["katas"]:
        if k["status"] != "solved" and not (k.get("selected") and k.get("result") == "passed"):
            lines += kata_failures(k)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines).rstrip("\n") + "\n")
