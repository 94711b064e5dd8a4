"""One verdict vocabulary: every renderer covers every status and outcome; the precedence holds."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grader.core import formats
from grader.core.catalog import Kata
from grader.core.results import RunResult, TestResult
from grader.core.runner import Attempt, death_verdict
from grader.core.scoring import score
from grader.core.verdicts import (
    KATA_PROPS,
    OUTCOME_PROPS,
    KataStatus,
    TestOutcome,
    kata_status,
    test_outcome,
)
from grader.platforms import batch, classroom, classroom50, gradescope
from grader.render import json_report, junit, markdown, terminal


def _kata(status: KataStatus, outcomes: list[TestOutcome]) -> dict:
    return {
        "slug": f"k_{status.name.lower()}",
        "title": "T",
        "area": "python",
        "difficulty": 1,
        "status": str(status),
        "points": {"earned": 0.0, "possible": len(outcomes) or 1},
        "tests": {"passed": outcomes.count(TestOutcome.PASSED), "total": len(outcomes)},
        "implementation": "katas",
        "impl_sha256": None,
        "duration": 0.0,
        "reference_duration": None,
        "wall": 0.0,
        "broken": None,
        "problem": f"why it is {status}",
        "tampered": [],
        "timing": {"flags": ["slow"], "speed": "5× slower", "growth": "n^2"}
        if status is KataStatus.TOO_SLOW
        else None,
        "output": "",
        "results": [
            {
                "nodeid": f"katas/k/test_k.py::test_{o.name.lower()}",
                "name": f"test_{o.name.lower()}",
                "status": str(o),
                "message": f"{o} message",
                "traceback": "",
                "spec": None,
                "line": None,
                "duration": 0.0,
                "weight": 1.0,
                "stdout": "",
            }
            for o in outcomes
        ],
    }


def _report() -> dict:
    """A report with one kata per status, each with one test per outcome."""
    katas = [_kata(s, list(TestOutcome)) for s in KataStatus]
    return {
        "schema": "kata-report/1",
        "started_at": "2026-01-01T00:00:00Z",
        "finished_at": "2026-01-01T00:00:01Z",
        "complete": True,
        "implementation": {"kind": "learner", "path": "katas"},
        "environment": {},
        "summary": {
            "katas": len(katas),
            "solved": 1,
            "points": 0,
            "possible": 9,
            "tests_passed": 0,
            "tests_total": 0,
        },
        "katas": katas,
    }


def test_every_member_has_one_row_of_properties() -> None:
    assert set(KATA_PROPS) == set(KataStatus)
    assert set(OUTCOME_PROPS) == set(TestOutcome)
    assert json.dumps([KataStatus.OUTPUT_LIMIT]) == '["output limit"]', "serialises as its word"
    assert kata_status("no such status") is KataStatus.ERROR
    assert test_outcome("no such outcome") is TestOutcome.ERROR


def test_a_member_without_its_row_fails_at_import() -> None:
    """Both tables are made by one function, which refuses a table missing a member's row."""
    from grader.core.verdicts import _table

    rows = {o: o.props for o in TestOutcome if o is not TestOutcome.NOT_RUN}
    with pytest.raises(TypeError, match="TestOutcome: no row of properties for not run"):
        _table(TestOutcome, rows)


def test_terminal_covers_every_member() -> None:
    for status in KataStatus:
        assert terminal._STYLES[str(status)] == status.props.colour
    for outcome in TestOutcome:
        assert terminal._MARKS[str(outcome)] == outcome.props.mark
    out = io.StringIO()
    terminal.render(_report(), out, colour=True)
    text = out.getvalue()
    for status in KataStatus:
        assert f"\x1b[{status.props.colour}m{status}" in text, status


def test_markdown_covers_every_member() -> None:
    text = markdown.render(_report())
    for status in KataStatus:
        assert f"| {status.props.icon} {status} |" in text, status
    for outcome in TestOutcome:
        if outcome not in (TestOutcome.PASSED, TestOutcome.SKIPPED):
            assert f"| {outcome} |" in text, outcome


