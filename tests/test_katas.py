"""Every kata is sound: valid metadata, tests that fail on the stub, pass on the
reference and reject each known-wrong variant (like rustlings' `dev check`).

The check grades every kata's stub, reference and variants once, in parallel
isolated processes; each kata then gets its own test here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from grader.authoring.dev import catalog_table, spec_headings
from grader.core.catalog import AREAS, load_catalog
from grader.core.integrity import load_manifest, protected_files, sha256

CATALOG = load_catalog(ROOT)
SLUGS = [k.slug for k in CATALOG]
SLUGS_SORTED = sorted(SLUGS)


@pytest.fixture(scope="session")
def soundness(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    out = tmp_path_factory.mktemp("check") / "check.json"
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "dev", "check", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert out.is_file(), proc.stdout + proc.stderr
    return {c["slug"]: c for c in json.loads(out.read_text())}


@pytest.mark.parametrize("slug", SLUGS)
def test_kata_is_sound(slug: str, soundness: dict[str, dict]) -> None:
    verdict = soundness[slug]
    assert verdict["problems"] == [], "\n".join(verdict["problems"])
    assert verdict["tests"] >= 5


@pytest.mark.parametrize("kata", CATALOG, ids=SLUGS)
def test_metadata_and_files(kata) -> None:
    assert kata.module == kata.slug, "module is named after the kata"
    assert len(kata.hints) >= 2, "at least two hints, gentle to revealing"
    headings = spec_headings(kata.spec)
    for required in ("Task", "API", "Examples", "References"):
        assert required in headings, f"spec has no ## {required}"
    stub = kata.stub.read_text()
    assert kata.timing is not None, "a [timing] table with the workload's sizes"
    if not kata.timing.speed_required:  # a speed kata's stub is the working original
        assert "NotImplementedError" in stub
    assert kata.bench_file.is_file()


def test_catalog_covers_areas_in_order() -> None:
    assert [k.area for k in CATALOG] == sorted((k.area for k in CATALOG), key=AREAS.index)


def test_readme_catalog_is_current() -> None:
    readme = (ROOT / "README.md").read_text()
    assert catalog_table(CATALOG) in readme, "run `nox -s dev -- catalog` to regenerate it"
    for slug in SLUGS:
        assert f"katas/{slug}/README.md" in readme


def test_no_solution_code_in_kata_folders() -> None:
    for kata in CATALOG:
        assert kata.stub.read_bytes() != kata.reference.read_bytes()
        assert not (kata.dir / "conftest.py").exists()
        assert Path(kata.dir / "__init__.py").exists() is False


def test_manifest_is_current(soundness: dict[str, dict]) -> None:
    """katas/manifest.json matches the shipped files: regenerate with `nox -s dev -- manifest`."""
    manifest = load_manifest(ROOT)
    assert manifest is not None
    assert sorted(manifest) == SLUGS_SORTED
    for kata in CATALOG:
        entry = manifest[kata.slug]
        assert entry["files"] == {p.name: sha256(p) for p in protected_files(kata)}, kata.slug
        assert entry["stub"] == sha256(kata.stub), kata.slug
        assert entry["tests"] == soundness[kata.slug]["reference_tests"], kata.slug
