"""Assignment export: the repository the students get, for Classroom 50 or any GitHub repository.

``python -m grader assignment SLUG… --out DIR [--name TITLE] [--platform P]``
writes, for the ``classroom50`` platform (the default), ``DIR/template/`` —
the students' template repository — and ``DIR/autograders/<assignment>/``,
the autograder bundle for the teacher's Classroom 50 configuration repository
(:mod:`grader.platforms.classroom50`). For the ``actions`` platform it writes the
template straight into ``DIR``, with ``.github/workflows/classroom.yml``: a
GitHub Actions workflow that grades every push and shows the grade in the
job summary (:mod:`grader.platforms.classroom`), for any repository.

The template holds:

- ``katas/<slug>/``: each chosen kata as learners get it (spec, stub, tests,
  ``kata.toml``, workload), and ``katas/manifest.json`` for those katas only,
  plus the hashes of the assignment's own files (the grader, the workflow);
- ``katas/reference-times.json``: the reference's test times, measured now,
  so the learner's time is still shown against the reference (see
  :func:`grader.core.shipped.shipped_reference_time`);
- ``grader/``, a learner's ``noxfile.py`` (grade, watch, list, next, hint,
  reset) and ``pyproject.toml``, a ``README.md`` for the learner that says how
  their work is graded on the platform, and ``.gitignore``.

It holds no reference solution. Before writing anything the reference of each
kata is run (its test names go to the manifest, its times to
``reference-times.json``) and must pass; after writing, every file is checked
against every file under ``solutions/`` (:func:`find_leaks`), and the export
is removed if any of them carries a solution's code.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.core.files import template
from grader.core.shipped import SHIPPED_TIMES, timing_key
from grader.platforms import classroom
from grader.platforms.classroom import ASSIGNMENT_KEY, WORKFLOW

if TYPE_CHECKING:
    from grader.core.catalog import Kata

"""Where an export keeps the reference's recorded times."""

"""The manifest entry with the hashes of the assignment's own files (workflow and grader)."""

_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".kata", ".nox")


class ExportError(Exception):
    """The assignment cannot be exported as asked."""


# -- reference times shipped with an export --------------------------------------------


def _record_workload(kata: Kata) -> dict[str, Any] | None:
    """The reference's workload times at each size, with the calibration time."""
    from grader.core.runner import make_scratch, remove_scratch
    from grader.core.timing import record_kata

    scratch = make_scratch(f"record-{kata.slug}")
    try:
        return record_kata(kata, scratch)
    finally:
        remove_scratch(scratch)


# -- leak check ------------------------------------------------------------------------

LEAK_RUN = 5
"""Consecutive code lines of a reference's function bodies that may not reappear."""

LEAK_SUBSTANTIAL = 3
"""Of those, how many must be substantial (at least 16 characters) to count."""

LEAK_FUNCTION_STATEMENTS = 4
"""A reference function with at least this many statements may not reappear verbatim."""


def _code_lines(text: str) -> list[tuple[int, str]]:
    """(line number, stripped line) of every line that is not blank or a comment."""
    return [
        (n, line.strip())
        for n, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.strip().startswith("#")
    ]


