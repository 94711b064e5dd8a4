"""Command line: ``python -m grader <command> …``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from grader.core.catalog import CatalogError
from grader.core.selection import UsageError
from grader.platforms import assignment, batch, classroom, classroom50, gradescope

ROOT = Path(__file__).resolve().parent.parent


def _grade_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "grade",
        help="grade katas against an implementation",
        description="Grade katas: run their tests against your code (default), "
        "the reference solutions, or a submission folder.",
    )
    p.add_argument(
        "targets",
        nargs="*",
        metavar="KATA[::TEST]",
        help="katas to grade (default: all); KATA::TEST grades one test",
    )
    who = p.add_mutually_exclusive_group()
    who.add_argument("--reference", action="store_true", help="grade the reference solutions")
    who.add_argument(
        "--impl", metavar="DIR", help="grade a folder laid out as DIR/<kata>/<module>.py"
    )
    p.add_argument(
        "--json",
        dest="json_path",
        type=Path,
        metavar="FILE",
        help="also write the JSON report to FILE",
    )
    p.add_argument(
        "--junit-xml",
        dest="junit_path",
        type=Path,
        metavar="FILE",
        help="also write JUnit XML (one testsuite per kata) to FILE, for CI dashboards",
    )
    p.add_argument(
        "--format",
        choices=("terminal", "markdown"),
        default="terminal",
        help="how to print the results: for a terminal (default) or as Markdown for a pull request",
    )
    p.add_argument(
        "--jobs", "-j", type=int, metavar="N", help="parallel processes (default: cores)"
    )
    colour = p.add_mutually_exclusive_group()
    colour.add_argument("--color", "--colour", dest="colour", action="store_const", const=True)
    colour.add_argument(
        "--no-color", "--no-colour", dest="colour", action="store_const", const=False
    )
    p.add_argument(
        "--no-reference-times",
        dest="compare_reference",
        action="store_false",
        help="do not run the reference to compare test times",
    )
    timing = p.add_mutually_exclusive_group()
    timing.add_argument(
        "--no-timing",
        dest="timing",
        action="store_false",
        help="skip the speed and growth comparison with the reference",
    )
    timing.add_argument(
        "--timing-only",
        action="store_true",
        help="only the speed comparison: katas whose last grade passed with the same code are "
        "not tested again (timing needs passing tests)",
    )
    p.add_argument(
        "--fresh",
        action="store_true",
        help="run every test and measurement again: by default a kata whose code, tests, "
        "kata.toml and grader are unchanged since its last grade reuses that result, and an "
        "untouched stub is 'not started' without running its tests",
    )
    p.add_argument(
        "--plot",
        action="store_true",
        help="draw each timed kata's time against n on log-log axes, yours beside the reference's",
    )
    p.add_argument(
        "--quiet", "-q", action="store_true", help="print nothing; the report is still written"
    )
    p.add_argument(
        "--sandbox",
        nargs="?",
        const="auto",
        default="off",
        choices=("off", "auto", "require"),
        help="run the tests in bubblewrap (no network, read-only files, home hidden); "
        "--sandbox=require refuses to grade without it",
    )
    p.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)


def _dev_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dev", help="tools for kata authors")
    dev = p.add_subparsers(dest="dev_command", required=True)
    check = dev.add_parser(
        "check", help="prove katas sound: stub fails, reference passes, wrong variants are rejected"
    )
    check.add_argument("slugs", nargs="*")
    check.add_argument("--json", type=Path, metavar="FILE", help="also write the verdicts as JSON")
    catalog = dev.add_parser("catalog", help="regenerate the README's catalog table")
    catalog.add_argument("--check", action="store_true", help="only report whether it is current")
    manifest = dev.add_parser("manifest", help="record the hashes and test names of katas")
    manifest.add_argument("slugs", nargs="*", help="only these katas (default: all)")
    mutation = dev.add_parser(
        "mutation", help="mutation testing: do the tests kill the reference's mutants?"
    )
    mutation.add_argument("slugs", nargs="*", help="only these katas (default: all)")
    mutation.add_argument("--jobs", type=int, help="parallel runs (default: every core)")
    mutation.add_argument("--json", type=Path, metavar="FILE", help="also write verdicts as JSON")
    mutation.add_argument(
        "--changed",
        action="store_true",
        help="only katas whose recorded verdict (solutions/<slug>/mutation.json) is stale",
    )
    patch = dev.add_parser(
        "patch", help="save an edited copy of a reference as a wrong or slow variant's patch"
    )
    patch.add_argument("slug", metavar="KATA")
    patch.add_argument("file", type=Path, help="the edited copy; its docstring names the bug")
    patch.add_argument("--kind", choices=("wrong", "slow"), default="wrong")
    patch.add_argument("--name", help="the variant's name (default: the file's)")
    for cmd in (p, check, catalog, manifest, mutation, patch):
        cmd.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _grade_parser(sub)
    _dev_parser(sub)
    for instructor_command in (assignment, classroom, classroom50, gradescope, batch):
        instructor_command.add_parser(sub, ROOT)
    _learner_parsers(sub)
    return parser


def _learner_parsers(sub: argparse._SubParsersAction) -> None:
    """The learner's loop: list, next, hint, watch, compare, reset."""
    from grader.learner import commands as learner

    def command(
        name: str, help: str, handler, slug: bool = True, optional: bool = False
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        if optional:
            p.add_argument("slug", metavar="KATA", nargs="?", help="default: the next unsolved")
        elif slug:
            p.add_argument("slug", metavar="KATA")
        p.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
        p.set_defaults(handler=handler)
        return p

    command(
        "list",
        "the catalog by learning-path stage, with your status",
        lambda a: learner.list_katas(a.root.resolve()),
        slug=False,
    )
    command(
        "next",
        "the first kata you have not solved yet",
        lambda a: learner.show_next(a.root.resolve()),
        slug=False,
    )
    command(
        "hint",
        "show the next hint for a kata (default: the next unsolved one)",
        lambda a: learner.show_hint(a.root.resolve(), a.slug),
        optional=True,
    )
    command(
        "reset",
        "restore a kata's stub (your file is backed up first)",
        lambda a: learner.reset(a.root.resolve(), a.slug),
    )
    compare = command(
        "compare",
        "your code beside the reference, once your tests pass",
        lambda a: learner.compare(a.root.resolve(), a.slug, a.force),
    )
    compare.add_argument("--force", action="store_true", help="compare before the tests pass")

    def run_watch(a: argparse.Namespace) -> int:
        from grader.learner.watch import watch

        return watch(a.root.resolve(), a.slug, a.poll)

    watch = command(
        "watch",
        "grade a kata each time you save it; keys: n next kata, h hint, l list, r regrade, q quit",
        run_watch,
        optional=True,
    )
    watch.add_argument(
        "--poll",
        action="store_true",
        help="check files on a timer (for WSL2 mounts and some containers)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["worker"] and len(argv) == 2:  # internal: a spawned grading process
        from grader.core.worker import Job, child_main

        child_main(Job.from_json(Path(argv[1]).read_text(encoding="utf-8")))
    args = build_parser().parse_args(argv)
    try:
        if args.command == "grade":
            from grader.core.pipeline import Options, grade

            options = Options(
                root=args.root.resolve(),
                targets=args.targets,
                reference=args.reference,
                impl=args.impl,
                json_path=args.json_path,
                jobs=args.jobs,
                colour=args.colour,
                compare_reference=args.compare_reference,
                junit_path=args.junit_path,
                format=args.format,
                timing=args.timing,
                timing_only=args.timing_only,
                fresh=args.fresh,
                plot=args.plot,
                quiet=args.quiet,
                sandbox=args.sandbox,
            )
            return grade(options).exit_code
        if getattr(args, "handler", None):
            return args.handler(args)
        if args.command == "dev":
            from grader.authoring import dev

            return dev.main(args)
    except (UsageError, CatalogError) as exc:
        print(f"grader: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ngrader: interrupted", file=sys.stderr)
        return 130
    return 0
