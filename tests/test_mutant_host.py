"""The mutants' hosts (grader.authoring.mutant_host): one pytest start, one fork per mutant."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from conftest import TREE
from grader.authoring.mutant_host import HostError, MutantResult, MutantRun, run_mutants
from grader.core.catalog import Kata, load_kata

TESTS = """\
import subprocess
import sys

import pytest

import adder
from adder import add


@pytest.mark.spec("API")
def test_small() -> None:
    assert add(1, 2) == 3


@pytest.mark.spec("API")
def test_module_attribute() -> None:
    assert adder.add(2, 2) == 4


@pytest.mark.spec("API")
def test_in_a_new_process() -> None:
    code = "import adder; print(adder.add(20, 22))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONPATH": adder.__file__.rpartition("/")[0]})
    assert out.stdout.strip() == "42", out.stderr


@pytest.mark.spec("API")
@pytest.mark.parametrize("function", [add, (add,)])
def test_parametrized(function) -> None:  # the reference's, when collected
    function = function[0] if isinstance(function, tuple) else function
    assert function(3, 4) == 7


class TestInAClass:
    @pytest.mark.spec("API")
    def test_negative(self) -> None:
        assert add(-5, 2) == -3
"""

pytestmark = pytest.mark.slow  # each test starts hosts that start pytest

REFERENCE = "def add(a: int, b: int) -> int:\n    return a + b\n"


@pytest.fixture
def kata(tmp_path: Path) -> Kata:
    root = tmp_path / "tree"
    shutil.copytree(TREE, root)
    (root / "katas" / "adder" / "test_adder.py").write_text(TESTS, encoding="utf-8")
    (root / "solutions" / "adder" / "adder.py").write_text(REFERENCE, encoding="utf-8")
    return load_kata(root / "katas" / "adder")


def _run(kata: Kata, tmp_path: Path, *runs: MutantRun, workers: int = 2) -> list[MutantResult]:
    return run_mutants(kata, runs, tmp_path / "hosts", workers)


def _mutant(body: str, tests: tuple[str, ...] | None = None, limit: float = 2.0) -> MutantRun:
    return MutantRun(f"import time\n\ndef add(a: int, b: int) -> int:\n    {body}\n", tests, limit)


def test_each_test_sees_the_mutant_however_it_reaches_the_module(
    kata: Kata, tmp_path: Path
) -> None:
    """``from adder import add``, ``adder.add``, a parameter, a method's globals, a new process."""
    names = ("test_small", "test_module_attribute", "test_in_a_new_process",
             "test_parametrized[add]", "test_parametrized[function1]",
             "TestInAClass::test_negative")  # fmt: skip
    reference = MutantRun(REFERENCE, None, 5.0)
    wrong = [MutantRun(REFERENCE.replace("a + b", "a + b + 1"), (name,), 5.0) for name in names]
    results = _run(kata, tmp_path, reference, *wrong, reference)
    assert results[0] == results[-1] == MutantResult(False)
    for name, result in zip(names, results[1:-1], strict=True):
        assert result.killed and not result.timed_out, name
        assert result.detail.endswith(name), result


def test_only_the_chosen_tests_run_in_their_order(kata: Kata, tmp_path: Path) -> None:
    wrong_for_two = _mutant("return a + b + (a == 2)")  # only test_module_attribute sees it
    results = _run(
        kata,
        tmp_path,
        MutantRun(wrong_for_two.code, ("test_small",), 2.0),
        MutantRun(wrong_for_two.code, ("test_small", "test_module_attribute"), 2.0),
        MutantRun(wrong_for_two.code, None, 2.0),
    )
    assert [r.killed for r in results] == [False, True, True]


def test_a_mutant_that_spins_or_sleeps_is_stopped_at_its_limit(kata: Kata, tmp_path: Path) -> None:
    """CPU time is stopped by the child's own timer; a wait, by the host's wall clock."""
    started = time.monotonic()
    spin, sleep = _run(
        kata,
        tmp_path,
        _mutant("while True: pass", ("test_small",), limit=0.5),
        _mutant("time.sleep(600)", ("test_small",), limit=0.5),
    )
    assert spin.killed and spin.timed_out and spin.detail.endswith("test_small")
    assert sleep.killed and sleep.timed_out
    assert time.monotonic() - started < 20


def test_a_mutant_that_ends_its_process_or_breaks_on_import_is_killed(
    kata: Kata, tmp_path: Path
) -> None:
    exits, interrupts, broken = _run(
        kata,
        tmp_path,
        _mutant("import os; os._exit(0)", ("test_small",)),
        _mutant("raise KeyboardInterrupt", ("test_small",)),
        MutantRun("raise ValueError('at import')\n", ("test_small",), 2.0),
    )
    assert exits.killed and "status 0" in exits.detail
    assert interrupts.killed
    assert broken.killed and "ValueError: at import" in broken.detail


def test_every_run_gets_its_result_whatever_the_number_of_hosts(kata: Kata, tmp_path: Path) -> None:
    runs = [_mutant("return a + b" if i % 3 else "return a - b", ("test_small",)) for i in range(9)]
    results = _run(kata, tmp_path, *runs, workers=3)
    assert [r.killed for r in results] == [i % 3 == 0 for i in range(9)]


def test_tests_that_do_not_collect_are_a_host_error(kata: Kata, tmp_path: Path) -> None:
    kata.test_file.write_text("import pytest\ndef test_x(:\n    pass\n", encoding="utf-8")
    with pytest.raises(HostError, match="did not collect"):
        _run(kata, tmp_path, _mutant("return a + b"))
