"""The grading workflow: catalog → selection → isolated runs → results → scores → renderers.

In full: load the catalog, choose the katas and the implementation, plan the
jobs, run them in isolated processes, collect results, verify them against
tamper evidence, score them, measure and judge speed, build the report, save
it, render it, and decide the exit code.

Like nox's ``main.py``, grading is a fixed sequence of small tasks, each
reading what the earlier ones left in a :class:`Grade` and adding its own
part. Data flows one way; no task reaches back.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader import junit, markdown, terminal
from grader import report as report_io
from grader.catalog import Kata, load_catalog
from grader.export import shipped_reference_time, shipped_workload
from grader.files import files_digest, read_json_object, sha256, write_atomic
from grader.integrity import check_files, check_run, load_manifest
from grader.progress import Progress
from grader.results import RunResult, collect, from_report
from grader.runner import Runner, make_scratch, preload, remove_scratch
from grader.sandbox import choose as choose_sandbox
from grader.scoring import Score, apply_timing, score
from grader.selection import Implementation, Target, implementation, select
from grader.timing import Timing, TimingJob, judge, time_kata
from grader.worker import Job

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
    junit_path: Path | None = None  # --junit-xml: also write JUnit XML there
    format: str = "terminal"  # --format: "terminal" or "markdown"
    sandbox: str = "off"  # --sandbox: off, auto or require (see grader.sandbox)


@dataclass
class Grade:
    """The state the workflow's tasks fill in, in order."""

    options: Options
    started: str = ""
    catalog: list[Kata] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    implementation: Implementation | None = None
    jobs: list[Job] = field(default_factory=list)
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
    return read_json_object(grade.state_dir / "reference-times.json") or {}


def plan(grade: Grade) -> None:
    """One job per target, plus a reference run for each kata whose time is not cached."""
    impl = grade.implementation
    assert impl is not None
    grade.jobs = [Job.for_kata(t.kata, impl.dir_for(t.kata), t.test) for t in grade.targets]
    if impl.kind == "reference" or not grade.options.compare_reference:
        return
    cache = _reference_cache(grade)
    for t in grade.targets:
        kata = t.kata
        if not kata.reference.is_file():
            shipped = shipped_reference_time(kata, t.test)  # an exported assignment
            if shipped is not None:
                grade.reference_times[kata.slug] = shipped
            continue
        cached = cache.get(kata.slug)
        if isinstance(cached, dict) and cached.get("key") == _reference_key(kata):
            grade.reference_times[kata.slug] = float(cached.get("duration", 0.0))
        elif kata.slug not in grade.reference_jobs:
            grade.reference_jobs[kata.slug] = len(grade.jobs)
            grade.jobs.append(Job.for_kata(kata, kata.solution_dir))


