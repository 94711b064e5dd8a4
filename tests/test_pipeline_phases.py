"""Each phase of the grading pipeline on its own, in-process (``grader.core.pipeline``).

The inputs are built by hand (runs, outcomes and caches made here) from the
fixture tree's two katas, read-only; nothing starts a process, and each
phase's record is checked for what it carries: every per-kata record names
its target, so no test relies on positions lining up.
"""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError, asdict, replace
from pathlib import Path
from typing import Any

import pytest

from conftest import TREE
from grader.core import pipeline
from grader.core.catalog import Kata, load_catalog
from grader.core.catalog import Timing as TimingSpec
from grader.core.integrity import EXPECTED_SENTINELS, load_manifest
from grader.core.results import RunResult, TestResult
from grader.core.runner import Attempt, RunOutcome
from grader.core.scoring import Score
from grader.core.selection import Implementation, Target, UsageError
from grader.core.timing import Timing
from grader.core.verdicts import KataStatus, TestOutcome

CATALOG = load_catalog(TREE)
ADDER, GREETER = (next(k for k in CATALOG if k.slug == s) for s in ("adder", "greeter"))
MANIFEST = load_manifest(TREE)
LEARNER = Implementation("learner")


def _selection(impl: Implementation = LEARNER, *targets: Target) -> pipeline.Selection:
    return pipeline.Selection(targets or (Target(ADDER), Target(GREETER)), impl)


def _passing(kata: Kata, folder: Path, duration: float = 0.01) -> RunResult:
    """A clean run: every test of the manifest passed, the sentinels as expected."""
    names = MANIFEST[kata.slug]["tests"] if MANIFEST else []
    test_file = kata.test_file.relative_to(kata.root).as_posix()
    tests = [TestResult(f"{test_file}::{n}", TestOutcome.PASSED, duration=duration) for n in names]
    return RunResult(kata=kata, impl=folder, tests=tests, sentinels=dict(EXPECTED_SENTINELS))


def _runs(*katas: pipeline.KataRun, impl: Implementation = LEARNER, **kw: Any) -> pipeline.Runs:
    selection = pipeline.Selection(tuple(k.target for k in katas), impl)
    return pipeline.Runs(selection, katas, **kw)


def _score(status: KataStatus, earned: float, possible: int = 6) -> Score:
    return Score(status, earned, possible, 4, 4)


# -- choose ------------------------------------------------------------------------------


def test_choose_names_the_targets_and_whose_code() -> None:
    chosen = pipeline.choose(CATALOG, pipeline.Options(root=TREE, targets=["greeter::test_x"]))
    assert chosen.targets == (Target(GREETER, "test_x"),)
    assert chosen.implementation == LEARNER
    assert chosen.module(GREETER) == TREE / "katas" / "greeter" / "greeter.py"
    with pytest.raises(FrozenInstanceError):
        chosen.targets = ()  # type: ignore[misc]
    every = pipeline.choose(CATALOG, pipeline.Options(root=TREE, reference=True))
    assert [t.kata.slug for t in every.targets] == ["adder", "greeter"]
    assert every.implementation.kind == "reference"
    with pytest.raises(UsageError, match="either --reference or --impl"):
        pipeline.choose(CATALOG, pipeline.Options(root=TREE, reference=True, impl="x"))


# -- prepare -----------------------------------------------------------------------------


def test_prepare_knows_the_shipped_stubs_without_running_them() -> None:
    prepared = pipeline.prepare(_selection(), manifest=MANIFEST)
    assert [(p.target.kata.slug, p.source) for p in prepared.targets] == [
        ("adder", "stub"),
        ("greeter", "stub"),
    ]
    adder = prepared.targets[0].known
    assert adder is not None and adder.kata == ADDER
    assert [t.name for t in adder.tests] == MANIFEST["adder"]["tests"]  # type: ignore[index]
    assert {t.status for t in adder.tests} == {TestOutcome.FAILED}
    assert prepared.to_run == ()


def test_prepare_runs_everything_without_a_manifest_or_cache() -> None:
    """``--fresh``: nothing is known, every target is to run; a single test always runs."""
    selection = _selection(LEARNER, Target(ADDER), Target(GREETER, "test_greets_by_name"))
    assert pipeline.prepare(selection).to_run == selection.targets
    prepared = pipeline.prepare(selection, manifest=MANIFEST)
    assert prepared.to_run == (Target(GREETER, "test_greets_by_name"),)


