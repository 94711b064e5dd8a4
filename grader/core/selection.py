"""Selection: which katas to grade, which tests, and whose implementation.

Targets are slugs (``lru_cache``) or a single test (``lru_cache::test_x``).
The implementation is the learner's (``katas/<slug>/``), the reference
(``solutions/<slug>/``) or any folder laid out as ``<slug>/<module>.py``.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.core.catalog import Kata


class UsageError(Exception):
    """The command line asks for something that does not exist."""


@dataclass(frozen=True)
class Target:
    kata: Kata
    test: str | None = None  # a test name within the kata's test file


@dataclass(frozen=True)
class Implementation:
    """Whose code is graded."""

    kind: str  # "learner", "reference" or "impl"
    path: Path | None = None  # the --impl folder

    def dir_for(self, kata: Kata) -> Path:
        """The folder holding ``<module>.py`` for this kata.

        An ``--impl`` folder is laid out as ``<kata>/<module>.py``, or holds the
        modules side by side (``<module>.py``), as a Gradescope upload does.
        """
        if self.kind == "reference":
            return kata.solution_dir
        if self.kind == "impl":
            assert self.path is not None
            nested = self.path / kata.slug
            flat = self.path / f"{kata.module}.py"
            if not (nested / f"{kata.module}.py").is_file() and flat.is_file():
                return self.path
            return nested
        return kata.dir

    def describe(self, root: Path) -> dict[str, str]:
        if self.kind == "impl" and self.path is not None:
            return {"kind": "impl", "path": str(self.path)}
        folder = "solutions" if self.kind == "reference" else "katas"
        return {"kind": self.kind, "path": str(root / folder)}


def close_matches(word: str, slugs: Sequence[str]) -> list[str]:
    matches = difflib.get_close_matches(word, slugs, n=3, cutoff=0.5)
    return matches or [s for s in slugs if word in s or s in word][:3]


def select(catalog: Sequence[Kata], targets: Sequence[str]) -> list[Target]:
    """The katas (and tests) named by ``targets``; all katas when empty."""
    if not targets:
        return [Target(k) for k in catalog]
    by_slug = {k.slug: k for k in catalog}
    chosen: list[Target] = []
    for raw in targets:
        slug, _, test = raw.strip().strip("/").partition("::")
        slug = slug.removeprefix("katas/")
        if slug not in by_slug:
            suggestions = close_matches(slug, list(by_slug))
            hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
            raise UsageError(f"unknown kata {slug!r}.{hint} (`nox -s list` shows them all)")
        target = Target(by_slug[slug], test or None)
        if target not in chosen:
            chosen.append(target)
    return chosen


def implementation(reference: bool, impl: str | None) -> Implementation:
    if reference and impl:
        raise UsageError("choose either --reference or --impl, not both")
    if reference:
        return Implementation("reference")
    if impl:
        path = Path(impl).resolve()
        if not path.is_dir():
            raise UsageError(f"--impl {impl}: no such folder")
        return Implementation("impl", path)
    return Implementation("learner")
