"""Classroom 50: the teacher's autograder bundle, and the run that grades a submission with it.

Classroom 50 (``foundation50/classroom50``) grades each submission in GitHub
Actions, in the student's repository: its runner fetches the assignment's
bundle from the teacher's ``classroom50`` configuration repository
(``<classroom>/autograders/<assignment>/``, published as a tarball), runs
``python3 autograder.py`` with the student's checkout as the working
directory, validates the ``result.json`` it writes (``classroom50/result/v1``),
and publishes it, with ``release-body.md``, as the submission's GitHub Release.

``python -m grader assignment KATA… --out DIR`` (the ``classroom50`` platform,
the default) writes ``DIR/template/`` (the repository the students get) and
``DIR/autograders/<assignment>/`` (:func:`write_bundle`)::

    autograder.py        the entrypoint, standard library only (autograder_classroom50.py)
    requirements.txt     what grading needs, for this assignment's katas
    kata/                the grading root, pinned: the katas' tests, kata.toml and
                         workloads, katas/manifest.json, the reference's recorded
                         times, the grader, and assignment.json (these settings)

The bundle's tests, manifest and grader are the only ones used: the autograder
copies the student's modules (``katas/<slug>/<module>.py``) out of the checkout
and grades them against ``kata/``, so editing or deleting the tests in the
student's repository changes nothing.

``python -m grader classroom50-run`` is what the autograder runs, in a virtual
environment it makes with ``requirements.txt``: it grades the checkout
(:func:`grade_checkout`), writes ``result.json`` (:func:`result_document`) and
``release-body.md`` (:func:`release_body`) at the chosen disclosure level
(:mod:`grader.render.disclosure`), appends ``status`` and ``summary`` to
``$GITHUB_OUTPUT``, and prints the release body to the log.

Points. ``result.json`` wants integers (a declarative test's points are 0–1000),
and a kata's points are shared among its tests by weight. So each kata's total
is scaled (``scale``, 10 by default: a 10-point kata is worth 100) and shared
among its tests by weight with the largest-remainder method, ties to the
earlier test: the per-test integers add up exactly to the scaled total. A
passed test earns its whole share when the kata is solved or partial; a kata
that is correct but too slow earns three quarters of the passed tests' shares,
rounded half to even and shared among them the same way; every other status
(broken, timeout, tampered…), and a kata the report gives no points (a kata
whose task is speed earns only when solved), earns nothing. So ``score`` is the report's points
times ``scale`` up to the rounding of the per-test shares.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import sys
import tarfile
import time
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.core.formats import View, register
from grader.core.scoring import TOO_SLOW_SHARE
from grader.core.verdicts import KataStatus
from grader.render.credit import _allot, credits, kata_problem
from grader.render.disclosure import FULL, LEVELS, NONE, check_level, failure_kind, redact

if TYPE_CHECKING:
    from grader.core.catalog import Kata

SCHEMA = "classroom50/result/v1"
RESULT = "result.json"
RELEASE_BODY = "release-body.md"
SETTINGS = "assignment.json"
"""The bundle's settings, in its grading root."""

DEFAULT_SCALE = 10
"""Result points per kata point."""

TEST_POINTS_MAX = 1000
TEST_NAME_BYTES = 100
BUNDLE_LIMIT = 10 * 1024 * 1024
"""The runner refuses a bundle larger than this (``MAX_FETCH_BYTES``)."""

BUDGET_SECONDS = 12 * 60
"""How long the autograder lets grading run: the job has 15 minutes in all."""

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}$")
"""An assignment slug as Classroom 50 accepts it."""

FAILURES_SHOWN = 15
"""Failing tests explained per kata in the release body."""

