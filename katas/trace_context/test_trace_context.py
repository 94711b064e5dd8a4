"""Tests for the W3C Trace Context kata.

Expected values come from the W3C Trace Context Recommendation
(https://www.w3.org/TR/trace-context/): the header examples of §2, §3.2.3 and
§3.3.2, and the ABNF of §3.2.2 and §3.3.1. The invalid and edge-case headers
are the cases of the W3C test suite, https://github.com/w3c/trace-context,
``test/test.py`` (test names are quoted next to each case).
"""

from __future__ import annotations

import dataclasses
import random

import pytest

from trace_context import (
    TraceParent,
    child_of,
    format_traceparent,
    format_tracestate,
    parse_traceparent,
    parse_tracestate,
)

# §3.2.3 Examples of HTTP traceparent Headers.
SPEC_SAMPLED = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
SPEC_NOT_SAMPLED = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"
SPEC_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
SPEC_PARENT_ID = "00f067aa0ba902b7"

# The ids the W3C test suite uses throughout test/test.py.
SUITE_TRACE_ID = "12345678901234567890123456789012"
SUITE_PARENT_ID = "1234567890123456"


# --- traceparent -----------------------------------------------------------


@pytest.mark.spec("Parsing traceparent")
def test_parses_the_spec_examples() -> None:
    assert parse_traceparent(SPEC_SAMPLED) == TraceParent(0, SPEC_TRACE_ID, SPEC_PARENT_ID, 1)
    assert parse_traceparent(SPEC_NOT_SAMPLED) == TraceParent(0, SPEC_TRACE_ID, SPEC_PARENT_ID, 0)


@pytest.mark.spec("Parsing traceparent")
@pytest.mark.parametrize(
    "header",
    [
        " " + SPEC_SAMPLED,
        "\t" + SPEC_SAMPLED,
        SPEC_SAMPLED + " ",
        SPEC_SAMPLED + "\t",
        "\t " + SPEC_SAMPLED + " \t",
    ],
    ids=["space-before", "tab-before", "space-after", "tab-after", "both"],
)
def test_surrounding_whitespace_is_ignored(header: str) -> None:
    # test_traceparent_ows_handling
    assert parse_traceparent(header) == TraceParent(0, SPEC_TRACE_ID, SPEC_PARENT_ID, 1)


