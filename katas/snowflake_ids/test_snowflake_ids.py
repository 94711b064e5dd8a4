"""Tests for the Snowflake IDs and short links kata.

Published Snowflakes used as vectors:

- Discord Developer Documentation, "Snowflakes" (reference#snowflakes):
  ``175928847299117063`` is 2016-04-30 11:18:25.796 UTC (Unix ms
  1462015105796), internal worker 1, internal process 0, increment 7, with the
  Discord epoch 1420070400000. As one 10-bit worker field: 1 << 5 | 0 = 32.
- twilight-util documentation (``Snowflake::timestamp``): Discord user
  ``105484726235607040`` was created at 2015-10-19T01:58:38.546Z.
- discord-snowflake (npm) README: ``90339695967350784`` has timestamp
  1441609061949, worker 0, process 3, increment 0 (10-bit field: 3).
- Wikipedia, "Snowflake ID": the @Wikipedia tweet ``1541815603606036480`` is
  1656432460105 (June 28, 2022 16:07:40.105 UTC), machine 0b0101111010 = 378,
  sequence 0, with the Twitter epoch 1288834974657.

Base62 vectors use the digit order 0-9, A-Z, a-z of GMP's ``mpz_get_str``
for bases 37-62; ``2**64 - 1`` is ``"LygHa16AHYF"`` and ``2**63 - 1`` is
``"AzL8n0Y58m7"`` in that alphabet, as in many base62 libraries' test suites.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time

import pytest
from freezegun import freeze_time

from snowflake_ids import (
    BASE62_ALPHABET,
    TWITTER_EPOCH_MS,
    ClockMovedBackwardsError,
    SnowflakeGenerator,
    from_base62,
    parse,
    to_base62,
)

DISCORD_EPOCH_MS = 1420070400000

# 2024-05-01T12:00:00Z is Unix time 1714564800 s. Frozen clocks sit half a
# millisecond into a millisecond, so int(time.time() * 1000) is unambiguous.
NOON_MS = 1714564800000
NOON = "2024-05-01 12:00:00.000500"


def layout(ms: int, worker: int, sequence: int, epoch_ms: int = TWITTER_EPOCH_MS) -> int:
    """The documented bit layout, written out for the expected values."""
    return (ms - epoch_ms) * 2**22 + worker * 2**12 + sequence


def at_ms(ms: int) -> dt.datetime:
    """A UTC datetime half a millisecond into Unix millisecond ``ms``."""
    return dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(
        milliseconds=ms, microseconds=500
    )


def brute_base62(s: str) -> int:
    """Positional value of a base62 string, by the definition."""
    return sum(BASE62_ALPHABET.index(ch) * 62**k for k, ch in enumerate(reversed(s)))


class ScriptedClock:
    """Replaces time.time / time.time_ns / time.sleep with a millisecond clock.

    The clock stands still until told otherwise. ``release_after(k)`` lets the
    next ``k`` reads see the current millisecond and moves the clock one
    millisecond on after that; any ``time.sleep`` moves it one millisecond on.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch, ms: int) -> None:
        self.ms = ms
        self.reads = 0
        self._release_at: int | None = None
        self._planned: list[int] = []
        monkeypatch.setattr(time, "time", self.time)
        monkeypatch.setattr(time, "time_ns", self.time_ns)
        monkeypatch.setattr(time, "sleep", self.sleep)

    def _tick(self) -> None:
        self.reads += 1
        if self._planned:
            self.ms = self._planned.pop(0)
            return
        if self._release_at is not None and self.reads > self._release_at:
            self.ms += 1
            self._release_at = None

    def time(self) -> float:
        self._tick()
        return (self.ms + 0.5) / 1000

    def time_ns(self) -> int:
        self._tick()
        return self.ms * 1_000_000 + 500_000

    def sleep(self, seconds: float) -> None:
        self.ms += 1
        self._release_at = None

    def release_after(self, k: int) -> None:
        self._release_at = self.reads + k

    def plan(self, *ms: int) -> None:
        """The next reads show these milliseconds in turn; the clock then stays at the last."""
        self._planned = list(ms)


# --- parse ---------------------------------------------------------------------


