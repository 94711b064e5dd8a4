"""Timing against the reference: a speed ratio and growth, measured honestly.

Test durations are mostly set-up and assertions, so each kata declares a
workload (``katas/<slug>/bench_<module>.py``: ``workload(module, n)`` returns
a callable) and the sizes to run it at. The grader measures it the way pyperf
and pytest-benchmark do, not with a stopwatch:

- learner and reference are imported into one isolated process (forked, with
  the kata's limits, killed from outside if it overruns), and nothing else of
  the grade runs meanwhile;
- CPU time (``time.process_time``), so time the machine spends elsewhere is
  not counted;
- the garbage collector off during a sample, loops calibrated so that every
  sample lasts at least 20 ms;
- learner and reference samples taken in interleaved pairs, in random order,
  and the median of the pair ratios reported with its spread;
- growth from a least-squares fit of log(time) over log(n), at doubling
  sizes (see :mod:`grader.core.stats`).

Where the reference is not at hand (an exported assignment), its times are
recorded with the export beside the time of a small calibration workload, and
rescaled here by the calibration's time on this machine.

A time budget per kata (``[timing] budget``, 2 s by default) bounds all of it:
when the learner's code is too slow for the larger sizes, growth is fitted on
the sizes measured.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import importlib.util
import json
import math
import os
import random
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from grader.core import stats
from grader.core.catalog import DEFAULT_TIMING_BUDGET, Kata
from grader.core.files import read_json_object
from grader.core.limits import WALL_FACTOR
from grader.core.runner import excerpt, run_isolated
from grader.core.worker import Job, apply_limits, redirect_output

MIN_SAMPLE = 0.020
"""Seconds of CPU time every sample lasts at least."""

PAIRS = 7
"""Learner/reference sample pairs behind a speed ratio."""

GROWTH_SAMPLES = 3
"""Samples per side at each size for the growth fit."""

DEFAULT_BUDGET = DEFAULT_TIMING_BUDGET


@dataclass
class Timing:
    """What the timing of one kata found (all of it goes into the JSON report)."""

    sizes: list[int] = field(default_factory=list)
    learner_times: list[float] = field(default_factory=list)  # seconds per call, by size
    reference_times: list[float] = field(default_factory=list)
    ratio_size: int | None = None
    ratio_samples: list[float] = field(default_factory=list)
    ratio: float | None = None
    ratio_low: float | None = None
    ratio_high: float | None = None
    learner_growth: float | None = None
    reference_growth: float | None = None
    max_slowdown: float = 1.0
    complexity_required: bool = False
    speed_required: bool = False  # the kata's task is speed: solved only within max_slowdown
    stopped_early: bool = False
    recorded_reference: bool = False  # against times shipped with an export, rescaled
    reused: bool = False  # taken from an earlier grade's measurement of the same code, not run now
    error: str | None = None  # the workload crashed, hung or raised
    flags: list[str] = field(default_factory=list)  # plain-language problems

    @property
    def too_slow(self) -> bool:
        """Growth clearly worse than the reference's: the one speed finding that costs points.

        A constant factor never does; beyond the kata's ``max_slowdown`` it is
        only reported (see :func:`judge`).
        """
        if self.learner_growth is None or self.reference_growth is None:
            return False
        return stats.Growth(self.learner_growth, self.reference_growth).worse

    @property
    def over_allowance(self) -> bool:
        """Slower than the kata's ``max_slowdown``: what makes a speed kata *too slow*."""
        return self.ratio is not None and self.ratio > self.max_slowdown

    @property
    def verdict(self) -> str | None:
        """The speed in one word: ``too slow``, ``slower``, ``as fast`` or ``faster``.

        *Too slow* is what costs points (see :func:`grader.core.scoring.apply_timing`):
        growth worse than the reference's where complexity counts, or, in a kata
        whose task is speed, a time beyond ``max_slowdown``. Otherwise your time
        over the reference's reads *as fast* within 0.95–1.05.
        """
        if self.ratio is None:
            return None
        if (self.too_slow and self.complexity_required) or (
            self.speed_required and self.over_allowance
        ):
            return "too slow"
        if 0.95 <= self.ratio <= 1.05:
            return "as fast"
        return "slower" if self.ratio > 1 else "faster"

    def speed(self) -> str:
        """``slower: 3.90× ref time (pairs 3.70–4.10×)``: one format for every verdict.

        The number is always your CPU time over the reference's at ``ratio_size``
        (the median of the pairs), and the spread the lowest and highest pair in
        the same terms; a speed kata adds the ratio it is solved at.
        """
        if self.ratio is None:
            return "—"
        low, high = self.ratio_low or self.ratio, self.ratio_high or self.ratio
        ref = "recorded ref time" if self.recorded_reference else "ref time"
        floor = f", needs ≤ {self.max_slowdown:g}×" if self.speed_required else ""
        return f"{self.verdict}: {self.ratio:.2f}× {ref}{floor} (pairs {low:.2f}–{high:.2f}×)"

    def workload_times(self) -> tuple[float, float] | None:
        """Yours and the reference's CPU time per workload call at ``ratio_size``."""
        if self.ratio_size not in self.sizes:
            return None
        i = self.sizes.index(self.ratio_size)
        if i >= len(self.learner_times) or i >= len(self.reference_times):
            return None
        return self.learner_times[i], self.reference_times[i]

    def growth(self) -> str:
        if self.learner_growth is None or self.reference_growth is None:
            return "—"
        return stats.Growth(self.learner_growth, self.reference_growth).describe()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["speed"] = self.speed()
        data["growth"] = self.growth()
        return data


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _run(fn: Callable[[], object], loops: int) -> float:
    """CPU seconds per call over ``loops`` calls, with the collector off."""
    gc.collect()
    gc.disable()
    try:
        start = time.process_time()
        for _ in range(loops):
            fn()
        return (time.process_time() - start) / loops
    finally:
        gc.enable()


