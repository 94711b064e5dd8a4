"""Tests for the three-way merge kata.

The truth is git: every case is written to files in ``tmp_path`` and merged
by the real ``git merge-file -p [--diff3] [--marker-size=N] -L … -L … -L …``
(git-merge-file(1); conflict markers as in git-merge(1), "HOW CONFLICTS ARE
PRESENTED"; written against git 2.39.5), with no user or system
configuration, and ``merge`` must print the same bytes and return git's exit
status as its conflict count. Random
cases are seeded and keep to the README's *Constraints*: no line twice in a
file, shared lines in the same order in every file.
"""

from __future__ import annotations

import dataclasses
import os
import random
import subprocess
from pathlib import Path

import pytest

from grader.kata_support import GIT_IDENTITY, remembered
from merge_file import MergeResult, merge

LABELS = ("a", "b", "c")
PUNCT = "{}()[];,.-*#"


def git_merge_file(
    tmp_path: Path,
    ours: str,
    base: str,
    theirs: str,
    *,
    labels: tuple[str, str, str] = LABELS,
    style: str = "merge",
    marker_size: int = 7,
) -> MergeResult:
    """What ``git merge-file -p`` prints for these three files, and its exit status."""

    def run() -> tuple[str, int]:
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            (tmp_path / name).write_bytes(text.encode())
        cmd = ["git", "merge-file", "-p", f"--marker-size={marker_size}"]
        if style == "diff3":
            cmd.append("--diff3")
        for label in labels:
            cmd += ["-L", label]
        done = subprocess.run(
            [*cmd, "ours", "base", "theirs"],
            cwd=tmp_path,
            capture_output=True,
            env={**os.environ, **GIT_IDENTITY},
            check=False,
        )
        assert 0 <= done.returncode <= 127, f"git merge-file failed: {done.stderr.decode()}"
        return done.stdout.decode(), done.returncode

    options = [list(labels), style, marker_size]
    text, status = remembered("git merge-file -p", [ours, base, theirs, options], run)
    return MergeResult(text, status)


def check(tmp_path: Path, ours: str, base: str, theirs: str, **options: object) -> MergeResult:
    """Merge with ``merge`` and with git; assert the same bytes and conflict count."""
    want = git_merge_file(tmp_path, ours, base, theirs, **options)  # type: ignore[arg-type]
    got = merge(ours, base, theirs, **{"labels": LABELS, **options})  # type: ignore[arg-type]
    assert isinstance(got, MergeResult), "merge returns a MergeResult"
    case = f"ours={ours!r}, base={base!r}, theirs={theirs!r}, options={options}"
    assert got.text == want.text, f"not what git merge-file -p prints for {case}"
    assert got.conflicts == want.conflicts, f"git merge-file exits {want.conflicts} for {case}"
    return got


def text(*lines: str, newline: bool = True) -> str:
    """Lines joined with newlines; the last one without when ``newline`` is false."""
    out = "".join(line + "\n" for line in lines)
    return out if newline or not out else out[:-1]


def punct(i: int) -> str:
    """A line of punctuation only, different for every i (no letter or digit)."""
    out, i = "", i + 1
    while i:
        i, r = divmod(i - 1, len(PUNCT))
        out += PUNCT[r]
    return out


