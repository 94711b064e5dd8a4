"""S3 multipart upload planning — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- s3_multipart
"""

from __future__ import annotations

import hashlib  # noqa: F401  (for multipart_etag)

MiB = 1024**2
GiB = 1024**3

MIN_PART_SIZE = 5 * MiB
MAX_PART_SIZE = 5 * GiB
MAX_PARTS = 10_000
MAX_OBJECT_SIZE = MAX_PARTS * MAX_PART_SIZE  # 53,687,091,200,000 bytes ≈ 48.8 TiB
DEFAULT_PART_SIZE = 8 * MiB


def plan_parts(size: int, part_size: int | None = None) -> list[tuple[int, int]]:
    """``(offset, length)`` of every part of a ``size``-byte object, in part order.

    With ``part_size=None``, start at 8 MiB, double while more than 10,000
    parts would be needed, then clamp to 5 GiB. An explicit ``part_size`` is
    used as given. Every part is ``part_size`` long except the last (1 to
    ``part_size`` bytes); an empty object is ``[(0, 0)]``.

    Raises:
        ValueError: ``size`` negative or above ``MAX_OBJECT_SIZE``; an explicit
            ``part_size`` outside 5 MiB..5 GiB, or needing more than 10,000 parts.
    """
    raise NotImplementedError


def multipart_etag(part_md5s: list[bytes]) -> str:
    """S3's ETag for an object uploaded in parts with these binary MD5 digests.

    ``md5(digest_1 + ... + digest_N)`` in lower-case hex, then ``"-N"``;
    without surrounding quotes.

    Raises:
        ValueError: no digests, more than 10,000, or one that is not 16 bytes.
    """
    raise NotImplementedError
