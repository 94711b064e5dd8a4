"""The assignment export: a working starter repository with no solution in it."""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import pytest

from assignment import export, run_inside, solutions
from conftest import IMPLS, ROOT, run_grader
from grader.core.catalog import load_kata
from grader.platforms.export import find_leaks


@pytest.fixture
def exported(tree: Path, tmp_path: Path) -> Path:
    return export(tree, tmp_path / "assignment")


def test_export_holds_the_katas_the_grader_and_no_solutions(exported: Path) -> None:
    files = {p.relative_to(exported).as_posix() for p in exported.rglob("*") if p.is_file()}
    for name in (
        "katas/adder/README.md",
        "katas/adder/adder.py",
        "katas/adder/test_adder.py",
        "katas/adder/kata.toml",
        "katas/greeter/greeter.py",
        "katas/manifest.json",
        "katas/reference-times.json",
        "grader/core/pipeline.py",
        "grader/sentinel/test_sentinel.py",
        "noxfile.py",
        "pyproject.toml",
        "README.md",
        ".gitignore",
        ".github/workflows/classroom.yml",
    ):
        assert name in files, name
    assert not (exported / "solutions").exists()
    assert not any("solutions" in f or "__pycache__" in f for f in files)
    manifest = json.loads((exported / "katas/manifest.json").read_text())
    assert set(manifest) == {"adder", "greeter", "_assignment"}
    assert manifest["adder"]["tests"] == ["test_large", "test_negative", "test_small", "test_zero"]
    times = json.loads((exported / "katas/reference-times.json").read_text())
    assert set(times["adder"]["tests"]) == set(manifest["adder"]["tests"])
    readme = (exported / "README.md").read_text()
    assert readme.startswith("# Demo course")
    assert "nox -s grade -- adder" in readme and "How points work" in readme
    assert "[`adder`](katas/adder/README.md)" in readme and "10 points" in readme
    assert 'name = "demo-course"' in (exported / "pyproject.toml").read_text()
    assert "pytest-timeout" in (exported / "pyproject.toml").read_text()


def test_only_the_chosen_katas_are_exported(tree: Path, tmp_path: Path) -> None:
    out = export(tree, tmp_path / "one", "greeter")
    assert sorted(p.name for p in (out / "katas").iterdir() if p.is_dir()) == ["greeter"]
    manifest = json.loads((out / "katas/manifest.json").read_text())
    assert set(manifest) == {"greeter", "_assignment"}
    assert "adder" not in (out / ".github/workflows/classroom.yml").read_text()


def _body_lines(path: Path) -> list[list[str]]:
    """Each function's body (docstring left out) as normalised source lines."""
    try:
        tree = ast.parse(path.read_text(errors="replace"))
    except SyntaxError:
        return []
    bodies = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:]
            text = "\n".join(ast.unparse(stmt) for stmt in body)
            bodies.append([line.strip() for line in text.splitlines() if line.strip()])
    return bodies


def _windows(bodies: list[list[str]], size: int = 4) -> set[tuple[str, ...]]:
    return {
        tuple(lines[i : i + size])
        for lines in bodies
        for i in range(len(lines) - size + 1)
        if sum(len(line) > 15 for line in lines[i : i + size]) >= 2
    }


def assert_no_solution_code(exported: Path, solution_files: list[Path]) -> None:
    """No exported .py is a solution file, nor repeats 4 statements of a solution's function."""
    exported_files = sorted(exported.rglob("*.py"))
    ours = {path: _windows(_body_lines(path)) for path in exported_files}
    for solution in solution_files:
        theirs = _windows(_body_lines(solution))
        for path in exported_files:
            assert path.read_bytes() != solution.read_bytes(), f"{path} is {solution}"
            assert not ours[path] & theirs, f"{path} repeats code of {solution}"
    assert find_leaks(exported, solution_files) == []


def test_no_file_of_the_export_carries_a_solution(tree: Path, exported: Path) -> None:
    assert_no_solution_code(exported, solutions(tree))


