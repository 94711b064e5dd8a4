"""Gradescope: an autograder zip, and the run that grades one submission with it.

``python -m grader gradescope SLUG… --out FILE.zip`` builds the zip Gradescope
wants (https://gradescope-autograders.readthedocs.io/en/latest/specs/):
``setup.sh`` and ``run_autograder`` at its root, beside an exported
assignment (:mod:`grader.platforms.export`: the katas, their manifest and the
reference's times, the grader; no reference solution). Gradescope unpacks it
into ``/autograder/source``, runs ``setup.sh`` once to build the image, then
``run_autograder`` (copied to ``/autograder/run_autograder``) per submission.

``run_autograder`` calls ``python -m grader gradescope-run``, which copies the
learner's modules from ``/autograder/submission`` — ``<slug>/<module>.py``
folders (also under ``katas/``, as in a checkout of the assignment) or bare
``<module>.py`` files — into a fresh folder, grades it, and writes
``/autograder/results/results.json``: per test ``score``, ``max_score``,
``status`` (``passed``/``failed``), ``name``, ``number``, ``output`` and
``visibility``; at the top ``score`` (the report's points: the spec lets it
override the tests' sum, and the tests' scores, in hundredths, add up to it
too), ``execution_time``, ``output`` and a ``leaderboard`` entry
with the learner's time against the reference's. A provisional results file
is written before grading starts, and any failure of the grader itself still
ends in a complete results file, so a crash or a timeout never leaves the
learner without feedback.

The folders are ``/autograder/...`` unless ``KATA_AUTOGRADER_DIR`` (the
``/autograder`` folder) or ``--submission``/``--results-dir`` say otherwise,
so the whole run can be tried anywhere: the zip's own ``README.md``
(``grader/templates/gradescope/README.md.tmpl``) and ``docs/gradescope.md`` say how.

``--disclosure`` (and ``--kata-disclosure KATA=LEVEL``) choose how much of a
failing test the students see in ``results.json`` (:mod:`grader.render.disclosure`).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
import time
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.core.files import template
from grader.core.formats import View, register
from grader.core.verdicts import KataStatus, test_outcome
from grader.platforms.export import ExportError, grade_requirements
from grader.render.credit import credits, kata_problem
from grader.render.disclosure import FULL, LEVELS, check_level, redact

if TYPE_CHECKING:
    from grader.core.catalog import Kata

AUTOGRADER = Path("/autograder")
LEADERBOARD_TIME = "Time vs reference (×)"
OUTPUT_TRACEBACK_LINES = 20

# -- building the zip ------------------------------------------------------------------


def _disclosure_args(level: str, kata_levels: dict[str, str]) -> str:
    args = [] if level == FULL else ["--disclosure", level]
    for slug, kata_level in sorted(kata_levels.items()):
        args += ["--kata-disclosure", f"{slug}={kata_level}"]
    return "".join(f"{shlex.quote(a)} " for a in args)


def build(
    root: Path,
    slugs: Sequence[str],
    out: Path,
    *,
    jobs: int | None = None,
    title: str = "Backend katas",
    disclosure: str = FULL,
    kata_disclosure: dict[str, str] | None = None,
) -> list[Kata]:
    """Write the autograder zip for these katas to ``out``; returns the katas."""
    from grader.platforms import export

    kata_disclosure = kata_disclosure or {}
    for level in (disclosure, *kata_disclosure.values()):
        try:
            check_level(level)
        except ValueError as exc:
            raise ExportError(str(exc)) from None
    with tempfile.TemporaryDirectory(prefix="kata-gradescope-") as temp:
        source = Path(temp) / "source"
        result = export.build(root, slugs, source, title, jobs=jobs, platform=export.GRADESCOPE)
        unknown = sorted(set(kata_disclosure) - {k.slug for k in result.katas})
        if unknown:
            raise ExportError(f"--kata-disclosure names {', '.join(unknown)}: not in the zip")
        from grader.platforms.classroom50 import assignment_requirements

        needed = assignment_requirements(grade_requirements(root), result.katas)
        requirements = " ".join(shlex.quote(r) for r in needed)
        (source / "setup.sh").write_text(
            template("gradescope/setup.sh.tmpl").format(requirements=requirements)
        )
        names = " ".join(shlex.quote(k.slug) for k in result.katas)
        options = _disclosure_args(disclosure, kata_disclosure)
        (source / "run_autograder").write_text(
            template("gradescope/run_autograder.tmpl").format(slugs=names, disclosure=options)
        )
        points = sum(k.points for k in result.katas)
        count = f"{len(result.katas)} kata{'s' if len(result.katas) != 1 else ''}, {points} points"
        (source / "README.md").write_text(
            template("gradescope/README.md.tmpl").format(
                title=title,
                count=count,
                katas=", ".join(f"`{k.slug}`" for k in result.katas),
                points=points,
                disclosure=disclosure,
            ),
            encoding="utf-8",
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(source.rglob("*")):
                if path.is_dir():
                    continue
                info = zipfile.ZipInfo(path.relative_to(source).as_posix(), (2020, 1, 1, 0, 0, 0))
                executable = path.name in ("setup.sh", "run_autograder")
                info.external_attr = (0o100755 if executable else 0o100644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    return result.katas


# -- the submission --------------------------------------------------------------------


def find_module(submission: Path, kata: Kata) -> Path | None:
    """The learner's file: ``[katas/]<slug>/<module>.py``, else a bare ``<module>.py``."""
    name = f"{kata.module}.py"
    for candidate in (submission / kata.slug / name, submission / "katas" / kata.slug / name):
        if candidate.is_file():
            return candidate
    found = sorted(submission.rglob(name), key=lambda p: (p.parent.name != kata.slug, len(p.parts)))
    return found[0] if found else None


