"""Git objects — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- git_objects
"""

from __future__ import annotations

import os
from collections.abc import Iterable


def hash_object(data: bytes, obj_type: str = "blob") -> str:
    """The id git gives ``data`` stored as an object of type ``obj_type``.

    The id is the lowercase hex SHA-1 of the header ``b"<type> <len>\\0"``
    followed by ``data``, as ``git hash-object -t <type>`` prints it.

    Raises:
        ValueError: ``obj_type`` is not ``"blob"``, ``"tree"``, ``"commit"``
            or ``"tag"``.
    """
    raise NotImplementedError


def hash_tree(entries: Iterable[tuple[str, str, str]]) -> str:
    """The id of the tree object holding ``entries``, as ``git mktree`` prints it.

    Args:
        entries: ``(mode, name, hex_sha)`` triples in any order. ``mode`` is
            one of ``"100644"``, ``"100755"``, ``"120000"``, ``"160000"``,
            ``"40000"`` (a directory; ``"040000"`` is accepted too);
            ``name`` is one path component; ``hex_sha`` is 40 hex digits.

    Each entry is serialised as ``<mode> <name>\\0<20 raw id bytes>``, in git's
    tree order: names compared as UTF-8 bytes, a directory as if its name
    ended in ``"/"``.

    Raises:
        ValueError: an unknown mode, an empty name or one containing ``"/"``
            or NUL, a malformed id, or a name given twice.
    """
    raise NotImplementedError


def read_object(git_dir: str | os.PathLike[str], sha: str) -> tuple[str, bytes]:
    """Read a loose object: ``(type, content)`` as ``git cat-file`` sees it.

    Args:
        git_dir: the repository's ``.git`` directory.
        sha: the object id, 40 hex digits.

    The object is the file ``<git_dir>/objects/<sha[:2]>/<sha[2:]>``, a zlib
    stream holding ``b"<type> <size>\\0"`` followed by the content.

    Raises:
        KeyError: there is no loose object with that id.
        ValueError: ``sha`` is not 40 hex digits, or the file is not zlib
            data, or its header is malformed, or its size does not match
            the content.
    """
    raise NotImplementedError
