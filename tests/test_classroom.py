"""The Classroom workflow and its steps, run here with the environment GitHub Actions gives.

Each test exports the fixture assignment, reads the steps' commands from the
generated workflow, runs them in the export with ``GITHUB_OUTPUT`` and
``GITHUB_STEP_SUMMARY`` files (and ``GITHUB_ACTIONS``/``CI`` set), and decodes
what they wrote the way a later step would.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from assignment import export, run_inside
from conftest import IMPLS
from grader.platforms.classroom import decode, read_outputs, step_ids
from test_terminal_golden import check_golden

NOX_STEP = re.compile(r"^\s+run: nox -s classroom -- (\S+)$", re.MULTILINE)


@pytest.fixture
def exported(tree: Path, tmp_path: Path) -> Path:
    return export(tree, tmp_path / "assignment")


def workflow_text(root: Path) -> str:
    return (root / ".github/workflows/classroom.yml").read_text()


def step_commands(root: Path) -> dict[str, list[str]]:
    """Each kata step's command, as the nox session runs it: slug -> argv."""
    return {
        slug: [sys.executable, "-m", "grader", "classroom", slug]
        for slug in NOX_STEP.findall(workflow_text(root))
    }


@dataclass
class Step:
    """What one step left: its result (decoded), log and summary."""

    result: dict[str, Any]
    log: str
    summary: str
    outputs: dict[str, str]

    def test(self, name: str) -> dict[str, Any]:
        return next(t for t in self.result["tests"] if t["name"] == name)

    @property
    def score(self) -> float:
        total = 0.0
        for t in self.result["tests"]:  # left to right, as the reporter adds them
            total += t["score"]
        return total


def github_env(tmp: Path) -> dict[str, str]:
    tmp.mkdir(parents=True, exist_ok=True)
    output, summary = tmp / "output", tmp / "summary.md"
    output.write_text("")
    summary.write_text("")
    return {
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_ACTIONS": "true",
        "CI": "true",
    }


def run_step(root: Path, slug: str, tmp: Path) -> Step:
    env = github_env(tmp / f"gh-{slug}-{time.monotonic_ns()}")
    argv = step_commands(root)[slug]
    done = run_inside(root, *argv[3:], env=env)
    assert done.code == 0, done.stdout + done.stderr
    outputs = read_outputs(Path(env["GITHUB_OUTPUT"]))
    return Step(
        decode(outputs["result"]),
        done.stdout,
        Path(env["GITHUB_STEP_SUMMARY"]).read_text(),
        outputs,
    )


def use(root: Path, impl: str | None = None, text: str | None = None) -> None:
    """Put an implementation of `adder` in the export's stub."""
    stub = root / "katas/adder/adder.py"
    if impl:
        shutil.copy(IMPLS / impl / "adder/adder.py", stub)
    if text is not None:
        stub.write_text(text)


def test_step_ids_are_letters_and_digits_and_unique() -> None:
    ids = step_ids(["lru_cache", "lru-cache", "lrucache", "3sum", "_"])
    assert ids == {
        "lru_cache": "lrucache",
        "lru-cache": "lrucache2",
        "lrucache": "lrucache3",
        "3sum": "kata3sum",
        "_": "kata",
    }
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", i) for i in ids.values())


def test_workflow_grades_each_kata_and_needs_no_classroom_service(exported: Path) -> None:
    text = workflow_text(exported)
    assert "name: Kata grading\n" in text
    assert "on: [push, workflow_dispatch]\n" in text
    assert "permissions:\n  contents: read\n" in text
    assert "uses: actions/checkout@v4" in text and "uses: actions/setup-python@v5" in text
    assert "pip install --quiet nox" in text
    assert NOX_STEP.findall(text) == ["adder", "greeter"]
    for sid in ("adder", "greeter"):
        assert f"        id: {sid}\n" in text
    assert text.count("timeout-minutes: 3") == 2
    # GitHub Classroom was retired: nothing reports to it any more.
    assert "classroom-resources" not in text and "github-classroom" not in text


def test_workflow_parses_as_yaml(exported: Path) -> None:
    yaml = pytest.importorskip("yaml")
    data = yaml.safe_load(workflow_text(exported))
    on = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as true
    assert on == ["push", "workflow_dispatch"]
    assert data["permissions"] == {"contents": "read"}
    steps = data["jobs"]["grade"]["steps"]
    katas = [s for s in steps if str(s.get("run", "")).startswith("nox -s classroom --")]
    assert [(s["id"], s["run"], s["timeout-minutes"]) for s in katas] == [
        ("adder", "nox -s classroom -- adder", 3),
        ("greeter", "nox -s classroom -- greeter", 3),
    ]
    assert all(s["if"] == "${{ !cancelled() }}" for s in katas)
    assert steps[-1] is katas[-1]


