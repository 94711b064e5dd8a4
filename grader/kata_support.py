"""Helpers that several katas' tests share.

Kata tests import them as ``from grader.kata_support import …``; the grader
runs every kata with this package importable.
"""

from __future__ import annotations

import _thread
import linecache
import os
import re
import sqlite3
import subprocess
import sys
import threading
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Start ``fn`` in a daemon thread; the dict gets its ``"result"`` or ``"error"``."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["result"] = fn()
        except BaseException as exc:
            out["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def run_threads(targets: Sequence[Callable[[], object]], switch_interval: float = 1e-6) -> None:
    """Run every target in its own thread at once and wait for them all.

    Threads switch as often as the interpreter allows meanwhile, so that a
    race in the code under test shows up; the first error any thread raised
    is raised again here.
    """
    errors: list[BaseException] = []

    def guarded(target: Callable[[], object]) -> None:
        try:
            target()
        except BaseException as exc:
            errors.append(exc)

    old = sys.getswitchinterval()
    sys.setswitchinterval(switch_interval)
    try:
        pool = [threading.Thread(target=guarded, args=(t,)) for t in targets]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
    finally:
        sys.setswitchinterval(old)
    if errors:
        raise errors[0]


def problem_details(response: Any, status: int, context: str = "") -> dict[str, Any]:
    """Check that an HTTP response is an RFC 9457 problem with ``status``; return its members.

    RFC 9457 §3: the media type is ``application/problem+json`` and the
    ``status`` member, when present, is the number of the response's status.
    """
    where = f" {context}" if context else ""
    assert response.status_code == status, (
        f"expected {status}{where}, got {response.status_code}: {response.text}"
    )
    content_type = response.headers.get("content-type", "")
    assert content_type.split(";")[0].strip() == "application/problem+json", (
        f"errors are RFC 9457 problem details (application/problem+json), got {content_type!r}"
    )
    problem = response.json()
    assert problem.get("status") == status and type(problem["status"]) is int, (
        f"the problem's status member must be the number {status}: {problem}"
    )
    return problem


class _NullForEveryName(dict):
    def __missing__(self, key: str) -> None:
        return None


def explain_traced(conn: sqlite3.Connection, sql: str) -> list[str]:
    """SQLite's ``EXPLAIN QUERY PLAN`` details for a statement caught by a trace callback.

    The trace callback reports statements with their parameters filled in,
    except on Python 3.10.0-3.10.3 (CPython issue 89301), where the
    placeholders remain; then they are bound to NULL, which gives the same
    plan (without ANALYZE statistics, SQLite plans without looking at values).
    """
    query = "EXPLAIN QUERY PLAN " + sql
    try:
        rows = conn.execute(query).fetchall()
    except sqlite3.ProgrammingError as exc:
        count = re.search(r"uses (\d+)", str(exc))
        params: object = [None] * int(count.group(1)) if count else _NullForEveryName()
        rows = conn.execute(query, params).fetchall()
    return [row[3] for row in rows]


GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Ada Lovelace",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada Lovelace",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}
"""A fixed identity and no system or user configuration: git answers the same anywhere."""


def git(
    repo: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    stdin: bytes = b"",
    ok: Sequence[int] = (0,),
) -> bytes:
    """Run the real ``git`` in ``repo`` and return its standard output.

    ``env`` adds to :data:`GIT_IDENTITY` (commit dates, say); an exit status
    not in ``ok`` fails the test with git's error message.
    """
    result = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=repo,
        input=stdin,
        capture_output=True,
        env={**os.environ, **GIT_IDENTITY, **(env or {})},
        check=False,
    )
    assert result.returncode in ok, f"git {' '.join(args)} failed: {result.stderr.decode()}"
    return result.stdout


# --- Thread interleavings ----------------------------------------------------------------
#
# A check-then-act race ("is the slot free? ... take it") only shows when another thread acts
# exactly between the check and the act. Running threads at once and hoping is luck; these
# helpers force every such interleaving instead. ``first`` runs traced in its own thread and
# is paused before one line of the module under test; ``second`` then runs to completion in
# another thread; ``first`` resumes. One serial run (``second`` after ``first``), then one run
# per line ``first`` executes (its "seams"). A race shows on every run, on any solution:
#
# - Lines executed while the thread holds one of the module's locks are not seams: a correct
#   solution whose check and act share one critical section is never split. The module's
#   ``threading.Lock``/``RLock``/``Condition`` (the ``threading`` global, names imported from
#   it, and lock objects in its globals or classes) are replaced by instrumented locks during
#   the run, so the harness knows when a lock is held.
# - Code with no lock at all is split between any two of its lines: the line is the seam, be
#   it a read of a clock, a store or a dict.
# - A single line is never split, so one atomic operation (``dict.setdefault``) stays atomic.
# - If ``second`` blocks (on a lock the harness cannot see, or because it waits for
#   ``first`` by design) — it makes no Python call for ``wait`` seconds — ``first`` resumes
#   and ``second`` finishes after it: that run is simply serial. A ``second`` that is slow
#   but busy (a loaded machine) is waited for.


