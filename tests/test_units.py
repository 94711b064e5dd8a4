"""Unit tests of the grader's pieces: catalog, selection, scoring, report I/O."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from conftest import ROOT, TREE
from grader.core import report as report_io
from grader.core.catalog import CatalogError, load_catalog, load_kata
from grader.core.files import write_atomic
from grader.core.results import RunResult, TestResult
from grader.core.scoring import score
from grader.core.selection import Implementation, UsageError, select


def _kata_dir(tmp_path: Path, toml: str) -> Path:
    d = tmp_path / "katas" / "demo"
    d.mkdir(parents=True)
    (d / "kata.toml").write_text(toml)
    return d


GOOD = (
    'title = "Demo"\narea = "python"\ndifficulty = 1\npoints = 5\nmodule = "demo"\ntime_limit = 1\n'
)


def test_metadata_loads(tmp_path: Path) -> None:
    kata = load_kata(_kata_dir(tmp_path, GOOD))
    assert (kata.slug, kata.points, kata.time_limit, kata.memory_mb) == ("demo", 5, 1.0, 384)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('area = "python"', 'area = "cooking"'), "area 'cooking' is not one of"),
        (("difficulty = 1", "difficulty = 4"), "difficulty must be 1, 2 or 3"),
        (('module = "demo"', 'module = "de-mo"'), "not a Python identifier"),
        (("points = 5", 'points = "5"'), "'points' has the wrong type"),
        (('title = "Demo"\n', ""), "missing required key 'title'"),
        (("time_limit = 1", "time_limit = ["), "kata.toml"),
    ],
)
def test_bad_metadata_names_file_and_field(tmp_path: Path, change, message) -> None:
    with pytest.raises(CatalogError, match=message.replace("(", r"\(")):
        load_kata(_kata_dir(tmp_path, GOOD.replace(*change)))


TIMING = '[timing]\nsizes = [1, 2, 4]\ngrowth = "linear"\nmax_slowdown = 3.0\n'


def _timed_kata(tmp_path: Path, bench: str, timing: str = "") -> Path:
    """A kata with a ``[timing]`` table (plus ``timing``) whose workload is ``bench``."""
    kata_dir = _kata_dir(tmp_path, GOOD + TIMING + timing)
    (kata_dir / "bench_demo.py").write_text(bench, encoding="utf-8")
    return kata_dir


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (GOOD + "timing_budget = 4\n", "unknown key 'timing_budget'"),
        (GOOD + "tiltle = 'x'\n", "unknown key 'tiltle' (did you mean 'title'?)"),
        (GOOD + "memory_mb = 1.5\n", "'memory_mb' has the wrong type (float, expected integer)"),
        (GOOD + "kata_timeout = true\n", "'kata_timeout' has the wrong type (boolean"),
        (GOOD + "tags = 'x'\n", "'tags' has the wrong type (string, expected array)"),
        (GOOD + "kata_timeout = 0\n", "kata_timeout must be positive"),
        (
            GOOD + TIMING + "budgett = 4\n",
            "unknown key [timing] 'budgett' (did you mean 'budget'?)",
        ),
        (GOOD + TIMING + "complexity_required = 1\n", "[timing] 'complexity_required' has"),
        (GOOD + TIMING + "speed_required = 'yes'\n", "[timing] 'speed_required' has the wrong"),
        (GOOD + TIMING + "budget = -1\n", "[timing] budget must be positive"),
        (
            GOOD + TIMING.replace('growth = "linear"\n', ""),
            "missing required key [timing] 'growth'",
        ),
        (GOOD + "timing = 3\n", "'timing' has the wrong type (integer, expected table)"),
    ],
)
def test_kata_toml_rejects_unknown_keys_and_wrong_types(tmp_path: Path, toml, message) -> None:
    """A typo is an error naming the file and the key, not a setting silently ignored."""
    with pytest.raises(CatalogError, match=re.escape(message)) as caught:
        load_kata(_kata_dir(tmp_path, toml))
    assert str(tmp_path / "katas" / "demo" / "kata.toml") in str(caught.value)


def test_timing_table_keys_and_defaults(tmp_path: Path) -> None:
    kata = load_kata(_kata_dir(tmp_path, GOOD + TIMING))
    assert kata.timing is not None
    assert (kata.timing.budget, kata.timing.speed_required) == (2.0, False)
    assert (kata.timing.complexity_required, kata.timing.slow_growth) == (False, None)
    toml = GOOD + TIMING + "budget = 5\nspeed_required = true\ncomplexity_required = true\n"
    kata = load_kata(_kata_dir(tmp_path / "b", toml))
    assert kata.timing is not None
    assert (kata.timing.budget, kata.timing.speed_required) == (5.0, True)
    assert kata.timing.complexity_required is True


def test_timing_job_budget_comes_from_the_timing_table(tmp_path: Path) -> None:
    from grader.core.timing import TimingJob

    kata = load_kata(_kata_dir(tmp_path, GOOD + TIMING + "budget = 7\n"))
    assert TimingJob(kata, tmp_path / "demo.py", None, tmp_path).budget == 7.0


@pytest.mark.parametrize(
    "kata_dir", sorted(p.parent for p in (ROOT / "katas").glob("*/kata.toml")), ids=lambda p: p.name
)
def test_every_kata_toml_is_valid(kata_dir: Path) -> None:
    kata = load_kata(kata_dir)
    assert kata.slug == kata_dir.name


def test_selection_suggests_close_names() -> None:
    catalog = load_catalog(TREE)
    assert [t.kata.slug for t in select(catalog, [])] == ["adder", "greeter"]
    assert select(catalog, ["adder::test_zero"])[0].test == "test_zero"
    with pytest.raises(UsageError, match="Did you mean: adder"):
        select(catalog, ["ader"])


def _run(statuses: list[str], weights: list[float] | None = None, **kw) -> RunResult:
    kata = load_catalog(TREE)[0]
    weights = weights or [1.0] * len(statuses)
    tests = [
        TestResult(f"t::{i}", s, weight=w, message="NotImplementedError" if s == "failed" else "")
        for i, (s, w) in enumerate(zip(statuses, weights))
    ]
    return RunResult(kata=kata, impl=Path("."), tests=tests, **kw)


def test_scores() -> None:
    assert score(_run(["passed"] * 3)).status == "solved"
    assert score(_run(["passed"] * 3)).earned == 6
    partial = score(_run(["passed", "failed", "timeout"], [2, 1, 1]))
    assert (partial.status, partial.earned, partial.passed, partial.total) == ("partial", 3, 1, 3)
    assert score(_run(["failed", "failed"])).status == "not started"
    assert score(_run([], broken={"error": "x", "file": "a.py", "line": 1})).status == "broken"
    assert (
        score(_run(["passed"], problem="stop", problem_kind="interrupted")).status == "incomplete"
    )
    killed = score(_run(["not run", "not run"], problem="slow", problem_kind="timeout"))
    assert (killed.status, killed.earned) == ("timeout", 0.0)


def test_history_skips_corrupt_lines(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    good = {"finished_at": "x", "complete": True, "katas": {"a": {"status": "solved"}}}
    path.write_text(json.dumps(good) + "\n{not json\n" + '["wrong shape"]\n' + '{"katas": {')
    entries, skipped = report_io.read_history(path)
    assert entries == [good]
    assert skipped == 3


def test_corrupt_report_reads_as_missing(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text('{"schema": "kata-report/1", "katas": [')
    assert report_io.read(path) is None


def test_atomic_write_leaves_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "report.json"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]


def test_templates_are_files_shipped_with_the_grader() -> None:
    """Every template the grader reads exists under grader/templates/, and exports copy it."""
    import ast

    import yaml

    from grader.core.files import template
    from grader.platforms import classroom, export

    names = set()
    for path in (ROOT / "grader").rglob("*.py"):
        names |= set(re.findall(r'template\("([^"]+)"\)', path.read_text(encoding="utf-8")))
    assert names, "no template() call found"
    for name in sorted(names):
        assert (ROOT / "grader" / "templates" / name).is_file(), name
    ignored = export._IGNORED(str(ROOT / "grader"), ["templates", "files.py"])
    assert not ignored, "an export must copy grader/templates/"
    for platform in export.PLATFORMS:
        ast.parse(export.noxfile(platform))  # the learner's noxfile is Python
    katas = load_catalog(ROOT)[:2]
    for platform in (*export.PLATFORMS, export.GRADESCOPE):  # its per-platform paragraphs
        assert export.student_readme("Week 1", katas, platform).startswith("# Week 1\n")
    steps = yaml.safe_load(classroom.workflow(katas))["jobs"]["grade"]["steps"]
    assert [s.get("run") for s in steps[-2:]] == [f"nox -s classroom -- {k.slug}" for k in katas]
    assert template("assignment/gitignore.tmpl").startswith("__pycache__/")


SHARED_NOX_HELPERS = ("install_once", "_plain")
SHARED_NOX_SESSIONS = ("list_", "next_", "hint", "reset")
SHARED_NOX_SETTINGS = ("nox.options.reuse_venv", "nox.options.sessions", "os.environ.setdefault")


def _nox_parts(source: str) -> tuple[dict[str, ast.FunctionDef], set[str]]:
    """A noxfile's functions by name, and its module-level statements as source."""
    tree = ast.parse(source)
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    return functions, {ast.unparse(n) for n in tree.body if not isinstance(n, ast.FunctionDef)}


