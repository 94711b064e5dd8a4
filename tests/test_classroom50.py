"""Classroom 50: the autograder bundle, run as Classroom 50's runner runs it.

The runner (``foundation50/classroom50``, ``cli/gh-teacher/skeleton/dotgithub/
scripts/runner.py``) extracts the assignment's bundle, runs ``python3
autograder.py`` with the student's checkout as the working directory and its
identity in the environment, and validates ``result.json``. These tests do the
same on a bare interpreter — a fresh ``python -m venv`` with nothing but pip —
and validate every ``result.json`` against Classroom 50's published JSON
Schema (``tests/fixtures/classroom50/``) and the runner's rules in code.

Regenerate the golden files after an intended change with
``UPDATE_GOLDEN=1 nox -s tests -- tests/test_classroom50.py``.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conftest import FIXTURES, IMPLS, TREE, run_grader
from grader.platforms import classroom50
from grader.platforms.classroom import read_outputs
from grader.render.disclosure import redact

SCHEMA = json.loads((FIXTURES / "classroom50" / "result-v1.schema.json").read_text())
GOLDEN = Path(__file__).parent / "golden"
SLUG = "week-3"
ENV = {
    "CLASSROOM": "cs101",
    "ASSIGNMENT": SLUG,
    "ASSIGNMENT_TYPE": "individual",
    "MODE": "individual",
    "USERNAME": "alice",
    "OWNER": "alice",
    "SUBMISSION_TAG": "submit/2026-09-14T10-00-00Z-abc1234",
    "COMMIT_URL": "https://github.com/cs101-org/cs101-week-3-alice/commit/abc1234",
    "RELEASE_URL": "https://github.com/cs101-org/cs101-week-3-alice/releases/tag/submit%2F2026",
    "REVIEW_URL": "https://github.com/cs101-org/cs101-week-3-alice/compare/000...abc1234",
    "PAGES_BASE_URL": "https://cs101-org.github.io/classroom50",
    "GITHUB_REPOSITORY": "cs101-org/cs101-week-3-alice",
    "GITHUB_SHA": "abc1234",
    "GITHUB_ACTOR": "alice",
}
GREETER = 'def greet(name):\n    return f"Hello, {name}!"\n'


def check_result(doc: dict[str, Any], environ: dict[str, str] | None = ENV) -> None:
    """Valid for Classroom 50: its JSON Schema, and the rules its runner enforces in code."""
    jsonschema.validate(doc, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert classroom50.validation_errors(doc, environ) == []


# -- units -----------------------------------------------------------------------------


EARNING = ("solved", "partial", "too slow")


def kata_entry(status: str, tests: list[tuple[str, str, float]], possible: int) -> dict:
    return {
        "slug": "k",
        "status": status,
        "points": {"earned": 1.0 if status in EARNING else 0.0, "possible": possible},
        "tests": {"passed": 0, "total": len(tests)},
        "results": [
            {
                "nodeid": f"katas/k/test_k.py::{n}",
                "name": n,
                "status": s,
                "weight": w,
                "message": "assert 1 == 2\nexpected: 2\nactual:   1",
                "spec": "API",
            }
            for n, s, w in tests
        ],
        "broken": None,
        "tampered": [],
    }


def test_integer_points_add_up_exactly_to_the_scaled_kata_total() -> None:
    tests = [(f"t{i}", "passed" if i % 3 else "failed", 1.0) for i in range(21)]
    tests[4] = ("t4", "passed", 2.0)
    for status in ("partial", "too slow", "broken"):
        lines = classroom50.integer_lines(kata_entry(status, tests, 10), 10)
        assert sum(line.max_score for line in lines) == 100
        assert all(isinstance(line.score, int) and line.score <= line.max_score for line in lines)
    partial = classroom50.integer_lines(kata_entry("partial", tests, 10), 10)
    assert [line.score for line in partial] == [
        line.max_score if line.status == "passed" else 0 for line in partial
    ]
    slow = classroom50.integer_lines(kata_entry("too slow", tests, 10), 10)
    assert sum(line.score for line in slow) == round(sum(line.score for line in partial) * 0.75)
    broken = classroom50.integer_lines(kata_entry("broken", tests, 10), 10)
    assert sum(line.score for line in broken) == 0
    # the weight-2 test gets twice a weight-1 test's share, give or take the rounding
    assert partial[4].max_score in (9, 10)


def test_a_kata_the_report_gives_no_points_earns_none() -> None:
    # A kata whose task is speed earns only when solved: too slow or partial, the report
    # gives it nothing, and neither does result.json.
    tests = [(f"t{i}", "passed" if i % 2 else "failed", 1.0) for i in range(6)]
    for status in ("partial", "too slow"):
        entry = kata_entry(status, tests, 10)
        entry["points"]["earned"] = 0.0
        lines = classroom50.integer_lines(entry, 10)
        assert sum(line.max_score for line in lines) == 100
        assert [line.score for line in lines] == [0] * 6


def test_test_names_are_unique_and_at_most_100_bytes() -> None:
    long = "test_" + "é" * 80
    lines = [
        classroom50.Line("kata", name, "passed", 1, 1, {})
        for name in (long, long + "x", long + "y", "short", "short")
    ]
    names = classroom50.test_names(lines)
    assert len(set(names)) == len(names)
    assert all(0 < len(n.encode("utf-8")) <= 100 for n in names)
    assert names[3] == "kata: short"


def test_disclosure_levels_never_show_what_they_hide() -> None:
    failed = {
        "status": "failed",
        "message": "AssertionError: the entry expires at its ttl\nassert 1 is None\n"
        "  expected: None\n  actual:   1",
        "traceback": "def test_x():\n>   assert cache.get('a') is None",
        "stdout": "debug print",
        "spec": "Expiry",
        "line": 12,
    }
    assert redact(failed, "full") | {"kind": "wrong result"} == redact(failed, "full")
    actual = redact(failed, "actual-only")
    assert actual["message"] == "wrong result: AssertionError\nactual:   1"
    assert actual["traceback"] == "" and actual["line"] is None
    assert actual["stdout"] == "debug print" and actual["spec"] == "Expiry"
    none = redact(failed, "none")
    assert none["message"] == "wrong result"
    assert (none["traceback"], none["stdout"], none["spec"]) == ("", "", None)
    raised = redact({"status": "error", "message": "KeyError: 'b'\n  in get"}, "actual-only")
    assert raised["message"] == "error: KeyError: 'b'"
    no_raise = redact({"status": "failed", "message": "Failed: DID NOT RAISE ValueError"},
                      "actual-only")  # fmt: skip
    assert "ValueError" not in no_raise["message"]


def test_local_runs_get_placeholders_that_still_validate() -> None:
    settings = classroom50.Settings(SLUG, "Week 3", ["k"])
    report = {"katas": [kata_entry("partial", [("a", "passed", 1.0), ("b", "failed", 1.0)], 6)]}
    doc = classroom50.result_document(report, settings, {})
    check_result(doc, None)
    assert doc["submission"] == "submit/local" and doc["assignment"] == SLUG
    assert (doc["score"], doc["max-score"]) == (30, 60)


def test_validation_catches_what_the_runner_rejects() -> None:
    settings = classroom50.Settings(SLUG, "Week 3", ["k"])
    report = {"katas": [kata_entry("partial", [("a", "passed", 1.0)], 6)]}
    doc = classroom50.result_document(report, settings, ENV)
    assert classroom50.validation_errors(doc, ENV) == []
    assert classroom50.validation_errors({**doc, "owner": "mallory"}, ENV)
    assert classroom50.validation_errors({**doc, "score": True}, ENV)
    assert classroom50.validation_errors({**doc, "score": doc["max-score"] + 1}, ENV)
    bad = json.loads(json.dumps(doc))
    bad["tests"][0]["score"] = bad["tests"][0]["max-score"] + 1
    assert classroom50.validation_errors(bad, ENV)


# -- the bundle, graded as the runner grades it ----------------------------------------


@dataclass
class Run:
    code: int
    log: str
    result: dict[str, Any]
    body: str
    outputs: dict[str, str]


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A fake Classroom 50 runner: a bare interpreter, the extracted bundle, the environment."""
    base = tmp_path_factory.mktemp("classroom50")
    tree = base / "tree"
    shutil.copytree(TREE, tree, ignore=shutil.ignore_patterns(".kata", "__pycache__"))
    out = base / "export"
    done = run_grader("assignment", "adder", "greeter", "--out", str(out), "--name", "Week 3",
                      "--kata-disclosure", "greeter=actual-only", root=tree)  # fmt: skip
    assert done.code == 0, done.stdout + done.stderr
    # The bare runner: CPython with nothing but pip, as actions/setup-python leaves it.
    bare = base / "bare"
    subprocess.run([sys.executable, "-m", "venv", str(bare)], check=True)
    python = bare / "bin" / "python3"
    # publish-pages packs <classroom>/autograders/<slug>/ as <slug>.tar.gz; runner.py
    # extracts it into $RUNNER_TEMP/classroom50-runtime and runs <slug>/autograder.py.
    packed = io.BytesIO()
    with tarfile.open(fileobj=packed, mode="w:gz") as tar:
        tar.add(out / "autograders" / SLUG, arcname=SLUG)
    runtime = base / "runner-temp" / "classroom50-runtime"
    runtime.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(packed.getvalue()), mode="r:gz") as tar:
        if sys.version_info >= (3, 12):
            tar.extractall(runtime, filter="data")
        else:
            tar.extractall(runtime)

    def run(checkout: Path, bundle: Path = runtime / SLUG, timeout: float = 900) -> Run:
        output = checkout.parent / f"{checkout.name}-github-output"
        output.write_text("")
        env = {
            "PATH": f"{bare / 'bin'}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(base),
            "RUNNER_TEMP": str(base / "runner-temp"),
            "GITHUB_OUTPUT": str(output),
            "CLASSROOM50_BUNDLE_DIR": str(bundle),
            **ENV,
        }
        proc = subprocess.run([str(python), str(bundle / "autograder.py")], cwd=checkout,
                              env=env, capture_output=True, text=True, timeout=timeout)  # fmt: skip
        log = proc.stdout + proc.stderr
        result = json.loads((checkout / "result.json").read_text()) if proc.returncode == 0 else {}
        body = (checkout / "release-body.md").read_text() if proc.returncode == 0 else ""
        return Run(proc.returncode, log, result, body, read_outputs(output))

    run.template = out / "template"  # type: ignore[attr-defined]
    run.bundle = runtime / SLUG  # type: ignore[attr-defined]
    return run


