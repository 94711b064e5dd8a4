"""The grader's layout: which part may import which (read from the source with ``ast``).

    core        the pipeline; imports no other part
    render      renderers of the report; may import core
    platforms   exports and platform drivers; may import core and render
    learner     the learner's commands; may import core and render
    authoring   authors' tools; may import core, render and platforms (export)

The kata-facing modules at the top (``grader.kata_support``, ``grader.kata_plugin``)
import no part; ``grader.cli`` is the command line above them all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT

GRADER = ROOT / "grader"
PARTS = ("core", "render", "platforms", "learner", "authoring")
ALLOWED = {
    "core": set(),
    "render": {"core"},
    "platforms": {"core", "render"},
    "learner": {"core", "render"},
    "authoring": {"core", "render", "platforms"},
    "kata_support": set(),
    "kata_plugin": set(),
}
TOP_LEVEL = {"__init__", "__main__", "cli", "kata_support", "kata_plugin"}


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every grader module ``path`` imports, at the top or inside a function."""
    found = set()
    for node in _nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "grader":
                found |= {f"grader.{a.name}" for a in node.names}
            elif node.module.startswith("grader."):
                found.add(node.module)
                found |= {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("grader.")}
    modules = {_module(p) for p in GRADER.rglob("*.py")}
    return {name for name in found if name in modules}


def _nodes(tree: ast.AST):
    """Every node, leaving out ``if TYPE_CHECKING:`` blocks (imports for annotations only)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            yield from (n for child in node.orelse for n in [child, *_nodes(child)])
            continue
        yield node
        yield from _nodes(node)


SOURCES = sorted(p for p in GRADER.rglob("*.py") if "sentinel" not in p.parts)


def _part(module: str) -> str:
    return module.split(".")[1]


def test_every_module_is_in_a_part() -> None:
    for path in SOURCES:
        module = _module(path)
        if module.count(".") == 1:
            assert module.split(".")[1] in TOP_LEVEL | set(PARTS), f"{module}: put it in a part"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(GRADER)))
def test_imports_follow_the_layout(path: Path) -> None:
    module = _module(path)
    if module in ("grader", "grader.__main__", "grader.cli"):
        return  # the command line sits above every part
    part = _part(module)
    allowed = ALLOWED[part] | {part, "kata_plugin"}
    wrong = sorted(m for m in imports(path) if m != "grader" and _part(m) not in allowed)
    assert not wrong, f"{module} ({part}) may not import {', '.join(wrong)}"


def test_no_import_cycle() -> None:
    """No module reaches itself through imports (top-level or lazy)."""
    graph = {_module(p): imports(p) for p in SOURCES}
    graph = {m: {d for d in deps if d in graph and d != m} for m, deps in graph.items()}
    # packages import their modules: an edge to a package means its __init__ only
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in sorted(graph[m]):
            if state.get(d) == 1:
                raise AssertionError(" → ".join([*stack[stack.index(d) :], d]))
            if d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


DRIVER_API = {"Options", "Selection", "Plan", "Graded", "grade", "prepare", "plan",
              "run_all", "assess", "EXIT_SOLVED", "EXIT_UNSOLVED", "EXIT_USAGE",
              "EXIT_INTERRUPTED"}  # fmt: skip
"""What a driver may use of the pipeline: its entries. The phases from the runs to the report
(collect_runs, verify, score, measure, judge_speed, build_report) and the cache functions are
grade()'s, run_all()'s and assess()'s to call, in their order."""


def test_drivers_call_the_pipeline_and_never_slice_it() -> None:
    """Outside the pipeline, only its entries are used: no driver replays some of its phases."""
    for path in SOURCES:
        if path == GRADER / "core" / "pipeline.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            used: set[str] = set()
            if isinstance(node, ast.Attribute) and ast.unparse(node.value).endswith("pipeline"):
                used = {node.attr}
            elif isinstance(node, ast.ImportFrom) and node.module == "grader.core.pipeline":
                used = {a.name for a in node.names}
            wrong = used - DRIVER_API
            assert not wrong, f"{path.relative_to(GRADER)} reaches into the pipeline: {wrong}"
