"""Wrong and slow variants kept as patches against the reference."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, TREE
from grader.authoring.variants import PatchError, Variant, make_patch, materialize, variants
from grader.core.catalog import load_catalog

EDITED = '''"""Wrong: subtracts instead of adding."""


def add(a: int, b: int) -> int:
    return a - b
'''


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    shutil.copytree(TREE, root)
    return root


def _adder(root: Path):
    return next(k for k in load_catalog(root) if k.slug == "adder")


def test_a_patch_names_the_bug_and_gives_back_the_program(tree: Path, tmp_path: Path) -> None:
    kata = _adder(tree)
    patch = make_patch(kata, EDITED)
    assert patch.startswith("Wrong: subtracts instead of adding.\n\n--- a/adder.py\n+++ b/adder.py")
    assert "-    return a + b\n+    return a - b\n" in patch
    assert '"""Reference adder."""' not in patch, "the reference's docstring is kept, not diffed"
    path = kata.solution_dir / "wrong" / "minus.patch"
    path.write_text(patch)
    variant = Variant("wrong", path)
    assert variant.summary == "Wrong: subtracts instead of adding."
    assert variant in variants(kata, "wrong")
    made = materialize(kata, variant, tmp_path / "out")
    assert (
        made.read_text()
        == '"""Reference adder."""\n\n\ndef add(a: int, b: int) -> int:\n    return a - b\n'
    )


def test_a_patch_that_no_longer_applies_says_so(tree: Path, tmp_path: Path) -> None:
    kata = _adder(tree)
    path = kata.solution_dir / "wrong" / "minus.patch"
    path.write_text(make_patch(kata, EDITED))
    kata.reference.write_text(
        '"""Reference adder."""\n\n\ndef add(x: int, y: int) -> int:\n    return x + y\n'
    )
    with pytest.raises(PatchError, match=r"wrong/minus.patch no longer applies to the reference"):
        materialize(kata, Variant("wrong", path), tmp_path / "out")


def _grader(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader", "dev", *args, "--root", str(root)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_dev_patch_and_check(tree: Path, tmp_path: Path) -> None:
    edited = tmp_path / "minus.py"
    edited.write_text(EDITED)
    proc = _grader(tree, "patch", "adder", str(edited))
    assert proc.returncode == 0, proc.stderr
    assert (tree / "solutions/adder/wrong/minus.patch").is_file()
    (tree / "solutions/adder/wrong/ignores_negative.py").unlink()
    stale = tree / "solutions/adder/wrong/stale.patch"
    stale.write_text(
        "Wrong: stale.\n\n--- a/adder.py\n+++ b/adder.py\n"
        "@@ -5 +5 @@\n-    return b + a\n+    return b - a\n"
    )
    out = tmp_path / "check.json"
    proc = _grader(tree, "check", "adder", "--json", str(out))
    [check] = json.loads(out.read_text())
    assert "wrong/minus" in check["variants"], check
    # A wrong variant's run stops at its first failing test, and names it.
    assert check["variants"]["wrong/minus"] == "caught by test_small (failed)", check
    assert any("wrong/stale.patch no longer applies" in p for p in check["problems"]), check


def test_dev_patch_refuses_an_unnamed_bug(tree: Path, tmp_path: Path) -> None:
    edited = tmp_path / "minus.py"
    edited.write_text(EDITED.replace("Wrong: subtracts", "Subtracts"))
    proc = _grader(tree, "patch", "adder", str(edited))
    assert proc.returncode == 2
    assert "must start with 'Wrong:'" in proc.stderr
