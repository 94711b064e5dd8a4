"""Tests for the S3 multipart upload planning kata.

Truth sources:

- Amazon S3 User Guide, "Amazon S3 multipart upload limits": 1-10,000 parts,
  parts of 5 MiB to 5 GiB (the last may be smaller), objects up to 48.8 TiB
  (10,000 x 5 GiB).
- The default part sizes are those of s3transfer 0.17 (the AWS CLI / boto3
  transfer manager): ``ChunksizeAdjuster().adjust_chunksize(8 * MiB, size)``
  gives 8 MiB for 100 MiB and for 10,000 x 8 MiB, 16 MiB for one byte more,
  128 MiB for 1 TiB, 1 GiB for 5 TiB and 5 GiB for 10,000 x 4 GiB + 1 and for
  10,000 x 5 GiB.
- Multipart ETag vectors from MinIO's TestGetCompleteMultipartMD5
  (cmd/object-api-utils_test.go); other ETags are computed here from raw bytes
  with hashlib, following the documented construction.
"""

from __future__ import annotations

import hashlib
import itertools
import random

import pytest

from s3_multipart import multipart_etag, plan_parts

MiB = 1024**2
GiB = 1024**3
TiB = 1024**4


def expected_plan(size: int, part_size: int) -> list[tuple[int, int]]:
    """Fixed-size parts with a shorter last one, written out plainly."""
    parts = []
    offset = 0
    while offset < size:
        length = min(part_size, size - offset)
        parts.append((offset, length))
        offset += length
    return parts or [(0, 0)]


def check_plan(parts: list[tuple[int, int]], size: int, part_size: int, count: int) -> None:
    assert len(parts) == count, f"{size} bytes in {part_size}-byte parts is {count} parts"
    assert parts[0][0] == 0
    for (offset, length), (next_offset, _) in itertools.pairwise(parts):
        assert length == part_size, f"part at {offset} is {length} bytes, not {part_size}"
        assert next_offset == offset + length, f"gap or overlap after offset {offset}"
    last_offset, last_length = parts[-1]
    assert 1 <= last_length <= part_size, f"last part has {last_length} bytes"
    assert last_offset + last_length == size, "the parts must cover the object exactly"


# --- plan_parts ----------------------------------------------------------------


@pytest.mark.spec("Parts")
def test_small_object_default_plan() -> None:
    assert plan_parts(20 * MiB) == [(0, 8 * MiB), (8 * MiB, 8 * MiB), (16 * MiB, 4 * MiB)]


@pytest.mark.spec("Parts")
def test_exact_multiple_has_no_empty_trailing_part() -> None:
    assert plan_parts(24 * MiB) == [(0, 8 * MiB), (8 * MiB, 8 * MiB), (16 * MiB, 8 * MiB)]


@pytest.mark.spec("Parts")
@pytest.mark.parametrize("size", [1, 5 * MiB, 8 * MiB - 1, 8 * MiB])
def test_object_up_to_one_part(size: int) -> None:
    assert plan_parts(size) == [(0, size)]


@pytest.mark.spec("Parts")
def test_empty_object_is_one_empty_part() -> None:
    assert plan_parts(0) == [(0, 0)]
    assert plan_parts(0, part_size=5 * MiB) == [(0, 0)]


@pytest.mark.spec("Part size")
@pytest.mark.parametrize(
    ("size", "part_size", "count"),
    [
        (100 * MiB, 8 * MiB, 13),
        (10_000 * 8 * MiB, 8 * MiB, 10_000),
        (10_000 * 8 * MiB + 1, 16 * MiB, 5001),
        (TiB, 128 * MiB, 8192),
        (5 * TiB, GiB, 5120),
        (10_000 * 4 * GiB + 1, 5 * GiB, 8001),
    ],
    ids=["100MiB", "10000x8MiB", "10000x8MiB+1", "1TiB", "5TiB", "10000x4GiB+1"],
)
def test_default_part_size_matches_the_aws_cli(size: int, part_size: int, count: int) -> None:
    check_plan(plan_parts(size), size, part_size, count)


@pytest.mark.spec("Part size")
def test_exactly_ten_thousand_parts_is_allowed() -> None:
    parts = plan_parts(10_000 * 8 * MiB)
    assert len(parts) == 10_000, "10,000 parts is within the limit: keep 8 MiB parts"
    assert parts[-1] == (9_999 * 8 * MiB, 8 * MiB)


@pytest.mark.spec("Limits")
def test_largest_object_is_ten_thousand_five_gib_parts() -> None:
    size = 10_000 * 5 * GiB
    parts = plan_parts(size)
    check_plan(parts, size, 5 * GiB, 10_000)


@pytest.mark.spec("Limits")
@pytest.mark.parametrize("size", [10_000 * 5 * GiB + 1, 50 * TiB, -1])
def test_object_size_out_of_range_is_rejected(size: int) -> None:
    with pytest.raises(ValueError):
        plan_parts(size)


