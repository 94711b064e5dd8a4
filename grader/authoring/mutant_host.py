"""Run a kata's mutants fast: configure and collect once, then fork once per mutant.

Starting pytest (configuration, plugins, collecting the test file) costs a few
tenths of a second of CPU, more than most mutants' tests take before one fails.
So each of ``workers`` *host* processes starts pytest once, collects the kata's
tests with the reference imported, and then, for every mutant it is handed:

1. writes the mutant's source where the reference was (tests that start
   another Python process import it from there);
2. forks a child, which executes the mutant as the kata's module, executes the
   test module again in its own namespace (so its ``from <kata> import …``
   names are the mutant's, and every collected test, fixture and test class,
   whose globals are that namespace, sees them), and runs the mutant's tests,
   quickest first, stopping at the first failure;
3. watches the child: each test has its CPU-time limit (``ITIMER_PROF`` in the
   child) and ``WALL_FACTOR`` times that of wall-clock time; a child past it is
   killed with everything it started.

The child reports each test's start and the verdict over a pipe. What a mutant
prints goes nowhere. Mutants are the reference's near copies, not hostile code:
this runner does not sandbox them, the grader's runner does that for learners.
"""

from __future__ import annotations

import contextlib
import importlib.util
import multiprocessing
import os
import queue
import select
import sys
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from grader.core.catalog import Kata
from grader.core.limits import WALL_FACTOR
from grader.core.worker import (
    Job,
    apply_limits,
    arm_cpu_limit,
    disarm_cpu_limit,
    grader_pytest_options,
    kill_group,
)

START = b"\x01"
"""What the child sends when a test starts; its other messages are lines of text."""

TIMEOUT = "the mutant's test ran past its CPU-time limit"
"""How the child fails a test that runs out of CPU time (and how the host recognises it)."""

GRACE_SECONDS = 1.0
"""Added to a test's wall-clock limit before the host kills the child (start-up, scheduling)."""


@dataclass(frozen=True)
class MutantRun:
    """One mutant to run: its module's source and which tests, under which limit."""

    code: str
    tests: tuple[str, ...] | None  # test names (nodeid after the file), in order; None: all
    time_limit: float  # CPU seconds per test


@dataclass(frozen=True)
class MutantResult:
    """How a mutant's run ended."""

    killed: bool
    timed_out: bool = False
    detail: str = ""  # the failing test, or what went wrong


class HostError(Exception):
    """A host could not start: the reference's tests did not collect, or a host died."""


def run_mutants(
    kata: Kata,
    runs: Sequence[MutantRun],
    folder: Path,
    workers: int,
    on_done: Callable[[int, int], None] | None = None,
    durations: dict[str, float] | None = None,
) -> list[MutantResult]:
    """Each run's result, in order, from ``workers`` hosts working in ``folder``.

    The runs are handed out as hosts become free, each with its tests reordered:
    those that killed the most mutants so far per second of their ``durations``
    (the reference's) first, the others in the order given. Most mutants then
    meet a test that kills them first.
    """
    if not runs:
        return []
    context = multiprocessing.get_context("fork")
    tasks: Any = context.Queue()
    results: Any = context.Queue()
    workers = max(1, min(workers, len(runs)))
    kills: Counter[str] = Counter()
    pending = deque(enumerate(runs))

    def hand_out() -> None:
        if pending:
            index, run = pending.popleft()
            tasks.put((index, _by_kill_rate(run, kills, durations or {})))
            if not pending:
                for _ in range(workers):
                    tasks.put(None)

    for _ in range(2 * workers):
        hand_out()
    hosts = []
    for number in range(workers):
        host_dir = folder / f"host{number}"
        host_dir.mkdir(parents=True)
        process = context.Process(target=_host, args=(kata, host_dir, tasks, results))
        process.start()
        hosts.append(process)
    done: dict[int, MutantResult] = {}
    try:
        while len(done) < len(runs):
            try:
                message = results.get(timeout=1.0)
            except queue.Empty:
                if any(h.is_alive() for h in hosts):
                    continue
                try:  # the hosts have ended: what they sent last may still be arriving
                    message = results.get(timeout=1.0)
                except queue.Empty:
                    break
            if message[0] == "error":
                raise HostError(message[1])
            index, result = message
            done[index] = result
            if result.killed and "::" in result.detail:
                kills[result.detail.partition("::")[2]] += 1
            hand_out()
            if on_done:
                on_done(len(done), len(runs))
    finally:
        for host in hosts:
            if host.is_alive():
                host.kill()
            host.join()
    if len(done) < len(runs):
        raise HostError(f"the mutants' hosts ended with {len(runs) - len(done)} mutants not run")
    return [done[i] for i in range(len(runs))]


