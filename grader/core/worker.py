"""What runs inside one isolated grading process.

The runner forks (or, where fork is unavailable, spawns ``python -m grader
worker JOB.json``) one process per kata run. That process:

1. becomes the leader of a new process group, so the runner can kill it and
   anything it started in one go, and (on Linux) the subreaper of everything it
   starts, so a child that starts its own session or double-forks is still
   its descendant and is ended with it (:func:`end_descendants`);
2. applies the operating-system limits (memory, file size, and in the
   sandbox the number of processes);
3. sends its stdout/stderr to a file and works in a scratch directory, so
   learner code writes nothing into the repository; what is printed past
   :data:`PRINT_LIMIT_CHARS` per stream is counted and dropped, so a flood of
   output costs no time or disk and the tests go on to their real outcome;
4. imports the implementation (reporting a broken module precisely), then
   runs the kata's tests with pytest, pytest-timeout and pytest-json-report;
5. logs each test's start and outcome to a progress file as it goes, so that
   whatever kills the process, the runner knows how far it got.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import importlib
import json
import linecache
import os
import signal
import sys
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TextIO

import pytest

from grader.core.limits import OUTPUT_LIMIT_BYTES, WALL_FACTOR
from grader.kata_plugin import test_metadata

if TYPE_CHECKING:
    from grader.core.catalog import Kata

try:
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]


PRINT_LIMIT_CHARS = 64_000
"""What ``print`` (``sys.stdout`` and ``sys.stderr``) passes on per stream, per test
phase and outside tests; the rest is counted and dropped."""


SANDBOX_PROCESSES = 256
"""Most processes a sandboxed grade may run at once (``RLIMIT_NPROC``)."""

CAPTURE_LIMIT_CHARS = 4000
"""Most of one test's captured output kept in its report."""

PLUGINS = ("pytest_timeout", "pytest_jsonreport.plugin", "grader.kata_plugin")

EXIT_BROKEN = 90
"""Exit status meaning: the implementation module did not import."""


@dataclass(frozen=True)
class Job:
    """Everything a worker needs, in plain data (it may cross a process boundary)."""

    slug: str
    module: str
    test_file: str
    impl_dir: str
    scratch: str  # its working folder; "" until the runner makes one for its run
    time_limit: float
    memory_mb: int
    deselect: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    exitfirst: bool = False  # stop at the first failing test (mutation testing)
    coverage: bool = False  # record which tests run which lines (mutation testing)
    sandbox_uid: int | None = None  # in the sandbox as root: the uid the tests run as

    @classmethod
    def for_kata(
        cls, kata: Kata, impl_dir: Path, test: str | None = None, scratch: Path | None = None
    ) -> Job:
        """A job grading ``impl_dir/<module>.py`` with the kata's tests (or just ``test``).

        It works in ``scratch``, or else in a private temporary folder that the
        :class:`~grader.core.runner.Runner` makes when the job starts and removes
        when its run is over: making a job creates nothing.
        """
        return cls(
            slug=kata.slug,
            module=kata.module,
            test_file=str(kata.test_file),
            impl_dir=str(impl_dir.resolve()),
            scratch=str(scratch or ""),
            time_limit=kata.time_limit,
            memory_mb=kata.memory_mb,
            select=(f"{kata.test_file}::{test}",) if test else (),
        )

    @property
    def report_path(self) -> Path:
        return Path(self.scratch) / "report.json"

    @property
    def progress_path(self) -> Path:
        return Path(self.scratch) / "progress.log"

    @property
    def output_path(self) -> Path:
        return Path(self.scratch) / "output.log"

    @property
    def broken_path(self) -> Path:
        return Path(self.scratch) / "broken.json"

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Job:
        data = json.loads(text)
        data["deselect"] = tuple(data["deselect"])
        data["select"] = tuple(data["select"])
        data.setdefault("sandbox_uid", None)
        return cls(**data)


