"""Isolated runs: one process per kata run, watched and killed from outside.

The runner is a warm parent. It imports pytest, its plugins and the libraries
kata tests use once, then forks a child per job, so a child starts in
milliseconds instead of paying a fresh interpreter's start-up. Each child
is its own process group, so a hang, a crash or a stray subprocess in one kata
is ended with a single kill and never touches the others.

The parent enforces two clocks, because no in-process timeout can stop C
code that holds the GIL: a per-test watchdog (from the child's progress log)
and a wall-clock cap for the whole kata. When a child dies mid-test, the test
it was running is blamed and the kata is run again without it, so one bad
test costs only itself.

No process outlives its grade. On Linux the runner and every child are
subreapers (``PR_SET_CHILD_SUBREAPER``): a process the learner's code starts
stays a descendant of its child however it detaches (a new session, a new
process group, a double fork), and is killed with the child; one whose child
died abruptly is re-parented to the runner, which ends it as soon as it sees
it. With a sandbox (:mod:`grader.core.sandbox`) each child runs in bubblewrap,
in a PID namespace of its own.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from grader.core.files import read_json_object
from grader.core.verdicts import TestOutcome
from grader.core.worker import (
    EXIT_BROKEN,
    MEMORY_PRESSURE,
    OUTPUT_LIMIT_BYTES,
    SANDBOX_PROCESSES,
    WALL_FACTOR,
    Job,
    child_main,
    cpu_seconds,
    descendants,
    end_descendants,
    kill_group,
    parents,
    set_subreaper,
    vm_data_bytes,
)

if TYPE_CHECKING:
    from grader.core.sandbox import Sandbox

PRELOAD = ("pytest", "pytest_timeout", "pytest_jsonreport.plugin", "grader.kata_plugin")
"""Modules imported once in the parent so that every forked child has them warm."""

MAX_RETRIES = 5
"""How many times a kata is restarted after a test killed its process."""

POLL_SECONDS = 0.005

CPU_POLL_SECONDS = 0.05
"""How often a running test's CPU time is read from ``/proc``."""

TREE_POLL_SECONDS = 0.5
"""How often the processes a child started are looked for again (a scan of all ``/proc``);
between scans, the CPU time of the ones last found is read."""

PROCESS_FLOOD = 64
"""Descendants at a timeout that make the verdict a process limit (a fork bomb)."""


@dataclass
class Culprit:
    """A test during which the process died or was killed."""

    nodeid: str
    verdict: TestOutcome  # timeout, memory, output limit or crashed
    detail: str


@dataclass
class Attempt:
    """One process's run of a job."""

    returncode: int | None = None  # exit status, None when killed by a signal
    signal: int | None = None
    killed_for: str | None = None  # "test-timeout", "kata-timeout", "interrupted"
    wall: float = 0.0
    collected: list[str] = field(default_factory=list)
    metadata: dict[str, dict] = field(default_factory=dict)  # nodeid -> spec, weight, line
    running: str | None = None  # test started but not finished when the process ended
    running_for: float = 0.0  # seconds that test had been running
    max_rss_kb: int = 0  # the process's peak resident memory (its ru_maxrss)
    memory_pressure: tuple[int, int] | None = None  # (bytes used, headroom) when killed
    processes: int = 0  # descendants when killed for a timeout, if a flood of them
    sandboxed: bool = False
    report: dict | None = None
    broken: dict | None = None
    output: str = ""


@dataclass
class RunOutcome:
    """Everything known about one job after all its attempts."""

    job: Job
    attempts: list[Attempt] = field(default_factory=list)
    culprits: list[Culprit] = field(default_factory=list)

    @property
    def last(self) -> Attempt:
        return self.attempts[-1]

    @property
    def wall(self) -> float:
        return sum(a.wall for a in self.attempts)


def imports_of(paths: Iterable[Path]) -> list[str]:
    """The absolute imports of some test files, in order of appearance."""
    names: list[str] = []
    for path in paths:
        try:
            tree = ast.parse(path.read_bytes())
        except (OSError, SyntaxError, ValueError):
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
    return list(dict.fromkeys(names))