@dataclass
class Outcome:
    """What a call did: it returned ``value``, or raised ``error``."""

    value: Any = None
    error: BaseException | None = None

    def get(self) -> Any:
        """The value returned, or the error raised again."""
        if self.error is not None:
            raise self.error
        return self.value

    @classmethod
    def of(cls, fn: Callable[[], Any]) -> Outcome:
        try:
            return cls(value=fn())
        except BaseException as exc:
            return cls(error=exc)


@dataclass(frozen=True)
class Seam:
    """A point where ``first`` was paused: before ``line`` (number ``lineno``) ran."""

    index: int
    filename: str
    lineno: int
    line: str

    def __str__(self) -> str:
        return f"{Path(self.filename).name} line {self.lineno}: {self.line}"


_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))


class _Holdings:
    """How many instrumented locks each thread holds."""

    def __init__(self) -> None:
        self._count: dict[int, int] = {}
        self._guard = _thread.allocate_lock()

    def add(self, thread: int, n: int) -> None:
        with self._guard:
            self._count[thread] = self._count.get(thread, 0) + n

    def held(self) -> bool:
        return self._count.get(threading.get_ident(), 0) > 0


class _TracedLock:
    """A ``threading.Lock`` that tells the harness who holds it."""

    def __init__(self, holdings: _Holdings, inner: Any = None) -> None:
        self._inner = inner if inner is not None else _thread.allocate_lock()
        self._holdings = holdings
        self._owner: int | None = None

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        got = self._inner.acquire(blocking, timeout)
        if got:
            self._owner = threading.get_ident()
            self._holdings.add(self._owner, 1)
        return got

    def release(self) -> None:
        owner, self._owner = self._owner, None
        self._inner.release()
        if owner is not None:
            self._holdings.add(owner, -1)

    def locked(self) -> bool:
        return self._inner.locked()

    __enter__ = acquire

    def __exit__(self, *exc: object) -> None:
        self.release()


class _TracedRLock:
    """A ``threading.RLock`` that tells the harness who holds it (``Condition`` works on it)."""

    def __init__(self, holdings: _Holdings, inner: Any = None) -> None:
        self._inner = inner if inner is not None else threading.RLock()
        self._holdings = holdings

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        got = self._inner.acquire(blocking, timeout)
        if got:
            self._holdings.add(threading.get_ident(), 1)
        return got

    def release(self) -> None:
        self._inner.release()
        self._holdings.add(threading.get_ident(), -1)

    __enter__ = acquire

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _is_owned(self) -> bool:
        return self._inner._is_owned()

    def _release_save(self) -> tuple[Any, int]:
        state = self._inner._release_save()
        depth = state[0]
        self._holdings.add(threading.get_ident(), -depth)
        return state

    def _acquire_restore(self, state: tuple[Any, int]) -> None:
        self._inner._acquire_restore(state)
        self._holdings.add(threading.get_ident(), state[0])


