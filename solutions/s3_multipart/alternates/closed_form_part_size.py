"""Correct: the default part size in closed form, and the ETag hashed incrementally.

The doubling is a power of two: the number of doublings needed is the bit
length of ``(size - 1) // (8 MiB * 10,000)``, found without a loop. Parts come
from ``divmod``. The ETag feeds each digest to one MD5 object as it is checked.
"""

from __future__ import annotations

import hashlib

MiB = 1024**2
GiB = 1024**3

MIN_PART_SIZE = 5 * MiB
MAX_PART_SIZE = 5 * GiB
MAX_PARTS = 10_000
MAX_OBJECT_SIZE = MAX_PARTS * MAX_PART_SIZE
DEFAULT_PART_SIZE = 8 * MiB


def _default_part_size(size: int) -> int:
    over = (max(size, 1) - 1) // (DEFAULT_PART_SIZE * MAX_PARTS)
    return min(DEFAULT_PART_SIZE << over.bit_length(), MAX_PART_SIZE)


def plan_parts(size: int, part_size: int | None = None) -> list[tuple[int, int]]:
    if size < 0 or size > MAX_OBJECT_SIZE:
        raise ValueError(f"object size out of range: {size}")
    if part_size is None:
        part_size = _default_part_size(size)
    elif not MIN_PART_SIZE <= part_size <= MAX_PART_SIZE:
        raise ValueError(f"part size must be in {MIN_PART_SIZE}..{MAX_PART_SIZE}, got {part_size}")
    full, rest = divmod(size, part_size)
    if full + (rest > 0) > MAX_PARTS:
        raise ValueError(f"{size} bytes need more than {MAX_PARTS} parts of {part_size}")
    parts = [(k * part_size, part_size) for k in range(full)]
    if rest or not parts:
        parts.append((full * part_size, rest))
    return parts


def multipart_etag(part_md5s: list[bytes]) -> str:
    if not part_md5s or len(part_md5s) > MAX_PARTS:
        raise ValueError(f"need 1..{MAX_PARTS} part digests, got {len(part_md5s)}")
    md5 = hashlib.md5()
    for digest in part_md5s:
        if type(digest) is not bytes or len(digest) != 16:
            raise ValueError(f"not a 16-byte binary MD5 digest: {digest!r}")
        md5.update(digest)
    return f"{md5.hexdigest()}-{len(part_md5s)}"
