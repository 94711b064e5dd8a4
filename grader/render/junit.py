"""The JUnit XML renderer, for CI dashboards: ``grade --junit-xml FILE``.

One ``<testsuite>`` per kata, one ``<testcase>`` per test. A failed test is a
``<failure>`` (its message and traceback); a timeout, crash, memory error or a
test that never ran is an ``<error>``. A kata that yielded no tests (it does
not import, it was killed, it was tampered with) gets one ``<testcase>``
named after the kata, with an ``<error>`` saying why, so a dashboard never
shows it as green. The kata's status and points are ``<properties>``.

Text from the learner's code is stripped of the characters XML 1.0 forbids.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from grader.core.formats import View, register
from grader.core.verdicts import kata_status, test_outcome
from grader.render.credit import kata_problem

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def clean(text: str | None) -> str:
    """Text that XML 1.0 can hold: no control characters, no ANSI colours."""
    return _INVALID_XML.sub("", _ANSI.sub("", text or ""))


def _testcase(suite: ET.Element, kata: dict[str, Any], t: dict[str, Any]) -> str:
    file_part = t["nodeid"].split("::", 1)[0]
    case = ET.SubElement(
        suite,
        "testcase",
        {
            "classname": file_part.removesuffix(".py").replace("/", "."),
            "name": clean(t["name"]),
            "file": file_part,
            "time": f"{t.get('duration', 0.0):.6f}",
        },
    )
    if t.get("line"):
        case.set("line", str(t["line"]))
    status = t["status"]
    outcome = test_outcome(status).props.junit
    if outcome == "skipped":
        ET.SubElement(case, "skipped", {"message": clean(t.get("message")) or "skipped"})
    elif outcome != "passed":
        message = clean(t.get("message")) or status
        detail = ET.SubElement(
            case,
            outcome,
            {"message": message.splitlines()[0] if message else status, "type": status},
        )
        body = [message]
        if t.get("spec"):
            body.append(f"spec: katas/{kata['slug']}/README.md § {t['spec']}")
        if t.get("traceback"):
            body += ["", clean(t["traceback"])]
        detail.text = "\n".join(body)
    if t.get("stdout"):
        ET.SubElement(case, "system-out").text = clean(t["stdout"])
    return outcome


def _suite(root: ET.Element, kata: dict[str, Any], timestamp: str) -> dict[str, int]:
    suite = ET.SubElement(root, "testsuite", {"name": kata["slug"], "timestamp": timestamp})
    props = ET.SubElement(suite, "properties")
    for name, value in (
        # A selection (KATA::TEST) has a result, never a kata status.
        ("status", kata["status"] or f"selection: {kata.get('result')}"),
        ("points", f"{kata['points']['earned']:g}"),
        ("points_possible", str(kata["points"]["possible"])),
        (
            "reference_duration",
            "" if kata["reference_duration"] is None else f"{kata['reference_duration']:.6f}",
        ),
    ):
        ET.SubElement(props, "property", {"name": name, "value": value})
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    outcomes = [_testcase(suite, kata, t) for t in kata["results"]]
    problem = kata_problem(kata)
    if not outcomes or (kata_status(kata["status"]).props.classroom == "error" and problem):
        case = ET.SubElement(
            suite, "testcase", {"classname": f"katas.{kata['slug']}", "name": kata["slug"]}
        )
        status = kata["status"] or str(kata.get("result"))
        message = clean(problem) or f"the kata's status is {status}"
        error = ET.SubElement(case, "error", {"message": message.splitlines()[0], "type": status})
        error.text = message
        outcomes.append("error")
    for outcome in outcomes:
        counts["tests"] += 1
        if outcome == "failure":
            counts["failures"] += 1
        elif outcome == "error":
            counts["errors"] += 1
        elif outcome == "skipped":
            counts["skipped"] += 1
    for key, value in counts.items():
        suite.set(key, str(value))
    suite.set("time", f"{kata['duration']:.6f}")
    if kata.get("output"):
        ET.SubElement(suite, "system-out").text = clean(kata["output"])
    return counts


@register("junit")
def render_view(report: dict[str, Any], view: View) -> str:
    """The ``junit`` format of the registry."""
    return render(report)


def render(report: dict[str, Any]) -> str:
    """The report as a JUnit XML document."""
    root = ET.Element("testsuites", {"name": "kata"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    duration = 0.0
    for kata in report["katas"]:
        for key, value in _suite(root, kata, report["started_at"]).items():
            totals[key] += value
        duration += kata["duration"]
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{duration:.6f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
