"""Code that misbehaves gets a clear verdict and costs nothing else.

Each case grades a hostile `adder` beside a healthy `greeter` and asserts the
verdict, the healthy kata's full grade and a complete report.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, Graded, run_grader

HOSTILE = FIXTURES / "hostile"
EXPECTED = json.loads((HOSTILE / "expected.json").read_text())
"""Each hostile fixture's verdict: the kata's status and its tests' outcomes (see
`nox -s stability`, which grades them repeatedly, with and without load)."""

HEALTHY = 'def greet(name):\n    return f"Hello, {name}!"\n'
FINE = "def add(a, b):\n    return a + b\n"


def submission(base: Path, adder: str, **extra: str) -> Path:
    """A submission folder: the given adder, a correct greeter, and extra files."""
    folder = base / "submission"
    (folder / "adder").mkdir(parents=True)
    (folder / "greeter").mkdir()
    (folder / "adder" / "adder.py").write_text(textwrap.dedent(adder))
    (folder / "greeter" / "greeter.py").write_text(HEALTHY)
    for name, text in extra.items():
        (folder / "adder" / name.replace("__", ".")).write_text(textwrap.dedent(text))
    return folder


def grade_hostile(tree: Path, adder: str, timeout: float = 60, **extra: str) -> Graded:
    graded = run_grader(
        "grade",
        "--impl",
        str(submission(tree.parent, adder, **extra)),
        "--no-reference-times",
        root=tree,
        timeout=timeout,
    )
    assert graded.report is not None, graded.stdout + graded.stderr
    assert graded.report["complete"] is True
    greeter = graded.kata("greeter")
    assert greeter["status"] == "solved", "the healthy kata keeps its full grade"
    assert greeter["points"] == {"earned": 4, "possible": 4}
    return graded


ON_SMALL = "def add(a, b):\n    if (a, b) == (1, 2):\n{}\n    return a + b\n"


def on_small(body: str) -> str:
    """An adder that misbehaves only in test_small."""
    return ON_SMALL.format(textwrap.indent(textwrap.dedent(body), "        "))


@pytest.mark.parametrize(
    ("case", "body", "verdict"),
    [
        ("python loop", "while True:\n    pass", "timeout"),
        ("sleep", "import time\ntime.sleep(60)", "timeout"),
        ("gil-holding C loop", "sum(range(10**12))", "timeout"),
        ("memory", "hog = [bytearray(2**26) for _ in range(10**5)]", "memory"),
        ("sys.exit", "import sys\nsys.exit(3)", "crashed"),
        ("raise SystemExit", "raise SystemExit", "crashed"),
        ("KeyboardInterrupt", "raise KeyboardInterrupt", "crashed"),
        ("os._exit", "import os\nos._exit(0)", "crashed"),
        ("segfault", "import ctypes\nctypes.string_at(0)", "crashed"),
        ("killed", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "crashed"),
        # CPython 3.11+ recurses in Python frames on the heap, without the C stack:
        # it fills the memory limit (older versions overflow the C stack and crash).
        (
            "deep recursion",
            "import sys\nsys.setrecursionlimit(10**7)\nf = lambda n: f(n + 1) + 1\nf(0)",
            ("memory", "crashed"),
        ),
    ],
)
def test_misbehaving_test_gets_a_verdict(tree: Path, case: str, body: str, verdict) -> None:
    graded = grade_hostile(tree, on_small(body))
    tests = graded.tests("adder")
    expected = verdict if isinstance(verdict, tuple) else (verdict,)
    adder = graded.kata("adder")
    assert tests.pop("test_small") in expected, f"{case}: {adder['results']}\n{adder['output']}"
    assert set(tests.values()) == {"passed"}, "only the misbehaving test is lost"
    assert graded.kata("adder")["status"] == "partial"


def verdict(kata: dict) -> tuple[str, list[str]]:
    """A kata's status and its tests' outcomes, leaving aside tests that never ran."""
    outcomes = sorted({t["status"] for t in kata["results"]} - {"not run"})
    return kata["status"], outcomes


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_a_kata_that_fails_for_one_cause_is_named_by_it(tree: Path, case: str) -> None:
    """Each hostile fixture reads its cause; when every test fails for one, the kata does too."""
    folder = tree.parent / "submission"
    shutil.copytree(HOSTILE / case, folder)
    (folder / "greeter").mkdir()
    (folder / "greeter" / "greeter.py").write_text(HEALTHY)
    graded = run_grader("grade", "--impl", str(folder), "--no-reference-times", root=tree)
    assert graded.report is not None, graded.stdout + graded.stderr
    assert graded.kata("greeter")["status"] == "solved", "the healthy kata keeps its grade"
    adder = graded.kata("adder")
    want = EXPECTED[case]
    assert verdict(adder) == (want["status"], sorted(set(want["tests"]) - {"not run"})), (
        f"{case}: {adder['problem']}\n{adder['results']}"
    )
    if want["status"] not in ("partial", "solved"):
        assert adder["points"]["earned"] == 0
    assert len(json.dumps(graded.report)) < 200_000, "floods stay out of the report"
    if case == "gil_loop":
        assert "crashed" not in json.dumps(adder), "the grader stopped it; nothing crashed"
    if case == "line_flood":
        notes = [t["stdout"].splitlines()[-1] for t in adder["results"]]
        assert all(n.startswith("[output limit: ") and "printed to stderr" in n for n in notes)
    if case in ("fd_flood", "import_flood"):
        text = adder["problem"] if case == "import_flood" else adder["results"][0]["message"]
        assert "output limit" in text and "32 MB" in text, text
        assert f"{adder['slug']} — output limit" in graded.stdout


def _gone(pid: int) -> bool:
    """Whether a process no longer runs (it does not exist, or is a zombie)."""
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(") ", 1)[1][0] == "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return True


ESCAPES = {
    "new session": "p = subprocess.Popen(['sleep', '300'], start_new_session=True)\npid = p.pid",
    "new process group": "p = subprocess.Popen(['sleep', '300'], preexec_fn=os.setpgrp)\n"
    "pid = p.pid",
    "empty environment": "p = subprocess.Popen(['/bin/sleep', '300'], env={}, "
    "start_new_session=True)\npid = p.pid",
    "double fork": "r, w = os.pipe()\nif os.fork() == 0:\n    os.setsid()\n"
    "    if os.fork() == 0:\n        os.write(w, str(os.getpid()).encode())\n"
    "        time.sleep(300)\n    os._exit(0)\npid = int(os.read(r, 20))",
}


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
@pytest.mark.parametrize("abrupt", [False, True], ids=["test ends", "process dies"])
@pytest.mark.parametrize("escape", sorted(ESCAPES))
def test_no_process_outlives_its_grade(tree: Path, tmp_path: Path, escape: str, abrupt) -> None:
    """A child that detaches from the test process is ended with the kata's grade.

    With ``abrupt``, the test process itself dies right after (``os._exit``), so
    the escaped child is orphaned while the kata is still being graded.
    """
    pidfile = tmp_path / "child.pid"
    body = (
        "import os, subprocess, time\n"
        + ESCAPES[escape]
        + f"\nopen({str(pidfile)!r}, 'w').write(str(pid))"
        + ("\nos._exit(0)" if abrupt else "")
    )
    graded = grade_hostile(tree, on_small(body))
    pid = int(pidfile.read_text())
    assert _gone(pid), f"{escape}: process {pid} outlived the grade"
    tests = graded.tests("adder")
    assert tests.pop("test_small") == ("crashed" if abrupt else "passed")
    assert set(tests.values()) == {"passed"}


def test_busy_loop_at_import_is_stopped_and_its_line_named(tree: Path) -> None:
    started = time.monotonic()
    graded = grade_hostile(tree, "while True:\n    pass\n")
    adder = graded.kata("adder")
    assert adder["status"] == "broken"
    assert adder["broken"]["line"] in (1, 2)
    assert "importing adder.py did not finish within 5 s" in adder["broken"]["error"]
    assert time.monotonic() - started < 30


def test_c_level_hang_at_import_hits_the_kata_wall_clock(tree: Path) -> None:
    started = time.monotonic()
    graded = grade_hostile(tree, "sum(range(10**12))  # holds the GIL, ignores signals\n")
    assert graded.kata("adder")["status"] == "timeout"
    problem = graded.kata("adder")["problem"]
    assert "within 8 s of CPU time (32 s of wall-clock time)" in problem, problem
    assert "importing adder.py" in problem, problem
    assert time.monotonic() - started < 32 + 20


def test_import_error_is_broken_with_line(tree: Path) -> None:
    graded = grade_hostile(tree, "import math\nimport no_such_module\n" + FINE)
    adder = graded.kata("adder")
    assert adder["status"] == "broken"
    assert adder["broken"]["line"] == 2
    assert "no_such_module" in adder["broken"]["error"]


def test_flood_of_output_stays_bounded(tree: Path) -> None:
    graded = grade_hostile(
        tree, on_small("print('spam' * 10**6)\nimport sys\nsys.stderr.write('x' * 10**7)")
    )
    assert graded.kata("adder")["status"] == "solved"
    assert len(json.dumps(graded.report)) < 200_000
    assert len(graded.stdout) < 20_000


def test_endless_output_outside_tests_is_an_output_limit(tree: Path) -> None:
    graded = grade_hostile(tree, "import os\nwhile True:\n    os.write(1, b'x' * 65536)\n")
    adder = graded.kata("adder")
    assert adder["status"] == "output limit"
    assert "more than 32 MB" in adder["problem"]
    assert len(json.dumps(graded.report)) < 200_000


def test_child_processes_are_ended_with_the_kata(tree: Path, tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    body = (
        f"import subprocess\np = subprocess.Popen(['sleep', '300'])\n"
        f"open({str(pidfile)!r}, 'w').write(str(p.pid))"
    )
    grade_hostile(tree, on_small(body))
    pid = int(pidfile.read_text())
    time.sleep(0.2)
    stat = Path(f"/proc/{pid}/stat")
    # Gone, or a zombie waiting for init to reap it: either way it runs no more.
    assert not stat.exists() or stat.read_text().split(") ")[1][0] == "Z"


def test_files_written_by_learner_code_stay_out_of_the_repository(tree: Path) -> None:
    grade_hostile(tree, "open('litter.txt', 'w').write('x')\n" + FINE)
    assert not list(tree.rglob("litter.txt"))
    assert not list(ROOT.glob("litter.txt"))


def test_edited_tests_are_tampered(tree: Path) -> None:
    test_file = tree / "katas" / "adder" / "test_adder.py"
    test_file.write_text(test_file.read_text().replace("== -3", "!= -3"))
    graded = grade_hostile(tree, "def add(a, b):\n    return abs(a) + abs(b)\n")
    adder = graded.kata("adder")
    assert adder["status"] == "tampered"
    assert adder["points"]["earned"] == 0
    assert any("test_adder.py differs" in reason for reason in adder["tampered"])


@pytest.mark.parametrize("name", ["conftest.py", "sitecustomize.py", "pytest.ini"])
def test_added_startup_files_are_tampered(tree: Path, name: str) -> None:
    graded = grade_hostile(tree, FINE, **{name.replace(".", "__"): "# changes how tests run\n"})
    adder = graded.kata("adder")
    assert adder["status"] == "tampered"
    assert any(name in reason for reason in adder["tampered"])


def test_patching_pytest_to_pass_everything_is_caught(tree: Path) -> None:
    cheat = """
        from _pytest.reports import TestReport

        _real = TestReport.from_item_and_call.__func__

        def _always_pass(cls, item, call):
            report = _real(cls, item, call)
            report.outcome, report.longrepr = "passed", None
            return report

        TestReport.from_item_and_call = classmethod(_always_pass)

        def add(a, b):
            return 0
    """
    graded = grade_hostile(tree, cheat)
    adder = graded.kata("adder")
    assert adder["status"] == "tampered"
    assert any("sentinel" in reason for reason in adder["tampered"])


def test_hidden_tests_are_caught(tree: Path) -> None:
    cheat = """
        import pytest

        _real = pytest.Session.perform_collect

        def _fewer(self, *args, **kwargs):
            items = _real(self, *args, **kwargs)
            if isinstance(items, list):
                items[:] = [i for i in items if "negative" not in i.name]
            return items

        pytest.Session.perform_collect = _fewer

        def add(a, b):
            return abs(a) + abs(b)
    """
    graded = grade_hostile(tree, cheat)
    adder = graded.kata("adder")
    assert adder["status"] == "tampered"
    assert any("missing test_negative" in reason for reason in adder["tampered"])


def test_ctrl_c_writes_an_incomplete_report(tree: Path, tmp_path: Path) -> None:
    folder = submission(tree.parent, on_small("sum(range(10**12))"))
    report = tree / ".kata" / "report.json"
    scratch = tmp_path / "scratch"  # the grader's temporary folders, to see the test start
    scratch.mkdir()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "grader",
            "grade",
            "--impl",
            str(folder),
            "--root",
            str(tree),
            "--no-reference-times",
            "--jobs",
            "1",
            "adder",
            "greeter",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "TMPDIR": str(scratch)},
    )
    deadline = time.monotonic() + 60
    while not any("test_small" in p.read_text() for p in scratch.glob("*/progress.log")):
        assert time.monotonic() < deadline and proc.poll() is None, "the hang never started"
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, out + err
    data = json.loads(report.read_text())
    assert data["complete"] is False
    statuses = {k["slug"]: k["status"] for k in data["katas"]}
    assert statuses == {"adder": "incomplete", "greeter": "incomplete"}
    assert "interrupted" in out


def test_corrupt_history_and_report_are_survived(tree: Path) -> None:
    state = tree / ".kata"
    state.mkdir()
    good = {
        "finished_at": "2026-01-01T00:00:00Z",
        "complete": True,
        "implementation": "learner",
        "katas": {"adder": {"status": "partial"}},
    }
    (state / "history.jsonl").write_text(json.dumps(good) + '\n\x00\x00garbage\n{"katas": [')
    (state / "report.json").write_text('{"schema": "kata-report/1", "kat')
    (state / "reference-times.json").write_text("[1, 2")
    graded = run_grader("grade", "--reference", root=tree)
    assert graded.code == 0, graded.stdout + graded.stderr
    assert "skipped 2 unreadable lines" in graded.stderr
    lines = (state / "history.jsonl").read_text().splitlines()
    assert json.loads(lines[0]) == good
    assert json.loads(lines[-1])["katas"]["adder"]["status"] == "solved"


@pytest.mark.slow
def test_ctrl_c_while_timing_keeps_the_grades(tmp_path: Path) -> None:
    tree = tmp_path / "timed"
    for part in ("katas/lru_cache", "solutions/lru_cache"):
        shutil.copytree(ROOT / part, tree / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "katas/manifest.json", tree / "katas/manifest.json")
    # The learner's code (a copy of the reference) is timed against the reference; a
    # grade of the references alone only measures their growth, which is quickly done.
    shutil.copy(tree / "solutions/lru_cache/lru_cache.py", tree / "katas/lru_cache")
    scratch = tmp_path / "scratch"  # the grader's temporary folders, to see timing start
    scratch.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "grader", "grade", "--root", str(tree)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "TMPDIR": str(scratch)},
    )
    deadline = time.monotonic() + 60
    while not list(scratch.glob("kata-timing-lru_cache-*")):
        assert time.monotonic() < deadline and proc.poll() is None, "timing never started"
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, out + err
    data = json.loads((tree / ".kata" / "report.json").read_text())
    assert data["complete"] is False
    kata = data["katas"][0]
    total = kata["tests"]["total"]
    assert total >= 20 and kata["tests"] == {"passed": total, "total": total}, (
        "the graded tests are kept"
    )
    assert kata["timing"] is None
    assert not list(scratch.iterdir()), "the timing's scratch folder is removed"


# -- the sandbox ------------------------------------------------------------------------


def _need_sandbox() -> None:
    """Skip where bubblewrap cannot run, unless CI requires it (KATA_REQUIRE_SANDBOX=1)."""
    from grader.core.sandbox import unavailable

    why = unavailable()
    if why is not None:
        if os.environ.get("KATA_REQUIRE_SANDBOX"):
            pytest.fail(f"the sandbox is required here: {why}")
        pytest.skip(why)


SECRET = "-----BEGIN OPENSSH PRIVATE KEY----- kata-fake-key-7f3a9c"

# Each misbehaves in test_small only; the exception it meets is what the report shows.
ESCAPING = {
    "reads_ssh_key": "data = open({home!r} + '/.ssh/id_rsa').read()\nprint(data)",
    "writes_repository": "open({repo!r} + '/katas/adder/litter.txt', 'w').write('x')",
    "writes_other_submission": "open({victim!r}, 'w').write('def add(a, b):\\n    return 0\\n')",
    "connects_to_localhost": "import socket\nsocket.create_connection(('127.0.0.1', {port}), 2)",
    # A real fork bomb, armed only under a process limit, so a failing sandbox cannot
    # take the machine down: without the limit the test passes and the assertion fails.
    "fork_bomb": "import os, resource\n"
    "if resource.getrlimit(resource.RLIMIT_NPROC)[0] <= 4096:\n"
    "    while True:\n        os.fork()",
}
DENIED = {
    "reads_ssh_key": "No such file or directory",
    "writes_repository": "Read-only file system",
    "writes_other_submission": ("No such file or directory", "Read-only file system"),
    "connects_to_localhost": "Connection refused",
    "fork_bomb": ("Resource temporarily unavailable", "process limit"),
}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="bubblewrap is Linux-only")
def test_batch_sandbox_denies_each_escape(tree: Path, tmp_path: Path) -> None:
    """Hostile submissions beside healthy ones: each escape is denied and reported."""
    import socket

    _need_sandbox()
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text(SECRET)
    subs = tmp_path / "subs"
    victim = subs / "alice" / "adder" / "adder.py"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    values = {
        "home": str(home),
        "repo": str(tree),
        "victim": str(victim),
        "port": listener.getsockname()[1],
    }
    adders = {"alice": FINE, "zoe": FINE}
    adders |= {name: on_small(body.format(**values)) for name, body in ESCAPING.items()}
    for name, adder in adders.items():
        (subs / name / "adder").mkdir(parents=True)
        (subs / name / "adder" / "adder.py").write_text(adder)
    out = tmp_path / "grades"
    done = run_grader(
        "batch", str(subs), "--katas", "adder", "--out", str(out), "--sandbox", "require",
        root=tree, timeout=300, env={"HOME": str(home)},
    )  # fmt: skip
    assert done.code == 0, done.stdout + done.stderr
    reports = {p.stem: json.loads(p.read_text()) for p in (out / "reports").glob("*.json")}
    for name in ("alice", "zoe"):
        assert reports[name]["katas"][0]["status"] == "solved", f"{name} is graded as usual"
    for name, denial in DENIED.items():
        adder = reports[name]["katas"][0]
        tests = {t["name"]: t for t in adder["results"]}
        small = tests.pop("test_small")
        assert small["status"] != "passed", f"{name} was not denied"
        assert any(
            d in small["message"] for d in (denial if isinstance(denial, tuple) else (denial,))
        ), f"{name}: {small['message']}"
        assert {t["status"] for t in tests.values()} == {"passed"}, f"{name}: the rest is graded"
    everything = "".join(p.read_text() for p in out.rglob("*") if p.is_file())
    assert SECRET not in everything
    assert victim.read_text() == FINE, "another submission was changed"
    assert not list(tree.rglob("litter.txt")), "the repository was written to"
    with pytest.raises(TimeoutError):
        listener.accept()
    listener.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="bubblewrap is Linux-only")
def test_grade_sandbox_and_its_absence(tree: Path, tmp_path: Path) -> None:
    """`grade --sandbox` grades as usual in the sandbox; without bubblewrap one line says so."""
    _need_sandbox()
    folder = submission(tree.parent, on_small(ESCAPING["writes_repository"].format(repo=str(tree))))
    graded = run_grader("grade", "--impl", str(folder), "--sandbox", "--no-reference-times",
                        root=tree)  # fmt: skip
    assert graded.kata("greeter")["status"] == "solved"
    small = next(t for t in graded.kata("adder")["results"] if t["name"] == "test_small")
    assert "Read-only file system" in small["message"]
    assert not list(tree.rglob("litter.txt"))

    bare = tmp_path / "bin"  # a PATH without bwrap
    bare.mkdir()
    for tool in ("git", "sleep"):
        if shutil.which(tool):
            (bare / tool).symlink_to(shutil.which(tool))
    env = {"PATH": str(bare)}
    carry_on = run_grader("grade", "--impl", str(folder), "--sandbox", "--no-reference-times",
                          root=tree, env=env)  # fmt: skip
    notes = [line for line in carry_on.stderr.splitlines() if "sandbox" in line]
    assert notes == [
        "grader: no sandbox (bubblewrap (bwrap) is not installed); grading with your own rights"
    ]
    assert carry_on.kata("greeter")["status"] == "solved"
    refused = run_grader("grade", "--impl", str(folder), "--sandbox=require", root=tree, env=env)
    assert refused.code == 2
    assert "--sandbox=require: bubblewrap (bwrap) is not installed" in refused.stderr
    assert refused.report is None
