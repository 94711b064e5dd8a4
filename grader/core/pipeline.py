"""The grading workflow as typed phases: selection → plan → runs → scores → timing → report.

Like nox's ``tasks.py``, each phase is a function that takes what it needs and
returns a frozen record of what it makes; nothing is left in shared state and
nothing is found by position: every per-kata record carries its
:class:`~grader.core.selection.Target`::

    choose        catalog, options   → Selection  the targets, and whose code
    prepare       Selection, caches  → Prepared   per target: known (stub, reused) or to run
    plan          Prepared, cache    → Plan       a job per target to run; reference jobs by slug
    run           Plan               → Runs       one KataRun per target; the reference times
    verify        Runs, manifest     → Verified   the runs with their tamper evidence
    score         Verified           → Scored     per target: run + score
    measure       Scored, caches     → Measured   timings by slug (and the entries to cache)
    judge_speed   Scored, Measured   → Timed      per target: timing + final score
    build_report  Timed              → report     the dict of ``grader.core.report``

The caches of ``.kata/`` are read and written by small functions of their own
(``read_*``, ``save_*``), called by the driver :func:`grade`, never inside a
phase. Drivers call :func:`grade`, or run many grades' jobs at once and hand
each grade's runs to :func:`collect_runs` and :func:`assess`. The report is
shown and written through the renderers registered in :mod:`grader.core.formats`.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from grader.core import formats
from grader.core import report as report_io
from grader.core.catalog import Kata, load_catalog
from grader.core.files import files_digest, read_json_object, sha256, write_atomic
from grader.core.integrity import check_files, check_run, load_manifest
from grader.core.live import LiveProgress
from grader.core.progress import Progress
from grader.core.results import RunResult, TestResult, collect, from_report
from grader.core.scoring import Score, apply_timing
from grader.core.scoring import score as score_run
from grader.core.selection import Implementation, Target, implementation, select
from grader.core.shipped import shipped_reference_time, shipped_workload
from grader.core.verdicts import KataStatus, TestOutcome, test_outcome

# The runner, the worker and the timing import pytest: they are imported where
# tests run, so a grade that runs none (an untouched clone, nothing changed)
# starts no more than the standard library.
if TYPE_CHECKING:
    from grader.core.runner import RunOutcome
    from grader.core.sandbox import Sandbox
    from grader.core.timing import Timing
    from grader.core.worker import Job

EXIT_SOLVED, EXIT_UNSOLVED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

Source = Literal["run", "reused", "stub"]
"""How a kata's result was obtained: run now, reused from an unchanged earlier grade, or
known without running (the shipped stub)."""


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
    format: str = "terminal"  # --format: the registered format printed (grader.core.formats)
    sandbox: str = "off"  # --sandbox: off, auto or require (see grader.core.sandbox)

    @property
    def state_dir(self) -> Path:
        """Where the grader keeps its report, history and caches (``.kata/``)."""
        return self.root / ".kata"


# -- phase results ---------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """The katas (or single tests) to grade, and whose code."""

    targets: tuple[Target, ...]
    implementation: Implementation

    def module(self, kata: Kata) -> Path:
        """The graded ``<module>.py`` of ``kata``."""
        return self.implementation.dir_for(kata) / f"{kata.module}.py"


@dataclass(frozen=True)
class PreparedTarget:
    """One target before anything runs: its result when already known, else to run."""

    target: Target
    known: RunResult | None = None
    source: Source = "run"  # "stub" or "reused" when ``known`` is set


@dataclass(frozen=True)
class Prepared:
    """Every target of the selection, in its order, known or to run."""

    selection: Selection
    targets: tuple[PreparedTarget, ...]

    @property
    def to_run(self) -> tuple[Target, ...]:
        return tuple(p.target for p in self.targets if p.known is None)


@dataclass(frozen=True)
class KataJob:
    """A job and the target it serves."""

    target: Target
    job: Job


@dataclass(frozen=True)
class Plan:
    """The jobs to run: one per target still to run, one per reference time to measure."""

    prepared: Prepared
    kata_jobs: tuple[KataJob, ...] = ()
    reference_jobs: Mapping[str, Job] = field(default_factory=dict)  # slug -> the reference's run
    reference_times: Mapping[str, float] = field(default_factory=dict)  # known without a run

    @property
    def jobs(self) -> tuple[Job, ...]:
        """Every job, the targets' first (the order the runner starts them in)."""
        return (*(k.job for k in self.kata_jobs), *self.reference_jobs.values())


