"""Correct: let ``git rev-list --bisect-all`` rank the candidates before every probe.

``git rev-list --bisect-all BAD --not GOOD…`` lists the candidates, best
split first (``dist`` is min(k, n − k)). Each verdict moves the bad end or
adds a good end, and git ranks the candidates again: no graph in memory, one
``git`` call per probe.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    """What a bisection found."""

    commit: str | None
    candidates: frozenset[str]
    probes: int


def _git(repo: str | os.PathLike[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)


def _commit_id(repo: str | os.PathLike[str], revision: str) -> str:
    found = _git(
        repo, "rev-parse", "--verify", "--quiet", "--end-of-options", revision + "^{commit}"
    )
    if found.returncode != 0:
        raise ValueError(f"not a commit of the repository: {revision!r}")
    return found.stdout.strip()


def first_bad(
    repo: str | os.PathLike[str],
    good: str | Sequence[str],
    bad: str,
    is_bad: Callable[[str], bool | None],
) -> Result:
    """Find the first bad commit between the ``good`` ones and ``bad``, as ``git bisect run``."""
    revisions = [good] if isinstance(good, str) else list(good)
    if not revisions:
        raise ValueError("at least one good commit is needed")
    known_bad = _commit_id(repo, bad)
    goods = [_commit_id(repo, revision) for revision in revisions]
    for commit in goods:
        proper = commit != known_bad
        if not proper or _git(repo, "merge-base", "--is-ancestor", commit, known_bad).returncode:
            raise ValueError(f"good commit {commit} is not a proper ancestor of {known_bad}")

    skipped: set[str] = set()
    probes = 0
    while True:
        ranked = _git(repo, "rev-list", "--bisect-all", known_bad, "--not", *goods).stdout
        candidates = [line.split()[0] for line in ranked.splitlines()]
        testable = [c for c in candidates if c != known_bad and c not in skipped]
        if not testable:
            break
        commit = testable[0]
        probes += 1
        verdict = is_bad(commit)
        if verdict is None:
            skipped.add(commit)
        elif verdict:
            known_bad = commit
        else:
            goods.append(commit)

    left = frozenset(candidates)
    return Result(known_bad if len(left) == 1 else None, left, probes)