def random_triple(rng: random.Random, longest: int = 14) -> tuple[str, str, str]:
    """Seeded ours, base, theirs of the README's shape.

    Base lines are unique; at each place (before each base line, and at the
    end) a side may insert some of three lines kept for that place, in their
    order, and it keeps or deletes each base line; theirs often copies ours'
    choice, so identical changes, identical deletions and changes that overlap
    or touch all occur. A quarter of the lines hold no letter or digit; any
    file may lose its final newline.
    """
    n = rng.randint(0, longest)
    base = [f"line {i}" if rng.random() > 0.25 else punct(1000 + i) for i in range(n)]
    fresh = [
        [f"new {g}.{k}" if rng.random() > 0.25 else punct(2000 + 10 * g + k) for k in range(3)]
        for g in range(n + 1)
    ]
    keep_p = rng.choice([0.5, 0.7, 0.85, 0.95])
    insert_p = rng.choice([0.1, 0.25, 0.4])
    copy_p = rng.choice([0.0, 0.3, 0.6, 0.9])

    def choices() -> list[tuple[list[int], bool]]:
        out = []
        for g in range(n + 1):
            picked = rng.sample(range(3), rng.randint(1, 3)) if rng.random() < insert_p else []
            out.append((sorted(picked), g < n and rng.random() < keep_p))
        return out

    mine = choices()
    other = [m if rng.random() < copy_p else o for m, o in zip(mine, choices())]

    def build(plan: list[tuple[list[int], bool]]) -> list[str]:
        lines: list[str] = []
        for g, (inserted, keep) in enumerate(plan):
            lines += [fresh[g][k] for k in inserted]
            if keep:
                lines.append(base[g])
        return lines

    base_newline = rng.random() > 0.3
    files = []
    for lines in (build(mine), base, build(other)):
        if lines is base:
            newline = base_newline
        elif base and lines and lines[-1] == base[-1]:
            newline = base_newline if rng.random() < 0.7 else not base_newline
        else:
            newline = rng.random() > 0.3
        files.append(text(*lines, newline=newline))
    return files[0], files[1], files[2]


# --- Lines -----------------------------------------------------------------


@pytest.mark.spec("Lines")
@pytest.mark.parametrize("sep", ["\x0b", "\x0c", "\x1c", "\x85"], ids=["vt", "ff", "fs", "nel"])
def test_only_newline_ends_a_line(tmp_path: Path, sep: str) -> None:
    base = text("a", f"b{sep}c", "d", "e", "f")
    ours = text("a", f"b{sep}C", "d", "e", "f")
    theirs = text("a", f"b{sep}c", "d", "e", "F")
    got = check(tmp_path, ours, base, theirs)
    assert got.text == text("a", f"b{sep}C", "d", "e", "F"), f"{sep!r} does not end a line"
    one_line = f"a{sep}m{sep}b\n"  # one line to git: both sides change it
    got = check(tmp_path, f"A{sep}m{sep}b\n", one_line, f"a{sep}m{sep}B\n")
    assert got.conflicts == 1, f"{sep!r} does not end a line: both sides changed the same line"


@pytest.mark.spec("Lines")
@pytest.mark.parametrize(
    "ours,base,theirs",
    [
        (text("a", "end"), text("a", "end", newline=False), text("A", "end", newline=False)),
        (text("a", "end", newline=False), text("a", "end"), text("a", "end")),
        (text("x", "a", "b"), text("a", "b", newline=False), text("a", "b", newline=False)),
    ],
    ids=["ours-adds-newline", "ours-drops-newline", "clean-keeps-missing-newline"],
)
def test_missing_final_newline_is_a_different_line(
    tmp_path: Path, ours: str, base: str, theirs: str
) -> None:
    check(tmp_path, ours, base, theirs)
    check(tmp_path, ours, base, theirs, style="diff3")


@pytest.mark.spec("Lines")
@pytest.mark.parametrize(
    "ours,base,theirs",
    [
        (text("x"), "", text("y")),
        (text("x"), "", text("x")),
        ("", text("a", "b"), text("a", "b")),
        ("", text("a", "b"), text("a", "B")),
        ("", "", ""),
    ],
    ids=["empty-base-conflict", "empty-base-same", "ours-empties", "empty-vs-change", "all-empty"],
)
def test_empty_files(tmp_path: Path, ours: str, base: str, theirs: str) -> None:
    check(tmp_path, ours, base, theirs)
    check(tmp_path, ours, base, theirs, style="diff3")


# --- Merging ---------------------------------------------------------------

BASE = text(*"abcdefgh")


