"""The grading workflow: catalog → selection → isolated runs → results → scores → renderers.

In full: load the catalog, choose the katas and the implementation, plan the
jobs, run them in isolated processes, collect results, verify them against
tamper evidence, score them, measure and judge speed, build the report, save
it, render it, and decide the exit code.

Like nox's ``main.py``, grading is a fixed sequence of small tasks, each
reading what the earlier ones left in a :class:`Grade` and adding its own
part. Data flows one way; no task reaches back. Drivers call :func:`grade`,
or run many grades' jobs at once and hand each grade's runs to :func:`assess`;
they never pick tasks out of :data:`WORKFLOW`. The report is shown and written
through the renderers registered in :mod:`grader.core.formats`.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.core import formats
from grader.core import report as report_io
from grader.core.catalog import Kata, load_catalog
from grader.core.files import files_digest, read_json_object, sha256, write_atomic
from grader.core.integrity import check_files, check_run, load_manifest
from grader.core.live import LiveProgress
from grader.core.progress import Progress
from grader.core.results import RunResult, TestResult, collect, from_report
from grader.core.scoring import Score, apply_timing, score
from grader.core.selection import Implementation, Target, implementation, select
from grader.core.shipped import shipped_reference_time, shipped_workload
from grader.core.verdicts import KataStatus, TestOutcome

# The runner, the worker and the timing import pytest: they are imported where
# tests run, so a grade that runs none (an untouched clone, nothing changed)
# starts no more than the standard library.
if TYPE_CHECKING:
    from grader.core.timing import Timing
    from grader.core.worker import Job

EXIT_SOLVED, EXIT_UNSOLVED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


@dataclass
class Options:
    """What the user asked for on the command line."""

    root: Path
    targets: list[str] = field(default_factory=list)
    reference: bool = False
    impl: str | None = None
    json_path: Path | None = None
    jobs: int | None = None
    colour: bool | None = None
    compare_reference: bool = True
    timing: bool = True  # measure speed and growth of solved katas
    timing_only: bool = False  # reuse passing runs of unchanged code; show only the timing
    quiet: bool = False
    fresh: bool = False  # run every test again, ignoring reused results and measurements
    plot: bool = False  # draw each timed kata's growth, yours against the reference's
    junit_path: Path | None = None  # --junit-xml: also write JUnit XML there
    format: str = "terminal"  # --format: "terminal" or "markdown"
    sandbox: str = "off"  # --sandbox: off, auto or require (see grader.core.sandbox)


@dataclass
class Grade:
    """The state the workflow's tasks fill in, in order."""

    options: Options
    started: str = ""
    catalog: list[Kata] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    implementation: Implementation | None = None
    prepared: dict[int, RunResult] = field(default_factory=dict)  # target index -> run not run
    untouched: set[int] = field(default_factory=set)  # targets whose stub is as shipped
    reused: set[int] = field(default_factory=set)  # targets whose last result still holds
    jobs: list[Job] = field(default_factory=list)
    job_targets: list[int] = field(default_factory=list)  # the target index of each kata job
    reference_jobs: dict[str, int] = field(default_factory=dict)  # slug -> index in jobs
    runs: list[RunResult] = field(default_factory=list)
    reference_times: dict[str, float] = field(default_factory=dict)
    scores: list[Score] = field(default_factory=list)
    timings: dict[str, Timing] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)
    interrupted: bool = False
    exit_code: int = EXIT_SOLVED

    @property
    def state_dir(self) -> Path:
        return self.options.root / ".kata"


def load(grade: Grade) -> None:
    grade.started = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    grade.catalog = load_catalog(grade.options.root)


def choose(grade: Grade) -> None:
    grade.targets = select(grade.catalog, grade.options.targets)
    grade.implementation = implementation(grade.options.reference, grade.options.impl)


def _reference_key(kata: Kata) -> str:
    return files_digest((kata.reference, kata.test_file, kata.dir / "kata.toml"))


def _reference_cache(grade: Grade) -> dict[str, Any]:
    if grade.options.fresh:
        return {}
    return read_json_object(grade.state_dir / "reference-times.json") or {}


