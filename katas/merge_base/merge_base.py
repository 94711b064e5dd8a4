"""Merge base — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- merge_base
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def merge_base(parents: Mapping[str, Sequence[str]], a: str, b: str) -> set[str]:
    """All best common ancestors of commits ``a`` and ``b``, as ``git merge-base --all``.

    Args:
        parents: the commit graph: every commit id maps to the ids of its
            parents (none for a root commit, two or more for a merge). Every
            commit, parents included, is a key.
        a: a commit id.
        b: a commit id.

    A commit is its own ancestor. A common ancestor of ``a`` and ``b`` is
    *best* when it is not an ancestor of any other common ancestor.

    Returns:
        The set of best common ancestors; empty when ``a`` and ``b`` share no
        history. After a criss-cross merge there can be more than one.

    Raises:
        KeyError: ``a`` or ``b`` is not in ``parents``.
    """
    raise NotImplementedError