@pytest.mark.spec("Merging")
@pytest.mark.parametrize(
    "ours,theirs,conflicts",
    [
        (text(*"aBcdefgh"), text(*"abcDefgh"), 0),
        (text(*"aBcdefgh"), text(*"abCdefgh"), 1),
        (text(*"aBCdefgh"), text(*"abCDefgh"), 1),
        (text(*"abcXdefgh"), text(*"abcYdefgh"), 1),
        (text(*"abcXdefgh"), text(*"abCdefgh"), 1),
        (text(*"abcXdefgh"), text(*"abcDefgh"), 1),
        (text(*"abcXdefgh"), text(*"abcdEfgh"), 0),
        (text(*"abdefgh"), text(*"abcdegh"), 0),
        (text(*"abdefgh"), text(*"abcefgh"), 1),
    ],
    ids=[
        "separated",
        "touching",
        "overlapping",
        "insert-same-place",
        "insert-after-change",
        "insert-before-change",
        "insert-one-line-away",
        "deletes-apart",
        "deletes-touching",
    ],
)
def test_hunks_conflict_when_they_overlap_or_touch(
    tmp_path: Path, ours: str, theirs: str, conflicts: int
) -> None:
    got = check(tmp_path, ours, BASE, theirs)
    assert got.conflicts == conflicts
    check(tmp_path, ours, BASE, theirs, style="diff3")


@pytest.mark.spec("Merging")
@pytest.mark.parametrize(
    "ours,theirs",
    [
        (text(*"aBcdefgh"), text(*"aBcdefgh")),
        (text(*"abdefgh"), text(*"abdefgh")),
        (text(*"abcXYdefgh"), text(*"abcXYdefgh")),
        (text(*"aBcdeFgh"), text(*"aBcdefgh")),
        (text(*"aBcdeFgh"), text(*"aBcdeFgh")),
    ],
    ids=["same-change", "same-delete", "same-insert", "same-plus-other", "same-twice"],
)
def test_identical_changes_merge_cleanly(tmp_path: Path, ours: str, theirs: str) -> None:
    for style in ("merge", "diff3"):
        got = check(tmp_path, ours, BASE, theirs, style=style)
        assert got.conflicts == 0, "both sides made the same change: no conflict"


@pytest.mark.spec("Merging")
@pytest.mark.parametrize("change", ["one-line-far-in", "hundreds-of-lines"])
def test_identical_changes_far_into_the_file_or_hundreds_of_lines_long(
    tmp_path: Path, change: str
) -> None:
    """The same change 280 lines in, or the same 310 lines deleted: compared by value."""
    base = [f"line {i}" for i in range(700)]
    if change == "one-line-far-in":
        both = [*base[:280], "both 280", *base[281:]]
    else:
        both = base[:50] + base[360:]
    for style in ("merge", "diff3"):
        got = check(tmp_path, text(*both), text(*base), text(*both), style=style)
        assert got.conflicts == 0, "both sides made the same change: no conflict"


@pytest.mark.spec("Merging")
@pytest.mark.parametrize(
    "ours,theirs",
    [
        (text(*"aBcDefgh"), text(*"abCdEfgh")),
        (text(*"aBcdeFgh"), text(*"abCdEfGh")),
        (text(*"aBcdefgh"), text(*"abcdefgh")),
        (text(*"abcdefgh"), text(*"abcdEfgh", newline=False)),
    ],
    ids=["chain", "chain-then-touching", "ours-only", "theirs-only"],
)
def test_chains_and_one_sided_merges(tmp_path: Path, ours: str, theirs: str) -> None:
    for style in ("merge", "diff3"):
        check(tmp_path, ours, BASE, theirs, style=style)


# --- Refinement ------------------------------------------------------------

LONG = text(*[f"l{i}" for i in range(12)])


def lines_of(spec: str) -> str:
    """``"0 1 X 3"`` → l0, l1, X, l3 (numbers are base lines, anything else is new)."""
    return text(*[f"l{w}" if w.isdigit() else w for w in spec.split()])


def check_conflicts(tmp_path: Path, ours: str, base: str, theirs: str, conflicts: int) -> None:
    """Both styles of the merge of :func:`lines_of` specs match git, with ``conflicts`` of them."""
    ours, base, theirs = lines_of(ours), lines_of(base), lines_of(theirs)
    got = check(tmp_path, ours, base, theirs)
    assert got.conflicts == conflicts, f"git merge-file writes {conflicts} conflict(s)"
    check(tmp_path, ours, base, theirs, style="diff3")