def _by_kill_rate(run: MutantRun, kills: Counter[str], durations: dict[str, float]) -> MutantRun:
    """``run`` with the tests that killed most mutants per second first (a stable sort)."""
    if run.tests is None or not kills:
        return run

    def rate(name: str) -> float:
        return kills[name] / (durations.get(name, 0.0) + 0.01)

    return replace(run, tests=tuple(sorted(run.tests, key=rate, reverse=True)))


class _Recorder:
    """pytest plugin in the host (and so in each child): the first failing test, and passes."""

    def __init__(self) -> None:
        self.failed: tuple[str, bool] | None = None  # (nodeid, timed out)
        self.passed = 0

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.failed is not None:
            return
        if report.failed or (report.skipped and report.when != "teardown"):
            self.failed = (report.nodeid, TIMEOUT in str(report.longrepr))
        elif report.when == "call" and report.passed:
            self.passed += 1


class _Host:
    """pytest plugin in the host: after collection, runs mutants instead of the tests."""

    def __init__(self, kata: Kata, impl: Path, tasks: Any, results: Any) -> None:
        self.kata = kata
        self.impl = impl
        self.tasks = tasks
        self.results = results
        self.recorder = _Recorder()
        self.collect_error: str | None = None
        self.looped = False  # pytest reached the test loop

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed and self.collect_error is None:
            self.collect_error = f"{report.nodeid}: {report.longrepr}"

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        self.looped = True
        if self.collect_error is not None:
            self.results.put(("error", f"the tests did not collect: {self.collect_error}"))
            return True
        items = {item.nodeid.partition("::")[2]: item for item in session.items}
        modules = list({id(m): m for m in map(_module_of, session.items)}.values())
        job = Job.for_kata(self.kata, self.impl, scratch=Path.cwd())
        while (task := self.tasks.get()) is not None:
            index, run = task
            try:
                chosen = (
                    list(items.values()) if run.tests is None else [items[n] for n in run.tests]
                )
            except KeyError as exc:
                self.results.put(("error", f"no collected test is named {exc}"))
                return True
            (self.impl / f"{self.kata.module}.py").write_text(run.code, encoding="utf-8")
            result = self._supervise(run, chosen, modules, job)
            self.results.put((index, result))
        return True

    def _supervise(
        self, run: MutantRun, chosen: list[pytest.Item], modules: list[ModuleType], job: Job
    ) -> MutantResult:
        read, write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            os.close(read)
            _child(self, run, chosen, modules, replace(job, time_limit=run.time_limit), write)
        os.close(write)
        wall_limit = run.time_limit * WALL_FACTOR + GRACE_SECONDS
        started = time.monotonic()
        messages = b""
        timed_out = False
        with os.fdopen(read, "rb", buffering=0) as pipe:
            while True:
                ready, _, _ = select.select([pipe], [], [], 0.1)
                if ready:
                    chunk = pipe.read(4096)
                    if not chunk:
                        break
                    messages += chunk
                    if START in chunk:  # a test started: its wall clock starts
                        started = time.monotonic()
                elif time.monotonic() - started > wall_limit:
                    timed_out = True
                    break
        kill_group(pid)
        _, status = os.waitpid(pid, 0)
        return _verdict(messages, status, timed_out)


def _module_of(item: pytest.Item) -> ModuleType:
    """The test module a collected test function belongs to."""
    module = item.getparent(pytest.Module)
    assert module is not None, item.nodeid
    return module.obj


def _verdict(messages: bytes, status: int, timed_out: bool) -> MutantResult:
    """What the child's messages and exit status say about the mutant."""
    if timed_out:
        return MutantResult(True, True, "past its wall-clock limit")
    lines = messages.replace(START, b"").decode("utf-8", "replace").splitlines()
    for line in lines:
        if line.startswith(("F ", "T ")):
            return MutantResult(True, line[0] == "T", line[2:])
    if "P" in lines and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        return MutantResult(False)
    if os.WIFSIGNALED(status):
        return MutantResult(True, False, f"the process died of signal {os.WTERMSIG(status)}")
    return MutantResult(
        True, False, f"the process exited with status {os.waitstatus_to_exitcode(status)}"
    )