# -- results.json ----------------------------------------------------------------------


def _test_output(test: dict[str, Any], slug: str) -> str:
    if test["status"] == "passed":
        return ""
    lines = [test.get("message") or test["status"]]
    if test.get("spec"):
        lines.append(f"spec: katas/{slug}/README.md § {test['spec']}")
    if test.get("line"):
        lines.append(f"at: {test['nodeid'].split('::', 1)[0]}:{test['line']}")
    if test.get("traceback"):
        lines += ["", *test["traceback"].splitlines()[-OUTPUT_TRACEBACK_LINES:]]
    if test.get("stdout"):
        lines += ["", "printed:", test["stdout"]]
    return "\n".join(lines)


def speed_ratio(report: dict[str, Any]) -> float | None:
    """The learner's time over the reference's, on the solved katas with both times."""
    mine = theirs = 0.0
    for k in report.get("katas", []):
        if k["status"] == "solved" and k.get("reference_duration"):
            mine += k["duration"]
            theirs += k["reference_duration"]
    return round(mine / theirs, 3) if theirs > 0 else None


def results(
    report: dict[str, Any],
    found: Mapping[str, str],
    execution_time: float,
    disclosure: str = FULL,
    kata_disclosure: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Gradescope's results.json for a report, each kata at its disclosure level."""
    tests = []
    listed: dict[str, tuple[int, int]] = {}  # slug -> (passed, listed)
    for n, kata in enumerate(report["katas"], 1):
        slug = kata["slug"]
        level = (kata_disclosure or {}).get(slug, disclosure)
        problem = kata_problem(kata) if level != "none" else ""
        if not found.get(slug, "x"):
            problem = f"no {slug}/ module found in your submission. {problem}".strip()
        lines = credits(kata, exact=False)
        listed[slug] = (sum(c.status == "passed" for c in lines), len(lines))
        for i, c in enumerate(lines, 1):
            output = _test_output(redact(c.result, level), slug)
            if c.status != "passed" and problem and problem not in output:
                output = f"{problem}\n\n{output}" if c.status != "not run" else problem
            tests.append(
                {
                    "score": c.score,
                    "max_score": c.max_score,
                    "status": test_outcome(c.status).props.gradescope,
                    "name": f"{slug} › {c.name}",
                    "number": f"{n}.{i}",
                    "output": output,
                    "visibility": "visible",
                }
            )
    summary = report["summary"]
    # The tests counted are the tests listed: a kata that timed out still lists every one.
    passed = sum(p for p, _ in listed.values())
    out = [
        f"{summary['points']:g}/{summary['possible']} points, {summary['solved']}/"
        f"{summary['katas']} katas solved, {passed}/{len(tests)} tests passed",
        "",
    ]
    for kata in report["katas"]:
        where = found.get(kata["slug"])
        ok, count = listed[kata["slug"]]
        out.append(
            f"{kata['slug']}: {kata['status']}, {ok}/{count} tests, {kata['points']['earned']:g}/"
            f"{kata['points']['possible']} points"
            + (f" (graded {where})" if where else " (no file found in the submission)")
        )
    data: dict[str, Any] = {
        "score": summary["points"],
        "execution_time": round(execution_time, 3),
        "output": "\n".join(out),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    ratio = speed_ratio(report)
    if ratio is not None:
        data["leaderboard"] = [{"name": LEADERBOARD_TIME, "value": ratio, "order": "asc"}]
    return data


@register("gradescope")
def render_results(report: dict[str, Any], view: View) -> str:
    """The ``gradescope`` format: results.json, at ``view``'s disclosure levels.

    ``view.found`` says where each kata's module was found in the submission.
    """
    data = results(
        report, view.found or {}, view.execution_time, view.disclosure, dict(view.kata_disclosure)
    )
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def failure_results(
    katas: Sequence[Kata],
    manifest: Mapping[str, Any] | None,
    message: str,
    execution_time: float,
    root: Path,
) -> dict[str, Any]:
    """results.json when no report could be made: every test listed, no points."""
    from grader.core.report import unrun_report

    report = unrun_report(katas, KataStatus.ERROR, message, root=root, manifest=manifest)
    data = results(report, {k.slug: "?" for k in katas}, execution_time)
    data["output"] = f"{message}\n\n{data['output']}"
    return data


def _write(results_dir: Path, data: dict[str, Any]) -> None:
    from grader.core.files import write_atomic

    write_atomic(results_dir / "results.json", json.dumps(data, indent=1, ensure_ascii=False))


def run(
    root: Path,
    slugs: Sequence[str],
    submission: Path,
    results_dir: Path,
    disclosure: str = FULL,
    kata_disclosure: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Grade a submission and write ``results_dir/results.json``; returns what was written."""
    from grader.core.catalog import load_catalog
    from grader.core.integrity import load_manifest
    from grader.core.selection import select

    started = time.monotonic()
    manifest = load_manifest(root)
    katas = [t.kata for t in select(load_catalog(root), slugs)]
    unfinished = "Grading did not finish (it was stopped before the end)."
    _write(results_dir, failure_results(katas, manifest, unfinished, 0.0, root))
    from grader.platforms.submission import failure, grade_submission

    try:
        report, found = grade_submission(root, submission, katas, find_module, "kata-submission-")
        data = results(report, found, time.monotonic() - started, disclosure, kata_disclosure)
    except Exception as exc:
        problem = f"The grader failed: {failure(exc)}"
        data = failure_results(katas, manifest, problem, time.monotonic() - started, root)
    _write(results_dir, data)
    return data


# -- command line ----------------------------------------------------------------------


def add_parser(sub: argparse._SubParsersAction, root: Path) -> None:
    p = sub.add_parser(
        "gradescope",
        help="build a Gradescope autograder zip for some katas",
        description="Write a Gradescope autograder zip (setup.sh, run_autograder, the katas "
        "and the grader; no reference solutions).",
    )
    p.add_argument("slugs", nargs="+", metavar="KATA")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.zip")
    p.add_argument("--name", default="Backend katas", metavar="TITLE", help="the assignment title")
    _disclosure_options(p)
    p.add_argument("--jobs", "-j", type=int, metavar="N", help="parallel processes")
    p.add_argument("--root", type=Path, default=root, help=argparse.SUPPRESS)
    p.set_defaults(handler=main)

    r = sub.add_parser(
        "gradescope-run",
        help="grade a Gradescope submission (what run_autograder does)",
        description="Grade the submission and write results.json for Gradescope.",
    )
    r.add_argument("slugs", nargs="+", metavar="KATA")
    r.add_argument("--submission", type=Path, default=AUTOGRADER / "submission", metavar="DIR")
    r.add_argument("--results-dir", type=Path, default=AUTOGRADER / "results", metavar="DIR")
    _disclosure_options(r)
    r.add_argument("--root", type=Path, default=root, help=argparse.SUPPRESS)
    r.set_defaults(handler=main_run)


def _disclosure_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--disclosure", choices=LEVELS, default=FULL,
                   help="how much of a failing test the students see (default: full)")  # fmt: skip
    p.add_argument("--kata-disclosure", action="append", default=[], metavar="KATA=LEVEL",
                   help="another disclosure level for one kata (repeatable)")  # fmt: skip


def main(args: argparse.Namespace) -> int:
    from grader.platforms.export import _kata_levels

    try:
        katas = build(args.root.resolve(), args.slugs, args.out.resolve(), jobs=args.jobs,
                      title=args.name, disclosure=args.disclosure,
                      kata_disclosure=_kata_levels(args.kata_disclosure))  # fmt: skip
    except ExportError as exc:
        print(f"grader: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}: {len(katas)} katas, {sum(k.points for k in katas)} points")
    print("next: upload it in Gradescope (Configure Autograder); its README.md says how, and how "
          "to try it on your machine first")  # fmt: skip
    return 0


def main_run(args: argparse.Namespace) -> int:
    from grader.platforms.export import _kata_levels

    data = run(args.root.resolve(), args.slugs, args.submission, args.results_dir,
               args.disclosure, _kata_levels(args.kata_disclosure))  # fmt: skip
    print(data["output"])
    return 0  # results.json carries the verdict