@pytest.mark.spec("Refinement")
@pytest.mark.weight(2)
@pytest.mark.parametrize(
    "ours,base,theirs,conflicts",
    [
        ("0 1 S T X U V 4", "0 1 4", "0 1 S T Y U V 4", 1),
        ("0 P1 P2 P3 P4 X 1", "0 1", "0 P1 P2 P3 P4 Y 1", 1),
        ("0 X S T U 1", "0 1", "0 S T U Y 1", 1),
        ("0 X 2 3 4 5 6 Y 8", "0 1 2 3 4 5 6 7 8", "0 2 3 4 5 6 8", 2),
    ],
    ids=["shared-ends-left-out", "shared-prefix", "sides-shift", "deletions-far-apart"],
)
def test_conflicts_are_refined(
    tmp_path: Path, ours: str, base: str, theirs: str, conflicts: int
) -> None:
    check_conflicts(tmp_path, ours, base, theirs, conflicts)


# --- Joining ---------------------------------------------------------------


@pytest.mark.spec("Joining")
@pytest.mark.weight(2)
@pytest.mark.parametrize(
    "ours,base,theirs,conflicts",
    [
        ("0 X s1 s2 s3 s4 Z 1", "0 1", "0 Y s1 s2 s3 s4 W 1", 2),
        ("0 X s1 s2 s3 Z 1", "0 1", "0 Y s1 s2 s3 W 1", 1),
        ("0 X s1 s2 s3 Z 1", "0 1", "0 s1 s2 s3 W 1", 1),
        ("0 X s1 s2 s3 s4 Z 1", "0 1", "0 s1 s2 s3 s4 1", 2),
    ],
    ids=["split-at-4-shared", "joined-at-3-shared", "joined-one-side-empty", "empty-side-pieces"],
)
def test_refined_conflicts_join_when_close(
    tmp_path: Path, ours: str, base: str, theirs: str, conflicts: int
) -> None:
    check_conflicts(tmp_path, ours, base, theirs, conflicts)


@pytest.mark.spec("Joining")
@pytest.mark.weight(2)
@pytest.mark.parametrize(
    "between,conflicts",
    [
        (["{", "}", "", "};", "--"], 1),
        (["{", "}", "", "};", "x"], 2),
        (["a1", "a2", "a3", "a4"], 2),
        (["_", "__", "{_}", "___"], 1),
        (["1", "2", "3", "4"], 2),
        (["a1", "", "a3", "a4"], 2),
        (["a1", "", " ", "a4"], 2),
    ],
    ids=[
        "no-alnum-joined",
        "one-alnum-line-splits",
        "four-words-split",
        "underscores-joined",
        "four-digit-lines-split",
        "one-blank-of-4-splits",
        "two-blanks-of-4-split",
    ],
)
def test_joining_by_letters_and_digits(tmp_path: Path, between: list[str], conflicts: int) -> None:
    """Two conflicts with ``between`` shared by both sides (git 2.39.5's counts).

    A blank line is a line: 4 lines between, blank or not, keep two
    conflicts apart when any of them holds a letter or a digit.
    """
    base = text("top", "mid", "bottom")
    ours = text("top", "X1", *between, "Z1", "bottom")
    theirs = text("top", "X2", *between, "Z2", "bottom")
    got = check(tmp_path, ours, base, theirs)
    assert got.conflicts == conflicts, f"{between} between two conflicts: git writes {conflicts}"


@pytest.mark.spec("Joining")
def test_digits_only_between_conflicts_keep_them_apart(tmp_path: Path) -> None:
    """Four unchanged lines of digits only between two conflicts: git writes 2 conflicts."""
    base = text("x", "1", "2", "3", "4", "y")
    ours = text("X", "1", "2", "3", "4", "Y")
    theirs = text("XX", "1", "2", "3", "4", "YY")
    got = check(tmp_path, ours, base, theirs)
    assert got.conflicts == 2, "a digit is like a letter: 4 lines of digits keep conflicts apart"
    check(tmp_path, ours, base, theirs, style="diff3")


