"""The learner's loop, end to end: list, next, hint, reset, compare and watch."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, run_grader

SOLUTION = "def add(a, b):\n    return a + b\n"


def cli(*args: str, root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args, "--root", str(root)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
    )


# What a learner's machine lacks: `nox -s list`, `next`, `hint` and `reset` run in
# nox's own interpreter, which has only the standard library (and tomli before 3.11).
NOT_ON_A_BARE_MACHINE = (
    "pytest _pytest pluggy pytest_timeout pytest_jsonreport fakeredis redis freezegun "
    "fastapi httpx watchfiles yaml"
)
BARE = f"""
import runpy, sys
BLOCKED = set({NOT_ON_A_BARE_MACHINE!r}.split())

class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (a bare machine)", name=name)
        return None

sys.meta_path.insert(0, Refuse())
sys.argv = ["grader", *sys.argv[1:]]
runpy.run_module("grader", run_name="__main__", alter_sys=True)
"""


def bare_cli(*args: str, root: Path) -> subprocess.CompletedProcess[str]:
    """The grader run where importing pytest, its plugins or a kata library fails."""
    return subprocess.run(
        [sys.executable, "-c", BARE, *args, "--root", str(root)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )


@pytest.mark.parametrize(
    "command",
    [["list"], ["next"], ["hint", "adder"], ["hint"], ["reset", "adder"], ["--help"]],
    ids=lambda c: " ".join(c),
)
def test_learner_commands_need_only_the_standard_library(tree: Path, command: list[str]) -> None:
    _git_repo(tree)
    (tree / "katas/adder/adder.py").write_text(SOLUTION)
    proc = bare_cli(*command, root=tree)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "==SUPPRESS==" not in proc.stdout
    if command == ["reset", "adder"]:
        assert "restored the stub" in proc.stdout


def test_the_blocker_really_blocks(tree: Path) -> None:
    proc = bare_cli("grade", "--reference", "adder", root=tree)
    assert "No module named 'pytest' (a bare machine)" in proc.stderr


def test_list_shows_stages_statuses_and_progress(tree: Path) -> None:
    (tree / "katas/adder/adder.py").write_text("def add(a, b):\n    return abs(a) + abs(b)\n")
    run_grader("grade", root=tree)
    out = cli("list", root=tree).stdout
    assert "Python practice" in out and "Git: internals and operations" not in out
    assert "partial 3 of 4" in out
    assert "0/2 katas solved, 4.8/10 points · next: adder" in out
    (tree / "katas/adder/adder.py").write_text(SOLUTION)
    run_grader("grade", "adder", root=tree)
    out = cli("list", root=tree).stdout
    assert "1/2 katas solved, 10.8/10 points" not in out
    assert "1/2 katas solved, 6/10 points · next: greeter" in out


def test_next_follows_the_learning_path(tree: Path) -> None:
    assert "next: adder" in cli("next", root=tree).stdout
    (tree / "katas/adder/adder.py").write_text(SOLUTION)
    run_grader("grade", "adder", root=tree)
    assert "next: greeter" in cli("next", root=tree).stdout


def test_hints_come_one_more_each_call_and_are_remembered(tree: Path) -> None:
    first = cli("hint", "adder", root=tree).stdout
    assert "hint 1 of 2" in first and "Use +." in first and "Return a + b." not in first
    second = cli("hint", "adder", root=tree).stdout
    assert "hint 2 of 2" in second and "Return a + b." in second
    assert "that was the last hint" in second
    assert "hint 2 of 2" in cli("hint", "adder", root=tree).stdout
    state = json.loads((tree / ".kata/progress.json").read_text())
    assert state["katas"]["adder"]["hints_shown"] == 2


def test_corrupt_progress_file_is_survived(tree: Path) -> None:
    (tree / ".kata").mkdir()
    (tree / ".kata/progress.json").write_text("{not json")
    assert cli("list", root=tree).returncode == 0
    assert "hint 1 of 2" in cli("hint", "adder", root=tree).stdout


def test_unknown_kata_is_a_usage_error(tree: Path) -> None:
    proc = cli("hint", "ader", root=tree)
    assert proc.returncode == 2
    assert "Did you mean: adder" in proc.stderr


def _git_repo(tree: Path) -> None:
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "start"],
    ):
        subprocess.run(["git", *args], cwd=tree, check=True, capture_output=True)


def test_reset_restores_the_stub_and_keeps_a_backup(tree: Path) -> None:
    _git_repo(tree)
    stub = tree / "katas/adder/adder.py"
    original = stub.read_text()
    stub.write_text(SOLUTION)
    # Even after the learner commits their work, the shipped stub is found.
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "mine"],
        cwd=tree,
        check=True,
    )
    out = cli("reset", "adder", root=tree).stdout
    assert stub.read_text() == original
    backup = tree / out.strip().rsplit(" ", 1)[-1]
    assert backup.read_text() == SOLUTION
    assert ".kata/backups/adder/" in out
    assert "nothing to reset" in cli("reset", "adder", root=tree).stdout
    # A deleted file is restored, and no backup of it is claimed.
    stub.unlink()
    out = cli("reset", "adder", root=tree).stdout
    assert stub.read_text() == original
    assert "was missing" in out and "saved in" not in out
    assert len(list((tree / ".kata/backups/adder").iterdir())) == 1


def test_compare_waits_for_a_solution_then_shows_both(tree: Path) -> None:
    refused = cli("compare", "adder", root=tree)
    assert refused.returncode == 1 and "solve it first" in refused.stdout
    forced = cli("compare", "adder", "--force", root=tree)
    assert "reference: solutions/adder/adder.py" in forced.stdout
    (tree / "katas/adder/adder.py").write_text(SOLUTION)
    shown = cli("compare", "adder", root=tree).stdout
    assert "your code: 4/4 tests passed" in shown
    assert "reference: 4/4 tests passed" in shown
    assert "+++ reference: solutions/adder/adder.py" in shown


class Watching:
    """A ``grader watch`` process driven through a pipe, as a learner's keys would."""

    # The watch process refuses to fork: it has the file watcher's thread.
    NO_FORK = (
        "import os, runpy, sys\n"
        "def refuse(): raise RuntimeError('the watch process forked')\n"
        "os.fork = refuse\n"
        "sys.argv = ['grader', *sys.argv[1:]]\n"
        "runpy.run_module('grader', run_name='__main__', alter_sys=True)\n"
    )

    def __init__(self, tree: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", self.NO_FORK, "watch", *args, "--root", str(tree)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, "NO_COLOR": "1"},
        )
        self.seen = ""

    def wait_for(self, text: str, timeout: float = 60) -> float:
        """Read until ``text`` shows; how long it took."""
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        started = time.monotonic()
        while text not in self.seen:
            assert time.monotonic() - started < timeout, f"no {text!r} in:\n{self.seen}"
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                self.seen += os.read(fd, 65536).decode("utf-8", "replace")
        return time.monotonic() - started

    def press(self, key: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{key}\n".encode())
        self.proc.stdin.flush()

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.press("q")
        try:
            out = self.proc.communicate(timeout=20)[0].decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out = self.proc.communicate()[0].decode("utf-8", "replace")
        self.seen += out
        return self.seen


@pytest.mark.parametrize("poll", [False, True], ids=["events", "polling"])
def test_watch_grades_each_save_then_moves_on_to_the_next_kata(tree: Path, poll: bool) -> None:
    watching = Watching(tree, "adder", *(["--poll"] if poll else []))
    try:
        watching.wait_for("adder — grading…")
        watching.wait_for("watching katas/adder/")
        watching.wait_for("adder — not started")
        assert "progress" in watching.seen and "0/2 katas solved" in watching.seen
        watching.seen = ""
        (tree / "katas/adder/adder.py").write_text("def add(a, b):\n    return abs(a) + abs(b)\n")
        watching.wait_for("adder — grading…", timeout=10)
        watching.wait_for("adder — partial, 3/4 tests")
        # Every failing test on a line, the first in full with its spec line.
        assert "✗ test_negative" in watching.seen and "expected: -3" in watching.seen
        assert "spec § Edge cases: Negative numbers and zero." in watching.seen
        watching.press("h")
        watching.wait_for("hint 1 of 2")
        watching.seen = ""
        (tree / "katas/adder/adder.py").write_text(SOLUTION)
        watching.wait_for("next: greeter")
        assert "✓ solved" in watching.seen and "1/2 katas solved" in watching.seen
        watching.press("n")
        watching.wait_for("watching katas/greeter/")
        watching.wait_for("greeter — not started")
        watching.press("l")
        watching.wait_for("Python practice")
    finally:
        out = watching.stop()
    assert watching.proc.returncode == 0, out
    assert "stopped watching" in out and "Traceback" not in out


def test_watch_cancels_a_grade_that_a_newer_save_made_stale(tree: Path) -> None:
    watching = Watching(tree, "adder")
    started = tree / "hanging-test-started"
    try:
        watching.wait_for("adder — not started")
        # Every test of this version hangs until its 1 s limit: 4 s at least to grade.
        (tree / "katas/adder/adder.py").write_text(
            f"from pathlib import Path\n\n\ndef add(a, b):\n    Path({str(started)!r}).touch()\n"
            "    while True:\n        pass\n"
        )
        watching.wait_for("adder — grading…", timeout=10)
        deadline = time.monotonic() + 60
        while not started.exists():  # the stale grade is in its tests now
            assert time.monotonic() < deadline, watching.seen
            time.sleep(0.05)
        watching.seen = ""
        (tree / "katas/adder/adder.py").write_text(SOLUTION)
        watching.wait_for("✓ solved")
        assert "timeout" not in watching.seen and "partial" not in watching.seen
    finally:
        out = watching.stop()
    assert watching.proc.returncode == 0 and "Traceback" not in out
    history = [json.loads(line) for line in (tree / ".kata/history.jsonl").read_text().splitlines()]
    assert [h["complete"] for h in history] == [True, False, True], "the stale grade ran on"
    progress = json.loads((tree / ".kata/progress.json").read_text())
    assert progress["katas"]["adder"]["status"] == "solved"


def test_watch_without_a_kata_starts_at_the_next_unsolved(tree: Path) -> None:
    (tree / "katas/adder/adder.py").write_text(SOLUTION)
    run_grader("grade", "adder", root=tree)
    watching = Watching(tree)
    try:
        watching.wait_for("greeter — not started")
    finally:
        out = watching.stop()
    assert "usage:" not in out and watching.proc.returncode == 0


def test_an_untouched_stub_is_not_started_without_running_its_tests(tree: Path) -> None:
    graded = run_grader("grade", root=tree)
    for slug in ("adder", "greeter"):
        entry = graded.kata(slug)
        assert entry["status"] == "not started" and entry["source"] == "stub"
        assert {t["status"] for t in entry["results"]} == {"failed"}
        assert all("not run again" in t["message"] for t in entry["results"])
    assert "2 katas not started" in graded.stdout
    # Nothing ran, so nothing forked a test process or timed the reference.
    assert not (tree / ".kata/reference-times.json").exists()


def test_bare_machine_grades_an_untouched_clone(tree: Path) -> None:
    proc = bare_cli("grade", root=tree)
    assert proc.returncode == 1, proc.stderr  # nothing solved: 1, as for any unsolved grade
    assert "2 katas not started" in proc.stdout and "Traceback" not in proc.stderr


def test_unchanged_katas_reuse_their_last_result_until_fresh(tree: Path) -> None:
    (tree / "katas/adder/adder.py").write_text("def add(a, b):\n    return abs(a) + abs(b)\n")
    first = run_grader("grade", "adder", root=tree)
    assert first.kata("adder")["source"] == "run"
    again = run_grader("grade", "adder", root=tree)
    entry = again.kata("adder")
    assert entry["source"] == "reused" and entry["status"] == "partial"
    assert again.tests("adder") == first.tests("adder")
    assert "test results reused: adder — what is reused is unchanged since the last grade" in (
        again.stdout
    )
    assert run_grader("grade", "adder", "--fresh", root=tree).kata("adder")["source"] == "run"
    # Any change to what the result depends on grades it again.
    (tree / "katas/adder/adder.py").write_text(SOLUTION)
    changed = run_grader("grade", "adder", root=tree)
    assert changed.kata("adder")["source"] == "run" and changed.kata("adder")["status"] == "solved"
    with (tree / "katas/adder/kata.toml").open("a") as f:
        f.write("\n# edited\n")
    edited = run_grader("grade", "adder", root=tree)
    assert edited.kata("adder")["source"] == "run" and edited.kata("adder")["status"] == "tampered"


def test_one_test_run_again_says_so_and_keeps_the_kata_status(tree: Path) -> None:
    (tree / "katas/adder/adder.py").write_text("def add(a, b):\n    return abs(a) + abs(b)\n")
    run_grader("grade", "adder", root=tree)
    one = run_grader("grade", "adder::test_small", root=tree)
    assert "adder::test_small" in one.stdout and "test passed" in one.stdout
    assert "1/1 selected tests passed; adder was partial, 3/4 tests, at its last full grade" in (
        one.stdout
    )
    assert "solved" not in one.stdout
    progress = json.loads((tree / ".kata/progress.json").read_text())
    assert progress["katas"]["adder"]["status"] == "partial"


def test_a_helper_module_beside_the_code_counts_as_a_change(tree: Path) -> None:
    (tree / "katas/adder/helper.py").write_text("def plus(a, b):\n    return a + b\n")
    (tree / "katas/adder/adder.py").write_text(
        "from helper import plus\n\n\ndef add(a, b):\n    return plus(a, b)\n"
    )
    assert run_grader("grade", "adder", root=tree).kata("adder")["status"] == "solved"
    (tree / "katas/adder/helper.py").write_text("def plus(a, b):\n    return a - b\n")
    again = run_grader("grade", "adder", root=tree).kata("adder")
    assert again["source"] == "run" and again["status"] == "partial"