def _child(
    host: _Host,
    run: MutantRun,
    chosen: list[pytest.Item],
    modules: list[ModuleType],
    job: Job,
    pipe: int,
) -> None:  # pragma: no cover - runs in the child
    """Run one mutant's tests in this forked process; never returns."""
    code = 70
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        apply_limits(job)
        reference = sys.modules[host.kata.module]
        mutant = _load_mutant(host.kata.module, host.impl / f"{host.kata.module}.py", run.code)
        for module in modules:  # its names bound to the mutant's objects
            module.__loader__.exec_module(module)  # type: ignore[union-attr]
        _swap_parameters(chosen, reference, mutant)

        recorder = host.recorder
        for i, item in enumerate(chosen):
            os.write(pipe, START)
            arm_cpu_limit(run.time_limit, f"{TIMEOUT} ({run.time_limit:g} s)")
            following = chosen[i + 1] if i + 1 < len(chosen) else None
            item.ihook.pytest_runtest_protocol(item=item, nextitem=following)
            disarm_cpu_limit()
            if recorder.failed is not None:
                nodeid, timed_out = recorder.failed
                os.write(pipe, f"\n{'T' if timed_out else 'F'} {nodeid}\n".encode())
                code = 1
                break
        else:
            code = 0 if recorder.passed == len(chosen) else 1
            os.write(pipe, b"\nP\n" if code == 0 else b"\nF a test neither passed nor failed\n")
    except BaseException as exc:
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        with contextlib.suppress(OSError):
            os.write(pipe, f"\nF {detail.splitlines()[-1] if detail else 'error'}\n".encode())
        code = 1
    finally:
        os._exit(code)


def _load_mutant(name: str, path: Path, code: str) -> ModuleType:
    """Execute ``code`` as module ``name`` from ``path``, compiled here (no stale bytecode)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    exec(compile(code, str(path), "exec"), module.__dict__)
    return module


def _swap_parameters(items: list[pytest.Item], reference: ModuleType, mutant: ModuleType) -> None:
    """Parameters that are the reference's classes or functions become the mutant's.

    ``parametrize("cls", [TokenBucket, …])`` was evaluated at collection, with the
    reference imported; the same names in the mutant replace them (in lists, tuples
    and dicts too).
    """
    own = {
        id(value): name
        for name, value in vars(reference).items()
        if getattr(value, "__module__", None) == reference.__name__ and hasattr(mutant, name)
    }

    def swap(value: Any) -> Any:
        if id(value) in own:
            return getattr(mutant, own[id(value)])
        if isinstance(value, (list, tuple)):
            swapped = [swap(v) for v in value]
            return type(value)(swapped) if type(value) in (list, tuple) else value
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        return value

    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None:
            for key, value in callspec.params.items():
                callspec.params[key] = swap(value)


def _host(kata: Kata, folder: Path, tasks: Any, results: Any) -> None:  # pragma: no cover
    """A host process: start pytest on the reference once, then run the mutants it is handed."""
    code = 0
    try:
        impl = folder / "impl"
        scratch = folder / "scratch"
        impl.mkdir()
        scratch.mkdir()
        (impl / f"{kata.module}.py").write_text(
            kata.reference.read_text(encoding="utf-8"), encoding="utf-8"
        )
        log = os.open(folder / "host.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        os.environ.setdefault("PYTHONHASHSEED", "0")
        # Processes the tests start import the module from impl/: never from bytecode, which
        # could be a previous mutant's (same size, same second).
        os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
        os.chdir(scratch)
        sys.path.insert(0, str(impl))
        host = _Host(kata, impl, tasks, results)
        args = [
            str(kata.test_file),
            *grader_pytest_options(kata.test_file),
            "-s",
            "-p",
            "no:randomly",
        ]
        pytest.main(args, plugins=[host, host.recorder])
        if not host.looped:
            log_text = (folder / "host.log").read_text(encoding="utf-8", errors="replace")
            results.put(("error", f"pytest ended before the mutants ran:\n{log_text[-2000:]}"))
    except BaseException:
        traceback.print_exc()
        with contextlib.suppress(Exception):
            results.put(("error", traceback.format_exc(limit=3)))
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        with contextlib.suppress(Exception):  # the queue's thread sends what is left
            results.close()
            results.join_thread()
        os._exit(code)