@pytest.mark.spec("Parsing")
@pytest.mark.parametrize(
    ("snowflake", "epoch_ms", "expected"),
    [
        (175928847299117063, DISCORD_EPOCH_MS, (1462015105796, 32, 7)),
        (105484726235607040, DISCORD_EPOCH_MS, (1445219918546, 11, 0)),
        (90339695967350784, DISCORD_EPOCH_MS, (1441609061949, 3, 0)),
        (1541815603606036480, TWITTER_EPOCH_MS, (1656432460105, 378, 0)),
    ],
    ids=["discord-docs", "twilight-docs", "discord-snowflake-npm", "wikipedia-tweet"],
)
def test_parse_published_snowflakes(snowflake: int, epoch_ms: int, expected) -> None:
    assert parse(snowflake, epoch_ms=epoch_ms) == expected


@pytest.mark.spec("Parsing")
def test_parse_defaults_to_the_twitter_epoch() -> None:
    # The Wikipedia example tweet: 367597485448 ms after the Twitter epoch.
    assert parse(1541815603606036480) == (1656432460105, 378, 0), (
        "timestamp_ms is Unix time: add epoch_ms (default 1288834974657) back"
    )


@pytest.mark.spec("Parsing")
def test_parse_field_boundaries() -> None:
    assert parse(0) == (TWITTER_EPOCH_MS, 0, 0)
    assert parse(2**63 - 1) == (TWITTER_EPOCH_MS + 2**41 - 1, 1023, 4095)
    assert parse(4095) == (TWITTER_EPOCH_MS, 0, 4095)
    assert parse(4096) == (TWITTER_EPOCH_MS, 1, 0), "bit 12 is the lowest worker bit"
    assert parse(2**22) == (TWITTER_EPOCH_MS + 1, 0, 0), "bit 22 is the lowest timestamp bit"


@pytest.mark.spec("Parsing")
@pytest.mark.parametrize("bad", [-1, 2**63, 2**64 - 1])
def test_parse_rejects_out_of_range(bad: int) -> None:
    with pytest.raises(ValueError):
        parse(bad)


# --- generating --------------------------------------------------------------


@pytest.mark.spec("Layout")
def test_first_id_has_the_documented_layout() -> None:
    with freeze_time(NOON):
        snowflake = SnowflakeGenerator(worker_id=7).next_id()
    assert snowflake == layout(NOON_MS, 7, 0)
    assert parse(snowflake) == (NOON_MS, 7, 0)


@pytest.mark.spec("Layout")
def test_reproduces_discords_documented_id() -> None:
    # Eight IDs in Discord's example millisecond on worker 1 << 5 | 0: the
    # eighth has increment 7 and is exactly the documentation's snowflake.
    with freeze_time(at_ms(1462015105796)):
        gen = SnowflakeGenerator(worker_id=32, epoch_ms=DISCORD_EPOCH_MS)
        ids = [gen.next_id() for _ in range(8)]
    assert ids[-1] == 175928847299117063


@pytest.mark.spec("Layout")
@pytest.mark.parametrize("worker", [0, 1, 32, 511, 1023])
def test_worker_id_lands_in_bits_12_to_21(worker: int) -> None:
    with freeze_time(NOON):
        snowflake = SnowflakeGenerator(worker).next_id()
    assert snowflake == layout(NOON_MS, worker, 0)
    assert snowflake < 2**63


@pytest.mark.spec("Generating IDs")
def test_sequence_counts_up_within_a_millisecond() -> None:
    with freeze_time(NOON):
        gen = SnowflakeGenerator(3)
        ids = [gen.next_id() for _ in range(5)]
    assert ids == [layout(NOON_MS, 3, seq) for seq in range(5)]


@pytest.mark.spec("Generating IDs")
def test_sequence_restarts_at_zero_each_millisecond() -> None:
    with freeze_time(NOON) as clock:
        gen = SnowflakeGenerator(3)
        for _ in range(10):
            gen.next_id()
        clock.tick(0.001)
        first = gen.next_id()
        clock.tick(0.005)
        later = gen.next_id()
    assert first == layout(NOON_MS + 1, 3, 0), "a new millisecond starts at sequence 0"
    assert later == layout(NOON_MS + 6, 3, 0)


@pytest.mark.spec("Generating IDs")
def test_ids_strictly_increase_and_never_repeat() -> None:
    rng = random.Random(2024)
    seen = []
    with freeze_time(NOON) as clock:
        gen = SnowflakeGenerator(1023)
        for _ in range(300):
            if rng.random() < 0.3:
                clock.tick(rng.choice([0.001, 0.002, 0.017]))
            seen.append(gen.next_id())
    assert all(a < b for a, b in itertools.pairwise(seen)), "every ID must be larger than the last"


