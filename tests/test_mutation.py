"""Mutation testing (`nox -s mutation`): the mutants, the records, the verdicts."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, TREE
from grader.authoring.mutation import mutants_of

SAMPLE = '''\
"""A module with a little of everything Cosmic Ray mutates."""

from __future__ import annotations


def clamp(value: int | None, low: int = 0, high: int = 10) -> int:
    if value is None or value < low:
        return low
    return min(value, high) * 1


def spread(
    value: int,
    *,
    times: int = 2,
) -> list[int]:
    return [value] * times


class Box:
    size: int | float = 3

    @property
    def area(self) -> int:
        total = 0
        for _ in range(self.size):
            total += self.size
        return total
'''


@pytest.mark.slow
def test_mutants_are_cosmic_rays_own() -> None:
    """Each mutant is the program Cosmic Ray's ``mutate_code`` makes for that occurrence."""
    import cosmic_ray.plugins
    from cosmic_ray.mutating import mutate_code

    mutants = mutants_of(SAMPLE)
    assert len(mutants) > 25
    for m in mutants:
        operator = cosmic_ray.plugins.get_operator(m.operator)()
        theirs = mutate_code(SAMPLE, operator, m.occurrence)
        assert theirs is not None, m
        assert ast.dump(ast.parse(m.code)) == ast.dump(ast.parse(theirs)), m.operator


def test_annotations_and_duplicates_are_left_out() -> None:
    mutants = mutants_of(SAMPLE)
    codes = [m.code for m in mutants]
    assert len(codes) == len(set(codes))
    for m in mutants:
        assert "int + None" not in m.code and "int & None" not in m.code, m.operator
        assert "int - float" not in m.code, m.operator
    lines = {(m.line, m.mutated) for m in mutants}
    assert ("if value is None or value < low:", "if value is None or value <= low:") in lines
    assert ("for _ in range(self.size):", "for _ in []:") in lines
    assert any(m.operator == "core/RemoveDecorator" for m in mutants)


def test_a_mutant_is_found_where_coverage_records_its_statement() -> None:
    """coverage.py credits a multi-line statement to its first line, a decorated one to its
    decorator too: a mutant on a later line must run the tests that reach the statement."""
    mutants = mutants_of(SAMPLE)
    lines = SAMPLE.splitlines()
    star = next(m for m in mutants if m.line == "*," and m.mutated == "/,")
    assert lines[star.statement[0] - 1] == "def spread("
    area = next(m for m in mutants if m.operator == "core/RemoveDecorator")
    assert [lines[n - 1].strip() for n in area.statement] == ["def area(self) -> int:", "@property"]


def _tree(tmp_path: Path, tests: str, record: str | None = None) -> Path:
    root = tmp_path / "tree"
    shutil.copytree(TREE, root)
    for kata in ("greeter",):
        shutil.rmtree(root / "katas" / kata)
        shutil.rmtree(root / "solutions" / kata)
    (root / "katas" / "adder" / "test_adder.py").write_text(tests, encoding="utf-8")
    if record is not None:
        (root / "solutions" / "adder" / "equivalent-mutants.toml").write_text(record)
    return root


def _mutation(root: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess, dict]:
    out = tmp_path / "mutation.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "dev",
            "mutation",
            "--root",
            str(root),
            "--json",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return proc, json.loads(out.read_text())[0]


WEAK = """\
import pytest

from adder import add


@pytest.mark.spec("API")
def test_small() -> None:
    assert add(1, 2) == 3
"""