RESULTS_CACHE = "results-cache.json"
"""Per kata and implementation folder: the last run, and the digest of what it depended on."""

GRADER_DIR = Path(__file__).resolve().parents[1]
"""The grader package (``grader/``)."""


def _grader_digest() -> str:
    """The grader's own code and configuration: a change to it invalidates every result."""
    files = sorted(p for p in GRADER_DIR.rglob("*.py") if "__pycache__" not in p.parts)
    return files_digest([*files, GRADER_DIR / "pytest.ini"])


def _run_key(kata: Kata, impl_file: Path, grader: str) -> str:
    """What a kata's result depends on: its code, tests, metadata, the grader, the Python.

    The code is every module beside the implementation's, in case it imports a helper.
    """
    modules = sorted(impl_file.parent.glob("*.py"))
    files = files_digest((impl_file, *modules, kata.test_file, kata.dir / "kata.toml"))
    redis = os.environ.get("REDIS_URL", "")  # a real server or fakeredis
    return f"{files}:{grader}:{platform.python_version()}:{redis}"


def _cache_id(kata: Kata, folder: Path) -> str:
    return f"{folder.resolve()}::{kata.slug}"


def _stored(run: RunResult) -> dict[str, Any]:
    return {
        "tests": [asdict(t) for t in run.tests],
        "broken": run.broken,
        "problem": run.problem,
        "problem_kind": run.problem_kind,
        "wall": run.wall,
        "output": run.output,
        "sentinels": run.sentinels,
    }


def _restored(data: dict[str, Any], kata: Kata, folder: Path) -> RunResult:
    return RunResult(
        kata=kata,
        impl=folder,
        tests=[TestResult(**t) for t in data["tests"]],
        broken=data["broken"],
        problem=data["problem"],
        problem_kind=data["problem_kind"],
        wall=float(data["wall"]),
        output=data["output"],
        sentinels=dict(data["sentinels"]),
    )


def _untouched_run(kata: Kata, folder: Path, manifest: dict[str, Any] | None) -> RunResult | None:
    """A run that needs no test: the module is the shipped stub, byte for byte."""
    entry = (manifest or {}).get(kata.slug)
    module = folder / f"{kata.module}.py"
    if not isinstance(entry, dict) or not module.is_file() or sha256(module) != entry.get("stub"):
        return None
    test_file = kata.test_file.relative_to(kata.root).as_posix()
    # Every test fails on the shipped stub (the soundness check proves it of every kata),
    # so the outcome is known without running them again.
    message = "NotImplementedError: the shipped stub (every test fails on it; not run again)"
    failed = TestOutcome.FAILED
    tests = [TestResult(f"{test_file}::{name}", failed, message) for name in entry["tests"]]
    return RunResult(kata=kata, impl=folder, tests=tests)


def prepare(grade: Grade) -> None:
    """Results known without running: untouched stubs, and unchanged katas graded before.

    A kata whose module is still the shipped stub is *not started*: its tests
    all meet ``NotImplementedError`` (the soundness check proves it), so they
    are not run. A kata whose module, tests, metadata and grader are the same
    as at its last grade reuses that grade's result. ``--fresh`` runs them all.
    """
    impl = grade.implementation
    assert impl is not None
    if grade.options.fresh:
        return
    manifest = load_manifest(grade.options.root)
    cache = read_json_object(grade.state_dir / RESULTS_CACHE) or {}
    grader = _grader_digest()
    previous = _timing_only_reuse(grade)
    for index, target in enumerate(grade.targets):
        kata, folder = target.kata, impl.dir_for(target.kata)
        if target.test is not None:
            continue
        if impl.kind != "reference":
            untouched = _untouched_run(kata, folder, manifest)
            if untouched is not None:
                grade.prepared[index] = untouched
                grade.untouched.add(index)
                continue
        if index in previous:
            grade.prepared[index] = previous[index]
            grade.reused.add(index)
            continue
        stored = cache.get(_cache_id(kata, folder))
        module = folder / f"{kata.module}.py"
        if (
            isinstance(stored, dict)
            and module.is_file()
            and stored.get("key") == _run_key(kata, module, grader)
        ):
            with contextlib.suppress(KeyError, TypeError, ValueError):
                grade.prepared[index] = _restored(stored["run"], kata, folder)
                grade.reused.add(index)


