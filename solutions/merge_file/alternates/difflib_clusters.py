"""Correct: difflib's matching blocks for the diffs, and clusters of touching hunks.

Instead of walking the two hunk lists pairwise, put every hunk of both sides
in one list sorted by base position and sweep it into clusters: a hunk joins
the current cluster when it starts at or before the cluster's end (it
overlaps or touches). A cluster of one side's hunks only is a clean change;
one identical pair is applied once; anything else is a conflict. Each side's
section is found by mapping the cluster's base stretch through that side's
hunks. ``difflib.SequenceMatcher`` finds the longest common subsequence on
the kata's inputs (unique lines, shared ones in the same order).
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher


@dataclass(frozen=True)
class MergeResult:
    """The merged text and how many conflict blocks it holds."""

    text: str
    conflicts: int


@dataclass(frozen=True)
class Hunk:
    side: int  # 1 ours, 2 theirs
    start: int  # in base
    end: int
    lines: tuple[str, ...]  # the side's new lines
    delta: int  # len(lines) - (end - start)


def lines_of(text: str) -> list[str]:
    parts = text.split("\n")
    out = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


def hunks(a: list[str], b: list[str], side: int = 0) -> list[Hunk]:
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return [
        Hunk(side, i1, i2, tuple(b[j1:j2]), (j2 - j1) - (i2 - i1))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def image(side: list[Hunk], start: int, end: int) -> tuple[int, int]:
    """The side's line range for base [start, end), whose ends no hunk of it straddles."""
    before = sum(h.delta for h in side if h.end <= start and not (h.start == h.end == start))
    inside = sum(h.delta for h in side if start <= h.start and h.end <= end)
    return start + before, end + before + inside


def block(lines: list[str]) -> str:
    out = "".join(lines)
    return out + "\n" if out and not out.endswith("\n") else out


def merge(
    ours: str,
    base: str,
    theirs: str,
    *,
    labels: tuple[str, str, str] = ("ours", "base", "theirs"),
    style: str = "merge",
    marker_size: int = 7,
) -> MergeResult:
    if style not in {"merge", "diff3"} or marker_size < 1:
        raise ValueError("style is 'merge' or 'diff3'; marker_size is at least 1")
    o, b, t = lines_of(ours), lines_of(base), lines_of(theirs)
    mine, yours = hunks(b, o, 1), hunks(b, t, 2)
    clusters: list[list[Hunk]] = []
    for h in sorted(mine + yours, key=lambda h: (h.start, h.end)):
        if clusters and h.start <= max(x.end for x in clusters[-1]):
            clusters[-1].append(h)
        else:
            clusters.append([h])

    # pieces: ("text", lines) or ("conflict", ours lines, base lines, theirs lines)
    pieces: list[tuple] = []
    at = 0  # next base line to copy
    for cluster in clusters:
        start, end = cluster[0].start, max(h.end for h in cluster)
        pieces.append(("text", b[at:start]))
        sides = {h.side for h in cluster}
        o1, o2 = image(mine, start, end)
        t1, t2 = image(yours, start, end)
        same = (
            len(cluster) == 2
            and len(sides) == 2
            and (cluster[0].start, cluster[0].end, cluster[0].lines)
            == (cluster[1].start, cluster[1].end, cluster[1].lines)
        )
        if same:  # no chunk at all: the lines count as shared text
            pieces.append(("text", o[o1:o2]))
        elif sides == {1}:
            pieces.append(("clean", o[o1:o2]))
        elif sides == {2}:
            pieces.append(("clean", t[t1:t2]))
        else:
            pieces.append(("conflict", o[o1:o2], b[start:end], t[t1:t2]))
        at = end
    pieces.append(("text", b[at:]))
    if style == "merge":
        pieces = join(refine(pieces))

    out: list[str] = []
    conflicts = 0
    for piece in pieces:
        if piece[0] != "conflict":
            out.extend(piece[1])
            continue
        conflicts += 1
        out.append("<" * marker_size + " " + labels[0] + "\n" + block(piece[1]))
        if style == "diff3":
            out.append("|" * marker_size + " " + labels[1] + "\n" + block(piece[2]))
        out.append("=" * marker_size + "\n" + block(piece[3]))
        out.append(">" * marker_size + " " + labels[2] + "\n")
    return MergeResult("".join(out), conflicts)


def refine(pieces: list[tuple]) -> list[tuple]:
    out: list[tuple] = []
    for piece in pieces:
        if piece[0] != "conflict" or not piece[1] or not piece[3]:
            out.append(piece)
            continue
        mine, yours = piece[1], piece[3]
        at = 0
        for h in hunks(mine, yours):
            out.append(("text", mine[at : h.start]))
            out.append(("conflict", mine[h.start : h.end], [], list(h.lines)))
            at = h.end
        out.append(("text", mine[at:]))
    return out


def join(pieces: list[tuple]) -> list[tuple]:
    """Fold the shared text between two conflicts into them when short or letterless.

    A one-sided ("clean") change between two conflicts keeps them apart.
    """
    out: list[tuple] = []
    for piece in pieces:
        if piece[0] == "text" and not piece[1]:
            continue
        if piece[0] == "text" and out and out[-1][0] == "text":
            out[-1] = ("text", out[-1][1] + piece[1])
            continue
        if (
            piece[0] == "conflict"
            and len(out) >= 2
            and out[-1][0] == "text"
            and out[-2][0] == "conflict"
            and (
                len(out[-1][1]) <= 3
                or not any(c.isascii() and c.isalnum() for c in "".join(out[-1][1]))
            )
        ):
            gap = out.pop()[1]
            first = out.pop()
            piece = ("conflict", first[1] + gap + piece[1], [], first[3] + gap + piece[3])
        elif piece[0] == "conflict" and out and out[-1][0] == "conflict":
            first = out.pop()
            piece = ("conflict", first[1] + piece[1], [], first[3] + piece[3])
        out.append(piece)
    return out
