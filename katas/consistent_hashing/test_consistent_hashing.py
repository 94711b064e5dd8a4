"""Tests for the consistent hashing kata.

Ring placement is checked against a brute-force ring written below (sorted
MD5 positions, linear successor search), straight from the README's
definition. Jump hash outputs are the published test vectors of three
independent implementations:

- Guava, HashingTest.testConsistentHash_linearCongruentialGeneratorCompatibility
  (guava-tests/test/com/google/common/hash/HashingTest.java, google/guava);
- github.com/dgryski/go-jump, jump_test.go ("Generated from the reference C++
  code" of the paper);
- github.com/lithammer/go-jump-consistent-hash, jump_test.go;

and, where the paper's double arithmetic matters, the paper's own C++ compiled
with g++ (see PAPER_DOUBLE_DIVISION).
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter

import pytest

from consistent_hashing import HashRing, jump_hash

KEYS = [f"key-{i}" for i in range(10_000)]


def position(label: str) -> int:
    return int.from_bytes(hashlib.md5(label.encode("utf-8")).digest()[:8], "big")


def brute_force_ring(nodes: list[str], vnodes: int) -> list[tuple[int, str]]:
    return sorted((position(f"{node}#{i}"), node) for node in nodes for i in range(vnodes))


def brute_force_owner(ring: list[tuple[int, str]], key: str) -> str:
    """The first vnode position at or after the key's, wrapping around."""
    key_position = position(key)
    for vnode_position, node in ring:
        if vnode_position >= key_position:
            return node
    return ring[0][1]


def owners(ring: HashRing, keys: list[str] = KEYS) -> dict[str, str]:
    return {key: ring.node_for(key) for key in keys}


# --- placement -----------------------------------------------------------------------------


@pytest.mark.spec("Examples")
def test_readme_examples() -> None:
    ring = HashRing(["cache-a", "cache-b", "cache-c"])
    keys = ("user:1", "user:2", "user:3", "user:4")
    assert [ring.node_for(k) for k in keys] == ["cache-a", "cache-b", "cache-a", "cache-a"]
    assert ring.node_for("cache-b#7") == "cache-b"
    ring.add_node("cache-d")
    assert [ring.node_for(k) for k in keys] == ["cache-d", "cache-b", "cache-a", "cache-a"]


@pytest.mark.spec("Placement")
def test_single_node_owns_every_key() -> None:
    ring = HashRing(["only"])
    assert set(owners(ring, KEYS[:500]).values()) == {"only"}


@pytest.mark.spec("Ring positions")
@pytest.mark.parametrize("vnodes", [1, 3, 100])
def test_a_vnode_label_lands_exactly_on_its_own_position(vnodes: int) -> None:
    # The key "n2#5" hashes to exactly the position of n2's vnode 5, and "at or after"
    # includes equality, so the owner of that key is n2 for every vnode label.
    nodes = ["n1", "n2", "n3", "n4"]
    ring = HashRing(nodes, vnodes=vnodes)
    for node in nodes:
        for i in range(vnodes):
            assert ring.node_for(f"{node}#{i}") == node, (
                f"key {node}#{i} sits on {node}'s vnode {i}: positions are md5(f'{{node}}#{{i}}')"
            )


@pytest.mark.spec("Placement")
@pytest.mark.weight(2)
@pytest.mark.parametrize("vnodes", [1, 10, 100])
def test_matches_brute_force_ring(vnodes: int) -> None:
    nodes = ["alpha", "beta", "gamma", "delta", "epsilon"]
    ring = HashRing(nodes, vnodes=vnodes)
    expected = brute_force_ring(nodes, vnodes)
    for key in KEYS[:1000]:
        assert ring.node_for(key) == brute_force_owner(expected, key), f"key {key!r}"


@pytest.mark.spec("Placement")
def test_keys_past_the_last_position_wrap_to_the_first() -> None:
    nodes = ["x", "y", "z"]
    ring = HashRing(nodes, vnodes=1)
    points = brute_force_ring(nodes, 1)
    past_the_end = [k for k in KEYS if position(k) > points[-1][0]]
    assert past_the_end, "test data has no key past the last position"
    for key in past_the_end[:50]:
        assert ring.node_for(key) == points[0][1], (
            f"{key!r} lies past the largest position, so it belongs to the smallest: "
            f"{points[0][1]!r}"
        )


@pytest.mark.spec("Placement")
def test_keys_are_spread_evenly_with_virtual_nodes() -> None:
    # With 100 vnodes per node each node's share of the ring averages out: on these keys the
    # busiest of 10 nodes gets about 1.2x the keys of the idlest. One position per node gives
    # shares that differ by two orders of magnitude.
    ring = HashRing([f"node-{i}" for i in range(10)])
    load = Counter(owners(ring, KEYS + [f"other-{i}" for i in range(10_000)]).values())
    assert len(load) == 10, f"only {len(load)} of 10 nodes own keys"
    ratio = max(load.values()) / min(load.values())
    assert ratio <= 1.5, (
        f"busiest/idlest node = {ratio:.2f} with 100 vnodes: {sorted(load.values())}"
    )