def test_untouched_stubs_fail_with_every_test_listed(exported: Path, tmp_path: Path) -> None:
    for slug, count, possible in (("adder", 4, 6), ("greeter", 2, 4)):
        step = run_step(exported, slug, tmp_path)
        assert step.result["version"] == 1
        assert step.result["status"] == "fail"
        assert step.result["max_score"] == possible
        assert len(step.result["tests"]) == count
        assert step.score == 0
        assert all(t["status"] == "fail" for t in step.result["tests"])
        assert "not started" in step.log


def test_partial_credit_per_test_adds_up_to_the_report(exported: Path, tmp_path: Path) -> None:
    use(exported, "partial")
    step = run_step(exported, "adder", tmp_path)
    report = run_inside(exported, "grade", "adder").kata("adder")
    assert step.result["status"] == "fail"
    assert step.score == report["points"]["earned"] == 4.8
    # in hundredths; the last non-zero score may carry a unit in the last place so that
    # adding them up left to right gives exactly 4.8
    assert {t["name"]: round(t["score"], 2) for t in step.result["tests"]} == {
        "test_small": 1.2,
        "test_large": 2.4,
        "test_negative": 0.0,
        "test_zero": 1.2,
    }
    failed = step.test("test_negative")
    assert failed["status"] == "fail"
    assert "expected: -3" in failed["message"] and "actual:   7" in failed["message"]
    assert "spec: Edge cases" in failed["message"]
    assert failed["test_code"].startswith("def test_negative() -> None:")
    assert "assert add(-5, 2) == -3" in failed["test_code"]
    assert (failed["filename"], failed["line_no"]) == ("katas/adder/test_adder.py", 19)
    assert isinstance(failed["duration"], float)
    assert "Points 4.8/6" in step.log
    assert "| `test_negative` | failed | 0/1.2 |" in step.summary
    assert "expected: -3<br>" in step.summary


def test_solved_kata_passes_with_full_marks(tree: Path, exported: Path, tmp_path: Path) -> None:
    shutil.copy(tree / "solutions/adder/adder.py", exported / "katas/adder/adder.py")
    step = run_step(exported, "adder", tmp_path)
    assert step.result["status"] == "pass"
    assert step.score == 6
    assert all(t["status"] == "pass" and t["message"] == "" for t in step.result["tests"])


def test_scores_add_up_exactly_with_awkward_weights(tree: Path, tmp_path: Path) -> None:
    test_file = tree / "katas/adder/test_adder.py"
    test_file.write_text(test_file.read_text().replace("weight(2)", "weight(1.7)"))
    toml = tree / "katas/adder/kata.toml"
    toml.write_text(toml.read_text().replace("points = 6", "points = 7"))
    out = export(tree, tmp_path / "awkward", "adder")
    use(out, "partial")
    step = run_step(out, "adder", tmp_path)
    report = run_inside(out, "grade", "adder").kata("adder")
    assert step.score == report["points"]["earned"]  # 7 * 3.7 / 4.7 = 5.51
    assert round(sum(t["score"] for t in step.result["tests"]), 2) == 5.51


def test_broken_module_is_an_error_listing_every_test(exported: Path, tmp_path: Path) -> None:
    use(exported, "broken")
    step = run_step(exported, "adder", tmp_path)
    assert step.result["status"] == "error"
    assert "SyntaxError" in step.result["message"]
    names = [t["name"] for t in step.result["tests"]]
    assert sorted(names) == ["test_large", "test_negative", "test_small", "test_zero"]
    for t in step.result["tests"]:
        assert (t["status"], t["score"]) == ("error", 0.0)
        assert "SyntaxError" in t["message"]
        assert t["filename"] == "katas/adder/test_adder.py"
        assert t["test_code"].startswith(f"def {t['name']}(")
    assert step.score == 0


def test_timed_out_kata_still_yields_a_complete_result(exported: Path, tmp_path: Path) -> None:
    use(exported, text="import time\ntime.sleep(120)\n\ndef add(a, b):\n    return a + b\n")
    step = run_step(exported, "adder", tmp_path)
    assert step.result["status"] == "error"
    assert "importing adder.py did not finish within 5 s" in step.result["message"]
    assert len(step.result["tests"]) == 4
    assert all(t["status"] == "error" and t["score"] == 0 for t in step.result["tests"])
    assert step.result["max_score"] == 6