def clip(text: str, limit: int = CAPTURE_LIMIT_CHARS) -> str:
    """The start and end of ``text`` when it is longer than ``limit``."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[… {len(text) - limit:,} characters left out …]\n{text[-half:]}"


class LimitedStream:
    """A text stream that passes on its first ``limit`` characters and counts the rest.

    Past the limit, ``sys.<name>`` is pointed at a buffered spill file, so that
    printing goes on at the speed of C code (a flood must not turn into a
    timeout) and its size says how much was printed; the spill is then
    deleted. A spill that reaches the file-size limit makes the write fail
    with ``EFBIG``: the test is stopped for its output.
    """

    def __init__(self, stream, name: str, spill_dir: str, limit: int = PRINT_LIMIT_CHARS) -> None:
        self._stream = stream
        self._name = name
        self._spill_path = os.path.join(spill_dir, f"spill-{name}-{id(self)}.txt")
        self._spill: TextIO | None = None
        self.limit = limit
        self.written = 0

    def write(self, text: str) -> int:
        if self._spill is not None:
            return self._spill.write(text)
        room = self.limit - self.written
        self.written += len(text)
        if len(text) <= room:
            self._stream.write(text)
            return len(text)
        if room > 0:
            self._stream.write(text[:room])
        self._spill = open(  # noqa: SIM115 - closed by total()
            self._spill_path, "w", buffering=1 << 16, encoding="utf-8", errors="replace"
        )
        if getattr(sys, self._name) is self:
            setattr(sys, self._name, self._spill)
        self._spill.write(text[max(room, 0) :])
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def restore(self) -> None:
        """Point ``sys.<name>`` back at this stream (after a spill)."""
        if self._spill is not None and getattr(sys, self._name) is self._spill:
            setattr(sys, self._name, self)

    def total(self) -> int:
        """Characters written in all (passed on and spilled); ends the spill."""
        if self._spill is None:
            return self.written
        with contextlib.suppress(OSError):
            self._spill.flush()
        size = 0
        with contextlib.suppress(OSError):
            size = os.path.getsize(self._spill_path)
        with contextlib.suppress(OSError):
            self._spill.close()
        with contextlib.suppress(OSError):
            os.unlink(self._spill_path)
        self._spill = None
        return self.limit + size

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def dropped_note(name: str, written: int, limit: int = PRINT_LIMIT_CHARS) -> str:
    """The line that says how much of a stream's output was dropped."""
    return (
        f"[output limit: {written:,} characters printed to {name}; the grader kept the "
        f"first {limit:,} and dropped the rest]"
    )


class ProgressLog:
    """pytest plugin: one line per event, flushed, in the progress file.

    Lines are ``memory <baseline bytes> <headroom bytes>`` (first, on Linux),
    ``collected <json: nodeid, spec, weight, line>``, ``start <monotonic> <nodeid>`` and
    ``done <nodeid>``; a nodeid runs to the end of its line.
    """

    def __init__(self, path: Path, time_limit: float | None = None) -> None:
        self._file = path.open("a", buffering=1, encoding="utf-8")
        self._time_limit = time_limit
        self._pid = os.getpid()
        self._printed: dict[tuple[str, str], int] = {}  # (phase, stream) -> characters
        if _MEMORY:
            self._write(f"memory {_MEMORY['baseline']} {_MEMORY['headroom']}")

    def _forked_copy(self) -> None:
        """A copy of this process made by ``os.fork`` in a test ends without reporting."""
        if os.getpid() != self._pid:
            os._exit(0)

    def _write(self, line: str) -> None:
        self._file.write(line + "\n")
        self._file.flush()

    def pytest_collection_finish(self, session) -> None:
        for item in session.items:
            entry = {"nodeid": item.nodeid, **test_metadata(item)}
            self._write(f"collected {json.dumps(entry)}")

    def _cpu_timer(self, start: bool) -> None:
        """The test's CPU-time limit (see :func:`arm_cpu_limit`)."""
        if not self._time_limit or not hasattr(signal, "ITIMER_PROF"):
            return
        if start:
            arm_cpu_limit(
                self._time_limit, f"Timeout (>{self._time_limit:g}s of CPU time) from the grader."
            )
        else:
            disarm_cpu_limit()

    def _limited(self, when: str):
        """Limit ``print`` (and, from set-up to teardown, CPU time) during one test phase."""
        if when == "setup":
            self._cpu_timer(True)
        streams = {"stdout": sys.stdout, "stderr": sys.stderr}
        limited = {n: LimitedStream(s, n, os.getcwd()) for n, s in streams.items()}
        sys.stdout, sys.stderr = limited["stdout"], limited["stderr"]
        try:
            return (yield)
        finally:
            if when == "teardown":
                self._cpu_timer(False)
            self._forked_copy()
            sys.stdout, sys.stderr = streams["stdout"], streams["stderr"]
            for name, stream in limited.items():
                written = stream.total()
                if written > stream.limit:
                    self._printed[(when, name)] = written

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtest_setup(self, item):
        return (yield from self._limited("setup"))

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtest_call(self, item):
        return (yield from self._limited("call"))

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtest_teardown(self, item):
        return (yield from self._limited("teardown"))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        """Keep only an excerpt of what a test printed, so a flood stays small.

        The captured sections are clipped where every reporter reads them
        (pytest-json-report reads the item's, the terminal the report's), with
        a note of how much was printed when the limit dropped some.
        """
        self._forked_copy()
        sections = []
        for when, key, text in item._report_sections:
            written = self._printed.pop((when, key), 0)
            if written:
                text = f"{text}\n{dropped_note(key, written)}"
            sections.append((when, key, clip(text)))
        item._report_sections[:] = sections
        report = yield
        report.sections = [(title, clip(text)) for title, text in report.sections]
        if report.failed and call.excinfo is not None and "Timeout" in str(call.excinfo.value):
            used = memory_in_use()
            if used is not None:  # it ran out of time while filling its memory
                report.longrepr = (
                    f"MemoryError: the test had taken {used / 2**20:,.0f} MB of the kata's "
                    f"{_MEMORY['headroom'] / 2**20:,.0f} MB (memory_mb) when it ran past its "
                    f"time limit: memory that grows without bound\n{report.longrepr}"
                )
        return report

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self._write(f"start {time.monotonic():.6f} {nodeid}")

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        self._write(f"done {nodeid}")