@dataclass(frozen=True)
class KataRun:
    """One target's run, however it was obtained."""

    target: Target
    result: RunResult
    source: Source = "run"


@dataclass(frozen=True)
class Runs:
    """One :class:`KataRun` per target (in the order of the selection) and the reference times."""

    selection: Selection
    katas: tuple[KataRun, ...]
    reference_times: Mapping[str, float] = field(default_factory=dict)  # slug -> seconds
    references: Mapping[str, RunResult] = field(default_factory=dict)  # reference runs made now
    interrupted: bool = False


@dataclass(frozen=True)
class Verified(Runs):
    """Runs whose results carry their tamper evidence (``RunResult.tampered``)."""


@dataclass(frozen=True)
class ScoredKata:
    """One target's verified run and its score before any timing."""

    run: KataRun
    score: Score

    @property
    def target(self) -> Target:
        return self.run.target


@dataclass(frozen=True)
class Scored:
    """Every target's :class:`ScoredKata`, in the selection's order."""

    runs: Verified
    katas: tuple[ScoredKata, ...]


@dataclass(frozen=True)
class Measured:
    """What the timing measured, by slug, and the cache entries it made."""

    timings: Mapping[str, Timing] = field(default_factory=dict)
    timed: tuple[str, ...] = ()  # the slugs that were to be timed
    new_timings: Mapping[str, dict[str, Any]] = field(default_factory=dict)  # timing cache
    new_workloads: Mapping[str, dict[str, Any]] = field(default_factory=dict)  # reference's
    interrupted: bool = False


@dataclass(frozen=True)
class TimedKata:
    """One target's final verdict: its run, its timing, its score before and after the timing."""

    scored: ScoredKata
    timing: Timing | None
    score: Score

    @property
    def target(self) -> Target:
        return self.scored.target

    @property
    def run(self) -> KataRun:
        return self.scored.run

    @property
    def untimed(self) -> Score:
        return self.scored.score


@dataclass(frozen=True)
class Timed:
    """Every target's :class:`TimedKata`: what the report is built from."""

    runs: Verified
    katas: tuple[TimedKata, ...]
    interrupted: bool = False  # the runs or the timing were interrupted

    @property
    def selection(self) -> Selection:
        return self.runs.selection


@dataclass(frozen=True)
class Graded:
    """What :func:`grade` and :func:`assess` return: the phases' result, the report, the exit."""

    timed: Timed
    report: dict[str, Any]
    exit_code: int


# -- selection -------------------------------------------------------------------------


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def choose(catalog: Iterable[Kata], options: Options) -> Selection:
    """The targets the command line names, and whose code is graded."""
    targets = select(list(catalog), options.targets)
    return Selection(tuple(targets), implementation(options.reference, options.impl))


# -- caches ----------------------------------------------------------------------------

RESULTS_CACHE = "results-cache.json"
"""Per kata and implementation folder: the last run, and the digest of what it depended on."""

REFERENCE_TIMES = "reference-times.json"
"""Per kata: the reference's test time, and the digest of what it depended on."""

TIMING_CACHE = "timing-cache.json"
"""Per kata: the last timing of the learner's code, and the digest of what it depended on."""

REFERENCE_WORKLOAD = "reference-workload.json"
"""The reference's own workload times per size, for ``--reference`` (never timed against itself)."""

GRADER_DIR = Path(__file__).resolve().parents[1]
"""The grader package (``grader/``)."""


def grader_digest() -> str:
    """The grader's own code and configuration: a change to it invalidates every result."""
    files = sorted(p for p in GRADER_DIR.rglob("*.py") if "__pycache__" not in p.parts)
    return files_digest([*files, GRADER_DIR / "pytest.ini"])


