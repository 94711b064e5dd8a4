"""Three-way merge — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- merge_file
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MergeResult:
    """What ``git merge-file -p`` prints, and its exit status."""

    text: str
    """The merged file, conflict blocks included."""
    conflicts: int
    """The number of conflict blocks in ``text`` (0 for a clean merge)."""


def merge(
    ours: str,
    base: str,
    theirs: str,
    *,
    labels: tuple[str, str, str] = ("ours", "base", "theirs"),
    style: str = "merge",
    marker_size: int = 7,
) -> MergeResult:
    """Merge the changes from ``base`` to ``theirs`` into ``ours``, as ``git merge-file -p``.

    ``labels`` are the names after the ``<<<<<<<``, ``|||||||`` and ``>>>>>>>``
    markers (ours, base, theirs); ``style`` is ``"merge"`` (git's default, with
    conflicts refined and joined) or ``"diff3"`` (with the base section);
    ``marker_size`` is the length of each marker. Raises ``ValueError`` for
    another style or a marker size below 1.
    """
    raise NotImplementedError
