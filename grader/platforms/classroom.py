"""A GitHub Actions workflow that grades every push and shows the grade in the job summary.

GitHub Classroom, the service, was retired on 28 August 2026; its successor for
GitHub-based courses is Classroom 50 (:mod:`grader.platforms.classroom50`). This
workflow is for any repository — a course without Classroom 50, a learner's
own fork: ``python -m grader assignment … --platform actions`` writes it as
``.github/workflows/classroom.yml``.

The workflow (:func:`workflow`) has one step per kata running
``nox -s classroom -- <slug>``. Each step (:func:`run_step`) grades its kata
with the ordinary pipeline and writes:

- the failures (message, test code, a short traceback) in the step's log, and
  a Markdown table of the kata in ``$GITHUB_STEP_SUMMARY``, the job summary;
- the step output ``result``: base64 of a JSON result, ``{version: 1,
  status, max_score, tests: [{name, status, score, message, test_code,
  filename, line_no, duration}]}`` with ``duration`` in milliseconds (the
  format of the retired Classroom reporter, kept for any later step that
  reads it).

What it guarantees:

- partial credit per test by weight (:mod:`grader.render.credit`), adding up to the
  same number the report, the log and the summary show;
- every test listed even when the kata did not import, timed out or crashed
  (the report lists them even when the run reported none), with
  status ``"error"``, a message and no score — never an empty result; and a
  provisional result is written before grading starts, so a step that GitHub
  kills at its ``timeout-minutes`` still reports;
- everything derived from the learner's code is printed between
  ``::stop-commands::<token>`` and ``::<token>::``, with a token drawn after
  the learner's code has run, so it cannot issue workflow commands;
- changed tests (the grader's tamper evidence), or a changed workflow or
  grader (their hashes are in the manifest), make the result an error with a
  plain message. This is evidence, not a guarantee: the checks run in the
  learner's repository. Classroom 50 grades with the teacher's own copy of
  the tests instead.
"""

from __future__ import annotations

import argparse
import ast
import base64
import contextlib
import json
import math
import os
import re
import secrets
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from grader.core.files import template
from grader.core.formats import View, register
from grader.core.verdicts import KataStatus, TestOutcome
from grader.render.credit import Credit, credits, kata_problem

if TYPE_CHECKING:
    from grader.core.catalog import Kata

WORKFLOW = Path(".github") / "workflows" / "classroom.yml"
"""The workflow an Actions assignment grades with (one step per kata)."""
ASSIGNMENT_KEY = "_assignment"
"""The manifest's entry for the assignment's own files (the workflow and the grader)."""
PYTHON_VERSION = "3.12"
TRACEBACK_LINES = 12
TEST_CODE_LIMIT = 2000

_PASS, _FAIL, _ERROR = "pass", "fail", "error"
_KATA_STATUS = {str(s): s.props.classroom for s in KataStatus}
_TEST_STATUS = {str(o): o.props.classroom for o in TestOutcome}


# -- the workflow ----------------------------------------------------------------------


def step_ids(slugs: Sequence[str]) -> dict[str, str]:
    """A step id per slug: letters and digits only, starting with a letter, unique.

    ``lru_cache`` becomes ``lrucache``: an id that later steps can name in an
    expression, and GitHub wants a step id to start with a letter.
    """
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for slug in slugs:
        base = re.sub(r"[^A-Za-z0-9]", "", slug) or "kata"
        if not base[0].isalpha():
            base = f"kata{base}"
        candidate, n = base, 2
        while candidate.lower() in taken:
            candidate, n = f"{base}{n}", n + 1
        taken.add(candidate.lower())
        ids[slug] = candidate
    return ids


def step_timeout_minutes(kata: Kata) -> int:
    """The step's ``timeout-minutes``: the kata's own limit plus room for nox to start."""
    return math.ceil(kata.kata_timeout / 60) + 2