@pytest.mark.slow
def test_real_katas_export_without_their_solutions(tmp_path: Path) -> None:
    out = tmp_path / "real"
    done = run_grader(
        "assignment", "lru_cache", "retry_backoff", "--out", str(out), root=ROOT, timeout=300
    )
    assert done.code == 0, done.stdout + done.stderr
    assert_no_solution_code(out, solutions(ROOT))  # the template and the autograder bundle
    requirements = (out / "autograders/backend-katas/requirements.txt").read_text()
    assert "freezegun" in requirements and "fakeredis" not in requirements


@pytest.mark.slow
def test_the_export_times_solved_katas_against_recorded_reference_times(tmp_path: Path) -> None:
    out = tmp_path / "timed"
    done = run_grader("assignment", "lru_cache", "--out", str(out), root=ROOT, timeout=300)
    assert done.code == 0, done.stdout + done.stderr
    assert (
        out / "autograders" / "backend-katas" / "kata" / "katas" / "reference-times.json"
    ).is_file()
    out = out / "template"
    shipped = json.loads((out / "katas" / "reference-times.json").read_text())
    workload = shipped["lru_cache"]["workload"]
    sizes = list(load_kata(ROOT / "katas" / "lru_cache").timing.sizes)
    assert workload["sizes"] == sizes
    assert len(workload["times"]) == len(sizes) and workload["calibration"] > 0
    shutil.copy(ROOT / "solutions/lru_cache/lru_cache.py", out / "katas/lru_cache/lru_cache.py")
    graded = run_inside(out, "grade", "lru_cache", timeout=300)
    timing = graded.kata("lru_cache")["timing"]
    assert timing is not None and timing["error"] is None
    assert timing["ratio"] is not None and timing["sizes"][:3] == sizes[:3]
    assert timing["reference_growth"] is not None


def test_a_planted_solution_is_caught(tree: Path, tmp_path: Path) -> None:
    planted = tmp_path / "planted"
    (planted / "katas").mkdir(parents=True)
    reference = ROOT / "solutions" / "lru_cache" / "lru_cache.py"
    shutil.copy(reference, planted / "katas" / "copy.py")
    text = reference.read_text().splitlines()
    start = next(
        i for i, line in enumerate(text) if line.lstrip().startswith("def ") and len(text) > i + 12
    )
    (planted / "katas" / "excerpt.py").write_text(
        "# helpers\n\n" + "\n".join(text[start : start + 40]) + "\n"
    )
    leaks = find_leaks(planted, [reference])
    assert any("copy.py is a copy" in leak for leak in leaks)
    assert any(leak.startswith("katas/excerpt.py") for leak in leaks), leaks


def test_the_export_grades_stubs_as_not_started_and_the_reference_as_solved(
    tree: Path, exported: Path
) -> None:
    graded = run_inside(exported, "grade")
    assert graded.code == 1, graded.stdout + graded.stderr
    assert {k["slug"]: k["status"] for k in graded.report["katas"]} == {
        "adder": "not started",
        "greeter": "not started",
    }
    assert graded.report["implementation"]["path"] == str(exported / "katas")
    shutil.copy(tree / "solutions/adder/adder.py", exported / "katas/adder/adder.py")
    graded = run_inside(exported, "grade", "adder")
    adder = graded.kata("adder")
    assert adder["status"] == "solved"
    assert adder["points"] == {"earned": 6, "possible": 6}
    assert adder["reference_duration"] is not None, "the shipped reference times are used"
    one = run_inside(exported, "grade", "adder::test_large").kata("adder")
    times = json.loads((exported / "katas/reference-times.json").read_text())
    assert one["reference_duration"] == times["adder"]["tests"]["test_large"]


def test_the_export_grades_a_partial_solution_with_weights(exported: Path) -> None:
    shutil.copy(IMPLS / "partial/adder/adder.py", exported / "katas/adder/adder.py")
    adder = run_inside(exported, "grade", "adder").kata("adder")
    assert (adder["status"], adder["points"]["earned"]) == ("partial", 4.8)