def _save_results(grade: Grade, ran: dict[int, RunResult]) -> None:
    """Remember the runs worth reusing: finished ones (not killed, crashed or interrupted)."""
    impl = grade.implementation
    assert impl is not None
    path = grade.state_dir / RESULTS_CACHE
    cache = read_json_object(path) or {}
    grader = _grader_digest()
    for index, result in ran.items():
        target = grade.targets[index]
        kata, folder = target.kata, impl.dir_for(target.kata)
        module = folder / f"{kata.module}.py"
        if target.test is not None or result.problem_kind is not None or not module.is_file():
            continue
        if any(t.status in ("timeout", "crashed", "memory") for t in result.tests):
            continue  # a verdict the machine's load may have caused: grade it again next time
        cache[_cache_id(kata, folder)] = {
            "key": _run_key(kata, module, grader),
            "run": _stored(result),
        }
    write_atomic(path, json.dumps(cache))


def plan(grade: Grade) -> None:
    """One job per target still to run, plus a reference run for each uncached reference time."""
    impl = grade.implementation
    assert impl is not None
    todo = [i for i in range(len(grade.targets)) if i not in grade.prepared]
    if todo:
        from grader.core.worker import Job

        for i in todo:
            t = grade.targets[i]
            grade.jobs.append(Job.for_kata(t.kata, impl.dir_for(t.kata), t.test))
        grade.job_targets = todo
    if impl.kind == "reference" or not grade.options.compare_reference:
        return
    cache = _reference_cache(grade)
    for index, t in enumerate(grade.targets):
        kata = t.kata
        if index in grade.untouched:
            continue  # nothing to compare: no test of the stub ran
        if not kata.reference.is_file():
            shipped = shipped_reference_time(kata, t.test)  # an exported assignment
            if shipped is not None:
                grade.reference_times[kata.slug] = shipped
            continue
        cached = cache.get(kata.slug)
        if isinstance(cached, dict) and cached.get("key") == _reference_key(kata):
            grade.reference_times[kata.slug] = float(cached.get("duration", 0.0))
        elif kata.slug not in grade.reference_jobs:
            from grader.core.worker import Job

            grade.reference_jobs[kata.slug] = len(grade.jobs)
            grade.jobs.append(Job.for_kata(kata, kata.solution_dir))


def _timing_only_reuse(grade: Grade) -> dict[int, RunResult]:
    """With ``--timing-only``: earlier runs of unchanged code that passed, by target index."""
    previous = report_io.read(grade.state_dir / "report.json")
    impl = grade.implementation
    if not grade.options.timing_only or previous is None or impl is None:
        return {}
    if previous.get("implementation") != impl.describe(grade.options.root):
        return {}
    entries = {k["slug"]: k for k in previous.get("katas", []) if isinstance(k, dict)}
    reuse = {}
    for index, target in enumerate(grade.targets):
        entry = entries.get(target.kata.slug)
        folder = impl.dir_for(target.kata)
        current = folder / f"{target.kata.module}.py"
        if (
            target.test is None
            and entry is not None
            and entry.get("status") in ("solved", "too slow")
            and current.is_file()
            and entry.get("impl_sha256") == sha256(current)
        ):
            with contextlib.suppress(KeyError, TypeError, ValueError):
                reuse[index] = from_report(entry, target.kata, folder)
    return reuse