def run_key(kata: Kata, impl_file: Path, grader: str) -> str:
    """What a kata's result depends on: its code, tests, metadata, the grader, the Python.

    The code is every module beside the implementation's, in case it imports a helper.
    """
    modules = sorted(impl_file.parent.glob("*.py"))
    files = files_digest((impl_file, *modules, kata.test_file, kata.dir / "kata.toml"))
    redis = os.environ.get("REDIS_URL", "")  # a real server or fakeredis
    return f"{files}:{grader}:{platform.python_version()}:{redis}"


def reference_key(kata: Kata) -> str:
    return files_digest((kata.reference, kata.test_file, kata.dir / "kata.toml"))


def _timing_key(kata: Kata, learner: Path) -> str:
    return files_digest((learner, kata.reference, kata.bench_file, kata.dir / "kata.toml"))


def _reference_workload_key(kata: Kata) -> str:
    return files_digest((kata.reference, kata.bench_file, kata.dir / "kata.toml"))


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


def read_cache(state_dir: Path, name: str) -> dict[str, Any]:
    """One of the caches of ``.kata/`` (empty when missing or unreadable)."""
    return read_json_object(state_dir / name) or {}


def reusable_runs(
    selection: Selection, previous: dict[str, Any] | None, root: Path
) -> dict[str, RunResult]:
    """For ``--timing-only``: earlier runs of unchanged code that passed, by slug.

    ``previous`` is the last report (``.kata/report.json``); only whole-kata
    targets whose module is byte for byte the one it graded are reused.
    """
    impl = selection.implementation
    if previous is None or previous.get("implementation") != impl.describe(root):
        return {}
    entries = {k["slug"]: k for k in previous.get("katas", []) if isinstance(k, dict)}
    reuse: dict[str, RunResult] = {}
    for target in selection.targets:
        entry = entries.get(target.kata.slug)
        current = selection.module(target.kata)
        if (
            target.test is None
            and entry is not None
            and entry.get("status") in ("solved", "too slow")
            and current.is_file()
            and entry.get("impl_sha256") == sha256(current)
        ):
            with contextlib.suppress(KeyError, TypeError, ValueError):
                reuse[target.kata.slug] = from_report(entry, target.kata, impl.dir_for(target.kata))
    return reuse


def save_results(state_dir: Path, runs: Runs, grader: str) -> None:
    """Remember the runs made now that are worth reusing: finished ones (not killed, crashed)."""
    path = state_dir / RESULTS_CACHE
    cache = read_cache(state_dir, RESULTS_CACHE)
    for k in runs.katas:
        target, result = k.target, k.result
        kata, folder = target.kata, runs.selection.implementation.dir_for(target.kata)
        module = folder / f"{kata.module}.py"
        if k.source != "run" or target.test is not None or not module.is_file():
            continue
        if result.problem_kind is not None:
            continue
        if any(test_outcome(t.status).props.load_may_cause for t in result.tests):
            continue  # a verdict the machine's load may have caused: grade it again next time
        cache[_cache_id(kata, folder)] = {
            "key": run_key(kata, module, grader),
            "run": _stored(result),
        }
    write_atomic(path, json.dumps(cache))


def save_reference_times(state_dir: Path, runs: Runs) -> None:
    """Remember the reference times measured now (by runs in which every test passed)."""
    fresh = {
        slug: {"key": reference_key(ref.kata), "duration": ref.duration}
        for slug, ref in runs.references.items()
        if ref.every_test_passed
    }
    if fresh:
        cache = read_cache(state_dir, REFERENCE_TIMES)
        cache.update(fresh)
        write_atomic(state_dir / REFERENCE_TIMES, json.dumps(cache, indent=1))


def save_timings(
    state_dir: Path,
    measured: Measured,
    cache: Mapping[str, Any],
    workloads: Mapping[str, Any],
) -> None:
    """Write the timing caches: what was read (``cache``, ``workloads``) and what is new."""
    if not measured.timed:
        return
    write_atomic(state_dir / TIMING_CACHE, json.dumps({**cache, **measured.new_timings}, indent=1))
    merged = {**workloads, **measured.new_workloads}
    write_atomic(state_dir / REFERENCE_WORKLOAD, json.dumps(merged, indent=1))


