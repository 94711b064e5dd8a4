"""Wrong: tracestate keys use \\d, which matches every Unicode decimal digit, not just 0-9."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

# The 55-character prefix shared by every version: version-trace-parent-flags.
_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")
_TRACEPARENT_LEN = 55
_OWS = " \t"
_ZERO_TRACE_ID = "0" * 32
_ZERO_PARENT_ID = "0" * 16
_TRACE_ID = re.compile(r"[0-9a-f]{32}")
_PARENT_ID = re.compile(r"[0-9a-f]{16}")

# §3.3.1.3.1 key = simple-key / multi-tenant-key
_KEY = re.compile(
    r"[a-z][a-z\d_\-*/]{0,255}"  # simple-key
    r"|[a-z\d][a-z\d_\-*/]{0,240}@[a-z][a-z\d_\-*/]{0,13}"  # tenant-id "@" system-id
)
# §3.3.1.3.2 value = 0*255(chr) nblk-chr; chr = %x20 / nblk-chr
_VALUE = re.compile(r"[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]")
_MAX_MEMBERS = 32

_SYSTEM_RANDOM = random.SystemRandom()


@dataclass(frozen=True)
class TraceParent:
    """The four fields of a ``traceparent`` header."""

    version: int
    trace_id: str
    parent_id: str
    flags: int

    @property
    def sampled(self) -> bool:
        return self.flags & 0x01 == 0x01


def parse_traceparent(header: str) -> TraceParent | None:
    value = header.strip(_OWS)
    if len(value) < _TRACEPARENT_LEN:
        return None
    match = _TRACEPARENT.match(value)
    if match is None:
        return None
    version, trace_id, parent_id, flags = match.groups()
    if version == "ff":
        return None
    if version == "00":
        if len(value) != _TRACEPARENT_LEN:
            return None
    elif len(value) > _TRACEPARENT_LEN and value[_TRACEPARENT_LEN] != "-":
        return None
    if trace_id == _ZERO_TRACE_ID or parent_id == _ZERO_PARENT_ID:
        return None
    return TraceParent(int(version, 16), trace_id, parent_id, int(flags, 16))


def format_traceparent(tp: TraceParent) -> str:
    if not _TRACE_ID.fullmatch(tp.trace_id) or tp.trace_id == _ZERO_TRACE_ID:
        raise ValueError(f"invalid trace-id {tp.trace_id!r}")
    if not _PARENT_ID.fullmatch(tp.parent_id) or tp.parent_id == _ZERO_PARENT_ID:
        raise ValueError(f"invalid parent-id {tp.parent_id!r}")
    if not 0 <= tp.flags <= 0xFF:
        raise ValueError(f"trace-flags must be 0..255, got {tp.flags}")
    return f"00-{tp.trace_id}-{tp.parent_id}-{tp.flags:02x}"


def child_of(parent: TraceParent, rng: random.Random | None = None) -> TraceParent:
    source = rng if rng is not None else _SYSTEM_RANDOM
    span_id = 0
    while span_id == 0:
        span_id = source.getrandbits(64)
    return TraceParent(0, parent.trace_id, f"{span_id:016x}", parent.flags)


def parse_tracestate(header: str) -> list[tuple[str, str]]:
    entries: list[tuple[str, str]] = []
    seen: set[str] = set()
    for member in header.split(","):
        member = member.strip(_OWS)
        if not member:
            continue  # empty and whitespace-only members are allowed
        key, sep, value = member.partition("=")
        if not sep or not _KEY.fullmatch(key) or not _VALUE.fullmatch(value) or key in seen:
            return []
        seen.add(key)
        entries.append((key, value))
        if len(entries) > _MAX_MEMBERS:
            return []
    return entries


def format_tracestate(entries: list[tuple[str, str]]) -> str:
    if len(entries) > _MAX_MEMBERS:
        raise ValueError(f"at most {_MAX_MEMBERS} tracestate members, got {len(entries)}")
    seen: set[str] = set()
    for key, value in entries:
        if not _KEY.fullmatch(key):
            raise ValueError(f"invalid tracestate key {key!r}")
        if not _VALUE.fullmatch(value):
            raise ValueError(f"invalid tracestate value {value!r} for key {key!r}")
        if key in seen:
            raise ValueError(f"duplicate tracestate key {key!r}")
        seen.add(key)
    return ",".join(f"{key}={value}" for key, value in entries)