@pytest.mark.spec("Joining")
def test_no_join_across_a_clean_change(tmp_path: Path) -> None:
    base = lines_of("0 1 2 3 4 5 6 7 8")
    ours = lines_of("0 A 2 3 4 5 6 7 8")
    theirs = lines_of("0 B 2 C 4 5 6 7 8")
    # ours and theirs collide at 1; theirs alone changes 3, one line from it
    check(tmp_path, ours, base, theirs)
    ours = lines_of("0 A 2 3 4 P 6 7 8")
    theirs = lines_of("0 B 2 C 4 Q 6 7 8")
    got = check(tmp_path, ours, base, theirs)
    assert got.conflicts == 2, "a clean change between two conflicts keeps them apart"
    theirs = lines_of("0 B 2 3 4 Q 6 7 8")
    got = check(tmp_path, lines_of("0 A 2 3 4 P 6 7 8"), base, theirs)
    assert got.conflicts == 1, "3 unchanged lines between two conflicts: joined"


@pytest.mark.spec("Joining")
def test_identical_change_between_conflicts_counts_as_shared(tmp_path: Path) -> None:
    base = lines_of("0 1 2 3 4 5 6 7 8")
    ours = lines_of("0 A 2 C 4 P 6 7 8")
    theirs = lines_of("0 B 2 C 4 Q 6 7 8")
    got = check(tmp_path, ours, base, theirs)
    assert got.conflicts == 1, "the same change on both sides is shared text: the gap joins"
    check(tmp_path, ours, base, theirs, style="diff3")


@pytest.mark.spec("Joining")
def test_chained_joins(tmp_path: Path) -> None:
    base = text("k")
    ours = text("X1", "s1", "X2", "s2", "s3", "X3", "k")
    theirs = text("Y1", "s1", "Y2", "s2", "s3", "Y3", "k")
    got = check(tmp_path, ours, base, theirs)
    assert got.conflicts == 1, "three conflicts a few lines apart join into one"


# --- Conflict markers ------------------------------------------------------


@pytest.mark.spec("Conflict markers")
@pytest.mark.parametrize(
    "labels",
    [("ours", "base", "theirs"), ("HEAD", "merged common ancestors", "feature/x"), ("", "", "")],
    ids=["plain", "spaces", "empty"],
)
def test_labels(tmp_path: Path, labels: tuple[str, str, str]) -> None:
    ours, theirs = text(*"aBcdefgh"), text(*"abCdefgh")
    for style in ("merge", "diff3"):
        check(tmp_path, ours, BASE, theirs, labels=labels, style=style)


@pytest.mark.spec("Conflict markers")
@pytest.mark.parametrize("size", [1, 3, 12], ids=["one", "three", "twelve"])
def test_marker_size(tmp_path: Path, size: int) -> None:
    ours, theirs = text(*"aBcdefgh"), text(*"abCdefgh")
    for style in ("merge", "diff3"):
        got = check(tmp_path, ours, BASE, theirs, marker_size=size, style=style)
        assert got.text.count("=" * size + "\n") == 1


@pytest.mark.spec("Conflict markers")
@pytest.mark.parametrize(
    "ours,base,theirs",
    [
        (text("a", "X", newline=False), text("a", "b"), text("a", "Y", newline=False)),
        (text("a", "X"), text("a", "b", newline=False), text("a", newline=False)),
        (text("a", "X"), text("a", "b", newline=False), text("a", "Y")),
    ],
    ids=["both-sides", "theirs-empty", "base-only"],
)
def test_sections_end_with_a_newline(tmp_path: Path, ours: str, base: str, theirs: str) -> None:
    for style in ("merge", "diff3"):
        got = check(tmp_path, ours, base, theirs, style=style)
        assert got.text.endswith(">>>>>>> c\n")


@pytest.mark.spec("Conflict markers")
def test_diff3_shows_the_whole_conflict(tmp_path: Path) -> None:
    base = lines_of("0 1 2 3")
    ours = lines_of("0 X s1 s2 s3 s4 Z 3")
    theirs = lines_of("0 Y s1 s2 s3 s4 W 3")
    got = check(tmp_path, ours, base, theirs, style="diff3")
    assert got.conflicts == 1, "diff3 neither refines nor splits a conflict"
    assert "||||||| b\nl1\nl2\n=======\n" in got.text


# --- Result and errors -----------------------------------------------------


