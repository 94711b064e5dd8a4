"""Batch grading: a whole class's submissions in one run.

``python -m grader batch SUBMISSIONS_DIR [--katas …] [--jobs N] [--out DIR]``
grades every subfolder of ``SUBMISSIONS_DIR`` — a student's checkout of the
assignment, their code in ``<student>/katas/<slug>/<module>.py`` (a folder
laid out as ``<slug>/<module>.py`` directly works too) — against the tests of
this repository (``--root``), never the students' own copies of them.

Every student's kata runs are planned by the pipeline (``plan(prepare(…))``),
then all of them run at once (``run_all``), so the class is graded in parallel
on every core, each run in its own process: a submission that does not import,
hangs or crashes costs only its own kata. Then each student's runs are
verified, scored and reported like ``grade`` does (``assess``).

The katas graded are the assignment's (:func:`assignment_katas`): those named
by ``--katas``, else those of ``--assignment DIR`` (an exported assignment's
``katas/manifest.json``), else those the students' checkouts hold (their
manifests, else their kata folders) — never the whole catalog by accident.

It writes, in ``--out``:

- ``gradebook.csv``: a row per student, a column per kata (its points), and the total;
- ``reports/<student>.json``: each student's full report (``kata-report/1``);
- ``reports/<student>.md``: the same as Markdown, to hand back, at the
  ``--disclosure`` level (:mod:`grader.render.disclosure`);
- ``summary.md``: the class per kata, the tests that fail most often among
  the students who attempted the kata (with the commonest message), and the
  submissions that need a look (broken, timed out, crashed, tampered, or with
  tests that timed out, ran out of memory or crashed the process).
- with ``--similarity``: ``similarity.md``, the pairs of submissions whose code
  for a kata is suspiciously alike, and the submissions near-identical to the
  reference, measured with copydetect (winnowed token fingerprints, the
  algorithm of MOSS) with the kata's stub as boilerplate.

Where bubblewrap is installed, each run is sandboxed (``--sandbox``, see
:mod:`grader.core.sandbox`): a submission cannot read the instructor's files, write
outside its scratch folder, see the other submissions or use the network.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import re
import statistics
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.core.formats import View, register
from grader.core.verdicts import KataStatus, TestOutcome

if TYPE_CHECKING:
    from grader.core.catalog import Kata
    from grader.core.pipeline import Options, Plan
    from grader.core.sandbox import Sandbox

ATTENTION = tuple(str(s) for s in KataStatus if s.props.attention)
"""Kata statuses that mean the submission, not just the solution, needs a look."""

TEST_ATTENTION = {str(o): o.props.kind for o in TestOutcome if o.props.cause is not None}
"""Test outcomes that mean a look too, even in a kata that is otherwise partial (those that
name a cause, as their statuses do), in words."""

MOST_FAILED_SHOWN = 20


@dataclass
class Student:
    """One student's folder and, once graded, their report."""

    name: str
    folder: Path
    report: dict[str, Any] | None = None


def _manifest_katas(path: Path) -> list[str]:
    from grader.core.files import read_json_object

    return [k for k in read_json_object(path) or {} if not k.startswith("_")]


def assignment_katas(
    catalog: Sequence[str],
    students: Sequence[Student],
    katas: Sequence[str] = (),
    assignment: Path | None = None,
) -> tuple[list[str], str]:
    """The katas to grade, and where the list came from (for the log).

    ``--katas`` first; then ``--assignment``'s manifest (an exported template,
    its ``template/`` folder, or an autograder bundle); then the katas the
    students' checkouts name in their manifests, else hold as folders.
    """
    from grader.core.selection import UsageError

    if katas:
        return list(katas), "--katas"
    if assignment is not None:
        for candidate in (assignment, assignment / "template", assignment / "kata"):
            found = _manifest_katas(candidate / "katas" / "manifest.json")
            if found:
                return found, f"{candidate / 'katas' / 'manifest.json'}"
        raise UsageError(f"{assignment}: no katas/manifest.json of an exported assignment there")
    named: set[str] = set()
    for student in students:
        named.update(_manifest_katas(student.folder / "katas" / "manifest.json"))
    if not named:
        for student in students:
            folder = submission_folder(student.folder)
            named.update(p.name for p in folder.iterdir() if p.is_dir() and p.name in catalog)
    found = [slug for slug in catalog if slug in named]
    if not found:
        raise UsageError(
            "cannot tell the assignment's katas from the submissions: name them with "
            "--katas KATA… or --assignment DIR (the exported assignment)"
        )
    return found, "the students' checkouts"


