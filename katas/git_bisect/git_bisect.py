"""Bisect — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- git_bisect
"""

from __future__ import annotations

import os
import subprocess  # noqa: F401  (read the history with the git program)
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    """What a bisection found."""

    commit: str | None
    """The first bad commit (a full 40-hex id), or None when skips leave it undecided."""
    candidates: frozenset[str]
    """The commits that may be the first bad one: ``{commit}`` when it was found."""
    probes: int
    """How many times ``is_bad`` was called, skips included."""


def first_bad(
    repo: str | os.PathLike[str],
    good: str | Sequence[str],
    bad: str,
    is_bad: Callable[[str], bool | None],
) -> Result:
    """Find the first bad commit between the ``good`` ones and ``bad``, as ``git bisect run``.

    Args:
        repo: the path of a git repository; read its history with ``git``.
        good: one revision known good, or several (``git rev-parse`` names).
        bad: a revision known bad.
        is_bad: tests a commit, given as a full 40-hex id: True (bad), False
            (good) or None (cannot be tested: skip it).

    Probe the candidate that splits the candidates most evenly: at most
    ceil(log2 n) probes on a linear history of n candidates, plus one per
    skip. Never probe bad, a good commit, or a commit twice. Do not change
    the repository.

    Returns:
        ``Result(commit, frozenset({commit}), probes)``, or, when skipped
        commits leave it open, ``Result(None, candidates, probes)``.

    Raises:
        ValueError: ``good`` is empty, a revision is not a commit, or a good
            commit is not a proper ancestor of ``bad``.
    """
    raise NotImplementedError