def checkout(runner: Any, tmp_path: Path, adder: str | None, greeter: str | None = GREETER) -> Path:
    """A student's repository: the template, with their modules."""
    repo = tmp_path / "cs101-week-3-alice"
    shutil.copytree(runner.template, repo)
    for slug, text in (("adder", adder), ("greeter", greeter)):
        if text is not None:
            (repo / "katas" / slug / f"{slug}.py").write_text(text)
    return repo


def scores(run: Run) -> dict[str, int]:
    return {t["test-name"]: t["score"] for t in run.result["tests"]}


PARTIAL = (IMPLS / "partial" / "adder" / "adder.py").read_text()


def test_a_correct_submission(runner: Any, tmp_path: Path) -> None:
    solution = (TREE / "solutions" / "adder" / "adder.py").read_text()
    run = runner(checkout(runner, tmp_path, solution))
    assert run.code == 0, run.log
    check_result(run.result)
    assert (run.result["score"], run.result["max-score"]) == (100, 100)
    assert run.outputs["status"] == "success"
    assert run.outputs["summary"] == "kata autograde: 100/100 (6/6 tests passed)"


def test_a_partial_submission_matches_the_golden_files(runner: Any, tmp_path: Path) -> None:
    run = runner(checkout(runner, tmp_path, PARTIAL, greeter=None))
    assert run.code == 0, run.log
    check_result(run.result)
    assert run.outputs["status"] == "failure"
    result = dict(run.result, datetime="2026-09-14T10:00:00Z")
    check_golden("classroom50-partial-result.json", json.dumps(result, indent=2) + "\n")
    check_golden("classroom50-partial-release-body.md", run.body)
    # The log (the student can read it) carries the release body, fenced from workflow commands.
    token = re.search(r"::stop-commands::(\w+)", run.log)
    assert token and f"::{token.group(1)}::" in run.log


