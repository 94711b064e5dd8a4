"""Wrong: an id is checked with ``len(sha) == 40`` and ``int(sha, 16)``, which skip whitespace.

int(" e69de29...", 16) strips the space; the 40 characters then name a path that
does not exist and read_object raises KeyError, not ValueError. In a tree,
bytes.fromhex likewise skips spaces between bytes.
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
_DIRECTORY = b"40000"
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
        raw_id = bytes.fromhex(sha)  # ValueError when it is not hex
        if len(raw_id) != 20:
            raise ValueError(f"object id must be 20 bytes, got {sha!r}")
        raw_name = name.encode("utf-8")
        if raw_name in names:
            raise ValueError(f"duplicate tree entry name {name!r}")
        names.add(raw_name)
        # The sort key: a directory compares as if its name ended in "/".
        key = raw_name + b"/" if raw_mode == _DIRECTORY else raw_name
        records.append((key, raw_mode + b" " + raw_name + b"\0" + raw_id))
    records.sort(key=lambda record: record[0])
    return hash_object(b"".join(record for _, record in records), "tree")


def read_object(git_dir: str | os.PathLike[str], sha: str) -> tuple[str, bytes]:
    """Read the loose object ``sha`` from the repository at ``git_dir``."""
    if not isinstance(sha, str) or len(sha) != 40:
        raise ValueError(f"object id must be 40 hex digits, got {sha!r}")
    int(sha, 16)  # ValueError when it is not hex
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
    end = raw.find(b"\0")
    if end < 0:
        raise ValueError(f"object {sha} has no header terminator")
    header = _HEADER.fullmatch(raw, 0, end)
    if header is None:
        raise ValueError(f"object {sha} has a malformed header {raw[:end]!r}")
    content = raw[end + 1 :]
    if int(header[2]) != len(content):
        raise ValueError(
            f"object {sha} header says {int(header[2])} bytes, content has {len(content)}"
        )
    return header[1].decode("ascii"), content