MEMORY_PRESSURE = 0.25
"""Share of ``memory_mb`` in use when a test runs out of time that makes it a memory verdict:
code that allocates without bound may hit the clock before the memory limit."""

_MEMORY: dict[str, int] = {}  # "baseline" and "headroom" in bytes, once the limit is set


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process (0.0 when it cannot be read)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def vm_data_bytes(pid: int | str = "self") -> int | None:
    """A process's data segment size (Linux ``VmData``), or ``None``."""
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as f:
            for line in f:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def memory_in_use(pid: int | str = "self") -> int | None:
    """Bytes the tests took beyond the grader's own, when past :data:`MEMORY_PRESSURE`."""
    if not _MEMORY:
        return None
    data = vm_data_bytes(pid)
    if data is None:
        return None
    used = data - _MEMORY["baseline"]
    return used if used >= MEMORY_PRESSURE * _MEMORY["headroom"] else None


def memory_limit(job: Job) -> tuple[str, int]:
    """The memory rlimit and its value: the grader's own data plus the kata's ``memory_mb``.

    On Linux it is ``RLIMIT_DATA`` (heap and private writable mappings, what
    an allocation grows), measured from this process's own data size, so a
    kata's tests get ``memory_mb`` on top of what pytest and the warm imports
    already use, however large that is. Reserved but unused address space
    (thread stacks, malloc arenas) does not count, so threads do not trip it.
    Elsewhere it is ``RLIMIT_AS`` with room for the interpreter.
    """
    headroom = job.memory_mb * 1024 * 1024
    data = vm_data_bytes()
    if data is not None and hasattr(resource, "RLIMIT_DATA"):
        _MEMORY.update(baseline=data, headroom=headroom)
        return "RLIMIT_DATA", data + headroom
    return "RLIMIT_AS", headroom + 2048 * 1024 * 1024


def apply_limits(job: Job) -> None:
    if resource is None:
        return
    if hasattr(signal, "SIGXFSZ"):  # a write past the file-size limit fails instead of killing
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    kind, value = memory_limit(job)
    limits = {
        kind: value,
        "RLIMIT_FSIZE": OUTPUT_LIMIT_BYTES,
        "RLIMIT_CORE": 0,  # no core files from a learner's segmentation fault
    }
    if job.sandbox_uid is not None or os.environ.get("KATA_SANDBOX"):
        limits["RLIMIT_NPROC"] = SANDBOX_PROCESSES
    for name, value in limits.items():
        which: int | None = getattr(resource, name, None)
        if which is None:
            continue
        with contextlib.suppress(ValueError, OSError):
            _, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(which, (value, hard))