@pytest.mark.spec("Generating IDs")
def test_exhausted_millisecond_waits_for_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = ScriptedClock(monkeypatch, NOON_MS)
    gen = SnowflakeGenerator(5)
    ids = [gen.next_id() for _ in range(4096)]
    assert ids[-1] == layout(NOON_MS, 5, 4095)
    clock.release_after(3)  # the clock moves on only once the generator keeps reading it
    nxt = gen.next_id()
    assert nxt not in ids, "sequence 4095 was the last of the millisecond: never wrap to 0"
    assert nxt == layout(NOON_MS + 1, 5, 0), "wait for the next millisecond, start at 0"


@pytest.mark.spec("Generating IDs")
def test_exhausted_millisecond_is_waited_out_on_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Twitter's IdWorker.tilNextMillis re-reads the clock until it passes the last
    millisecond: the ID after an exhausted millisecond carries a millisecond the clock has
    shown, never one the generator made up ahead of it."""
    clock = ScriptedClock(monkeypatch, NOON_MS)
    gen = SnowflakeGenerator(5)
    for _ in range(4096):
        gen.next_id()
    clock.release_after(50)  # the clock shows NOON_MS for 50 more reads
    nxt = gen.next_id()
    assert parse(nxt)[0] <= clock.ms, (
        f"the ID is stamped {parse(nxt)[0]} while the clock still shows {clock.ms}: "
        "wait for the clock, do not step ahead of it"
    )
    assert nxt == layout(NOON_MS + 1, 5, 0)


@pytest.mark.spec("Generating IDs")
def test_clock_stepping_back_while_waiting_is_waited_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """While waiting for a millisecond later than the exhausted one, a reading that is
    earlier still (an NTP step) is not later: keep waiting, or the ID repeats an old one."""
    clock = ScriptedClock(monkeypatch, NOON_MS)
    gen = SnowflakeGenerator(9)
    earlier = SnowflakeGenerator(9)
    with monkeypatch.context() as m:
        m.setattr(time, "time", lambda: (NOON_MS - 3 + 0.5) / 1000)
        old = earlier.next_id()  # what this worker made 3 ms ago (after a restart, say)
    ids = [gen.next_id() for _ in range(4096)]
    clock.plan(NOON_MS, NOON_MS - 3, NOON_MS - 3, NOON_MS + 1)  # the first read: used up
    nxt = gen.next_id()
    assert nxt == layout(NOON_MS + 1, 9, 0), "wait until the clock shows a later millisecond"
    assert nxt != old and nxt > ids[-1]


@pytest.mark.spec("Generating IDs")
def test_two_exhausted_milliseconds_in_a_row(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = ScriptedClock(monkeypatch, NOON_MS)
    gen = SnowflakeGenerator(0)
    ids = [gen.next_id() for _ in range(4096)]
    clock.release_after(20)
    ids += [gen.next_id() for _ in range(4096)]  # the first waits, the rest fill NOON_MS + 1
    clock.release_after(20)
    ids.append(gen.next_id())
    assert ids[4096] == layout(NOON_MS + 1, 0, 0)
    assert ids[-2] == layout(NOON_MS + 1, 0, 4095)
    assert ids[-1] == layout(NOON_MS + 2, 0, 0)
    assert len(set(ids)) == len(ids)


@pytest.mark.spec("Generating IDs")
def test_clock_moving_backwards_raises() -> None:
    with freeze_time(NOON) as clock:
        gen = SnowflakeGenerator(9)
        before = gen.next_id()
        clock.move_to(at_ms(NOON_MS - 5))
        with pytest.raises(ClockMovedBackwardsError):
            gen.next_id()
        clock.move_to(at_ms(NOON_MS))
        same_ms = gen.next_id()
        clock.move_to(at_ms(NOON_MS + 1))
        after = gen.next_id()
    assert same_ms == layout(NOON_MS, 9, 1), "after a refused call, continue where it left off"
    assert before < same_ms < after


@pytest.mark.spec("Generating IDs")
@pytest.mark.parametrize("worker", [-1, 1024, 5000])
def test_worker_id_out_of_range_is_rejected(worker: int) -> None:
    with pytest.raises(ValueError):
        SnowflakeGenerator(worker)


@pytest.mark.spec("Generating IDs")
def test_time_outside_41_bits_is_rejected() -> None:
    with freeze_time("2005-06-01 00:00:00"), pytest.raises(ValueError):
        SnowflakeGenerator(1).next_id()  # before the Twitter epoch
    with freeze_time(at_ms(TWITTER_EPOCH_MS + 2**41)), pytest.raises(ValueError):
        SnowflakeGenerator(1).next_id()  # 2080-07-10: the 41 bits have run out
    with freeze_time(at_ms(TWITTER_EPOCH_MS + 2**41 - 1)):
        last = SnowflakeGenerator(1).next_id()
    assert parse(last) == (TWITTER_EPOCH_MS + 2**41 - 1, 1, 0)


@pytest.mark.spec("Generating IDs")
def test_41_bit_range_boundaries() -> None:
    """Offset 0 (the epoch's own millisecond) is the first valid one, -1 is not; every
    offset from 2**41 on is out of range, not only 2**41 itself."""
    with freeze_time(at_ms(TWITTER_EPOCH_MS)):
        assert SnowflakeGenerator(3).next_id() == layout(TWITTER_EPOCH_MS, 3, 0)
    with freeze_time(at_ms(TWITTER_EPOCH_MS - 1)), pytest.raises(ValueError):
        SnowflakeGenerator(3).next_id()
    with freeze_time(at_ms(TWITTER_EPOCH_MS + 2**41 + 5)), pytest.raises(ValueError):
        SnowflakeGenerator(3).next_id()


@pytest.mark.spec("Generating IDs")
@pytest.mark.parametrize("ms", [0, 1], ids=["unix-ms-0", "unix-ms-1"])
def test_first_id_starts_at_sequence_zero_whatever_the_clock(ms: int) -> None:
    """The first ID has sequence 0 even when the clock reads a small number: with
    epoch_ms=0 the Unix epoch itself is a valid millisecond."""
    with freeze_time(at_ms(ms)):
        gen = SnowflakeGenerator(3, epoch_ms=0)
        assert gen.next_id() == layout(ms, 3, 0, epoch_ms=0)
        assert gen.next_id() == layout(ms, 3, 1, epoch_ms=0)


# --- base62 ------------------------------------------------------------------


BASE62_VECTORS = [
    (0, "0"),
    (9, "9"),
    (10, "A"),
    (35, "Z"),
    (36, "a"),
    (61, "z"),
    (62, "10"),
    (3843, "zz"),
    (3844, "100"),
    (12345, "3D7"),
    (2**63 - 1, "AzL8n0Y58m7"),
    (2**64 - 1, "LygHa16AHYF"),
]


@pytest.mark.spec("Base62")
@pytest.mark.parametrize(("n", "text"), BASE62_VECTORS)
def test_to_base62_vectors(n: int, text: str) -> None:
    assert to_base62(n) == text


@pytest.mark.spec("Base62")
@pytest.mark.parametrize(("n", "text"), BASE62_VECTORS)
def test_from_base62_vectors(n: int, text: str) -> None:
    assert from_base62(text) == n


@pytest.mark.spec("Base62")
def test_base62_round_trip_matches_positional_value() -> None:
    rng = random.Random(62)
    for _ in range(500):
        n = rng.randrange(2 ** rng.randrange(1, 80))
        text = to_base62(n)
        assert brute_base62(text) == n, f"to_base62({n}) = {text!r} has the wrong value"
        assert text == "0" or text[0] != "0", f"leading zero in {text!r}"
        assert from_base62(text) == n


@pytest.mark.spec("Base62")
def test_from_base62_allows_leading_zeros() -> None:
    assert from_base62("007") == 7
    assert from_base62("000") == 0


@pytest.mark.spec("Base62")
@pytest.mark.parametrize(
    "bad",
    [
        "",
        "-1",
        "+5",
        "a b",
        "abc=",
        "é",
        "1_000",
        " 7",
        "7 ",
        "7\n",
        "\t7",
        " ",
        "7\u00a0",
        "\uff17",
    ],
    ids=[
        "empty",
        "minus",
        "plus",
        "space",
        "equals",
        "non-ascii",
        "underscore",
        "leading-space",
        "trailing-space",
        "trailing-newline",
        "leading-tab",
        "only-space",
        "no-break-space",
        "fullwidth-7",
    ],
)
def test_from_base62_rejects_invalid_text(bad: str) -> None:
    with pytest.raises(ValueError):
        from_base62(bad)


@pytest.mark.spec("Base62")
def test_to_base62_rejects_negative() -> None:
    with pytest.raises(ValueError):
        to_base62(-1)
