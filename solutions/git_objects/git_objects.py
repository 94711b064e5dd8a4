"""Reference solution: git object ids, tree objects and loose-object reading.

Everything git stores is an object: a header ``b"<type> <size>\\0"`` followed by
the content. The object id is the SHA-1 of header and content together; a
loose object is that same byte string, zlib-compressed, in
``.git/objects/<2 hex>/<38 hex>``. A tree's content is its entries, each
``<mode> <name>\\0<20 raw id bytes>``, in git's tree order: names compared as
bytes, with a directory compared as if its name ended in ``/``.
"""

from __future__ import annotations

import hashlib
import os
import re
import zlib
from collections.abc import Iterable

OBJECT_TYPES = frozenset({"blob", "tree", "commit", "tag"})

# Accepted modes and the bytes git writes for each. ``git ls-tree`` prints a
# directory as 040000 (zero-padded), but inside a tree object it is 40000.
_TREE_MODES = {
    "100644": b"100644",
    "100755": b"100755",
    "120000": b"120000",
    "160000": b"160000",
    "40000": b"40000",
    "040000": b"40000",
}
_DIRECTORY_MODES = frozenset({"40000", "040000"})
_HEX_ID = re.compile(r"[0-9a-fA-F]{40}")
# Header as git's parse_loose_header accepts it: a known type, one space, and
# the size in canonical decimal (no sign, no leading zeros).
_HEADER = re.compile(rb"(blob|tree|commit|tag) (0|[1-9][0-9]*)")


def hash_object(data: bytes, obj_type: str = "blob") -> str:
    """The object id of ``data`` stored as an object of type ``obj_type``."""
    if obj_type not in OBJECT_TYPES:
        raise ValueError(f"unknown object type {obj_type!r}")
    digest = hashlib.sha1(f"{obj_type} {len(data)}\0".encode("ascii"))
    digest.update(data)
    return digest.hexdigest()


def hash_tree(entries: Iterable[tuple[str, str, str]]) -> str:
    """The object id of the tree holding ``entries`` (in any order)."""
    records: list[tuple[bytes, bytes]] = []
    names: set[bytes] = set()
    for mode, name, sha in entries:
        raw_mode = _TREE_MODES.get(mode)
        if raw_mode is None:
            raise ValueError(f"unsupported tree entry mode {mode!r}")
        if not name or "/" in name or "\0" in name:
            raise ValueError(f"invalid tree entry name {name!r}")
        if not _HEX_ID.fullmatch(sha):
            raise ValueError(f"object id must be 40 hex digits, got {sha!r}")
        raw_name = name.encode("utf-8")
        if raw_name in names:
            raise ValueError(f"duplicate tree entry name {name!r}")
        names.add(raw_name)
        # The sort key: a directory compares as if its name ended in "/".
        key = raw_name + b"/" if mode in _DIRECTORY_MODES else raw_name
        records.append((key, raw_mode + b" " + raw_name + b"\0" + bytes.fromhex(sha)))
    records.sort(key=lambda record: record[0])
    return hash_object(b"".join(record for _, record in records), "tree")


def read_object(git_dir: str | os.PathLike[str], sha: str) -> tuple[str, bytes]:
    """Read the loose object ``sha`` from the repository at ``git_dir``."""
    if not isinstance(sha, str) or not _HEX_ID.fullmatch(sha):
        raise ValueError(f"object id must be 40 hex digits, got {sha!r}")
    sha = sha.lower()
    path = os.path.join(git_dir, "objects", sha[:2], sha[2:])
    try:
        with open(path, "rb") as file:
            compressed = file.read()
    except FileNotFoundError:
        raise KeyError(sha) from None
    try:
        raw = zlib.decompress(compressed)
    except zlib.error as exc:
        raise ValueError(f"object {sha} is not a zlib stream: {exc}") from exc
    head, nul, content = raw.partition(b"\0")
    header = _HEADER.fullmatch(head) if nul else None
    if header is None:
        raise ValueError(f"object {sha} has no NUL after its header, or a malformed header")
    size = int(header[2])
    if size != len(content):
        raise ValueError(f"object {sha} header says {size} bytes, content has {len(content)}")
    return header[1].decode("ascii"), content