def test_a_syntax_error_lists_every_test_failed(runner: Any, tmp_path: Path) -> None:
    run = runner(checkout(runner, tmp_path, "def add(a, b)\n    return a + b\n"))
    assert run.code == 0, run.log
    check_result(run.result)
    adder = [t for t in run.result["tests"] if t["kata"] == "adder"]
    assert len(adder) == 4 and not any(t["passed"] for t in adder)
    assert sum(t["score"] for t in adder) == 0
    assert "SyntaxError" in run.body and "`adder` — broken" in run.body


def test_a_hang_costs_only_its_tests(runner: Any, tmp_path: Path) -> None:
    run = runner(checkout(runner, tmp_path, (IMPLS / "hang" / "adder" / "adder.py").read_text()))
    assert run.code == 0, run.log
    check_result(run.result)
    verdicts = {t["test"]: t["verdict"] for t in run.result["tests"] if t["kata"] == "adder"}
    assert verdicts["test_small"] == "timeout"
    assert sum(t["score"] for t in run.result["tests"] if t["kata"] == "greeter") == 40


def test_a_flood_and_a_crash_cost_only_their_katas(runner: Any, tmp_path: Path) -> None:
    flood = (IMPLS / "flood" / "adder" / "adder.py").read_text()
    run = runner(checkout(runner, tmp_path, flood, greeter="import os\nos._exit(3)\n"))
    assert run.code == 0, run.log
    check_result(run.result)
    assert len(run.result["tests"]) == 6
    greeter = [t for t in run.result["tests"] if t["kata"] == "greeter"]
    assert not any(t["passed"] for t in greeter) and all(t["message"] for t in greeter)
    assert len(run.body) < 20_000  # the flood does not reach the release body