@pytest.mark.spec("Part size")
def test_explicit_part_size_is_used() -> None:
    size = 100 * MiB + 3
    assert plan_parts(size, part_size=5 * MiB) == expected_plan(size, 5 * MiB)
    assert len(plan_parts(size, part_size=5 * MiB)) == 21
    odd = 7 * MiB + 12345
    assert plan_parts(size, part_size=odd) == expected_plan(size, odd)


@pytest.mark.spec("Part size")
@pytest.mark.parametrize("part_size", [5 * MiB, 5 * GiB])
def test_explicit_part_size_limits_are_inclusive(part_size: int) -> None:
    assert plan_parts(12 * GiB, part_size=part_size) == expected_plan(12 * GiB, part_size)


@pytest.mark.spec("Part size")
@pytest.mark.parametrize("part_size", [0, 1, 5 * MiB - 1, 5 * GiB + 1, 8 * GiB])
def test_explicit_part_size_out_of_range_is_rejected(part_size: int) -> None:
    with pytest.raises(ValueError):
        plan_parts(3 * MiB, part_size=part_size)


@pytest.mark.spec("Part size")
def test_explicit_part_size_needing_too_many_parts_is_rejected() -> None:
    assert len(plan_parts(10_000 * 5 * MiB, part_size=5 * MiB)) == 10_000
    with pytest.raises(ValueError):
        plan_parts(10_000 * 5 * MiB + 1, part_size=5 * MiB)


@pytest.mark.spec("Parts")
def test_random_plans_cover_the_object_exactly() -> None:
    rng = random.Random(5)
    for _ in range(200):
        part_size = rng.randrange(5 * MiB, 64 * MiB)
        size = rng.randrange(0, 40 * part_size)
        assert plan_parts(size, part_size=part_size) == expected_plan(size, part_size), (
            f"size={size}, part_size={part_size}"
        )


# --- multipart_etag --------------------------------------------------------------


@pytest.mark.spec("ETag")
@pytest.mark.parametrize(
    ("md5s", "etag"),
    [
        (["cf1f738a5924e645913c984e0fe3d708"], "10dc1617fbcf0bd0858048cb96e6bd77-1"),
        (
            ["cf1f738a5924e645913c984e0fe3d708", "9ccbc9a80eee7fb6fdd22441db2aedbd"],
            "0239a86b5266bb624f0ac60ba2aed6c8-2",
        ),
    ],
)
def test_etag_minio_vectors(md5s: list[str], etag: str) -> None:
    assert multipart_etag([bytes.fromhex(h) for h in md5s]) == etag


@pytest.mark.spec("ETag")
def test_etag_of_parts_of_real_data() -> None:
    rng = random.Random(7)
    data = rng.randbytes(3 * 1000 + 123)
    parts = [data[0:1000], data[1000:2000], data[2000:3000], data[3000:]]
    digests = [hashlib.md5(part).digest() for part in parts]
    expected = hashlib.md5(b"".join(digests)).hexdigest() + "-4"
    etag = multipart_etag(digests)
    assert etag == expected, "md5 of the concatenated *binary* digests, then -<parts>"
    assert not etag.startswith(hashlib.md5(data).hexdigest()), "not the MD5 of the object"


@pytest.mark.spec("ETag")
def test_one_part_etag_is_not_the_plain_md5() -> None:
    digest = hashlib.md5(b"hello, multipart").digest()
    expected = hashlib.md5(digest).hexdigest() + "-1"
    assert multipart_etag([digest]) == expected, "even one part gets md5(digest) + '-1'"


@pytest.mark.spec("ETag")
def test_etag_is_lower_case_hex_without_quotes() -> None:
    etag = multipart_etag([hashlib.md5(bytes([i])).digest() for i in range(12)])
    assert not etag.startswith('"') and not etag.endswith('"')
    hex_part, count = etag.split("-")
    assert count == "12"
    assert len(hex_part) == 32 and hex_part == hex_part.lower()
    int(hex_part, 16)


@pytest.mark.spec("ETag")
def test_etag_of_ten_thousand_parts() -> None:
    digests = [hashlib.md5(i.to_bytes(4, "big")).digest() for i in range(10_000)]
    expected = hashlib.md5(b"".join(digests)).hexdigest() + "-10000"
    assert multipart_etag(digests) == expected


@pytest.mark.spec("ETag")
@pytest.mark.parametrize(
    "md5s",
    [
        [],
        [b"\x00" * 15],
        [b"\x00" * 16, b"\x00" * 17],
        ["cf1f738a5924e645913c984e0fe3d708"],
        [hashlib.md5(b"x").digest()] * 10_001,
        ["0123456789abcdef"],
        [bytearray(16)],
        [hashlib.md5(b"x").digest(), None],
    ],
    ids=[
        "empty",
        "short-digest",
        "long-digest",
        "hex-string",
        "too-many",
        "str-of-16",
        "bytearray",
        "none",
    ],
)
def test_etag_rejects_bad_digests(md5s: list) -> None:
    with pytest.raises(ValueError):
        multipart_etag(md5s)