# --- membership ----------------------------------------------------------------------------


@pytest.mark.spec("Membership")
@pytest.mark.weight(2)
@pytest.mark.parametrize("names", [["a", "b", "c", "d"], [f"cache-{i}" for i in range(1, 5)]])
def test_adding_a_node_moves_about_a_fifth_of_keys_all_to_it(names: list[str]) -> None:
    ring = HashRing(names)
    before = owners(ring)
    ring.add_node("newcomer")
    after = owners(ring)
    moved = [k for k in KEYS if before[k] != after[k]]
    wrong = [k for k in moved if after[k] != "newcomer"]
    assert not wrong, f"{len(wrong)} keys moved between old nodes, e.g. {wrong[0]!r}"
    fraction = len(moved) / len(KEYS)
    assert 0.12 <= fraction <= 0.28, (
        f"going from 4 to 5 nodes should move about 1/5 of the keys, moved {fraction:.1%}"
    )


@pytest.mark.spec("Membership")
@pytest.mark.weight(2)
def test_removing_a_node_moves_only_its_keys_and_spreads_them() -> None:
    ring = HashRing(["node-a", "node-b", "node-c", "node-d", "node-e"])
    before = owners(ring)
    c = "-".join(["node", "c"])  # a name equal to the one added, not the same object
    ring.remove_node(c)
    after = owners(ring)
    for key in KEYS:
        if before[key] != c:
            assert after[key] == before[key], f"{key!r} did not belong to {c} but moved"
        else:
            assert after[key] != c
    receivers = Counter(after[k] for k in KEYS if before[k] == c)
    assert len(receivers) >= 3, f"{c}'s keys all went to a few nodes: {dict(receivers)}"
    remaining = brute_force_ring(["node-a", "node-b", "node-d", "node-e"], 100)
    for key in KEYS[:1000]:
        assert after[key] == brute_force_owner(remaining, key), (
            f"{key!r}: once {c} is gone, a key belongs to the next position clockwise"
        )


@pytest.mark.spec("Membership")
def test_add_then_remove_restores_every_owner() -> None:
    ring = HashRing(["a", "b", "c"])
    before = owners(ring)
    ring.add_node("d")
    ring.remove_node("d")
    assert owners(ring) == before


@pytest.mark.spec("Membership")
def test_mapping_does_not_depend_on_insertion_order() -> None:
    built = HashRing(["red", "green", "blue", "cyan"], vnodes=20)
    grown = HashRing(["cyan"], vnodes=20)
    for node in ("blue", "red", "green"):
        grown.add_node(node)
    assert owners(built, KEYS[:2000]) == owners(grown, KEYS[:2000])


@pytest.mark.spec("Membership")
def test_adding_a_present_node_is_rejected() -> None:
    ring = HashRing(["a", "b"])
    with pytest.raises(ValueError):
        ring.add_node("a")
    with pytest.raises(ValueError):
        HashRing(["a", "b", "a"])


@pytest.mark.spec("Membership")
def test_removing_an_unknown_node_raises_key_error() -> None:
    ring = HashRing(["a", "b"])
    with pytest.raises(KeyError):
        ring.remove_node("z")
    ring.remove_node("a")
    with pytest.raises(KeyError):
        ring.remove_node("a")


@pytest.mark.spec("Membership")
def test_empty_ring_raises_lookup_error() -> None:
    with pytest.raises(LookupError):
        HashRing().node_for("k")
    ring = HashRing(["a"])
    ring.remove_node("a")
    with pytest.raises(LookupError):
        ring.node_for("k")
    ring.add_node("b")
    assert ring.node_for("k") == "b"


@pytest.mark.spec("Validation")
@pytest.mark.parametrize("vnodes", [0, -1])
def test_vnodes_below_one_is_rejected(vnodes: int) -> None:
    with pytest.raises(ValueError):
        HashRing(["a"], vnodes=vnodes)


# --- jump hash -----------------------------------------------------------------------------