def run(grade: Grade) -> None:
    results: dict[int, RunResult] = dict(grade.prepared)
    sandbox = None
    if grade.options.sandbox != "off":  # chosen (or refused) even when nothing is to run
        from grader.core.sandbox import choose as choose_sandbox

        sandbox = choose_sandbox(grade.options.sandbox, grade.options.root)
    if grade.jobs:
        from grader.core.runner import Runner, preload, remove_scratch

        preload(grade.targets[i].kata.test_file for i in grade.job_targets)
        by_slug = {t.kata.slug: t.kata for t in grade.targets}
        live = LiveProgress.on(sys.stderr, "grading", len(grade.jobs), quiet=grade.options.quiet)
        runner = Runner(
            workers=grade.options.jobs,
            on_progress=live.done,
            on_start=live.begin,
            sandbox=sandbox,
        )
        try:
            outcomes = runner.run(grade.jobs, [by_slug[j.slug].kata_timeout for j in grade.jobs])
        finally:
            live.stop()
        grade.interrupted = runner.interrupted
        ran = {}
        for i, outcome in zip(grade.job_targets, outcomes):
            ran[i] = collect(outcome, by_slug[outcome.job.slug])
        results.update(ran)
        for job in grade.jobs:
            remove_scratch(Path(job.scratch))
        references = {
            slug: collect(outcomes[index], by_slug[slug])
            for slug, index in grade.reference_jobs.items()
        }
        fresh = {}
        for slug, ref in references.items():
            if ref.every_test_passed:
                grade.reference_times[slug] = ref.duration
                fresh[slug] = {"key": _reference_key(by_slug[slug]), "duration": ref.duration}
        if fresh:
            cache = read_json_object(grade.state_dir / "reference-times.json") or {}
            cache.update(fresh)
            write_atomic(grade.state_dir / "reference-times.json", json.dumps(cache, indent=1))
        if not grade.interrupted:
            _save_results(grade, ran)
    grade.runs = [results[i] for i in range(len(grade.targets))]


def verify(grade: Grade) -> None:
    """Tamper evidence, judged from outside the runs (see grader.core.integrity)."""
    assert grade.implementation is not None
    manifest = load_manifest(grade.options.root)
    for index, (target, run_result) in enumerate(zip(grade.targets, grade.runs)):
        impl_dir = grade.implementation.dir_for(target.kata)
        claims = [] if index in grade.untouched else check_run(run_result, manifest, target.test)
        run_result.tampered = check_files(target.kata, impl_dir, manifest) + claims


def score_runs(grade: Grade) -> None:
    grade.scores = [score(r) for r in grade.runs]
    for index in grade.untouched:  # the shipped stub: no test ran, none can pass
        s = grade.scores[index]
        if s.status != KataStatus.TAMPERED:
            grade.scores[index] = replace(s, status=KataStatus.NOT_STARTED, earned=0.0)


def _impl_file(grade: Grade, kata: Kata) -> Path:
    assert grade.implementation is not None
    return grade.implementation.dir_for(kata) / f"{kata.module}.py"


def _timing_key(kata: Kata, learner: Path) -> str:
    return files_digest((learner, kata.reference, kata.bench_file, kata.dir / "kata.toml"))


REFERENCE_WORKLOAD = "reference-workload.json"
"""The reference's own workload times per size, for ``--reference`` (never timed against itself)."""


def _reference_workload_key(kata: Kata) -> str:
    return files_digest((kata.reference, kata.bench_file, kata.dir / "kata.toml"))


def _reference_growth(grade: Grade, kata: Kata, cache: dict[str, Any]) -> Timing:
    """The reference's growth alone: from a cached measurement, else measured once.

    A paired timing of the reference against itself would say "as fast" at
    twice the cost; what a grade of the references can tell is how each grows.
    Its times come from the last paired timing of a learner's code (which
    measures the reference at every size) or from one measurement of the
    reference alone.
    """
    from grader.core import stats
    from grader.core.runner import make_scratch, remove_scratch
    from grader.core.timing import Timing, judge, record_kata

    key = _reference_workload_key(kata)
    cached = cache.get(kata.slug)
    reused = False
    if isinstance(cached, dict) and cached.get("key") == key:
        sizes, times, reused = cached["sizes"], cached["times"], True
    else:
        scratch = make_scratch(f"timing-{kata.slug}")
        try:
            recorded = record_kata(kata, scratch)
        finally:
            remove_scratch(scratch)
        if not recorded:
            return Timing(error="the reference's workload did not run")
        sizes, times = recorded["sizes"], recorded["times"]
        cache[kata.slug] = {"key": key, "sizes": sizes, "times": times}
    growth = stats.slope(sizes, times)
    timing = Timing(
        sizes=list(sizes),
        learner_times=list(times),
        reference_times=list(times),
        learner_growth=growth,
        reference_growth=growth,
        reused=reused,
    )
    return judge(timing, kata)