# -- prepare and plan ------------------------------------------------------------------


def _untouched_run(kata: Kata, folder: Path, manifest: dict[str, Any] | None) -> RunResult | None:
    """A run that needs no test: the module is the shipped stub, byte for byte.

    A kata whose task is speed ships a correct but slow original: its tests are
    recorded as not run (rather than failed), as no run of them says anything new.
    """
    entry = (manifest or {}).get(kata.slug)
    module = folder / f"{kata.module}.py"
    if not isinstance(entry, dict) or not module.is_file() or sha256(module) != entry.get("stub"):
        return None
    test_file = kata.test_file.relative_to(kata.root).as_posix()
    # Every test fails on the shipped stub (the soundness check proves it of every kata),
    # so the outcome is known without running them again.
    message = "NotImplementedError: the shipped stub (every test fails on it; not run again)"
    outcome = TestOutcome.FAILED
    if kata.timing is not None and kata.timing.speed_required:
        message = "the shipped original: correct, and too slow (not run again)"
        outcome = TestOutcome.NOT_RUN
    tests = [TestResult(f"{test_file}::{name}", outcome, message) for name in entry["tests"]]
    return RunResult(kata=kata, impl=folder, tests=tests)


def prepare(
    selection: Selection,
    *,
    manifest: dict[str, Any] | None = None,
    cache: Mapping[str, Any] | None = None,
    previous: Mapping[str, RunResult] | None = None,
    grader: str = "",
) -> Prepared:
    """Results known without running: untouched stubs, and unchanged katas graded before.

    A kata whose module is still the shipped stub (its hash in ``manifest``)
    is *not started*: its tests all meet ``NotImplementedError`` (the soundness
    check proves it), so they are not run. A kata whose module, tests, metadata
    and ``grader`` digest are those of its entry in the results ``cache``
    reuses that result, as does one in ``previous`` (``--timing-only``). With
    none of these (``--fresh``), every target is to run.
    """
    impl = selection.implementation
    prepared = []
    for target in selection.targets:
        folder = impl.dir_for(target.kata)
        known, source = _known(target, impl, folder, manifest, cache or {}, previous or {}, grader)
        prepared.append(PreparedTarget(target, known, source))
    return Prepared(selection, tuple(prepared))


def _known(
    target: Target,
    impl: Implementation,
    folder: Path,
    manifest: dict[str, Any] | None,
    cache: Mapping[str, Any],
    previous: Mapping[str, RunResult],
    grader: str,
) -> tuple[RunResult | None, Source]:
    kata = target.kata
    if target.test is not None:
        return None, "run"
    if impl.kind != "reference":
        untouched = _untouched_run(kata, folder, manifest)
        if untouched is not None:
            return untouched, "stub"
    if kata.slug in previous:
        return previous[kata.slug], "reused"
    stored = cache.get(_cache_id(kata, folder))
    module = folder / f"{kata.module}.py"
    if (
        isinstance(stored, dict)
        and module.is_file()
        and stored.get("key") == run_key(kata, module, grader)
    ):
        with contextlib.suppress(KeyError, TypeError, ValueError):
            return _restored(stored["run"], kata, folder), "reused"
    return None, "run"


