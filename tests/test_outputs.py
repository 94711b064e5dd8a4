"""The other outputs of `grade`: JUnit XML, Markdown, and the per-test credit they share."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import IMPLS, TREE, run_grader
from grader.core.integrity import load_manifest
from grader.render import junit, markdown
from grader.render.credit import credits, exact_sum
from test_terminal_golden import check_golden, normalised


def js_sum(values: list[float]) -> float:
    """Adding up left to right, as the Classroom reporter does."""
    total = 0.0
    for v in values:
        total += v
    return total


def _kata(weights: list[float], passed: list[bool], possible: int) -> dict:
    total = sum(weights)
    earned = round(possible * sum(w for w, p in zip(weights, passed) if p) / total, 2)
    return {
        "slug": "demo",
        "points": {"earned": earned, "possible": possible},
        "results": [
            {"name": f"t{i}", "nodeid": f"katas/demo/test_demo.py::t{i}", "weight": w,
             "status": "passed" if p else "failed"}
            for i, (w, p) in enumerate(zip(weights, passed))
        ],
    }  # fmt: skip


def test_per_test_credit_adds_up_exactly() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        n = rng.randint(1, 30)
        weights = [rng.choice([1, 1, 1, 2, 0.5, 1.7, 3]) for _ in range(n)]
        passed = [rng.random() < 0.6 for _ in range(n)]
        kata = _kata(weights, passed, rng.choice([1, 3, 5, 7, 10, 15, 100]))
        lines = credits(kata)
        assert js_sum([c.score for c in lines]) == kata["points"]["earned"]
        assert js_sum([c.max_score for c in lines]) == kata["points"]["possible"]
        assert all(c.score == 0 for c in lines if c.status != "passed")
        assert all(c.score <= c.max_score + 0.011 for c in lines)


def test_equal_weights_share_equally() -> None:
    lines = credits(_kata([1, 1, 1, 1], [True, True, False, True], 6))
    assert [c.max_score for c in lines] == [1.5, 1.5, 1.5, 1.5]
    assert [c.score for c in lines] == [1.5, 1.5, 0, 1.5]


def test_exact_sum_fixes_floating_point() -> None:
    values = exact_sum([10, 20], 0.3)  # 0.1 + 0.2 != 0.3 in floating point
    assert js_sum(values) == 0.3


def test_the_report_lists_the_tests_of_a_kata_that_did_not_import() -> None:
    """The report's constructor fills them in from the manifest; credit reads only the report."""
    from grader.core import report as report_io
    from grader.core.catalog import load_catalog
    from grader.core.results import RunResult
    from grader.core.scoring import score

    greeter = next(k for k in load_catalog(TREE) if k.slug == "greeter")
    broken = {"error": "SyntaxError: bad", "file": "greeter.py", "line": 3}
    run = RunResult(kata=greeter, impl=TREE / "katas" / "greeter", broken=broken)
    entry = report_io.KataEntry(run, score(run)).to_dict(TREE, load_manifest(TREE))
    assert entry["tests"] == {"passed": 0, "total": 0}  # none ran
    lines = credits(entry)
    assert [(c.name, c.status, c.score, c.max_score) for c in lines] == [
        ("test_greets_by_name", "not run", 0.0, 2.0),
        ("test_greets_empty_name", "not run", 0.0, 2.0),
    ]
    assert lines[0].result["nodeid"] == "katas/greeter/test_greeter.py::test_greets_by_name"
    assert lines[0].result["message"] == "SyntaxError: bad (greeter.py, line 3)"
    # Without a manifest there is nothing to list, and nothing is invented.
    assert report_io.KataEntry(run, score(run)).to_dict(TREE)["results"] == []
    # A selection (KATA::TEST) lists what it ran, never the kata's other tests.
    selected = report_io.KataEntry(run, score(run), selected="test_greets_by_name")
    one = selected.to_dict(TREE, load_manifest(TREE))
    assert (one["results"], one["result"]) == ([], "broken")


