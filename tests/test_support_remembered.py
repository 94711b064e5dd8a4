"""``remembered`` and ``remembered_folder``: a real program's answers kept across test runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader import kata_support
from grader.authoring import mutation
from grader.kata_support import ORACLE_CACHE, remembered, remembered_folder


def test_mutation_testing_names_the_same_variable() -> None:
    assert mutation.ORACLE_CACHE == kata_support.ORACLE_CACHE


def counting(answer: object) -> tuple[list[int], object]:
    calls: list[int] = []

    def compute() -> object:
        calls.append(1)
        return answer

    return calls, compute


def test_without_the_variable_every_call_computes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ORACLE_CACHE, raising=False)
    calls, compute = counting({"text": "x", "status": 1})
    assert remembered("oracle", [1, 2], compute) == {"text": "x", "status": 1}
    assert remembered("oracle", [1, 2], compute) == {"text": "x", "status": 1}
    assert len(calls) == 2


def test_with_it_an_answer_is_computed_once_per_question(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ORACLE_CACHE, str(tmp_path / "cache"))
    calls, compute = counting(["a", 3])
    assert remembered("oracle", ["q", 1], compute) == ["a", 3]
    assert remembered("oracle", ["q", 1], compute) == ["a", 3]
    assert len(calls) == 1
    other_calls, other = counting("b")
    assert remembered("oracle", ["q", 2], other) == "b"  # another question
    assert remembered("another oracle", ["q", 1], other) == "b"  # another program
    assert len(other_calls) == 2
    [kept, *_] = sorted((tmp_path / "cache").iterdir())
    assert not [p for p in (tmp_path / "cache").iterdir() if p.suffix == ".tmp"]
    assert "answer" in json.loads(kept.read_text())


def test_a_torn_answer_is_computed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ORACLE_CACHE, str(tmp_path))
    remembered("oracle", 1, lambda: "first")
    [kept] = tmp_path.iterdir()
    kept.write_text('{"answer": ')
    assert remembered("oracle", 1, lambda: "again") == "again"


def _make(calls: list[Path]):
    def make(path: Path) -> dict[str, str]:
        calls.append(path)
        path.mkdir()
        (path / "sub").mkdir()
        (path / "sub" / "file").write_text("built")
        return {"id": "abc"}

    return make


def test_a_folder_is_built_once_and_copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ORACLE_CACHE, str(tmp_path / "cache"))
    calls: list[Path] = []
    for n in range(3):
        dest = tmp_path / f"repo{n}"
        assert remembered_folder("build", ["graph"], _make(calls), dest) == {"id": "abc"}
        assert (dest / "sub" / "file").read_text() == "built"
    assert len(calls) == 1
    (tmp_path / "repo0" / "sub" / "file").write_text("changed by a test")
    assert remembered_folder("build", ["graph"], _make(calls), tmp_path / "r") == {"id": "abc"}
    assert (tmp_path / "r" / "sub" / "file").read_text() == "built"  # copies are private


def test_without_the_variable_a_folder_is_built_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ORACLE_CACHE, raising=False)
    calls: list[Path] = []
    dest = tmp_path / "repo"
    assert remembered_folder("build", ["graph"], _make(calls), dest) == {"id": "abc"}
    assert calls == [dest]
