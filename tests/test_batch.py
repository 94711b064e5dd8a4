"""Batch grading a class: one broken submission never stops the others."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from conftest import IMPLS, run_grader

GREETER = 'def greet(name):\n    return f"Hello, {name}!"\n'
ADDERS = {
    "alice": "def add(a, b):\n    return a + b\n",
    "bob": "def add(a, b)\n    return a + b\n",  # a syntax error
    "carol": "def add(a, b):\n    while True:\n        pass\n",  # hangs in every test
}


def make_class(base: Path) -> Path:
    """Three students' checkouts of the assignment (their own test copies included)."""
    submissions = base / "submissions"
    for name, adder in ADDERS.items():
        katas = submissions / name / "katas"
        (katas / "adder").mkdir(parents=True)
        (katas / "greeter").mkdir()
        (katas / "adder" / "adder.py").write_text(adder)
        (katas / "greeter" / "greeter.py").write_text(GREETER)
        # a student's edited copy of the tests is never used: the root's tests grade
        (katas / "adder" / "test_adder.py").write_text("def test_nothing():\n    pass\n")
    (submissions / ".git").mkdir()
    return submissions


def test_a_class_of_three(tree: Path, tmp_path: Path) -> None:
    submissions = make_class(tmp_path)
    out = tmp_path / "grades"
    done = run_grader("batch", str(submissions), "--out", str(out), "--jobs", "4", root=tree,
                      timeout=300)  # fmt: skip
    assert done.code == 0, done.stdout + done.stderr

    with (out / "gradebook.csv").open() as f:
        rows = list(csv.reader(f))
    assert rows == [
        ["student", "adder", "greeter", "total"],
        ["alice", "6", "4", "10"],
        ["bob", "0", "4", "4"],
        ["carol", "0", "4", "4"],
    ]

    reports = {p.stem: json.loads(p.read_text()) for p in (out / "reports").glob("*.json")}
    assert set(reports) == {"alice", "bob", "carol"}
    status = {name: {k["slug"]: k["status"] for k in r["katas"]} for name, r in reports.items()}
    assert status["alice"] == {"adder": "solved", "greeter": "solved"}
    assert status["bob"]["adder"] == "broken"
    assert status["carol"]["greeter"] == "solved"
    carol = next(k for k in reports["carol"]["katas"] if k["slug"] == "adder")
    assert {t["status"] for t in carol["results"]} == {"timeout"}
    assert reports["alice"]["schema"] == "kata-report/1"
    assert reports["bob"]["implementation"]["path"].endswith("bob/katas")

    summary = (out / "summary.md").read_text()
    assert "3 students, 2 katas, 10 points possible." in summary
    assert "| `adder` | 6 | 2.00 | 0 | 1 |" in summary
    assert "## Tests that fail most often" in summary
    assert "| `test_large` | `adder` | 1/2 |" in summary, "bob's kata did not run: 1 of 2"
    assert "## Submissions that need a look" in summary
    assert "| bob | `adder` | broken |" in summary and "SyntaxError" in summary
    assert "alice  10/10" in done.stdout


def test_only_some_katas(tree: Path, tmp_path: Path) -> None:
    submissions = make_class(tmp_path)
    out = tmp_path / "grades"
    done = run_grader("batch", str(submissions), "--katas", "greeter", "--out", str(out),
                      root=tree)  # fmt: skip
    assert done.code == 0, done.stderr
    rows = list(csv.reader((out / "gradebook.csv").open()))
    assert rows[0] == ["student", "greeter", "total"]
    assert [r[1] for r in rows[1:]] == ["4", "4", "4"]
    assert "No test failed." in (out / "summary.md").read_text()


def test_missing_or_empty_submissions_folder_is_a_usage_error(tree: Path, tmp_path: Path) -> None:
    done = run_grader("batch", str(tmp_path / "nope"), root=tree)
    assert done.code == 2 and "no such folder" in done.stderr
    (tmp_path / "empty").mkdir()
    done = run_grader("batch", str(tmp_path / "empty"), root=tree)
    assert done.code == 2 and "holds no student folders" in done.stderr


