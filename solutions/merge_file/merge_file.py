"""Three-way line merge, byte for byte what ``git merge-file -p`` prints.

Reference solution: a Myers diff of base against each side, the hunks walked
in base order the way git's xdiff (``xdiff/xmerge.c``) walks them, conflicts
refined by diffing the two sides against each other, then printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE = re.compile(r"[^\n]*\n|[^\n]+")
_ALNUM = re.compile(r"[A-Za-z0-9]")

CONFLICT, OURS, THEIRS = "conflict", "ours", "theirs"  # what a chunk of the merge is


@dataclass(frozen=True)
class MergeResult:
    """The merged text and how many conflict blocks it holds."""

    text: str
    conflicts: int


@dataclass
class _Chunk:
    """A stretch of the merge: base[i0:i0+n0], ours[i1:i1+n1], theirs[i2:i2+n2]."""

    mode: str
    i0: int
    n0: int
    i1: int
    n1: int
    i2: int
    n2: int


Hunk = tuple[int, int, int, int]  # (start in a, length in a, start in b, length in b)


def split_lines(text: str) -> list[str]:
    """The lines of ``text``, each with its ``\\n`` (the last one may have none)."""
    return _LINE.findall(text)


def diff(a: list[str], b: list[str]) -> list[Hunk]:
    """The hunks of a shortest edit script from a to b (Myers, O((N+M)·D))."""
    n, m = len(a), len(b)
    v = {1: 0}
    trace: list[dict[int, int]] = []  # trace[d]: the furthest x on each diagonal before round d
    for d in range(n + m + 1):
        trace.append(dict(v))
        for k in range(-d, d + 1, 2):
            x = v[k + 1] if k == -d or (k != d and v[k - 1] < v[k + 1]) else v[k - 1] + 1
            y = x - k
            while x < n and y < m and a[x] == b[y]:
                x, y = x + 1, y + 1
            v[k] = x
            if x >= n and y >= m:
                return _hunks(_matches(trace, n, m), n, m)
    raise AssertionError("unreachable: d = n + m always reaches the end")


def _matches(trace: list[dict[int, int]], n: int, m: int) -> list[tuple[int, int]]:
    """Walk the Myers trace back from (n, m): the matched (x, y) pairs, in order."""
    x, y = n, m
    pairs = []
    for d in range(len(trace) - 1, 0, -1):
        v, k = trace[d], x - y
        down = k == -d or (k != d and v[k - 1] < v[k + 1])
        prev_k = k + 1 if down else k - 1
        prev_x = v[prev_k]
        start_x = prev_x if down else prev_x + 1  # where this round's snake began
        while x > start_x:
            x, y = x - 1, y - 1
            pairs.append((x, y))
        x, y = prev_x, prev_x - prev_k
    while x > 0:  # the snake of round 0, from (0, 0)
        x, y = x - 1, y - 1
        pairs.append((x, y))
    pairs.reverse()
    return pairs


def _hunks(pairs: list[tuple[int, int]], n: int, m: int) -> list[Hunk]:
    """The changed stretches between consecutive matched lines."""
    hunks = []
    x = y = 0
    for px, py in [*pairs, (n, m)]:
        if px > x or py > y:
            hunks.append((x, px - x, y, py - y))
        x, y = px + 1, py + 1
    return hunks


def _append(
    chunks: list[_Chunk], mode: str, i0: int, n0: int, i1: int, n1: int, i2: int, n2: int
) -> None:
    """Add a chunk; one that overlaps or touches the last one's base stretch joins it.

    Only a conflict can be touched (clean changes lie a base line away from
    the other side's hunks), so the joined chunk is a conflict.
    """
    last = chunks[-1] if chunks else None
    if last is not None and i0 <= last.i0 + last.n0:
        last.mode = CONFLICT
        last.n0 = i0 + n0 - last.i0
        last.n1 = i1 + n1 - last.i1
        last.n2 = i2 + n2 - last.i2
    else:
        chunks.append(_Chunk(mode, i0, n0, i1, n1, i2, n2))


def _walk(
    ours_hunks: list[Hunk],
    theirs_hunks: list[Hunk],
    ours: list[str],
    theirs: list[str],
    shift1: int,
    shift2: int,
) -> list[_Chunk]:
    """Both sides' hunks in base order: one-sided changes, identical ones, conflicts."""
    chunks: list[_Chunk] = []
    p = q = 0
    while p < len(ours_hunks) and q < len(theirs_hunks):
        a0, an, b1, bn = ours_hunks[p]
        c0, cn, b2, bn2 = theirs_hunks[q]
        if a0 + an < c0:  # ours' hunk ends before theirs' starts, with a base line between
            _append(chunks, OURS, a0, an, b1, bn, b2 - c0 + a0, an)
            p += 1
            continue
        if c0 + cn < a0:
            _append(chunks, THEIRS, c0, cn, b1 - a0 + c0, cn, b2, bn2)
            q += 1
            continue
        same = a0 == c0 and an == cn and ours[b1 : b1 + bn] == theirs[b2 : b2 + bn2]
        if not same:
            start, end = min(a0, c0), max(a0 + an, c0 + cn)
            i1 = b1 - (a0 - start)  # each side grows by the base lines it left alone
            i2 = b2 - (c0 - start)
            n1 = b1 + bn + (end - a0 - an) - i1
            n2 = b2 + bn2 + (end - c0 - cn) - i2
            _append(chunks, CONFLICT, start, end - start, i1, n1, i2, n2)
        if a0 + an >= c0 + cn:
            q += 1
        if c0 + cn >= a0 + an:
            p += 1
    for a0, an, b1, bn in ours_hunks[p:]:
        _append(chunks, OURS, a0, an, b1, bn, a0 + shift2, an)
    for c0, cn, b2, bn2 in theirs_hunks[q:]:
        _append(chunks, THEIRS, c0, cn, c0 + shift1, cn, b2, bn2)
    return chunks


def _refine(chunks: list[_Chunk], ours: list[str], theirs: list[str]) -> list[_Chunk]:
    """Diff the two sides of each conflict: keep only the lines that really differ.

    Each hunk of that diff is a conflict; a conflict whose sides are equal vanishes.
    The base stretch (i0, n0) is left as it was: only the diff3 style shows it.
    """
    refined: list[_Chunk] = []
    for c in chunks:
        if c.mode != CONFLICT or not c.n1 or not c.n2:
            refined.append(c)
            continue
        for x, xn, y, yn in diff(ours[c.i1 : c.i1 + c.n1], theirs[c.i2 : c.i2 + c.n2]):
            refined.append(_Chunk(CONFLICT, c.i0, c.n0, c.i1 + x, xn, c.i2 + y, yn))
    return refined


def _simplify(chunks: list[_Chunk], ours: list[str]) -> list[_Chunk]:
    """Join two conflicts in a row when at most 3 lines, or no letter or digit, lie between."""
    out: list[_Chunk] = []
    for c in chunks:
        last = out[-1] if out else None
        if last is not None and last.mode == CONFLICT and c.mode == CONFLICT:
            between = ours[last.i1 + last.n1 : c.i1]
            if len(between) <= 3 or not any(_ALNUM.search(line) for line in between):
                last.n1 = c.i1 + c.n1 - last.i1
                last.n2 = c.i2 + c.n2 - last.i2
                continue
        out.append(c)
    return out


def _section(lines: list[str]) -> str:
    """Lines inside a conflict block: the last one gets a newline if it has none."""
    text = "".join(lines)
    return text if not text or text.endswith("\n") else text + "\n"


def merge(
    ours: str,
    base: str,
    theirs: str,
    *,
    labels: tuple[str, str, str] = ("ours", "base", "theirs"),
    style: str = "merge",
    marker_size: int = 7,
) -> MergeResult:
    """Merge the changes from base to theirs into ours, as ``git merge-file -p`` does."""
    if style not in ("merge", "diff3"):
        raise ValueError(f"style must be 'merge' or 'diff3', not {style!r}")
    if marker_size < 1:
        raise ValueError("marker_size must be at least 1")
    o, b, t = split_lines(ours), split_lines(base), split_lines(theirs)
    chunks = _walk(diff(b, o), diff(b, t), o, t, len(o) - len(b), len(t) - len(b))
    if style == "merge":
        chunks = _simplify(_refine(chunks, o, t), o)
    out: list[str] = []
    at = 0  # the next line of ours to copy
    for c in chunks:
        out.extend(o[at : c.i1])
        if c.mode == OURS:
            out.extend(o[c.i1 : c.i1 + c.n1])
        elif c.mode == THEIRS:
            out.extend(t[c.i2 : c.i2 + c.n2])
        else:
            out.append(f"{'<' * marker_size} {labels[0]}\n")
            out.append(_section(o[c.i1 : c.i1 + c.n1]))
            if style == "diff3":
                out.append(f"{'|' * marker_size} {labels[1]}\n")
                out.append(_section(b[c.i0 : c.i0 + c.n0]))
            out.append(f"{'=' * marker_size}\n")
            out.append(_section(t[c.i2 : c.i2 + c.n2]))
            out.append(f"{'>' * marker_size} {labels[2]}\n")
        at = c.i1 + c.n1
    out.extend(o[at:])
    return MergeResult("".join(out), sum(c.mode == CONFLICT for c in chunks))