def preload(test_files: Iterable[Path] = ()) -> None:
    """Import what children will need, so forking gives them a warm start.

    Besides pytest and its plugins, that is every library the test files
    import. The parent never has a kata folder on its path, so a kata's own
    module is not found here and is left for the child.
    """
    modules = [*PRELOAD, *imports_of(test_files)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in modules:
            with contextlib.suppress(ImportError, ValueError):
                if importlib.util.find_spec(name.partition(".")[0]) is not None:
                    importlib.import_module(name)


def excerpt(path: Path, limit: int = 4000) -> str:
    """The start and the end of a possibly huge output file."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return ""
    with path.open("rb") as f:
        if size <= limit:
            return f.read().decode("utf-8", "replace")
        head = f.read(limit // 2).decode("utf-8", "replace")
        f.seek(size - limit // 2)
        tail = f.read().decode("utf-8", "replace")
    skipped = size - limit
    return f"{head}\n[… {skipped:,} bytes of output left out …]\n{tail}"


class _Process:
    """A running child in its own process group: forked where possible, spawned otherwise."""

    def __init__(self, pid: int, popen: subprocess.Popen[bytes] | None = None) -> None:
        self.pid = pid
        self.popen = popen
        self.max_rss_kb = 0
        self.cpu = 0.0  # CPU seconds, once reaped
        self.reaped = False

    @classmethod
    def fork(cls, target: Callable[[], None]) -> _Process:
        """Fork a child that runs ``target``, which must end it with ``os._exit``."""
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            target()
        return cls(pid)

    @classmethod
    def start(cls, job: Job, sandbox: Sandbox | None = None) -> _Process:
        """A worker process for ``job`` (see grader.core.worker), in ``sandbox`` when given."""
        if sandbox is not None:
            popen = sandbox.popen(job)
            return cls(popen.pid, popen)
        if hasattr(os, "fork"):
            return cls.fork(lambda: child_main(job))
        spec = Path(job.scratch) / "job.json"  # pragma: no cover - Windows
        spec.write_text(job.to_json(), encoding="utf-8")
        popen = subprocess.Popen(
            [sys.executable, "-m", "grader", "worker", str(spec)],
            cwd=job.scratch,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return cls(popen.pid, popen)

    def poll(self) -> tuple[int | None, int | None] | None:
        """``(returncode, signal)`` once the child has ended, else ``None``."""
        if self.popen is not None and not hasattr(os, "wait4"):  # pragma: no cover - Windows
            code = self.popen.poll()
            return None if code is None else (code, None)
        pid, status, usage = os.wait4(self.pid, os.WNOHANG)
        if pid == 0:
            return None
        self.reaped = True
        if self.popen is not None:
            self.popen.returncode = 0  # reaped here: Popen must not wait for it again
        self.max_rss_kb = usage.ru_maxrss
        self.cpu = usage.ru_utime + usage.ru_stime
        if os.WIFSIGNALED(status):
            return None, os.WTERMSIG(status)
        return os.waitstatus_to_exitcode(status), None

    def kill_group(self) -> None:
        """End the child and everything it started, whatever session or group they are in."""
        kill_group(self.pid, reaped=self.reaped)
        if not hasattr(os, "killpg") and self.popen is not None:  # pragma: no cover - Windows
            self.popen.kill()


class _Watch:
    """Follows one child's progress log."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.collected: list[str] = []
        self.metadata: dict[str, dict] = {}
        self.running: str | None = None
        self.running_since = 0.0
        self.memory: tuple[int, int] | None = None  # the worker's (baseline, headroom) bytes
        self._cpu_at_start: float | None = None  # CPU seconds when the running test started
        self._cpu_checked = 0.0
        self._tree_checked = -TREE_POLL_SECONDS
        self._tree: tuple[int, ...] = ()  # the child's descendants, last found
        self.cpu = 0.0  # the child's CPU seconds, last read

    def sample_cpu(self, pid: int) -> float:
        """CPU seconds of the child and what it started (in the sandbox, bwrap's tree),
        read from ``/proc`` at most every :data:`CPU_POLL_SECONDS`."""
        now = time.monotonic()
        if now - self._cpu_checked >= CPU_POLL_SECONDS:
            self._cpu_checked = now
            if now - self._tree_checked >= TREE_POLL_SECONDS:
                self._tree_checked = now
                self._tree = tuple(descendants(pid))
            self.cpu = sum(cpu_seconds(p) for p in (pid, *self._tree))
        return self.cpu

    def over_time(self, pid: int, time_limit: float, grace: float) -> bool:
        """Whether the running test is past its limits: CPU time, or the wall-clock backstop.

        The child stops a test at ``time_limit`` of CPU time itself; this is for
        code that holds the GIL, which nothing inside the process can stop.
        """
        if time.monotonic() - self.running_since > time_limit * (WALL_FACTOR + 0.5) + grace:
            return True
        cpu = self.sample_cpu(pid)
        if self._cpu_at_start is None:
            self._cpu_at_start = cpu
        return cpu - self._cpu_at_start > time_limit * 1.5 + grace

    def read(self) -> None:
        try:
            with self.path.open("rb") as f:
                f.seek(self.offset)
                chunk = f.read()
        except FileNotFoundError:
            return
        end = chunk.rfind(b"\n") + 1
        self.offset += end
        for line in chunk[:end].decode("utf-8", "replace").splitlines():
            kind, _, rest = line.partition(" ")
            if kind == "collected":
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    entry = json.loads(rest)
                    nodeid = entry.pop("nodeid")
                    self.collected.append(nodeid)
                    self.metadata[nodeid] = entry
            elif kind == "start":
                since, _, nodeid = rest.partition(" ")
                self.running, self.running_since = nodeid, float(since)
                self._cpu_at_start = None
            elif kind == "done":
                self.running = None
            elif kind == "memory":
                with contextlib.suppress(ValueError):
                    baseline, headroom = (int(n) for n in rest.split())
                    self.memory = (baseline, headroom)

    def memory_pressure(self, pid: int) -> int | None:
        """Bytes the tests of process ``pid`` (or a descendant) hold past MEMORY_PRESSURE."""
        if self.memory is None:
            return None
        baseline, headroom = self.memory
        sizes = [vm_data_bytes(p) or 0 for p in (pid, *descendants(pid))]
        used = max(sizes, default=0) - baseline
        return used if used >= MEMORY_PRESSURE * headroom else None


def _describe_death(attempt: Attempt) -> str:
    if attempt.killed_for == "test-timeout":
        return "the test ran past its time limit and had to be killed from outside"
    if attempt.killed_for == "kata-timeout":
        return "the kata ran past its wall-clock limit and was killed"
    if attempt.signal is not None:
        try:
            name = signal.Signals(attempt.signal).name
        except ValueError:
            name = ""
        return f"the process was killed by signal {attempt.signal} {name}".rstrip()
    return f"the process exited with status {attempt.returncode} during the test"


def death_verdict(attempt: Attempt, time_limit: float) -> tuple[TestOutcome, str]:
    """Why the process died during a test, named by cause.

    A process that dies of a timeout's exception timed out, whatever the last
    straw was (raised inside pytest's own code, it ends pytest with an
    internal error, exit status 3).
    """
    timed_out = attempt.running_for >= time_limit and "Timeout (>" in attempt.output
    if attempt.processes:
        limit = f"; the sandbox allows {SANDBOX_PROCESSES}" if attempt.sandboxed else ""
        return TestOutcome.PROCESS_LIMIT, (
            f"process limit: the test had started {attempt.processes} processes when it ran "
            f"past its time limit (a fork bomb{limit}, where fork() fails with 'Resource "
            "temporarily unavailable'); they were all ended"
            if attempt.sandboxed
            else f"process limit: the test had started {attempt.processes} processes when it "
            "ran past its time limit (a fork bomb); they were all ended"
        )
    if attempt.memory_pressure is not None:
        used, headroom = attempt.memory_pressure
        kata_wide = attempt.killed_for == "kata-timeout"
        limit = "the kata's wall-clock limit" if kata_wide else "its time limit"
        return TestOutcome.MEMORY, (
            f"the test had taken {used / 2**20:,.0f} MB of the kata's {headroom / 2**20:,.0f} MB "
            f"(memory_mb) when it ran past {limit}: memory that grows without bound"
        )
    if attempt.killed_for in ("test-timeout", "kata-timeout") or (
        attempt.killed_for is None and timed_out
    ):
        detail = _describe_death(attempt)
        if attempt.killed_for is None:
            detail = (
                f"the test ran past its time limit ({time_limit:g} s) and its process ended "
                f"({detail.removeprefix('the process ').removesuffix(' during the test')})"
            )
        return TestOutcome.TIMEOUT, detail
    if "MemoryError" in attempt.output:
        return TestOutcome.MEMORY, "the process ran out of memory (the kata's memory_mb)"
    if attempt.signal == getattr(signal, "SIGXFSZ", None) or "File too large" in attempt.output:
        return TestOutcome.OUTPUT_LIMIT, (
            f"output limit: the test wrote more than {OUTPUT_LIMIT_BYTES // 2**20} MB "
            "to stdout or stderr, the most the grader keeps, and was stopped"
        )
    return TestOutcome.CRASHED, _describe_death(attempt)


class Runner:
    """Runs jobs in parallel isolated processes; see the module docstring."""

    def __init__(
        self,
        workers: int | None = None,
        grace: float = 1.0,
        on_progress: Callable[[int, int], None] | None = None,
        on_start: Callable[[str], None] | None = None,
        sandbox: Sandbox | None = None,
    ) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.grace = grace
        self.sandbox = sandbox
        self.interrupted = False
        self.on_progress = on_progress  # called with (jobs finished, jobs in all)
        self.on_start = on_start  # called with a job's slug when its process starts

    def run(self, jobs: Sequence[Job], kata_timeouts: Sequence[float]) -> list[RunOutcome]:
        """Run every job; the outcomes are in the order of ``jobs``.

        A job without a scratch folder gets a private temporary one when it
        starts (its outcome's job names it), removed once every job is done:
        the outcomes hold what the runs wrote there.

        On Ctrl-C, running children are killed, unfinished jobs are returned
        with ``killed_for="interrupted"``, and :attr:`interrupted` is set.
        """
        set_subreaper()
        made: list[Path] = []
        try:
            return self._run(jobs, kata_timeouts, made)
        finally:
            self._sweep_orphans(set())
            for path in made:
                remove_scratch(path)

    @staticmethod
    def _sweep_orphans(live: set[int]) -> None:
        """End processes re-parented to the runner: left by a child that died abruptly."""
        if not os.path.isdir("/proc/self"):
            return
        me = os.getpid()
        for pid, parent in parents().items():
            if parent != me or pid in live:
                continue
            with contextlib.suppress(OSError):
                end_descendants(pid)
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, 0)

    def _run(
        self, jobs: Sequence[Job], kata_timeouts: Sequence[float], made: list[Path]
    ) -> list[RunOutcome]:
        outcomes = [RunOutcome(job) for job in jobs]
        deadlines = list(kata_timeouts)
        pending = list(range(len(jobs)))
        running: dict[int, tuple[_Process, _Watch, float]] = {}
        budget_used = [0.0] * len(jobs)
        cpu_used = [0.0] * len(jobs)
        finished = 0
        try:
            while pending or running:
                while pending and len(running) < self.workers:
                    index = pending.pop(0)
                    job = outcomes[index].job
                    if not job.scratch:
                        made.append(make_scratch(job.slug))
                        job = outcomes[index].job = replace(job, scratch=str(made[-1]))
                    self._reset_scratch(job)
                    proc = _Process.start(job, self.sandbox)
                    if self.on_start:
                        self.on_start(job.slug)
                    running[index] = (proc, _Watch(job.progress_path), time.monotonic())
                for index, (proc, watch, started) in list(running.items()):
                    job = outcomes[index].job
                    ended = proc.poll()
                    killed_for = None
                    pressure = None
                    flood = 0
                    if ended is None:
                        watch.read()
                        now = time.monotonic()
                        if watch.running and watch.over_time(proc.pid, job.time_limit, self.grace):
                            killed_for = "test-timeout"
                            pressure = watch.memory_pressure(proc.pid)
                            flood = len(descendants(proc.pid))
                        elif self._over_budget(
                            now - started + budget_used[index],
                            watch.sample_cpu(proc.pid) + cpu_used[index],
                            deadlines[index],
                        ):
                            killed_for = "kata-timeout"
                            if watch.running:  # a test filling its memory may hit this first
                                pressure = watch.memory_pressure(proc.pid)
                        else:
                            continue
                        proc.kill_group()
                        while (ended := proc.poll()) is None:
                            time.sleep(POLL_SECONDS)
                    proc.kill_group()  # stray children of a finished kata, too
                    del running[index]
                    self._sweep_orphans({p.pid for p, _, _ in running.values()})
                    watch.read()
                    attempt = self._finish(job, ended, watch, killed_for, started)
                    attempt.max_rss_kb = proc.max_rss_kb
                    attempt.sandboxed = self.sandbox is not None
                    if flood >= PROCESS_FLOOD:
                        attempt.processes = flood
                    if pressure is not None and watch.memory is not None:
                        attempt.memory_pressure = (pressure, watch.memory[1])
                    budget_used[index] += attempt.wall
                    cpu_used[index] += max(watch.cpu, proc.cpu)
                    outcome = outcomes[index]
                    outcome.attempts.append(attempt)
                    retry = self._retry(
                        outcome,
                        not self._over_budget(
                            budget_used[index], cpu_used[index], deadlines[index]
                        ),
                    )
                    if retry is not None:
                        outcome.job = retry
                        pending.insert(0, index)
                    elif self.on_progress:
                        finished += 1
                        self.on_progress(finished, len(jobs))
                if running:
                    time.sleep(POLL_SECONDS)
        except KeyboardInterrupt:
            self.interrupted = True
            for index, (proc, watch, started) in running.items():
                proc.kill_group()
                with contextlib.suppress(ChildProcessError):
                    while proc.poll() is None:
                        time.sleep(POLL_SECONDS)
                watch.read()
                job = outcomes[index].job
                outcomes[index].attempts.append(
                    self._finish(job, (None, signal.SIGKILL), watch, "interrupted", started)
                )
            for index in pending:
                outcomes[index].attempts.append(Attempt(killed_for="interrupted"))
        return outcomes

    @staticmethod
    def _over_budget(wall: float, cpu: float, kata_timeout: float) -> bool:
        """A kata's budget is ``kata_timeout`` seconds of CPU time, and WALL_FACTOR times that
        of wall-clock time (for code that waits): the same verdict on a busy machine."""
        return cpu > kata_timeout or wall > kata_timeout * WALL_FACTOR

    @staticmethod
    def _reset_scratch(job: Job) -> None:
        for path in (job.report_path, job.progress_path, job.broken_path):
            path.unlink(missing_ok=True)

    @staticmethod
    def _finish(
        job: Job,
        ended: tuple[int | None, int | None],
        watch: _Watch,
        killed_for: str | None,
        started: float,
    ) -> Attempt:
        returncode, sig = ended
        broken = read_json_object(job.broken_path) if returncode == EXIT_BROKEN else None
        now = time.monotonic()
        return Attempt(
            returncode=returncode,
            signal=sig,
            killed_for=killed_for,
            wall=now - started,
            collected=list(watch.collected),
            metadata=dict(watch.metadata),
            running=watch.running,
            running_for=now - watch.running_since if watch.running else 0.0,
            report=read_json_object(job.report_path),
            broken=broken,
            output=excerpt(job.output_path),
        )

    def _retry(self, outcome: RunOutcome, budget_left: bool) -> Job | None:
        """A job without the test that killed the last attempt, if worth running."""
        attempt = outcome.last
        if attempt.running is None or attempt.killed_for == "interrupted":
            return None
        verdict, detail = death_verdict(attempt, outcome.job.time_limit)
        outcome.culprits.append(Culprit(attempt.running, verdict, detail))
        if outcome.job.exitfirst or not budget_left or len(outcome.attempts) > MAX_RETRIES:
            return None
        deselect = (*outcome.job.deselect, attempt.running)
        remaining = [n for n in attempt.collected if n not in deselect]
        if not remaining:
            return None
        return replace(outcome.job, deselect=deselect)


