"""Shared helpers for the project's own tests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
TREE = FIXTURES / "tree"
IMPLS = FIXTURES / "impls"

REPORT_SCHEMA = json.loads((ROOT / "docs" / "report-schema.json").read_text(encoding="utf-8"))

collect_ignore = ["fixtures"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite the golden files from the current output (same as UPDATE_GOLDEN=1)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--update-golden"):
        os.environ["UPDATE_GOLDEN"] = "1"


SLOW_FIXTURES = {"tree", "soundness", "exported", "runner", "autograder"}
"""Fixtures of end-to-end tests: a fixture tree to grade, the catalog's soundness check, an
export or bundle. A test that uses one is marked ``slow``; ``-m "not slow"`` is the fast loop."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@dataclass
class Graded:
    """What one `python -m grader grade` run left behind."""

    code: int
    stdout: str
    stderr: str
    report: dict[str, Any] | None

    def kata(self, slug: str) -> dict[str, Any]:
        assert self.report is not None, self.stderr
        return next(k for k in self.report["katas"] if k["slug"] == slug)

    def tests(self, slug: str) -> dict[str, str]:
        return {t["name"]: t["status"] for t in self.kata(slug)["results"]}


def run_grader(
    *args: str,
    root: Path,
    cwd: Path | None = None,
    timeout: float = 120,
    env: dict[str, str] | None = None,
    keep_report: bool = False,
) -> Graded:
    """Run the grader as a user would, in a subprocess, and read its JSON report."""
    report = root / ".kata" / "report.json"
    if not keep_report:
        report.unlink(missing_ok=True)
    proc = subprocess.run(
        [sys.executable, "-m", "grader", *args, "--root", str(root)],
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )
    data = json.loads(report.read_text()) if report.is_file() else None
    if data is not None:  # every report a test sees keeps the documented schema
        jsonschema.validate(data, REPORT_SCHEMA, cls=jsonschema.Draft202012Validator)
    return Graded(proc.returncode, proc.stdout, proc.stderr, data)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A private copy of the fixture catalog (one kata, `adder`)."""
    dest = tmp_path / "tree"
    shutil.copytree(TREE, dest, ignore=shutil.ignore_patterns(".kata", "__pycache__"))
    return dest
