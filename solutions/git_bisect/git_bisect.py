"""Bisect: the first bad commit in O(log n) probes — reference solution.

One ``git rev-list --parents`` reads the candidates; then each candidate's
ancestors among them are a bitset (an int, bit i for candidate i), so the
split a probe would make is a popcount, and a verdict shrinks the candidates
with one ``&``.
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
    """The first bad commit, or None when skipped commits leave it undecided."""
    candidates: frozenset[str]
    """The commits that may be the first bad one: ``{commit}`` when it was found."""
    probes: int
    """How many times ``is_bad`` was called, skips included."""


def _git(repo: str | os.PathLike[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)


def _commit_id(repo: str | os.PathLike[str], revision: str) -> str:
    found = _git(
        repo, "rev-parse", "--verify", "--quiet", "--end-of-options", revision + "^{commit}"
    )
    if found.returncode:
        raise ValueError(f"not a commit of the repository: {revision!r}")
    return found.stdout.strip()


def first_bad(
    repo: str | os.PathLike[str],
    good: str | Sequence[str],
    bad: str,
    is_bad: Callable[[str], bool | None],
) -> Result:
    """Find the first bad commit between the ``good`` ones and ``bad``, as ``git bisect run``.

    ``is_bad(commit)`` answers True (bad), False (good) or None (untestable:
    skipped). Each probe takes the candidate whose ancestors split the
    candidates most evenly.

    Raises:
        ValueError: ``good`` is empty, a revision is not a commit, or a good
            commit is not a proper ancestor of ``bad``.
    """
    goods = [good] if isinstance(good, str) else list(good)
    if not goods:
        raise ValueError("at least one good commit is needed")
    bad_id = _commit_id(repo, bad)
    good_ids = [_commit_id(repo, revision) for revision in goods]
    for good_id in good_ids:
        if (
            good_id == bad_id
            or _git(repo, "merge-base", "--is-ancestor", good_id, bad_id).returncode
        ):
            raise ValueError(f"good commit {good_id} is not a proper ancestor of {bad_id}")

    # Children before parents; reversed, every commit comes after its parents.
    listing = _git(repo, "rev-list", "--topo-order", "--parents", bad_id, "--not", *good_ids)
    rows = [line.split() for line in reversed(listing.stdout.splitlines())]
    commits = [row[0] for row in rows]
    index = {commit: i for i, commit in enumerate(commits)}
    reach: list[int] = []  # reach[i]: bit j set when candidate j is an ancestor of candidate i
    for i, (_, *parents) in enumerate(rows):
        bits = 1 << i
        for parent in parents:
            if parent in index:
                bits |= reach[index[parent]]
        reach.append(bits)

    known_bad = index[bad_id]
    alive = reach[known_bad]  # bad reaches every candidate
    skipped: set[int] = set()
    probes = 0
    while True:
        total = alive.bit_count()
        best, best_split = None, 0  # the known-bad commit splits 0: never picked
        for i in range(len(commits)):
            if alive >> i & 1 and i not in skipped:
                below = (reach[i] & alive).bit_count()
                split = min(below, total - below)
                if split > best_split:
                    best, best_split = i, split
        if best is None:
            break
        probes += 1
        verdict = is_bad(commits[best])
        if verdict is None:
            skipped.add(best)
        elif verdict:
            alive &= reach[best]
            known_bad = best
        else:
            alive &= ~reach[best]

    left = frozenset(commits[i] for i in range(len(commits)) if alive >> i & 1)
    undecided = alive & ~(1 << known_bad)
    found = None if undecided else commits[known_bad]
    return Result(found, left, probes)