def plan(
    prepared: Prepared,
    *,
    compare_reference: bool = True,
    reference_cache: Mapping[str, Any] | None = None,
) -> Plan:
    """One job per target still to run, plus a reference run for each uncached reference time.

    A reference time comes from ``reference_cache`` (``.kata/reference-times.json``)
    while the reference, tests and metadata are unchanged, from the times an
    exported assignment ships, or else from a run of the reference planned here.
    """
    impl = prepared.selection.implementation
    kata_jobs: list[KataJob] = []
    if prepared.to_run:
        from grader.core.worker import Job

        for t in prepared.to_run:
            kata_jobs.append(KataJob(t, Job.for_kata(t.kata, impl.dir_for(t.kata), t.test)))
    reference_jobs: dict[str, Job] = {}
    times: dict[str, float] = {}
    if impl.kind != "reference" and compare_reference:
        for p in prepared.targets:
            kata = p.target.kata
            if p.source == "stub":
                continue  # nothing to compare: no test of the stub ran
            if not kata.reference.is_file():
                shipped = shipped_reference_time(kata, p.target.test)  # an exported assignment
                if shipped is not None:
                    times[kata.slug] = shipped
                continue
            if p.target.test is not None:
                continue  # the reference's time is the whole kata's: no match for one test
            cached = (reference_cache or {}).get(kata.slug)
            if isinstance(cached, dict) and cached.get("key") == reference_key(kata):
                times[kata.slug] = float(cached.get("duration", 0.0))
            elif kata.slug not in reference_jobs:
                from grader.core.worker import Job

                reference_jobs[kata.slug] = Job.for_kata(kata, kata.solution_dir)
    return Plan(prepared, tuple(kata_jobs), reference_jobs, times)


# -- run -------------------------------------------------------------------------------


def collect_runs(
    planned: Plan, outcomes: Mapping[Job, RunOutcome], interrupted: bool = False
) -> Runs:
    """The plan's runs from its jobs' outcomes: ``outcomes`` maps each job *as planned* to its
    outcome (the runner returns them in the order of the jobs it was given).

    For a driver that runs jobs itself (the batch driver runs a whole class's
    jobs in one runner): each target's known result or its job's, and the
    reference times of the reference runs in which every test passed.
    """
    missing = [k.target.kata.slug for k in planned.kata_jobs if k.job not in outcomes]
    missing += [slug for slug, job in planned.reference_jobs.items() if job not in outcomes]
    if missing:
        raise ValueError(f"no run for {', '.join(missing)}")
    ran = {k.target: collect(outcomes[k.job], k.target.kata) for k in planned.kata_jobs}
    katas = [
        KataRun(p.target, p.known, p.source)
        if p.known is not None
        else KataRun(p.target, ran[p.target], "run")
        for p in planned.prepared.targets
    ]
    kata_of = {p.target.kata.slug: p.target.kata for p in planned.prepared.targets}
    references = {
        slug: collect(outcomes[job], kata_of[slug]) for slug, job in planned.reference_jobs.items()
    }
    times = dict(planned.reference_times)
    times.update({s: r.duration for s, r in references.items() if r.every_test_passed})
    return Runs(planned.prepared.selection, tuple(katas), times, references, interrupted)


def run(planned: Plan, options: Options) -> Runs:
    """Run the plan's jobs in isolated processes (see grader.core.runner), then collect them."""
    sandbox = None
    if options.sandbox != "off":  # chosen (or refused) even when nothing is to run
        from grader.core.sandbox import choose as choose_sandbox

        sandbox = choose_sandbox(options.sandbox, options.root)
    (runs,) = run_all([planned], jobs=options.jobs, sandbox=sandbox, quiet=options.quiet)
    return runs


def run_all(
    plans: Sequence[Plan],
    *,
    jobs: int | None = None,
    sandbox: Sandbox | None = None,
    quiet: bool = False,
    label: str = "grading",
) -> list[Runs]:
    """Every plan's jobs in one runner (``jobs`` processes at a time), then each plan's runs.

    For :func:`grade`, one plan; for the batch driver, a plan per student, so
    that the whole class is graded in parallel on every core.
    """
    every = [job for planned in plans for job in planned.jobs]
    if not every:
        return [collect_runs(planned, {}) for planned in plans]
    from grader.core.runner import Runner, preload

    preload(dict.fromkeys(k.target.kata.test_file for planned in plans for k in planned.kata_jobs))
    timeouts = {
        p.target.kata.slug: p.target.kata.kata_timeout
        for planned in plans
        for p in planned.prepared.targets
    }
    live = LiveProgress.on(sys.stderr, label, len(every), quiet=quiet)
    runner = Runner(workers=jobs, on_progress=live.done, on_start=live.begin, sandbox=sandbox)
    try:
        outcomes = runner.run(every, [timeouts[j.slug] for j in every])
    finally:
        live.stop()
    # In the order of the jobs given (an outcome's job names its scratch folder, or its retry).
    by_job = dict(zip(every, outcomes, strict=True))
    return [collect_runs(planned, by_job, runner.interrupted) for planned in plans]