def test_junit_covers_every_member() -> None:
    root = ET.fromstring(junit.render(_report()))
    for suite in root:
        cases = {c.get("name"): c for c in suite.iter("testcase")}
        for outcome in TestOutcome:
            case = cases[f"test_{outcome.name.lower()}"]
            kinds = [child.tag for child in case if child.tag != "system-out"] or ["passed"]
            assert kinds == [outcome.props.junit], (suite.get("name"), outcome)
        status = kata_status(suite.find("properties/property[@name='status']").get("value"))
        kata_case = cases.get(suite.get("name"))
        assert (kata_case is not None) == (status.props.classroom == "error"), status


def test_classroom_covers_every_member(tmp_path: Path) -> None:
    for kata in _report()["katas"]:
        data = classroom.result(kata, tmp_path)
        status = kata_status(kata["status"])
        assert data["status"] == status.props.classroom, status
        if status.props.classroom != "error":
            assert [t["status"] for t in data["tests"]] == [
                test_outcome(t["status"]).props.classroom for t in kata["results"]
            ]


def test_gradescope_covers_every_member() -> None:
    report = _report()
    data = gradescope.results(report, {}, 1.0)
    want = [
        test_outcome(t["status"]).props.gradescope for k in report["katas"] for t in k["results"]
    ]
    assert [t["status"] for t in data["tests"]] == want
    for kata in report["katas"]:
        assert f"{kata['slug']}: {kata['status']}," in data["output"]


# -- the precedence ---------------------------------------------------------------------

KATA = Kata(
    slug="demo", root=Path("."), title="Demo", area="python", difficulty=1, points=4,
    module="demo", time_limit=1.0,
)  # fmt: skip


def _run(outcomes: list[str], messages: list[str] | None = None, **extra) -> RunResult:
    messages = messages or [""] * len(outcomes)
    tests = [
        TestResult(nodeid=f"t::{i}", status=TestOutcome(o), message=m)
        for i, (o, m) in enumerate(zip(outcomes, messages))
    ]
    return RunResult(kata=KATA, impl=Path("."), tests=tests, **extra)


@pytest.mark.parametrize(
    ("outcomes", "extra", "status"),
    [
        (["timeout", "timeout", "not run"], {}, "timeout"),
        (["memory", "memory"], {}, "memory"),
        (["output limit"], {}, "output limit"),
        (["process limit", "not run"], {}, "process limit"),
        (["crashed", "crashed"], {}, "crashed"),
        (["timeout", "memory"], {}, "failed"),
        (["failed", "error"], {}, "failed"),
        (["timeout", "failed"], {}, "failed"),
        (["passed", "timeout"], {}, "partial"),
        (["passed", "passed"], {}, "solved"),
        (["not run", "not run"], {"problem_kind": "timeout"}, "timeout"),
        ([], {"problem_kind": "output limit"}, "output limit"),
        ([], {"problem_kind": "crashed"}, "crashed"),
        (["timeout"], {"broken": {"error": "x"}}, "broken"),
        (["timeout"], {"tampered": ["edited"]}, "tampered"),
        (["timeout"], {"problem_kind": "interrupted"}, "incomplete"),
        ([], {}, "error"),
    ],
)
def test_status_precedence(outcomes: list[str], extra: dict, status: str) -> None:
    s = score(_run(outcomes, **extra))
    assert s.status == status
    assert (s.earned > 0) == (s.status in ("partial", "solved"))


def test_nothing_passed_is_never_partial() -> None:
    stub = _run(["failed", "error"], ["NotImplementedError", "NotImplementedError"])
    assert score(stub).status == "not started"
    for outcomes in (["failed"], ["failed", "timeout", "memory"], ["error", "not run"]):
        assert score(_run(outcomes)).status != "partial"


def test_a_process_that_dies_after_its_test_ran_out_of_time_timed_out() -> None:
    """pytest-timeout's exception can end pytest itself (INTERNALERROR, exit status 3)."""
    internal = "INTERNALERROR> Failed: Timeout (>2s of CPU time) from the grader."
    late = Attempt(returncode=3, running="t::slow", running_for=2.3, output=internal)
    outcome, detail = death_verdict(late, time_limit=2.0)
    assert outcome is TestOutcome.TIMEOUT
    assert "time limit (2 s)" in detail and "exited with status 3" in detail
    early = Attempt(returncode=3, running="t::slow", running_for=0.2, output=internal)
    assert death_verdict(early, time_limit=2.0)[0] is TestOutcome.CRASHED
    exited = Attempt(returncode=3, running="t::slow", running_for=2.3, output="bye")
    assert death_verdict(exited, time_limit=2.0)[0] is TestOutcome.CRASHED
    fsz = Attempt(signal=25, running="t::x", running_for=0.1)  # SIGXFSZ
    assert death_verdict(fsz, time_limit=2.0)[0] is TestOutcome.OUTPUT_LIMIT


