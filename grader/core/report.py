"""The JSON report and the history of earlier runs.

The report (schema ``kata-report/1``, documented in ``docs/report-schema.md``)
is the canonical record of one grading run; every other output (terminal,
Markdown, JUnit XML) is rendered from the same data. It is written
atomically: a reader sees the old file or the new one, never half of one.
Each run also appends one summary line to the history file.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.core.catalog import Kata
from grader.core.files import read_json_object, sha256, write_atomic
from grader.core.results import RunResult
from grader.core.scoring import Score
from grader.core.verdicts import CAUSES, KataStatus

if TYPE_CHECKING:  # timing imports pytest; a report needs only its fields
    from grader.core.timing import Timing

SCHEMA = "kata-report/1"
HISTORY_LIMIT = 1000


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def environment() -> dict[str, Any]:
    """What the run ran on, so a report can be compared with another."""
    from importlib import metadata

    try:
        pytest_version = metadata.version("pytest")
    except metadata.PackageNotFoundError:
        pytest_version = None
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "pytest": pytest_version,
        "executable": sys.executable,
    }


def _test(t) -> dict[str, Any]:
    return {
        "nodeid": t.nodeid,
        "name": t.name,
        "status": str(t.status),
        "message": t.message,
        "traceback": t.traceback,
        "spec": t.spec,
        "line": t.line,
        "duration": round(t.duration, 6),
        "weight": t.weight,
        "stdout": t.stdout,
        "where": t.where,
    }


def kata_problem(kata: dict[str, Any]) -> str:
    """Why a kata entry as a whole failed, in plain words; empty when it did not."""
    if kata.get("tampered"):
        reasons = "; ".join(kata["tampered"])
        return f"the kata's tests or workflow were changed, so it scores nothing: {reasons}"
    broken = kata.get("broken")
    if broken:
        where = broken.get("file") or ""
        if broken.get("line"):
            where += f", line {broken['line']}"
        return f"{broken.get('error', 'the module does not import')} ({where})".strip()
    return kata.get("problem") or ""


def _unrun_tests(entry: dict[str, Any], kata: Kata, names: Sequence[str]) -> list[dict[str, Any]]:
    """The results of a kata whose run reported no test: each of its tests, none run.

    A kata stopped for a cause (timeout, memory, output limit, crash) gives its
    tests that cause; otherwise they did not run. Each says why: the kata's problem.
    """
    test_file = kata.test_file.relative_to(kata.root).as_posix()
    status = entry["status"] if entry["status"] in CAUSES else "not run"
    message = kata_problem(entry) or "the test did not run"
    return [
        {
            "nodeid": f"{test_file}::{name}",
            "name": name,
            "status": status,
            "message": message,
            "traceback": "",
            "spec": None,
            "line": None,
            "duration": 0.0,
            "weight": 1.0,
            "stdout": "",
            "where": None,
        }
        for name in names
    ]


def manifest_tests(manifest: Mapping[str, Any] | None, slug: str) -> list[str]:
    """The names of a kata's tests, as ``katas/manifest.json`` lists them."""
    entry = (manifest or {}).get(slug)
    names = entry.get("tests") if isinstance(entry, dict) else None
    return [str(n) for n in names] if isinstance(names, list) else []


KATA_LEVEL = ("broken", "tampered", "incomplete", "error")
"""Statuses that describe the run as a whole: true of a selection too."""


def selection_result(status: str, results: Sequence[dict[str, Any]]) -> str:
    """The result of a run of selected tests (``KATA::TEST``), in the tests' own words.

    ``passed`` when every selected test passed, else the first other outcome
    (``failed``, ``timeout``, …); ``not found`` when no test ran; or the run's
    own problem (``broken``, ``tampered``, ``incomplete``, ``error``).
    """
    if status in KATA_LEVEL:
        return status
    if not results:
        return "not found"
    failing = [t["status"] for t in results if t["status"] != "passed"]
    return failing[0] if failing else "passed"