def run_isolated(
    target: Callable[[], None], timeout: float, cpu_limit: float | None = None
) -> tuple[int | None, int | None, bool]:
    """Run ``target`` in a forked process group; kill the group after ``timeout`` seconds.

    With ``cpu_limit``, the group is also killed once the child and what it
    started have used that many CPU seconds (read from ``/proc``), so that
    ``timeout`` can be a wall-clock backstop that a busy machine does not reach.

    ``target`` must end the child with ``os._exit``. Returns the exit status
    (``None`` when killed by a signal), the signal, and whether it was killed
    for overrunning. Needs ``os.fork`` (Linux, macOS).
    """

    def child() -> None:  # pragma: no cover - runs in the child
        try:
            os.setsid()
            set_subreaper()  # what it starts stays below it, to be ended with it
            target()
        finally:
            os._exit(70)

    set_subreaper()
    proc = _Process.fork(child)
    deadline = time.monotonic() + timeout
    killed = False
    cpu_checked = 0.0
    try:
        while (ended := proc.poll()) is None:
            over = time.monotonic() > deadline
            if cpu_limit is not None and not over and time.monotonic() - cpu_checked > 0.5:
                cpu_checked = time.monotonic()
                used = sum(cpu_seconds(p) for p in (proc.pid, *descendants(proc.pid)))
                over = used > cpu_limit
            if over and not killed:
                killed = True
                proc.kill_group()
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:  # the child has its own session: end it before giving up
        proc.kill_group()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(proc.pid, 0)
        raise
    proc.kill_group()  # anything it left running
    Runner._sweep_orphans(set())  # and what it left when it died (re-parented to us)
    return ended[0], ended[1], killed


def make_scratch(prefix: str) -> Path:
    """A private scratch directory for one job."""
    return Path(tempfile.mkdtemp(prefix=f"kata-{prefix}-"))


def remove_scratch(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