def test_prepare_never_calls_the_reference_a_stub() -> None:
    prepared = pipeline.prepare(_selection(Implementation("reference")), manifest=MANIFEST)
    assert [p.source for p in prepared.targets] == ["run", "run"]


def test_prepare_reuses_a_cached_run_only_while_its_key_holds(tmp_path: Path) -> None:
    impl = Implementation("impl", tmp_path)
    (tmp_path / "adder").mkdir()
    (tmp_path / "adder" / "adder.py").write_text("def add(a, b):\n    return a + b\n")
    run = _passing(ADDER, tmp_path / "adder")
    state = tmp_path / "state"
    runs = _runs(pipeline.KataRun(Target(ADDER), run), impl=impl)
    pipeline.save_results(state, runs, grader="g1")
    cache = pipeline.read_cache(state, pipeline.RESULTS_CACHE)
    selection = _selection(impl, Target(ADDER))

    reused = pipeline.prepare(selection, manifest=MANIFEST, cache=cache, grader="g1")
    (entry,) = reused.targets
    assert entry.source == "reused" and entry.known is not None
    assert [t.name for t in entry.known.tests] == [t.name for t in run.tests]
    # Another grader, or changed code, invalidates it.
    assert pipeline.prepare(selection, cache=cache, grader="g2").to_run == selection.targets
    (tmp_path / "adder" / "adder.py").write_text("def add(a, b):\n    return b + a\n")
    assert pipeline.prepare(selection, cache=cache, grader="g1").to_run == selection.targets


def test_prepare_reuses_the_runs_of_timing_only() -> None:
    earlier = _passing(ADDER, ADDER.dir)
    prepared = pipeline.prepare(_selection(), previous={"adder": earlier})
    assert [(p.target.kata.slug, p.source) for p in prepared.targets] == [
        ("adder", "reused"),
        ("greeter", "run"),
    ]
    assert prepared.targets[0].known is earlier


def test_reusable_runs_take_only_solved_unchanged_katas_of_the_same_implementation() -> None:
    selection = _selection()
    entry = {
        "slug": "adder",
        "status": "solved",
        "impl_sha256": MANIFEST["adder"]["stub"],  # type: ignore[index]
        "results": [],
        "broken": None,
        "problem": None,
        "output": "",
        "wall": 0.0,
    }
    previous = {"implementation": LEARNER.describe(TREE), "katas": [entry]}
    reused = pipeline.reusable_runs(selection, previous, TREE)
    assert list(reused) == ["adder"] and reused["adder"].kata == ADDER
    assert pipeline.reusable_runs(selection, {**previous, "implementation": {}}, TREE) == {}
    failed = {**previous, "katas": [{**entry, "status": "failed"}]}
    assert pipeline.reusable_runs(selection, failed, TREE) == {}
    changed = {**previous, "katas": [{**entry, "impl_sha256": "0" * 64}]}
    assert pipeline.reusable_runs(selection, changed, TREE) == {}


# -- plan --------------------------------------------------------------------------------


def test_plan_gives_each_job_its_target_and_each_reference_its_slug() -> None:
    selection = _selection(LEARNER, Target(ADDER), Target(GREETER, "test_greets_by_name"))
    prepared = pipeline.prepare(selection, manifest=MANIFEST)  # adder: the stub
    planned = pipeline.plan(prepared)
    (job,) = planned.kata_jobs
    assert job.target == Target(GREETER, "test_greets_by_name")
    assert job.job.slug == "greeter" and job.job.impl_dir == str(GREETER.dir.resolve())
    assert job.job.select == (f"{GREETER.test_file}::test_greets_by_name",)
    # The stub's kata is not compared, nor one test with the reference's whole kata.
    assert planned.reference_jobs == {} and planned.jobs == (job.job,)


def test_plan_takes_reference_times_from_the_cache_while_the_reference_is_unchanged() -> None:
    prepared = pipeline.prepare(_selection(Implementation("impl", TREE / "katas")))
    cache = {
        "adder": {"key": pipeline.reference_key(ADDER), "duration": 0.25},
        "greeter": {"key": "an older reference", "duration": 9.0},
    }
    planned = pipeline.plan(prepared, reference_cache=cache)
    assert dict(planned.reference_times) == {"adder": 0.25}
    assert list(planned.reference_jobs) == ["greeter"]
    assert [k.target.kata.slug for k in planned.kata_jobs] == ["adder", "greeter"]