def redirect_output(job: Job) -> None:
    fd = os.open(job.output_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)

    # The process ends with os._exit, so these streams live as long as it does.
    def stream(fd: int, mode: str = "r", buffering: int = -1) -> IO[Any]:
        return open(fd, mode, buffering, encoding="utf-8", errors="replace", closefd=False)

    global _OUTER
    _OUTER = [
        LimitedStream(stream(1, "w", buffering=1), "stdout", job.scratch),
        LimitedStream(stream(2, "w", buffering=1), "stderr", job.scratch),
    ]
    sys.stdout, sys.stderr = _OUTER
    sys.stdin = stream(0)


_OUTER: list[LimitedStream] = []
"""The process's own stdout and stderr, outside the tests."""


def _note_dropped_output() -> None:
    """At the end: say how much was printed outside the tests past the limit."""
    for name, stream in zip(("stdout", "stderr"), _OUTER):
        stream.restore()
        written = stream.total()
        if written > stream.limit:
            os.write(2, ("\n" + dropped_note(name, written, stream.limit) + "\n").encode())


def _broken(job: Job, detail: str, line: int | None, cause: str | None = None) -> None:
    """Record why the module under test does not import, and end the process."""
    record = {"error": detail, "file": f"{job.module}.py", "line": line, "cause": cause}
    job.broken_path.write_text(json.dumps(record), encoding="utf-8")
    os._exit(EXIT_BROKEN)


IMPORT_LIMIT_SECONDS = 5.0
"""Longest an import of the module under test may take (or 5 test time limits, if more)."""


class _ImportHang(BaseException):
    """Raised by the alarm when importing the module under test takes too long."""


def _on_alarm(signum: int, frame: object) -> None:
    raise _ImportHang


def _import_implementation(job: Job) -> None:
    """Import the module under test; on failure (or a hang) record where and exit."""
    impl = Path(job.impl_dir) / f"{job.module}.py"
    if not impl.is_file():
        _broken(job, f"FileNotFoundError: {job.module}.py is missing", None)
    limit = max(IMPORT_LIMIT_SECONDS, 5 * job.time_limit)
    alarm = hasattr(signal, "setitimer")
    if alarm:
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        importlib.import_module(job.module)
    except _ImportHang as exc:
        real = os.path.realpath(impl)
        frames = [
            f
            for f in traceback.extract_tb(exc.__traceback__)
            if os.path.realpath(f.filename) == real
        ]
        line = frames[-1].lineno if frames else None
        detail = f"importing {job.module}.py did not finish within {limit:g} s"
        if line is not None:
            source = linecache.getline(real, line).strip()
            detail += f"; it was running line {line}: {source}"
        _broken(job, detail, line)
    except BaseException as exc:
        line = getattr(exc, "lineno", None) if isinstance(exc, SyntaxError) else None
        if line is None:
            real = os.path.realpath(impl)
            frames = [
                f
                for f in traceback.extract_tb(exc.__traceback__)
                if os.path.realpath(f.filename) == real
            ]
            line = frames[-1].lineno if frames else None
        cause = "output limit" if getattr(exc, "errno", None) == errno.EFBIG else None
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        _broken(job, detail, line, cause)
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)


GRADER_DIR = Path(__file__).resolve().parents[1]
"""The grader package (``grader/``): its pytest.ini and sentinel tests."""
SENTINEL = GRADER_DIR / "sentinel" / "test_sentinel.py"
"""Tests with known outcomes, run beside every kata's (see grader.core.integrity)."""


def grader_pytest_options(test_file: str | Path) -> list[str]:
    """The options every grader pytest run shares: its own ini file and plugins, no conftest,
    no cache, and the repository (``katas/<slug>/test_x.py``'s grandparent) as the root."""
    args = [
        "-c",
        str(GRADER_DIR / "pytest.ini"),
        "--rootdir",
        str(Path(test_file).parent.parent.parent),
        "--import-mode=importlib",
        "--noconftest",
        "-p",
        "no:cacheprovider",
        "-q",
    ]
    for plugin in PLUGINS:
        args += ["-p", plugin]
    return args


def pytest_args(job: Job) -> list[str]:
    """The pytest command line for a job."""
    args = [
        *(job.select or (job.test_file,)),
        str(SENTINEL),
        *grader_pytest_options(job.test_file),
        "--tb=short",
        "-rN",
        f"--timeout={job.time_limit * WALL_FACTOR:g}",
        "--timeout-method=signal" if hasattr(os, "fork") else "--timeout-method=thread",
        "--json-report",
        f"--json-report-file={job.report_path}",
        "--json-report-omit",
        "collectors",
        "log",
        "keywords",
        "warnings",
    ]
    for nodeid in job.deselect:
        args += ["--deselect", nodeid]
    if job.exitfirst:
        args.append("--exitfirst")
    return args