def _calibrate(fn: Callable[[], object]) -> tuple[int, float]:
    """Loops per sample so that a sample lasts at least MIN_SAMPLE, and one call's time.

    A reading of zero says only that the calls took less than one tick of the
    process CPU clock (which can be 10 ms or coarser): the loops double until
    the clock moves, never extrapolate from nothing — a call of 5 ms read as
    0 would otherwise be looped hundreds of thousands of times.
    """
    loops = 1
    while True:
        per_call = _run(fn, loops)
        if per_call * loops >= MIN_SAMPLE:
            return loops, per_call
        if per_call <= 0:
            loops *= 2
        else:
            loops = max(loops * 2, math.ceil(MIN_SAMPLE / per_call * 1.2))


def _stop_early(timing: Timing, sample_cost: float, deadline: float) -> bool:
    """Whether to stop before the next size.

    The sizes are chosen so that the reference fits the budget. A fit needs
    three sizes; past that, stop for a learner clearly slower than the
    reference when the next size (at least twice as slow) would not fit.
    """
    next_cost = 2 * sample_cost * (GROWTH_SAMPLES + 1)
    slower = timing.learner_times[-1] > 2 * timing.reference_times[-1]
    return len(timing.sizes) >= 3 and slower and next_cost > deadline - time.process_time()


def _ratio_size(sample_costs: dict[int, float], budget: float) -> int:
    """The largest size whose pairs of learner samples fit in half the budget."""
    affordable = [n for n, cost in sample_costs.items() if cost * PAIRS * 2 <= budget / 2]
    return affordable[-1] if affordable else next(iter(sample_costs))


def _conclude(timing: Timing, pairs: list[tuple[float, float]], n: int) -> Timing:
    """Fill in the speed ratio at size ``n`` and the growth of both sides."""
    ratio = stats.ratio(pairs)
    timing.ratio_size = n
    timing.ratio, timing.ratio_low, timing.ratio_high = ratio.median, ratio.low, ratio.high
    timing.ratio_samples = list(ratio.samples)
    if len(timing.sizes) >= 2:
        timing.learner_growth = stats.slope(timing.sizes, timing.learner_times)
        timing.reference_growth = stats.slope(timing.sizes, timing.reference_times)
    return timing