# -- verify and score ------------------------------------------------------------------


def verify(runs: Runs, manifest: dict[str, Any] | None) -> Verified:
    """Tamper evidence, judged from outside the runs (see grader.core.integrity)."""
    impl = runs.selection.implementation
    katas = []
    for k in runs.katas:
        claims = [] if k.source == "stub" else check_run(k.result, manifest, k.target.test)
        tampered = check_files(k.target.kata, impl.dir_for(k.target.kata), manifest) + claims
        katas.append(replace(k, result=replace(k.result, tampered=tuple(tampered))))
    return Verified(
        runs.selection, tuple(katas), runs.reference_times, runs.references, runs.interrupted
    )


def score(verified: Verified) -> Scored:
    """Each run's status and points (see grader.core.scoring)."""
    katas = []
    for k in verified.katas:
        s = score_run(k.result)
        if k.source == "stub" and s.status != KataStatus.TAMPERED:
            s = replace(s, status=KataStatus.NOT_STARTED, earned=0.0)  # no test ran, none can pass
        katas.append(ScoredKata(k, s))
    return Scored(verified, tuple(katas))


# -- timing ----------------------------------------------------------------------------


def _reference_growth(kata: Kata, cache: Mapping[str, Any]) -> tuple[Timing, dict | None]:
    """The reference's growth alone, from a cached measurement or else measured once.

    A paired timing of the reference against itself would say "as fast" at
    twice the cost; what a grade of the references can tell is how each grows.
    Its times come from the last paired timing of a learner's code (which
    measures the reference at every size) or from one measurement of the
    reference alone. Returns the timing and the workload cache entry it made.
    """
    from grader.core import stats
    from grader.core.runner import make_scratch, remove_scratch
    from grader.core.timing import Timing, judge, record_kata

    key = _reference_workload_key(kata)
    cached = cache.get(kata.slug)
    new = None
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
            return Timing(error="the reference's workload did not run"), None
        sizes, times = recorded["sizes"], recorded["times"]
        new = {"key": key, "sizes": sizes, "times": times}
    growth = stats.slope(sizes, times)
    timing = Timing(
        sizes=list(sizes),
        learner_times=list(times),
        reference_times=list(times),
        learner_growth=growth,
        reference_growth=growth,
        reused=reused,
    )
    return judge(timing, kata), new


def to_time(scored: Scored) -> list[tuple[Kata, dict | None]]:
    """The solved whole katas with a workload to time, and the times an export shipped."""
    timed = []
    for k in scored.katas:
        kata = k.target.kata
        if not k.score.solved or k.target.test or kata.timing is None:
            continue
        if not kata.bench_file.is_file():
            continue
        recorded = None if kata.reference.is_file() else shipped_workload(kata)
        if kata.reference.is_file() or recorded is not None:
            timed.append((kata, recorded))
    return timed