def set_subreaper() -> bool:
    """Become the reaper of orphaned descendants (Linux ``PR_SET_CHILD_SUBREAPER``)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def parents() -> dict[int, int]:
    """Every process's parent, read from ``/proc``."""
    parents = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        with contextlib.suppress(IndexError, ValueError):
            parents[int(name)] = int(fields[1])
    return parents


def descendants(pid: int) -> list[int]:
    """The processes below ``pid``, read from ``/proc`` (empty where there is none)."""
    if not os.path.isdir("/proc/self"):
        return []
    children: dict[int, list[int]] = {}
    for child, parent in parents().items():
        children.setdefault(parent, []).append(child)
    found, todo = [], list(children.get(pid, []))
    while todo:
        p = todo.pop()
        found.append(p)
        todo += children.get(p, [])
    return found


def end_descendants(pid: int, rounds: int = 50) -> int:
    """Kill every descendant of ``pid`` until none is left; returns how many were killed.

    ``pid`` must be a subreaper (or this process), so that a descendant whose
    parent is killed is re-parented to it and found in the next round: one
    that forks as it is being killed cannot slip away.
    """
    killed = 0
    for _ in range(rounds):
        found = descendants(pid)
        if not found:
            break
        for p in found:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(p, signal.SIGKILL)
                killed += 1
        if pid == os.getpid():
            with contextlib.suppress(ChildProcessError):
                while os.waitpid(-1, os.WNOHANG)[0] > 0:
                    pass
        time.sleep(0.001)
    return killed


def kill_group(pid: int, *, reaped: bool = False) -> None:
    """End a child that leads its own session and everything it started, in whatever session
    or group they are. Once the child is ``reaped`` its number may be another process's: only
    its group is killed then (a group outlives its leader)."""
    if not reaped:
        with contextlib.suppress(OSError):
            end_descendants(pid)
    if hasattr(os, "killpg"):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)


def arm_cpu_limit(seconds: float, message: str) -> None:
    """Fail the running test with ``message`` once this process has used ``seconds`` of CPU
    time (``ITIMER_PROF``: every thread, user and system); :func:`disarm_cpu_limit` ends it.

    A limit in CPU time gives the same verdict on an idle machine and on one
    whose other cores (or this one) are busy; a test that waits without using
    the CPU meets the wall-clock limit, ``WALL_FACTOR`` times longer. The
    traceback of the failure names the line the test had reached.
    """

    def timeout(signum: int, frame: object) -> None:
        disarm_cpu_limit()
        pytest.fail(message)

    signal.signal(signal.SIGPROF, timeout)
    signal.setitimer(signal.ITIMER_PROF, seconds)


def disarm_cpu_limit() -> None:
    signal.setitimer(signal.ITIMER_PROF, 0)


def drop_privileges(uid: int) -> None:
    """In the sandbox as root: run the tests as ``uid``, which owns only the scratch folder."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def run(job: Job) -> int:
    """Run one job in this (already isolated) process and return pytest's exit code."""
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    os.environ.setdefault("PYTHONHASHSEED", "0")
    if job.sandbox_uid is not None and os.getuid() == 0:
        drop_privileges(job.sandbox_uid)
    apply_limits(job)
    redirect_output(job)
    os.chdir(job.scratch)
    sys.path.insert(0, job.impl_dir)
    sys.argv = ["pytest"]
    coverage = None
    if job.coverage:
        from grader.core.coverage import LineCoverage

        coverage = LineCoverage(job)  # started before the import: its lines count too
    _import_implementation(job)

    plugins: list[object] = [ProgressLog(job.progress_path, job.time_limit)]
    if coverage is not None:
        plugins.append(coverage)
    code = int(pytest.main(pytest_args(job), plugins=plugins))
    if coverage is not None:
        coverage.save()
    return code


def child_main(job: Job) -> None:
    """Entry point in a freshly forked or spawned process; never returns."""
    code = 70
    try:
        if hasattr(os, "setsid"):
            with contextlib.suppress(PermissionError):  # already a session leader (sandbox)
                os.setsid()
        set_subreaper()
        code = run(job)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
        code = 70
    finally:
        try:
            _note_dropped_output()
            sys.stdout.flush()
            sys.stderr.flush()
            end_descendants(os.getpid())
        finally:
            os._exit(code)
