"""Batch grading: a whole class's submissions in one run.

``python -m grader batch SUBMISSIONS_DIR [--katas …] [--jobs N] [--out DIR]``
grades every subfolder of ``SUBMISSIONS_DIR`` — a student's checkout of the
assignment, their code in ``<student>/katas/<slug>/<module>.py`` (a folder
laid out as ``<slug>/<module>.py`` directly works too) — against the tests of
this repository (``--root``), never the students' own copies of them.

Every student's kata runs are planned with the pipeline's own tasks, then all
of them go through one :class:`~grader.runner.Runner`, so the class is graded
in parallel on every core, each run in its own process: a submission that
does not import, hangs or crashes costs only its own kata. Then each
student's runs are verified, scored and reported like ``grade`` does.

It writes, in ``--out``:

- ``gradebook.csv``: a row per student, a column per kata (its points), and the total;
- ``reports/<student>.json``: each student's full report (``kata-report/1``);
- ``summary.md``: the class per kata, the tests that fail most often among
  the students who attempted the kata (with the commonest message), and the
  submissions that need a look (broken, timed out, crashed, tampered).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import statistics
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.verdicts import KataStatus

if TYPE_CHECKING:
    from grader.pipeline import Grade, Options

ATTENTION = tuple(str(s) for s in KataStatus if s.props.attention)
"""Kata statuses that mean the submission, not just the solution, needs a look."""

MOST_FAILED_SHOWN = 20


@dataclass
class Student:
    """One student's folder and, once graded, their report."""

    name: str
    folder: Path
    report: dict[str, Any] | None = None


def submission_folder(student: Path) -> Path:
    """Where a student's modules are: ``<student>/katas`` in a checkout, else the folder."""
    katas = student / "katas"
    return katas if katas.is_dir() else student


def _options(**values: Any) -> Options:
    """Options from the values the pipeline knows (some options are newer than others)."""
    from grader.pipeline import Options

    known = {f.name for f in dataclasses.fields(Options)}
    return Options(**{k: v for k, v in values.items() if k in known})


def grade_class(
    root: Path, students: Sequence[Student], katas: Sequence[str] = (), jobs: int | None = None
) -> bool:
    """Grade every student; fills ``Student.report``. False when interrupted."""
    from grader import pipeline
    from grader.results import collect
    from grader.runner import Runner, preload, remove_scratch
    from grader.selection import Implementation, select

    grades: list[Grade] = []
    for student in students:
        options = _options(
            root=root,
            targets=list(katas),
            quiet=True,
            compare_reference=False,
            timing=False,
            impl=str(submission_folder(student.folder)),
        )
        state = pipeline.Grade(options)
        pipeline.load(state)
        state.targets = select(state.catalog, options.targets)
        state.implementation = Implementation("impl", submission_folder(student.folder).resolve())
        pipeline.plan(state)
        grades.append(state)

    jobs_all = [job for state in grades for job in state.jobs]
    by_slug = {t.kata.slug: t.kata for state in grades for t in state.targets}
    preload(kata.test_file for kata in by_slug.values())
    runner = Runner(workers=jobs)
    outcomes = runner.run(jobs_all, [by_slug[j.slug].kata_timeout for j in jobs_all])
    for job in jobs_all:
        remove_scratch(Path(job.scratch))

    workflow = list(pipeline.WORKFLOW)
    after_run = workflow[workflow.index(pipeline.run) + 1 : workflow.index(pipeline.save)]
    start = 0
    for student, state in zip(students, grades):
        mine = outcomes[start : start + len(state.jobs)]
        start += len(state.jobs)
        state.interrupted = runner.interrupted
        state.runs = [collect(o, by_slug[o.job.slug]) for o in mine][: len(state.targets)]
        for task in after_run:
            task(state)
        student.report = state.report
    return not runner.interrupted


# -- outputs ---------------------------------------------------------------------------


def gradebook(students: Sequence[Student], slugs: Sequence[str]) -> list[list[str]]:
    """The gradebook's rows, header first."""
    rows = [["student", *slugs, "total"]]
    for student in students:
        assert student.report is not None
        points = {k["slug"]: k["points"]["earned"] for k in student.report["katas"]}
        row = [student.name, *(f"{points.get(s, 0):g}" for s in slugs)]
        rows.append([*row, f"{student.report['summary']['points']:g}"])
    return rows


def most_failed(students: Sequence[Student]) -> list[dict[str, Any]]:
    """Tests by how many of the students who attempted their kata failed them."""
    attempted: Counter[str] = Counter()
    failed: Counter[tuple[str, str]] = Counter()
    messages: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for student in students:
        for kata in (student.report or {}).get("katas", []):
            if kata["status"] == "not started" or not kata["results"]:
                continue
            attempted[kata["slug"]] += 1
            for t in kata["results"]:
                if t["status"] in ("passed", "skipped"):
                    continue
                key = (kata["slug"], t["name"])
                failed[key] += 1
                first = (t.get("message") or t["status"]).strip().splitlines()
                messages[key][first[0] if first else t["status"]] += 1
    ranked = sorted(failed.items(), key=lambda item: (-item[1] / attempted[item[0][0]], item[0]))
    return [
        {
            "kata": slug,
            "test": name,
            "failed": count,
            "attempted": attempted[slug],
            "message": messages[(slug, name)].most_common(1)[0][0],
        }
        for (slug, name), count in ranked
    ]