def _functions(tree: ast.AST) -> Iterable[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def _body(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    return body


def _body_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for fn in _functions(tree):
        for stmt in _body(fn):
            lines.update(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
    return lines


def _function_dumps(tree: ast.AST, minimum: int) -> set[str]:
    dumps = set()
    for fn in _functions(tree):
        body = _body(fn)
        statements = sum(isinstance(n, ast.stmt) for s in body for n in ast.walk(s))
        if statements >= minimum:
            dumps.add(ast.dump(ast.Module(body=body, type_ignores=[])))
    return dumps


@dataclass
class _Solution:
    path: Path
    normalised: str
    runs: set[tuple[str, ...]]
    functions: set[str]


def _parse(text: str) -> ast.AST | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def _solution(path: Path) -> _Solution | None:
    text = path.read_text(encoding="utf-8", errors="replace")
    code = _code_lines(text)
    if len(code) < 3:
        return None
    tree = _parse(text)
    body = _body_lines(tree) if tree else {n for n, _ in code}
    runs = set()
    for i in range(len(code) - LEAK_RUN + 1):
        window = code[i : i + LEAK_RUN]
        if all(n in body for n, _ in window) and (
            sum(len(line) >= 16 for _, line in window) >= LEAK_SUBSTANTIAL
        ):
            runs.add(tuple(line for _, line in window))
    functions = _function_dumps(tree, LEAK_FUNCTION_STATEMENTS) if tree else set()
    return _Solution(path, "\n".join(line for _, line in code), runs, functions)


def find_leaks(export_dir: Path, solutions: Iterable[Path]) -> list[str]:
    """Files of ``export_dir`` that carry code of the given solution files, and why.

    A file leaks a solution when it is the same file (blank lines, comments and
    indentation aside), when it has a function whose body is one of the
    solution's (of at least LEAK_FUNCTION_STATEMENTS statements), or when
    LEAK_RUN consecutive code lines of the solution's function bodies appear
    in it in a row.
    """
    known = [s for s in (_solution(p) for p in solutions) if s is not None]
    leaks = []
    for path in sorted(export_dir.rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        lines = [line for _, line in _code_lines(text)]
        normalised = "\n".join(lines)
        windows = {tuple(lines[i : i + LEAK_RUN]) for i in range(len(lines) - LEAK_RUN + 1)}
        tree = _parse(text)
        functions = _function_dumps(tree, 1) if tree else set()
        shown = path.relative_to(export_dir)
        for s in known:
            if normalised == s.normalised:
                leaks.append(f"{shown} is a copy of {s.path}")
            elif s.functions & functions:
                leaks.append(f"{shown} has a function of {s.path}")
            elif s.runs & windows:
                run = next(iter(s.runs & windows))
                leaks.append(f"{shown} repeats {LEAK_RUN} lines of {s.path}: {run[0]!r} …")
    return leaks


# -- the files of an export ------------------------------------------------------------


def slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "katas"


def _toml_list(name: str, items: Sequence[str]) -> str:
    body = "".join(f"    {json.dumps(item)},\n" for item in items)
    return f"{name} = [\n{body}]\n"


GRADER_HOME = Path(__file__).resolve().parents[2]
"""The repository the grader package belongs to."""


def grade_requirements(root: Path) -> list[str]:
    """The ``grade`` dependency group of ``root``'s pyproject.toml (else the grader's own)."""
    from grader.core.catalog import tomllib  # the standard library's, or tomli before 3.11

    path = root / "pyproject.toml"
    if not path.is_file():
        path = GRADER_HOME / "pyproject.toml"
    with path.open("rb") as f:
        data = tomllib.load(f)
    return [r for r in data.get("dependency-groups", {}).get("grade", []) if isinstance(r, str)]


def pyproject(title: str, requirements: Sequence[str]) -> str:
    return (
        "[project]\n"
        f"name = {json.dumps(slugify(title))}\n"
        'version = "0.1.0"\n'
        f"description = {json.dumps(title + ': backend katas, graded automatically.')}\n"
        'requires-python = ">=3.10"\n'
        "dependencies = []\n\n"
        "[dependency-groups]\n"
        "# What grading needs: pytest and its plugins, and the libraries kata tests use.\n"
        + _toml_list("grade", requirements)
    )


CLASSROOM50 = "classroom50"
ACTIONS = "actions"
GRADESCOPE = "gradescope"
PLATFORMS = (CLASSROOM50, ACTIONS)
"""Where the students' work is graded: Classroom 50, or this repository's own workflow."""


def noxfile(platform: str) -> str:
    """The learner's noxfile; with the ``classroom`` session where the workflow uses it."""
    if platform == ACTIONS:
        doc = "    nox -s classroom -- KATA         what the workflow runs for one kata\n"
        session = template("assignment/noxfile-classroom.py.tmpl")
        return template("assignment/noxfile.py.tmpl").format(extra_doc=doc, extra=session)
    return template("assignment/noxfile.py.tmpl").format(extra_doc="", extra="")


def _stars(difficulty: int) -> str:
    return "★" * difficulty + "☆" * (3 - difficulty)


def student_readme(
    title: str, katas: Sequence[Kata], platform: str = "classroom50", scale: int = 10
) -> str:
    """The learner's README: what to do, how to grade locally, how their work is graded."""
    rows = "\n".join(
        f"| [`{k.slug}`](katas/{k.slug}/README.md) | {k.title} | `katas/{k.slug}/{k.module}.py`"
        f" | {_stars(k.difficulty)} | {k.points} |"
        for k in katas
    )
    total = sum(k.points for k in katas)
    first = katas[0].slug
    commands = [
        ("nox -s grade", "every kata"),
        (f"nox -s grade -- {first}", "one kata"),
        (f"nox -s grade -- {first}::TEST_NAME", "one test"),
        (f"nox -s watch -- {first}", "grade it again on every save"),
        ("nox -s next", "the first kata you have not solved"),
        (f"nox -s hint -- {first}", "one more hint, gentle first"),
    ]
    width = max(len(c) for c, _ in commands) + 2
    grading = "\n".join(f"    {c.ljust(width)}# {what}" for c, what in commands)
    count = f"{len(katas)} kata{'s' if len(katas) != 1 else ''}, {total} points"
    example = katas[0].points
    tests = template(f"assignment/readme-tests-{platform}.md.tmpl")
    points = template(f"assignment/readme-points-{platform}.md.tmpl").format(
        scale=scale, example=example, scaled=example * scale
    )
    body = template("assignment/README.md.tmpl").format(
        title=title,
        count=count,
        rows=rows,
        submit=template(f"assignment/readme-submit-{platform}.md.tmpl"),
        tests=tests,
        grading=grading,
        points=points,
    )
    return body.rstrip() + "\n"


# -- building --------------------------------------------------------------------------


def assignment_files(out: Path) -> list[Path]:
    """The export's own files whose hashes the manifest keeps: the workflow and the grader."""
    grader = sorted(p for p in (out / "grader").rglob("*") if p.is_file())
    workflow = [out / WORKFLOW] if (out / WORKFLOW).is_file() else []
    return [*workflow, *grader]


@dataclass
class Export:
    """What was exported, and where."""

    out: Path
    katas: list[Kata]
    manifest: dict[str, Any]
    reference_times: dict[str, Any]


def _reference_runs(katas: Sequence[Kata], jobs: int | None) -> dict[str, Any]:
    """Run each reference; its test names and times, or an error when it does not pass."""
    from grader.core.runs import run_labelled

    runs = run_labelled([(k, "reference", k.solution_dir) for k in katas], jobs)
    failing = []
    for kata in katas:
        ref = runs[kata.slug]["reference"]
        if not ref.every_test_passed:
            failing.append(kata.slug)
    if failing:
        raise ExportError(
            f"the reference of {', '.join(failing)} does not pass; "
            "`nox -s dev -- check` shows why. Nothing was exported."
        )
    return {slug: labelled["reference"] for slug, labelled in runs.items()}


def _note_uncommitted(root: Path, katas: Sequence[Kata]) -> None:
    """Say when a kata folder differs from git's: the export takes the files on disk."""
    import subprocess

    paths = [k.dir.relative_to(root).as_posix() for k in katas]
    try:
        done = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", *paths],
                              capture_output=True, text=True, timeout=30)  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return
    changed = sorted({line[3:].split("/")[1] for line in done.stdout.splitlines()
                      if line[3:].startswith("katas/")})  # fmt: skip
    if done.returncode == 0 and changed:
        note = (
            f"note: {', '.join(changed)}: files not committed to git; the export takes them as "
            "they are on disk (a stub you filled in would go out filled)"
        )
        print(note, file=sys.stderr)


def _prepare_out(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportError(f"{out} exists and is not empty; choose a new folder")
    out.mkdir(parents=True, exist_ok=True)


def build(
    root: Path,
    slugs: Sequence[str],
    out: Path,
    title: str = "Backend katas",
    *,
    jobs: int | None = None,
    platform: str = ACTIONS,
    scale: int = 10,
) -> Export:
    """Export the katas named by ``slugs`` from ``root`` into the empty folder ``out``."""
    from grader.core.catalog import load_catalog
    from grader.core.integrity import load_manifest, manifest_entry, sha256, write_manifest
    from grader.core.selection import UsageError, select

    if not slugs:
        raise UsageError("name the katas of the assignment")
    targets = select(load_catalog(root), slugs)
    if any(t.test for t in targets):
        raise UsageError("an assignment is made of whole katas, not single tests")
    katas = [t.kata for t in targets]
    missing = [k.slug for k in katas if not k.reference.is_file()]
    if missing:
        raise ExportError(f"no reference solution for {', '.join(missing)} in {root}")
    refs = _reference_runs(katas, jobs)
    _note_uncommitted(root, katas)
    _prepare_out(out)
    try:
        for kata in katas:
            shutil.copytree(kata.dir, out / "katas" / kata.slug, ignore=_IGNORED)
        shutil.copytree(GRADER_HOME / "grader", out / "grader", ignore=_IGNORED)
        (out / "noxfile.py").write_text(noxfile(platform), encoding="utf-8")
        (out / "pyproject.toml").write_text(
            pyproject(title, grade_requirements(root)), encoding="utf-8"
        )
        (out / ".gitignore").write_text(template("assignment/gitignore.tmpl"), encoding="utf-8")
        readme = student_readme(title, katas, platform, scale)
        (out / "README.md").write_text(readme, encoding="utf-8")
        if platform == ACTIONS:
            workflow = out / WORKFLOW
            workflow.parent.mkdir(parents=True)
            workflow.write_text(classroom.workflow(katas), encoding="utf-8")

        exported = load_catalog(out)
        root_kata = {k.slug: k for k in katas}
        manifest: dict[str, Any] = {
            k.slug: manifest_entry(k, (t.name for t in refs[k.slug].tests)) for k in exported
        }
        manifest[ASSIGNMENT_KEY] = {
            "files": {p.relative_to(out).as_posix(): sha256(p) for p in assignment_files(out)}
        }
        write_manifest(out, manifest)
        source = load_manifest(root) or {}
        for slug, entry in manifest.items():
            if slug in source and source[slug].get("tests") != entry["tests"]:
                print(
                    f"note: {slug}: katas/manifest.json lists other tests than the reference "
                    "ran; the export uses what ran",
                    file=sys.stderr,
                )
        times = {
            k.slug: {
                "key": timing_key(k),
                "duration": round(refs[k.slug].duration, 6),
                "tests": {t.name: round(t.duration, 6) for t in refs[k.slug].tests},
                "workload": _record_workload(root_kata[k.slug]),
            }
            for k in exported
        }
        (out / SHIPPED_TIMES).write_text(json.dumps(times, indent=1) + "\n", encoding="utf-8")

        leaks = find_leaks(out, sorted((root / "solutions").rglob("*.py")))
        if leaks:
            raise ExportError("the export would carry solution code:\n  " + "\n  ".join(leaks))
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    return Export(out, exported, manifest, times)


# -- command line ----------------------------------------------------------------------


def _kata_levels(pairs: Sequence[str]) -> dict[str, str]:
    levels = {}
    for pair in pairs:
        slug, sep, level = pair.partition("=")
        if not sep:
            raise ExportError(f"--kata-disclosure {pair!r}: write KATA=LEVEL")
        levels[slug.strip()] = level.strip()
    return levels