@pytest.mark.spec("Parsing traceparent")
@pytest.mark.parametrize(
    "header",
    [
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A",
        "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    ],
    ids=["trace-id", "parent-id", "flags", "version"],
)
def test_uppercase_hex_is_invalid(header: str) -> None:
    # §3.2.2: every field is HEXDIGLC, lowercase hex only.
    assert parse_traceparent(header) is None, "HEXDIGLC is 0-9 and a-f: uppercase is invalid"


@pytest.mark.spec("Parsing traceparent")
@pytest.mark.parametrize(
    "header",
    [
        f"00-{'0' * 32}-{SUITE_PARENT_ID}-01",
        f"00-{SUITE_TRACE_ID}-{'0' * 16}-01",
    ],
    ids=["trace-id", "parent-id"],
)
def test_all_zero_ids_are_invalid(header: str) -> None:
    # test_traceparent_trace_id_all_zero, test_traceparent_parent_id_all_zero
    assert parse_traceparent(header) is None, "an all-zero id is forbidden (§3.2.2.3, §3.2.2.4)"


@pytest.mark.spec("Parsing traceparent")
@pytest.mark.parametrize(
    "header",
    [
        f"ff-{SUITE_TRACE_ID}-{SUITE_PARENT_ID}-01",  # version_0xff
        f".0-{SUITE_TRACE_ID}-{SUITE_PARENT_ID}-01",  # version_illegal_characters
        f"0.-{SUITE_TRACE_ID}-{SUITE_PARENT_ID}-01",
        f"000-{SUITE_TRACE_ID}-{SUITE_PARENT_ID}-01",  # version_too_long
        f"0000-{SUITE_TRACE_ID}-{SUITE_PARENT_ID}-01",
        f"0-{SUITE_TRACE_ID}-{SUITE_PARENT_ID}-01",  # version_too_short
        f"00-.2345678901234567890123456789012-{SUITE_PARENT_ID}-01",  # trace_id_illegal
        f"00-1234567890123456789012345678901.-{SUITE_PARENT_ID}-01",
        f"00-123456789012345678901234567890123-{SUITE_PARENT_ID}-01",  # trace_id_too_long
        f"00-1234567890123456789012345678901-{SUITE_PARENT_ID}-01",  # trace_id_too_short
        f"00-{SUITE_TRACE_ID}-.234567890123456-01",  # parent_id_illegal
        f"00-{SUITE_TRACE_ID}-123456789012345.-01",
        f"00-{SUITE_TRACE_ID}-12345678901234567-01",  # parent_id_too_long
        f"00-{SUITE_TRACE_ID}-123456789012345-01",  # parent_id_too_short
        f"00-{SUITE_TRACE_ID}-{SUITE_PARENT_ID}-.0",  # trace_flags_illegal
        f"00-{SUITE_TRACE_ID}-{SUITE_PARENT_ID}-0.",
        f"00-{SUITE_TRACE_ID}-{SUITE_PARENT_ID}-001",  # trace_flags_too_long
        f"00-{SUITE_TRACE_ID}-{SUITE_PARENT_ID}-1",  # trace_flags_too_short
        "",
        "garbage",
    ],
)
def test_w3c_suite_invalid_headers(header: str) -> None:
    assert parse_traceparent(header) is None, f"{header!r} must be rejected"


@pytest.mark.spec("Parsing traceparent")
@pytest.mark.parametrize(
    "header",
    [
        f"00-{SUITE_TRACE_ID}-{SUITE_PARENT_ID}-01.",
        f"00-{SUITE_TRACE_ID}-{SUITE_PARENT_ID}-01-what-the-future-will-be-like",
    ],
    ids=["trailing-dot", "extra-fields"],
)
def test_version_00_allows_nothing_after_the_flags(header: str) -> None:
    # test_traceparent_version_0x00
    assert parse_traceparent(header) is None, "version 00 is exactly 55 characters"


# --- future versions -------------------------------------------------------


@pytest.mark.spec("Future versions")
@pytest.mark.parametrize(
    "header",
    [
        f"cc-{SUITE_TRACE_ID}-{SUITE_PARENT_ID}-01",
        f"cc-{SUITE_TRACE_ID}-{SUITE_PARENT_ID}-01-what-the-future-will-be-like",
    ],
    ids=["plain", "extra-fields"],
)
def test_future_version_is_parsed(header: str) -> None:
    # test_traceparent_version_0xcc
    assert parse_traceparent(header) == TraceParent(0xCC, SUITE_TRACE_ID, SUITE_PARENT_ID, 1), (
        "a higher version parses its first four fields and ignores what follows a '-'"
    )


@pytest.mark.spec("Future versions")
@pytest.mark.parametrize(
    "header",
    [
        f"cc-{SUITE_TRACE_ID}-{SUITE_PARENT_ID}-01.what-the-future-will-be-like",
        f"cc-{SUITE_TRACE_ID}-{SUITE_PARENT_ID}-01+what-the-future-will-be-like",
        f"cc-{SUITE_TRACE_ID}-{SUITE_PARENT_ID}-01 what-the-future-will-be-like",
        f"cc-{SUITE_TRACE_ID}-{SUITE_PARENT_ID}-0",
        f"cc-{'0' * 32}-{SUITE_PARENT_ID}-01-future",
        f"cc-{SPEC_TRACE_ID.upper()}-{SPEC_PARENT_ID}-01-future",
    ],
    ids=[
        "dot-after-flags",
        "plus-after-flags",
        "space-after-flags",
        "shorter-than-55",
        "zero-trace-id",
        "uppercase",
    ],
)
def test_future_version_still_validates_the_known_fields(header: str) -> None:
    assert parse_traceparent(header) is None


# --- sampled flag ----------------------------------------------------------


@pytest.mark.spec("Sampled flag")
@pytest.mark.parametrize(
    ("flags", "sampled"),
    [(0x00, False), (0x01, True), (0x09, True), (0x08, False), (0xFF, True), (0xFE, False)],
)
def test_sampled_masks_bit_zero(flags: int, sampled: bool) -> None:
    # §3.2.2.5: "a flag 00000001 could be encoded as 01 in hex, or 09 in hex if
    # present with the flag 00001000. A common mistake in bit fields is
    # forgetting to mask when interpreting flags."
    header = f"00-{SPEC_TRACE_ID}-{SPEC_PARENT_ID}-{flags:02x}"
    parsed = parse_traceparent(header)
    assert parsed is not None and parsed.flags == flags
    assert parsed.sampled is sampled, f"flags {flags:#04x}: sampled is bit 0 only"


# --- formatting traceparent ------------------------------------------------


@pytest.mark.spec("Formatting traceparent")
def test_format_traceparent_writes_the_spec_examples() -> None:
    tp = TraceParent(0, SPEC_TRACE_ID, SPEC_PARENT_ID, 1)
    assert format_traceparent(tp) == SPEC_SAMPLED
    assert format_traceparent(TraceParent(0, SPEC_TRACE_ID, SPEC_PARENT_ID, 0)) == SPEC_NOT_SAMPLED


@pytest.mark.spec("Formatting traceparent")
def test_format_writes_every_flags_byte() -> None:
    # trace-flags is one byte (§3.2.2.5): 0xff is as valid as 0x00.
    for flags, text in [(0xFF, "ff"), (0xFE, "fe"), (0x09, "09")]:
        tp = TraceParent(0, SPEC_TRACE_ID, SPEC_PARENT_ID, flags)
        assert format_traceparent(tp) == f"00-{SPEC_TRACE_ID}-{SPEC_PARENT_ID}-{text}"


@pytest.mark.spec("Formatting traceparent")
def test_format_refuses_all_zero_ids_from_anywhere() -> None:
    # Ids cut out of a longer string (a header, a database row) are equal to
    # the all-zero id without being the same object as a literal "0" * 32.
    row = "0" * 64
    with pytest.raises(ValueError):
        format_traceparent(TraceParent(0, row[:32], SPEC_PARENT_ID, 1))
    with pytest.raises(ValueError):
        format_traceparent(TraceParent(0, SPEC_TRACE_ID, row[:16], 1))


@pytest.mark.spec("API")
def test_trace_parent_is_immutable() -> None:
    # The API declares @dataclass(frozen=True): a parsed header can be shared
    # and used as a dict key, and a child never changes its parent.
    tp = parse_traceparent(SPEC_SAMPLED)
    assert tp is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        tp.flags = 0  # type: ignore[misc]
    assert {tp: "x"}[TraceParent(0, SPEC_TRACE_ID, SPEC_PARENT_ID, 1)] == "x"


@pytest.mark.spec("Formatting traceparent")
def test_format_downgrades_a_future_version_to_00() -> None:
    # §3.4 "Downgrade the version".
    parsed = parse_traceparent(f"cc-{SUITE_TRACE_ID}-{SUITE_PARENT_ID}-01-extra")
    assert parsed is not None
    assert format_traceparent(parsed) == f"00-{SUITE_TRACE_ID}-{SUITE_PARENT_ID}-01"


@pytest.mark.spec("Formatting traceparent")
@pytest.mark.parametrize(
    "tp",
    [
        TraceParent(0, SPEC_TRACE_ID.upper(), SPEC_PARENT_ID, 1),
        TraceParent(0, SPEC_TRACE_ID[:-1], SPEC_PARENT_ID, 1),
        TraceParent(0, "0" * 32, SPEC_PARENT_ID, 1),
        TraceParent(0, SPEC_TRACE_ID, "0" * 16, 1),
        TraceParent(0, SPEC_TRACE_ID, SPEC_PARENT_ID + "0", 1),
        TraceParent(0, SPEC_TRACE_ID, SPEC_PARENT_ID, 256),
        TraceParent(0, SPEC_TRACE_ID, SPEC_PARENT_ID, -1),
    ],
    ids=["upper", "short-trace", "zero-trace", "zero-parent", "long-parent", "flags-256", "neg"],
)
def test_format_refuses_invalid_fields(tp: TraceParent) -> None:
    with pytest.raises(ValueError):
        format_traceparent(tp)


# --- child spans -----------------------------------------------------------


@pytest.mark.spec("Child spans")
def test_child_keeps_trace_id_and_flags_and_draws_parent_id_from_rng() -> None:
    parent = TraceParent(0, SPEC_TRACE_ID, SPEC_PARENT_ID, 1)
    child = child_of(parent, random.Random(2024))
    # The expected id is the first 64-bit draw of the same seeded generator.
    expected_id = f"{random.Random(2024).getrandbits(64):016x}"
    assert child.trace_id == SPEC_TRACE_ID, "the trace continues: a child keeps the trace-id"
    assert child.flags == 1
    assert child.version == 0
    assert child.parent_id == expected_id, "parent-id is rng.getrandbits(64) as 16 hex digits"
    newer = TraceParent(0xCC, SUITE_TRACE_ID, SUITE_PARENT_ID, 0)
    assert child_of(newer, random.Random(1)).version == 0, "a child is written as version 00"


class _ZeroFirst(random.Random):
    """A seeded generator whose first 64-bit draw is 0."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.zeros_left = 1

    def getrandbits(self, k: int) -> int:
        if self.zeros_left:
            self.zeros_left -= 1
            return 0
        return super().getrandbits(k)


@pytest.mark.spec("Child spans")
def test_child_never_gets_an_all_zero_parent_id() -> None:
    child = child_of(TraceParent(0, SPEC_TRACE_ID, SPEC_PARENT_ID, 1), _ZeroFirst(7))
    assert child.parent_id != "0" * 16, "an all-zero parent-id is invalid: draw again"
    assert child.parent_id == f"{random.Random(7).getrandbits(64):016x}"


@pytest.mark.spec("Child spans")
def test_child_without_rng_is_random_and_valid() -> None:
    parent = TraceParent(0, SPEC_TRACE_ID, SPEC_PARENT_ID, 1)
    ids = {child_of(parent).parent_id for _ in range(20)}
    assert len(ids) == 20, "every child gets a fresh random parent-id"
    for span_id in ids:
        assert parse_traceparent(f"00-{SPEC_TRACE_ID}-{span_id}-01") is not None


@pytest.mark.spec("Child spans")
def test_child_without_rng_ignores_random_seed() -> None:
    # The random module's own documentation: its generators "should not be
    # used for security purposes"; ids come from secrets / SystemRandom.
    # random.seed() elsewhere in a program must not make span ids repeat.
    parent = TraceParent(0, SPEC_TRACE_ID, SPEC_PARENT_ID, 1)
    state = random.getstate()
    try:
        random.seed(1)
        first = child_of(parent)
        random.seed(1)
        second = child_of(parent)
    finally:
        random.setstate(state)
    assert first.parent_id != second.parent_id, (
        "without an rng the id must come from a cryptographic source, not the random module"
    )


@pytest.mark.spec("Child spans")
def test_child_without_rng_is_not_a_mersenne_twister(monkeypatch: pytest.MonkeyPatch) -> None:
    # random.Random (the Mersenne Twister) is predictable from its outputs;
    # random.SystemRandom and secrets override getrandbits and random with
    # os.urandom, so pinning random.Random's own methods leaves them untouched.
    monkeypatch.setattr(random.Random, "getrandbits", lambda self, k: 0x5EED)
    monkeypatch.setattr(random.Random, "random", lambda self: 0.5)
    parent = TraceParent(0, SPEC_TRACE_ID, SPEC_PARENT_ID, 1)
    ids = {child_of(parent).parent_id for _ in range(5)}
    assert len(ids) == 5, (
        "without an rng use secrets or random.SystemRandom(), not a random.Random()"
    )


# --- tracestate ------------------------------------------------------------


@pytest.mark.spec("Parsing tracestate")
def test_parses_the_spec_examples_in_order() -> None:
    # §3.3.2 Examples of tracestate HTTP Headers.
    assert parse_tracestate("rojo=00f067aa0ba902b7") == [("rojo", "00f067aa0ba902b7")]
    assert parse_tracestate("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE") == [
        ("rojo", "00f067aa0ba902b7"),
        ("congo", "t61rcWkgMzE"),
    ]


@pytest.mark.spec("Parsing tracestate")
@pytest.mark.parametrize(
    "header",
    [
        "foo=1 \t , \t bar=2, \t baz=3",
        "foo=1\t \t,\t \tbar=2,\t \tbaz=3",
        " foo=1,bar=2,baz=3\t",
        "foo=1,,bar=2, ,baz=3,",
        ",\t,foo=1,bar=2,baz=3",
    ],
    ids=["spaces-and-tabs", "tabs-and-spaces", "around-header", "empty-members", "leading-empty"],
)
def test_whitespace_and_empty_members_are_ignored(header: str) -> None:
    # test_tracestate_ows_handling, test_tracestate_empty_header
    assert parse_tracestate(header) == [("foo", "1"), ("bar", "2"), ("baz", "3")]


@pytest.mark.spec("Parsing tracestate")
@pytest.mark.parametrize(
    "header", ["", " ", ",", " , \t,"], ids=["empty", "space", "comma", "blank-members"]
)
def test_empty_header_is_empty(header: str) -> None:
    assert parse_tracestate(header) == []


@pytest.mark.spec("Parsing tracestate")
def test_all_allowed_characters() -> None:
    # test_tracestate_all_allowed_characters
    key_without_vendor = "abcdefghijklmnopqrstuvwxyz0123456789_-*/"
    key_with_vendor = key_without_vendor + "@a-z0-9_-*/"
    value = (
        "".join(map(chr, range(0x20, 0x2B + 1)))
        + "".join(map(chr, range(0x2D, 0x3C + 1)))
        + "".join(map(chr, range(0x3E, 0x7E + 1)))
    )
    assert parse_tracestate(key_without_vendor + "=" + value) == [(key_without_vendor, value)]
    assert parse_tracestate(key_with_vendor + "=" + value) == [(key_with_vendor, value)], (
        "a leading space belongs to the value"
    )


@pytest.mark.spec("Parsing tracestate")
@pytest.mark.parametrize(
    "header",
    [
        "foo=1,foo=1",  # test_tracestate_duplicated_keys
        "foo=1,foo=2",
        "foo=1,bar=2,foo=3",
    ],
    ids=["same-value", "different-value", "apart"],
)
def test_duplicate_keys_discard_the_header(header: str) -> None:
    assert parse_tracestate(header) == [], "a key may appear once: the header is invalid"


@pytest.mark.spec("Parsing tracestate")
def test_member_count_limit() -> None:
    # test_tracestate_member_count_limit: four tracestate fields combined with
    # "," (RFC 7230 §3.2.2) giving 32 members, then 33.
    fields = [
        ",".join(f"bar{i:02d}={i:02d}" for i in range(1, 11)),
        ",".join(f"bar{i:02d}={i:02d}" for i in range(11, 21)),
        ",".join(f"bar{i:02d}={i:02d}" for i in range(21, 31)),
    ]
    thirty_two = ",".join([*fields, "bar31=31,bar32=32"])
    parsed = parse_tracestate(thirty_two)
    assert len(parsed) == 32 and parsed[0] == ("bar01", "01") and parsed[-1] == ("bar32", "32")
    assert parse_tracestate(",".join([*fields, "bar31=31,bar32=32,bar33=33"])) == [], (
        "more than 32 list-members: the whole tracestate is discarded"
    )
    assert len(parse_tracestate(thirty_two + ",,, ,")) == 32, "empty members do not count"


@pytest.mark.spec("Parsing tracestate")
@pytest.mark.parametrize(
    "header",
    [
        "foo=1," + "z" * 256 + "=1",
        "foo=1," + "t" * 241 + "@" + "v" * 14 + "=1",
        "foo=1,123@vendor=1",
        "foo=1,a=" + "x" * 256,
    ],
    ids=["simple-256", "tenant-241-system-14", "tenant-starts-with-digit", "value-256"],
)
def test_longest_valid_keys_and_values(header: str) -> None:
    # test_tracestate_key_length_limit (valid halves)
    parsed = parse_tracestate(header)
    assert len(parsed) == 2 and parsed[0] == ("foo", "1")


@pytest.mark.spec("Parsing tracestate")
@pytest.mark.parametrize(
    "header",
    [
        # test_tracestate_key_length_limit
        pytest.param("foo=1," + "z" * 257 + "=1", id="simple-key-257"),
        pytest.param("foo=1," + "t" * 242 + "@v=1", id="tenant-id-242"),
        pytest.param("foo=1,t@" + "v" * 15 + "=1", id="system-id-15"),
        # test_tracestate_key_illegal_characters
        pytest.param("foo =1", id="space-in-key"),
        pytest.param("FOO=1", id="uppercase-key"),
        pytest.param("foo.bar=1", id="dot-in-key"),
        # test_tracestate_key_illegal_vendor_format
        pytest.param("foo@=1,bar=2", id="empty-system-id"),
        pytest.param("@foo=1,bar=2", id="empty-tenant-id"),
        pytest.param("foo@@bar=1,bar=2", id="double-at"),
        pytest.param("foo@bar@baz=1,bar=2", id="two-ats"),
        # simple-key and system-id start with lcalpha
        pytest.param("bar=2,1abc=1", id="simple-key-starts-with-digit"),
        pytest.param("bar=2,t@1v=1", id="system-id-starts-with-digit"),
        # test_tracestate_value_illegal_characters
        pytest.param("foo=bar=baz", id="equals-in-value"),
        pytest.param("foo=,bar=3", id="empty-value"),
        pytest.param("foo,bar=3", id="no-equals"),
        pytest.param("=1,bar=2", id="empty-key"),
        pytest.param("foo=1,a=" + "x" * 257, id="value-257"),
        pytest.param("foo=1,a=b\x7f", id="del-in-value"),
        pytest.param("foo=1,a=\u00e9", id="non-ascii-value"),
    ],
)
def test_an_invalid_member_discards_the_whole_header(header: str) -> None:
    assert parse_tracestate(header) == [], f"{header[:40]!r}…: one bad member invalidates all"


# §3.3.1.3.1: after its first character, every part of a key (simple-key,
# tenant-id, system-id) may hold lcalpha / DIGIT / "_" / "-" / "*" / "/".
KEY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_-*/"
# The ASCII neighbours of each allowed range and character, other ASCII
# punctuation ("@" and spaces have tests of their own), and non-ASCII
# characters that \w, \d, str.islower(), str.isdigit() or re.IGNORECASE let
# through: é, ß, superscript two, Arabic-Indic digit one, the Kelvin sign (K
# under IGNORECASE) and the long s.
NOT_KEY_CHARS = "`{.:^)+AZ~!\"#$%&'(;<>?[\\]|" + "\u00e9\u00df\u00b2\u0661\u212a\u017f"
# The first character: lcalpha for a simple-key and a system-id, lcalpha or
# DIGIT for a tenant-id.
FIRST_CHARS = {
    "simple-key": "abcdefghijklmnopqrstuvwxyz",
    "tenant-id": "abcdefghijklmnopqrstuvwxyz0123456789",
    "system-id": "abcdefghijklmnopqrstuvwxyz",
}


def key_with(part: str, char: str, first: bool) -> str:
    """A key whose ``part`` holds ``char`` as its first or its second character."""
    word = char + "k" if first else "k" + char + "k"
    return {"simple-key": word, "tenant-id": word + "@v", "system-id": "t@" + word}[part]


def refused(key: str) -> bool:
    return parse_tracestate(f"x=1,{key}=2") == []


@pytest.mark.spec("Parsing tracestate")
@pytest.mark.parametrize("part", ["simple-key", "tenant-id", "system-id"])
def test_key_characters(part: str) -> None:
    # §3.3.1.3.1 key ABNF, character by character at the edges of each range.
    for char in KEY_CHARS:
        key = key_with(part, char, first=False)
        assert parse_tracestate(f"x=1,{key}=2") == [("x", "1"), (key, "2")], (
            f"{char!r} is allowed inside a {part} (§3.3.1.3.1)"
        )
    accepted = [c for c in NOT_KEY_CHARS if not refused(key_with(part, c, first=False))]
    assert accepted == [], f"characters a {part} may not hold (§3.3.1.3.1) were accepted"


@pytest.mark.spec("Parsing tracestate")
@pytest.mark.parametrize("part", ["simple-key", "tenant-id", "system-id"])
def test_key_first_character(part: str) -> None:
    # simple-key and system-id start with lcalpha, tenant-id with lcalpha / DIGIT.
    allowed = FIRST_CHARS[part]
    wrong = [
        c
        for c in KEY_CHARS + NOT_KEY_CHARS
        if refused(key_with(part, c, first=True)) == (c in allowed)
    ]
    assert wrong == [], (
        f"a {part} may start only with one of {allowed!r}: these were judged the other way"
    )


@pytest.mark.spec("Formatting tracestate")
def test_format_refuses_keys_with_characters_outside_the_grammar() -> None:
    accepted = []
    for char in NOT_KEY_CHARS:
        try:
            format_tracestate([(key_with("simple-key", char, first=False), "1")])
        except ValueError:
            continue
        accepted.append(char)
    assert accepted == [], "format_tracestate wrote keys that a receiver would discard"


@pytest.mark.spec("Formatting tracestate")
def test_format_tracestate_writes_the_spec_examples() -> None:
    entries = [("rojo", "00f067aa0ba902b7"), ("congo", "t61rcWkgMzE")]
    assert format_tracestate(entries) == "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
    assert format_tracestate([]) == ""
    # §2: the Congo system moves its updated entry to the front.
    assert format_tracestate([("congo", "ucfJifl5GOE"), ("rojo", "00f067aa0ba902b7")]) == (
        "congo=ucfJifl5GOE,rojo=00f067aa0ba902b7"
    )
    thirty_two = [(f"k{i}", "v") for i in range(32)]
    assert format_tracestate(thirty_two) == ",".join(f"k{i}=v" for i in range(32))


@pytest.mark.spec("Formatting tracestate")
@pytest.mark.parametrize(
    "entries",
    [
        [("Rojo", "1")],
        [("rojo", "")],
        [("rojo", "a,b")],
        [("rojo", "a=b")],
        [("rojo", "trailing ")],
        [("rojo", "1"), ("rojo", "2")],
        [(f"k{i}", "v") for i in range(33)],
    ],
    ids=["upper-key", "empty-value", "comma", "equals", "trailing-space", "dup", "33"],
)
def test_format_refuses_what_a_receiver_would_discard(entries: list[tuple[str, str]]) -> None:
    with pytest.raises(ValueError):
        format_tracestate(entries)