def _yaml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def workflow(katas: Sequence[Kata]) -> str:
    """The text of ``.github/workflows/classroom.yml`` for these katas."""
    ids = step_ids([k.slug for k in katas])
    steps = []
    for kata in katas:
        sid = ids[kata.slug]
        steps.append(
            f"      - name: {_yaml_string(f'{kata.slug}: {kata.title}')}\n"
            f"        id: {sid}\n"
            "        if: ${{ !cancelled() }}\n"
            f"        timeout-minutes: {step_timeout_minutes(kata)}\n"
            f"        run: nox -s classroom -- {kata.slug}\n"
        )
    return template("assignment/classroom.yml.tmpl").format(
        python_version=PYTHON_VERSION, steps="".join(steps)
    )


# -- the step's result -----------------------------------------------------


def _function_sources(test_file: Path) -> dict[str, str]:
    """Each test function's source, by name."""
    try:
        text = test_file.read_text(encoding="utf-8")
        tree = ast.parse(text)
    except (OSError, SyntaxError, ValueError):
        return {}
    sources: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            segment = ast.get_source_segment(text, node, padded=True) or ""
            sources.setdefault(node.name, segment[:TEST_CODE_LIMIT])
    return sources


def _test_message(c: Credit) -> str:
    t = c.result
    if c.status == "passed":
        return ""
    parts = [t.get("message") or c.status]
    if t.get("spec"):
        parts.append(f"spec: {t['spec']}")
    return "\n".join(parts)


def result(kata: dict[str, Any], root: Path) -> dict[str, Any]:
    """The step's JSON result for one kata entry of the report.

    An entry that is not graded normally (broken, timeout, crashed, tampered…)
    gives status ``"error"``: every test listed as an error, with the kata's
    problem as its message and no score.
    """
    test_file = kata.get("test_file") or ""
    lines = credits(kata)
    if lines and not test_file:
        test_file = lines[0].result["nodeid"].split("::", 1)[0]
    sources = _function_sources(root / test_file) if test_file else {}
    status = _KATA_STATUS.get(kata["status"], _ERROR)
    problem = kata_problem(kata) or f"the kata's status is {kata['status']}"
    tests = []
    for c in lines:
        t = c.result
        message = _test_message(c)
        if status == _ERROR:
            message = message if message and c.status != "not run" else problem
        tests.append(
            {
                "name": c.name,
                "status": _ERROR if status == _ERROR else _TEST_STATUS.get(c.status, _ERROR),
                "score": c.score,
                "message": message,
                "test_code": sources.get(c.name.split("[", 1)[0], ""),
                "filename": test_file,
                "line_no": t.get("line") or 0,
                "duration": round(t.get("duration", 0.0) * 1000, 3),  # milliseconds
            }
        )
    data: dict[str, Any] = {
        "version": 1,
        "status": status,
        "max_score": kata["points"]["possible"],
        "tests": tests,
    }
    if status == _ERROR:
        data["message"] = problem
    elif kata["status"] == "too slow":
        data["message"] = "every test passed, but the kata is too slow (see the timing)"
    return data


