"""``nox -s watch [-- KATA]``: grade a kata each time it is saved, then move on to the next.

In the spirit of rustlings' watch mode: the screen shows the kata's status,
every failing test on a line of its own and the first failure in full (its
message, the spec section it checks, where in your code it happened), and a
progress bar over the catalog. Saving shows "grading…" at once; a save while a
grade runs cancels it (its result would be stale) and grades the new code.
When the kata is solved, ``n`` moves on to the next unsolved one.

Keys (single keys on a terminal; a line such as ``n`` followed by Enter when
standard input is a pipe): ``n`` next kata, ``h`` one more hint, ``l`` the
catalog, ``r`` grade again, ``q`` quit.

File events come from watchfiles; where they do not arrive (WSL2 mounts of
Windows folders, some containers and network file systems) ``--poll`` checks
the files on a timer instead. Each grade runs in a new ``python -m grader
grade`` process: this one has the file watcher's thread, and never forks.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from grader.core.catalog import Kata, load_catalog
from grader.core.progress import Progress
from grader.core.selection import UsageError
from grader.core.selection import select as select_katas
from grader.learner import commands as learner
from grader.render.terminal import (
    WHY_WIDTH,
    Painter,
    message_lines,
    rerun_command,
    use_colour,
)

CLEAR = "\x1b[2J\x1b[H"
FAILING_LISTED = 12
"""Failing tests listed one per line; the report has them all."""

KEYS = "n next kata · h hint · l list · r grade again · q quit"


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


def progress_bar(katas: list[Kata], progress: Progress, paint: Painter, width: int = 30) -> str:
    """``progress ██████░░░░ 3/28 katas solved``."""
    solved = sum(progress.status(k.slug).get("status") == "solved" for k in katas)
    filled = width * solved // len(katas) if katas else 0
    bar = paint("█" * filled, "green") + paint("░" * (width - filled), "dim")
    return f"progress {bar} {solved}/{len(katas)} katas solved"


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def screen(kata: Kata, entry: dict[str, Any], upcoming: Kata | None, paint: Painter) -> str:
    """What the watch shows after one grade of ``kata``."""
    tests = entry["tests"]
    head = f"{kata.slug} — {entry['status']}"
    if tests["total"]:
        head += f", {tests['passed']}/{tests['total']} tests"
    lines = [paint(head, "bold")]
    if entry["status"] == "solved":
        if upcoming is None:
            lines.append(paint("✓ solved — every kata is solved. Well done!", "green"))
        else:
            lines.append(paint("✓ solved", "green"))
            lines.append(f"next: {upcoming.slug} — {upcoming.title}: press n to move on")
        return "\n".join(lines)
    if entry.get("tampered"):
        lines.append(paint("tampered: this kata scores nothing until it is restored", "red"))
        lines += [f"  - {reason}" for reason in entry["tampered"]]
        return "\n".join(lines)
    if entry["broken"]:
        b = entry["broken"]
        where = f"katas/{kata.slug}/{b['file']}" + (f", line {b['line']}" if b["line"] else "")
        lines.append(paint(f"the module does not import: {where}", "red"))
        lines += [f"  {line}" for line in (b["error"] or "").splitlines()[-6:]]
        lines.append(f"start again from the stub: nox -s reset -- {kata.slug}")
        return "\n".join(lines)
    if entry["status"] == "not started":
        lines.append(
            f"read katas/{kata.slug}/README.md, then fill katas/{kata.slug}/{kata.module}.py"
        )
        lines.append(paint("(every test still meets NotImplementedError)", "dim"))
        return "\n".join(lines)
    if entry.get("timing") and entry["status"] == "too slow":
        lines += [f"  • {flag}" for flag in entry["timing"].get("flags", [])]
        lines.append("  complexity is part of this kata: see Constraints in its README")
        return "\n".join(lines)
    if entry.get("problem"):
        lines += [paint(f"  {line}", "red") for line in entry["problem"].splitlines()[:4]]
    ran = entry["results"] if entry["tests"]["total"] else []  # not those listed as never run
    failing = [t for t in ran if t["status"] not in ("passed", "skipped")]
    width = max((len(t["name"]) for t in failing[:FAILING_LISTED]), default=0)
    for t in failing[:FAILING_LISTED]:
        status = "" if t["status"] == "failed" else f"[{t['status']}] "
        why = _first_line(t["message"]) or t["status"]
        lines.append(f"  {paint('✗', 'red')} {t['name']:<{width}}  {status}{why}"[:160])
    if len(failing) > FAILING_LISTED:
        lines.append(paint(f"  … and {len(failing) - FAILING_LISTED} more failing", "dim"))
    if failing:
        first = failing[0]
        lines += ["", paint(f"first failure: {first['name']}", "bold")]
        for line in message_lines(first["message"] or first["status"], WHY_WIDTH - 4):
            lines.append(f"    {line}".rstrip())
        if first["spec"]:
            prose = spec_line(kata, first["spec"]) or ""
            lines.append(f"  spec § {first['spec']}: {prose}".rstrip())
        where = first.get("where")
        if where:
            lines.append(f"  in  {where['file']}:{where['line']}  {where['source']}")
        if first["line"]:
            lines.append(f"  at  {first['nodeid'].split('::')[0]}:{first['line']}")
        lines.append(paint(f"  rerun: {rerun_command(kata.slug, first['name'], {})}", "dim"))
    return "\n".join(lines)


class Keys:
    """Keys from standard input: single keys on a terminal, lines from a pipe."""

    def __init__(self, stream: TextIO) -> None:
        self.fd: int | None = None
        self.tty = False
        self._saved: Any = None
        try:
            self.fd = stream.fileno()
        except (AttributeError, OSError, ValueError):
            return
        self.tty = os.isatty(self.fd)
        if self.tty:
            with contextlib.suppress(ImportError, OSError):
                import termios
                import tty

                self._saved = termios.tcgetattr(self.fd)
                tty.setcbreak(self.fd)

    def read(self, timeout: float = 0.0) -> str:
        """The keys pressed (or lines' first letters) so far, lower-cased; "" when none."""
        if self.fd is None:
            return ""
        try:
            ready, _, _ = select.select([self.fd], [], [], timeout)
        except (OSError, ValueError):
            return ""
        if not ready:
            return ""
        data = os.read(self.fd, 1024).decode("utf-8", "replace")
        if not data:  # end of input: no more keys, keep watching
            self.fd = None
            return ""
        if self.tty:
            return data.lower()
        return "".join(line.strip()[:1].lower() for line in data.splitlines() if line.strip())

    def restore(self) -> None:
        if self._saved is not None and self.fd is not None:
            import termios

            with contextlib.suppress(OSError):
                termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)