_SHARE = {"solved": 1.0, "partial": 1.0, "too slow": TOO_SLOW_SHARE}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class Settings:
    """An assignment's settings, kept in the bundle as ``kata/assignment.json``."""

    slug: str
    title: str
    katas: list[str]
    disclosure: str = FULL
    kata_disclosure: dict[str, str] = field(default_factory=dict)
    scale: int = DEFAULT_SCALE
    budget_seconds: int = BUDGET_SECONDS

    def level(self, slug: str) -> str:
        """The disclosure level of one kata."""
        return self.kata_disclosure.get(slug, self.disclosure)

    def check(self) -> None:
        """Raise ``ValueError`` for settings Classroom 50 or the grader cannot take."""
        if not SLUG.match(self.slug):
            raise ValueError(
                f"assignment slug {self.slug!r}: Classroom 50 wants 2–39 lowercase letters, "
                "digits and hyphens, starting with a letter or digit"
            )
        check_level(self.disclosure)
        for slug, level in self.kata_disclosure.items():
            if slug not in self.katas:
                raise ValueError(f"--kata-disclosure names {slug!r}, not a kata of the assignment")
            check_level(level)
        if self.scale < 1:
            raise ValueError("the points scale must be a positive integer")

    def write(self, root: Path) -> None:
        (root / SETTINGS).write_text(json.dumps(asdict(self), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, root: Path) -> Settings:
        data = json.loads((root / SETTINGS).read_text(encoding="utf-8"))
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


def assignment_slug(title: str) -> str:
    """A Classroom 50 assignment slug made from a title: ``"Week 3"`` → ``week-3``."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:39].strip("-")
    return slug if len(slug) >= 2 else f"katas-{slug}".strip("-")


# -- points ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One test's line in ``result.json``: its name there, and integer points."""

    kata: str
    name: str  # the test's name in the kata
    status: str
    score: int
    max_score: int
    result: dict[str, Any]  # the report's test entry


def integer_lines(kata: dict[str, Any], scale: int) -> list[Line]:
    """Each test's integer points; the maxima add up to ``possible × scale`` exactly."""
    lines = credits(kata, exact=False)
    weights = [float(c.result.get("weight", 1.0)) for c in lines]
    maxima = _allot(int(kata["points"]["possible"]) * scale, weights)
    passed = [i for i, c in enumerate(lines) if c.status == "passed"]
    # A kata that earned nothing in the report earns nothing here (a speed kata's partial).
    share = _SHARE.get(kata["status"], 0.0) if kata["points"]["earned"] else 0.0
    scores = [0] * len(lines)
    if share == 1.0:
        for i in passed:
            scores[i] = maxima[i]
    elif share > 0:
        # Shared in proportion to the maxima, so no test gets more than its own.
        target = round(sum(maxima[i] for i in passed) * share)
        for i, s in zip(passed, _allot(target, [maxima[i] for i in passed])):
            scores[i] = s
    return [
        Line(kata["slug"], c.name, c.status, s, m, c.result)
        for c, s, m in zip(lines, scores, maxima)
    ]


def _clip_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", "ignore")


def test_names(lines: Sequence[Line]) -> list[str]:
    """``<kata>: <test>`` for each line: unique, at most 100 UTF-8 bytes, no control characters."""
    import hashlib

    names: list[str] = []
    taken: set[str] = set()
    for line in lines:
        name = _CONTROL.sub(" ", f"{line.kata}: {line.name}")
        if len(name.encode("utf-8")) > TEST_NAME_BYTES:
            digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:6]
            name = _clip_bytes(name, TEST_NAME_BYTES - 8) + f" ~{digest}"
        candidate, n = name, 2
        while candidate in taken:
            suffix = f" #{n}"
            candidate, n = _clip_bytes(name, TEST_NAME_BYTES - len(suffix)) + suffix, n + 1
        taken.add(candidate)
        names.append(candidate)
    return names


# -- result.json -----------------------------------------------------------------------

IDENTITY = {
    "classroom": "CLASSROOM",
    "assignment": "ASSIGNMENT",
    "assignment_type": "ASSIGNMENT_TYPE",
    "owner": "OWNER",
    "submission": "SUBMISSION_TAG",
    "commit": "COMMIT_URL",
    "release": "RELEASE_URL",
    "review": "REVIEW_URL",
}
"""result.json's identity fields, and the runner's environment variable for each."""