def measure(
    bench: ModuleType,
    learner: ModuleType,
    reference: ModuleType,
    sizes: list[int],
    budget: float,
    seed: int = 0,
) -> Timing:
    """Growth at each size within the budget, then the ratio at the largest size measured."""
    rng = random.Random(seed)
    timing = Timing()
    deadline = time.process_time() + budget
    workloads: dict[int, tuple[Callable, Callable, int, int]] = {}
    sample_costs: dict[int, float] = {}
    for n in sizes:
        learner_fn = bench.workload(learner, n)
        reference_fn = bench.workload(reference, n)
        learner_loops, learner_one = _calibrate(learner_fn)
        reference_loops, _ = _calibrate(reference_fn)
        samples: dict[str, list[float]] = {"learner": [], "reference": []}
        for _ in range(GROWTH_SAMPLES):
            order = [
                ("learner", learner_fn, learner_loops),
                ("reference", reference_fn, reference_loops),
            ]
            rng.shuffle(order)
            for side, fn, loops in order:
                samples[side].append(_run(fn, loops))
        timing.sizes.append(n)
        timing.learner_times.append(min(samples["learner"]))
        timing.reference_times.append(min(samples["reference"]))
        workloads[n] = (learner_fn, reference_fn, learner_loops, reference_loops)
        sample_costs[n] = learner_one * learner_loops
        if n != sizes[-1] and _stop_early(timing, sample_costs[n], deadline):
            timing.stopped_early = True
            break

    n = _ratio_size(sample_costs, budget)
    learner_fn, reference_fn, learner_loops, reference_loops = workloads[n]
    pairs = []
    for _ in range(PAIRS):
        sides = [(learner_fn, learner_loops, 0), (reference_fn, reference_loops, 1)]
        rng.shuffle(sides)
        pair = [0.0, 0.0]
        for fn, loops, slot in sides:
            pair[slot] = _run(fn, loops)
        pairs.append((pair[0], pair[1]))
    return _conclude(timing, pairs, n)


def calibration() -> Callable[[], object]:
    """A small fixed workload that stands for "how fast is this machine".

    Recorded reference times are scaled by how long this takes here against
    how long it took where they were recorded. It mixes what kata workloads
    do: dict and list operations, sorting, string formatting and hashing.
    """
    rng = random.Random(1234)
    words = [f"key:{rng.getrandbits(32):08x}" for _ in range(2000)]

    def run() -> None:
        table: dict[str, int] = {}
        for i, word in enumerate(words):
            table[word] = i
        ordered = sorted(words, key=table.__getitem__, reverse=True)
        digest = hashlib.sha256()
        for word in ordered[:500]:
            digest.update(word.encode())

    return run


def record_reference(bench: ModuleType, reference: ModuleType, sizes: list[int]) -> dict:
    """The reference's time at each size and the calibration time, for shipping."""
    calibrate = calibration()
    calibration_loops, _ = _calibrate(calibrate)
    times, calibrations = [], []
    for n in sizes:
        fn = bench.workload(reference, n)
        loops, _ = _calibrate(fn)
        times.append(min(_run(fn, loops) for _ in range(GROWTH_SAMPLES)))
        calibrations.append(_run(calibrate, calibration_loops))
    return {"sizes": sizes, "times": times, "calibration": min(calibrations)}