def test_plan_runs_no_reference_when_not_comparing_or_grading_the_references() -> None:
    for impl, compare in ((LEARNER, False), (Implementation("reference"), True)):
        planned = pipeline.plan(pipeline.prepare(_selection(impl)), compare_reference=compare)
        assert planned.reference_jobs == {} and planned.reference_times == {}
        assert len(planned.kata_jobs) == 2


def test_planning_makes_nothing_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A plan is data: the runner makes each job's scratch folder when the job starts.
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    planned = pipeline.plan(pipeline.prepare(_selection(Implementation("impl", TREE / "katas"))))
    assert len(planned.jobs) == 4  # two katas, two reference runs
    assert all(job.scratch == "" for job in planned.jobs)
    assert list(tmp_path.iterdir()) == []


# -- collect_runs (the run phase without its runner) ------------------------------------


def _outcome(job: Any, **attempt: Any) -> RunOutcome:
    return RunOutcome(job, [Attempt(**attempt)])


def test_collect_runs_gives_each_target_its_own_jobs_run() -> None:
    prepared = pipeline.prepare(
        _selection(Implementation("impl", TREE / "katas")),
        previous={"adder": _passing(ADDER, ADDER.dir)},
    )
    planned = pipeline.plan(prepared)
    (greeter_job,) = planned.kata_jobs
    with pytest.raises(ValueError, match="no run for greeter"):
        pipeline.collect_runs(planned, {})
    broken = {"error": "SyntaxError: bad", "file": "greeter.py", "line": 1}
    reference_test = f"{GREETER.test_file}::test_greets_by_name"
    outcomes = {
        # Given in another order than the plan's: outcomes are matched by job, not position.
        planned.reference_jobs["greeter"]: _outcome(
            planned.reference_jobs["greeter"],
            collected=[reference_test],
            report={
                "tests": [
                    {"nodeid": reference_test, "outcome": "passed", "call": {"duration": 0.125}}
                ]
            },
        ),
        greeter_job.job: _outcome(greeter_job.job, broken=broken),
        planned.reference_jobs["adder"]: _outcome(planned.reference_jobs["adder"], broken=broken),
    }
    runs = pipeline.collect_runs(planned, outcomes, interrupted=True)
    assert [(k.target.kata.slug, k.source) for k in runs.katas] == [
        ("adder", "reused"),
        ("greeter", "run"),
    ]
    assert runs.katas[1].result.broken == broken and runs.katas[1].result.kata == GREETER
    assert runs.interrupted
    # Only a reference run in which every test passed gives a reference time.
    assert dict(runs.reference_times) == {"greeter": 0.125}
    assert set(runs.references) == {"adder", "greeter"}


# -- verify ------------------------------------------------------------------------------


def test_verify_adds_tamper_evidence_without_changing_the_runs_it_was_given() -> None:
    clean = _passing(ADDER, ADDER.dir)
    silent = replace(_passing(GREETER, GREETER.dir), sentinels={})
    runs = _runs(pipeline.KataRun(Target(ADDER), clean), pipeline.KataRun(Target(GREETER), silent))
    verified = pipeline.verify(runs, MANIFEST)
    assert isinstance(verified, pipeline.Verified)
    assert [k.target.kata.slug for k in verified.katas] == ["adder", "greeter"]
    assert verified.katas[0].result.tampered == ()
    assert "sentinel" in verified.katas[1].result.tampered[0]
    assert silent.tampered == ()  # a new result, not the old one changed
    with pytest.raises(FrozenInstanceError):  # nor can a later phase change one
        verified.katas[0].result.tampered = ("edited",)  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        verified.katas[0].result.tests[0].status = TestOutcome.FAILED  # type: ignore[misc]


def test_verify_makes_no_claim_of_a_stub_that_did_not_run() -> None:
    stub = RunResult(kata=ADDER, impl=ADDER.dir)  # no sentinel ran: none was expected
    verified = pipeline.verify(_runs(pipeline.KataRun(Target(ADDER), stub, "stub")), MANIFEST)
    assert verified.katas[0].result.tampered == ()


# -- score -------------------------------------------------------------------------------


def test_score_gives_each_target_its_status_and_a_stub_not_started() -> None:
    verified = pipeline.verify(
        _runs(
            pipeline.KataRun(Target(ADDER), _passing(ADDER, ADDER.dir)),
            pipeline.KataRun(Target(GREETER), RunResult(kata=GREETER, impl=GREETER.dir), "stub"),
        ),
        MANIFEST,
    )
    scored = pipeline.score(verified)
    assert [(k.target.kata.slug, k.score.status) for k in scored.katas] == [
        ("adder", KataStatus.SOLVED),
        ("greeter", KataStatus.NOT_STARTED),
    ]
    assert scored.katas[0].score.earned == ADDER.points
    assert scored.katas[1].score.earned == 0.0