def identity(environ: Mapping[str, str], settings: Settings) -> dict[str, str]:
    """The identity fields from the runner's environment.

    Outside a runner (a teacher trying the bundle) the missing ones get
    placeholders that still validate: ``local``, ``submit/local``.
    """
    values = {key: (environ.get(var) or "").strip() for key, var in IDENTITY.items()}
    values["owner"] = values["owner"] or (environ.get("USERNAME") or "").strip()
    values["review"] = values["review"] or values["commit"]
    values["assignment_type"] = values["assignment_type"] or "individual"
    values["assignment"] = values["assignment"] or settings.slug
    placeholders = {"submission": "submit/local"}
    for key, value in values.items():
        if not value:
            values[key] = placeholders.get(key, "local")
    return values


def _message(line: Line, level: str) -> str:
    if line.status == "passed":
        return ""
    shown = redact(line.result, level)
    return (shown.get("message") or shown["kind"]).strip()


def result_document(
    report: dict[str, Any],
    settings: Settings,
    environ: Mapping[str, str],
    now: datetime | None = None,
) -> dict[str, Any]:
    """The ``classroom50/result/v1`` document for a report.

    Besides the four fields Classroom 50 reads per test, each test carries
    ``kata``, ``test``, ``verdict`` (the test's status), ``kind`` (the failure
    in words), ``message`` and ``spec`` at the kata's disclosure level (no
    ``spec`` at ``none``).
    """
    lines = [line for k in report["katas"] for line in integer_lines(k, settings.scale)]
    tests = []
    for line, name in zip(lines, test_names(lines)):
        level = settings.level(line.kata)
        entry: dict[str, Any] = {
            "test-name": name,
            "passed": line.status == "passed",
            "score": line.score,
            "max-score": line.max_score,
            "kata": line.kata,
            "test": line.name,
            "verdict": line.status,
            "kind": failure_kind(line.status),
            "message": _message(line, level),
        }
        if level != NONE:
            entry["spec"] = line.result.get("spec")
        tests.append(entry)
    when = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "schema": SCHEMA,
        **identity(environ, settings),
        "datetime": when,
        "score": sum(t["score"] for t in tests),
        "max-score": sum(t["max-score"] for t in tests),
        "tests": tests,
    }