def submission_folder(student: Path) -> Path:
    """Where a student's modules are: ``<student>/katas`` in a checkout, else the folder."""
    katas = student / "katas"
    return katas if katas.is_dir() else student


def _options(**values: Any) -> Options:
    """Options from the values the pipeline knows (some options are newer than others)."""
    from grader.core.pipeline import Options

    known = {f.name for f in dataclasses.fields(Options)}
    return Options(**{k: v for k, v in values.items() if k in known})


def grade_class(
    root: Path,
    students: Sequence[Student],
    katas: Sequence[str] = (),
    jobs: int | None = None,
    sandbox: Sandbox | None = None,
) -> bool:
    """Grade every student (in ``sandbox`` when given); fills ``Student.report``.

    False when interrupted.
    """
    from grader.core import pipeline
    from grader.core.catalog import load_catalog
    from grader.core.integrity import load_manifest
    from grader.core.selection import Implementation, select

    catalog = load_catalog(root)
    manifest = load_manifest(root)
    plans: list[tuple[Student, Options, Plan]] = []
    for student in students:
        folder = submission_folder(student.folder)
        options = _options(
            root=root,
            targets=list(katas),
            quiet=True,
            compare_reference=False,
            timing=False,
            impl=str(folder),
        )
        targets = tuple(select(catalog, options.targets))
        selection = pipeline.Selection(targets, Implementation("impl", folder.resolve()))
        # Every kata of every student runs: no result is reused, no reference is timed.
        planned = pipeline.plan(pipeline.prepare(selection), compare_reference=False)
        plans.append((student, options, planned))

    every = pipeline.run_all(
        [planned for *_, planned in plans], jobs=jobs, sandbox=sandbox, label="grading the class"
    )
    for (student, options, _), runs in zip(plans, every, strict=True):
        student.report = pipeline.assess(runs, options, manifest=manifest).report
    return not any(runs.interrupted for runs in every)


# -- outputs ---------------------------------------------------------------------------


def gradebook_row(report: dict[str, Any], name: str, slugs: Sequence[str]) -> list[str]:
    """One student's row: their points per kata (0 where not graded), then their total."""
    points = {k["slug"]: k["points"]["earned"] for k in report["katas"]}
    row = [name, *(f"{points.get(s, 0):g}" for s in slugs)]
    return [*row, f"{report['summary']['points']:g}"]


def gradebook(students: Sequence[Student], slugs: Sequence[str]) -> list[list[str]]:
    """The gradebook's rows, header first."""
    rows = [["student", *slugs, "total"]]
    for student in students:
        assert student.report is not None
        rows.append(gradebook_row(student.report, student.name, slugs))
    return rows


@register("gradebook-csv")
def render_gradebook(report: dict[str, Any], view: View) -> str:
    """The ``gradebook-csv`` format: a gradebook of one report (``view.student``'s row)."""
    slugs = [k["slug"] for k in report["katas"]]
    out = io.StringIO(newline="")
    csv.writer(out).writerows(
        [["student", *slugs, "total"], gradebook_row(report, view.student, slugs)]
    )
    return out.getvalue()


def most_failed(students: Sequence[Student]) -> list[dict[str, Any]]:
    """Tests by how many of the students who attempted their kata failed them."""
    attempted: Counter[str] = Counter()
    failed: Counter[tuple[str, str]] = Counter()
    messages: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for student in students:
        for kata in (student.report or {}).get("katas", []):
            if kata["status"] == "not started" or not kata["tests"]["total"]:
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
    from grader.render.markdown import cell

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
                f"{code(row['message'], 160)} |"
            )
    else:
        lines.append("No test failed.")
    attention = [
        (s.name, k, why)
        for s in students
        for k in (s.report or {}).get("katas", [])
        if (why := needs_a_look(k))
    ]
    if attention:
        lines += [
            "",
            "## Submissions that need a look",
            "",
            "| Student | Kata | Status | Why |",
            "|---|---|---|---|",
        ]
        for name, k, why in attention:
            lines.append(f"| {cell(name)} | `{k['slug']}` | {k['status']} | {code(why, 200)} |")
    return "\n".join(lines) + "\n"


# -- similarity ------------------------------------------------------------------------

NOISE_TOKENS = 25
"""Matches shorter than this many tokens are ignored (copydetect's default)."""

GUARANTEE_TOKENS = 30
"""Matches at least this long are always found (copydetect's default)."""


@dataclass(frozen=True)
class Similar:
    """Two files whose code overlaps: the share of each that is found in the other."""

    kata: str
    first: str
    second: str  # a student's name, or "reference"
    share_first: float
    share_second: float

    @property
    def share(self) -> float:
        return max(self.share_first, self.share_second)


