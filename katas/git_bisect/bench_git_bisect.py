"""Timing workload for the bisect kata.

The grader calls ``workload(module, n)`` and times the callable it returns: a
bisection of a real linear repository of n commits (written once, outside the
timing, with ``git fast-import``), the bug two thirds of the way up, every
seventh commit untestable.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from grader.kata_support import GIT_IDENTITY


def repository(n: int) -> tuple[Path, list[str]]:
    """A fresh repository of n commits on main; their ids, oldest first."""
    # The grader measures with the timing's scratch folder as tempfile's, and removes it.
    repo = Path(tempfile.mkdtemp(prefix="bisect-bench-"))
    env = {**os.environ, **GIT_IDENTITY}
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
    lines = []
    for i in range(n):
        lines += ["commit refs/heads/main", f"mark :{i + 1}"]
        lines += [f"committer Ada Lovelace <ada@example.com> {1_700_000_000 + i} +0000", "data 0"]
        if i:
            lines.append(f"from :{i}")
        lines.append("")
    marks = repo / ".git" / "marks"
    subprocess.run(
        ["git", "fast-import", "--quiet", f"--export-marks={marks}"],
        cwd=repo,
        input="\n".join(lines).encode(),
        check=True,
        env=env,
    )
    by_mark = dict(line.split() for line in marks.read_text().splitlines())
    return repo, [by_mark[f":{i + 1}"] for i in range(n)]


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    repo, ids = repository(n)
    position = {commit: i for i, commit in enumerate(ids)}
    bug = 2 * n // 3

    def is_bad(commit: str) -> bool | None:
        i = position[commit]
        return None if i % 7 == 3 else i >= bug

    def run() -> None:
        module.first_bad(repo, ids[0], ids[-1], is_bad)

    return run