# Guava: golden100[i] == consistentHash(i, 100), plus six further vectors.
GUAVA_GOLDEN_100 = [0, 55, 62, 8, 45, 59, 86, 97, 82, 59, 73, 37, 17, 56, 86, 21, 90, 37, 38, 83]
GUAVA_VECTORS = [
    (10863919174838991, 11, 6),
    (2016238256797177309, 11, 3),
    (1673758223894951030, 11, 5),
    (2, 100001, 80343),
    (2201, 100001, 22152),
    (2202, 100001, 15018),
]
# lithammer/go-jump-consistent-hash.
LITHAMMER_VECTORS = [
    (1, 1, 0),
    (42, 57, 43),
    (0xDEAD10CC, 1, 0),
    (0xDEAD10CC, 666, 361),
    (256, 1024, 520),
]
# dgryski/go-jump: bucket[i] == Hash(key, i + 1).
DGRYSKI_BUCKETS = {
    0: [0] * 20,
    1: [0, 0, 0, 0, 0, 0, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 17, 17],
    0xDEADBEEF: [0, 1, 2, 3, 3, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 16, 16, 16],
    0x0DDC0FFEEBADF00D: [0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 15, 15, 15, 15],
}


@pytest.mark.spec("Jump hash")
def test_jump_hash_guava_golden_values() -> None:
    got = [jump_hash(i, 100) for i in range(20)]
    assert got == GUAVA_GOLDEN_100, "jump_hash(i, 100) for i in 0..19 (Guava's golden values)"


@pytest.mark.spec("Jump hash")
@pytest.mark.weight(2)
@pytest.mark.parametrize(("key", "buckets", "expected"), GUAVA_VECTORS + LITHAMMER_VECTORS)
def test_jump_hash_published_vectors(key: int, buckets: int, expected: int) -> None:
    assert jump_hash(key, buckets) == expected


@pytest.mark.spec("Jump hash")
@pytest.mark.parametrize("key", sorted(DGRYSKI_BUCKETS))
def test_jump_hash_reference_buckets(key: int) -> None:
    expected = DGRYSKI_BUCKETS[key]
    got = [jump_hash(key, n) for n in range(1, len(expected) + 1)]
    assert got == expected, f"jump_hash({key:#x}, n) for n = 1..{len(expected)}"


# Keys whose second step lands just below a whole number of buckets, where the paper's double
# division and an exact integer division part ways. The expected buckets are the output of the
# paper's C++ (Figure 1, as in the README) compiled with g++ 12.2 for x86-64 (IEEE double).
PAPER_DOUBLE_DIVISION = [
    (16898095142566627195, 1008953869, 1008953868),
    (9340572562287500714, 877643074, 715827882),
    (8911385492872533375, 1091426173, 357913941),
    (1716403868964470135, 1431578022, 268435456),
]


@pytest.mark.spec("Jump hash")
@pytest.mark.parametrize(("key", "buckets", "expected"), PAPER_DOUBLE_DIVISION)
def test_jump_hash_divides_in_double_like_the_paper(key: int, buckets: int, expected: int) -> None:
    assert jump_hash(key, buckets) == expected, (
        "j = (b + 1) * (double(1 << 31) / double((key >> 33) + 1)), truncated: a floating-point "
        "division, then the product, as the paper computes it"
    )


@pytest.mark.spec("Jump hash")
def test_jump_hash_reduces_the_key_modulo_2_64() -> None:
    for key in (1, 42, 0xDEAD10CC, 2**63 + 5):
        for buckets in (7, 1000):
            assert jump_hash(key - 2**64, buckets) == jump_hash(key, buckets), "negative key"
            assert jump_hash(key + 2**64, buckets) == jump_hash(key, buckets), "oversized key"


@pytest.mark.spec("Jump hash")
def test_jump_hash_growth_moves_keys_only_to_the_new_bucket() -> None:
    rng = random.Random(1406)
    keys = [rng.getrandbits(64) for _ in range(1000)]
    previous = [jump_hash(k, 1) for k in keys]
    assert previous == [0] * len(keys)
    for n in range(2, 40):
        current = [jump_hash(k, n) for k in keys]
        for key, old, new in zip(keys, previous, current):
            assert new == old or new == n - 1, (
                f"key {key}: bucket {old} with {n - 1} buckets, {new} with {n}"
            )
        moved = sum(old != new for old, new in zip(previous, current))
        assert moved <= 3 * len(keys) / n + 20, f"{moved} of {len(keys)} keys moved at n={n}"
        previous = current


@pytest.mark.spec("Jump hash")
def test_jump_hash_results_are_in_range_and_balanced() -> None:
    rng = random.Random(2014)
    counts = Counter(jump_hash(rng.getrandbits(64), 10) for _ in range(20_000))
    assert set(counts) == set(range(10))
    assert max(counts.values()) / min(counts.values()) < 1.2, dict(counts)
    for _ in range(500):
        n = rng.randint(1, 2**31 - 1)
        assert 0 <= jump_hash(rng.getrandbits(64), n) < n


@pytest.mark.spec("Jump hash")
@pytest.mark.parametrize("buckets", [0, -1, -666])
def test_jump_hash_rejects_fewer_than_one_bucket(buckets: int) -> None:
    with pytest.raises(ValueError):
        jump_hash(42, buckets)