def measure(
    scored: Scored,
    *,
    cache: Mapping[str, Any] | None = None,
    workloads: Mapping[str, Any] | None = None,
    quiet: bool = False,
) -> Measured:
    """Time each solved kata against the reference, one at a time (see grader.core.timing).

    A timing in ``cache`` (``.kata/timing-cache.json``) is reused while the
    implementation, the reference and the workload are unchanged. Grading the
    references measures only their growth (from ``workloads`` when cached).
    An interrupt keeps what was measured and says so.
    """
    timed = to_time(scored)
    if not timed:
        return Measured()
    from grader.core.runner import make_scratch, remove_scratch
    from grader.core.timing import Timing, TimingJob, judge, time_kata

    cache, workloads = cache or {}, workloads or {}
    selection = scored.runs.selection
    reference_only = selection.implementation.kind == "reference"
    timings: dict[str, Timing] = {}
    new_timings: dict[str, dict[str, Any]] = {}
    new_workloads: dict[str, dict[str, Any]] = {}
    interrupted = False
    live = LiveProgress.on(sys.stderr, "timing", len(timed), quiet=quiet)
    try:
        for done, (kata, recorded) in enumerate(timed):
            live.begin(kata.slug)
            if reference_only:
                try:
                    timings[kata.slug], workload = _reference_growth(kata, workloads)
                except KeyboardInterrupt:  # keep what was graded, as below
                    interrupted = True
                    break
                if workload is not None:
                    new_workloads[kata.slug] = workload
                live.done(done + 1)
                continue
            learner = selection.module(kata)
            key = _timing_key(kata, learner)
            cached = cache.get(kata.slug)
            if isinstance(cached, dict) and cached.get("key") == key:
                with contextlib.suppress(TypeError):
                    reused = replace(Timing(**cached["timing"]), reused=True)
                    timings[kata.slug] = judge(reused, kata)
                    live.done(done + 1)
                    continue
            scratch = make_scratch(f"timing-{kata.slug}")
            try:
                reference = kata.reference if recorded is None else None
                timing = time_kata(TimingJob(kata, learner, reference, scratch, recorded))
            except KeyboardInterrupt:  # keep what was graded; the report says it is incomplete
                interrupted = True
                break
            finally:
                remove_scratch(scratch)
            timings[kata.slug] = timing
            live.done(done + 1)
            if not timing.error:
                # Flags are judged afresh on every read: the kata's limits may change.
                new_timings[kata.slug] = {"key": key, "timing": asdict(replace(timing, flags=[]))}
                assert kata.timing is not None  # only katas with a [timing] table are timed
                if recorded is None and timing.sizes == list(kata.timing.sizes):
                    new_workloads[kata.slug] = {
                        "key": _reference_workload_key(kata),
                        "sizes": timing.sizes,
                        "times": timing.reference_times,
                    }
    finally:
        live.stop()
    return Measured(
        timings, tuple(k.slug for k, _ in timed), new_timings, new_workloads, interrupted
    )


def judge_speed(scored: Scored, measured: Measured) -> Timed:
    """Each kata's final score: its score after its timing (see scoring.apply_timing)."""
    reference = scored.runs.selection.implementation.kind == "reference"
    katas = []
    for k in scored.katas:
        kata = k.target.kata
        timing = measured.timings.get(kata.slug)
        katas.append(TimedKata(k, timing, apply_timing(k.score, timing, kata, reference=reference)))
    return Timed(scored.runs, tuple(katas), scored.runs.interrupted or measured.interrupted)


# -- report, save, render, exit --------------------------------------------------------