def measure_speed(grade: Grade) -> None:
    """Time each solved kata against the reference, one at a time (see grader.core.timing).

    A measurement is kept in ``.kata/timing-cache.json`` and reused while the
    implementation, the reference and the workload are unchanged (``--fresh``
    measures again). Grading the references measures only their growth.
    """
    if not grade.options.timing or not hasattr(os, "fork") or grade.options.sandbox != "off":
        return  # the timing runs code unsandboxed: not with --sandbox
    timed = []
    for target, s in zip(grade.targets, grade.scores):
        kata = target.kata
        if not s.solved or target.test or kata.timing is None or not kata.bench_file.is_file():
            continue
        recorded = None if kata.reference.is_file() else shipped_workload(kata)
        if kata.reference.is_file() or recorded is not None:
            timed.append((kata, recorded))
    if not timed:
        return
    from grader.core.runner import make_scratch, remove_scratch
    from grader.core.timing import Timing, TimingJob, judge, time_kata

    fresh = grade.options.fresh
    cache_path = grade.state_dir / "timing-cache.json"
    cache = {} if fresh else read_json_object(cache_path) or {}
    workload_path = grade.state_dir / REFERENCE_WORKLOAD
    workloads = {} if fresh else read_json_object(workload_path) or {}
    reference_only = grade.implementation is not None and grade.implementation.kind == "reference"
    live = LiveProgress.on(sys.stderr, "timing", len(timed), quiet=grade.options.quiet)
    try:
        for done, (kata, recorded) in enumerate(timed):
            live.begin(kata.slug)
            if reference_only:
                try:
                    grade.timings[kata.slug] = _reference_growth(grade, kata, workloads)
                except KeyboardInterrupt:  # keep what was graded, as below
                    grade.interrupted = True
                    break
                live.done(done + 1)
                continue
            learner = _impl_file(grade, kata)
            key = _timing_key(kata, learner)
            cached = cache.get(kata.slug)
            if isinstance(cached, dict) and cached.get("key") == key:
                with contextlib.suppress(TypeError):
                    reused = replace(Timing(**cached["timing"]), reused=True)
                    grade.timings[kata.slug] = judge(reused, kata)
                    live.done(done + 1)
                    continue
            scratch = make_scratch(f"timing-{kata.slug}")
            try:
                reference = kata.reference if recorded is None else None
                timing = time_kata(TimingJob(kata, learner, reference, scratch, recorded))
            except KeyboardInterrupt:  # keep what was graded; the report says it is incomplete
                grade.interrupted = True
                break
            finally:
                remove_scratch(scratch)
            grade.timings[kata.slug] = timing
            live.done(done + 1)
            if not timing.error:
                # Flags are judged afresh on every read: the kata's limits may change.
                cache[kata.slug] = {"key": key, "timing": asdict(replace(timing, flags=[]))}
                assert kata.timing is not None  # only katas with a [timing] table are timed
                if recorded is None and timing.sizes == list(kata.timing.sizes):
                    workloads[kata.slug] = {
                        "key": _reference_workload_key(kata),
                        "sizes": timing.sizes,
                        "times": timing.reference_times,
                    }
    finally:
        live.stop()
        write_atomic(cache_path, json.dumps(cache, indent=1))
        write_atomic(workload_path, json.dumps(workloads, indent=1))


def judge_speed(grade: Grade) -> None:
    reference = grade.implementation is not None and grade.implementation.kind == "reference"
    grade.scores = [
        apply_timing(s, grade.timings.get(r.kata.slug), r.kata, reference=reference)
        for r, s in zip(grade.runs, grade.scores)
    ]


