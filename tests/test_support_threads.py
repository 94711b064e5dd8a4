"""Tests for the thread-interleaving harness in ``grader.kata_support``.

Each case writes a small module that reserves one slot (a check, then an act)
and races two reservations through ``check_interleavings``. A racy module
must fail on every run, whatever its locking; a module whose check and act
are one critical section, or one atomic line, must pass.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import textwrap
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from grader import kata_support
from grader.kata_support import Outcome, Seam, _all_asleep, _thread_state, check_interleavings


def load(tmp_path: Path, name: str, source: str) -> ModuleType:
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def race(module: ModuleType, **options: Any) -> list[Seam]:
    """Two threads each try to take the module's single slot: exactly one may win."""

    def check(slot: Any, a: Outcome, b: Outcome) -> None:
        wins = [a.get(), b.get()]
        assert sorted(wins) == [False, True], f"exactly one reservation wins, got {wins}"
        assert slot.taken == 1, f"the slot was taken {slot.taken} times"

    return check_interleavings(
        module, module.Slot, lambda s: s.take(), lambda s: s.take(), check, **options
    )


NO_LOCK = """
    class Slot:
        def __init__(self):
            self.free = True
            self.taken = 0

        def take(self):
            if not self.free:
                return False
            self.free = False
            self.taken += 1
            return True
"""

TWO_SECTIONS = """
    import threading

    class Slot:
        def __init__(self):
            self._lock = threading.Lock()
            self.free = True
            self.taken = 0

        def take(self):
            with self._lock:
                free = self.free
            if not free:
                return False
            with self._lock:
                self.free = False
                self.taken += 1
            return True
"""

ONE_SECTION = """
    import threading

    class Slot:
        def __init__(self):
            self._lock = threading.{factory}()
            self.free = True
            self.taken = 0

        def take(self):
            with self._lock:
                if not self.free:
                    return False
                self.free = False
                self.taken += 1
            return True
"""


def test_a_check_then_act_without_a_lock_fails_on_every_run(tmp_path: Path) -> None:
    module = load(tmp_path, "slot_no_lock", NO_LOCK)
    for _ in range(20):
        with pytest.raises(AssertionError, match="exactly one reservation wins") as caught:
            race(module)
        assert "paused before slot_no_lock.py line 10: self.free = False" in str(caught.value)


def test_a_check_and_an_act_in_two_lock_sections_fail(tmp_path: Path) -> None:
    module = load(tmp_path, "slot_two_sections", TWO_SECTIONS)
    for _ in range(20):
        with pytest.raises(AssertionError, match="exactly one reservation wins"):
            race(module)


@pytest.mark.parametrize("factory", ["Lock", "RLock"])
def test_one_critical_section_passes_and_is_never_split(tmp_path: Path, factory: str) -> None:
    module = load(tmp_path, f"slot_one_{factory}", ONE_SECTION.format(factory=factory))
    seams = race(module)
    lines = [seam.line for seam in seams]
    assert lines == ["with self._lock:", "return True"], (
        "seams are the lines run while no lock is held"
    )
    assert race(module) == seams, "the same seams on every run"


def test_locks_imported_by_name_or_made_at_import_are_traced(tmp_path: Path) -> None:
    module = load(
        tmp_path,
        "slot_module_locks",
        """
        from threading import Lock, RLock
        import threading

        _LOCK = threading.Lock()

        class Slot:
            _class_lock = threading.RLock()

            def __init__(self):
                self._lock = Lock()
                self._rlock = RLock()
                self.free = True
                self.taken = 0

            def take(self):
                with _LOCK, self._class_lock, self._lock, self._rlock, self._rlock:
                    if not self.free:
                        return False
                    self.free = False
                    self.taken += 1
                return True
        """,
    )
    seams = race(module)
    assert [seam.line for seam in seams] == [
        "with _LOCK, self._class_lock, self._lock, self._rlock, self._rlock:",
        "return True",
    ]
    assert module.Lock is threading.Lock and module.threading is threading, "names restored"
    assert type(module._LOCK) is type(threading.Lock()), "module-level lock restored"


