"""Unit tests of the grader's pieces: catalog, selection, scoring, report I/O."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import TREE
from grader import report as report_io
from grader.catalog import CatalogError, load_catalog, load_kata
from grader.files import write_atomic
from grader.results import RunResult, TestResult
from grader.scoring import score
from grader.selection import UsageError, select


def _kata_dir(tmp_path: Path, toml: str) -> Path:
    d = tmp_path / "katas" / "demo"
    d.mkdir(parents=True)
    (d / "kata.toml").write_text(toml)
    return d


GOOD = (
    'title = "Demo"\narea = "python"\ndifficulty = 1\npoints = 5\nmodule = "demo"\ntime_limit = 1\n'
)


def test_metadata_loads(tmp_path: Path) -> None:
    kata = load_kata(_kata_dir(tmp_path, GOOD))
    assert (kata.slug, kata.points, kata.time_limit, kata.memory_mb) == ("demo", 5, 1.0, 384)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('area = "python"', 'area = "cooking"'), "area 'cooking' is not one of"),
        (("difficulty = 1", "difficulty = 4"), "difficulty must be 1, 2 or 3"),
        (('module = "demo"', 'module = "de-mo"'), "not a Python identifier"),
        (("points = 5", 'points = "5"'), "'points' has the wrong type"),
        (('title = "Demo"\n', ""), "missing required key 'title'"),
        (("time_limit = 1", "time_limit = ["), "kata.toml"),
    ],
)
def test_bad_metadata_names_file_and_field(tmp_path: Path, change, message) -> None:
    with pytest.raises(CatalogError, match=message.replace("(", r"\(")):
        load_kata(_kata_dir(tmp_path, GOOD.replace(*change)))


def test_selection_suggests_close_names() -> None:
    catalog = load_catalog(TREE)
    assert [t.kata.slug for t in select(catalog, [])] == ["adder", "greeter"]
    assert select(catalog, ["adder::test_zero"])[0].test == "test_zero"
    with pytest.raises(UsageError, match="Did you mean: adder"):
        select(catalog, ["ader"])


def _run(statuses: list[str], weights: list[float] | None = None, **kw) -> RunResult:
    kata = load_catalog(TREE)[0]
    weights = weights or [1.0] * len(statuses)
    tests = [
        TestResult(f"t::{i}", s, weight=w, message="NotImplementedError" if s == "failed" else "")
        for i, (s, w) in enumerate(zip(statuses, weights))
    ]
    return RunResult(kata=kata, impl=Path("."), tests=tests, **kw)


def test_scores() -> None:
    assert score(_run(["passed"] * 3)).status == "solved"
    assert score(_run(["passed"] * 3)).earned == 6
    partial = score(_run(["passed", "failed", "timeout"], [2, 1, 1]))
    assert (partial.status, partial.earned, partial.passed, partial.total) == ("partial", 3, 1, 3)
    assert score(_run(["failed", "failed"])).status == "not started"
    assert score(_run([], broken={"error": "x", "file": "a.py", "line": 1})).status == "broken"
    assert (
        score(_run(["passed"], problem="stop", problem_kind="interrupted")).status == "incomplete"
    )
    killed = score(_run(["not run", "not run"], problem="slow", problem_kind="timeout"))
    assert (killed.status, killed.earned) == ("timeout", 0.0)


def test_history_skips_corrupt_lines(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    good = {"finished_at": "x", "complete": True, "katas": {"a": {"status": "solved"}}}
    path.write_text(json.dumps(good) + "\n{not json\n" + '["wrong shape"]\n' + '{"katas": {')
    entries, skipped = report_io.read_history(path)
    assert entries == [good]
    assert skipped == 3


def test_corrupt_report_reads_as_missing(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text('{"schema": "kata-report/1", "katas": [')
    assert report_io.read(path) is None


def test_atomic_write_leaves_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "report.json"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]
