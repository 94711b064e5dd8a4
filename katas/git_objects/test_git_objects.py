"""Tests for the git objects kata.

The truth is the ``git`` program itself: every id is compared with what
``git hash-object``, ``git mktree`` or ``git write-tree`` print for the same
input, and every object read is compared with ``git cat-file``. The fixed ids
are the well-known ones from the Pro Git book, chapter 10.2 "Git Objects"
(https://git-scm.com/book/en/v2/Git-Internals-Git-Objects).
"""

from __future__ import annotations

import os
import random
import zlib
from pathlib import Path

import pytest

from git_objects import hash_object, hash_tree, read_object
from grader.kata_support import git as run_git

EMPTY_BLOB = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"

# Fixed dates for commits and tags, so that ids are the same on every run.
DATES = {"GIT_AUTHOR_DATE": "1700000000 +0000", "GIT_COMMITTER_DATE": "1700000000 +0000"}


def git(repo: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """Run git in ``repo`` and return its standard output."""
    return run_git(repo, *args, env=DATES, stdin=stdin or b"")


def git_id(repo: Path, *args: str, stdin: bytes | None = None) -> str:
    return git(repo, *args, stdin=stdin).decode().strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", ".")
    return tmp_path


def mktree(repo: Path, entries: list[tuple[str, str, str]]) -> str:
    """The id ``git mktree --missing`` gives a tree of ``entries`` (ls-tree format input)."""
    kinds = {"40000": "tree", "040000": "tree", "160000": "commit"}
    lines = "".join(
        f"{mode} {kinds.get(mode, 'blob')} {sha}\t{name}\n" for mode, name, sha in entries
    )
    return git_id(repo, "mktree", "--missing", stdin=lines.encode("utf-8"))


def random_sha(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(40))


# --- Object ids ---------------------------------------------------------------------------


@pytest.mark.spec("Object ids")
@pytest.mark.parametrize(
    ("data", "obj_type", "expected"),
    [
        (b"", "blob", EMPTY_BLOB),
        (b"what is up, doc?", "blob", "bd9dbf5aae1a3862dd1526723246b20206e5fc37"),
        (b"hello world\n", "blob", "3b18e512dba79e4c8300dd08aeb37f8e728b8dad"),
        (b"", "tree", EMPTY_TREE),
    ],
    ids=["empty-blob", "pro-git-blob", "hello-world", "empty-tree"],
)
def test_well_known_ids(data: bytes, obj_type: str, expected: str) -> None:
    # Pro Git 10.2 and `git hash-object -t <type> --stdin` agree on these ids.
    assert hash_object(data, obj_type) == expected, (
        f"the header must be b'{obj_type} {len(data)}\\0' (type, space, content length, NUL)"
    )


@pytest.mark.spec("Object ids")
def test_random_blobs_match_git_hash_object(repo: Path) -> None:
    rng = random.Random(20240301)
    blobs = [b"\0", b"\n", b"\0" * 100, bytes(range(256))]
    sizes = [1, 2, 7, 63, 64, 65, 1000, 4096, 10_000]
    blobs += [rng.randbytes(rng.choice(sizes)) for _ in range(20)]
    paths = []
    for i, blob in enumerate(blobs):
        path = repo / f"blob{i}"
        path.write_bytes(blob)
        paths.append(path.name)
    expected = git(repo, "hash-object", "--no-filters", *paths).decode().split()
    for i, (blob, want) in enumerate(zip(blobs, expected, strict=True)):
        assert hash_object(blob) == want, (
            f"blob #{i} of {len(blob)} bytes: git hash-object says {want}"
        )


@pytest.mark.spec("Object ids")
def test_ids_of_real_commit_tree_and_tag(repo: Path) -> None:
    (repo / "README").write_bytes(b"kata\n")
    git(repo, "add", "README")
    git(repo, "commit", "-q", "-m", "first")
    git(repo, "tag", "-a", "-m", "release one", "v1")
    for name, obj_type in [("HEAD", "commit"), ("HEAD^{tree}", "tree"), ("v1", "tag")]:
        sha = git_id(repo, "rev-parse", name)
        content = git(repo, "cat-file", obj_type, sha)
        assert hash_object(content, obj_type) == sha, (
            f"the {obj_type} {name}: `git cat-file {obj_type}` content should hash to {sha}"
        )


@pytest.mark.spec("Object ids")
def test_type_is_part_of_the_id() -> None:
    # `git hash-object [-t <type> --literally] --stdin` on the same 7 bytes b"garbage".
    assert hash_object(b"garbage") == "d58adb0f78a46b6b1a9ecaad74890db8df1e947e"
    assert hash_object(b"garbage", "commit") == "4fa7f4e4a001931b2461ca12ef78ce3c5cac8e27"
    assert hash_object(b"garbage", "tag") == "e95996a46f79149caed1805ad90fc822d631ca8e"


@pytest.mark.spec("Validation")
@pytest.mark.parametrize(
    "obj_type",
    ["blobs", "Blob", "", "object", "tree "],
    ids=["blobs", "Blob", "empty", "object", "trailing-space"],
)
def test_unknown_object_type_is_rejected(obj_type: str) -> None:
    with pytest.raises(ValueError):
        hash_object(b"data", obj_type)


# --- Trees ----------------------------------------------------------------------------------


@pytest.mark.spec("Tree entries")
def test_empty_tree() -> None:
    assert hash_tree([]) == EMPTY_TREE


@pytest.mark.spec("Tree entries")
def test_single_entry_matches_git_mktree(repo: Path) -> None:
    entries = [("100644", "hello.txt", "3b18e512dba79e4c8300dd08aeb37f8e728b8dad")]
    want = mktree(repo, entries)
    assert want == "68aba62e560c0ebc3396e8ae9335232cd93a3f60", "the id README ## Examples quotes"
    assert hash_tree(entries) == want, (
        "an entry is b'<mode> <name>\\0' followed by the 20 raw bytes of the id, not 40 hex digits"
    )


@pytest.mark.spec("Tree entries")
def test_every_mode_matches_git_mktree(repo: Path) -> None:
    rng = random.Random(7)
    entries = [
        ("100644", "file", random_sha(rng)),
        ("100755", "script.sh", random_sha(rng)),
        ("120000", "link", random_sha(rng)),
        ("160000", "submodule", random_sha(rng)),
        ("40000", "src", random_sha(rng)),
    ]
    assert hash_tree(entries) == mktree(repo, entries)


@pytest.mark.spec("Tree entries")
def test_directory_mode_is_written_without_leading_zero(repo: Path) -> None:
    sha = EMPTY_TREE
    want = mktree(repo, [("40000", "docs", sha)])
    assert hash_tree([("40000", "docs", sha)]) == want
    assert hash_tree([("040000", "docs", sha)]) == want, (
        "mode '040000' (as git ls-tree prints it) is written as '40000' inside the tree"
    )


@pytest.mark.spec("Tree order")
@pytest.mark.parametrize(
    "entries",
    [
        [
            ("100644", "foo.txt", EMPTY_BLOB),
            ("40000", "foo", EMPTY_TREE),
            ("100644", "foo-bar", EMPTY_BLOB),
        ],
        [
            ("40000", "a", EMPTY_TREE),
            ("100644", "a.b", EMPTY_BLOB),
            ("100644", "a0", EMPTY_BLOB),
            ("100644", "a-", EMPTY_BLOB),
        ],
        [
            ("40000", "lib", EMPTY_TREE),
            ("40000", "lib.d", EMPTY_TREE),
            ("40000", "lib0", EMPTY_TREE),
            ("100644", "lib-old", EMPTY_BLOB),
        ],
    ],
    ids=["foo-dir-vs-files", "a-dir-vs-files", "dirs-only"],
)
def test_directory_sorts_as_if_its_name_ended_in_slash(
    repo: Path, entries: list[tuple[str, str, str]]
) -> None:
    want = mktree(repo, entries)
    for order in (entries, entries[::-1], sorted(entries, key=lambda e: e[1])):
        assert hash_tree(order) == want, (
            "git compares a directory as name + '/': 'foo-bar' < 'foo.txt' < 'foo/' — "
            "a plain sort by name puts the directory 'foo' first"
        )


@pytest.mark.spec("Tree order")
def test_submodule_sorts_like_a_file(repo: Path) -> None:
    entries = [
        ("160000", "ext", random_sha(random.Random(3))),
        ("100644", "ext.c", EMPTY_BLOB),
        ("40000", "ext-dir", EMPTY_TREE),
    ]
    assert hash_tree(entries) == mktree(repo, entries), "only mode 40000 gets the implicit '/'"


@pytest.mark.spec("Tree order")
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_random_trees_match_git_mktree(repo: Path, seed: int) -> None:
    rng = random.Random(seed)
    alphabet = ["a", "b", "-", ".", "0", "_", "Z", "~", "é", "日"]
    names: dict[str, None] = {}  # insertion-ordered, so the test is the same in every run
    while len(names) < 40:
        names["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4)))] = None
    modes = ["100644", "100644", "100755", "120000", "160000", "40000", "40000"]
    entries = [(rng.choice(modes), name, random_sha(rng)) for name in names]
    rng.shuffle(entries)
    assert hash_tree(entries) == mktree(repo, entries)


@pytest.mark.spec("Tree entries")
def test_trees_listed_by_ls_tree_hash_back_to_their_ids(repo: Path) -> None:
    files = {
        "README.md": b"# demo\n",
        "src/app.py": b"print('hi')\n",
        "src/app/__init__.py": b"",
        "src/app-old.py": b"old\n",
        "src.txt": b"notes\n",
        "docs/index.rst": b"Docs\n====\n",
        "run.sh": b"#!/bin/sh\necho run\n",
    }
    for name, data in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (repo / "run.sh").chmod(0o755)
    os.symlink("README.md", repo / "LINK")
    git(repo, "add", ".")
    root = git_id(repo, "write-tree")
    subtrees = git(repo, "ls-tree", "-r", "-d", root).decode().splitlines()
    trees = [root] + [line.split("\t")[0].split()[2] for line in subtrees]
    assert len(trees) == 4, "the fixture has three subdirectories: docs, src, src/app"
    for tree in trees:
        entries = []
        for line in git(repo, "ls-tree", "-z", tree).split(b"\0")[:-1]:
            meta, name = line.split(b"\t", 1)
            mode, _kind, sha = meta.decode().split()
            entries.append((mode, name.decode(), sha))
        assert hash_tree(entries) == tree, f"tree {tree} listed by git ls-tree: {entries}"


@pytest.mark.spec("Validation")
@pytest.mark.parametrize(
    "entry",
    [
        ("100664", "file", EMPTY_BLOB),
        ("644", "file", EMPTY_BLOB),
        ("0100644", "file", EMPTY_BLOB),
        ("100644", "", EMPTY_BLOB),
        ("100644", "dir/file", EMPTY_BLOB),
        ("100644", "nul\0name", EMPTY_BLOB),
        ("100644", "file", EMPTY_BLOB[:39]),
        ("100644", "file", "g" * 40),
    ],
    ids=[
        "mode-100664",
        "mode-644",
        "mode-0100644",
        "empty-name",
        "slash",
        "nul",
        "short-id",
        "not-hex",
    ],
)
def test_invalid_tree_entries_are_rejected(entry: tuple[str, str, str]) -> None:
    with pytest.raises(ValueError):
        hash_tree([("100644", "ok", EMPTY_BLOB), entry])


SPACED_IDS = {
    "space-inside": EMPTY_BLOB[:8] + " " + EMPTY_BLOB[8:],
    "leading-space": " " + EMPTY_BLOB,
    "trailing-space": EMPTY_BLOB + " ",
    "trailing-newline": EMPTY_BLOB + "\n",
    "space-for-a-digit": EMPTY_BLOB[:39] + " ",
    "spaces-between-bytes": " ".join(EMPTY_BLOB[i : i + 2] for i in range(0, 40, 2)),
}


@pytest.mark.spec("Validation")
@pytest.mark.parametrize("case", SPACED_IDS)
def test_tree_entry_ids_with_whitespace_are_rejected(repo: Path, case: str) -> None:
    """bytes.fromhex skips spaces between bytes and int(x, 16) strips them, but an id is
    exactly 40 hex digits: git mktree refuses each of these ("input format error")."""
    sha = SPACED_IDS[case]
    if "\n" not in sha:  # mktree reads lines: a newline would end the entry, not test it
        run_git(repo, "mktree", stdin=f"100644 blob {sha}\tx\n".encode(), ok=range(1, 256))
    with pytest.raises(ValueError):
        hash_tree([("100644", "x", sha)])


@pytest.mark.spec("Validation")
def test_duplicate_names_are_rejected() -> None:
    # git fsck reports such a tree as "duplicateEntries".
    with pytest.raises(ValueError):
        hash_tree([("100644", "x", EMPTY_BLOB), ("100755", "x", EMPTY_BLOB)])
    with pytest.raises(ValueError):
        hash_tree([("100644", "x", EMPTY_BLOB), ("40000", "x", EMPTY_TREE)])


# --- Loose objects --------------------------------------------------------------------------


@pytest.mark.spec("Loose objects")
def test_reads_blobs_written_by_git(repo: Path) -> None:
    rng = random.Random(11)
    for data in [b"", b"hello world\n", b"\0\1\2", rng.randbytes(5000)]:
        sha = git_id(repo, "hash-object", "-w", "--stdin", stdin=data)
        assert read_object(repo / ".git", sha) == ("blob", data)


@pytest.mark.spec("Loose objects")
def test_reads_trees_commits_and_tags_written_by_git(repo: Path) -> None:
    (repo / "a.txt").write_bytes(b"a\n")
    (repo / "sub").mkdir()
    (repo / "sub" / "b.txt").write_bytes(b"b\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "first")
    (repo / "a.txt").write_bytes(b"a2\n")
    git(repo, "commit", "-q", "-a", "-m", "second\n\nwith a body")
    git(repo, "tag", "-a", "-m", "annotated", "v1")
    for name in ["HEAD", "HEAD~1", "HEAD^{tree}", "HEAD:sub", "v1", "HEAD:a.txt"]:
        sha = git_id(repo, "rev-parse", name)
        kind = git_id(repo, "cat-file", "-t", sha)
        content = git(repo, "cat-file", kind, sha)
        assert read_object(str(repo / ".git"), sha) == (kind, content), f"{name} ({kind} {sha})"


@pytest.mark.spec("Loose objects")
def test_accepts_an_uppercase_id(repo: Path) -> None:
    sha = git_id(repo, "hash-object", "-w", "--stdin", stdin=b"shout\n")
    assert read_object(repo / ".git", sha.upper()) == ("blob", b"shout\n")


@pytest.mark.spec("Loose objects")
def test_missing_object_raises_key_error(repo: Path) -> None:
    git(repo, "hash-object", "-w", "--stdin", stdin=b"present\n")
    with pytest.raises(KeyError):
        read_object(repo / ".git", EMPTY_BLOB)  # never written to this repository
    with pytest.raises(KeyError):
        read_object(repo / ".git", hash_object(b"absent\n"))


def write_loose(git_dir: Path, sha: str, stored: bytes) -> None:
    folder = git_dir / "objects" / sha[:2]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / sha[2:]).write_bytes(stored)


@pytest.mark.spec("Loose objects")
@pytest.mark.parametrize(
    "raw",
    [
        b"blob 5 hello",
        b"blub 5\0hello",
        b"Blob 5\0hello",
        b" 5\0hello",
        b"blob\0hello",
        b"blob x5\0hello",
        b"blob 05\0hello",
        b"blob +5\0hello",
        b"blob  5\0hello",
        b"blob 5\n\0hello",
        b"blob 0\n\0",
        b"blob 5\r\0hello",
        b"blob 5 \0hello",
        b"blob \t5\0hello",
        b"blob 1_1\0hello world",
    ],
    ids=[
        "no-nul",
        "unknown-type",
        "capital-type",
        "no-type",
        "no-size",
        "size-not-decimal",
        "size-leading-zero",
        "size-sign",
        "two-spaces",
        "trailing-newline",
        "empty-with-trailing-newline",
        "carriage-return",
        "trailing-space",
        "tab-before-size",
        "underscore-in-size",
    ],
)
def test_malformed_header_raises_value_error(repo: Path, raw: bytes) -> None:
    sha = "ab" * 20
    write_loose(repo / ".git", sha, zlib.compress(raw))
    # git refuses these too: `git cat-file -t` exits with an error for every one.
    run_git(repo, "cat-file", "-t", sha, ok=range(1, 256))
    with pytest.raises(ValueError):
        read_object(repo / ".git", sha)


@pytest.mark.spec("Loose objects")
@pytest.mark.parametrize(
    "raw",
    [b"blob 4\0hello", b"blob 6\0hello", b"tree 100\0"],
    ids=["size-too-small", "size-too-large", "empty-content"],
)
def test_size_mismatch_raises_value_error(repo: Path, raw: bytes) -> None:
    sha = "cd" * 20
    write_loose(repo / ".git", sha, zlib.compress(raw))
    with pytest.raises(ValueError):
        read_object(repo / ".git", sha)


@pytest.mark.spec("Loose objects")
def test_data_that_is_not_zlib_raises_value_error(repo: Path) -> None:
    sha = "ef" * 20
    write_loose(repo / ".git", sha, b"blob 5\0hello")  # stored uncompressed
    with pytest.raises(ValueError):
        read_object(repo / ".git", sha)


@pytest.mark.spec("Validation")
@pytest.mark.parametrize("case", SPACED_IDS)
def test_ids_with_whitespace_are_rejected_not_looked_up(repo: Path, case: str) -> None:
    """The blob exists, but an id with whitespace is not its name: git cat-file -t says
    "Not a valid object name", and read_object raises ValueError (not KeyError, and it does
    not find the object by stripping)."""
    run_git(repo, "hash-object", "-w", "--stdin", stdin=b"")
    sha = SPACED_IDS[case]
    run_git(repo, "cat-file", "-t", sha, ok=range(1, 256))
    with pytest.raises(ValueError):
        read_object(repo / ".git", sha)


@pytest.mark.spec("Validation")
@pytest.mark.parametrize(
    "sha",
    ["", "e69de29", EMPTY_BLOB + "0", "z" * 40, "../../../../etc/passwd"],
    ids=["empty", "abbreviated", "41-digits", "not-hex", "path"],
)
def test_malformed_id_raises_value_error(repo: Path, sha: str) -> None:
    with pytest.raises(ValueError):
        read_object(repo / ".git", sha)