def test_the_terminal_does_not_repeat_the_kata_problem_for_each_test_listed_unrun() -> None:
    """The report lists a kata's tests when none ran; the terminal shows the problem once."""
    import io

    from grader.core import report as report_io
    from grader.core.catalog import load_catalog
    from grader.core.results import RunResult
    from grader.core.scoring import score
    from grader.render import terminal

    adder = next(k for k in load_catalog(TREE) if k.slug == "adder")
    problem = "the tests could not be collected:\nE   ImportError: x"
    run = RunResult(kata=adder, impl=adder.dir, problem=problem, problem_kind="collection")
    report = report_io.build(
        [report_io.KataEntry(run, score(run))],
        root=TREE,
        implementation={"kind": "learner", "path": "katas"},
        started="T",
        complete=True,
        manifest=load_manifest(TREE),
    )
    assert len(report["katas"][0]["results"]) == 4
    out = io.StringIO()
    terminal.render(report, out, colour=False)
    assert out.getvalue().count("ImportError: x") == 1
    assert "test_large" not in out.getvalue()


@pytest.mark.parametrize("impl", ["partial", "broken", "exits"])
def test_junit_xml(tree: Path, tmp_path: Path, impl: str) -> None:
    out = tmp_path / "junit.xml"
    graded = run_grader("grade", "--impl", str(IMPLS / impl), "--junit-xml", str(out), root=tree)
    assert graded.report is not None
    root = ET.parse(out).getroot()
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"adder", "greeter"}
    greeter = suites["greeter"]  # the submission folders hold no greeter: it does not import
    # Its two tests are listed as not run (as every other format lists them), then the kata.
    assert (greeter.get("tests"), greeter.get("failures"), greeter.get("errors")) == ("3", "0", "3")
    errors = [c.find("error").get("type") for c in greeter.findall("testcase")]
    assert errors == ["not run", "not run", "broken"]
    adder = suites["adder"]
    props = {p.get("name"): p.get("value") for p in adder.find("properties")}
    assert props["status"] == graded.kata("adder")["status"]
    assert props["points_possible"] == "6"
    cases = {c.get("name"): c for c in adder.findall("testcase")}
    if impl == "partial":
        assert adder.get("failures") == "1" and adder.get("errors") == "0"
        failure = cases["test_negative"].find("failure")
        assert "expected: -3" in failure.get("message") or "assert 7 == -3" in failure.get(
            "message"
        )
        assert "actual:   7" in failure.text and "Edge cases" in failure.text
        assert cases["test_negative"].get("line") == "19"
        assert cases["test_negative"].get("file") == "katas/adder/test_adder.py"
        assert cases["test_small"].find("failure") is None
    elif impl == "broken":
        assert list(cases) == ["test_large", "test_negative", "test_small", "test_zero", "adder"]
        assert {cases[t].find("error").get("type") for t in list(cases)[:4]} == {"not run"}
        error = cases["adder"].find("error")
        assert error.get("type") == "broken" and "SyntaxError" in error.text
    else:
        assert cases["test_large"].find("error").get("type") == "crashed"
    total = sum(int(s.get("tests")) for s in suites.values())
    assert root.get("tests") == str(total)


def test_junit_strips_what_xml_cannot_hold() -> None:
    assert junit.clean("a\x00b\x1b[31mred\x1b[0m\x07c") == "abredc"


def _normalise_markdown(text: str) -> str:
    text = re.sub(r"\b\d+(\.\d+)? (ms|s)\b", "T", text)
    text = re.sub(r'File "[^"]*/adder.py"', 'File "SUBMISSION/adder/adder.py"', text)
    return re.sub(r"[^\s\"<>]*(katas/adder/)", r"\1", text)


@pytest.mark.parametrize("impl", ["partial", "broken"])
def test_markdown_golden(tree: Path, impl: str) -> None:
    graded = run_grader("grade", "--impl", str(IMPLS / impl), "--format", "markdown", root=tree)
    assert graded.stdout.startswith("## Kata results")
    text = markdown.render(normalised(graded.report, tree))
    check_golden(f"markdown-{impl}", _normalise_markdown(text))


def test_markdown_escapes_learner_text() -> None:
    assert markdown.cell("<img src=x> | a\nb") == "&lt;img src=x&gt; &#124; a<br>b"
