"""The learner's commands: list, next, hint, reset and compare.

They read the catalog and the progress file (``grader.core.progress``); ``compare``
also grades. Output is plain text, coloured on a terminal (``NO_COLOR`` is
honoured, see :mod:`grader.render.terminal`).
"""

from __future__ import annotations

import difflib
import hashlib
import shutil
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from grader.core.catalog import AREA_TITLES, AREAS, Kata, load_catalog
from grader.core.integrity import load_manifest
from grader.core.progress import Progress
from grader.core.selection import UsageError, select
from grader.render.terminal import Painter, timing_plot, use_colour

LEARNING_PATH = tuple((AREA_TITLES[area], (area,)) for area in AREAS)
"""The learning path: the areas in catalog order, under the README catalog's headings."""

DONE = ("solved",)


def _paint() -> Painter:
    return Painter(use_colour(sys.stdout))


def _one(root: Path, slug: str) -> Kata:
    return select(load_catalog(root), [slug])[0].kata


def path_order(katas: Sequence[Kata]) -> list[Kata]:
    """The catalog in learning-path order: stage, area, difficulty, slug."""
    areas = [area for _, stage in LEARNING_PATH for area in stage]
    return sorted(katas, key=lambda k: (areas.index(k.area), k.difficulty, k.slug))


def status_text(entry: dict) -> str:
    status = entry.get("status", "not started")
    if status == "partial" and entry.get("total"):
        return f"partial {entry.get('passed', 0)} of {entry['total']}"
    return status


def next_kata(katas: Sequence[Kata], progress: Progress) -> Kata | None:
    """The first kata on the learning path that is not solved yet."""
    for kata in path_order(katas):
        if progress.status(kata.slug).get("status") not in DONE:
            return kata
    return None


def list_katas(root: Path) -> int:
    """``nox -s list``: the catalog under the README's headings, with each kata's status."""
    paint = _paint()
    katas = load_catalog(root)
    progress = Progress.load(root)
    width = max(len(k.slug) for k in katas)
    title_width = max(len(k.title) for k in katas)
    lines = []
    for stage, areas in LEARNING_PATH:
        in_stage = [k for k in path_order(katas) if k.area in areas]
        if not in_stage:
            continue
        lines += ["", paint(stage, "bold")]
        for kata in in_stage:
            entry = progress.status(kata.slug)
            text = status_text(entry)
            level = "★" * kata.difficulty + "☆" * (3 - kata.difficulty)
            lines.append(
                f"  {kata.slug:<{width}}  {kata.title:<{title_width}}  {level}  "
                f"{kata.points:>2} pts  {paint(text, entry.get('status', 'not started'))}"
            )
    solved = [k for k in katas if progress.status(k.slug).get("status") in DONE]
    points = sum(float(progress.status(k.slug).get("points") or 0) for k in katas)
    total = sum(k.points for k in katas)
    upcoming = next_kata(katas, progress)
    lines += [
        "",
        paint(f"{len(solved)}/{len(katas)} katas solved, {points:g}/{total} points", "bold")
        + (f" · next: {upcoming.slug}" if upcoming else " · all done"),
    ]
    print("\n".join(lines).lstrip("\n"))
    return 0


def show_next(root: Path) -> int:
    """``nox -s next``: the first unsolved kata on the learning path."""
    kata = next_kata(load_catalog(root), Progress.load(root))
    if kata is None:
        print("Every kata is solved. Well done!")
        return 0
    print(f"next: {kata.slug} — {kata.title} ({kata.area})")
    print(f"  read   katas/{kata.slug}/README.md")
    print(f"  edit   katas/{kata.slug}/{kata.module}.py")
    print(f"  grade  nox -s grade -- {kata.slug}   (or: nox -s watch -- {kata.slug})")
    return 0


def show_hint(root: Path, slug: str | None) -> int:
    """``nox -s hint -- <slug>``: reveal one more hint, remembering how many were shown."""
    paint = _paint()
    if slug is None:
        upcoming = next_kata(load_catalog(root), Progress.load(root))
        if upcoming is None:
            print("Every kata is solved: name one, e.g. `nox -s hint -- lru_cache`.")
            return 0
        slug = upcoming.slug
    kata = _one(root, slug)
    if not kata.hints:
        print(f"{slug} has no hints.")
        return 0
    progress = Progress.load(root)
    shown = progress.hints_shown(slug)
    if shown < len(kata.hints):
        progress.show_hint(slug)
        progress.save()
        shown += 1
    print(paint(f"{slug} — hint {shown} of {len(kata.hints)}", "bold"))
    for number, hint in enumerate(kata.hints[:shown], start=1):
        style = "bold" if number == shown else "dim"
        print(f"  {number}. {paint(hint, style)}")
    if shown < len(kata.hints):
        print(paint(f"  (run `nox -s hint -- {slug}` again for the next one)", "dim"))
    else:
        print(paint("  that was the last hint", "dim"))
    return 0


