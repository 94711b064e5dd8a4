"""End to end: the grader on a fixture catalog, as a learner or instructor runs it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import IMPLS, run_grader


def test_reference_is_solved_and_exits_zero(tree: Path) -> None:
    graded = run_grader("grade", "--reference", root=tree)
    assert graded.code == 0, graded.stdout + graded.stderr
    adder = graded.kata("adder")
    assert adder["status"] == "solved"
    assert adder["points"] == {"earned": 6, "possible": 6}
    assert adder["tests"] == {"passed": 4, "total": 4}
    assert graded.report["summary"]["solved"] == 2
    assert graded.report["complete"] is True


def test_untouched_stub_is_not_started(tree: Path) -> None:
    graded = run_grader("grade", root=tree)
    assert graded.code == 1
    adder = graded.kata("adder")
    assert adder["status"] == "not started"
    assert adder["reference_duration"] is None, "no test of the stub ran: nothing to compare"
    assert "not started" in graded.stdout
    # Run for real, the stub's tests all meet NotImplementedError: the same verdict.
    fresh = run_grader("grade", "--fresh", root=tree)
    adder = fresh.kata("adder")
    assert adder["status"] == "not started" and adder["source"] == "run"
    assert adder["reference_duration"] is not None, "the reference runs beside the learner"


def test_partial_credit_follows_weights(tree: Path) -> None:
    graded = run_grader("grade", "--impl", str(IMPLS / "partial"), root=tree)
    adder = graded.kata("adder")
    assert adder["status"] == "partial"
    # weights 1 + 2 + 1 + 1 = 5; test_negative (weight 1) fails: 4/5 of 6 points
    assert adder["points"]["earned"] == 4.8
    failed = next(t for t in adder["results"] if t["status"] == "failed")
    assert failed["name"] == "test_negative"
    assert failed["spec"] == "Edge cases"
    assert "expected: -3" in failed["message"] and "actual:   7" in failed["message"]
    assert failed["line"] == 19


def test_learner_progress_from_stub_to_partial_to_solved(tree: Path) -> None:
    stub = tree / "katas" / "adder" / "adder.py"
    assert run_grader("grade", "adder", root=tree).kata("adder")["status"] == "not started"
    stub.write_text("def add(a, b):\n    return abs(a) + abs(b)\n")
    assert run_grader("grade", "adder", root=tree).kata("adder")["status"] == "partial"
    stub.write_text("def add(a, b):\n    return a + b\n")
    graded = run_grader("grade", "adder", root=tree)
    assert graded.kata("adder")["status"] == "solved"
    assert graded.code == 0
    history = (tree / ".kata" / "history.jsonl").read_text().splitlines()
    assert [json.loads(line)["katas"]["adder"]["status"] for line in history] == [
        "not started",
        "partial",
        "solved",
    ]


def test_one_test_can_be_rerun_alone(tree: Path) -> None:
    graded = run_grader(
        "grade", "adder::test_negative", "--impl", str(IMPLS / "partial"), root=tree
    )
    assert graded.tests("adder") == {"test_negative": "failed"}


def test_syntax_error_is_broken_with_file_and_line(tree: Path) -> None:
    graded = run_grader("grade", "--impl", str(IMPLS / "broken"), root=tree)
    adder = graded.kata("adder")
    assert adder["status"] == "broken"
    assert adder["broken"]["line"] == 2
    assert "SyntaxError" in adder["broken"]["error"]
    assert "adder.py, line 2" in graded.stdout


def test_os_exit_during_a_test_costs_only_that_test(tree: Path) -> None:
    graded = run_grader("grade", "--impl", str(IMPLS / "exits"), root=tree)
    assert graded.tests("adder") == {
        "test_small": "passed",
        "test_large": "crashed",
        "test_negative": "passed",
        "test_zero": "passed",
    }
    crashed = next(t for t in graded.kata("adder")["results"] if t["status"] == "crashed")
    assert "status 3" in crashed["message"]


def test_c_level_loop_is_killed_from_outside(tree: Path) -> None:
    graded = run_grader("grade", "--impl", str(IMPLS / "hang"), root=tree)
    assert graded.tests("adder")["test_small"] == "timeout"
    assert graded.kata("adder")["tests"]["passed"] == 3


def test_segfault_is_reported_with_its_signal(tree: Path) -> None:
    graded = run_grader("grade", "--impl", str(IMPLS / "segfault"), root=tree)
    assert graded.tests("adder")["test_negative"] == "crashed"
    crashed = next(t for t in graded.kata("adder")["results"] if t["status"] == "crashed")
    assert "SIGSEGV" in crashed["message"]


def test_output_flood_is_kept_out_of_the_report(tree: Path) -> None:
    graded = run_grader("grade", "--impl", str(IMPLS / "flood"), root=tree)
    assert graded.kata("adder")["status"] == "solved"
    assert len(json.dumps(graded.report)) < 100_000
    assert len(graded.stdout) < 10_000


def test_missing_submission_folder_is_broken_not_fatal(tree: Path, tmp_path: Path) -> None:
    empty = tmp_path / "submission"
    empty.mkdir()
    graded = run_grader("grade", "--impl", str(empty), root=tree)
    assert graded.code == 1
    assert graded.kata("adder")["status"] == "broken"


def test_unknown_kata_is_a_usage_error_with_suggestions(tree: Path) -> None:
    graded = run_grader("grade", "addr", root=tree)
    assert graded.code == 2
    assert "unknown kata 'addr'" in graded.stderr
    assert "adder" in graded.stderr


def test_json_copy_of_the_report(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "grade.json"
    run_grader("grade", "--reference", "--json", str(out), root=tree)
    assert json.loads(out.read_text())["schema"] == "kata-report/1"


def test_learner_files_written_elsewhere_than_the_repository(tree: Path) -> None:
    impl = tree.parent / "writer"
    shutil.copytree(IMPLS / "partial", impl)
    (impl / "adder" / "adder.py").write_text(
        "open('scribble.txt', 'w').write('x')\n\ndef add(a, b):\n    return a + b\n"
    )
    graded = run_grader("grade", "--impl", str(impl), root=tree)
    assert graded.kata("adder")["status"] == "solved"
    assert not list(tree.rglob("scribble.txt"))
    assert not list(impl.rglob("scribble.txt"))


def test_timing_only_reuses_unchanged_solved_runs(tree: Path) -> None:
    first = run_grader("grade", "--reference", root=tree).kata("adder")
    again = run_grader("grade", "--reference", "--timing-only", root=tree, keep_report=True)
    again = again.kata("adder")
    assert again["status"] == "solved"
    assert again["results"] == first["results"], "unchanged code that passed is not re-run"
    reference = tree / "solutions" / "adder" / "adder.py"
    reference.write_text(reference.read_text() + "# changed\n")
    rerun = run_grader("grade", "--reference", "--timing-only", root=tree, keep_report=True)
    rerun = rerun.kata("adder")
    assert rerun["impl_sha256"] != first["impl_sha256"]
    assert [t["duration"] for t in rerun["results"]] != [t["duration"] for t in first["results"]]