@pytest.mark.spec("Result")
def test_one_unchanged_side_gives_the_other_verbatim(tmp_path: Path) -> None:
    base = text("a", "b", newline=False)
    theirs = text("x", "y", "", "z", newline=False)
    assert check(tmp_path, base, base, theirs) == MergeResult(theirs, 0)
    assert check(tmp_path, theirs, base, base) == MergeResult(theirs, 0)


@pytest.mark.spec("Result")
def test_default_labels(tmp_path: Path) -> None:
    ours, theirs = text(*"aBcdefgh"), text(*"abCdefgh")
    want = git_merge_file(tmp_path, ours, BASE, theirs, labels=("ours", "base", "theirs"))
    assert merge(ours, BASE, theirs) == want
    want = git_merge_file(
        tmp_path, ours, BASE, theirs, labels=("ours", "base", "theirs"), style="diff3"
    )
    assert merge(ours, BASE, theirs, style="diff3") == want


@pytest.mark.spec("API")
@pytest.mark.parametrize(
    "options",
    [{"style": "zdiff3"}, {"style": "Merge"}, {"marker_size": 0}, {"marker_size": -3}],
    ids=["zdiff3", "capitalised", "size-0", "size-negative"],
)
def test_bad_options_raise(options: dict[str, object]) -> None:
    call = ", ".join(f"{name}={value!r}" for name, value in options.items())
    try:
        merge("a\n", "b\n", "c\n", **options)  # type: ignore[arg-type]
    except ValueError:
        return
    pytest.fail(f"merge(ours, base, theirs, {call}) returned: it should raise ValueError")