def similarity(
    students: Sequence[Student], katas: Sequence[Kata], threshold: float = 0.8
) -> tuple[list[Similar], list[Similar]]:
    """Pairs of submissions alike at ``threshold`` or more, and submissions alike the reference.

    The code is read as text, never run. The kata's stub is boilerplate (every
    submission starts from it, so it does not count); an untouched stub is left
    out. Needs copydetect (``pip install copydetect``).
    """
    try:
        from copydetect import CodeFingerprint, compare_files
    except ImportError as exc:
        from grader.core.selection import UsageError

        raise UsageError(
            "--similarity needs copydetect: pip install copydetect "
            "(nox -s batch -- … --similarity installs it)"
        ) from exc

    window = GUARANTEE_TOKENS - NOISE_TOKENS + 1

    def fingerprint(path: Path, boilerplate=None):
        try:
            return CodeFingerprint(str(path), NOISE_TOKENS, window, boilerplate, language="python")
        except (OSError, UnicodeDecodeError, ValueError):
            return None

    pairs: list[Similar] = []
    to_reference: list[Similar] = []
    for kata in katas:
        stub = fingerprint(kata.stub) if kata.stub.is_file() else None
        boilerplate = list(stub.hashes) if stub is not None else []
        stub_text = kata.stub.read_text(encoding="utf-8") if kata.stub.is_file() else None
        prints = {}
        for student in students:
            path = submission_folder(student.folder) / kata.slug / f"{kata.module}.py"
            if not path.is_file():
                continue
            if path.read_text(encoding="utf-8", errors="replace") == stub_text:
                continue
            fp = fingerprint(path, boilerplate)
            if fp is not None and len(fp.hashes):
                prints[student.name] = fp
        names = sorted(prints)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                _, (sa, sb), _ = compare_files(prints[a], prints[b])
                if max(sa, sb) >= threshold:
                    pairs.append(Similar(kata.slug, a, b, float(sa), float(sb)))
        reference = fingerprint(kata.reference, boilerplate) if kata.reference.is_file() else None
        if reference is not None and len(reference.hashes):
            for name in names:
                _, (sa, sb), _ = compare_files(prints[name], reference)
                if max(sa, sb) >= threshold:
                    to_reference.append(Similar(kata.slug, name, "reference", float(sa), float(sb)))
    key = lambda s: (-s.share, s.kata, s.first, s.second)  # noqa: E731
    return sorted(pairs, key=key), sorted(to_reference, key=key)


def similarity_report(
    pairs: Sequence[Similar], to_reference: Sequence[Similar], threshold: float
) -> str:
    """``similarity.md``: the pairs and the look-alikes of the reference, most alike first."""
    from grader.render.markdown import cell

    lines = [
        "# Similar submissions",
        "",
        f"Code for the same kata that overlaps by {threshold:.0%} or more, measured with "
        "copydetect (winnowed fingerprints of token sequences; the stub does not count). "
        "Alike is not proof of copying: short katas leave little room to differ. Read the "
        "code before you decide.",
        "",
        "## Pairs of submissions",
        "",
    ]
    if pairs:
        lines += ["| Kata | Student | Student | Share of each in the other |", "|---|---|---|--:|"]
        for s in pairs:
            lines.append(
                f"| `{s.kata}` | {cell(s.first)} | {cell(s.second)} | "
                f"{s.share_first:.0%} / {s.share_second:.0%} |"
            )
    else:
        lines.append("No pair reaches the threshold.")
    lines += ["", "## Near the reference solution", ""]
    if to_reference:
        lines += ["| Kata | Student | Share of the submission in the reference |", "|---|---|--:|"]
        for s in to_reference:
            lines.append(f"| `{s.kata}` | {cell(s.first)} | {s.share_first:.0%} |")
    else:
        lines.append("No submission reaches the threshold.")
    return "\n".join(lines) + "\n"


def needs_a_look(kata: dict[str, Any]) -> str:
    """Why a student's kata needs the teacher's eye; empty when it does not.

    A kata whose status says the submission went wrong (broken, timed out,
    tampered…), or one whose tests hung, ran out of memory or crashed the
    process even though others passed: an endless loop, a runaway recursion.
    """
    from grader.render.credit import kata_problem

    if kata["status"] in ATTENTION:
        return kata_problem(kata) or kata["status"]
    bad: dict[str, list[str]] = defaultdict(list)
    for t in kata.get("results") or []:
        if t["status"] in TEST_ATTENTION:
            bad[t["status"]].append(t["name"])
    parts = []
    for status, names in bad.items():
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        count = f"{len(names)} test{'s' if len(names) != 1 else ''}"
        parts.append(f"{count} {TEST_ATTENTION[status]}: {shown}")
    return "; ".join(parts)