def _body(function: ast.FunctionDef) -> str:
    """A function's decorators and code, without its docstring (the wording may differ)."""
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    decorators = [ast.unparse(d) for d in function.decorator_list]
    return "\n".join([*decorators, ast.unparse(function.args), *(ast.unparse(n) for n in body)])


@pytest.mark.parametrize("platform", ["classroom50", "actions"])
def test_the_exported_noxfile_shares_the_helpers_of_the_noxfile(platform: str) -> None:
    """The assignment's noxfile repeats these of ``noxfile.py``; they must not drift apart."""
    from grader.platforms import export

    ours, our_settings = _nox_parts((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    theirs, their_settings = _nox_parts(export.noxfile(platform))
    for name in SHARED_NOX_HELPERS:
        assert ast.unparse(theirs[name]) == ast.unparse(ours[name]), name
    for name in SHARED_NOX_SESSIONS:
        assert _body(theirs[name]) == _body(ours[name]), name
    for setting in SHARED_NOX_SETTINGS:
        mine = {s for s in our_settings if s.startswith(setting)}
        assert mine and {s for s in their_settings if s.startswith(setting)} == mine, setting


def test_every_test_passed() -> None:
    """One property says a run passed cleanly: tests ran, all passed, nothing went wrong."""
    assert _run(["passed", "passed"]).every_test_passed
    assert not _run([]).every_test_passed
    assert not _run(["passed", "failed"]).every_test_passed
    assert not _run(["passed"], problem="killed", problem_kind="timeout").every_test_passed
    assert not _run(["passed"], tampered=["tests changed"]).every_test_passed
    assert not _run([], broken={"error": "x", "file": "a.py", "line": 1}).every_test_passed


def test_assess_makes_the_report_from_runs_made_elsewhere(tmp_path: Path) -> None:
    """pipeline.collect_runs + assess: each job's outcome to its target, then the report."""
    from grader.core import pipeline

    options = pipeline.Options(root=TREE, timing=False, compare_reference=False)
    selection = pipeline.Selection(
        tuple(select(load_catalog(TREE), [])), Implementation("impl", tmp_path)
    )
    planned = pipeline.plan(pipeline.prepare(selection), compare_reference=False)
    with pytest.raises(ValueError, match="no run for adder, greeter"):
        pipeline.collect_runs(planned, {})
    runs = pipeline.Runs(
        selection,
        tuple(
            pipeline.KataRun(t, RunResult(kata=t.kata, impl=tmp_path / t.kata.slug))
            for t in selection.targets
        ),
        interrupted=True,
    )
    graded = pipeline.assess(runs, options)
    assert [k["slug"] for k in graded.report["katas"]] == ["adder", "greeter"]
    assert graded.report["complete"] is False
    assert graded.exit_code == pipeline.EXIT_INTERRUPTED
    # No sentinel ran beside these tests, so the runs cannot be trusted: tamper evidence.
    assert [k.score.status for k in graded.timed.katas] == ["tampered", "tampered"]


def test_impl_folder_may_be_nested_or_flat(tmp_path: Path) -> None:
    """``--impl DIR`` finds ``DIR/<kata>/<module>.py``, or ``DIR/<module>.py`` beside others."""
    adder, greeter = (k for k in load_catalog(TREE) if k.slug in ("adder", "greeter"))
    (tmp_path / "adder").mkdir()
    (tmp_path / "adder" / f"{adder.module}.py").write_text("")
    (tmp_path / f"{greeter.module}.py").write_text("")
    impl = Implementation("impl", tmp_path)
    assert impl.dir_for(adder) == tmp_path / "adder"
    assert impl.dir_for(greeter) == tmp_path
    (tmp_path / "greeter").mkdir()  # an empty nested folder does not hide the flat module
    assert impl.dir_for(greeter) == tmp_path


def test_timing_is_limited_in_cpu_time_not_wall_time(tmp_path: Path) -> None:
    """A workload that spins is stopped by its CPU limit, and the timing says so."""
    from dataclasses import dataclass

    from grader.core.timing import TimingJob, time_kata

    kata_dir = _timed_kata(
        tmp_path, "def workload(module, n):\n    return lambda: module.spin(n)\n"
    )
    learner = tmp_path / "spin.py"
    learner.write_text("def spin(n):\n    while True:\n        pass\n", encoding="utf-8")

    @dataclass(frozen=True)
    class QuickJob(TimingJob):
        @property
        def cpu_limit(self) -> float:
            return 1.0

        @property
        def wall_limit(self) -> float:
            return 300.0  # far beyond what 1 s of CPU takes, even on a busy machine

    job = QuickJob(load_kata(kata_dir), learner, learner, tmp_path / "scratch")
    timing = time_kata(job)
    assert timing.error is not None
    assert "did not finish within 1 s of CPU time" in timing.error, timing.error


def test_a_workloads_temporary_files_go_in_the_timings_scratch_folder(tmp_path: Path) -> None:
    """The measuring process ends with os._exit, so no atexit clean-up of a workload runs:
    tempfile and subprocesses (by TMPDIR) write in the scratch folder, which its maker removes."""
    from grader.core.timing import TimingJob, time_kata

    seen = tmp_path / "seen.txt"
    kata_dir = _timed_kata(
        tmp_path,
        "import os, subprocess, sys, tempfile\n\n"
        "def workload(module, n):\n"
        "    made = tempfile.mkdtemp(prefix='bench-')\n"
        "    child = subprocess.run([sys.executable, '-c', 'import tempfile; "
        "print(tempfile.gettempdir())'], capture_output=True, text=True, check=True)\n"
        f"    with open({str(seen)!r}, 'a') as f:\n"
        "        print(made, child.stdout.strip(), file=f)\n"
        "    return lambda: None\n",
    )
    learner = tmp_path / "temp.py"
    learner.write_text("", encoding="utf-8")
    scratch = tmp_path / "scratch"
    timing = time_kata(TimingJob(load_kata(kata_dir), learner, learner, scratch))
    assert timing.error is None, timing.error
    lines = seen.read_text(encoding="utf-8").splitlines()
    assert lines
    for line in lines:
        made, child_tmp = line.split()
        assert Path(made).parent == scratch.resolve(), line
        assert Path(child_tmp) == scratch.resolve(), line


def test_recording_the_reference_has_the_paired_timings_cpu_limit(
    tmp_path: Path, monkeypatch
) -> None:
    """``record_kata`` (the reference's workload alone) is limited in CPU time like ``time_kata``.

    A wall-clock limit alone would stop a reference on a busy machine; the CPU
    limit is read from /proc by the parent, with a wall-clock backstop.
    """
    from grader.core import timing as timing_mod
    from grader.core.limits import WALL_FACTOR

    kata_dir = _timed_kata(
        tmp_path, "def workload(module, n):\n    return lambda: n\n", "budget = 3.0\n"
    )
    kata = load_kata(kata_dir)
    kata.reference.parent.mkdir(parents=True)
    kata.reference.write_text("")
    calls = []

    def fake_run_isolated(target, timeout, cpu_limit=None):
        calls.append((timeout, cpu_limit))
        return 0, None, False

    monkeypatch.setattr(timing_mod, "run_isolated", fake_run_isolated)
    assert timing_mod.record_kata(kata, tmp_path / "scratch") is None  # the child never ran
    paired = timing_mod.TimingJob(kata, kata.reference, kata.reference, tmp_path / "s")
    assert calls == [(paired.cpu_limit * WALL_FACTOR, paired.cpu_limit)]
    assert paired.cpu_limit == 3.0 * 5 + 20


@pytest.mark.parametrize(
    ("statuses", "result"),
    [(["passed"], "passed"), (["passed", "timeout"], "timeout"), ([], "error")],
)
def test_a_selection_is_recorded_as_its_result_never_as_a_kata_status(
    tmp_path: Path, statuses: list[str], result: str
) -> None:
    """``KATA::TEST``: report and history hold the test's result, marked as a selection.

    One passing test must not read as a solved kata (nor one failing test as a
    failed one) to anything that reads the report or the history later.
    """
    import jsonschema

    from conftest import REPORT_SCHEMA

    run = _run(statuses)
    entry = report_io.KataEntry(run, score(run), None, selected="test_small")
    report = report_io.build(
        [entry],
        root=tmp_path,
        implementation={"kind": "learner", "path": "katas"},
        started="x",
        complete=True,
    )
    kata = report["katas"][0]
    assert (kata["status"], kata["selected"], kata["result"]) == (None, "test_small", result)
    assert kata["points"]["earned"] == 0 and kata["reference_duration"] is None
    summary = report["summary"]
    assert (summary["katas"], summary["solved"], summary["points"]) == (0, 0, 0)
    assert (summary["tests_passed"], summary["tests_total"]) == (
        statuses.count("passed"),
        len(statuses),
    )
    line = report_io.history_line(report)["katas"][kata["slug"]]
    assert line == {
        "selected": "test_small",
        "result": result,
        "passed": statuses.count("passed"),
        "total": len(statuses),
    }
    report["finished_at"] = report["started_at"] = "2026-12-01T00:00:00Z"
    jsonschema.validate(report, REPORT_SCHEMA)
    whole = report_io.build(
        [report_io.KataEntry(run, score(run))],
        root=tmp_path,
        implementation={"kind": "learner", "path": "katas"},
        started="x",
        complete=True,
    )
    assert whole["katas"][0]["status"] == str(score(run).status)
    assert whole["katas"][0]["result"] is None
    assert "status" in report_io.history_line(whole)["katas"][kata["slug"]]
    # The progress file (what `list` and `next` read) keeps the kata's last full grade.
    from grader.core.progress import Progress

    progress = Progress(tmp_path / "progress.json")
    progress.record_report(whole)
    progress.record_report(report)
    assert progress.status(kata["slug"])["status"] == str(score(run).status)


def test_calibration_on_a_coarse_cpu_clock_does_not_explode(monkeypatch) -> None:
    """A call shorter than one tick of the CPU clock reads 0: the loops double, no more.

    Extrapolating from the zero reading asked for 240,000 loops of a 5 ms call
    (20 minutes a sample): the timing hit its CPU limit and the fidelity check
    read the slow variant's ratio as 0.00.
    """
    from grader.core import timing as timing_mod

    now = [0.0]

    def call() -> None:
        now[0] += 0.005  # 5 ms of CPU a call

    monkeypatch.setattr(timing_mod.time, "process_time", lambda: now[0] // 0.010 * 0.010)
    monkeypatch.setattr(timing_mod.gc, "collect", lambda: 0)
    loops, per_call = timing_mod._calibrate(call)
    assert loops * 0.005 >= timing_mod.MIN_SAMPLE  # a sample lasts at least the minimum
    assert loops <= 16, loops  # and not hundreds of times more
    assert per_call == pytest.approx(0.005, rel=0.5)


def test_the_runner_makes_and_removes_the_scratch_folders_it_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job without a scratch folder gets one for its run, gone once the runs are over;
    a job given its folder keeps it (mutation testing reads coverage data from it)."""
    from grader.core.results import collect
    from grader.core.runner import Runner
    from grader.core.worker import Job

    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temp))
    adder = next(k for k in load_catalog(TREE) if k.slug == "adder")
    kept = tmp_path / "kept"
    kept.mkdir()
    jobs = [Job.for_kata(adder, adder.solution_dir), Job.for_kata(adder, adder.dir, scratch=kept)]
    made, given = Runner(workers=2).run(jobs, [adder.kata_timeout] * 2)
    assert Path(made.job.scratch).parent == temp and given.job.scratch == str(kept)
    assert collect(made, adder).every_test_passed  # what the run wrote was read in time
    assert collect(given, adder).passed == 0  # the stub
    assert list(temp.iterdir()) == []
    assert (kept / "report.json").is_file()