@pytest.mark.spec("API")
def test_result_is_frozen_and_options_are_keyword_only() -> None:
    result = merge("a\n", "a\n", "b\n")
    assert result == MergeResult("b\n", 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.text = ""  # type: ignore[misc]
    with pytest.raises(TypeError):
        merge("a\n", "a\n", "b\n", LABELS)  # type: ignore[misc]


# --- Examples --------------------------------------------------------------


@pytest.mark.spec("Merging")
@pytest.mark.weight(2)
@pytest.mark.parametrize("style", ["merge", "diff3"])
@pytest.mark.parametrize("last", ["theirs", "ours"])
def test_hundreds_of_hunks(tmp_path: Path, style: str, last: str) -> None:
    """Over 256 hunks a side, offsets past 256 lines, conflicts among them: counts are big ints.

    ``last`` is the side whose hunks go on after the other side's are done.
    """
    base = [f"line {i}" for i in range(1200)]
    ours, theirs = [], []
    for i, line in enumerate(base):
        ours += [f"ours {i}"] if i % 4 == 0 else [line]
        if i % 12 == 0:
            ours.append(f"ours {i}+")  # ours grows: its offsets drift from base's
        if i % 40 == 20:
            theirs.append(f"theirs {i}")  # the same line as ours changes: a conflict
        elif i % 4 == 2:
            theirs += [f"theirs {i}"] if i % 8 == 2 else []  # replaced, or deleted
        else:
            theirs.append(line)
    if last == "ours":
        ours.append("ours after the end")
    got = check(tmp_path, text(*ours), text(*base), text(*theirs), style=style)
    assert got.conflicts == 30


@pytest.mark.spec("Result")
def test_more_than_127_conflicts_are_counted(tmp_path: Path) -> None:
    """130 conflicts, 4 lines of letters apart: git prints them all but exits 127.

    git merge-file caps its exit status at 127; ``conflicts`` is the true
    count, the number of conflict blocks git printed.
    """
    base, ours, theirs = [], [], []
    for i in range(130):
        gap = [f"keep {i}.{k}" for k in range(4)]
        base += [f"line {i}", *gap]
        ours += [f"ours {i}", *gap]
        theirs += [f"theirs {i}", *gap]
    ours, base, theirs = text(*ours), text(*base), text(*theirs)
    want = git_merge_file(tmp_path, ours, base, theirs)
    assert want.conflicts == 127, "git merge-file caps its exit status at 127"
    blocks = want.text.splitlines().count("=======")
    assert blocks == 130, "git prints 130 conflict blocks"
    got = merge(ours, base, theirs, labels=LABELS)
    assert got.text == want.text, "not what git merge-file -p prints for 130 conflicts"
    assert got.conflicts == blocks, f"{blocks} conflict blocks: conflicts is the true count"


@pytest.mark.spec("Merging")
@pytest.mark.parametrize("side", ["ours-deletes", "ours-inserts", "theirs-deletes"])
def test_hundreds_of_lines_deleted_or_inserted_at_once(tmp_path: Path, side: str) -> None:
    """One side's diff is nothing but 300 deletions (or insertions): a long straight edit path."""
    base = [f"line {i}" for i in range(600)]
    changed = [f"line {i}" if i != 500 else "changed 500" for i in range(600)]
    if side == "ours-deletes":
        ours, theirs = base[:100] + base[400:], changed
    elif side == "ours-inserts":
        ours, theirs = base[:100] + [f"new {i}" for i in range(300)] + base[100:], changed
    else:
        ours, theirs = changed, base[:100] + base[400:]
    for style in ("merge", "diff3"):
        got = check(tmp_path, text(*ours), text(*base), text(*theirs), style=style)
        assert got.conflicts == 0


@pytest.mark.spec("API")
def test_style_is_compared_by_value() -> None:
    """A style string built at run time is the same style (== , not identity)."""
    ours, base, theirs = "1\nA\nX\nk\n", "1\nk\n", "1\nA\nY\nk\n"  # A: refined out
    assert merge(ours, base, theirs, style="merge") != merge(ours, base, theirs, style="diff3")
    for style in ("merge", "diff3"):
        built = "".join(list(style))
        assert merge(ours, base, theirs, style=built) == merge(ours, base, theirs, style=style)


@pytest.mark.spec("Examples")
def test_readme_examples() -> None:
    """The README's examples, as git 2.39 prints them."""
    base = "a\nb\nc\nd\ne\n"
    assert merge("a\nB\nc\nd\ne\n", base, "a\nb\nc\nD\ne\n").text == "a\nB\nc\nD\ne\n"
    got = merge("a\nB\nc\nd\ne\n", base, "a\nb\nC\nd\ne\n", labels=LABELS)
    want = "a\n<<<<<<< a\nB\nc\n=======\nb\nC\n>>>>>>> c\nd\ne\n"
    assert got == MergeResult(want, 1)
    assert merge("x\nsame\ny\n", "x\ny\n", "x\nsame\ny\n") == MergeResult("x\nsame\ny\n", 0)
    got = merge("1\nX\nk\n", "1\n", "1\nY\nk\n", labels=LABELS, style="diff3")
    want = "1\n<<<<<<< a\nX\nk\n||||||| b\n=======\nY\nk\n>>>>>>> c\n"
    assert got == MergeResult(want, 1)
    got = merge("1\nX\nk\n", "1\n", "1\nY\nk\n", labels=LABELS)
    assert got == MergeResult("1\n<<<<<<< a\nX\n=======\nY\n>>>>>>> c\nk\n", 1)


# --- Random histories against git -----------------------------------------


@pytest.mark.spec("Merging")
@pytest.mark.weight(3)
@pytest.mark.parametrize("seed", range(4), ids=[f"seed{s}" for s in range(4)])
def test_random_merges_match_git(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(40):
        check(tmp_path, *random_triple(rng))


@pytest.mark.spec("Conflict markers")
@pytest.mark.weight(3)
@pytest.mark.parametrize("seed", range(4), ids=[f"seed{s}" for s in range(4)])
def test_random_diff3_merges_match_git(tmp_path: Path, seed: int) -> None:
    rng = random.Random(100 + seed)
    for _ in range(40):
        check(tmp_path, *random_triple(rng), style="diff3")


@pytest.mark.spec("Merging")
@pytest.mark.weight(2)
@pytest.mark.parametrize("style", ["merge", "diff3"])
def test_random_longer_merges_match_git(tmp_path: Path, style: str) -> None:
    """Longer files: many hunks per side, far from the start of the file."""
    rng = random.Random(7 if style == "merge" else 8)
    for _ in range(25):
        check(tmp_path, *random_triple(rng, longest=80), style=style)
