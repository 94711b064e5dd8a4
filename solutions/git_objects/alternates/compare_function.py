"""Correct: git's ``base_name_compare`` as a comparison function, and a hand-made header parser.

Tree entries are sorted with ``functools.cmp_to_key`` over a port of git's
``base_name_compare`` (compare the common prefix, then the next byte, a
directory's name continuing with ``/``). The loose-object header is taken
apart with bytes methods: ``bytes.isdigit`` is true for ASCII digits only.
"""

from __future__ import annotations

import functools
import hashlib
import os
import string
import zlib
from collections.abc import Iterable

TYPES = ("blob", "tree", "commit", "tag")
MODES = {"100644", "100755", "120000", "160000", "40000", "040000"}
HEX = frozenset(string.hexdigits)


def _is_id(sha: object) -> bool:
    return isinstance(sha, str) and len(sha) == 40 and all(c in HEX for c in sha)


def hash_object(data: bytes, obj_type: str = "blob") -> str:
    if obj_type not in TYPES:
        raise ValueError(f"unknown object type {obj_type!r}")
    return hashlib.sha1(obj_type.encode() + b" %d\0" % len(data) + data).hexdigest()


def _base_name_compare(a: tuple[bytes, bool], b: tuple[bytes, bool]) -> int:
    (name1, dir1), (name2, dir2) = a, b
    n = min(len(name1), len(name2))
    if name1[:n] != name2[:n]:
        return -1 if name1[:n] < name2[:n] else 1
    c1 = name1[n] if n < len(name1) else (0x2F if dir1 else 0)
    c2 = name2[n] if n < len(name2) else (0x2F if dir2 else 0)
    return (c1 > c2) - (c1 < c2)


def hash_tree(entries: Iterable[tuple[str, str, str]]) -> str:
    rows = []
    for mode, name, sha in entries:
        if mode not in MODES:
            raise ValueError(f"bad mode {mode!r}")
        if name == "" or "/" in name or "\0" in name:
            raise ValueError(f"bad name {name!r}")
        if not _is_id(sha):
            raise ValueError(f"bad id {sha!r}")
        rows.append((name.encode(), mode.lstrip("0"), bytes.fromhex(sha)))
    names = [row[0] for row in rows]
    if len(set(names)) != len(names):
        raise ValueError("duplicate entry names")
    rows.sort(
        key=functools.cmp_to_key(
            lambda x, y: _base_name_compare((x[0], x[1] == "40000"), (y[0], y[1] == "40000"))
        )
    )
    content = b"".join(mode.encode() + b" " + name + b"\0" + raw for name, mode, raw in rows)
    return hash_object(content, "tree")


def read_object(git_dir: str | os.PathLike[str], sha: str) -> tuple[str, bytes]:
    if not _is_id(sha):
        raise ValueError(f"bad id {sha!r}")
    sha = sha.lower()
    try:
        with open(os.path.join(git_dir, "objects", sha[:2], sha[2:]), "rb") as file:
            data = zlib.decompress(file.read())
    except FileNotFoundError:
        raise KeyError(sha) from None
    except zlib.error as exc:
        raise ValueError(f"{sha} is not zlib data") from exc
    header, nul, content = data.partition(b"\0")
    kind, space, size = header.partition(b" ")
    if not nul or not space or kind.decode("latin-1") not in TYPES:
        raise ValueError(f"{sha}: malformed header {header!r}")
    if not size.isdigit() or (size[:1] == b"0" and size != b"0"):
        raise ValueError(f"{sha}: malformed size {size!r}")
    if int(size) != len(content):
        raise ValueError(f"{sha}: size {int(size)} but {len(content)} bytes of content")
    return kind.decode("ascii"), content