def measure_recorded(bench: ModuleType, learner: ModuleType, recorded: dict,
                     budget: float) -> Timing:  # fmt: skip
    """Time the learner against reference times recorded elsewhere.

    Each learner sample is paired with a sample of the calibration workload,
    which rescales the recorded reference time to this machine; the rest is
    as in :func:`measure`.
    """
    calibrate = calibration()
    calibration_loops, _ = _calibrate(calibrate)
    scale_base = float(recorded["calibration"])
    timing = Timing(recorded_reference=True)
    deadline = time.process_time() + budget
    fns: dict[int, tuple[Callable, int, float]] = {}
    sample_costs: dict[int, float] = {}
    sizes = recorded["sizes"]
    for n, reference_time in zip(sizes, recorded["times"]):
        fn = bench.workload(learner, n)
        loops, one = _calibrate(fn)
        learner_time = min(_run(fn, loops) for _ in range(GROWTH_SAMPLES))
        scale = _run(calibrate, calibration_loops) / scale_base
        timing.sizes.append(n)
        timing.learner_times.append(learner_time)
        timing.reference_times.append(reference_time * scale)
        fns[n] = (fn, loops, reference_time)
        sample_costs[n] = one * loops
        if n != sizes[-1] and _stop_early(timing, sample_costs[n], deadline):
            timing.stopped_early = True
            break
    n = _ratio_size(sample_costs, budget)
    fn, loops, reference_time = fns[n]
    pairs = []
    for _ in range(PAIRS):
        learner_time = _run(fn, loops)
        scale = _run(calibrate, calibration_loops) / scale_base
        pairs.append((learner_time, reference_time * scale))
    return _conclude(timing, pairs, n)


@dataclass(frozen=True)
class TimingJob:
    """One kata's timing: which files, which sizes, how long it may take."""

    kata: Kata
    learner: Path  # the implementation module file
    reference: Path | None  # the reference module, or None to use ``recorded``
    scratch: Path
    recorded: dict | None = None  # reference times shipped with an export (record_reference)

    @property
    def budget(self) -> float:
        return self.kata.timing.budget if self.kata.timing else DEFAULT_BUDGET

    @property
    def result_path(self) -> Path:
        return self.scratch / "timing.json"

    @property
    def cpu_limit(self) -> float:
        """CPU seconds the measuring process may use: the budget, plus imports and set-up."""
        return cpu_limit(self.budget)

    @property
    def wall_limit(self) -> float:
        """The wall-clock backstop, for a workload that waits instead of computing."""
        return self.cpu_limit * WALL_FACTOR


def cpu_limit(budget: float) -> float:
    """CPU seconds a timing process may use for a ``budget``: plus imports and set-up.

    It is read from ``/proc`` by the parent (:func:`grader.core.runner.run_isolated`),
    never set as ``RLIMIT_CPU``, which coarsens the process CPU clock the
    measurement reads on some kernels.
    """
    return budget * 5 + 20


def _work_in(scratch: Path) -> None:
    """Make ``scratch`` the measuring process's working and temporary folder.

    The process ends with ``os._exit``, so a workload's ``atexit`` clean-up never
    runs: its temporary files (``tempfile``'s, and its subprocesses' by ``TMPDIR``)
    go in the scratch folder, which whoever made it removes.
    """
    folder = str(scratch.resolve())
    os.chdir(folder)
    os.environ["TMPDIR"] = folder
    tempfile.tempdir = folder


