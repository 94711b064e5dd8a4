"""The Gradescope autograder: build the zip, lay out a fake /autograder, run it."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from assignment import solutions
from conftest import IMPLS, run_grader
from test_export import assert_no_solution_code

HEALTHY_GREETER = 'def greet(name):\n    return f"Hello, {name}!"\n'


@pytest.fixture
def autograder(tree: Path, tmp_path: Path) -> Path:
    """A fake /autograder: the zip unpacked into source/, an empty submission/."""
    archive = tmp_path / "autograder.zip"
    done = run_grader("gradescope", "adder", "greeter", "--out", str(archive), root=tree)
    assert done.code == 0, done.stdout + done.stderr
    home = tmp_path / "autograder"
    (home / "submission").mkdir(parents=True)
    (home / "results").mkdir()
    with zipfile.ZipFile(archive) as z:
        z.extractall(home / "source")
        modes = {i.filename: i.external_attr >> 16 for i in z.infolist()}
    for name in ("setup.sh", "run_autograder"):
        assert modes[name] & stat.S_IXUSR, f"{name} must be executable"
        (home / "source" / name).chmod(0o755)
    return home


def run_autograder(home: Path, timeout: float = 120) -> dict[str, Any]:
    """Run run_autograder as Gradescope does (with /autograder moved), read results.json."""
    python_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "KATA_AUTOGRADER_DIR": str(home), "PYTHONPATH": "",
           "PATH": f"{python_dir}{os.pathsep}{os.environ['PATH']}"}  # fmt: skip
    python3 = Path(python_dir) / "python3"
    assert python3.exists(), "run_autograder calls python3"
    proc = subprocess.run(["bash", str(home / "source/run_autograder")], cwd=home, env=env,
                          capture_output=True, text=True, timeout=timeout)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads((home / "results/results.json").read_text())


def submit(home: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = home / "submission" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def check_spec(results: dict[str, Any]) -> None:
    """The fields Gradescope's spec names, and the totals adding up."""
    assert isinstance(results["execution_time"], float | int)
    assert isinstance(results["output"], str)
    total = 0.0
    for n, t in enumerate(results["tests"]):
        assert set(t) >= {"score", "max_score", "status", "name", "number", "output", "visibility"}
        assert t["status"] in ("passed", "failed")
        assert t["visibility"] == "visible"
        assert 0 <= t["score"] <= t["max_score"] + 0.01
        assert t["number"].count(".") == 1, n
        total += t["score"]
    assert round(total, 2) == results["score"]
    assert all(t["score"] == round(t["score"], 2) for t in results["tests"]), "plain hundredths"


def test_zip_layout_and_no_solutions(autograder: Path, tree: Path) -> None:
    source = autograder / "source"
    assert (source / "setup.sh").is_file() and (source / "run_autograder").is_file()
    assert not (source / "solutions").exists() and not (source / ".github").exists()
    setup = (source / "setup.sh").read_text()
    assert "python3 -m pip install" in setup
    for requirement in ("'pytest>=8'", "'pytest-timeout>=2.3'", "'pytest-json-report>=1.5'"):
        assert requirement in setup
    assert "gradescope-run adder greeter" in (source / "run_autograder").read_text()
    assert_no_solution_code(source, solutions(tree))


def test_partial_and_bare_file_submission(autograder: Path) -> None:
    submit(autograder, {"adder/adder.py": (IMPLS / "partial/adder/adder.py").read_text(),
                        "greeter.py": HEALTHY_GREETER})  # fmt: skip
    results = run_autograder(autograder)
    check_spec(results)
    assert results["score"] == 8.8
    by_name = {t["name"]: t for t in results["tests"]}
    negative = by_name["adder › test_negative"]
    assert (negative["status"], negative["score"], negative["max_score"]) == ("failed", 0.0, 1.2)
    assert "expected: -3" in negative["output"] and "Edge cases" in negative["output"]
    assert by_name["greeter › test_greets_by_name"]["status"] == "passed"
    assert "graded greeter.py" in results["output"]
    board = results["leaderboard"]
    assert board[0]["order"] == "asc" and board[0]["value"] > 0


def test_a_checkout_of_the_assignment_is_accepted(autograder: Path, tree: Path) -> None:
    submit(autograder, {"katas/adder/adder.py": (tree / "solutions/adder/adder.py").read_text(),
                        "katas/greeter/greeter.py": HEALTHY_GREETER})  # fmt: skip
    results = run_autograder(autograder)
    check_spec(results)
    assert results["score"] == 10
    assert all(t["status"] == "passed" for t in results["tests"])