def test_a_step_killed_by_github_leaves_an_error_result(exported: Path, tmp_path: Path) -> None:
    use(exported, text="import time\ntime.sleep(120)\n\ndef add(a, b):\n    return a + b\n")
    env = github_env(tmp_path / "killed")
    argv = step_commands(exported)["adder"]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    proc = subprocess.Popen(
        argv,
        cwd=exported,
        env={**clean, **env, "PYTHONPATH": ""},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while "result=" not in Path(env["GITHUB_OUTPUT"]).read_text():
            assert time.monotonic() < deadline, "no provisional result"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # what `timeout-minutes` does
        proc.wait()
    result = decode(read_outputs(Path(env["GITHUB_OUTPUT"]))["result"])
    assert result["status"] == "error"
    assert "did not finish" in result["message"] and "3 minutes" in result["message"]
    assert sorted(t["name"] for t in result["tests"]) == [
        "test_large",
        "test_negative",
        "test_small",
        "test_zero",
    ]
    assert result["max_score"] == 6


def test_changed_tests_make_an_error_with_a_plain_message(exported: Path, tmp_path: Path) -> None:
    use(exported, "partial")
    test_file = exported / "katas/adder/test_adder.py"
    test_file.write_text(test_file.read_text().replace("== -3", "== 7"))
    step = run_step(exported, "adder", tmp_path)
    assert step.result["status"] == "error"
    assert "katas/adder/test_adder.py differs from the shipped version" in step.result["message"]
    assert step.score == 0
    assert all(t["status"] == "error" for t in step.result["tests"])


def test_a_changed_workflow_fails_every_kata(exported: Path, tmp_path: Path) -> None:
    workflow = exported / ".github/workflows/classroom.yml"
    workflow.write_text(workflow.read_text().replace("timeout-minutes: 3", "timeout-minutes: 9"))
    shutil.copy(IMPLS.parent / "tree/solutions/greeter/greeter.py", exported / "katas/greeter")
    for slug in ("adder", "greeter"):
        step = run_step(exported, slug, tmp_path)
        assert step.result["status"] == "error"
        assert "the workflow was changed" in step.result["message"]
        assert step.score == 0 and step.result["tests"]


def test_a_changed_grader_fails_every_kata(exported: Path, tmp_path: Path) -> None:
    scoring = exported / "grader/core/scoring.py"
    scoring.write_text(scoring.read_text() + "\n# full marks for everyone\n")
    step = run_step(exported, "adder", tmp_path)
    assert step.result["status"] == "error"
    assert "grader/core/scoring.py differs" in step.result["message"]
    assert "the grader was changed" in step.result["message"]


def test_learner_output_cannot_issue_workflow_commands(exported: Path, tmp_path: Path) -> None:
    use(
        exported,
        text=(
            "print('::error file=x.py,line=1::forged annotation')\n\n"
            "def add(a, b):\n"
            "    print('::warning::forged from a test')\n"
            "    raise ValueError('\\n::error::forged in a message')\n"
        ),
    )
    step = run_step(exported, "adder", tmp_path)
    lines = step.log.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("::stop-commands::"))
    token = lines[start].removeprefix("::stop-commands::")
    assert re.fullmatch(r"[0-9a-f]{32}", token)
    end = lines.index(f"::{token}::")
    assert "forged" in "\n".join(lines[start:end])
    assert "forged" not in "\n".join(lines[:start] + lines[end:])
    commands = [line for line in lines if line.startswith("::")]
    assert commands == [lines[start], lines[end]]
    again = run_step(exported, "adder", tmp_path)
    assert token not in again.log, "a fresh token each run"


def normalised_log(log: str) -> str:
    log = re.sub(r"[0-9a-f]{32}", "TOKEN", log)
    return re.sub(r"[^\s\"]*(katas/adder/)", r"\1", log)


def test_step_log_golden(exported: Path, tmp_path: Path) -> None:
    use(exported, "partial")
    check_golden("classroom-partial", normalised_log(run_step(exported, "adder", tmp_path).log))
    use(exported, "broken")
    check_golden("classroom-broken", normalised_log(run_step(exported, "adder", tmp_path).log))


def test_the_step_runs_outside_actions_too(exported: Path) -> None:
    done = run_inside(exported, "classroom", "adder")
    assert done.code == 0
    assert "GITHUB_OUTPUT is not set" in done.stdout
    assert (exported / ".kata/classroom-adder.json").is_file()


def test_unknown_kata_step_still_writes_a_result(exported: Path, tmp_path: Path) -> None:
    env = github_env(tmp_path / "unknown")
    done = run_inside(exported, "classroom", "nosuch", env=env)
    assert done.code == 0
    result = decode(read_outputs(Path(env["GITHUB_OUTPUT"]))["result"])
    assert result["status"] == "error" and "no kata 'nosuch'" in result["message"]


def test_outputs_are_read_like_github_reads_them(tmp_path: Path) -> None:
    path = tmp_path / "output"
    path.write_text("a=1\nresult<<EOF_1\nfirst\nline two\nEOF_1\nresult=last\n")
    assert read_outputs(path) == {"a": "1", "result": "last"}
