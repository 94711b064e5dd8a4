"""Tests for the Redis Cluster key slots kata.

Sources of truth:

- The Redis Cluster specification (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/):
  the CRC-16/XMODEM parameters and its check value 0x31C3 for "123456789",
  and the hash-tag rules with their worked examples.
- The redis.io page of CLUSTER KEYSLOT (https://redis.io/docs/latest/commands/cluster-keyslot/):
  somekey -> 11058, foo{hash_tag} -> 2515, bar{hash_tag} -> 2515.
- A real server: the slots in ``REDIS_SERVER_SLOTS`` and ``NON_ASCII_TAGS``
  were printed by ``redis-cli CLUSTER KEYSLOT <key>`` (``redis-cli -x`` for
  raw bytes on stdin) against redis-server 7.0.15 started with
  ``--cluster-enabled yes`` (a server without cluster mode refuses the
  command: "ERR This instance has cluster support disabled").
- Python's ``binascii.crc_hqx(data, 0)``: the standard library's CRC-CCITT
  (polynomial 0x1021, not reflected) with initial value 0, which is exactly
  CRC-16/XMODEM. It is the independent oracle for the randomised checks.
"""

from __future__ import annotations

import ast
import binascii
import inspect
import random

import pytest

import redis_cluster_slot
from redis_cluster_slot import crc16, key_slot


def xmodem(data: bytes) -> int:
    """CRC-16/XMODEM from the standard library (independent of the code under test)."""
    return binascii.crc_hqx(data, 0)


def model_slot(key: bytes) -> int:
    """The specification's keyHashSlot, written out plainly with the stdlib CRC."""
    start = key.find(b"{")
    if start != -1:
        end = key.find(b"}", start + 1)
        if end != -1 and end != start + 1:
            return xmodem(key[start + 1 : end]) % 16384
    return xmodem(key) % 16384


# --- CRC16 -----------------------------------------------------------------


@pytest.mark.spec("CRC16")
def test_crc16_check_value_from_the_specification() -> None:
    # Cluster spec: 'Output for "123456789": 31C3' (also the XMODEM check value
    # in the reveng CRC catalogue).
    result = crc16(b"123456789")
    assert result == 0x31C3, (
        f"crc16(b'123456789') is {result:#06x}, expected 0x31c3; 0x29b1 would mean an initial "
        "value of 0xFFFF (CRC-16/CCITT-FALSE), 0x2189 a reflected CRC (CRC-16/KERMIT)"
    )


@pytest.mark.spec("CRC16")
def test_crc16_of_empty_input_is_the_initial_value_zero() -> None:
    assert crc16(b"") == 0, "XMODEM starts from 0 and has no final XOR, so crc16(b'') is 0"


@pytest.mark.spec("CRC16")
def test_crc16_of_every_single_byte() -> None:
    # One byte exercises one entry of the 256-entry table (or eight bit steps).
    wrong = [b for b in range(256) if crc16(bytes([b])) != xmodem(bytes([b]))]
    assert not wrong, f"crc16 is wrong for the single bytes {wrong[:10]}"


@pytest.mark.spec("CRC16")
def test_crc16_matches_stdlib_xmodem_on_random_data() -> None:
    rng = random.Random(16384)
    for _ in range(300):
        data = rng.randbytes(rng.randrange(0, 80))
        assert crc16(data) == xmodem(data), f"crc16({data!r}) should be {xmodem(data):#06x}"


@pytest.mark.spec("CRC16")
def test_crc16_is_a_16_bit_int() -> None:
    rng = random.Random(7)
    for _ in range(50):
        result = crc16(rng.randbytes(20))
        assert isinstance(result, int)
        assert 0 <= result <= 0xFFFF


# --- Hash slots ------------------------------------------------------------


@pytest.mark.spec("Hash slots")
@pytest.mark.parametrize(
    ("key", "slot"),
    [("somekey", 11058), ("foo{hash_tag}", 2515), ("bar{hash_tag}", 2515)],
)
def test_slots_published_on_redis_io(key: str, slot: int) -> None:
    # The example session on the CLUSTER KEYSLOT page of redis.io.
    assert key_slot(key) == slot