@pytest.mark.slow
def test_a_weak_test_leaves_survivors_with_their_diff(tmp_path: Path) -> None:
    proc, verdict = _mutation(_tree(tmp_path, WEAK), tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    survivors = {s["operator"] for s in verdict["survivors"]}
    # 1 | 2 == 1 ^ 2 == 3: one test of small numbers cannot tell them from 1 + 2
    assert survivors == {
        "core/ReplaceBinaryOperator_Add_BitOr",
        "core/ReplaceBinaryOperator_Add_BitXor",
    }
    assert "-    return a + b\n+    return a | b" in proc.stdout
    assert 'mutant = "return a ^ b"' in proc.stdout
    assert verdict["killed"] == verdict["mutants"] - 2
    assert not verdict["ok"]


@pytest.mark.slow
def test_recorded_survivors_and_stale_records(tmp_path: Path) -> None:
    record = """\
[[mutant]]
operator = "core/ReplaceBinaryOperator_Add_BitOr"
line = "return a + b"
mutant = "return a | b"
kind = "equivalent"
reason = "a stand-in: the fixture's one test cannot tell"

[[mutant]]
operator = "core/ReplaceBinaryOperator_Add_BitXor"
line = "return a + b"
mutant = "return a ^ b"
kind = "tolerated"
reason = "a stand-in: counted as survived"

[[mutant]]
operator = "core/NumberReplacer"
line = "return 1"
mutant = "return 2"
kind = "equivalent"
reason = "matches nothing"
"""
    proc, verdict = _mutation(_tree(tmp_path, WEAK, record), tmp_path)
    assert verdict["survivors"] == []
    assert (verdict["equivalent"], verdict["tolerated"]) == (1, 1)
    assert verdict["score"] == pytest.approx(verdict["killed"] / (verdict["mutants"] - 1))
    assert [s["line"] for s in verdict["stale"]] == ["return 1"]
    assert "stale" in proc.stdout
    assert proc.returncode == (0 if verdict["score"] >= 0.95 else 1)


@pytest.mark.slow
def test_a_bad_record_is_a_problem(tmp_path: Path) -> None:
    record = '[[mutant]]\noperator = "x"\nline = "a"\nmutant = "b"\nkind = "maybe"\nreason = "?"\n'
    proc, verdict = _mutation(_tree(tmp_path, WEAK, record), tmp_path)
    assert proc.returncode == 1
    assert any("kind must be one of" in p for p in verdict["problems"])


STRONG = """\
import pytest

from adder import add


@pytest.mark.spec("API")
def test_sums() -> None:
    assert add(1, 2) == 3
    assert add(2, 2) == 4
    assert add(-3, 5) == 2
"""


def _changed(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader", "dev", "mutation", "--changed", "--root", str(root)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_a_verdict_is_recorded_and_changed_runs_only_stale_katas(tmp_path: Path) -> None:
    root = _tree(tmp_path, STRONG)
    saved = root / "solutions" / "adder" / "mutation.json"
    proc, verdict = _mutation(root, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    record = json.loads(saved.read_text())
    assert (record["mutants"], record["killed"], record["ok"]) == (
        verdict["mutants"],
        verdict["killed"],
        True,
    )
    again = _changed(root)
    assert again.returncode == 0 and "is current" in again.stdout, again.stdout + again.stderr
    assert "mutants" not in again.stdout  # no table: nothing ran
    # A change to the tests makes the verdict stale: --changed runs that kata again.
    tests = root / "katas" / "adder" / "test_adder.py"
    tests.write_text(STRONG + "\n# edited\n", encoding="utf-8")
    rerun = _changed(root)
    assert "missing or stale: adder" in rerun.stdout, rerun.stdout + rerun.stderr
    assert json.loads(saved.read_text())["key"] != record["key"]


def test_every_kata_has_a_current_mutation_verdict_at_the_target() -> None:
    """Each kata's mutation.json judged its present reference, tests and records, at ≥ 95 %.

    A change to a kata's tests or reference needs ``nox -s mutation -- --changed`` (CI runs it
    before the suite).
    """
    from grader.authoring.mutation import SCORE_FILE, TARGET, load_score, score_key
    from grader.core.catalog import load_catalog

    problems = []
    for kata in load_catalog(ROOT):
        saved = load_score(kata)
        if saved is None:
            problems.append(f"{kata.slug}: no {SCORE_FILE}")
        elif saved.get("key") != score_key(kata):
            problems.append(f"{kata.slug}: its {SCORE_FILE} judged other files")
        elif float(saved.get("score", 0.0)) < TARGET:
            problems.append(f"{kata.slug}: {saved.get('score'):.1%} of its mutants killed")
    assert not problems, "run `nox -s mutation -- --changed`:\n" + "\n".join(problems)