def _child(job: TimingJob) -> None:  # pragma: no cover - runs in the forked child
    """Measure in this (isolated) process and write the result; never returns."""
    code = 0
    try:
        kata = job.kata
        worker_job = Job.for_kata(kata, job.learner.parent, scratch=job.scratch)
        apply_limits(worker_job)
        redirect_output(worker_job)
        _work_in(job.scratch)
        try:
            assert kata.timing is not None
            bench = _load(kata.bench_file, f"_kata_bench_{kata.module}")
            learner = _load(job.learner, f"_kata_learner_{kata.module}")
            if job.reference is None:
                assert job.recorded is not None
                result = measure_recorded(bench, learner, job.recorded, job.budget)
            else:
                reference = _load(job.reference, f"_kata_reference_{kata.module}")
                sizes = list(kata.timing.sizes)
                result = measure(bench, learner, reference, sizes, job.budget)
        except BaseException as exc:  # the learner's workload failed: say how
            result = Timing(error="".join(traceback.format_exception_only(type(exc), exc)).strip())
            traceback.print_exc()
        job.result_path.write_text(json.dumps(asdict(result)), encoding="utf-8")
    except BaseException:
        code = 70
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def judge(timing: Timing, kata: Kata) -> Timing:
    """Add the plain-language flags a learner should act on.

    Growth clearly worse than the reference's is what makes a kata *too slow*
    (:attr:`Timing.too_slow`). A slowdown beyond the kata's ``max_slowdown``
    (set at about twice the slowest correct solution of the right growth) is
    flagged too, as a constant factor that costs no points — except in a kata
    whose task is speed (``speed_required``), where it is what makes the kata
    *too slow*.
    """
    assert kata.timing is not None
    timing.max_slowdown = kata.timing.max_slowdown
    timing.complexity_required = kata.timing.complexity_required
    timing.speed_required = kata.timing.speed_required
    if timing.error:
        return timing
    if timing.too_slow:
        assert timing.learner_growth is not None and timing.reference_growth is not None
        timing.flags.append(stats.Growth(timing.learner_growth, timing.reference_growth).explain())
    if timing.over_allowance and timing.speed_required:
        assert timing.ratio is not None  # over the allowance: a ratio was measured
        timing.flags.append(
            f"{timing.ratio:.1f}× slower than the reference at n = {timing.ratio_size}; "
            f"speed is this kata's task: it is solved at {kata.timing.max_slowdown:g}× "
            f"the reference's time or better: make it "
            f"{timing.ratio / kata.timing.max_slowdown:.1f}× faster"
        )
    elif timing.over_allowance:
        flag = (
            f"{timing.ratio:.1f}× slower than the reference at n = {timing.ratio_size}; "
            f"correct solutions of this kata stay within {kata.timing.max_slowdown:g}×"
        )
        if not timing.too_slow:
            flag += " (the growth matches the reference's: a constant factor costs no points)"
        timing.flags.append(flag)
    if timing.stopped_early and timing.flags:
        timing.flags.append(f"measured up to n = {timing.sizes[-1]}: larger sizes took too long")
    return timing


def time_kata(job: TimingJob) -> Timing:
    """Measure one kata in an isolated process; a crash or hang becomes ``error``.

    The process is limited in CPU time (``cpu_limit``), like the tests, so a busy
    machine does not turn a timing into an error; the wall-clock backstop,
    ``WALL_FACTOR`` times longer, catches a workload that waits.
    """
    job.scratch.mkdir(parents=True, exist_ok=True)
    hard_limit = job.wall_limit
    returncode, sig, killed = run_isolated(lambda: _child(job), hard_limit, job.cpu_limit)
    data = read_json_object(job.result_path)
    timing = None
    if data is not None:
        with contextlib.suppress(TypeError):  # not a Timing's fields
            timing = Timing(**data)
    if timing is None:
        if killed:
            why = (
                f"the workload did not finish within {job.cpu_limit:g} s of CPU time "
                f"({hard_limit:g} s of wall-clock time for code that waits) and was stopped"
            )
        elif sig is not None:
            why = f"the workload's process was killed by signal {sig}"
        else:
            why = f"the workload's process exited with status {returncode}"
        output = excerpt(job.scratch / "output.log", 1500)
        timing = Timing(error=why + (f"\n{output}" if output.strip() else ""))
    return judge(timing, job.kata)


def record_kata(kata: Kata, scratch: Path) -> dict | None:
    """Record the reference's workload times for shipping, in an isolated process.

    The process has the paired timing's limits: :func:`cpu_limit` of the kata's
    budget in CPU time, and ``WALL_FACTOR`` times that of wall-clock time for a
    workload that waits. ``None`` when it did not finish.
    """
    if kata.timing is None or not kata.bench_file.is_file() or not kata.reference.is_file():
        return None
    scratch.mkdir(parents=True, exist_ok=True)
    result = scratch / "recorded.json"

    def child() -> None:  # pragma: no cover - runs in the forked child
        code = 0
        try:
            _work_in(scratch)
            assert kata.timing is not None
            bench = _load(kata.bench_file, f"_kata_bench_{kata.module}")
            reference = _load(kata.reference, f"_kata_reference_{kata.module}")
            data = record_reference(bench, reference, list(kata.timing.sizes))
            result.write_text(json.dumps(data), encoding="utf-8")
        except BaseException:
            traceback.print_exc()
            code = 70
        finally:
            os._exit(code)

    limit = cpu_limit(kata.timing.budget)
    run_isolated(child, limit * WALL_FACTOR, limit)
    return read_json_object(result)
