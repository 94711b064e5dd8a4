"""The ``assignment`` command: export katas for Classroom 50 (default) or the Actions workflow.

A driver above the export (:mod:`grader.platforms.export`) and the platforms it
prepares the assignment for (:mod:`grader.platforms.classroom50`, and
:mod:`grader.platforms.classroom` for the Actions workflow).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from grader.platforms import classroom50
from grader.platforms.classroom import WORKFLOW
from grader.platforms.export import (
    ACTIONS,
    CLASSROOM50,
    PLATFORMS,
    ExportError,
    _kata_levels,
    _prepare_out,
    build,
    find_leaks,
    grade_requirements,
)


def add_parser(sub: argparse._SubParsersAction, root: Path) -> None:
    from grader.render.disclosure import LEVELS

    p = sub.add_parser(
        "assignment",
        help="export katas as an assignment: for Classroom 50 (default) or any GitHub repository",
        description="Write the students' template repository with the chosen katas, the grader "
        "and a learner's README (no reference solutions) and, for Classroom 50, the autograder "
        "bundle for the teacher's configuration repository.",
    )
    p.add_argument("slugs", nargs="+", metavar="KATA")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="a new, empty folder")
    p.add_argument("--name", default="Backend katas", metavar="TITLE", help="the assignment title")
    p.add_argument(
        "--platform",
        choices=PLATFORMS,
        default=CLASSROOM50,
        help="classroom50 (default): DIR/template/ and DIR/autograders/<assignment>/; actions: "
        "the template in DIR, with a workflow that shows the grade in the job summary",
    )
    p.add_argument(
        "--assignment",
        metavar="SLUG",
        help="the Classroom 50 assignment slug (default: made from --name)",
    )
    p.add_argument(
        "--disclosure",
        choices=LEVELS,
        default="full",
        help="how much of a failing test the students see (default: full)",
    )
    p.add_argument(
        "--kata-disclosure",
        action="append",
        default=[],
        metavar="KATA=LEVEL",
        help="another disclosure level for one kata (repeatable)",
    )
    p.add_argument(
        "--scale",
        type=int,
        default=10,
        metavar="N",
        help="Classroom 50 points per kata point (default: 10; result.json wants integers)",
    )
    p.add_argument("--jobs", "-j", type=int, metavar="N", help="parallel processes")
    p.add_argument("--root", type=Path, default=root, help=argparse.SUPPRESS)
    p.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    root, out = args.root.resolve(), args.out.resolve()
    try:
        if args.platform == CLASSROOM50:
            return _main_classroom50(args, root, out)
        if args.disclosure != "full" or args.kata_disclosure:
            note = "note: --disclosure is for Classroom 50; the Actions workflow's log shows "
            print(note + "every failure in full (the learner has the tests)", file=sys.stderr)
        result = build(root, args.slugs, out, args.name, jobs=args.jobs, platform=ACTIONS)
    except ExportError as exc:
        print(f"grader: {exc}", file=sys.stderr)
        return 2
    points = sum(k.points for k in result.katas)
    print(f"wrote {result.out}: {len(result.katas)} katas, {points} points")
    print(
        "next: push it to a GitHub repository (or mark it a template and hand out copies); "
        f"every push is graded by {WORKFLOW.as_posix()}, the grade shown in the job summary"
    )
    return 0


def _main_classroom50(args: argparse.Namespace, root: Path, out: Path) -> int:
    settings = classroom50.Settings(
        slug=args.assignment or classroom50.assignment_slug(args.name),
        title=args.name,
        katas=[],
        disclosure=args.disclosure,
        kata_disclosure=_kata_levels(args.kata_disclosure),
        scale=args.scale,
    )
    _prepare_out(out)
    try:
        result = build(root, args.slugs, out / "template", args.name, jobs=args.jobs,
                       platform=CLASSROOM50, scale=args.scale)  # fmt: skip
        settings.katas = [k.slug for k in result.katas]
        try:
            settings.check()
        except ValueError as exc:
            raise ExportError(str(exc)) from None
        bundle = out / "autograders" / settings.slug
        requirements = classroom50.assignment_requirements(grade_requirements(root), result.katas)
        size = classroom50.write_bundle(result.out, bundle, settings, requirements)
        leaks = find_leaks(bundle, sorted((root / "solutions").rglob("*.py")))
        if leaks:
            raise ExportError("the bundle would carry solution code:\n  " + "\n  ".join(leaks))
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    points = sum(k.points for k in result.katas)
    print(f"wrote {out}: {len(result.katas)} katas, {points} points "
          f"({points * settings.scale} in Classroom 50)")  # fmt: skip
    print("  template/  the students' repository: push it and mark it a template repository")
    where = f"<classroom>/autograders/{settings.slug}/"
    print(f"  autograders/{settings.slug}/  the autograder ({size / 1024:.0f} KiB packed): "
          f"copy it to {where} in your classroom50 repository")  # fmt: skip
    print("next: docs/classroom50.md walks through adding the assignment in Classroom 50")
    return 0
