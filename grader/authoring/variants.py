"""A reference's variants: the wrong and slow ones the tests must judge, and the alternates.

``wrong/`` and ``slow/`` variants are the reference with one bug (or one slow
choice), so they are kept as unified diffs against it,
``solutions/<slug>/wrong/<name>.patch``, whose header names the bug::

    Wrong: get renews the TTL, so a hot key never expires.

    --- a/lru_cache.py
    +++ b/lru_cache.py
    @@ -40,7 +40,7 @@
    ...

The bug is the diff, not something to find by diffing two files by hand. A
variant may also be a whole module (``<name>.py``, its docstring naming the
bug); alternates always are, since they take another route. ``dev patch``
turns an edited copy of the reference into a patch.
"""

from __future__ import annotations

import ast
import difflib
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from grader.core.catalog import Kata

KINDS = ("wrong", "slow", "alternates")
OPENINGS = {"wrong": "Wrong:", "slow": "Slow but correct:", "alternates": "Correct:"}


class PatchError(Exception):
    """A variant's patch no longer applies to the reference."""


@dataclass(frozen=True)
class Variant:
    """One variant of a kata's reference."""

    kind: str  # "wrong", "slow" or "alternates"
    path: Path  # a .py module or a .patch against the reference

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def label(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def summary(self) -> str:
        """The first line of the patch's header, or of the module's docstring."""
        text = self.path.read_text(encoding="utf-8")
        if self.path.suffix == ".patch":
            return next((line.strip() for line in text.splitlines() if line.strip()), "")
        match = re.search(r'^\s*(?:[rRbBuU]?)"""\s*(.*)', text, re.MULTILINE)
        return match.group(1).strip() if match else ""


def variants(kata: Kata, kind: str) -> list[Variant]:
    """The kata's variants of one kind, sorted by name."""
    folder = kata.solution_dir / kind
    paths = [*folder.glob("*.py")] + ([] if kind == "alternates" else [*folder.glob("*.patch")])
    return [Variant(kind, p) for p in sorted(paths, key=lambda p: p.stem)]


def materialize(kata: Kata, variant: Variant, folder: Path) -> Path:
    """Write the variant as ``folder/<module>.py`` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{kata.module}.py"
    if variant.path.suffix != ".patch":
        shutil.copy(variant.path, target)
        return target
    shutil.copy(kata.reference, target)
    proc = subprocess.run(
        ["git", "apply", "--whitespace=nowarn", "--unsafe-paths", str(variant.path.resolve())],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise PatchError(
            f"{variant.label}.patch no longer applies to the reference "
            f"(edit the reference's copy and run `nox -s dev -- patch {kata.slug} FILE`): "
            + (proc.stderr.strip().splitlines() or ["git apply failed"])[-1]
        )
    return target


def _docstring_span(source: str) -> tuple[int, int] | None:
    """The lines (0-based, end exclusive) of a module's docstring, if it has one."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return None
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(getattr(first.value, "value", None), str):
        return first.lineno - 1, first.end_lineno or first.lineno
    return None


def make_patch(kata: Kata, edited: str, header: str | None = None) -> str:
    """A patch turning the reference into ``edited``.

    Without ``header``, the edited module's docstring becomes the header and
    the reference's docstring is kept, so the diff shows only the change.
    """
    reference = kata.reference.read_text(encoding="utf-8")
    ref_lines = reference.splitlines(keepends=True)
    lines = edited.splitlines(keepends=True)
    span, ref_span = _docstring_span(edited), _docstring_span(reference)
    if header is None and span is not None:
        doc = ast.get_docstring(ast.parse(edited), clean=True) or ""
        header = doc
        if ref_span is not None:
            lines = lines[: span[0]] + ref_lines[ref_span[0] : ref_span[1]] + lines[span[1] :]
    name = f"{kata.module}.py"
    diff = "".join(difflib.unified_diff(ref_lines, lines, f"a/{name}", f"b/{name}"))
    if not diff:
        raise ValueError("the edited module is the reference: there is nothing to patch")
    return f"{(header or '').strip()}\n\n{diff}"