def summary(students: Sequence[Student], slugs: Sequence[str], possible: dict[str, int]) -> str:
    """The class summary in Markdown."""
    from grader.markdown import cell

    reports = [s.report for s in students if s.report]
    total_possible = sum(possible[s] for s in slugs)
    lines = [
        "# Class summary",
        "",
        f"{len(students)} students, {len(slugs)} katas, {total_possible} points possible.",
        "",
        "| Kata | Points | Mean | Median | Solved | Partial | Not started | Need a look |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for slug in slugs:
        entries = [k for r in reports for k in r["katas"] if k["slug"] == slug]
        points = [k["points"]["earned"] for k in entries] or [0]
        statuses = Counter(k["status"] for k in entries)
        lines.append(
            f"| `{slug}` | {possible[slug]} | {statistics.mean(points):.2f} | "
            f"{statistics.median(points):g} | {statuses['solved']} | {statuses['partial']} | "
            f"{statuses['not started']} | {sum(statuses[s] for s in ATTENTION)} |"
        )
    totals = [r["summary"]["points"] for r in reports] or [0]
    lines += [
        "",
        f"Total: mean {statistics.mean(totals):.2f}, median {statistics.median(totals):g} "
        f"of {total_possible}.",
        "",
        "## Tests that fail most often",
        "",
        "Among the students who attempted the kata (its stub no longer untouched).",
        "",
    ]
    ranked = most_failed(students)
    if ranked:
        lines += ["| Test | Kata | Failed for | Commonest message |", "|---|---|--:|---|"]
        for row in ranked[:MOST_FAILED_SHOWN]:
            lines.append(
                f"| `{row['test']}` | `{row['kata']}` | {row['failed']}/{row['attempted']} | "
                f"{cell(row['message'], 160)} |"
            )
    else:
        lines.append("No test failed.")
    attention = [
        (s.name, k)
        for s in students
        for k in (s.report or {}).get("katas", [])
        if k["status"] in ATTENTION
    ]
    if attention:
        from grader.credit import kata_problem

        lines += [
            "",
            "## Submissions that need a look",
            "",
            "| Student | Kata | Status | Why |",
            "|---|---|---|---|",
        ]
        for name, k in attention:
            why = kata_problem(k) or k["status"]
            lines.append(f"| {cell(name)} | `{k['slug']}` | {k['status']} | {cell(why, 200)} |")
    return "\n".join(lines) + "\n"


def write_outputs(out: Path, students: Sequence[Student]) -> None:
    from grader import report as report_io

    slugs: list[str] = []
    possible: dict[str, int] = {}
    for student in students:
        for k in (student.report or {}).get("katas", []):
            if k["slug"] not in possible:
                slugs.append(k["slug"])
                possible[k["slug"]] = k["points"]["possible"]
    (out / "reports").mkdir(parents=True, exist_ok=True)
    for student in students:
        if student.report is not None:
            report_io.write(student.report, out / "reports" / f"{student.name}.json")
    with (out / "gradebook.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(gradebook(students, slugs))
    (out / "summary.md").write_text(summary(students, slugs, possible), encoding="utf-8")


def find_students(submissions: Path) -> list[Student]:
    """Every visible subfolder of ``submissions``, by name."""
    return [
        Student(d.name, d)
        for d in sorted(submissions.iterdir())
        if d.is_dir() and not d.name.startswith((".", "_"))
    ]


# -- command line ----------------------------------------------------------------------


def add_parser(sub: argparse._SubParsersAction, root: Path) -> None:
    p = sub.add_parser(
        "batch",
        help="grade a class: every student's checkout of the assignment, in parallel",
        description="Grade each subfolder of SUBMISSIONS_DIR (a student's checkout: "
        "<student>/katas/<slug>/<module>.py) against this repository's tests; write a "
        "gradebook CSV, one JSON report per student and a Markdown summary.",
    )
    p.add_argument("submissions", type=Path, metavar="SUBMISSIONS_DIR")
    p.add_argument("--katas", nargs="+", default=[], metavar="KATA", help="default: all")
    p.add_argument("--jobs", "-j", type=int, metavar="N", help="parallel processes")
    p.add_argument(
        "--out",
        type=Path,
        default=Path("grades"),
        metavar="DIR",
        help="where to write the results (default: ./grades)",
    )
    p.add_argument("--root", type=Path, default=root, help=argparse.SUPPRESS)
    p.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    from grader.selection import UsageError

    if not args.submissions.is_dir():
        raise UsageError(f"{args.submissions}: no such folder")
    students = find_students(args.submissions)
    if not students:
        raise UsageError(f"{args.submissions} holds no student folders")
    root = args.root.resolve()
    complete = grade_class(root, students, args.katas, args.jobs)
    write_outputs(args.out, students)
    width = max(len(s.name) for s in students)
    for s in students:
        assert s.report is not None
        total = s.report["summary"]
        print(f"{s.name.ljust(width)}  {total['points']:g}/{total['possible']}")
    print(
        f"wrote {args.out / 'gradebook.csv'}, {args.out / 'summary.md'} and "
        f"{len(students)} reports in {args.out / 'reports'}"
    )
    if not complete:
        print("grading was interrupted: the results are incomplete", file=sys.stderr)
        return 130
    return 0