def test_score_keeps_a_tampered_stub_tampered() -> None:
    stub = RunResult(kata=ADDER, impl=ADDER.dir, tampered=["tests changed"])
    verified = pipeline.Verified(_selection(), (pipeline.KataRun(Target(ADDER), stub, "stub"),))
    (scored,) = pipeline.score(verified).katas
    assert scored.score.status == KataStatus.TAMPERED


# -- measure and judge_speed -------------------------------------------------------------


def _timed_kata(tmp_path: Path) -> Kata:
    """A kata with a workload, a reference and a learner's module, laid out in ``tmp_path``."""
    kata = replace(
        ADDER, root=tmp_path, timing=TimingSpec(sizes=(10, 20), growth="linear", max_slowdown=3.0)
    )
    for path in (kata.test_file, kata.bench_file, kata.reference, kata.dir / "kata.toml"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("# a file the timing key digests\n")
    (kata.dir / "adder.py").write_text("def add(a, b):\n    return a + b\n")
    return kata


def _scored(kata: Kata, status: KataStatus, target: Target | None = None) -> pipeline.Scored:
    run = pipeline.KataRun(target or Target(kata), _passing(kata, kata.dir))
    runs = pipeline.Verified(pipeline.Selection((run.target,), LEARNER), (run,))
    return pipeline.Scored(runs, (pipeline.ScoredKata(run, _score(status, 6.0)),))


def test_measure_times_only_solved_whole_katas_with_a_workload(tmp_path: Path) -> None:
    kata = _timed_kata(tmp_path)
    assert pipeline.measure(_scored(kata, KataStatus.PARTIAL)) == pipeline.Measured()
    one_test = _scored(kata, KataStatus.SOLVED, Target(kata, "test_small"))
    assert pipeline.measure(one_test) == pipeline.Measured()
    assert pipeline.measure(_scored(ADDER, KataStatus.SOLVED)) == pipeline.Measured()  # no timing
    assert [k.slug for k, _ in pipeline.to_time(_scored(kata, KataStatus.SOLVED))] == ["adder"]


def test_measure_reuses_a_cached_timing_and_caches_nothing_new(tmp_path: Path) -> None:
    kata = _timed_kata(tmp_path)
    timing = Timing(sizes=[10, 20], learner_times=[1.0, 2.0], reference_times=[1.0, 2.0])
    key = pipeline._timing_key(kata, kata.dir / "adder.py")
    cache = {"adder": {"key": key, "timing": asdict(timing)}}
    measured = pipeline.measure(_scored(kata, KataStatus.SOLVED), cache=cache, quiet=True)
    assert measured.timed == ("adder",)
    assert measured.timings["adder"].sizes == [10, 20]
    assert measured.new_timings == {} and measured.new_workloads == {}
    assert not measured.interrupted


def test_judge_speed_keeps_the_untimed_score_beside_the_final_one() -> None:
    scored = _scored(ADDER, KataStatus.SOLVED)
    failed = Timing(error="the workload raised")
    timed = pipeline.judge_speed(scored, pipeline.Measured({"adder": failed}, ("adder",)))
    (k,) = timed.katas
    assert k.target == Target(ADDER) and k.timing is failed
    assert k.untimed.status == KataStatus.SOLVED and k.untimed.earned == 6.0
    assert k.score.status == KataStatus.TOO_SLOW and k.score.earned == 4.5
    assert not timed.interrupted
    untimed = pipeline.judge_speed(scored, pipeline.Measured(interrupted=True))
    assert untimed.katas[0].score == scored.katas[0].score and untimed.interrupted


# -- the report and the exit -------------------------------------------------------------


def _timed(*katas: tuple[pipeline.KataRun, Score], interrupted: bool = False) -> pipeline.Timed:
    runs = _runs(*(run for run, _ in katas), reference_times={"adder": 0.5})
    scored = [pipeline.ScoredKata(run, s) for run, s in katas]
    return pipeline.Timed(
        pipeline.Verified(runs.selection, runs.katas, runs.reference_times),
        tuple(pipeline.TimedKata(k, None, k.score) for k in scored),
        interrupted,
    )


def test_build_report_lists_each_target_with_its_source_and_reference_time() -> None:
    solved = (
        pipeline.KataRun(Target(ADDER), _passing(ADDER, ADDER.dir)),
        _score(KataStatus.SOLVED, 6.0),
    )
    stub = RunResult(kata=GREETER, impl=GREETER.dir)
    not_started = (
        pipeline.KataRun(Target(GREETER), stub, "stub"),
        _score(KataStatus.NOT_STARTED, 0, 4),
    )
    report = pipeline.build_report(
        _timed(solved, not_started, interrupted=True), root=TREE, started="T", manifest=MANIFEST
    )
    assert report["started_at"] == "T" and report["complete"] is False
    adder, greeter = report["katas"]
    assert (adder["slug"], adder["source"], adder["reference_duration"]) == ("adder", "run", 0.5)
    assert (greeter["slug"], greeter["source"], greeter["reference_duration"]) == (
        "greeter",
        "stub",
        None,
    )
    # The stub's run reported no test: the report lists the manifest's, none run.
    assert [t["name"] for t in greeter["results"]] == MANIFEST["greeter"]["tests"]  # type: ignore[index]
    assert {t["status"] for t in greeter["results"]} == {"not run"}
    assert report["summary"]["points"] == 6.0


def test_decide_exit() -> None:
    run = pipeline.KataRun(Target(ADDER), _passing(ADDER, ADDER.dir))
    assert pipeline.decide_exit(_timed((run, _score(KataStatus.SOLVED, 6)))) == pipeline.EXIT_SOLVED
    assert (
        pipeline.decide_exit(_timed((run, _score(KataStatus.PARTIAL, 3)))) == pipeline.EXIT_UNSOLVED
    )
    interrupted = _timed((run, _score(KataStatus.SOLVED, 6)), interrupted=True)
    assert pipeline.decide_exit(interrupted) == pipeline.EXIT_INTERRUPTED


# -- the caches --------------------------------------------------------------------------


def test_save_results_keeps_only_finished_runs_made_now(tmp_path: Path) -> None:
    impl = Implementation("impl", tmp_path)
    for kata in (ADDER, GREETER):
        (tmp_path / kata.slug).mkdir()
        (tmp_path / kata.slug / f"{kata.module}.py").write_text("")
    passing = _passing(GREETER, tmp_path / "greeter")
    first, *rest = passing.tests
    timed_out = replace(passing, tests=(replace(first, status=TestOutcome.TIMEOUT), *rest))
    runs = _runs(
        pipeline.KataRun(Target(ADDER), _passing(ADDER, tmp_path / "adder")),
        pipeline.KataRun(Target(GREETER), timed_out),
        impl=impl,
    )
    pipeline.save_results(tmp_path, runs, "g")
    cache = pipeline.read_cache(tmp_path, pipeline.RESULTS_CACHE)
    assert [k.rpartition("::")[2] for k in cache] == ["adder"]
    reused = _runs(
        pipeline.KataRun(Target(GREETER), _passing(GREETER, tmp_path / "greeter"), "reused"),
        impl=impl,
    )
    pipeline.save_results(tmp_path, reused, "g")  # a reused run is already cached
    assert len(pipeline.read_cache(tmp_path, pipeline.RESULTS_CACHE)) == 1


def test_save_reference_times_keeps_those_of_passing_references(tmp_path: Path) -> None:
    passing = _passing(ADDER, ADDER.solution_dir, duration=0.5)
    failing = RunResult(kata=GREETER, impl=GREETER.solution_dir)
    runs = _runs(references={"adder": passing, "greeter": failing})
    pipeline.save_reference_times(tmp_path, runs)
    saved = json.loads((tmp_path / pipeline.REFERENCE_TIMES).read_text())
    assert saved == {"adder": {"key": pipeline.reference_key(ADDER), "duration": 2.0}}


def test_save_timings_merges_what_was_read_with_what_is_new(tmp_path: Path) -> None:
    pipeline.save_timings(tmp_path, pipeline.Measured(), {"old": 1}, {})
    assert not (tmp_path / pipeline.TIMING_CACHE).exists()  # nothing was to be timed
    measured = pipeline.Measured(timed=("adder",), new_timings={"adder": {"key": "k"}})
    pipeline.save_timings(tmp_path, measured, {"old": {"key": "o"}}, {"w": {"key": "x"}})
    assert pipeline.read_cache(tmp_path, pipeline.TIMING_CACHE) == {
        "old": {"key": "o"},
        "adder": {"key": "k"},
    }
    assert pipeline.read_cache(tmp_path, pipeline.REFERENCE_WORKLOAD) == {"w": {"key": "x"}}
