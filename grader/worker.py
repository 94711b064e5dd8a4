"""What runs inside one isolated grading process.

The runner forks (or, where fork is unavailable, spawns ``python -m grader
worker JOB.json``) one process per kata run. That process:

1. becomes the leader of a new process group, so the runner can kill it and
   anything it started in one go;
2. applies the operating-system limits (address space, file size);
3. sends its stdout/stderr to a file and works in a scratch directory, so
   learner code writes nothing into the repository;
4. imports the implementation (reporting a broken module precisely), then
   runs the kata's tests with pytest, pytest-timeout and pytest-json-report;
5. logs each test's start and outcome to a progress file as it goes, so that
   whatever kills the process, the runner knows how far it got.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import linecache
import os
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from grader.kata_plugin import test_metadata

if TYPE_CHECKING:
    from grader.catalog import Kata

try:
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

OUTPUT_LIMIT_BYTES = 32 * 1024 * 1024
"""Largest file the process may write: a flood of output ends the run."""

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
    scratch: str
    time_limit: float
    memory_mb: int
    deselect: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    exitfirst: bool = False  # stop at the first failing test (mutation testing)
    coverage: bool = False  # record which tests run which lines (mutation testing)

    @classmethod
    def for_kata(
        cls, kata: Kata, impl_dir: Path, test: str | None = None, scratch: Path | None = None
    ) -> Job:
        """A job grading ``impl_dir/<module>.py`` with the kata's tests (or just ``test``).

        It works in ``scratch``, or in a new private temporary folder.
        """
        return cls(
            slug=kata.slug,
            module=kata.module,
            test_file=str(kata.test_file),
            impl_dir=str(impl_dir.resolve()),
            scratch=str(scratch or tempfile.mkdtemp(prefix=f"kata-{kata.slug}-")),
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
        return cls(**data)


def clip(text: str, limit: int = CAPTURE_LIMIT_CHARS) -> str:
    """The start and end of ``text`` when it is longer than ``limit``."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[… {len(text) - limit:,} characters left out …]\n{text[-half:]}"


class ProgressLog:
    """pytest plugin: one line per event, flushed, in the progress file.

    Lines are ``collected <json: nodeid, spec, weight, line>``, ``start <monotonic> <nodeid>`` and
    ``done <nodeid>``; a nodeid runs to the end of its line.
    """

    def __init__(self, path: Path) -> None:
        self._file = path.open("a", buffering=1, encoding="utf-8")

    def _write(self, line: str) -> None:
        self._file.write(line + "\n")
        self._file.flush()

    def pytest_collection_finish(self, session) -> None:
        for item in session.items:
            entry = {"nodeid": item.nodeid, **test_metadata(item)}
            self._write(f"collected {json.dumps(entry)}")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        """Keep only an excerpt of what a test printed, so a flood stays small."""
        report = yield
        report.sections = [(title, clip(text)) for title, text in report.sections]
        return report

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self._write(f"start {time.monotonic():.6f} {nodeid}")

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        self._write(f"done {nodeid}")


def apply_limits(job: Job) -> None:
    if resource is None:
        return
    limits = {
        "RLIMIT_AS": job.memory_mb * 1024 * 1024,
        "RLIMIT_FSIZE": OUTPUT_LIMIT_BYTES,
        "RLIMIT_CORE": 0,  # no core files from a learner's segmentation fault
    }
    for name, value in limits.items():
        kind = getattr(resource, name, None)
        if kind is None:
            continue
        with contextlib.suppress(ValueError, OSError):
            _, hard = resource.getrlimit(kind)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(kind, (value, hard))


def redirect_output(job: Job) -> None:
    fd = os.open(job.output_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    # The process ends with os._exit, so these streams live as long as it does.
    text = {"encoding": "utf-8", "errors": "replace", "closefd": False}
    sys.stdout = open(1, "w", buffering=1, **text)  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, **text)  # noqa: SIM115
    sys.stdin = open(0, **text)  # noqa: SIM115


def _broken(job: Job, detail: str, line: int | None) -> None:
    """Record why the module under test does not import, and end the process."""
    record = {"error": detail, "file": f"{job.module}.py", "line": line}
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
        _broken(job, "".join(traceback.format_exception_only(type(exc), exc)).strip(), line)
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)


SENTINEL = Path(__file__).parent / "sentinel" / "test_sentinel.py"
"""Tests with known outcomes, run beside every kata's (see grader.integrity)."""


def pytest_args(job: Job) -> list[str]:
    """The pytest command line for a job."""
    here = Path(__file__).parent
    args = [
        *(job.select or (job.test_file,)),
        str(SENTINEL),
        "-c",
        str(here / "pytest.ini"),
        "--rootdir",
        str(Path(job.test_file).parent.parent.parent),
        "--import-mode=importlib",
        "--noconftest",
        "-p",
        "no:cacheprovider",
        "-q",
        "--tb=short",
        "-rN",
        f"--timeout={job.time_limit}",
        "--timeout-method=signal" if hasattr(os, "fork") else "--timeout-method=thread",
        "--json-report",
        f"--json-report-file={job.report_path}",
        "--json-report-omit",
        "collectors",
        "log",
        "keywords",
        "warnings",
    ]
    for plugin in PLUGINS:
        args += ["-p", plugin]
    for nodeid in job.deselect:
        args += ["--deselect", nodeid]
    if job.exitfirst:
        args.append("--exitfirst")
    return args


def run(job: Job) -> int:
    """Run one job in this (already isolated) process and return pytest's exit code."""
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    os.environ.setdefault("PYTHONHASHSEED", "0")
    apply_limits(job)
    redirect_output(job)
    os.chdir(job.scratch)
    sys.path.insert(0, job.impl_dir)
    sys.argv = ["pytest"]
    plugins: list[object] = [ProgressLog(job.progress_path)]
    if job.coverage:
        from grader.mutation import LineCoverage

        plugins.append(LineCoverage(job))
    _import_implementation(job)

    args = pytest_args(job)
    code = int(pytest.main(args, plugins=plugins))
    for plugin in plugins[1:]:
        plugin.save()  # type: ignore[attr-defined]
    return code


def child_main(job: Job) -> None:
    """Entry point in a freshly forked or spawned process; never returns."""
    code = 70
    try:
        if hasattr(os, "setsid"):
            os.setsid()
        code = run(job)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
        code = 70
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
