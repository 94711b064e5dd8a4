"""The grader's own files on disk: written atomically, read forgivingly.

Reports, caches, progress and manifests are JSON. A reader never trusts
that an earlier run finished writing, or that nobody edited the file: what
cannot be read is treated as absent.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step (write a temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def read_json_object(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``; ``None`` when it is missing, unreadable or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def sha256(path: Path) -> str:
    """The SHA-256 of a file's contents, in hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_digest(paths: Iterable[Path]) -> str:
    """One SHA-256 over several files' contents (a missing file counts as absent)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes() if path.is_file() else b"-")
    return digest.hexdigest()


def template(name: str) -> str:
    """A text template shipped in ``grader/templates/`` (``assignment/noxfile.py.tmpl``, …).

    Templates are files, not string literals, so they read as what they make; each is
    filled with :meth:`str.format`, so a literal brace in one is written ``{{`` or ``}}``.
    """
    return (resources.files("grader") / "templates" / name).read_text(encoding="utf-8")