class _ThreadingProxy(types.ModuleType):
    """The ``threading`` module as the module under test sees it: traced locks."""

    def __init__(self, holdings: _Holdings) -> None:
        super().__init__("threading")
        self.Lock = lambda: _TracedLock(holdings)
        self.RLock = lambda *a, **k: _TracedRLock(holdings)
        self.Condition = lambda lock=None: threading.Condition(
            lock if lock is not None else _TracedRLock(holdings)
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(threading, name)


def _traced_lock(holdings: _Holdings, lock: Any) -> Any:
    if isinstance(lock, _LOCK_TYPES[0]):
        return _TracedLock(holdings, lock)
    return _TracedRLock(holdings, lock)


class _Patched:
    """Swap the module's locks for traced ones; ``restore`` puts everything back."""

    def __init__(self, module: types.ModuleType, holdings: _Holdings) -> None:
        self._undo: list[tuple[Any, str, Any]] = []
        proxy = _ThreadingProxy(holdings)
        for name, value in list(vars(module).items()):
            if value is threading:
                self._set(module, name, proxy)
            elif value is threading.Lock or value is _thread.allocate_lock:
                self._set(module, name, proxy.Lock)
            elif value is threading.RLock:
                self._set(module, name, proxy.RLock)
            elif value is threading.Condition:
                self._set(module, name, proxy.Condition)
            elif isinstance(value, _LOCK_TYPES):
                self._set(module, name, _traced_lock(holdings, value))
            elif isinstance(value, type) and value.__module__ == module.__name__:
                for attr, member in list(vars(value).items()):
                    if isinstance(member, _LOCK_TYPES):
                        self._set(value, attr, _traced_lock(holdings, member))

    def _set(self, owner: Any, name: str, value: Any) -> None:
        self._undo.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    def restore(self) -> None:
        for owner, name, value in reversed(self._undo):
            setattr(owner, name, value)


class _Run:
    """One run: ``first`` paused at seam number ``pause_at``, ``second`` in between."""

    def __init__(self, files: frozenset[str], holdings: _Holdings, pause_at: int) -> None:
        self._files = files
        self._holdings = holdings
        self._pause_at = pause_at
        self._seams = 0
        self._pausing = True  # until the pause has happened
        self.seam: Seam | None = None
        self.paused = threading.Event()
        self.resume = threading.Event()
        self.calls = 0  # Python calls made in traced threads: a sign of progress

    def stop(self) -> None:
        """No more pauses: the rest of the run is free."""
        self._pausing = False

    def trace(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        self.calls += 1
        if frame.f_code.co_filename not in self._files:
            return None
        return self._line

    def _line(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        if event != "line" or not self._pausing or self._holdings.held():
            return self._line
        index, self._seams = self._seams, self._seams + 1
        if index == self._pause_at:
            self.stop()
            line = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
            self.seam = Seam(index, frame.f_code.co_filename, frame.f_lineno, line)
            self.paused.set()
            self.resume.wait(60)
        return self._line


def _start(
    fn: Callable[[], Any], trace: Any = None, done: threading.Event | None = None
) -> tuple[threading.Thread, list[Outcome]]:
    out: list[Outcome] = []

    def run() -> None:
        if trace is not None:
            sys.settrace(trace)
        try:
            out.append(Outcome.of(fn))
        finally:
            sys.settrace(None)
            if done is not None:
                done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def _finish(thread: threading.Thread, out: list[Outcome], what: str) -> Outcome:
    thread.join(10)
    if thread.is_alive() or not out:
        raise AssertionError(f"{what} did not finish within 10 s: is it waiting forever?")
    return out[0]


def _run_once(
    module: types.ModuleType,
    files: frozenset[str],
    setup: Callable[[], Any],
    first: Callable[[Any], Any],
    second: Callable[[Any], Any],
    pause_at: int,
    wait: float,
) -> tuple[Any, Outcome, Outcome, Seam] | None:
    """Fresh state; ``first`` paused at seam ``pause_at``, ``second`` run meanwhile.

    ``None`` when ``first`` returns before it reaches that seam.
    """
    holdings = _Holdings()
    patched = _Patched(module, holdings)
    run = _Run(files, holdings, pause_at)
    previous_trace = threading.gettrace()
    try:
        state = setup()  # untraced, even in the threads it starts
        threading.settrace(run.trace)
        a_thread, a_out = _start(lambda: first(state), run.trace, run.paused)
        if not run.paused.wait(10):  # set at the pause, or when first returns
            raise AssertionError("the first call did not finish within 10 s")
        if run.seam is None:
            _finish(a_thread, a_out, "the first call")
            return None
        b_thread, b_out = _start(lambda: second(state))
        progress = -1
        while b_thread.is_alive() and progress != run.calls:  # stop when stuck
            progress = run.calls
            b_thread.join(wait)
        run.resume.set()
        a = _finish(a_thread, a_out, "the first call")
        b = _finish(b_thread, b_out, "the second call")
    finally:
        run.resume.set()
        threading.settrace(previous_trace)  # type: ignore[arg-type]
        patched.restore()
    return state, a, b, run.seam


def _checked(check: Callable[[Any, Outcome, Outcome], None], where: str, *args: Any) -> None:
    try:
        check(*args)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n({where})") from None


def check_interleavings(
    module: types.ModuleType,
    setup: Callable[[], Any],
    first: Callable[[Any], Any],
    second: Callable[[Any], Any],
    check: Callable[[Any, Outcome, Outcome], None],
    *,
    max_seams: int = 2000,
    wait: float = 0.5,
) -> list[Seam]:
    """Run ``second`` at every seam of ``first``, on fresh state, and ``check`` each outcome.

    ``setup()`` makes fresh state (the module's locks are traced while it runs);
    ``first(state)`` and ``second(state)`` are the two racing calls, and
    ``check(state, first_outcome, second_outcome)`` asserts what must hold
    after both, whatever the order. A failing check fails with the seam at
    which ``first`` was paused. Returns the seams tried, in order, at most
    ``max_seams``. ``second`` counts as blocked (and ``first`` resumes) after
    ``wait`` seconds without a Python call in any traced thread.

    The first run is serial and in the calling thread (``first``, then
    ``second``), untraced by the harness, so that coverage tools and debuggers,
    which trace the calling thread, see the code under test.
    """
    state = setup()
    a = Outcome.of(lambda: first(state))
    b = Outcome.of(lambda: second(state))
    _checked(check, "with the second call run after the first", state, a, b)
    filename = module.__file__ or ""
    files = frozenset({filename, os.path.realpath(filename)})
    seams: list[Seam] = []
    for pause_at in range(max_seams):
        done = _run_once(module, files, setup, first, second, pause_at, wait)
        if done is None:
            break
        state, a, b, seam = done
        where = f"with the first call paused before {seam} and the second call run meanwhile"
        _checked(check, where, state, a, b)
        seams.append(seam)
    return seams
