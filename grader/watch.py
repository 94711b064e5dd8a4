"""``nox -s watch -- <slug>``: grade a kata each time its files are saved.

The screen shows one thing at a time: the first failing test, its message
and the spec line it concerns, or "solved — next: <slug>". File events come
from watchfiles; where they do not arrive (WSL2 mounts of Windows folders,
some containers and network file systems) ``--poll`` checks the files on a
timer instead.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from grader.catalog import Kata, load_catalog
from grader.learner import next_kata
from grader.pipeline import Options, grade
from grader.progress import Progress
from grader.selection import select
from grader.terminal import Painter, rerun_command, use_colour

CLEAR = "\x1b[2J\x1b[H"


def spec_line(kata: Kata, section: str | None) -> str | None:
    """The first line of prose under a ``##`` section of the kata's README."""
    if not section or not kata.spec.is_file():
        return None
    text = kata.spec.read_text(encoding="utf-8")
    match = re.search(rf"^##\s+{re.escape(section)}\s*$\n(.*?)(?=^##\s|\Z)", text, re.M | re.S)
    if not match:
        return None
    for line in match.group(1).splitlines():
        line = line.strip()
        if line and not line.startswith("```"):
            return line
    return None


def screen(kata: Kata, entry: dict[str, Any], upcoming: Kata | None, paint: Painter) -> str:
    """What the watch shows after one grade."""
    lines = [
        paint(
            f"{kata.slug} — {entry['status']}, "
            f"{entry['tests']['passed']}/{entry['tests']['total']} tests",
            "bold",
        )
    ]
    if entry["status"] == "solved":
        after = f"next: {upcoming.slug}" if upcoming else "every kata is solved"
        lines.append(paint(f"solved — {after}", "green"))
        return "\n".join(lines)
    if entry["broken"]:
        b = entry["broken"]
        lines.append(paint(f"the module does not import (line {b['line']}):", "red"))
        lines.append(f"  {b['error'].splitlines()[-1] if b['error'] else ''}")
        return "\n".join(lines)
    if entry.get("timing") and entry["status"] == "too slow":
        lines += [f"  • {flag}" for flag in entry["timing"].get("flags", [])]
        return "\n".join(lines)
    failing = [t for t in entry["results"] if t["status"] not in ("passed", "skipped")]
    if not failing:
        lines.append(entry.get("problem") or "")
        return "\n".join(lines)
    first = failing[0]
    lines.append(paint(f"✗ {first['name']}", "red") + f"  [{first['status']}]")
    for line in (first["message"] or first["status"]).splitlines()[:10]:
        lines.append(f"    {line}")
    if first["spec"]:
        lines.append(f"  spec § {first['spec']}: {spec_line(kata, first['spec']) or ''}".rstrip())
    if first["line"]:
        lines.append(f"  at {first['nodeid'].split('::')[0]}:{first['line']}")
    lines.append(paint(f"  rerun: {rerun_command(kata.slug, first['name'], {})}", "dim"))
    return "\n".join(lines)


def watch(root: Path, slug: str, poll: bool = False) -> int:
    import watchfiles

    kata = select(load_catalog(root), [slug])[0].kata
    paint = Painter(use_colour(sys.stdout))
    clear = CLEAR if sys.stdout.isatty() else ""

    def once() -> None:
        state = grade(Options(root=root, targets=[slug], quiet=True))
        entry = state.report["katas"][0]
        upcoming = next_kata(load_catalog(root), Progress.load(root))
        print(clear + screen(kata, entry, upcoming, paint), flush=True)
        print(
            paint(f"\nwatching katas/{slug}/ — save to grade again, Ctrl-C to stop", "dim"),
            flush=True,
        )

    def relevant(_change: watchfiles.Change, path: str) -> bool:
        return path.endswith(".py") and "__pycache__" not in path

    def snapshot() -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted(kata.dir.glob("*.py")) if p.is_file()}

    # Events make a save show at once. The watcher also wakes every second,
    # and a grade runs whenever the files differ from those last graded, so a
    # save is never missed: not while a grade runs, nor before a polling
    # watcher has taken its first look.
    try:
        graded = snapshot()
        once()
        for _changes in watchfiles.watch(
            kata.dir, watch_filter=relevant, force_polling=poll or None, poll_delay_ms=300,
            debounce=200, rust_timeout=1000, yield_on_timeout=True, raise_interrupt=True,
        ):  # fmt: skip
            current = snapshot()
            if current != graded:
                graded = current
                once()
    except KeyboardInterrupt:
        print("\nstopped watching", flush=True)
    return 0
