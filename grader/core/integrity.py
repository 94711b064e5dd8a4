"""Tamper evidence, judged from outside the process that ran the learner's code.

Three independent checks, none of which trusts that process:

1. Files: the kata's test file, metadata and workload must match the hashes
   in ``katas/manifest.json``, and neither the kata folder nor the graded
   folder may hold files that change how pytest or Python start
   (``conftest.py``, ``sitecustomize.py``, ``*.pth``, pytest configuration).
2. Sentinels: two grader tests with known outcomes run beside the kata's
   tests; a report that says otherwise has been rewritten.
3. Counts: the tests reported must be exactly the tests the manifest lists
   (or the one selected), so deleting or hiding tests is noticed.

This guards against honest accidents and casual cheating on the learner's own
machine. It is no sandbox: see "What the grader guards against" in the README.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.core.catalog import Kata
from grader.core.files import read_json_object, sha256
from grader.core.verdicts import CAUSES

if TYPE_CHECKING:  # results reach pytest; `reset` and `list` need only the manifest
    from grader.core.results import RunResult

MANIFEST = Path("katas") / "manifest.json"
SUSPICIOUS = (
    "conftest.py",
    "sitecustomize.py",
    "usercustomize.py",
    "pytest.ini",
    "tox.ini",
    "setup.cfg",
    "pyproject.toml",
    "__init__.py",
)
EXPECTED_SENTINELS = {
    "test_grader_sentinel_passes": "passed",
    "test_grader_sentinel_fails": "failed",
}


def protected_files(kata: Kata) -> list[Path]:
    """The kata files a learner must not change."""
    files = [kata.test_file, kata.dir / "kata.toml"]
    return files + ([kata.bench_file] if kata.bench_file.is_file() else [])


def manifest_entry(kata: Kata, tests: Iterable[str]) -> dict[str, Any]:
    return {
        "files": {p.name: sha256(p) for p in protected_files(kata)},
        "stub": sha256(kata.stub),  # the shipped stub, for `reset` and "not started"
        "tests": sorted(tests),
    }


def load_manifest(root: Path) -> dict[str, Any] | None:
    return read_json_object(root / MANIFEST)


def write_manifest(root: Path, entries: Mapping[str, dict[str, Any]]) -> None:
    text = json.dumps(dict(sorted(entries.items())), indent=1, sort_keys=True) + "\n"
    (root / MANIFEST).write_text(text, encoding="utf-8")


def check_files(kata: Kata, impl_dir: Path, manifest: dict[str, Any] | None) -> list[str]:
    """Problems with the files, found before anything runs."""
    problems = []
    entry = (manifest or {}).get(kata.slug)
    if entry is None:
        problems.append("the kata is missing from katas/manifest.json")
    else:
        for path in protected_files(kata):
            expected = entry["files"].get(path.name)
            if expected != sha256(path):
                problems.append(f"{path.relative_to(kata.root)} differs from the shipped version")
    for folder in dict.fromkeys((kata.dir, impl_dir)):
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.name in SUSPICIOUS or path.suffix == ".pth":
                problems.append(f"{path.name} in {folder.name}/ changes how the tests run")
    return problems


def check_run(run: RunResult, manifest: dict[str, Any] | None, selected: str | None) -> list[str]:
    """Problems with what the run reported."""
    if run.broken is not None or run.problem_kind in ("interrupted", *CAUSES):
        return []  # nothing trustworthy was claimed
    problems = []
    if run.sentinels != EXPECTED_SENTINELS:
        problems.append(
            "the grader's sentinel tests did not give their known outcomes "
            f"({', '.join(f'{k}: {v}' for k, v in sorted(run.sentinels.items())) or 'none ran'}):"
            " something in the run changed how results are reported"
        )
    entry = (manifest or {}).get(run.kata.slug)
    if entry is not None:
        expected = set(entry["tests"])
        if selected:
            expected = {t for t in expected if t == selected or t.startswith(f"{selected}[")}
        reported = {t.name for t in run.tests if t.status != "not run"}
        if reported != expected:
            missing, extra = sorted(expected - reported), sorted(reported - expected)
            detail = "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing[:5])}" if missing else "",
                    f"unexpected {', '.join(extra[:5])}" if extra else "",
                )
                if part
            )
            problems.append(f"the tests reported are not the kata's tests ({detail})")
    return problems