def _progress_line(done: int, total: int) -> None:
    width = 24
    filled = width * done // total
    sys.stderr.write(f"\r\x1b[Kgrading [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    sys.stderr.flush()


def _reusable(grade: Grade) -> dict[int, RunResult]:
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
    reuse = _reusable(grade)
    todo = [i for i in range(len(grade.jobs)) if i not in reuse]
    jobs = [grade.jobs[i] for i in todo]
    preload(t.kata.test_file for t in grade.targets)
    show = not grade.options.quiet and sys.stderr.isatty() and len(jobs) > 2
    runner = Runner(
        workers=grade.options.jobs,
        on_progress=_progress_line if show else None,
        sandbox=choose_sandbox(grade.options.sandbox, grade.options.root),
    )
    by_slug = {t.kata.slug: t.kata for t in grade.targets}
    outcomes = runner.run(jobs, [by_slug[j.slug].kata_timeout for j in jobs])
    if show:
        sys.stderr.write("\r\x1b[K")
    grade.interrupted = runner.interrupted
    results: list[RunResult] = [reuse.get(i) for i in range(len(grade.jobs))]  # type: ignore[misc]
    for i, outcome in zip(todo, outcomes):
        results[i] = collect(outcome, by_slug[outcome.job.slug])
    for job in grade.jobs:
        remove_scratch(Path(job.scratch))
    grade.runs = results[: len(grade.targets)]
    fresh = {}
    for slug, index in grade.reference_jobs.items():
        ref = results[index]
        if ref.tests and ref.passed == len(ref.tests) and not ref.problem:
            grade.reference_times[slug] = ref.duration
            fresh[slug] = {"key": _reference_key(by_slug[slug]), "duration": ref.duration}
    if fresh:
        cache = _reference_cache(grade)
        cache.update(fresh)
        write_atomic(grade.state_dir / "reference-times.json", json.dumps(cache, indent=1))


def verify(grade: Grade) -> None:
    """Tamper evidence, judged from outside the runs (see grader.integrity)."""
    manifest = load_manifest(grade.options.root)
    for target, job, run_result in zip(grade.targets, grade.jobs, grade.runs):
        impl_dir = Path(job.impl_dir)
        run_result.tampered = check_files(target.kata, impl_dir, manifest) + check_run(
            run_result, manifest, target.test
        )


def score_runs(grade: Grade) -> None:
    grade.scores = [score(r) for r in grade.runs]


def _impl_file(grade: Grade, kata: Kata) -> Path:
    assert grade.implementation is not None
    return grade.implementation.dir_for(kata) / f"{kata.module}.py"


def _timing_key(kata: Kata, learner: Path) -> str:
    return files_digest((learner, kata.reference, kata.bench_file, kata.dir / "kata.toml"))


def measure_speed(grade: Grade) -> None:
    """Time each solved kata against the reference, one at a time (see grader.timing).

    A measurement is kept in ``.kata/timing-cache.json`` and reused while the
    implementation, the reference and the workload are unchanged.
    """
    if not grade.options.timing or not hasattr(os, "fork") or grade.options.sandbox != "off":
        return  # the timing runs code unsandboxed: not with --sandbox
    cache_path = grade.state_dir / "timing-cache.json"
    cache = read_json_object(cache_path) or {}
    fresh = False
    for target, s in zip(grade.targets, grade.scores):
        kata = target.kata
        if not s.solved or target.test or kata.timing is None or not kata.bench_file.is_file():
            continue
        recorded = None if kata.reference.is_file() else shipped_workload(kata)
        if not kata.reference.is_file() and recorded is None:
            continue
        learner = _impl_file(grade, kata)
        key = _timing_key(kata, learner)
        cached = cache.get(kata.slug)
        if isinstance(cached, dict) and cached.get("key") == key:
            with contextlib.suppress(TypeError):
                grade.timings[kata.slug] = judge(Timing(**cached["timing"]), kata)
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
        if not timing.error:
            # Flags are judged afresh on every read: the kata's limits may change.
            cache[kata.slug] = {"key": key, "timing": asdict(replace(timing, flags=[]))}
            fresh = True
    if fresh:
        write_atomic(cache_path, json.dumps(cache, indent=1))


def judge_speed(grade: Grade) -> None:
    grade.scores = [
        apply_timing(s, grade.timings.get(r.kata.slug), r.kata)
        for r, s in zip(grade.runs, grade.scores)
    ]


def build_report(grade: Grade) -> None:
    assert grade.implementation is not None
    entries = []
    for r, s in zip(grade.runs, grade.scores):
        ref = r.duration if grade.implementation.kind == "reference" else None
        entries.append(
            report_io.KataEntry(
                r, s, grade.reference_times.get(r.kata.slug, ref), grade.timings.get(r.kata.slug)
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
        write_atomic(grade.options.junit_path, junit.render(grade.report))
    if grade.implementation is not None and grade.implementation.kind == "learner":
        progress = Progress.load(grade.options.root)
        whole = {t.kata.slug for t in grade.targets if t.test is None}
        progress.record_report(
            {**grade.report, "katas": [k for k in grade.report["katas"] if k["slug"] in whole]}
        )
        progress.save()
    skipped = report_io.append_history(grade.report, grade.state_dir / "history.jsonl")
    if skipped:
        print(
            f"grader: {grade.state_dir / 'history.jsonl'}: skipped {skipped} unreadable lines "
            "(kept the rest)",
            file=sys.stderr,
        )


def render(grade: Grade) -> None:
    if grade.options.quiet:
        return
    if grade.options.format == "markdown":
        sys.stdout.write(markdown.render(grade.report, load_manifest(grade.options.root)))
        return
    path = grade.options.json_path or grade.state_dir / "report.json"
    try:
        shown = str(path.relative_to(Path.cwd()))
    except ValueError:
        shown = str(path)
    terminal.render(
        grade.report,
        sys.stdout,
        colour=grade.options.colour,
        report_path=shown,
        timing_only=grade.options.timing_only,
    )


def decide_exit(grade: Grade) -> None:
    if grade.interrupted:
        grade.exit_code = EXIT_INTERRUPTED
    elif all(s.solved for s in grade.scores):
        grade.exit_code = EXIT_SOLVED
    else:
        grade.exit_code = EXIT_UNSOLVED


WORKFLOW: tuple[Callable[[Grade], None], ...] = (
    load,
    choose,
    plan,
    run,
    verify,
    score_runs,
    measure_speed,
    judge_speed,
    build_report,
    save,
    render,
    decide_exit,
)


def grade(options: Options) -> Grade:
    """Run the whole workflow; :class:`~grader.selection.UsageError` escapes for the CLI."""
    state = Grade(options)
    for task in WORKFLOW:
        task(state)
    return state
