"""Grading for a platform: a submission's modules laid out for the grader, then one quiet grade.

The Actions step (:mod:`grader.platforms.classroom`), Classroom 50
(:mod:`grader.platforms.classroom50`) and Gradescope
(:mod:`grader.platforms.gradescope`) all grade the same way: find each kata's
module where the platform put it, copy it into a folder laid out as
``<slug>/<module>.py``, grade that folder with the pipeline, and say plainly
when the grader itself failed. Each platform says only where to look.
"""

from __future__ import annotations

import shutil
import tempfile
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.core.catalog import Kata

Finder = Callable[[Path, "Kata"], "Path | None"]
"""Where a platform finds a kata's module in a submission (``None``: not there)."""


def grade_report(root: Path, slugs: Sequence[str], impl: Path | None = None) -> dict[str, Any]:
    """The report of a quiet grade of ``slugs`` (the learner's code, or the folder ``impl``)."""
    from grader.core.pipeline import Options, grade

    folder = None if impl is None else str(impl)
    return grade(Options(root=root, targets=list(slugs), impl=folder, quiet=True)).report


def lay_out(submission: Path, katas: Sequence[Kata], impl: Path, find: Finder) -> dict[str, str]:
    """Copy each kata's module into ``impl/<slug>/<module>.py``; where each was found ("" if not).

    Where it was found is relative to ``submission``.
    """
    found = {}
    for kata in katas:
        folder = impl / kata.slug
        folder.mkdir(parents=True, exist_ok=True)
        source = find(submission, kata) if submission.is_dir() else None
        if source is not None:
            shutil.copyfile(source, folder / f"{kata.module}.py")
        found[kata.slug] = source.relative_to(submission).as_posix() if source else ""
    return found


def grade_submission(
    root: Path, submission: Path, katas: Sequence[Kata], find: Finder, prefix: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """Grade the modules ``find`` finds in ``submission``: the report, and where each was found.

    The modules are copied into a private temporary folder (named from
    ``prefix``), so the grade never runs anything else of the submission's.
    """
    with tempfile.TemporaryDirectory(prefix=prefix) as temp:
        impl = Path(temp) / "impl"
        found = lay_out(submission, katas, impl, find)
        return grade_report(root, [k.slug for k in katas], impl), found


def failure(exc: BaseException) -> str:
    """The grader's own failure in one line, for a student to pass on to the teacher."""
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()