REDIS_SERVER_SLOTS = [
    ("foo", 12182),
    ("bar", 5061),
    ("hello", 866),
    ("123456789", 12739),  # 0x31C3 is below 16384, so the slot is the CRC itself
    ("user1000", 3443),
    ("user:case", 9491),
    ("user:info", 15429),
    ("héllo", 11061),
    ("ключ", 10303),
    ("😀", 2959),
    ("", 0),
]


@pytest.mark.spec("Hash slots")
@pytest.mark.parametrize(("key", "slot"), REDIS_SERVER_SLOTS)
def test_slots_agree_with_redis_server(key: str, slot: int) -> None:
    # redis-cli CLUSTER KEYSLOT <key> on redis-server 7.0.15 (cluster mode).
    assert key_slot(key) == slot, f"CLUSTER KEYSLOT {key!r} is {slot}"


@pytest.mark.spec("API")
def test_str_key_is_hashed_as_its_utf8_bytes() -> None:
    for key in ["plain", "héllo", "ключ", "{ключ}.a", "😀"]:
        assert key_slot(key) == key_slot(key.encode("utf-8")), (
            f"key_slot({key!r}) must equal key_slot of its UTF-8 bytes"
        )


@pytest.mark.spec("Hash slots")
def test_binary_key_that_is_not_utf8() -> None:
    # redis-cli -x CLUSTER KEYSLOT with the raw bytes a\x00b{\xff} on stdin -> 7920:
    # the tag is the single byte 0xff.
    assert key_slot(b"a\x00b{\xff}") == 7920
    assert key_slot(b"\xff") == 7920


@pytest.mark.spec("Hash slots")
def test_slot_is_an_int_in_range() -> None:
    rng = random.Random(11)
    for _ in range(200):
        slot = key_slot(rng.randbytes(rng.randrange(0, 30)))
        assert isinstance(slot, int)
        assert 0 <= slot < 16384


# --- Task --------------------------------------------------------------------

# CRC libraries a module might lean on: binascii.crc_hqx is CRC-16/XMODEM
# itself, and redis-py's redis.crc.key_slot is the whole kata.
CRC_LIBRARIES = {
    "binascii", "crc", "crc16", "crcmod", "crccheck", "crcengine", "fastcrc", "libscrc",
    "anycrc", "pycrc", "redis",
}  # fmt: skip


@pytest.mark.spec("Task")
def test_the_crc_is_computed_not_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    tree = ast.parse(inspect.getsource(redis_cluster_slot))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            imported |= {node.value.split(".")[0]} & CRC_LIBRARIES  # importlib.import_module(...)
    assert not imported & CRC_LIBRARIES, (
        f"the module uses {sorted(imported & CRC_LIBRARIES)}: implement the CRC yourself"
    )

    def refuse(*args: object) -> int:
        raise AssertionError("binascii.crc_hqx was called: implement the CRC yourself")

    monkeypatch.setattr(binascii, "crc_hqx", refuse)
    assert crc16(b"123456789") == 0x31C3
    assert key_slot("somekey") == 11058


# --- Hash tags -------------------------------------------------------------


@pytest.mark.spec("Hash tags")
def test_keys_with_the_same_tag_share_a_slot() -> None:
    # Spec example: {user1000}.following and {user1000}.followers hash only
    # "user1000". CLUSTER KEYSLOT gives 3443 for all three.
    assert key_slot("{user1000}.following") == 3443
    assert key_slot("{user1000}.followers") == 3443
    assert key_slot("user:{42}:profile") == key_slot("user:{42}:orders") == key_slot("42") == 8000


@pytest.mark.spec("Hash tags")
def test_empty_tag_means_the_whole_key_is_hashed() -> None:
    # Spec example: "For the key foo{}{bar} the whole key will be hashed".
    # CLUSTER KEYSLOT foo{}{bar} -> 8363; the tag {bar} must not be used.
    assert key_slot("foo{}{bar}") == xmodem(b"foo{}{bar}") % 16384 == 8363, (
        "an empty {} stops the search: hash the whole key, do not move on to {bar}"
    )
    assert key_slot("a{}b{c}") == 7353  # CLUSTER KEYSLOT a{}b{c}


