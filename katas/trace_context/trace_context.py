"""W3C Trace Context headers — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- trace_context
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class TraceParent:
    """The four fields of a ``traceparent`` header.

    Attributes:
        version: the header version, 0..254 (``"00"`` is 0, ``"cc"`` is 204).
        trace_id: 32 lowercase hex digits, not all zero.
        parent_id: 16 lowercase hex digits, not all zero.
        flags: the trace-flags byte, 0..255.
    """

    version: int
    trace_id: str
    parent_id: str
    flags: int

    @property
    def sampled(self) -> bool:
        """Whether bit 0 (``0x01``) of ``flags`` is set; other bits are ignored."""
        raise NotImplementedError


def parse_traceparent(header: str) -> TraceParent | None:
    """Parse a ``traceparent`` header value; ``None`` when it is invalid.

    Surrounding spaces and tabs are ignored. Version ``00`` must be exactly
    ``00-<32 hex>-<16 hex>-<2 hex>``; versions ``01``..``fe`` may carry more
    fields after a ``-`` following the flags, which are ignored. Hex is
    lowercase only; version ``ff`` and all-zero ids are invalid.
    """
    raise NotImplementedError


def format_traceparent(tp: TraceParent) -> str:
    """Write ``tp`` as a version-00 ``traceparent`` value.

    Raises:
        ValueError: an id that is not lowercase hex of the right length or is
            all zeros, or flags outside 0..255.
    """
    raise NotImplementedError


def child_of(parent: TraceParent, rng: random.Random | None = None) -> TraceParent:
    """The ``traceparent`` to send downstream while handling ``parent``.

    Same ``trace_id`` and ``flags``, version 0, and a new ``parent_id`` drawn
    as ``rng.getrandbits(64)`` (drawn again while it is 0) and written as 16
    lowercase hex digits. Without ``rng``, use a cryptographically strong
    source (``secrets`` or ``random.SystemRandom()``), never the ``random``
    module's functions or a ``random.Random()``.
    """
    raise NotImplementedError


def parse_tracestate(header: str) -> list[tuple[str, str]]:
    """Parse a ``tracestate`` header value into ``(key, value)`` pairs in order.

    Empty members are skipped. Returns ``[]`` when any member is invalid, a
    key repeats, or there are more than 32 members.
    """
    raise NotImplementedError


def format_tracestate(entries: list[tuple[str, str]]) -> str:
    """Join ``entries`` as ``key=value`` members separated by ``,``.

    Raises:
        ValueError: an invalid key or value, a repeated key, or more than 32
            entries.
    """
    raise NotImplementedError