def _git(root: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(["git", *args], cwd=root, capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return proc.stdout.decode("utf-8", "replace")


def pristine_stub(kata: Kata) -> bytes | None:
    """The stub as shipped: the version in git history whose hash the manifest records."""
    entry = (load_manifest(kata.root) or {}).get(kata.slug) or {}
    wanted = entry.get("stub")
    relative = kata.stub.relative_to(kata.root).as_posix()
    commits = _git(kata.root, "log", "--format=%H", "--", relative)
    for commit in (commits or "").split():
        try:
            content = subprocess.run(
                ["git", "show", f"{commit}:{relative}"],
                cwd=kata.root,
                capture_output=True,
                check=True,
            ).stdout
        except (OSError, subprocess.CalledProcessError):
            continue
        if wanted is not None:
            if hashlib.sha256(content).hexdigest() == wanted:
                return content
        elif b"NotImplementedError" in content:  # no manifest entry: the newest stub-like version
            return content
    return None


def reset(root: Path, slug: str) -> int:
    """``nox -s reset -- <slug>``: back up the learner's file, then restore the stub."""
    kata = _one(root, slug)
    stub = pristine_stub(kata)
    if stub is None:
        print(
            f"grader: cannot find the original stub of {slug} in git history; restore it with "
            f"`git checkout <commit> -- katas/{slug}/{kata.module}.py`",
            file=sys.stderr,
        )
        return 1
    current = kata.stub.read_bytes() if kata.stub.is_file() else b""
    if current == stub:
        print(f"{slug}: already the original stub; nothing to reset")
        return 0
    progress = Progress.load(root)
    progress.katas.pop(slug, None)
    if not kata.stub.is_file():  # nothing of the learner's to keep
        kata.stub.write_bytes(stub)
        progress.save()
        print(f"{slug}: restored the stub (katas/{slug}/{kata.module}.py was missing)")
        return 0
    backups = root / ".kata" / "backups" / slug
    backups.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    backup = backups / f"{kata.module}-{stamp}.py"
    n = 1
    while backup.exists():
        n += 1
        backup = backups / f"{kata.module}-{stamp}-{n}.py"
    shutil.copy2(kata.stub, backup)
    kata.stub.write_bytes(stub)
    progress.save()
    print(f"{slug}: restored the stub; your code is saved in {backup.relative_to(root)}")
    return 0


def compare(root: Path, slug: str, force: bool = False) -> int:
    """``nox -s compare -- <slug>``: grade, then your code beside the reference."""
    from grader.core.pipeline import Options, grade

    paint = _paint()
    kata = _one(root, slug)
    if not kata.reference.is_file():
        raise UsageError(f"{slug}: no reference solution here to compare with")
    state = grade(Options(root=root, targets=[slug], quiet=True))
    entry = state.report["katas"][0]
    # Too slow is correct — but where speed is the task, the reference is the answer.
    speed_task = bool((entry.get("timing") or {}).get("speed_required"))
    solved = entry["status"] == "solved" or (entry["status"] == "too slow" and not speed_task)
    if not solved and not force:
        print(
            f"{slug} is {status_text({**entry, **entry['tests']})}: solve it first, so the "
            f"reference does not spoil it (or use `nox -s compare -- {slug} --force`)"
        )
        return 1
    duration = entry["duration"]
    reference = entry["reference_duration"]
    print(paint(f"{slug} — {kata.title}", "bold"))
    print(
        f"  your code: {entry['tests']['passed']}/{entry['tests']['total']} tests passed, "
        f"{duration * 1000:.0f} ms in the tests"
    )
    if reference is not None:
        print(
            f"  reference: {entry['tests']['total']}/{entry['tests']['total']} tests passed, "
            f"{reference * 1000:.0f} ms in the tests"
        )
    timing = entry.get("timing")
    if timing and not timing.get("error"):
        print(f"  speed:     {timing['speed']}")
        print(f"  growth:    {timing['growth']}")
        for flag in timing.get("flags", []):
            print(f"  {paint('•', 'yellow')} {flag}")
        picture = timing_plot(timing, paint)
        if picture:
            print()
            print("\n".join(f"  {line}" for line in picture))
    print()
    mine = kata.stub.read_text(encoding="utf-8").splitlines(keepends=True)
    theirs = kata.reference.read_text(encoding="utf-8").splitlines(keepends=True)
    diff = list(
        difflib.unified_diff(
            mine,
            theirs,
            fromfile=f"yours: katas/{slug}/{kata.module}.py",
            tofile=f"reference: solutions/{slug}/{kata.module}.py",
        )
    )
    if not diff:
        print("your code is the same as the reference, line for line")
    for line in diff:
        line = line.rstrip("\n")
        style = (
            "green"
            if line.startswith("+")
            else "red"
            if line.startswith("-")
            else "cyan"
            if line.startswith("@@")
            else ""
        )
        print(paint(line, style) if style else line)
    return 0