def code(text: str, limit: int = 160) -> str:
    """Text as a code span in a table cell: read as written, raw or rendered.

    A code span shows ``<``, ``>`` and ``&`` as they are (no ``&gt;`` in the
    raw file) and cannot carry HTML or links; only ``|`` needs escaping in a
    table, and the fence is longer than any run of backticks inside.
    """
    text = " ⏎ ".join(line.strip() for line in text.strip().splitlines() if line.strip())
    if len(text) > limit:
        text = text[:limit] + " […]"
    if not text:
        return ""
    text = text.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def student_markdown(student: Student, level: str) -> str:
    """A student's report as Markdown, at a disclosure level, to hand back to them."""
    from grader.render import markdown
    from grader.render.disclosure import redact_report

    assert student.report is not None
    text = markdown.render(redact_report(student.report, level))
    return text.replace("## Kata results", f"## {student.name}: kata results", 1)


def write_outputs(
    out: Path,
    students: Sequence[Student],
    level: str = "full",
) -> None:
    from grader.core import report as report_io

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
            (out / "reports" / f"{student.name}.md").write_text(
                student_markdown(student, level), encoding="utf-8"
            )
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
    p.add_argument(
        "--katas",
        nargs="+",
        default=[],
        metavar="KATA",
        help="the katas to grade (default: the assignment's, see --assignment)",
    )
    p.add_argument(
        "--assignment",
        type=Path,
        metavar="DIR",
        help="the exported assignment, whose manifest names its katas (default: the katas the "
        "students' checkouts hold)",
    )
    p.add_argument(
        "--disclosure",
        choices=("full", "actual-only", "none"),
        default="full",
        help="what the per-student Markdown reports show of a failing test (default: full)",
    )
    p.add_argument("--jobs", "-j", type=int, metavar="N", help="parallel processes")
    p.add_argument(
        "--out",
        type=Path,
        default=Path("grades"),
        metavar="DIR",
        help="where to write the results (default: ./grades)",
    )
    p.add_argument(
        "--sandbox",
        choices=("off", "auto", "require"),
        default="auto",
        help="run each submission in bubblewrap: auto (default: when installed), require, off",
    )
    p.add_argument(
        "--similarity",
        nargs="?",
        type=float,
        const=0.8,
        default=None,
        metavar="SHARE",
        help="also write similarity.md: submissions alike at SHARE (default 0.8) or more",
    )
    p.add_argument("--root", type=Path, default=root, help=argparse.SUPPRESS)
    p.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    from grader.core.selection import UsageError

    if not args.submissions.is_dir():
        raise UsageError(f"{args.submissions}: no such folder")
    students = find_students(args.submissions)
    if not students:
        raise UsageError(f"{args.submissions} holds no student folders")
    from grader.core.sandbox import choose

    root = args.root.resolve()
    from grader.core.catalog import load_catalog

    catalog = load_catalog(root)
    slugs = [k.slug for k in catalog]
    katas, source = assignment_katas(slugs, students, args.katas, args.assignment)
    print(f"grading {len(katas)} kata{'s' if len(katas) != 1 else ''} ({', '.join(katas)}; "
          f"from {source}) for {len(students)} students")  # fmt: skip
    sandbox = choose(args.sandbox, root, hide=[args.submissions.resolve()])
    complete = grade_class(root, students, katas, args.jobs, sandbox)
    write_outputs(args.out, students, args.disclosure)
    if args.similarity is not None:
        chosen = [k for k in catalog if k.slug in katas]
        pairs, to_reference = similarity(students, chosen, args.similarity)
        (args.out / "similarity.md").write_text(
            similarity_report(pairs, to_reference, args.similarity), encoding="utf-8"
        )
        print(
            f"similarity: {len(pairs)} pairs and {len(to_reference)} near the reference "
            f"in {args.out / 'similarity.md'}"
        )
    width = max(len(s.name) for s in students)
    for s in students:
        assert s.report is not None
        total = s.report["summary"]
        print(f"{s.name.ljust(width)}  {total['points']:g}/{total['possible']}")
    print(
        f"wrote {args.out / 'gradebook.csv'}, {args.out / 'summary.md'} and "
        f"{len(students)} reports (JSON and Markdown) in {args.out / 'reports'}"
    )
    if not complete:
        print("grading was interrupted: the results are incomplete", file=sys.stderr)
        return 130
    return 0
