"""The machine-read formats, pinned by golden files (``tests/golden/formats/``).

Every format is rendered from one fixed report (``tests/golden_runs.py``)
built in-process, so these tests start no process and measure no time.
After an intended change of a format, regenerate the files and review the diff:

    pytest tests/test_golden.py --update-golden      # or UPDATE_GOLDEN=1
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import golden_runs
from conftest import FIXTURES, ROOT
from grader.core import formats
from grader.core import report as report_io
from grader.platforms import classroom, classroom50, gradescope  # noqa: F401 (their formats)
from grader.platforms.batch import Student, write_outputs
from grader.render import junit, markdown

FORMATS = Path(__file__).parent / "golden" / "formats"
REPORT_SCHEMA = json.loads((ROOT / "docs" / "report-schema.json").read_text(encoding="utf-8"))
CLASSROOM50_SCHEMA = json.loads(
    (FIXTURES / "classroom50" / "result-v1.schema.json").read_text(encoding="utf-8")
)
SETTINGS = classroom50.Settings(
    slug="week-1",
    title="Week 1",
    katas=[slug for slug, *_ in golden_runs.KATAS],
    kata_disclosure={"greeter": "actual-only", "queue": "none"},
)
NOW = datetime(2026, 11, 25, 17, 5, 0, tzinfo=timezone.utc)


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_all(root: Path) -> dict[str, str]:
    """Every machine-read format of the fixed report, by golden file name."""
    report = golden_runs.report(root)
    out: dict[str, str] = {"report.json": _json(report), "junit.xml": junit.render(report)}
    out["markdown.md"] = markdown.render(report)
    found = {slug: f"{slug}/{slug}.py" for slug, *_ in golden_runs.KATAS if slug != "parser"}
    found["parser"] = ""
    # The platforms' formats, through the registry (as a driver renders them).
    scope = formats.View(found=found, execution_time=12.5, kata_disclosure={"queue": "none"})
    out["gradescope-results.json"] = formats.render("gradescope", report, scope)
    out["classroom-results.json"] = formats.render("classroom", report, formats.View(root=root))
    results = {k["slug"]: classroom.result(k, root) for k in report["katas"]}
    out["classroom-log.txt"] = "".join(
        "\n".join(classroom.log_lines(k, results[k["slug"]], "TOKEN")) + "\n\n"
        for k in report["katas"]
    )
    c50 = formats.View(settings=SETTINGS, environ={"OWNER": "alice"}, now=NOW)
    out["classroom50-result.json"] = formats.render("classroom50", report, c50)
    out["classroom50-release-body.md"] = formats.render("classroom50-release", report, c50)
    students = [
        Student("alice", root / "alice", report),
        Student("bob", root / "bob", golden_runs.report(root, "bob")),
    ]
    write_outputs(root / "batch", students, "full")
    for name in ("gradebook.csv", "summary.md"):
        out[f"batch-{name}"] = (root / "batch" / name).read_text(encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return render_all(tmp_path_factory.mktemp("golden"))


def test_rendering_is_deterministic(rendered: dict[str, str], tmp_path: Path) -> None:
    """The same runs give the same bytes in another folder (nothing depends on the machine)."""
    assert render_all(tmp_path) == rendered


@pytest.mark.parametrize(
    "name",
    [
        "report.json",
        "junit.xml",
        "markdown.md",
        "gradescope-results.json",
        "classroom-results.json",
        "classroom-log.txt",
        "classroom50-result.json",
        "classroom50-release-body.md",
        "batch-gradebook.csv",
        "batch-summary.md",
    ],
)
def test_format_matches_golden(rendered: dict[str, str], name: str) -> None:
    path = FORMATS / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rendered[name].encode("utf-8"))
    assert path.is_file(), f"no golden file {path.name}: run with --update-golden"
    assert rendered[name] == path.read_bytes().decode("utf-8"), (
        f"{name} changed; if intended, regenerate with --update-golden and review the diff"
    )


def test_every_golden_file_is_rendered(rendered: dict[str, str]) -> None:
    """No stale golden file: each one in the folder is still produced."""
    assert sorted(p.name for p in FORMATS.iterdir()) == sorted(rendered)


def test_report_matches_its_schema(rendered: dict[str, str]) -> None:
    report = json.loads(rendered["report.json"])
    jsonschema.validate(report, REPORT_SCHEMA, cls=jsonschema.Draft202012Validator)
    assert REPORT_SCHEMA["properties"]["schema"]["const"] == report_io.SCHEMA


def test_schema_rejects_an_undocumented_field(rendered: dict[str, str]) -> None:
    report = json.loads(rendered["report.json"])
    report["katas"][0]["surprise"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, REPORT_SCHEMA, cls=jsonschema.Draft202012Validator)


def test_schema_lists_every_verdict() -> None:
    from grader.core.verdicts import KataStatus, TestOutcome

    defs = REPORT_SCHEMA["$defs"]
    assert defs["kata_status"]["enum"] == [str(s) for s in KataStatus]
    assert defs["test_outcome"]["enum"] == [str(o) for o in TestOutcome]


def test_golden_report_covers_every_verdict(rendered: dict[str, str]) -> None:
    """The fixed runs exercise every test outcome and most kata statuses."""
    from grader.core.verdicts import KataStatus, TestOutcome

    report = json.loads(rendered["report.json"])
    outcomes = {t["status"] for k in report["katas"] for t in k["results"]}
    assert outcomes == {str(o) for o in TestOutcome}
    statuses = {k["status"] for k in report["katas"]}
    # memory and process limit as kata statuses come from the same rule as timeout
    assert {str(s) for s in KataStatus} - statuses <= {"memory", "process limit"}


def test_classroom50_document_is_valid(rendered: dict[str, str]) -> None:
    doc = json.loads(rendered["classroom50-result.json"])
    jsonschema.validate(doc, CLASSROOM50_SCHEMA, cls=jsonschema.Draft202012Validator)
    assert classroom50.validation_errors(doc, {"OWNER": "alice"}) == []


def test_a_gradebook_of_one_report_is_that_students_row(tmp_path: Path) -> None:
    """The registry's ``gradebook-csv``: the class gradebook's header and the student's row."""
    one = formats.render(
        "gradebook-csv", golden_runs.report(tmp_path), formats.View(student="alice")
    )
    golden = (FORMATS / "batch-gradebook.csv").read_text(encoding="utf-8").splitlines()
    assert one.splitlines() == golden[:2]