@register("classroom")
def render_results(report: dict[str, Any], view: View) -> str:
    """The ``classroom`` format: each kata's step result, by slug, as JSON.

    ``view.root`` is where the test files are (the results quote the tests' code).
    """
    root = view.root or Path(".")
    data = {k["slug"]: result(k, root) for k in report["katas"]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def error_kata(
    kata: Kata,
    message: str,
    status: KataStatus = KataStatus.ERROR,
    manifest: Mapping[str, Any] | None = None,
    tampered: Sequence[str] = (),
) -> dict[str, Any]:
    """A kata entry for a step that could not grade: its tests listed, none run, no points."""
    from grader.core.report import unrun_entry

    return unrun_entry(kata, status, message, root=kata.root, manifest=manifest, tampered=tampered)


def _unknown_kata(root: Path, slug: str) -> Kata:
    """The kata a step names that is not in ``katas/``: no files, no tests, no points."""
    from grader.core.catalog import Kata

    return Kata(slug, root, slug, "", 0, 0, slug, 0.0)


def encode(data: dict[str, Any]) -> str:
    """The step output's value: base64 of the compact JSON (no line breaks)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def decode(value: str) -> dict[str, Any]:
    """A step output's JSON, read back."""
    return json.loads(base64.b64decode(value).decode("utf-8"))


def read_outputs(path: Path) -> dict[str, str]:
    """The step outputs in a ``$GITHUB_OUTPUT`` file; a name set twice keeps its last value."""
    outputs: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, _, delimiter = line.partition("<<")
            block = []
            for body in lines:
                if body == delimiter:
                    break
                block.append(body)
            outputs[name] = "\n".join(block)
        elif "=" in line:
            name, _, value = line.partition("=")
            outputs[name] = value
    return outputs


def _append(path: str | None, text: str) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(text)


# -- the log ---------------------------------------------------------------------------


def _points(value: float) -> str:
    return f"{round(value, 2):g}"


def log_lines(kata: dict[str, Any], data: dict[str, Any], token: str) -> list[str]:
    """What the step prints: a header, the tests, the failures (fenced), the points."""
    lines_ = credits(kata)
    total = kata["tests"]["total"] or len(data["tests"])
    header = (
        f"{kata['slug']}: {kata['status']} — {kata['tests']['passed']}/{total} tests, "
        f"{_points(kata['points']['earned'])}/{kata['points']['possible']} points"
    )
    out = [header, f"::stop-commands::{token}"]
    if data.get("message"):
        out += [f"  {line}" for line in data["message"].splitlines()]
    width = max((len(t["name"]) for t in data["tests"]), default=0)
    maxima = {c.name: c.max_score for c in lines_}
    marks = {_PASS: "✓", _FAIL: "✗", _ERROR: "!"}
    for t in data["tests"]:
        maximum = maxima.get(t["name"])
        score = _points(t["score"]) + (f"/{_points(maximum)}" if maximum is not None else "")
        out.append(f"  {marks[t['status']]} {t['name'].ljust(width)}  {score}")
    failing = [
        (t, c)
        for t, c in zip(data["tests"], lines_)
        if t["status"] != _PASS and c.status != "not run"
    ]
    if kata["status"] == "not started":
        out.append(f"  not started: read katas/{kata['slug']}/README.md, then fill the stub")
        failing = []
    for t, c in failing[:10]:
        result = c.result
        out += ["", f"✗ {t['name']} — {result['status']}"]
        for n, line in enumerate((result.get("message") or result["status"]).splitlines()):
            out.append(("         " if n else "  why:   ") + line)
        if result.get("spec"):
            out.append(f"  spec:  katas/{kata['slug']}/README.md § {result['spec']}")
        if t["line_no"]:
            out.append(f"  at:    {t['filename']}:{t['line_no']}")
        if t["test_code"]:
            out.append("  test code:")
            out += [f"    {line}" for line in t["test_code"].splitlines()]
        if result.get("traceback"):
            out.append("  traceback (last lines):")
            out += [f"    {line}" for line in result["traceback"].splitlines()[-TRACEBACK_LINES:]]
        if result.get("stdout"):
            out.append("  printed:")
            out += [f"    {line}" for line in result["stdout"].splitlines()[:8]]
    if len(failing) > 10:
        out.append(f"… and {len(failing) - 10} more failing; the step summary lists them")
    score = sum(t["score"] for t in data["tests"])
    out += [
        f"::{token}::",
        f"Points {_points(score)}/{data['max_score']} for {kata['slug']}",
    ]
    return out


def _summary(kata: dict[str, Any], data: dict[str, Any]) -> str:
    from grader.render import markdown

    score = sum(t["score"] for t in data["tests"])
    report = {
        "katas": [kata],
        "complete": True,
        "summary": {
            "katas": 1,
            "solved": int(kata["status"] == "solved"),
            "points": score,
            "possible": data["max_score"],
            "tests_passed": sum(t["status"] == _PASS for t in data["tests"]),
            "tests_total": len(data["tests"]),
        },
    }
    return markdown.render(report).replace("## Kata results", f"## {kata['slug']}", 1)


# -- the step --------------------------------------------------------------------------


def workflow_problem(root: Path, manifest: dict[str, Any] | None) -> str | None:
    """Why the assignment's workflow or grader cannot be trusted, or ``None``.

    Only checked in an exported assignment (where the workflow exists): each
    file of the manifest's assignment entry must be there, unchanged. This is
    evidence against edits, like the rest of the tamper checks: the files that
    check it are in the learner's repository too.
    """
    path = root / WORKFLOW
    if not path.is_file():
        return None
    from grader.core.integrity import sha256

    files = ((manifest or {}).get(ASSIGNMENT_KEY) or {}).get("files", {})
    if WORKFLOW.as_posix() not in files:
        return f"katas/manifest.json holds no hash for {WORKFLOW.as_posix()}: it was changed"
    changed = [
        name
        for name, expected in sorted(files.items())
        if not (root / name).is_file() or sha256(root / name) != expected
    ]
    if changed:
        what = "the workflow" if WORKFLOW.as_posix() in changed else "the grader"
        return (
            f"{', '.join(changed[:5])} differs from the assignment's: {what} was changed, "
            "so no kata can be graded. Restore it with `git checkout` from the starter commit."
        )
    return None


def _kata(root: Path, slug: str) -> Kata | None:
    from grader.core.catalog import CatalogError, load_catalog

    try:
        return next((k for k in load_catalog(root) if k.slug == slug), None)
    except (CatalogError, OSError):
        return None


def grade_kata(root: Path, slug: str, manifest: dict[str, Any] | None) -> dict[str, Any]:
    """The report's entry for one kata, or an error entry saying why there is none.

    The entry also carries ``test_file``, the test file relative to ``root``.
    """
    kata = _kata(root, slug)
    if kata is None:
        return error_kata(_unknown_kata(root, slug), f"there is no kata {slug!r} in katas/")
    entry = _graded(root, kata, manifest)
    entry["test_file"] = kata.test_file.relative_to(root).as_posix()
    return entry


def _graded(root: Path, kata: Kata, manifest: dict[str, Any] | None) -> dict[str, Any]:
    problem = workflow_problem(root, manifest)
    if problem:
        return error_kata(kata, problem, KataStatus.TAMPERED, manifest, tampered=[problem])
    from grader.platforms.submission import failure, grade_report

    try:
        return dict(grade_report(root, [kata.slug])["katas"][0])
    except Exception as exc:
        return error_kata(kata, f"the grader failed: {failure(exc)}", manifest=manifest)


def run_step(
    root: Path,
    slug: str,
    environ: Mapping[str, str] | None = None,
    stream: TextIO | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    """Grade one kata as a workflow step; write ``result``, the log and the summary.

    Returns the result written. ``token`` fixes the stop-commands token (for
    tests); by default a fresh random one is drawn after grading.
    """
    from grader.core.integrity import load_manifest

    environ = os.environ if environ is None else environ
    stream = stream or sys.stdout
    output = environ.get("GITHUB_OUTPUT")
    manifest = load_manifest(root)
    kata = _kata(root, slug)
    minutes = step_timeout_minutes(kata) if kata else 0
    provisional = error_kata(
        kata or _unknown_kata(root, slug),
        f"grading did not finish: the step was stopped (its limit is {minutes} minutes)",
        KataStatus.TIMEOUT,
        manifest,
    )
    if kata is not None:
        provisional["test_file"] = kata.test_file.relative_to(root).as_posix()
    _append(output, f"result={encode(result(provisional, root))}\n")

    entry = grade_kata(root, slug, manifest)
    data = result(entry, root)
    _append(output, f"result={encode(data)}\n")
    token = token or secrets.token_hex(16)
    stream.write("\n".join(log_lines(entry, data, token)) + "\n")
    stream.flush()
    _append(environ.get("GITHUB_STEP_SUMMARY"), _summary(entry, data) + "\n")
    with contextlib.suppress(OSError):
        copy = root / ".kata" / f"classroom-{slug}.json"
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if not output:
        stream.write(f"(GITHUB_OUTPUT is not set: the result is in .kata/classroom-{slug}.json)\n")
    return data


# -- command line ----------------------------------------------------------------------


def add_parser(sub: argparse._SubParsersAction, root: Path) -> None:
    p = sub.add_parser(
        "classroom",
        help="grade one kata as a step of the Actions workflow (--platform actions)",
        description="Grade one kata; write the failures to the log, a table to the job summary "
        "and the step output `result`.",
    )
    p.add_argument("slug", metavar="KATA")
    p.add_argument("--root", type=Path, default=root, help=argparse.SUPPRESS)
    p.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    run_step(args.root.resolve(), args.slug)
    return 0  # the result carries the verdict; a failing step would skip the next katas