def validation_errors(doc: Any, environ: Mapping[str, str] | None = None) -> list[str]:
    """What Classroom 50's runner would reject in ``doc``, beyond its JSON Schema.

    The rules ``runner.py::validate_result`` enforces in code: the identity
    equal to the environment's, integers that are not booleans, ``score`` at
    most ``max-score`` (overall and per test), ``submission`` under
    ``submit/``; and ours: unique test names of at most 100 bytes, per-test
    points at most 1000, totals that are the sums of the tests'.
    """
    if not isinstance(doc, dict):
        return ["not a JSON object"]
    errors = []

    def integer(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0

    if doc.get("schema") != SCHEMA:
        errors.append(f"schema is {doc.get('schema')!r}")
    for key, var in IDENTITY.items():
        want = (environ or {}).get(var)
        if environ is not None and want and doc.get(key) != want:
            errors.append(f"{key} is {doc.get(key)!r}, the environment's {var} is {want!r}")
    if not str(doc.get("submission", "")).startswith("submit/"):
        errors.append("submission is not a submit/* tag")
    for key in ("score", "max-score"):
        if not integer(doc.get(key)):
            errors.append(f"{key} is not a non-negative integer")
    tests = doc.get("tests")
    if not isinstance(tests, list):
        return [*errors, "tests is not a list"]
    if not errors and doc["score"] > doc["max-score"]:
        errors.append(f"score {doc['score']} > max-score {doc['max-score']}")
    names = [t.get("test-name") for t in tests if isinstance(t, dict)]
    if len(set(names)) != len(names):
        errors.append("test names are not unique")
    for i, t in enumerate(tests):
        if not isinstance(t, dict):
            errors.append(f"tests[{i}] is not an object")
            continue
        name = t.get("test-name")
        if not isinstance(name, str) or not name or len(name.encode("utf-8")) > TEST_NAME_BYTES:
            errors.append(f"tests[{i}].test-name is empty or longer than {TEST_NAME_BYTES} bytes")
        if not isinstance(t.get("passed"), bool):
            errors.append(f"tests[{i}].passed is not a boolean")
        if not (integer(t.get("score")) and integer(t.get("max-score"))):
            errors.append(f"tests[{i}] score or max-score is not a non-negative integer")
        elif t["score"] > t["max-score"] or t["max-score"] > TEST_POINTS_MAX:
            errors.append(f"tests[{i}] score {t['score']} / max-score {t['max-score']}")
    if all(isinstance(t, dict) and integer(t.get("score")) for t in tests) and not errors:
        if doc["score"] != sum(t["score"] for t in tests):
            errors.append("score is not the sum of the tests' scores")
        if doc["max-score"] != sum(t["max-score"] for t in tests):
            errors.append("max-score is not the sum of the tests' max-scores")
    return errors


# -- release-body.md and the outputs ---------------------------------------------------


def _cell(text: str) -> str:
    from grader.render.markdown import cell

    return cell(text, 200)


def _fenced(text: str) -> list[str]:
    """``text`` in a code block whose fence no backtick run inside it can close."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, text, fence]


def status_and_summary(doc: dict[str, Any]) -> tuple[str, str]:
    """``status`` (success or failure) and the one-line ``summary`` for ``$GITHUB_OUTPUT``."""
    tests = doc["tests"]
    passed = sum(t["passed"] for t in tests)
    status = "success" if tests and passed == len(tests) else "failure"
    return status, (
        f"kata autograde: {doc['score']}/{doc['max-score']} ({passed}/{len(tests)} tests passed)"
    )


def release_body(
    doc: dict[str, Any],
    report: dict[str, Any],
    settings: Settings,
) -> str:
    """The Release's Markdown: a table per kata, then each failing test, at its level."""
    by_kata: dict[str, list[dict[str, Any]]] = {}
    for t in doc["tests"]:
        by_kata.setdefault(t["kata"], []).append(t)
    _, summary = status_and_summary(doc)
    lines = [
        f"### {settings.title}: {doc['score']}/{doc['max-score']} points",
        "",
        "| Kata | Status | Tests passed | Points |",
        "|---|---|--:|--:|",
    ]
    for k in report["katas"]:
        tests = by_kata.get(k["slug"], [])
        lines.append(
            f"| `{k['slug']}` | {k['status']} | {sum(t['passed'] for t in tests)}/{len(tests)}"
            f" | {sum(t['score'] for t in tests)}/{sum(t['max-score'] for t in tests)} |"
        )
    for k in report["katas"]:
        tests = by_kata.get(k["slug"], [])
        failing = [t for t in tests if not t["passed"]]
        if not failing and k["status"] == "solved":
            continue
        level = settings.level(k["slug"])
        lines += ["", f"#### `{k['slug']}` — {k['status']}", ""]
        problem = kata_problem(k) if level != NONE else ""
        if k["status"] == "not started":
            lines.append(
                f"Not started: every test still meets `NotImplementedError`. Read "
                f"`katas/{k['slug']}/README.md`, then fill `katas/{k['slug']}/`."
            )
            continue
        if problem:
            lines += [f"> {_cell(problem)}", ""]
        if k["status"] == "too slow":
            lines += [
                "Every test passed, but the code is too slow: three quarters of the points.",
                "",
            ]
        for t in failing[:FAILURES_SHOWN]:
            where = f" (spec: `katas/{k['slug']}/README.md` § {t['spec']})" if t.get("spec") else ""
            lines.append(f"- **`{t['test']}`** — {t['kind']}, {t['score']}/{t['max-score']}{where}")
            detail = t["message"]
            if detail and detail != t["kind"] and not (problem and t["verdict"] == "not run"):
                lines += ["", *("  " + x for x in _fenced(detail)), ""]
        if len(failing) > FAILURES_SHOWN:
            lines.append(f"- … and {len(failing) - FAILURES_SHOWN} more failing tests")
    lines += ["", f"Status: {summary}"]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines) + "\n")


def _settings(report: dict[str, Any], view: View) -> Settings:
    if view.settings is not None:
        return view.settings
    return Settings("assignment", "Assignment", [k["slug"] for k in report["katas"]])


@register("classroom50")
def render_result(report: dict[str, Any], view: View) -> str:
    """The ``classroom50`` format: the ``classroom50/result/v1`` document, as JSON.

    ``view.settings`` is the assignment's :class:`Settings`; ``view.environ``
    the workflow run's environment (who, which commit); ``view.now`` its time.
    """
    doc = result_document(report, _settings(report, view), view.environ, view.now)
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


