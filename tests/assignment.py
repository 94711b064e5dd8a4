"""Helpers for the instructor tests: export an assignment, and run its own grader."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, Graded, run_grader


def export(
    tree: Path, out: Path, *slugs: str, name: str = "Demo course", platform: str = "actions"
) -> Path:
    """Export ``slugs`` (default: both fixture katas) from ``tree``: the template's folder.

    With the ``actions`` platform the template is ``out`` itself; with
    ``classroom50`` it is ``out/template`` (beside ``out/autograders/``).
    """
    done = run_grader(
        "assignment", *(slugs or ("adder", "greeter")), "--out", str(out), "--name", name,
        "--platform", platform, root=tree,
    )  # fmt: skip
    assert done.code == 0, done.stdout + done.stderr
    return out if platform == "actions" else out / "template"


def run_inside(
    root: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> Graded:
    """``python -m grader ARGS`` with ``root`` as the working directory: its own grader."""
    report = root / ".kata" / "report.json"
    report.unlink(missing_ok=True)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    proc = subprocess.run(
        [sys.executable, "-m", "grader", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**clean, "NO_COLOR": "1", "PYTHONPATH": "", **(env or {})},
    )
    data = json.loads(report.read_text()) if report.is_file() else None
    return Graded(proc.returncode, proc.stdout, proc.stderr, data)


def solutions(root: Path = ROOT) -> list[Path]:
    return sorted((root / "solutions").rglob("*.py"))