@dataclass(frozen=True)
class KataEntry:
    """One kata's line in the report: its run, its score, the reference's time, its timing.

    ``source`` says how the result was obtained: ``run`` now, ``reused`` from an
    unchanged earlier grade, or ``stub`` (known without running: the shipped stub);
    ``selected`` is the one test run (``KATA::TEST``), and ``last_grade`` then the
    kata's last full grade.

    A selection is recorded as what it is: its ``result`` (see
    :func:`selection_result`), no kata ``status`` (``null``: one test cannot
    decide it), no points earned and no reference time (the reference's was
    taken over all the kata's tests).
    """

    run: RunResult
    score: Score
    reference_duration: float | None = None
    timing: Timing | None = None
    source: str = "run"
    selected: str | None = None
    last_grade: dict[str, Any] | None = None

    def to_dict(self, root: Path, manifest: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The entry as the report holds it.

        A run that reported no test (the module did not import, the kata was
        killed before collection, the grading failed) lists the kata's tests
        from ``manifest`` in ``results``, none run, so that every format shows
        every test; ``tests.total`` still counts the tests that ran.
        """
        kata, run, score = self.run.kata, self.run, self.score
        impl_file = run.impl / f"{kata.module}.py"
        try:
            impl = str(run.impl.relative_to(root))
        except ValueError:
            impl = str(run.impl)
        entry: dict[str, Any] = {
            "slug": kata.slug,
            "title": kata.title,
            "area": kata.area,
            "difficulty": kata.difficulty,
            "status": str(score.status),
            "points": {"earned": score.earned, "possible": score.possible},
            "tests": {"passed": score.passed, "total": score.total},
            "implementation": impl,
            "impl_sha256": sha256(impl_file) if impl_file.is_file() else None,
            "duration": round(run.duration, 6),
            "reference_duration": (
                None if self.reference_duration is None else round(self.reference_duration, 6)
            ),
            "wall": round(run.wall, 3),
            "broken": run.broken,
            "problem": run.problem,
            "tampered": list(run.tampered),
            "timing": self.timing.to_dict() if self.timing else None,
            "output": run.output if not score.solved else "",
            "results": [_test(t) for t in run.tests],
            "source": self.source,
            "selected": self.selected,
            "result": None,
            "last_grade": self.last_grade,
        }
        if self.selected is not None:
            entry.update(
                status=None,
                result=selection_result(entry["status"], entry["results"]),
                points={"earned": 0, "possible": score.possible},
            )
        elif not run.tests:  # a selection lists what it ran: never the kata's other tests
            entry["results"] = _unrun_tests(entry, kata, manifest_tests(manifest, kata.slug))
        return entry

    @classmethod
    def unrun(
        cls,
        kata: Kata,
        status: KataStatus,
        problem: str | None,
        tampered: Sequence[str] = (),
        broken: dict[str, Any] | None = None,
    ) -> KataEntry:
        """The entry of a kata that could not be graded: no test ran, no points."""
        run = RunResult(
            kata=kata, impl=kata.dir, problem=problem, tampered=list(tampered), broken=broken
        )
        return cls(run, Score(status, 0.0, kata.points, 0, 0))


def build(
    entries: Sequence[KataEntry],
    *,
    root: Path,
    implementation: dict[str, str],
    started: str,
    complete: bool,
    manifest: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The report as a JSON-ready dict: the one constructor of reports and their entries.

    ``manifest`` (``katas/manifest.json``) names the tests of a kata whose run
    reported none (see :meth:`KataEntry.to_dict`). The summary's katas, solved
    and points count whole katas only; its tests count every test run,
    selected ones too.
    """
    katas = [e.to_dict(root, manifest) for e in entries]
    whole = [k for k in katas if k["selected"] is None]
    return {
        "schema": SCHEMA,
        "started_at": started,
        "finished_at": _now(),
        "complete": complete,
        "implementation": implementation,
        "environment": environment(),
        "summary": {
            "katas": len(whole),
            "solved": sum(k["status"] == "solved" for k in whole),
            "points": round(sum(k["points"]["earned"] for k in whole), 2),
            "possible": sum(k["points"]["possible"] for k in whole),
            "tests_passed": sum(k["tests"]["passed"] for k in katas),
            "tests_total": sum(k["tests"]["total"] for k in katas),
        },
        "katas": katas,
    }


def unrun_entry(
    kata: Kata,
    status: KataStatus,
    problem: str | None,
    *,
    root: Path,
    manifest: Mapping[str, Any] | None = None,
    tampered: Sequence[str] = (),
    broken: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The report entry of a kata that could not be graded: its tests listed, none run."""
    return KataEntry.unrun(kata, status, problem, tampered, broken).to_dict(root, manifest)


def unrun_report(
    katas: Sequence[Kata],
    status: KataStatus,
    problem: str,
    *,
    root: Path,
    manifest: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A report for a grading that could not finish (it failed or was stopped): no points."""
    return build(
        [KataEntry.unrun(k, status, problem) for k in katas],
        root=root,
        implementation={"kind": "impl", "path": ""},
        started=_now(),
        complete=False,
        manifest=manifest,
    )


def write(report: dict[str, Any], path: Path) -> None:
    write_atomic(path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")


def history_line(report: dict[str, Any]) -> dict[str, Any]:
    """The summary of a report kept in the history file.

    A kata graded whole has its ``status``, tests and points; a selection
    (``KATA::TEST``) has the test it ran (``selected``), its ``result`` and its
    tests, and no status or points: it never stands for the kata's.
    """
    katas: dict[str, dict[str, Any]] = {}
    for k in report["katas"]:
        tests = {"passed": k["tests"]["passed"], "total": k["tests"]["total"]}
        if k.get("selected"):
            katas[k["slug"]] = {"selected": k["selected"], "result": k.get("result"), **tests}
        else:
            katas[k["slug"]] = {"status": k["status"], **tests, "points": k["points"]["earned"]}
    return {
        "finished_at": report["finished_at"],
        "complete": report["complete"],
        "implementation": report["implementation"].get("kind"),
        "katas": katas,
    }


def append_history(report: dict[str, Any], path: Path) -> int:
    """Append this run's summary, keeping the last HISTORY_LIMIT runs.

    Returns how many unreadable lines of the old file were dropped.
    """
    lines, skipped = read_history(path)
    lines.append(history_line(report))
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines[-HISTORY_LIMIT:])
    write_atomic(path, text)
    return skipped


def read_history(path: Path) -> tuple[list[dict[str, Any]], int]:
    """The readable history entries and how many unreadable lines were skipped."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return [], 0
    entries, skipped = [], 0
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            skipped += 1
            continue
        if isinstance(entry, dict) and isinstance(entry.get("katas"), dict):
            entries.append(entry)
        else:
            skipped += 1
    return entries, skipped


def read(path: Path) -> dict[str, Any] | None:
    """A report from disk, or ``None`` when missing or unreadable."""
    data = read_json_object(path)
    return data if data is not None and data.get("schema") == SCHEMA else None