def test_crash_and_hang_still_write_complete_results(autograder: Path) -> None:
    submit(autograder, {
        "adder/adder.py": "import time\ntime.sleep(120)\n\ndef add(a, b):\n    return a + b\n",
        "greeter/greeter.py": "import os\nos._exit(3)\n",
    })  # fmt: skip
    results = run_autograder(autograder)
    check_spec(results)
    assert results["score"] == 0
    names = sorted(t["name"] for t in results["tests"])
    assert names == sorted(
        [f"adder › {n}" for n in ("test_large", "test_negative", "test_small", "test_zero")]
        + ["greeter › test_greets_by_name", "greeter › test_greets_empty_name"]
    )
    adder = [t for t in results["tests"] if t["name"].startswith("adder")]
    assert all("importing adder.py did not finish within 5 s" in t["output"] for t in adder)
    greeter = [t for t in results["tests"] if t["name"].startswith("greeter")]
    assert all(t["status"] == "failed" and t["output"] for t in greeter)
    assert "leaderboard" not in results


def test_empty_submission_says_what_is_missing(autograder: Path) -> None:
    results = run_autograder(autograder)
    check_spec(results)
    assert results["score"] == 0
    assert "no file found in the submission" in results["output"]
    assert all("no adder/ module found" in t["output"] for t in results["tests"][:4])


def test_a_killed_run_leaves_results_listing_every_test(autograder: Path) -> None:
    submit(autograder, {"adder/adder.py": "import time\ntime.sleep(120)\n"})
    python_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "KATA_AUTOGRADER_DIR": str(autograder), "PYTHONPATH": "",
           "PATH": f"{python_dir}{os.pathsep}{os.environ['PATH']}"}  # fmt: skip
    results = autograder / "results/results.json"
    proc = subprocess.Popen(["bash", str(autograder / "source/run_autograder")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not results.is_file():
            assert time.monotonic() < deadline, "no provisional results"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # Gradescope's own timeout
        proc.wait()
    data = json.loads(results.read_text())
    check_spec(data)
    assert data["score"] == 0 and len(data["tests"]) == 6
    assert data["output"].startswith("Grading did not finish")


def test_the_zip_carries_its_own_readme(autograder: Path) -> None:
    readme = (autograder / "source" / "README.md").read_text()
    assert readme.startswith("# Gradescope autograder")
    assert "Configure Autograder" in readme and "KATA_AUTOGRADER_DIR" in readme
    assert "`adder`, `greeter`" in readme and "10 points" in readme
    assert "nox -s" not in readme and "git push" not in readme  # not the students' README


def test_the_summary_counts_the_tests_it_lists_after_a_hang(autograder: Path) -> None:
    submit(autograder, {
        "adder/adder.py": "import time\ntime.sleep(120)\n\ndef add(a, b):\n    return a + b\n",
        "greeter/greeter.py": HEALTHY_GREETER,
    })  # fmt: skip
    results = run_autograder(autograder)
    check_spec(results)
    listed = len(results["tests"])
    passed = sum(t["status"] == "passed" for t in results["tests"])
    assert (listed, passed) == (6, 2)
    assert f"{passed}/{listed} tests passed" in results["output"].splitlines()[0]
    assert "adder: broken, 0/4 tests" in results["output"], "a hang at import: it never imports"


def test_disclosure_levels_reach_results_json(tree: Path, tmp_path: Path) -> None:
    archive = tmp_path / "autograder.zip"
    done = run_grader("gradescope", "adder", "greeter", "--out", str(archive),
                      "--disclosure", "none", "--kata-disclosure", "greeter=actual-only",
                      root=tree)  # fmt: skip
    assert done.code == 0, done.stderr
    home = tmp_path / "home"
    (home / "results").mkdir(parents=True)
    with zipfile.ZipFile(archive) as z:
        z.extractall(home / "source")
    wrong = 'def greet(name):\n    return f"Hi, {name}!"\n'
    partial = (IMPLS / "partial/adder/adder.py").read_text()
    submit(home, {"adder/adder.py": partial, "greeter/greeter.py": wrong})
    results = run_autograder(home)
    check_spec(results)
    failed = {t["name"]: t["output"] for t in results["tests"] if t["status"] == "failed"}
    assert failed["adder › test_negative"] == "wrong result"
    greeter = failed["greeter › test_greets_by_name"]
    assert "actual:" in greeter and "expected" not in greeter and "Hello" not in greeter