def test_changed_tests_in_the_export_are_tampering(exported: Path) -> None:
    test_file = exported / "katas/adder/test_adder.py"
    test_file.write_text(test_file.read_text().replace("== -3", "== 7"))
    adder = run_inside(exported, "grade", "adder").kata("adder")
    assert adder["status"] == "tampered"


def test_export_refuses_a_folder_in_use_and_unknown_katas(tree: Path, tmp_path: Path) -> None:
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("mine")
    done = run_grader("assignment", "adder", "--out", str(used), root=tree)
    assert done.code == 2 and "not empty" in done.stderr
    assert (used / "notes.txt").read_text() == "mine"
    done = run_grader("assignment", "addr", "--out", str(tmp_path / "new"), root=tree)
    assert done.code == 2 and "unknown kata 'addr'" in done.stderr
    assert not (tmp_path / "new").exists()


def test_a_failing_reference_stops_the_export(tree: Path, tmp_path: Path) -> None:
    (tree / "solutions/adder/adder.py").write_text("def add(a, b):\n    return a - b\n")
    done = run_grader("assignment", "adder", "--out", str(tmp_path / "out"), root=tree)
    assert done.code == 2 and "reference of adder does not pass" in done.stderr
    assert not (tmp_path / "out").exists()


def test_classroom50_is_the_default_platform(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "week"
    done = run_grader("assignment", "adder", "greeter", "--out", str(out), "--name", "Week 3",
                      root=tree)  # fmt: skip
    assert done.code == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["autograders", "template"]
    template, bundle = out / "template", out / "autograders" / "week-3"
    assert not (template / ".github").exists()  # Classroom 50 adds its own workflow at accept
    assert sorted(p.name for p in bundle.iterdir()) == ["autograder.py", "kata", "requirements.txt"]
    assert (bundle / "kata/katas/adder/test_adder.py").read_bytes() == (
        template / "katas/adder/test_adder.py"
    ).read_bytes()
    assert not (bundle / "kata/README.md").exists()
    settings = json.loads((bundle / "kata/assignment.json").read_text())
    assert settings["katas"] == ["adder", "greeter"] and settings["scale"] == 10
    # the fixture katas import nothing beyond pytest: so the runner installs only that
    requirements = (bundle / "requirements.txt").read_text().splitlines()
    assert all(r.startswith(("pytest", "tomli")) for r in requirements), requirements
    readme = (template / "README.md").read_text()
    assert "Classroom 50" in readme and "Release" in readme
    assert "your teacher's own copy of the tests" in readme
    assert "GitHub Classroom" not in readme and "score recorded" not in readme
    assert "Classroom" not in done.stdout.splitlines()[-1].replace("Classroom 50", "")
    assert "autograders/week-3/" in done.stdout


def test_an_assignment_slug_classroom50_refuses_is_refused(tree: Path, tmp_path: Path) -> None:
    done = run_grader("assignment", "adder", "--out", str(tmp_path / "x"),
                      "--assignment", "Week_3!", root=tree)  # fmt: skip
    assert done.code == 2 and "assignment slug" in done.stderr
    assert not (tmp_path / "x").exists()


def test_the_export_ships_every_session_its_output_mentions(exported: Path) -> None:
    """The grade output and the hints point to `nox -s next`, `hint`, `watch`: all there."""
    noxfile = (exported / "noxfile.py").read_text()
    for session in ("grade", "watch", "list_", "next_", "hint", "reset", "classroom"):
        assert f"def {session}(session" in noxfile, session
    done = run_inside(exported, "next")
    assert done.code == 0 and "adder" in done.stdout, done.stderr
    hint = run_inside(exported, "hint", "adder")
    assert hint.code == 0 and "hint 1 of 2" in hint.stdout, hint.stderr
    readme = (exported / "README.md").read_text()
    assert "nox -s next" in readme and "nox -s hint -- adder" in readme
    assert "GitHub Classroom" not in readme and "job summary" in readme
