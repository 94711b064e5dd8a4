"""Tests for the merge base kata.

Hand-built graphs come from the diagrams of the git-merge-base manual page
(https://git-scm.com/docs/git-merge-base, DISCUSSION section), with the bases
it names. The randomised tests build each commit graph as a real repository
with ``git commit-tree`` and compare every answer with ``git merge-base --all``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from types import MappingProxyType

import pytest

from grader.kata_support import git as run_git
from merge_base import merge_base

Graph = dict[str, list[str]]


def git(repo: Path, *args: str, env: dict[str, str] | None = None, ok: Sequence[int] = (0,)) -> str:
    """Run git in ``repo`` (dates are set per commit, growing along the history)."""
    return run_git(repo, *args, env=env, ok=ok).decode()


def build_repository(repo: Path, parents: Graph) -> dict[str, str]:
    """Create one real commit per label (parents listed before children); label → commit id."""
    git(repo, "init", "-q", ".")
    tree = git(repo, "hash-object", "-w", "-t", "tree", "--stdin").strip()
    ids: dict[str, str] = {}
    for number, (label, commit_parents) in enumerate(parents.items()):
        date = f"{1_700_000_000 + 60 * number} +0000"
        env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        args = [arg for parent in commit_parents for arg in ("-p", ids[parent])]
        ids[label] = git(repo, "commit-tree", tree, *args, "-m", label, env=env).strip()
    return ids


def git_merge_bases(repo: Path, ids: dict[str, str], a: str, b: str) -> set[str]:
    """``git merge-base --all`` of two labels, mapped back to labels (exit 1: no base)."""
    label_of = {sha: label for label, sha in ids.items()}
    out = git(repo, "merge-base", "--all", ids[a], ids[b], ok=(0, 1))
    return {label_of[sha] for sha in out.split()}


def chain(labels: str | list[str], base: Graph | None = None, root: str | None = None) -> Graph:
    """Add a line of commits, each the parent of the next, on top of ``root``."""
    graph = dict(base or {})
    previous = root
    for label in labels:
        graph[label] = [previous] if previous else []
        previous = label
    return graph


# git-merge-base(1):
#
#                  o---o---o---B
#                 /
#         ---o---1---o---o---o---A
#
# "the merge base between A and B is 1".
# fmt: off
SIMPLE: Graph = {
    "r": [], "o": ["r"], "1": ["o"],
    "a1": ["1"], "a2": ["a1"], "a3": ["a2"], "A": ["a3"],
    "b1": ["1"], "b2": ["b1"], "b3": ["b2"], "B": ["b3"],
}

# git-merge-base(1):
#
#                o---o---o---o---o
#               /                 \
#              /   o---o---o---o---M
#             /   /
#         ---2---1---o---o---o---A
#
# "the result of `git merge-base A M` is 1. Commit 2 is also a common ancestor
# between A and M, but 1 is a better common ancestor, because 2 is an ancestor
# of 1. Hence, 2 is not a merge base." (M merges B, the last o before it, and
# C, the end of the upper line.) By the same diagram A and B meet at 1, and C
# meets A or B at 2.
THREE_BRANCHES: Graph = {
    "r": [], "2": ["r"], "1": ["2"],
    "a1": ["1"], "a2": ["a1"], "a3": ["a2"], "A": ["a3"],
    "b1": ["1"], "b2": ["b1"], "b3": ["b2"], "B": ["b3"],
    "c1": ["2"], "c2": ["c1"], "c3": ["c2"], "c4": ["c3"], "C": ["c4"],
    "M": ["B", "C"],
}

# git-merge-base(1), criss-cross merge:
#
#        ---1---o---A
#            \ /
#             X
#            / \
#        ---2---o---o---B
#
# "both 1 and 2 are merge-bases of A and B. Neither one is better than the
# other (both are best merge bases)."
CRISS_CROSS: Graph = {
    "r": [], "1": ["r"], "2": ["r"],
    "x": ["1", "2"], "A": ["x"],
    "y1": ["2", "1"], "y2": ["y1"], "B": ["y2"],
}
# fmt: on


@pytest.mark.spec("Best common ancestors")
@pytest.mark.parametrize(
    ("graph", "a", "b", "expected"),
    [
        (SIMPLE, "A", "B", {"1"}),
        (THREE_BRANCHES, "A", "M", {"1"}),
        (THREE_BRANCHES, "A", "B", {"1"}),
        (THREE_BRANCHES, "A", "C", {"2"}),
        (THREE_BRANCHES, "B", "C", {"2"}),
    ],
    ids=["simple", "A-M", "A-B", "A-C", "B-C"],
)
def test_man_page_examples(graph: Graph, a: str, b: str, expected: set[str]) -> None:
    assert merge_base(graph, a, b) == expected, (
        "only the best common ancestors: older common ones (2, o, ...) are their ancestors"
    )
    assert merge_base(graph, b, a) == expected, "merge_base must be symmetric in a and b"


@pytest.mark.spec("Criss-cross merges")
def test_man_page_criss_cross_has_two_bases() -> None:
    assert merge_base(CRISS_CROSS, "A", "B") == {"1", "2"}, (
        "after a criss-cross merge both 1 and 2 are best: neither is an ancestor of the other"
    )
    assert merge_base(CRISS_CROSS, "B", "A") == {"1", "2"}


@pytest.mark.spec("Criss-cross merges")
def test_criss_cross_without_shared_history() -> None:
    graph = {name: parents for name, parents in CRISS_CROSS.items() if name != "r"}
    graph["1"] = []
    graph["2"] = []
    assert merge_base(graph, "A", "B") == {"1", "2"}


@pytest.mark.spec("Criss-cross merges")
def test_three_best_bases() -> None:
    graph: Graph = {
        "r": [],
        "p": ["r"],
        "q": ["r"],
        "s": ["r"],
        "A": ["p", "q", "s"],
        "B": ["s", "p", "q"],
    }
    assert merge_base(graph, "A", "B") == {"p", "q", "s"}


@pytest.mark.spec("Criss-cross merges")
def test_criss_cross_matches_git(tmp_path: Path) -> None:
    ids = build_repository(tmp_path, CRISS_CROSS)
    assert git_merge_bases(tmp_path, ids, "A", "B") == {"1", "2"}, "git agrees with the man page"
    assert merge_base(CRISS_CROSS, "A", "B") == {"1", "2"}


@pytest.mark.spec("Best common ancestors")
def test_nearest_common_ancestor_by_distance_is_not_always_best() -> None:
    # b reaches r in one step, but x (two steps away) is common too and r is x's parent.
    graph: Graph = {"r": [], "x": ["r"], "a": ["x"], "y": ["x"], "b": ["r", "y"]}
    assert merge_base(graph, "a", "b") == {"x"}, (
        "best means 'not an ancestor of another common ancestor', not 'fewest steps away'"
    )


@pytest.mark.spec("Ancestors")
def test_linear_history() -> None:
    # git-merge-base(1): "compute the merge base between A and B, and check if it is the
    # same as A, in which case, A is an ancestor of B".
    graph = chain([f"c{i}" for i in range(10)])
    assert merge_base(graph, "c7", "c3") == {"c3"}, "c3 is an ancestor of c7, so it is the base"
    assert merge_base(graph, "c3", "c7") == {"c3"}
    assert merge_base(graph, "c9", "c0") == {"c0"}


@pytest.mark.spec("Ancestors")
@pytest.mark.parametrize("commit", ["r", "1", "x", "A", "B"])
def test_commit_with_itself(commit: str) -> None:
    assert merge_base(CRISS_CROSS, commit, commit) == {commit}, (
        "a commit is its own ancestor, so it is its own merge base"
    )


@pytest.mark.spec("Ancestors")
def test_ancestor_through_a_merge() -> None:
    graph: Graph = {"r": [], "x": ["r"], "y": ["r"], "m": ["x", "y"], "t": ["m"]}
    assert merge_base(graph, "x", "t") == {"x"}
    assert merge_base(graph, "t", "y") == {"y"}
    assert merge_base(graph, "x", "y") == {"r"}
    assert merge_base(graph, "m", "t") == {"m"}


@pytest.mark.spec("Unrelated histories")
def test_no_common_ancestor_gives_empty_set() -> None:
    graph: Graph = {"r1": [], "a": ["r1"], "r2": [], "b": ["r2"]}
    assert merge_base(graph, "a", "b") == set()
    assert merge_base(graph, "r1", "r2") == set()


@pytest.mark.spec("Unrelated histories")
def test_two_roots_joined_by_a_merge() -> None:
    graph: Graph = {"r1": [], "r2": [], "m": ["r1", "r2"], "a": ["r1"]}
    assert merge_base(graph, "a", "r2") == set()
    assert merge_base(graph, "m", "r2") == {"r2"}
    assert merge_base(graph, "m", "a") == {"r1"}


@pytest.mark.spec("Errors")
@pytest.mark.parametrize(("a", "b"), [("nope", "A"), ("A", "nope"), ("nope", "nope")])
def test_unknown_commit_raises_key_error(a: str, b: str) -> None:
    with pytest.raises(KeyError):
        merge_base(SIMPLE, a, b)


@pytest.mark.spec("API")
def test_accepts_any_mapping_of_sequences_and_returns_a_set() -> None:
    graph = MappingProxyType({name: tuple(parents) for name, parents in CRISS_CROSS.items()})
    result = merge_base(graph, "A", "B")
    assert isinstance(result, set), f"expected a set, got {type(result).__name__}"
    assert result == {"1", "2"}
    assert graph["x"] == ("1", "2"), "the graph must not be modified"


def random_history(rng: random.Random, size: int) -> Graph:
    """A DAG in creation order: mostly recent parents, some merges and octopuses, a few roots."""
    graph: Graph = {}
    for i in range(size):
        if i == 0 or rng.random() < 0.03:
            graph[f"n{i}"] = []
            continue
        count = rng.choices([1, 2, 3], weights=[5, 4, 1])[0]
        window = range(max(0, i - 16), i)
        graph[f"n{i}"] = [f"n{j}" for j in rng.sample(window, min(count, len(window)))]
    return graph


@pytest.mark.spec("Best common ancestors")
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_histories_match_git(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    graph = random_history(rng, 50)
    ids = build_repository(tmp_path, graph)
    labels = list(graph)[10:]  # past the first commits, where histories have grown tangled
    answers = []
    for _ in range(40):
        a, b = rng.choice(labels), rng.choice(labels)
        want = git_merge_bases(tmp_path, ids, a, b)
        answers.append(want)
        assert merge_base(graph, a, b) == want, f"git merge-base --all {a} {b} gives {want}"
    # The sample must include the interesting cases, or it proves little.
    assert any(len(want) > 1 for want in answers), "no criss-cross case in the sample"


@pytest.mark.spec("Unrelated histories")
def test_random_histories_with_unrelated_roots_match_git(tmp_path: Path) -> None:
    rng = random.Random(99)
    graph = random_history(rng, 30)
    graph.update({"s0": [], "s1": ["s0"], "s2": ["s1"], "s3": ["s2", "s0"]})
    ids = build_repository(tmp_path, graph)
    pairs = [("s3", "n29"), ("n0", "s2"), ("s3", "s1")]
    pairs += [(rng.choice(list(graph)), rng.choice(list(graph))) for _ in range(15)]
    answers = []
    for a, b in pairs:
        want = git_merge_bases(tmp_path, ids, a, b)
        answers.append(want)
        assert merge_base(graph, a, b) == want, f"git merge-base --all {a} {b} gives {want}"
    assert set() in answers, "the sample must include commits without common history"


@pytest.mark.spec("Constraints")
def test_deep_history_needs_no_recursion() -> None:
    # 20 000 commits in a line: a recursive walk exceeds Python's default recursion limit.
    labels = [f"c{i}" for i in range(20_000)]
    graph = chain(labels)
    graph = chain(["side1", "side2"], graph, root="c5")
    assert merge_base(graph, "c19999", "c0") == {"c0"}
    assert merge_base(graph, "side2", "c19999") == {"c5"}
