"""Wrong: a digest is checked by its length only, so a 16-character string gets through.

``len(d) == 16`` is the obvious check, and it rejects hex digests (32
characters). But a ``str`` of 16 characters passes it and then fails inside
``b"".join`` with a TypeError, not the ValueError the spec promises.
"""

from __future__ import annotations

import hashlib

MiB = 1024**2
GiB = 1024**3

MIN_PART_SIZE = 5 * MiB
MAX_PART_SIZE = 5 * GiB
MAX_PARTS = 10_000
MAX_OBJECT_SIZE = MAX_PARTS * MAX_PART_SIZE  # 48.8 TiB
DEFAULT_PART_SIZE = 8 * MiB
MD5_DIGEST_SIZE = 16


def _part_count(size: int, part_size: int) -> int:
    return -(-size // part_size)  # ceiling division in integers


def plan_parts(size: int, part_size: int | None = None) -> list[tuple[int, int]]:
    """``(offset, length)`` of every part of a ``size``-byte object, in order."""
    if not 0 <= size <= MAX_OBJECT_SIZE:
        raise ValueError(f"object size must be in 0..{MAX_OBJECT_SIZE}, got {size}")
    if part_size is None:
        part_size = DEFAULT_PART_SIZE
        while _part_count(size, part_size) > MAX_PARTS:
            part_size *= 2
        part_size = min(part_size, MAX_PART_SIZE)
    else:
        if not MIN_PART_SIZE <= part_size <= MAX_PART_SIZE:
            raise ValueError(
                f"part size must be in {MIN_PART_SIZE}..{MAX_PART_SIZE}, got {part_size}"
            )
        if _part_count(size, part_size) > MAX_PARTS:
            raise ValueError(f"{size} bytes in {part_size}-byte parts is over {MAX_PARTS} parts")
    if size == 0:
        return [(0, 0)]  # CompleteMultipartUpload needs at least one part
    return [(offset, min(part_size, size - offset)) for offset in range(0, size, part_size)]


def multipart_etag(part_md5s: list[bytes]) -> str:
    """The ETag S3 gives an object assembled from parts with these MD5 digests."""
    if not 1 <= len(part_md5s) <= MAX_PARTS:
        raise ValueError(f"need 1..{MAX_PARTS} part digests, got {len(part_md5s)}")
    for digest in part_md5s:
        if len(digest) != MD5_DIGEST_SIZE:  # the bug: anything of length 16 gets through
            raise ValueError(f"not a 16-byte binary MD5 digest: {digest!r}")
    return f"{hashlib.md5(b''.join(part_md5s)).hexdigest()}-{len(part_md5s)}"