def test_a_student_without_a_katas_folder_is_graded_broken(tree: Path, tmp_path: Path) -> None:
    submissions = tmp_path / "subs"
    (submissions / "dave").mkdir(parents=True)
    (submissions / "erin" / "adder").mkdir(parents=True)  # laid out as <slug>/<module>.py
    (submissions / "erin" / "adder" / "adder.py").write_text(ADDERS["alice"])
    out = tmp_path / "grades"
    done = run_grader("batch", str(submissions), "--out", str(out), root=tree)
    assert done.code == 0, done.stderr
    rows = {r[0]: r for r in csv.reader((out / "gradebook.csv").open())}
    assert rows["student"] == ["student", "adder", "total"]  # the only kata anyone holds
    assert rows["dave"][-1] == "0"
    assert rows["erin"][1:] == ["6", "6"]


def test_the_assignments_katas_are_graded_not_the_whole_catalog(tree: Path, tmp_path: Path) -> None:
    submissions = make_class(tmp_path)
    for student in ADDERS:  # the exported assignment had one kata: its manifest says so
        manifest = {"adder": {"tests": []}, "_assignment": {"files": {}}}
        (submissions / student / "katas" / "manifest.json").write_text(json.dumps(manifest))
    out = tmp_path / "grades"
    done = run_grader("batch", str(submissions), "--out", str(out), root=tree, timeout=300)
    assert done.code == 0, done.stderr
    assert "grading 1 kata (adder; from the students' checkouts)" in done.stdout
    rows = list(csv.reader((out / "gradebook.csv").open()))
    assert rows[0] == ["student", "adder", "total"]
    assert "alice  6/6" in done.stdout


def test_assignment_folder_names_the_katas(tree: Path, tmp_path: Path) -> None:
    submissions = make_class(tmp_path)
    assignment = tmp_path / "week" / "template" / "katas"
    assignment.mkdir(parents=True)
    (assignment / "manifest.json").write_text(json.dumps({"greeter": {}, "_assignment": {}}))
    out = tmp_path / "grades"
    done = run_grader("batch", str(submissions), "--assignment", str(tmp_path / "week"),
                      "--out", str(out), root=tree)  # fmt: skip
    assert done.code == 0, done.stderr
    header = next(csv.reader((out / "gradebook.csv").open()))
    assert header == ["student", "greeter", "total"]


def test_timeouts_are_flagged_and_reports_are_readable(tree: Path, tmp_path: Path) -> None:
    submissions = tmp_path / "subs"
    hang = (IMPLS / "hang" / "adder" / "adder.py").read_text()  # hangs in one test only
    raises = 'def add(a, b):\n    raise ValueError("a > b & <b>c</b>")\n'
    for name, adder in (("dan", hang), ("erin", raises)):
        (submissions / name / "katas" / "adder").mkdir(parents=True)
        (submissions / name / "katas" / "adder" / "adder.py").write_text(adder)
    out = tmp_path / "grades"
    done = run_grader("batch", str(submissions), "--katas", "adder", "--out", str(out),
                      "--disclosure", "actual-only", root=tree, timeout=300)  # fmt: skip
    assert done.code == 0, done.stderr
    summary = (out / "summary.md").read_text()
    assert "| dan | `adder` | partial | `1 test timed out: test_small` |" in summary
    # messages read as written, raw or rendered: a code span, no HTML entities
    assert "`ValueError: a > b & <b>c</b>`" in summary and "&gt;" not in summary
    dan = (out / "reports" / "dan.md").read_text()
    assert dan.startswith("## dan: kata results") and "timeout" in dan
    erin = (out / "reports" / "erin.md").read_text()
    assert "ValueError" in erin and "test_adder.py:" not in erin  # actual-only: no test line