@register("classroom50-release")
def render_release(report: dict[str, Any], view: View) -> str:
    """The ``classroom50-release`` format: the Release's Markdown (as :func:`render_result`)."""
    settings = _settings(report, view)
    doc = result_document(report, settings, view.environ, view.now)
    return release_body(doc, report, settings)


def append_outputs(path: str | None, status: str, summary: str) -> None:
    """Append ``status`` and ``summary`` to ``$GITHUB_OUTPUT`` (one line each)."""
    if not path:
        return
    safe = summary.replace("\r", " ").replace("\n", " ")
    with open(path, "a", encoding="utf-8") as f:
        f.write(f"status={status}\nsummary={safe}\n")


# -- grading a checkout ----------------------------------------------------------------


def find_in_checkout(checkout: Path, kata: Kata) -> Path | None:
    """The student's module: ``katas/<slug>/<module>.py`` (or ``<slug>/<module>.py``)."""
    for candidate in (
        checkout / "katas" / kata.slug / f"{kata.module}.py",
        checkout / kata.slug / f"{kata.module}.py",
    ):
        if candidate.is_file() and not candidate.is_symlink():
            return candidate
    return None


def _missing(
    entry: dict[str, Any], kata: Kata, manifest: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The entry saying plainly that the student's module is not there (deleted or renamed)."""
    from grader.core.report import unrun_entry

    message = (
        f"katas/{kata.slug}/{kata.module}.py is not in your repository "
        "(deleted or renamed?): restore it from the starter code"
    )
    broken = {"error": message, "file": f"katas/{kata.slug}/{kata.module}.py", "line": None}
    status = KataStatus.TAMPERED if entry["status"] == "tampered" else KataStatus.BROKEN
    return unrun_entry(
        kata,
        status,
        entry.get("problem"),
        root=kata.root,
        manifest=manifest,
        tampered=entry.get("tampered") or (),
        broken=broken,
    )


def grade_checkout(root: Path, checkout: Path, settings: Settings) -> dict[str, Any]:
    """Grade the modules of ``checkout`` against the katas of ``root``; the report."""
    from grader.core.catalog import load_catalog
    from grader.core.integrity import load_manifest
    from grader.core.selection import select
    from grader.platforms.submission import grade_submission

    katas = [t.kata for t in select(load_catalog(root), settings.katas)]
    report, found = grade_submission(root, checkout, katas, find_in_checkout, "kata-classroom50-")
    manifest = load_manifest(root)
    by_slug = {k.slug: k for k in katas}
    for index, entry in enumerate(report["katas"]):
        kata = by_slug[entry["slug"]]
        if not found.get(kata.slug):
            entry = report["katas"][index] = _missing(entry, kata, manifest)
        entry["test_file"] = kata.test_file.relative_to(root).as_posix()
    return report


def unfinished_report(root: Path, settings: Settings, message: str) -> dict[str, Any]:
    """A report for a grading that was stopped: every kata timed out, no points."""
    from grader.core.catalog import load_catalog
    from grader.core.integrity import load_manifest
    from grader.core.report import unrun_report
    from grader.core.selection import select

    katas = [t.kata for t in select(load_catalog(root), settings.katas)]
    report = unrun_report(
        katas, KataStatus.TIMEOUT, message, root=root, manifest=load_manifest(root)
    )
    for entry, kata in zip(report["katas"], katas):
        entry["test_file"] = kata.test_file.relative_to(root).as_posix()
    return report


def write_results(
    out: Path,
    report: dict[str, Any],
    root: Path,
    settings: Settings,
    environ: Mapping[str, str],
    stream: Any = None,
) -> dict[str, Any]:
    """Write ``result.json`` and ``release-body.md`` into ``out``, the outputs, and the log."""
    import secrets

    from grader.core.files import write_atomic

    doc = result_document(report, settings, environ)
    body = release_body(doc, report, settings)
    write_atomic(out / RESULT, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    write_atomic(out / RELEASE_BODY, body)
    status, summary = status_and_summary(doc)
    append_outputs(environ.get("GITHUB_OUTPUT"), status, summary)
    stream = stream or sys.stdout
    # The log is the student's to read: the same text as the release body, and
    # no workflow command can come out of what their code made it say.
    token = secrets.token_hex(16)
    stream.write(f"::stop-commands::{token}\n{body}::{token}::\n{summary}\n")
    stream.flush()
    return doc


# -- the bundle ------------------------------------------------------------------------

_TEMPLATE_ONLY = ("README.md", "noxfile.py", ".gitignore", ".github")


def assignment_requirements(requirements: Sequence[str], katas: Sequence[Kata]) -> list[str]:
    """The requirements grading these katas needs: pytest and its plugins, and what they import.

    A library is kept when a kata file imports it (``freezegun``, ``fastapi``…)
    or, for fakeredis and redis, when a test uses the ``redis`` fixture.
    """
    import ast

    imported: set[str] = set()
    for kata in katas:
        for path in kata.dir.glob("*.py"):
            text = path.read_text(encoding="utf-8", errors="replace")
            if re.search(r"\bredis\b", text):
                imported |= {"fakeredis", "redis"}
            try:
                tree = ast.parse(text)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    imported |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    imported.add(node.module.split(".")[0])
    if "fastapi" in imported:
        imported.add("httpx")  # its TestClient needs it
    kept = []
    for requirement in requirements:
        name = re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower().replace("-", "_")
        if name.startswith("pytest") or name == "tomli" or name in imported:
            kept.append(requirement)
    return kept


def bundle_size(bundle: Path) -> int:
    """The size of the bundle as Classroom 50 publishes it: a gzipped tarball."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(bundle, arcname=bundle.name)
    return buffer.tell()


def write_bundle(template: Path, out: Path, settings: Settings, requirements: Iterable[str]) -> int:
    """Write the autograder bundle for an exported ``template`` into ``out``; its size."""
    from grader.platforms.export import ExportError

    settings.check()
    root = out / "kata"
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(template, root, ignore=shutil.ignore_patterns("__pycache__", ".kata"))
    for name in _TEMPLATE_ONLY:
        path = root / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    settings.write(root)
    (out / "requirements.txt").write_text("\n".join(requirements) + "\n", encoding="utf-8")
    source = Path(__file__).with_name("autograder_classroom50.py")
    shutil.copyfile(source, out / "autograder.py")
    size = bundle_size(out)
    if size > BUNDLE_LIMIT:
        raise ExportError(
            f"the autograder bundle is {size / 2**20:.1f} MiB; Classroom 50 takes at most "
            f"{BUNDLE_LIMIT // 2**20} MiB: split the assignment"
        )
    return size


# -- command line ----------------------------------------------------------------------


def add_parser(sub: argparse._SubParsersAction, root: Path) -> None:
    r = sub.add_parser(
        "classroom50-run",
        help="grade a Classroom 50 submission (what the bundle's autograder.py runs)",
        description="Grade the student's checkout against this grading root and write "
        "result.json and release-body.md for Classroom 50.",
    )
    r.add_argument("--checkout", type=Path, default=Path.cwd(), metavar="DIR",
                   help="the student's checkout (default: the working directory)")  # fmt: skip
    r.add_argument("--out", type=Path, metavar="DIR", help="where to write (default: --checkout)")
    r.add_argument(
        "--unfinished",
        metavar="MESSAGE",
        help="grading was stopped: write a result with every test failed, saying so",
    )
    r.add_argument("--root", type=Path, default=root, help=argparse.SUPPRESS)
    r.set_defaults(handler=main_run)


def main_run(args: argparse.Namespace) -> int:
    """Grade, write, and exit 0; exit 1 only when the grader itself failed."""
    root = args.root.resolve()
    checkout = args.checkout.resolve()
    out = (args.out or args.checkout).resolve()
    settings = Settings.read(root)
    started = time.monotonic()
    try:
        if args.unfinished:
            report = unfinished_report(root, settings, args.unfinished)
        else:
            report = grade_checkout(root, checkout, settings)
        write_results(out, report, root, settings, os.environ)
    except Exception:
        print("the grader failed (not the submission):", file=sys.stderr)
        traceback.print_exc()
        return 1
    print(f"graded in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


__all__ = ["LEVELS", "Settings", "result_document", "validation_errors", "write_bundle"]