def test_a_condition_is_traced_and_still_works(tmp_path: Path) -> None:
    module = load(
        tmp_path,
        "slot_condition",
        """
        import threading

        class Slot:
            def __init__(self):
                self._cond = threading.Condition()
                self.free = True
                self.taken = 0

            def take(self):
                with self._cond:
                    self._cond.wait(0)  # releases and takes back the lock
                    if not self.free:
                        return False
                    self.free = False
                    self.taken += 1
                    self._cond.notify_all()
                return True
        """,
    )
    assert [seam.line for seam in race(module)] == ["with self._cond:", "return True"]


def test_one_atomic_line_is_never_split(tmp_path: Path) -> None:
    module = load(
        tmp_path,
        "slot_setdefault",
        """
        class Slot:
            def __init__(self):
                self.claims = {}

            @property
            def taken(self):
                return len(self.claims)

            def take(self):
                me = object()
                return self.claims.setdefault("slot", me) is me
        """,
    )
    race(module)


def test_a_lock_the_harness_cannot_see_makes_the_run_serial(tmp_path: Path) -> None:
    # The lock is handed in by the caller, so it is not instrumented: the second
    # call blocks on it at the pause, and the harness lets the first call finish.
    module = load(
        tmp_path,
        "slot_foreign_lock",
        """
        class Slot:
            def __init__(self, lock):
                self._lock = lock
                self.free = True
                self.taken = 0

            def take(self):
                with self._lock:
                    if not self.free:
                        return False
                    self.free = False
                    self.taken += 1
                return True
        """,
    )

    def check(slot: Any, a: Outcome, b: Outcome) -> None:
        assert sorted([a.get(), b.get()]) == [False, True]
        assert slot.taken == 1

    seams = check_interleavings(
        module,
        lambda: module.Slot(threading.Lock()),
        lambda s: s.take(),
        lambda s: s.take(),
        check,
        wait=0.05,
    )
    assert "self.taken += 1" in [seam.line for seam in seams]


def test_work_handed_to_another_thread_is_still_paused(tmp_path: Path) -> None:
    # A web test client runs the handler in a thread of its own; the seam is found there.
    module = load(tmp_path, "slot_dispatched", NO_LOCK)

    def dispatched(slot: Any) -> bool:
        result: list[bool] = []
        worker = threading.Thread(target=lambda: result.append(slot.take()))
        worker.start()
        worker.join()
        return result[0]

    def check(slot: Any, a: Outcome, b: Outcome) -> None:
        assert slot.taken == 1, f"the slot was taken {slot.taken} times"

    with pytest.raises(AssertionError, match="taken 2 times"):
        check_interleavings(module, module.Slot, dispatched, dispatched, check)


def test_setup_may_run_the_module_in_threads_of_its_own(tmp_path: Path) -> None:
    # A test that creates its state through a web client runs module code in other threads
    # during setup: those lines are not seams, and setup is never paused.
    module = load(tmp_path, "slot_setup_threads", ONE_SECTION.format(factory="Lock"))

    def setup() -> Any:
        slot = module.Slot()
        warm = threading.Thread(target=lambda: slot.__init__())
        warm.start()
        warm.join()
        return slot

    def check(slot: Any, a: Outcome, b: Outcome) -> None:
        assert sorted([a.get(), b.get()]) == [False, True]

    seams = check_interleavings(module, setup, lambda s: s.take(), lambda s: s.take(), check)
    assert [seam.line for seam in seams] == ["with self._lock:", "return True"]


def test_a_seam_is_found_around_an_injected_callable(tmp_path: Path) -> None:
    # No lock and no store of its own: the race is around a clock the caller injects.
    module = load(
        tmp_path,
        "stamp_clock",
        """
        class Stamp:
            def __init__(self, clock):
                self.clock = clock
                self.last = None

            def next(self):
                now = self.clock()
                last = self.last if self.last is not None else now - 1
                self.last = max(now, last + 1)
                return self.last
        """,
    )

    def check(stamp: Any, a: Outcome, b: Outcome) -> None:
        assert a.get() != b.get(), "two stamps are never equal"

    with pytest.raises(AssertionError, match="never equal"):
        check_interleavings(
            module, lambda: module.Stamp(lambda: 100), lambda s: s.next(), lambda s: s.next(), check
        )