class Grading:
    """One grade of a kata, in its own ``python -m grader grade`` process."""

    def __init__(self, root: Path, slug: str, fresh: bool = False) -> None:
        fd, name = tempfile.mkstemp(prefix=f"kata-watch-{slug}-", suffix=".json")
        os.close(fd)
        self.report = Path(name)
        self.report.unlink()
        args = [sys.executable, "-m", "grader", "grade", slug, "--quiet", "--json", name]
        args += ["--root", str(root)] + (["--fresh"] if fresh else [])
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # Ctrl-C reaches this loop, which cancels it
        )

    def done(self) -> bool:
        return self.proc.poll() is not None

    def result(self) -> tuple[dict[str, Any] | None, str]:
        """The kata's report entry (None if there is none) and what the process said."""
        assert self.proc.stderr is not None
        said = self.proc.stderr.read().decode("utf-8", "replace")
        self.proc.stderr.close()
        try:
            report = json.loads(self.report.read_text(encoding="utf-8"))
            entry = report["katas"][0]
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            entry = None
        self.report.unlink(missing_ok=True)
        return entry, said

    def cancel(self) -> None:
        """Stop the grade: Ctrl-C first (it ends its test processes), then a kill."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        self.report.unlink(missing_ok=True)


def _snapshot(kata: Kata) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(kata.dir.glob("*.py")) if p.is_file()}


def _events(kata: Kata, poll: bool) -> Iterator[set]:
    """Wake-ups: file events in the kata's folder, or a timeout every 0.2 s."""
    import watchfiles

    def relevant(_change: watchfiles.Change, path: str) -> bool:
        return path.endswith(".py") and "__pycache__" not in path

    yield from watchfiles.watch(
        kata.dir, watch_filter=relevant, force_polling=poll or None, poll_delay_ms=300,
        debounce=100, rust_timeout=200, yield_on_timeout=True, raise_interrupt=True,
    )  # fmt: skip