def build_report(
    timed: Timed,
    *,
    root: Path,
    started: str,
    progress: Progress | None = None,
    manifest: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The report (``grader.core.report``); ``progress`` gives a single test's last full grade."""
    impl = timed.selection.implementation
    entries = []
    for k in timed.katas:
        target, result = k.target, k.run.result
        ref = result.duration if impl.kind == "reference" else None
        last = progress.status(target.kata.slug) if progress and target.test else {}
        entries.append(
            report_io.KataEntry(
                result,
                k.score,
                timed.runs.reference_times.get(target.kata.slug, ref),
                k.timing,
                source=k.run.source,
                selected=target.test,
                last_grade=(
                    {key: last.get(key) for key in ("status", "passed", "total")}
                    if "status" in last
                    else None
                ),
            )
        )
    return report_io.build(
        entries,
        root=root,
        implementation=impl.describe(root),
        started=started,
        complete=not timed.interrupted,
        manifest=manifest,
    )


def decide_exit(timed: Timed) -> int:
    if timed.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_SOLVED if all(k.score.solved for k in timed.katas) else EXIT_UNSOLVED


def assess(
    runs: Runs,
    options: Options,
    *,
    started: str | None = None,
    manifest: dict[str, Any] | None = None,
) -> Graded:
    """From runs to the report: verify → score → measure → judge → report.

    :func:`grade` calls it after running its plan; a driver that runs many
    grades' jobs at once (the batch driver) calls it with each grade's runs
    from :func:`collect_runs`. ``manifest`` is the hashes and test names the
    runs are verified against (``katas/manifest.json`` of ``options.root``
    when not given).
    """
    if manifest is None:
        manifest = load_manifest(options.root)
    scored = score(verify(runs, manifest))
    measured = Measured()
    if options.timing and hasattr(os, "fork") and options.sandbox == "off":
        # The timing runs code unsandboxed: not with --sandbox.
        state = options.state_dir
        cache = {} if options.fresh else read_cache(state, TIMING_CACHE)
        workloads = {} if options.fresh else read_cache(state, REFERENCE_WORKLOAD)
        measured = measure(scored, cache=cache, workloads=workloads, quiet=options.quiet)
        save_timings(state, measured, cache, workloads)
    timed = judge_speed(scored, measured)
    learner = runs.selection.implementation.kind == "learner"
    report = build_report(
        timed,
        root=options.root,
        started=started or now(),
        progress=Progress.load(options.root) if learner else None,
        manifest=manifest,
    )
    return Graded(timed, report, decide_exit(timed))


def save(graded: Graded, options: Options) -> None:
    """Write the report atomically (to .kata/ and to --json) and extend the history."""
    report, state = graded.report, options.state_dir
    report_io.write(report, state / "report.json")
    if options.json_path:
        report_io.write(report, options.json_path)
    if options.junit_path:
        write_atomic(options.junit_path, formats.render("junit", report))
    selection = graded.timed.selection
    if selection.implementation.kind == "learner":
        progress = Progress.load(options.root)
        whole = {t.kata.slug for t in selection.targets if t.test is None}
        graded_katas = [  # an interrupted kata keeps its last status
            k for k in report["katas"] if k["slug"] in whole and k["status"] != "incomplete"
        ]
        progress.record_report({**report, "katas": graded_katas})
        progress.save()
    skipped = report_io.append_history(report, state / "history.jsonl")
    if skipped:
        print(
            f"grader: {state / 'history.jsonl'}: skipped {skipped} unreadable lines "
            "(kept the rest)",
            file=sys.stderr,
        )


def render(report: dict[str, Any], options: Options) -> None:
    """Show the report in the chosen format (a renderer registered in grader.core.formats)."""
    if options.quiet:
        return
    if options.format == "markdown":
        sys.stdout.write(formats.render("markdown", report))
        return
    path = options.json_path or options.state_dir / "report.json"
    try:
        shown = str(path.relative_to(Path.cwd()))
    except ValueError:
        shown = str(path)
    view = formats.View(
        colour=options.colour,
        stream=sys.stdout,
        report_path=shown,
        timing_only=options.timing_only,
        plot=options.plot,
    )
    sys.stdout.write(formats.render(options.format, report, view))
    sys.stdout.flush()


def grade(options: Options) -> Graded:
    """Grade as the command line asks; :class:`~grader.core.selection.UsageError` escapes.

    The driver of the phases: it reads the caches, runs each phase on the last
    one's result, writes the caches, then saves and shows the report.
    """
    started = now()
    selection = choose(load_catalog(options.root), options)
    manifest = load_manifest(options.root)
    state = options.state_dir
    grader = grader_digest()
    if options.fresh:
        prepared = prepare(selection)
        reference_cache: dict[str, Any] = {}
    else:
        previous = report_io.read(state / "report.json") if options.timing_only else None
        prepared = prepare(
            selection,
            manifest=manifest,
            cache=read_cache(state, RESULTS_CACHE),
            previous=reusable_runs(selection, previous, options.root),
            grader=grader,
        )
        reference_cache = read_cache(state, REFERENCE_TIMES)
    planned = plan(
        prepared, compare_reference=options.compare_reference, reference_cache=reference_cache
    )
    runs = run(planned, options)
    if planned.jobs:
        save_reference_times(state, runs)
        if not runs.interrupted:
            save_results(state, runs, grader)
    graded = assess(runs, options, started=started, manifest=manifest)
    save(graded, options)
    render(graded.report, options)
    return graded