def test_outcome_keeps_the_error() -> None:
    error = KeyError("k")
    outcome = Outcome.of(lambda: {}["k"])
    assert isinstance(outcome.error, KeyError)
    with pytest.raises(KeyError):
        outcome.get()
    assert Outcome(value=3).get() == 3
    assert Outcome(error=error).error is error


def test_the_serial_run_is_in_the_calling_thread(tmp_path: Path) -> None:
    # Coverage tools trace the calling thread: the first, serial run happens there.
    module = load(tmp_path, "slot_serial", ONE_SECTION.format(factory="Lock"))
    threads: list[int] = []

    def take(slot: Any) -> bool:
        threads.append(threading.get_ident())
        return slot.take()

    def check(slot: Any, a: Outcome, b: Outcome) -> None:
        assert sorted([a.get(), b.get()]) == [False, True]

    check_interleavings(module, module.Slot, take, take, check)
    assert threads[:2] == [threading.get_ident()] * 2
    assert threading.get_ident() not in threads[2:], "the interleaved runs use threads of their own"


# --- Blocked, or only waiting for a core -------------------------------------------------

linux_only = pytest.mark.skipif(
    not Path("/proc/self/task").is_dir(), reason="thread states come from Linux's /proc"
)

HASH_FIRST = """
    import hashlib

    DATA = b"x" * 30_000_000

    class Slot:
        def __init__(self):
            self.free = True
            self.taken = 0

        def take(self):
            hashlib.sha256(DATA).digest()  # ~50 ms in C, the GIL released: no Python call
            if not self.free:
                return False
            self.free = False
            self.taken += 1
            return True
"""


@linux_only
def test_thread_states_come_from_the_kernel() -> None:
    lock = threading.Lock()
    lock.acquire()
    stop = threading.Event()
    data = b"x" * 30_000_000

    def busy() -> None:
        while not stop.is_set():
            hashlib.sha256(data).digest()

    waiter = threading.Thread(target=lock.acquire, daemon=True)
    worker = threading.Thread(target=busy, daemon=True)
    waiter.start()
    worker.start()
    try:
        time.sleep(0.2)
        assert waiter.native_id is not None and worker.native_id is not None
        assert _thread_state(waiter.native_id) == "S", "blocked on a lock: asleep"
        assert _thread_state(threading.get_native_id()) == "R", "this thread runs"
        assert _all_asleep({waiter.native_id}) is True
        states = {_thread_state(worker.native_id) for _ in range(50)}
        assert "R" in states, f"hashing in C is runnable, got {states}"
    finally:
        stop.set()
        lock.release()
        waiter.join()
        worker.join()
    assert _thread_state(waiter.native_id) is None, "a thread that ended has no state"


@linux_only
def test_a_second_call_that_is_runnable_is_waited_for(tmp_path: Path) -> None:
    # The second call computes in C (no Python call) for far longer than `wait` before its
    # check: it is runnable, not blocked, so it is waited for and the race shows. Counted as
    # blocked, it would check after the first call had taken the slot, and pass.
    module = load(tmp_path, "slot_hash_first", HASH_FIRST)
    for _ in range(3):
        with pytest.raises(AssertionError, match="exactly one reservation wins"):
            race(module, wait=0.02)


def test_a_second_call_that_spins_waiting_for_the_first_counts_as_blocked(
    tmp_path: Path,
) -> None:
    # A loop of the module that makes no call waits for the paused first call: blocked.
    module = load(
        tmp_path,
        "slot_spin",
        """
        class Slot:
            def __init__(self):
                self.free = True
                self.taken = 0
                self.busy = False

            def take(self):
                while self.busy:
                    pass
                self.busy = True
                won = self.free
                self.free = False
                self.taken += won
                self.busy = False
                return won
        """,
    )
    seams = race(module, wait=0.01)
    assert "won = self.free" in [seam.line for seam in seams]


def test_without_thread_states_no_call_for_wait_seconds_is_blocked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kata_support, "_TASKS", tmp_path / "no-proc")
    assert kata_support._all_asleep({threading.get_native_id()}) is None
    test_a_lock_the_harness_cannot_see_makes_the_run_serial(tmp_path)