class Watch:
    """The loop: files, keys and the running grade, one kata at a time."""

    def __init__(self, root: Path, kata: Kata, poll: bool, out: TextIO) -> None:
        self.root = root
        self.kata = kata
        self.poll = poll
        self.out = out
        self.paint = Painter(use_colour(out))
        self.keys = Keys(sys.stdin)
        self.clear = CLEAR if out.isatty() else ""
        self.grading: Grading | None = None
        self.graded: dict[str, bytes] | None = None
        self.body = ""  # the last result shown
        self.extra = ""  # a hint or the list, shown under it until the next grade
        self.entry: dict[str, Any] | None = None

    def show(self, status: str | None = None) -> None:
        katas = load_catalog(self.root)
        parts = [self.clear + (status or self.body)]
        if self.extra:
            parts += ["", self.extra]
        parts += [
            "",
            progress_bar(katas, Progress.load(self.root), self.paint),
            self.paint(
                f"watching katas/{self.kata.slug}/ — save to grade again · "
                + (KEYS if self.keys.tty else f"{KEYS} (type a letter and Enter)"),
                "dim",
            ),
        ]
        print("\n".join(parts), file=self.out, flush=True)

    def start(self, fresh: bool = False) -> None:
        if self.grading is not None:
            self.grading.cancel()  # a newer save makes its result stale
        self.graded = _snapshot(self.kata)
        self.grading = Grading(self.root, self.kata.slug, fresh)
        self.extra = ""
        self.show(self.paint(f"{self.kata.slug} — grading…", "bold"))

    def finish(self) -> None:
        assert self.grading is not None
        entry, said = self.grading.result()
        self.grading = None
        self.entry = entry
        if entry is None:
            lines = [line for line in said.strip().splitlines() if line.strip()][-8:]
            self.body = self.paint(f"{self.kata.slug} — the grade did not finish", "red")
            self.body += "".join(f"\n  {line}" for line in lines)
        else:
            katas = load_catalog(self.root)
            upcoming = learner.next_kata(katas, Progress.load(self.root))
            self.body = screen(self.kata, entry, upcoming, self.paint)
        self.show()

    def key(self, key: str) -> bool:
        """Act on one key; False to quit."""
        if key == "q":
            return False
        if key == "r":
            self.start(fresh=True)
        elif key == "n":
            upcoming = learner.next_kata(load_catalog(self.root), Progress.load(self.root))
            if upcoming is None:
                self.extra = "every kata is solved"
                self.show()
            elif upcoming.slug == self.kata.slug:
                self.extra = f"{self.kata.slug} is the next unsolved kata: solve it first"
                self.show()
            else:
                self.kata = upcoming
                self.body = ""
                raise _Switch
        elif key in ("h", "l"):
            self.extra = _captured(
                lambda: (
                    learner.show_hint(self.root, self.kata.slug)
                    if key == "h"
                    else learner.list_katas(self.root)
                )
            )
            self.show()
        return True

    def run(self) -> int:
        try:
            while True:
                try:
                    self._watch_one()
                    return 0
                except _Switch:
                    continue
        except KeyboardInterrupt:
            return 0
        finally:
            if self.grading is not None:
                self.grading.cancel()
            self.keys.restore()
            print(self.paint("\nstopped watching", "dim"), file=self.out, flush=True)

    def _watch_one(self) -> None:
        self.start()
        for _changes in _events(self.kata, self.poll):
            if self.grading is not None and self.grading.done():
                self.finish()
            # Every wake-up compares the files with those last graded, so no save
            # is missed, whether or not its event arrived.
            if _snapshot(self.kata) != self.graded:
                self.start()
            for key in self.keys.read():
                if not self.key(key):
                    return


class _Switch(Exception):
    """Move the watch to another kata."""


def _captured(action) -> str:
    import io
    from contextlib import redirect_stdout

    buffer = io.StringIO()
    with redirect_stdout(buffer):
        action()
    return buffer.getvalue().rstrip()


def watch(root: Path, slug: str | None = None, poll: bool = False) -> int:
    """Watch ``slug`` (default: the next unsolved kata) until ``q`` or Ctrl-C."""
    katas = load_catalog(root)
    if slug:
        kata = select_katas(katas, [slug])[0].kata
    else:
        upcoming = learner.next_kata(katas, Progress.load(root))
        if upcoming is None:
            raise UsageError("every kata is solved: name one to watch, e.g. `nox -s watch -- KATA`")
        kata = upcoming
    return Watch(root, kata, poll, sys.stdout).run()