@pytest.mark.spec("Hash tags")
def test_key_starting_with_empty_braces_is_hashed_whole() -> None:
    # Spec: "if the key starts with {}, it is guaranteed to be hashed as a whole".
    # CLUSTER KEYSLOT {} -> 15257, {}{a} -> 13650.
    assert key_slot("{}") == 15257
    assert key_slot("{}{a}") == 13650


@pytest.mark.spec("Hash tags")
def test_tag_ends_at_the_first_closing_brace() -> None:
    # Spec example: "For the key foo{{bar}}zap the substring {bar will be hashed".
    # CLUSTER KEYSLOT gives 4015 for both foo{{bar}}zap and {bar.
    assert key_slot("foo{{bar}}zap") == key_slot("{bar") == 4015
    assert key_slot("x{y}}") == key_slot("y") == 12222  # CLUSTER KEYSLOT x{y}}


@pytest.mark.spec("Hash tags")
def test_only_the_first_tag_counts() -> None:
    # Spec example: "For the key foo{bar}{zap} the substring bar will be hashed".
    assert key_slot("foo{bar}{zap}") == key_slot("bar") == 5061, (
        "use the first } after the first {, not the last } in the key"
    )


@pytest.mark.spec("Hash tags")
def test_missing_closing_brace_means_the_whole_key_is_hashed() -> None:
    # CLUSTER KEYSLOT foo{bar -> 15278, { -> 4092.
    assert key_slot("foo{bar") == 15278
    assert key_slot("{") == 4092


@pytest.mark.spec("Hash tags")
def test_closing_brace_before_the_opening_one_is_ignored() -> None:
    # Only a } to the right of the first { closes a tag.
    # CLUSTER KEYSLOT foo}bar{zap} -> 6469, the slot of "zap".
    assert key_slot("foo}bar{zap}") == key_slot("zap") == 6469, "look for } only after the first {"


# CLUSTER KEYSLOT on redis-server 7.0.15 (cluster mode); the tags are found
# in the UTF-8 bytes of the key.
NON_ASCII_TAGS = [
    ("é{tag}", 8338),  # = CLUSTER KEYSLOT tag: "é" is 2 bytes before the {
    ("{é}", 10180),  # the 2 bytes C3 A9
    ("ключ{тег}x", 14548),  # = CLUSTER KEYSLOT тег
    ("{тег}", 14548),
    ("日本{語}", 6482),  # = CLUSTER KEYSLOT 語 (3 bytes)
    ("日本{語", 6106),  # no closing brace: the whole key
    ("x{😀}y", 2959),  # = CLUSTER KEYSLOT 😀 (4 bytes)
    ("é{}{a}", 12815),  # empty tag after a 2-byte character: the whole key
    ("a{é", 8283),
    (b"a\xc3{\xa9}", 9411),  # redis-cli -x: the tag is the lone byte A9
    (b"{\xc3\xa9}x", 10180),  # the same two bytes as {é}
]


@pytest.mark.spec("Hash tags")
@pytest.mark.parametrize(
    ("key", "slot"), NON_ASCII_TAGS, ids=[f"case{i}" for i in range(len(NON_ASCII_TAGS))]
)
def test_hash_tags_are_found_in_the_utf8_bytes(key: str | bytes, slot: int) -> None:
    assert key_slot(key) == slot, (
        f"CLUSTER KEYSLOT {key!r} is {slot}: the braces and the tag are positions in the "
        "UTF-8 bytes, not in the characters"
    )


@pytest.mark.spec("Hash tags")
def test_random_keys_full_of_braces_match_the_specification() -> None:
    rng = random.Random(2024)
    for _ in range(2000):
        key = "".join(rng.choice("ab{}") for _ in range(rng.randrange(0, 9)))
        expected = model_slot(key.encode())
        assert key_slot(key) == expected, f"key_slot({key!r}) should be {expected}"