def build_report(grade: Grade) -> None:
    assert grade.implementation is not None
    learner = grade.implementation.kind == "learner"
    progress = Progress.load(grade.options.root) if learner else None
    entries = []
    for index, (target, r, s) in enumerate(zip(grade.targets, grade.runs, grade.scores)):
        ref = r.duration if grade.implementation.kind == "reference" else None
        last = progress.status(target.kata.slug) if progress and target.test else {}
        entries.append(
            report_io.KataEntry(
                r,
                s,
                grade.reference_times.get(r.kata.slug, ref),
                grade.timings.get(r.kata.slug),
                source=(
                    "stub"
                    if index in grade.untouched
                    else "reused"
                    if index in grade.reused
                    else "run"
                ),
                selected=target.test,
                last_grade=(
                    {k: last.get(k) for k in ("status", "passed", "total")}
                    if "status" in last
                    else None
                ),
            )
        )
    grade.report = report_io.build(
        entries,
        root=grade.options.root,
        implementation=grade.implementation.describe(grade.options.root),
        started=grade.started,
        complete=not grade.interrupted,
    )


def save(grade: Grade) -> None:
    """Write the report atomically (to .kata/ and to --json) and extend the history."""
    report_io.write(grade.report, grade.state_dir / "report.json")
    if grade.options.json_path:
        report_io.write(grade.report, grade.options.json_path)
    if grade.options.junit_path:
        write_atomic(grade.options.junit_path, formats.render("junit", grade.report))
    if grade.implementation is not None and grade.implementation.kind == "learner":
        progress = Progress.load(grade.options.root)
        whole = {t.kata.slug for t in grade.targets if t.test is None}
        graded = [  # an interrupted kata keeps its last status
            k for k in grade.report["katas"] if k["slug"] in whole and k["status"] != "incomplete"
        ]
        progress.record_report({**grade.report, "katas": graded})
        progress.save()
    skipped = report_io.append_history(grade.report, grade.state_dir / "history.jsonl")
    if skipped:
        print(
            f"grader: {grade.state_dir / 'history.jsonl'}: skipped {skipped} unreadable lines "
            "(kept the rest)",
            file=sys.stderr,
        )


def render(grade: Grade) -> None:
    """Show the report in the chosen format (a renderer registered in grader.core.formats)."""
    if grade.options.quiet:
        return
    if grade.options.format == "markdown":
        view = formats.View(manifest=load_manifest(grade.options.root))
        sys.stdout.write(formats.render("markdown", grade.report, view))
        return
    path = grade.options.json_path or grade.state_dir / "report.json"
    try:
        shown = str(path.relative_to(Path.cwd()))
    except ValueError:
        shown = str(path)
    view = formats.View(
        colour=grade.options.colour,
        stream=sys.stdout,
        report_path=shown,
        timing_only=grade.options.timing_only,
        plot=grade.options.plot,
    )
    sys.stdout.write(formats.render(grade.options.format, grade.report, view))
    sys.stdout.flush()


def decide_exit(grade: Grade) -> None:
    if grade.interrupted:
        grade.exit_code = EXIT_INTERRUPTED
    elif all(s.solved for s in grade.scores):
        grade.exit_code = EXIT_SOLVED
    else:
        grade.exit_code = EXIT_UNSOLVED


ASSESSMENT: tuple[Callable[[Grade], None], ...] = (
    verify,
    score_runs,
    measure_speed,
    judge_speed,
    build_report,
)
"""The tasks from the runs to the report."""

WORKFLOW: tuple[Callable[[Grade], None], ...] = (
    load,
    choose,
    prepare,
    plan,
    run,
    *ASSESSMENT,
    save,
    render,
    decide_exit,
)


def assess(grade: Grade, ran: dict[int, RunResult], interrupted: bool = False) -> None:
    """From runs made elsewhere to the report, for a driver that runs many grades' jobs at once.

    ``ran`` holds each target's run by its index in ``grade.targets`` (``grade.job_targets``
    says which job ran which target); the batch driver runs a whole class's jobs in one
    runner, then assesses each student's grade here.
    """
    runs = {**grade.prepared, **ran}
    missing = [grade.targets[i].kata.slug for i in range(len(grade.targets)) if i not in runs]
    if missing:
        raise ValueError(f"no run for {', '.join(missing)}")
    grade.interrupted = grade.interrupted or interrupted
    grade.runs = [runs[i] for i in range(len(grade.targets))]
    for task in ASSESSMENT:
        task(grade)


def grade(options: Options) -> Grade:
    """Run the whole workflow; :class:`~grader.core.selection.UsageError` escapes for the CLI."""
    state = Grade(options)
    for task in WORKFLOW:
        task(state)
    return state