def test_editing_or_deleting_the_tests_changes_nothing(runner: Any, tmp_path: Path) -> None:
    honest = runner(checkout(runner, tmp_path / "honest", PARTIAL))
    edited = checkout(runner, tmp_path / "edited", PARTIAL)
    (edited / "katas" / "adder" / "test_adder.py").write_text("def test_small():\n    pass\n")
    (edited / "katas" / "manifest.json").write_text("{}")
    (edited / "conftest.py").write_text("import sys\nsys.exit(0)\n")
    (edited / "grader" / "__init__.py").write_text("raise SystemExit('hijacked')\n")
    deleted = checkout(runner, tmp_path / "deleted", PARTIAL)
    (deleted / "katas" / "adder" / "test_adder.py").unlink()
    (deleted / "katas" / "greeter" / "test_greeter.py").unlink()
    shutil.rmtree(deleted / "grader")
    for run in (honest, runner(edited), runner(deleted)):
        assert run.code == 0, run.log
        check_result(run.result)
        assert scores(run) == scores(honest)
        assert run.result["score"] == 88  # adder 48/60 (test_negative fails), greeter 40/40


def test_a_deleted_kata_folder_is_graded_as_missing(runner: Any, tmp_path: Path) -> None:
    repo = checkout(runner, tmp_path, PARTIAL)
    shutil.rmtree(repo / "katas" / "adder")
    run = runner(repo)
    assert run.code == 0, run.log
    check_result(run.result)
    assert sum(t["score"] for t in run.result["tests"] if t["kata"] == "adder") == 0
    assert "katas/adder/adder.py is not in your repository" in run.body


def test_grading_past_the_budget_is_stopped_and_reported(runner: Any, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(runner.bundle, bundle)
    settings = json.loads((bundle / "kata" / "assignment.json").read_text())
    (bundle / "kata" / "assignment.json").write_text(json.dumps({**settings, "budget_seconds": 3}))
    slow = "import time\ntime.sleep(60)\n\ndef add(a, b):\n    return a + b\n"
    run = runner(checkout(runner, tmp_path, slow), bundle=bundle)
    assert run.code == 0, run.log
    check_result(run.result)
    assert run.result["score"] == 0 and len(run.result["tests"]) == 6
    assert "grading was stopped after" in run.body


def test_actual_only_hides_the_expected_value(runner: Any, tmp_path: Path) -> None:
    wrong = 'def greet(name):\n    return f"Hi, {name}!"\n'
    run = runner(checkout(runner, tmp_path, PARTIAL, greeter=wrong))
    check_result(run.result)
    greeter = [t for t in run.result["tests"] if t["kata"] == "greeter" and not t["passed"]]
    adder = [t for t in run.result["tests"] if t["kata"] == "adder" and not t["passed"]]
    assert greeter and all("expected" not in t["message"] for t in greeter)
    assert all("actual:" in t["message"] for t in greeter)
    assert "Hello" not in run.body.split("#### `greeter`")[1]
    assert "expected: -3" in adder[0]["message"]  # adder stays at the assignment's level, full


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text)
    assert path.is_file(), f"no golden file {path.name}: run with UPDATE_GOLDEN=1"
    assert text == path.read_text()
