"""Tests for the bisect kata.

Every history is a real repository, written with ``git fast-import``: each
commit's tree holds a file ``verdict`` saying ``good``, ``bad`` or ``skip``.
The truth is what ``git bisect run`` reports on the same repository, with a
script that exits 0, 1 or 125 on that verdict (git-bisect(1), "Bisect run");
the tests compare the first bad commit, or the list git prints after "The
first bad commit could be any of:", with the answer of ``first_bad``.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from git_bisect import Result, first_bad
from grader.kata_support import git as run_git
from grader.kata_support import remembered, remembered_folder

Graph = dict[str, list[str]]
VERDICTS = {"good": False, "bad": True, "skip": None}
RUN_SCRIPT = 'v=$(cat verdict); [ "$v" = skip ] && exit 125; [ "$v" = bad ] && exit 1; exit 0\n'


def git(repo: Path, *args: str, ok: Sequence[int] = (0,)) -> str:
    return run_git(repo, *args, ok=ok).decode()


def build(repo: Path, parents: Graph, verdict: dict[str, str]) -> dict[str, str]:
    """One commit per label (parents first), with its verdict file; label → commit id.

    The last label is ``main``, checked out; every label is also a tag.
    """

    def make(path: Path) -> dict[str, str]:
        return _build(path, parents, verdict)

    return remembered_folder("git fast-import", [parents, verdict], make, repo)


def _build(repo: Path, parents: Graph, verdict: dict[str, str]) -> dict[str, str]:
    repo.mkdir()
    git(repo, "init", "-q", ".")
    mark = {label: n for n, label in enumerate(parents, 1)}
    stream: list[str] = []
    for label, commit_parents in parents.items():
        body = verdict[label] + "\n"
        stream += [
            "commit refs/heads/main",
            f"mark :{mark[label]}",
            f"committer Ada Lovelace <ada@example.com> {1_700_000_000 + 60 * mark[label]} +0000",
            f"data {len(label)}",
            label,
        ]
        if commit_parents:
            stream.append(f"from :{mark[commit_parents[0]]}")
            stream += [f"merge :{mark[p]}" for p in commit_parents[1:]]
        else:
            stream.insert(len(stream) - 5, "reset refs/heads/main")
        stream += ["deleteall", "M 100644 inline verdict", f"data {len(body)}", body]
        stream += [f"reset refs/tags/{label}", f"from :{mark[label]}", ""]
    marks = repo / ".git" / "marks"
    run_git(
        repo, "fast-import", "--quiet", f"--export-marks={marks}", stdin="\n".join(stream).encode()
    )
    by_mark = dict(line.split() for line in marks.read_text().splitlines())
    ids = {label: by_mark[f":{n}"] for label, n in mark.items()}
    git(repo, "checkout", "-q", "-f", "main")
    return ids


def git_bisect_run(repo: Path, bad: str, goods: Sequence[str]) -> set[str]:
    """What ``git bisect run`` reports: {first bad} or the commits it could be any of.

    A commit id names its whole history, verdicts included, so the ids are the question.
    """

    def run() -> list[str]:
        script = repo.parent / "verdict.sh"
        script.write_text(RUN_SCRIPT)
        git(repo, "bisect", "start", bad, *goods)
        out = git(repo, "bisect", "run", "sh", str(script), ok=range(256))
        git(repo, "bisect", "reset")
        found = re.search(r"^([0-9a-f]{40}) is the first bad commit", out, re.M)
        if found:
            return [found.group(1)]
        listed = out.split("could be any of:")[1].split("We cannot bisect more")[0]
        return sorted(listed.split())

    return set(remembered("git bisect run", [bad, list(goods)], run))


class Probe:
    """``is_bad`` from the verdicts; records every commit it is asked about.

    Given the graph, it also follows the candidates as the spec shrinks them
    and checks that each probe is one of them, not the known-bad commit, and
    not skipped before.
    """

    def __init__(
        self,
        ids: dict[str, str],
        verdict: dict[str, str],
        graph: Graph | None = None,
        bad: str = "",
        goods: Sequence[str] = (),
    ) -> None:
        self.verdict = {ids[label]: verdict[label] for label in ids}
        self.calls: list[str] = []
        self.label = {commit: label for label, commit in ids.items()}
        self.graph = graph
        if graph is not None:
            reached = set().union(*(ancestors(graph, g) for g in goods))
            self.alive = ancestors(graph, bad) - reached
            self.known_bad, self.skipped = bad, set()

    def __call__(self, commit: str) -> bool | None:
        assert commit in self.verdict, f"is_bad got {commit!r}: pass full 40-hex commit ids"
        self.calls.append(commit)
        answer = VERDICTS[self.verdict[commit]]
        if self.graph is not None:
            label = self.label[commit]
            assert label in self.alive, f"{label} is not a candidate any more: never probe it"
            assert label != self.known_bad and label not in self.skipped, f"{label} was known"
            if answer is None:
                self.skipped.add(label)
            elif answer:
                self.alive &= ancestors(self.graph, label)
                self.known_bad = label
            else:
                self.alive -= ancestors(self.graph, label)
        return answer


def linear(
    n: int, first_bad_at: int, skips: set[int] = frozenset()
) -> tuple[Graph, dict[str, str]]:
    """c0 (good) … c{n}: bad from c{first_bad_at}; skipped commits say skip."""
    graph: Graph = {f"c{i}": [f"c{i - 1}"] if i else [] for i in range(n + 1)}
    verdict = {}
    for i in range(n + 1):
        verdict[f"c{i}"] = "skip" if i in skips else ("bad" if i >= first_bad_at else "good")
    return graph, verdict


def ancestors(graph: Graph, start: str) -> set[str]:
    seen, stack = {start}, [start]
    while stack:
        for parent in graph[stack.pop()]:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def check_probes(result: Result, probe: Probe, candidates: set[str], known: Sequence[str]) -> None:
    assert result.probes == len(probe.calls), "probes is the number of calls to is_bad"
    assert len(set(probe.calls)) == len(probe.calls), f"a commit was probed twice: {probe.calls}"
    assert not set(probe.calls) & set(known), "bad and the good commits are never probed"
    assert set(probe.calls) <= candidates, "only candidates are probed"


# --- Bisection -------------------------------------------------------------


@pytest.mark.spec("Bisection")
@pytest.mark.parametrize(
    "at", [1, 2, 4, 7, 8], ids=["first", "second", "middle", "last-but-one", "bad-itself"]
)
def test_linear_history_matches_git_bisect_run(tmp_path: Path, at: int) -> None:
    graph, verdict = linear(8, at)
    ids = build(tmp_path / "repo", graph, verdict)
    probe = Probe(ids, verdict)
    result = first_bad(tmp_path / "repo", ids["c0"], ids["c8"], probe)
    want = git_bisect_run(tmp_path / "repo", ids["c8"], [ids["c0"]])
    assert {result.commit} == want, "git bisect run reports another first bad commit"
    assert result.commit == ids[f"c{at}"]
    assert result.candidates == {ids[f"c{at}"]}, "once found, the candidates are {commit}"


@pytest.mark.spec("Bisection")
def test_bad_parent_is_good_needs_no_probe(tmp_path: Path) -> None:
    graph, verdict = linear(1, 1)
    ids = build(tmp_path / "repo", graph, verdict)
    probe = Probe(ids, verdict)
    result = first_bad(tmp_path / "repo", "c0", "c1", probe)
    assert result == Result(ids["c1"], frozenset({ids["c1"]}), 0), (
        "bad's only parent is good: bad is the first bad commit, without a probe"
    )


@pytest.mark.spec("Bisection")
@pytest.mark.parametrize("seed", range(2), ids=[f"seed{s}" for s in range(2)])
def test_random_linear_histories_match_git(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    for case in range(3):
        n = rng.randint(2, 40)
        graph, verdict = linear(n, rng.randint(1, n))
        repo = tmp_path / f"repo{case}"
        ids = build(repo, graph, verdict)
        probe = Probe(ids, verdict)
        result = first_bad(repo, ids["c0"], ids[f"c{n}"], probe)
        assert {result.commit} == git_bisect_run(repo, ids[f"c{n}"], [ids["c0"]])
        check_probes(result, probe, set(ids.values()) - {ids["c0"]}, [ids["c0"], ids[f"c{n}"]])


# --- Probes ----------------------------------------------------------------


@pytest.mark.spec("Probes")
@pytest.mark.parametrize("n", [2, 3, 5, 16, 17, 63, 64, 100])
def test_at_most_ceil_log2_probes_on_a_line(tmp_path: Path, n: int) -> None:
    ids = None  # one repository; only the verdicts is_bad answers change
    for at in sorted({1, n // 3 + 1, n // 2 + 1, n - 1, n}):
        graph, verdict = linear(n, at)
        if ids is None:
            ids = build(tmp_path / "repo", graph, verdict)
        probe = Probe(ids, verdict)
        result = first_bad(tmp_path / "repo", "c0", "main", probe)
        assert result.commit == ids[f"c{at}"]
        check_probes(result, probe, set(ids.values()) - {ids["c0"]}, [ids["c0"], ids[f"c{n}"]])
        assert result.probes <= math.ceil(math.log2(n)), (
            f"{n} candidates need at most ceil(log2 {n}) = {math.ceil(math.log2(n))} probes"
        )


@pytest.mark.spec("Probes")
def test_probes_only_candidates_above_the_good_commit(tmp_path: Path) -> None:
    graph, verdict = linear(30, 25)
    ids = build(tmp_path / "repo", graph, verdict)
    probe = Probe(ids, verdict)
    result = first_bad(tmp_path / "repo", "c20", "main", probe)
    assert result.commit == ids["c25"]
    candidates = {ids[f"c{i}"] for i in range(21, 31)}
    check_probes(result, probe, candidates, [ids["c20"], ids["c30"]])
    assert result.probes <= 4, "10 candidates (c21…c30): at most 4 probes"


# --- Skips -----------------------------------------------------------------


@pytest.mark.spec("Skips")
def test_readme_example_skip_leaves_it_open(tmp_path: Path) -> None:
    graph, verdict = linear(7, 4, {4})
    ids = build(tmp_path / "repo", graph, verdict)
    probe = Probe(ids, verdict)
    result = first_bad(tmp_path / "repo", "c0", "main", probe)
    want = git_bisect_run(tmp_path / "repo", ids["c7"], [ids["c0"]])
    assert want == {ids["c4"], ids["c5"]}
    assert result.commit is None, "c4 cannot be tested: c4 or c5 may be first, undecided"
    assert result.candidates == want, "the candidates are the skipped c4 and the known-bad c5"
    assert result.probes == len(probe.calls)


@pytest.mark.spec("Skips")
def test_skip_away_from_the_bug_is_stepped_around(tmp_path: Path) -> None:
    graph, verdict = linear(16, 11, {8})
    ids = build(tmp_path / "repo", graph, verdict)
    probe = Probe(ids, verdict)
    result = first_bad(tmp_path / "repo", "c0", "main", probe)
    assert ids["c8"] in probe.calls, "the best split, c8, is probed first"
    assert result.commit == ids["c11"], "c8 is untestable, but the neighbours decide"
    assert result.candidates == {ids["c11"]}
    assert result.probes <= 4 + 1, "16 candidates and one skip: at most 5 probes"


@pytest.mark.spec("Skips")
def test_skipped_first_bad_and_its_parent(tmp_path: Path) -> None:
    graph, verdict = linear(12, 6, {5, 6, 7})
    ids = build(tmp_path / "repo", graph, verdict)
    probe = Probe(ids, verdict)
    result = first_bad(tmp_path / "repo", "c0", "main", probe)
    want = git_bisect_run(tmp_path / "repo", ids["c12"], [ids["c0"]])
    assert want == {ids[f"c{i}"] for i in (5, 6, 7, 8)}
    assert (result.commit, result.candidates) == (None, want)


@pytest.mark.spec("Skips")
def test_every_commit_skipped(tmp_path: Path) -> None:
    graph, verdict = linear(5, 3, {1, 2, 3, 4})
    ids = build(tmp_path / "repo", graph, verdict)
    probe = Probe(ids, verdict)
    result = first_bad(tmp_path / "repo", "c0", "main", probe)
    assert result.commit is None
    assert result.candidates == {ids[f"c{i}"] for i in range(1, 6)}
    assert sorted(probe.calls) == sorted(ids[f"c{i}"] for i in range(1, 5)), (
        "each skipped commit is probed once, and the others are tried in turn"
    )
    assert result.probes == 4


@pytest.mark.spec("Skips")
@pytest.mark.parametrize("seed", range(3), ids=[f"seed{s}" for s in range(3)])
def test_random_skips_match_git(tmp_path: Path, seed: int) -> None:
    rng = random.Random(100 + seed)
    for case in range(3):
        n = rng.randint(3, 40)
        skips = {i for i in range(1, n) if rng.random() < 0.25}
        graph, verdict = linear(n, rng.randint(1, n), skips)
        repo = tmp_path / f"repo{case}"
        ids = build(repo, graph, verdict)
        probe = Probe(ids, verdict, graph, f"c{n}", ["c0"])
        result = first_bad(repo, "c0", "main", probe)
        want = git_bisect_run(repo, ids[f"c{n}"], [ids["c0"]])
        if len(want) == 1:
            assert (result.commit, result.candidates) == (next(iter(want)), want)
        else:
            assert (result.commit, result.candidates) == (None, want)
        check_probes(result, probe, set(ids.values()) - {ids["c0"]}, [ids["c0"], ids[f"c{n}"]])
        skipped = sum(probe.verdict[c] == "skip" for c in probe.calls)
        assert result.probes <= math.ceil(math.log2(n)) + skipped, (
            f"{n} candidates: at most ceil(log2 n) probes, plus one per skip ({skipped})"
        )


# --- Merges ----------------------------------------------------------------

# c0 - m1 - m2 ------------ M - m3      (main)
#        \                 /
#         s1 - s2 - s3 - s4             (side: the bug is s2)
# fmt: off
SIDE: Graph = {
    "c0": [], "m1": ["c0"], "s1": ["m1"], "s2": ["s1"], "s3": ["s2"], "s4": ["s3"],
    "m2": ["m1"], "M": ["m2", "s4"], "m3": ["M"],
}
# fmt: on


def verdicts_for(graph: Graph, bug: str, skips: set[str] = frozenset()) -> dict[str, str]:
    return {
        c: "skip" if c in skips else ("bad" if bug in ancestors(graph, c) else "good")
        for c in graph
    }


@pytest.mark.spec("Merges")
@pytest.mark.parametrize("bug", ["s2", "s1", "s4", "m2", "M", "m3"])
def test_bug_on_a_side_branch(tmp_path: Path, bug: str) -> None:
    verdict = verdicts_for(SIDE, bug)
    ids = build(tmp_path / "repo", SIDE, verdict)
    probe = Probe(ids, verdict, SIDE, "m3", ["c0"])
    result = first_bad(tmp_path / "repo", "c0", "m3", probe)
    assert {result.commit} == git_bisect_run(tmp_path / "repo", ids["m3"], [ids["c0"]])
    assert result.commit == ids[bug], "ancestors follow every parent of a merge, not only the first"
    check_probes(result, probe, set(ids.values()) - {ids["c0"]}, [ids["c0"], ids["m3"]])


@pytest.mark.spec("Merges")
def test_bad_merge_of_good_parents(tmp_path: Path) -> None:
    verdict = verdicts_for(SIDE, "M")
    ids = build(tmp_path / "repo", SIDE, verdict)
    probe = Probe(ids, verdict)
    result = first_bad(tmp_path / "repo", ["m2", "s4"], "m3", probe)
    assert result.commit == ids["M"]
    assert result.probes == 1, "with both parents of M good, M (probed) and m3 are the candidates"


@pytest.mark.spec("Merges")
def test_several_good_commits(tmp_path: Path) -> None:
    verdict = verdicts_for(SIDE, "m2")
    ids = build(tmp_path / "repo", SIDE, verdict)
    probe = Probe(ids, verdict)
    result = first_bad(tmp_path / "repo", [ids["c0"], ids["s4"]], ids["m3"], probe)
    want = git_bisect_run(tmp_path / "repo", ids["m3"], [ids["c0"], ids["s4"]])
    assert {result.commit} == want == {ids["m2"]}
    check_probes(result, probe, {ids["m2"], ids["M"], ids["m3"]}, [ids["c0"], ids["s4"], ids["m3"]])


# Three branches that merge each other. With the bug in c1, once a probe finds
# a bad commit that c9 does not reach, c9 is no longer a candidate, yet it
# still reaches a fair share of those left: it would split them well, and
# must not be probed.
# fmt: off
CROSSED: Graph = {
    "c0": [], "c1": ["c0"], "c2": ["c0"], "c3": ["c2"], "c4": ["c0", "c3"], "c5": ["c3", "c1"],
    "c6": ["c5"], "c7": ["c4"], "c8": ["c6"], "c9": ["c7", "c1"], "c10": ["c1"], "c11": ["c8"],
    "c12": ["c9"], "M": ["c11", "c12", "c10"],
}
# fmt: on


@pytest.mark.spec("Probes")
@pytest.mark.parametrize("bug", ["c1", "c8", "c5"])
def test_never_probes_a_commit_that_left_the_candidates(tmp_path: Path, bug: str) -> None:
    verdict = verdicts_for(CROSSED, bug)
    ids = build(tmp_path / "repo", CROSSED, verdict)
    probe = Probe(ids, verdict, CROSSED, "M", ["c0"])
    result = first_bad(tmp_path / "repo", "c0", "M", probe)
    assert result.commit == ids[bug]


# Two merges of c3 into lines that carry c1. With the bug in c1, the first
# probe, c8, is bad: the candidates shrink to what c8 reaches (c8, c6, c4, c3,
# c1). c5 is no longer one, but it reaches c3 and, through c2, c1: two of the
# five, as good a split as c4's. git lists c5 before c8 (rev-list
# --topo-order, reversed: every commit after its parents), so a search that
# looks at every commit listed before the known-bad one, rather than at the
# candidates, probes c5.
# fmt: off
FORKED: Graph = {
    "c0": [], "c1": ["c0"], "c2": ["c0", "c1"], "c3": ["c0"], "c4": ["c1"], "c5": ["c2", "c3"],
    "c6": ["c4", "c3"], "c7": ["c3"], "c8": ["c6"], "c9": ["c7"], "M": ["c5", "c8", "c9"],
}
# fmt: on


@pytest.mark.spec("Probes")
@pytest.mark.parametrize("bug", ["c1", "c4", "c3"])
def test_never_probes_a_listed_commit_that_left_the_candidates(tmp_path: Path, bug: str) -> None:
    verdict = verdicts_for(FORKED, bug)
    ids = build(tmp_path / "repo", FORKED, verdict)
    probe = Probe(ids, verdict, FORKED, "M", ["c0"])
    result = first_bad(tmp_path / "repo", "c0", "M", probe)
    assert {result.commit} == git_bisect_run(tmp_path / "repo", ids["M"], [ids["c0"]])
    assert result.commit == ids[bug]
    check_probes(result, probe, set(ids.values()) - {ids["c0"]}, [ids["c0"], ids["M"]])


def random_dag(rng: random.Random, size: int) -> Graph:
    """Three branches off c0 that commit and merge each other at random; M merges all."""
    graph: Graph = {"c0": []}
    tips = ["c0", "c0", "c0"]
    for i in range(1, size):
        branch = rng.randrange(3)
        other = rng.randrange(3)
        label = f"c{i}"
        if other != branch and tips[other] != tips[branch] and rng.random() < 0.3:
            graph[label] = [tips[branch], tips[other]]
        else:
            graph[label] = [tips[branch]]
        tips[branch] = label
    graph["M"] = list(dict.fromkeys(tips))
    return graph


@pytest.mark.spec("Merges")
@pytest.mark.parametrize("seed", range(3), ids=[f"seed{s}" for s in range(3)])
def test_random_merge_histories_match_git(tmp_path: Path, seed: int) -> None:
    rng = random.Random(200 + seed)
    for case in range(3):
        graph = random_dag(rng, rng.randint(8, 40))
        bug = rng.choice([c for c in graph if c != "c0"])
        unsure = {bug, *graph[bug], "M"}
        skips = {c for c in graph if c not in unsure and rng.random() < 0.15}
        goods = ["c0"] + [c for c in graph if bug not in ancestors(graph, c) and rng.random() < 0.1]
        verdict = verdicts_for(graph, bug, skips)
        repo = tmp_path / f"repo{case}"
        ids = build(repo, graph, verdict)
        good_ids = list(dict.fromkeys(ids[g] for g in goods))
        probe = Probe(ids, verdict, graph, "M", goods)
        result = first_bad(repo, good_ids, "main", probe)
        want = git_bisect_run(repo, ids["M"], good_ids)
        assert want == {ids[bug]}
        assert (result.commit, result.candidates) == (ids[bug], want)
        reached = set().union(*(ancestors(graph, g) for g in goods))
        candidates = {ids[c] for c in ancestors(graph, "M") - reached}
        check_probes(result, probe, candidates, [*good_ids, ids["M"]])


# --- The repository --------------------------------------------------------


@pytest.mark.spec("The repository")
def test_repository_is_left_as_it_was(tmp_path: Path) -> None:
    graph, verdict = linear(20, 9, {4})
    repo = tmp_path / "repo"
    ids = build(repo, graph, verdict)

    def state() -> tuple[str, ...]:
        return (
            git(repo, "rev-parse", "HEAD"),
            git(repo, "symbolic-ref", "HEAD"),
            git(repo, "for-each-ref"),
            git(repo, "status", "--porcelain"),
            git(repo, "bisect", "log", ok=(0, 1, 128)),
        )

    before = state()
    result = first_bad(repo, "c0", "main", Probe(ids, verdict))
    assert result.commit == ids["c9"]
    assert state() == before, "first_bad must not check out, start a bisection or add refs"


# --- Errors ----------------------------------------------------------------


@pytest.mark.spec("Errors")
@pytest.mark.parametrize(
    ("good", "bad"),
    [
        ([], "main"),
        ("c0", "no-such-branch"),
        ("nope", "main"),
        (["c0", "0" * 40], "main"),
        ("c5", "c5"),
        ("c6", "c5"),
        ("x1", "c5"),
        (["c0", "x1"], "c5"),
    ],
    ids=[
        "no-good",
        "unknown-bad",
        "unknown-good",
        "missing-id",
        "bad-is-good",
        "good-after-bad",
        "unrelated",
        "one-unrelated",
    ],
)
def test_errors(tmp_path: Path, good: str | list[str], bad: str) -> None:
    graph, verdict = linear(6, 3)
    graph.update({"x0": [], "x1": ["x0"]})
    verdict.update({"x0": "good", "x1": "good"})
    ids = build(tmp_path / "repo", graph, verdict)
    probe = Probe(ids, verdict)
    with pytest.raises(ValueError):
        first_bad(tmp_path / "repo", good, bad, probe)
    assert probe.calls == [], "errors are found before any probe"


@pytest.mark.spec("Errors")
def test_is_bad_exception_propagates(tmp_path: Path) -> None:
    graph, verdict = linear(6, 3)
    ids = build(tmp_path / "repo", graph, verdict)

    def broken(commit: str) -> bool:
        raise RuntimeError("the build is broken")

    with pytest.raises(RuntimeError, match="the build is broken"):
        first_bad(tmp_path / "repo", ids["c0"], ids["c6"], broken)


# --- API -------------------------------------------------------------------


@pytest.mark.spec("API")
def test_revisions_and_result(tmp_path: Path) -> None:
    graph, verdict = linear(10, 6)
    repo = tmp_path / "repo"
    ids = build(repo, graph, verdict)
    result = first_bad(str(repo), "main~10", "main", Probe(ids, verdict))
    assert isinstance(result, Result)
    assert result.commit == ids["c6"], "revisions like main~10 resolve to commits"
    assert isinstance(result.candidates, frozenset)
    with pytest.raises((AttributeError, TypeError)):
        result.commit = "x"  # type: ignore[misc]