def test_a_test_filling_its_memory_when_the_kata_is_stopped_ran_out_of_memory() -> None:
    """Stopped by its own time limit or by the kata's wall clock, the test that holds a
    quarter of memory_mb or more is a memory verdict, as on an idle machine (a busy machine's
    page faults can make the kata's wall clock come first)."""
    for killed_for, limit in (("test-timeout", "its time limit"), ("kata-timeout", "wall-clock")):
        held = Attempt(
            killed_for=killed_for, running="t::bomb", memory_pressure=(300 << 20, 512 << 20)
        )
        outcome, detail = death_verdict(held, time_limit=1.0)
        assert outcome is TestOutcome.MEMORY, (killed_for, detail)
        assert "300 MB of the kata's 512 MB" in detail and limit in detail, detail
    stopped = Attempt(killed_for="kata-timeout", running="t::slow")
    assert death_verdict(stopped, time_limit=1.0)[0] is TestOutcome.TIMEOUT


def test_json_covers_every_member() -> None:
    report = _report()
    assert json.loads(json_report.render(report, formats.View())) == report


def test_classroom50_covers_every_member() -> None:
    report = _report()
    doc = json.loads(formats.render("classroom50", report, formats.View()))
    want = [str(test_outcome(t["status"])) for k in report["katas"] for t in k["results"]]
    assert [t["verdict"] for t in doc["tests"]] == want
    release = formats.render("classroom50-release", report, formats.View())
    for kata in report["katas"]:
        assert f"| `{kata['slug']}` | {kata['status']} |" in release


def test_gradebook_covers_every_member() -> None:
    """A gradebook shows points only: every status gives its row, none is dropped."""
    report = _report()
    rows = formats.render("gradebook-csv", report, formats.View(student="s")).splitlines()
    assert rows[0].split(",") == ["student", *(k["slug"] for k in report["katas"]), "total"]
    assert len(rows[1].split(",")) == len(report["katas"]) + 2


RENDERER_TESTS = {
    "terminal": test_terminal_covers_every_member,
    "markdown": test_markdown_covers_every_member,
    "junit": test_junit_covers_every_member,
    "json": test_json_covers_every_member,
    "classroom": test_classroom_covers_every_member,
    "classroom50": test_classroom50_covers_every_member,
    "classroom50-release": test_classroom50_covers_every_member,
    "gradescope": test_gradescope_covers_every_member,
    "gradebook-csv": test_gradebook_covers_every_member,
}
PLATFORMS = (batch, classroom, classroom50, gradescope)
"""Imported for their formats: every format of the registry is registered here."""
NAMES_NO_STATUS = {"classroom", "classroom50", "gradebook-csv"}
"""Formats that do not name kata statuses (a platform's own pass/fail/error or points, or a
per-test format): their tests above say how each status shows."""


def test_every_registered_renderer_covers_every_member() -> None:
    """Each renderer in the registry has its coverage test above; those in words name them all."""
    untested = sorted(set(formats.RENDERERS) - set(RENDERER_TESTS))
    assert not untested, (
        f"{', '.join(untested)}: a renderer registered in grader.core.formats needs a test "
        "here that it covers every KataStatus and TestOutcome, listed in RENDERER_TESTS"
    )
    assert set(RENDERER_TESTS) <= set(formats.RENDERERS), "RENDERER_TESTS names no format"
    for name in sorted(set(formats.RENDERERS) - NAMES_NO_STATUS):
        unnamed = [
            str(status)
            for status in KataStatus
            if str(status) not in formats.render(name, _alone(status), formats.View(colour=False))
        ]
        assert not unnamed, f"the {name!r} format does not name the statuses {unnamed}"


def _alone(status: KataStatus) -> dict:
    """A report of one kata in ``status`` whose other text names no status (or outcome) word:
    the renderer must name the status itself."""
    kata = _kata(status, [TestOutcome.PASSED])
    kata.update(slug="k", problem="(the problem)")
    kata["results"][0]["message"] = ""
    report = _report()
    report["katas"] = [kata]
    report["summary"] = {**report["summary"], "katas": 1, "solved": 0}
    return report
