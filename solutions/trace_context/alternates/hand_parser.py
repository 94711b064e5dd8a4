"""Correct: hand-written field checks with character sets instead of regular expressions.

Each field is checked by length and by membership of every character in an
explicit ``frozenset`` (lowercase hex; the key and value alphabets of the
ABNF), the 55-character prefix is split on its fixed dash positions, and new
span ids come from ``secrets.randbits``.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass

_HEX = frozenset("0123456789abcdef")
_LCALPHA = frozenset("abcdefghijklmnopqrstuvwxyz")
_DIGIT = frozenset("0123456789")
_KEY_REST = _LCALPHA | _DIGIT | frozenset("_-*/")
_VALUE_CHARS = frozenset(chr(c) for c in range(0x20, 0x7F)) - {",", "="}
_OWS = " \t"
_PREFIX = 55
_MAX_MEMBERS = 32


@dataclass(frozen=True)
class TraceParent:
    version: int
    trace_id: str
    parent_id: str
    flags: int

    @property
    def sampled(self) -> bool:
        return bool(self.flags & 1)


def _hex(text: str, length: int) -> bool:
    return len(text) == length and all(c in _HEX for c in text)


def _id(text: str, length: int) -> bool:
    return _hex(text, length) and text != "0" * length


def parse_traceparent(header: str) -> TraceParent | None:
    value = header.strip(_OWS)
    if len(value) < _PREFIX or value[2] != "-" or value[35] != "-" or value[52] != "-":
        return None
    version, trace_id, parent_id, flags = value[:2], value[3:35], value[36:52], value[53:55]
    if not (_hex(version, 2) and _id(trace_id, 32) and _id(parent_id, 16) and _hex(flags, 2)):
        return None
    if version == "ff":
        return None
    rest = value[_PREFIX:]
    if rest and (version == "00" or rest[0] != "-"):
        return None
    return TraceParent(int(version, 16), trace_id, parent_id, int(flags, 16))


def format_traceparent(tp: TraceParent) -> str:
    if not _id(tp.trace_id, 32):
        raise ValueError(f"invalid trace-id {tp.trace_id!r}")
    if not _id(tp.parent_id, 16):
        raise ValueError(f"invalid parent-id {tp.parent_id!r}")
    if tp.flags not in range(256):
        raise ValueError(f"invalid trace-flags {tp.flags!r}")
    return f"00-{tp.trace_id}-{tp.parent_id}-{tp.flags:02x}"


def child_of(parent: TraceParent, rng: random.Random | None = None) -> TraceParent:
    draw = rng.getrandbits if rng is not None else secrets.randbits
    span = draw(64)
    while not span:
        span = draw(64)
    return TraceParent(0, parent.trace_id, format(span, "016x"), parent.flags)


def _word(text: str, first: frozenset[str], longest: int) -> bool:
    return 0 < len(text) <= longest and text[0] in first and all(c in _KEY_REST for c in text)


def _valid_key(key: str) -> bool:
    if "@" not in key:
        return _word(key, _LCALPHA, 256)
    tenant, _, system = key.partition("@")
    return _word(tenant, _LCALPHA | _DIGIT, 241) and _word(system, _LCALPHA, 14)


def _valid_value(value: str) -> bool:
    return 0 < len(value) <= 256 and value[-1] != " " and all(c in _VALUE_CHARS for c in value)


def parse_tracestate(header: str) -> list[tuple[str, str]]:
    members = [m.strip(_OWS) for m in header.split(",")]
    entries = []
    for member in filter(None, members):
        key, sep, value = member.partition("=")
        if not sep or not _valid_key(key) or not _valid_value(value):
            return []
        entries.append((key, value))
    keys = [key for key, _ in entries]
    if len(entries) > _MAX_MEMBERS or len(set(keys)) != len(keys):
        return []
    return entries


def format_tracestate(entries: list[tuple[str, str]]) -> str:
    keys = [key for key, _ in entries]
    if len(entries) > _MAX_MEMBERS or len(set(keys)) != len(keys):
        raise ValueError("tracestate needs at most 32 members with distinct keys")
    for key, value in entries:
        if not _valid_key(key) or not _valid_value(value):
            raise ValueError(f"invalid tracestate member {key!r}={value!r}")
    return ",".join(f"{key}={value}" for key, value in entries)
