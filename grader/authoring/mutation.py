"""Mutation testing of the reference solutions: do the kata's tests bite?

Each reference is mutated with Cosmic Ray's operators (a comparison flipped, a
number nudged, a condition negated, a loop skipped, …), one mutation per
mutant. Every mutant runs in a host that started pytest once
(:mod:`grader.authoring.mutant_host`), one host per core, and its run stops at
the first failing test. A mutant
is *killed* when any test fails (a timeout or a crash counts), and *survives*
when every test passes.

A survivor is either killed by a new test or recorded, with a reason, in
``solutions/<slug>/equivalent-mutants.toml``::

    [[mutant]]
    operator = "core/ReplaceComparisonOperator_GtE_Gt"
    line = "if now >= expires_at:"      # the reference's line, stripped
    mutant = "if now > expires_at:"     # the same line after the mutation
    kind = "equivalent"                 # or "tolerated"
    reason = "now == expires_at is never observable: the clock is frozen between calls"

``equivalent`` mutants behave exactly like the reference and leave the score's
denominator; ``tolerated`` ones differ only where the spec deliberately leaves
the behaviour open (or only in speed) and count as survivors. The score is
killed / (mutants − equivalent); a kata passes at :data:`TARGET` with no
unrecorded survivor.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import difflib
import hashlib
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from unittest import mock

from grader.authoring.mutant_host import HostError, MutantRun, run_mutants
from grader.core.catalog import Kata, load_catalog, tomllib
from grader.core.files import files_digest, read_json_object, write_atomic
from grader.core.results import collect
from grader.core.runner import Runner, RunOutcome, make_scratch, preload, remove_scratch
from grader.core.runs import shared_bytecode
from grader.core.selection import select
from grader.core.worker import Job
from grader.render.terminal import LiveProgress

TARGET = 0.95
"""The share of non-equivalent mutants every kata's tests must kill."""

COVERAGE_SLACK = 3.0
"""The reference's coverage run gets this many times the kata's time limits: coverage.py
traces every line. (The limits are CPU time, so a busy machine needs no slack.)"""

ORACLE_CACHE = "KATA_ORACLE_CACHE"
"""Where the tests keep real programs' answers for every mutant (grader.kata_support.remembered)."""

MUTANT_SLACK = 5.0
MUTANT_FLOOR = 1.0
"""A mutant's test may take MUTANT_SLACK times what the reference's took under coverage
(never less than MUTANT_FLOOR seconds, never more than the kata's own limit): a mutant that
loops forever is stopped in seconds, not at the kata's limit."""

RECORD = "equivalent-mutants.toml"
KINDS = ("equivalent", "tolerated")

SCORE_FILE = "mutation.json"
"""Each kata's last mutation verdict, beside its reference, with the digest of what it judged:
the reference, the tests, ``kata.toml`` and the recorded survivors. ``--changed`` runs only
the katas whose files no longer match their verdict, and the suite fails on a stale one."""


@dataclass(frozen=True)
class Mutant:
    """One mutation of a reference: where, by which operator, and the code it makes."""

    operator: str
    occurrence: int
    lineno: int
    end_lineno: int
    statement: tuple[int, ...]  # the lines coverage credits the enclosing statement to
    line: str  # the reference's first changed line, stripped
    mutated: str  # that line after the mutation, stripped
    code: str

    @property
    def key(self) -> tuple[str, str]:
        return self.line, self.mutated

    def diff(self, original: str, name: str) -> str:
        return "".join(
            difflib.unified_diff(
                original.splitlines(keepends=True),
                self.code.splitlines(keepends=True),
                f"a/{name}",
                f"b/{name}",
                n=1,
            )
        )


@dataclass(frozen=True)
class Recorded:
    """A survivor the kata's author has explained."""

    operator: str
    line: str
    mutant: str
    kind: str
    reason: str

    @property
    def key(self) -> tuple[str, str]:
        return self.line, self.mutant


@dataclass
class KataMutation:
    """The mutation verdict of one kata."""

    slug: str
    mutants: int = 0
    killed: int = 0
    timed_out: int = 0  # killed by a timeout (counted in killed too)
    equivalent: int = 0
    tolerated: int = 0
    survivors: list[dict] = field(default_factory=list)  # unrecorded: operator, line, diff
    stale: list[dict] = field(default_factory=list)  # recorded entries no mutant matches
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def score(self) -> float:
        scored = self.mutants - self.equivalent
        return self.killed / scored if scored else 1.0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.survivors and self.score >= TARGET


def _operators() -> Iterator[tuple[str, Any]]:  # Cosmic Ray has no type information
    """Cosmic Ray's core operators that need no configuration."""
    import cosmic_ray.plugins

    for name in sorted(cosmic_ray.plugins.operator_names()):
        operator_class = cosmic_ray.plugins.get_operator(name)
        if not operator_class.arguments():
            yield name, operator_class()


def _annotation_spans(tree: ast.Module) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where the type annotations are, as ((line, column), (end line, end column))."""
    spans = []
    for node in ast.walk(tree):
        annotations = []
        if isinstance(node, ast.arg):
            annotations.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            annotations.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
        for a in annotations:
            if a is not None:
                assert a.end_lineno is not None and a.end_col_offset is not None  # ast.parse's
                spans.append(((a.lineno, a.col_offset), (a.end_lineno, a.end_col_offset)))
    return spans


def _statement_lines(statements: list[ast.stmt], first: int, last: int) -> tuple[int, ...]:
    """Where coverage records the innermost statement spanning lines ``first``–``last``.

    coverage.py credits a statement that spans several lines (a call, a
    signature) to its first line, and a decorated definition to its decorators
    too, so a mutation on a later line is found there.
    """

    def start(s: ast.stmt) -> int:
        return min([s.lineno, *(d.lineno for d in getattr(s, "decorator_list", []))])

    around = [s for s in statements if start(s) <= first and last <= (s.end_lineno or s.lineno)]
    if not around:
        return ()
    inner = min(around, key=lambda s: (s.end_lineno or s.lineno) - start(s))
    decorators = getattr(inner, "decorator_list", [])
    return (inner.lineno, *(d.lineno for d in decorators))


def _line_starts(source: str) -> list[int]:
    starts = [0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def _mutations(source: str) -> Iterator[tuple[str, int, str, tuple, tuple]]:
    """(operator, occurrence, mutated source, start, end) for each of Cosmic Ray's mutations.

    Cosmic Ray's own ``mutate_code`` parses the whole module again for every
    mutant; here the module is parsed once, each operator mutates a copy of
    just its node, and the node's new text is spliced into the source. The
    occurrences are numbered as Cosmic Ray numbers them.
    """
    from cosmic_ray.ast import ast_nodes, get_ast

    nodes = list(ast_nodes(get_ast(source)))
    starts = _line_starts(source)
    for name, operator in _operators():
        occurrence = 0
        for node in nodes:
            for index, _ in enumerate(operator.mutation_positions(node)):
                occurrence += 1
                clone = copy.deepcopy(node, memo={id(node.parent): node.parent})
                try:
                    new = operator.mutate(clone, index)
                except Exception:  # an operator that cannot handle this node's form
                    continue
                (line0, col0), (line1, col1) = node.start_pos, node.end_pos
                if new is None:  # the node is removed, with its line's indentation
                    begin, text = starts[line0 - 1], ""
                else:
                    begin, text = starts[line0 - 1] + col0, new.get_code(include_prefix=False)
                end = starts[line1 - 1] + col1
                code = source[:begin] + text + source[end:]
                yield name, occurrence - 1, code, node.start_pos, node.end_pos


def mutants_of(source: str) -> list[Mutant]:
    """Every distinct, compilable single mutation of ``source``.

    Mutations that only touch type annotations are left out: with
    ``from __future__ import annotations`` they are strings no test can see.
    """
    original = source.splitlines()
    tree = ast.parse(source)
    annotations = _annotation_spans(tree)
    statements = [n for n in ast.walk(tree) if isinstance(n, ast.stmt)]
    seen = {hashlib.sha256(source.encode()).hexdigest()}
    found: list[Mutant] = []
    for name, occurrence, code, start, end in _mutations(source):
        # parso columns are ast's (both count from 0 in the line's text)
        if any(a <= start and end <= b for a, b in annotations):
            continue
        digest = hashlib.sha256(code.encode()).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compile(code, "<mutant>", "exec")
        except (SyntaxError, ValueError):
            continue  # an incompetent mutant: not a program at all
        lineno = start[0]
        mutated_lines = code.splitlines()
        mutated = mutated_lines[lineno - 1] if lineno <= len(mutated_lines) else ""
        line = original[lineno - 1].strip()
        statement = _statement_lines(statements, lineno, end[0])
        found.append(
            Mutant(name, occurrence, lineno, end[0], statement, line, mutated.strip(), code)
        )
    return found


def load_recorded(kata: Kata) -> tuple[list[Recorded], list[str]]:
    """The kata's recorded survivors, and any problems with the file."""
    path = kata.solution_dir / RECORD
    if not path.is_file():
        return [], []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        return [], [f"{path.name}: {exc}"]
    entries: list[Recorded] = []
    problems: list[str] = []
    unknown = set(data) - {"mutant"}
    if unknown:
        problems.append(f"{path.name}: unknown keys {sorted(unknown)}")
    for i, entry in enumerate(data.get("mutant", [])):
        where = f"{path.name}: mutant {i + 1}"
        keys = {"operator", "line", "mutant", "kind", "reason"}
        if set(entry) != keys:
            problems.append(f"{where}: needs exactly the keys {sorted(keys)}")
            continue
        if entry["kind"] not in KINDS:
            problems.append(f"{where}: kind must be one of {KINDS}")
            continue
        if not str(entry["reason"]).strip():
            problems.append(f"{where}: give a reason")
            continue
        entries.append(Recorded(**{k: str(v) for k, v in entry.items()}))
    return entries, problems


def score_key(kata: Kata) -> str:
    """The digest of the files a kata's mutation verdict depends on."""
    return files_digest(
        (kata.reference, kata.test_file, kata.dir / "kata.toml", kata.solution_dir / RECORD)
    )


def load_score(kata: Kata) -> dict[str, Any] | None:
    """The kata's recorded mutation verdict (``solutions/<slug>/mutation.json``), if any."""
    return read_json_object(kata.solution_dir / SCORE_FILE)


def is_current(kata: Kata) -> bool:
    """Whether the kata has a recorded verdict, and it judged the kata's present files."""
    saved = load_score(kata)
    return saved is not None and saved.get("key") == score_key(kata)


def save_score(kata: Kata, verdict: KataMutation) -> None:
    """Record a finished kata's verdict beside its reference."""
    from importlib.metadata import version

    saved = {
        "key": score_key(kata),
        "cosmic_ray": version("cosmic-ray"),
        "mutants": verdict.mutants,
        "killed": verdict.killed,
        "timed_out": verdict.timed_out,
        "equivalent": verdict.equivalent,
        "tolerated": verdict.tolerated,
        "survivors": len(verdict.survivors),
        "score": round(verdict.score, 4),
        "ok": verdict.ok,
        "seconds": round(verdict.seconds, 1),
    }
    write_atomic(kata.solution_dir / SCORE_FILE, json.dumps(saved, indent=1) + "\n")


def _toml_entry(mutant: Mutant) -> str:
    def quote(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    return (
        "[[mutant]]\n"
        f"operator = {quote(mutant.operator)}\n"
        f"line = {quote(mutant.line)}\n"
        f"mutant = {quote(mutant.mutated)}\n"
        'kind = "equivalent"  # or "tolerated"\n'
        'reason = ""\n'
    )


def stale_katas(root: Path, slugs: Sequence[str] = ()) -> list[Kata]:
    """The named katas (all when empty) whose recorded verdict is missing or stale."""
    return [t.kata for t in select(load_catalog(root), slugs) if not is_current(t.kata)]


def mutate_katas(
    root: Path,
    slugs: Sequence[str] = (),
    jobs: int | None = None,
    echo=print,
    katas: Sequence[Kata] | None = None,
) -> list[KataMutation]:
    """Mutation verdicts of the named katas (all when empty), each recorded beside its reference."""
    if katas is None:
        katas = [t.kata for t in select(load_catalog(root), slugs)]
    preload(kata.test_file for kata in katas)
    sources = [kata.reference.read_text(encoding="utf-8") for kata in katas]
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_fork_context()) as pool:
        all_mutants = list(pool.map(mutants_of, sources))
    verdicts = []
    with contextlib.ExitStack() as stack:
        temp = Path(tempfile.mkdtemp(prefix="kata-mutation-"))
        stack.callback(shutil.rmtree, temp, ignore_errors=True)
        # Every mutant's run imports the same test file: its compiled (assertion-rewritten)
        # bytecode is shared.
        stack.enter_context(shared_bytecode(temp / "pycache"))
        # The truths the tests ask real programs for (git's, …) are the same for every
        # mutant: asked once, then read back (see grader.kata_support.remembered).
        stack.enter_context(mock.patch.dict(os.environ, {ORACLE_CACHE: str(temp / "oracle")}))
        references = _reference_runs(katas, jobs)
        for kata, mutants, reference in zip(katas, all_mutants, references, strict=True):
            verdict = _mutate(kata, mutants, reference, temp, jobs, echo)
            if not verdict.problems:
                save_score(kata, verdict)
            verdicts.append(verdict)
    return verdicts


def _fork_context() -> multiprocessing.context.BaseContext | None:
    """Fork where there is fork (the parent has everything imported), else the default."""
    return multiprocessing.get_context("fork") if hasattr(os, "fork") else None


@dataclass(frozen=True)
class _Reference:
    """What the reference's own run says: each test's duration and the lines it runs."""

    durations: dict[str, float]  # test name -> seconds, in the file's order
    lines: dict[int, set[str]]  # line -> names of the tests that run it ("" for import)
    seconds: float = 0.0  # the run's wall-clock time

    def tests_for(self, mutant: Mutant) -> list[str] | None:
        """The tests that run the mutated lines, quickest first; None means every test."""
        names: set[str] = set()
        for line in {*range(mutant.lineno, mutant.end_lineno + 1), *mutant.statement}:
            names |= self.lines.get(line, set())
        if "" in names:  # run at import: it can change what every test sees
            return None
        return sorted(names & set(self.durations), key=self.durations.__getitem__)


def _reference_runs(katas: Sequence[Kata], jobs: int | None) -> list[_Reference | str]:
    """Run each reference once with coverage (in parallel): what it says, or a problem's text."""
    planned = []
    for kata in katas:
        # Its own scratch folder: the coverage data is read from it after the run.
        job = Job.for_kata(kata, kata.solution_dir, scratch=make_scratch(f"coverage-{kata.slug}"))
        planned.append(replace(job, coverage=True, time_limit=COVERAGE_SLACK * job.time_limit))
    limits = [COVERAGE_SLACK * kata.kata_timeout for kata in katas]
    outcomes = Runner(workers=jobs).run(planned, limits)
    return [_reference(k, j, o) for k, j, o in zip(katas, planned, outcomes, strict=True)]


def _reference(kata: Kata, job: Job, outcome: RunOutcome) -> _Reference | str:
    try:
        run = collect(outcome, kata)
        if not run.every_test_passed:
            failing = [f"{t.name}: {t.status}" for t in run.tests if not t.passed][:5]
            why = run.problem or (run.broken or {}).get("error") or "; ".join(failing)
            return f"the reference does not pass its tests: {why or 'no tests ran'}"
        data = json.loads((Path(job.scratch) / "coverage.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"the reference's coverage run failed: {exc}"
    finally:
        remove_scratch(Path(job.scratch))
    durations = {t.name: t.duration for t in run.tests}
    lines = {int(n): set(names) for n, names in data["lines"].items()}
    return _Reference(durations, lines, outcome.wall)


def _mutate(
    kata: Kata,
    mutants: list[Mutant],
    reference: _Reference | str,
    temp: Path,
    jobs: int | None,
    echo,
) -> KataMutation:
    started = time.monotonic()
    verdict = KataMutation(kata.slug)
    recorded, verdict.problems = load_recorded(kata)
    if isinstance(reference, str):
        verdict.problems.append(reference)
        echo(_row(verdict))
        return verdict
    source = kata.reference.read_text(encoding="utf-8")
    verdict.mutants = len(mutants)
    planned: list[tuple[Mutant, MutantRun | None]] = []
    for mutant in mutants:
        tests = reference.tests_for(mutant)
        if tests == []:  # no test runs the line: it survives without a run
            planned.append((mutant, None))
            continue
        if tests is None:  # every test, quickest first
            tests = sorted(reference.durations, key=reference.durations.__getitem__)
        slowest = max((reference.durations[name] for name in tests), default=0.0)
        limit = min(kata.time_limit, max(MUTANT_FLOOR, MUTANT_SLACK * slowest))
        planned.append((mutant, MutantRun(mutant.code, tuple(tests), limit)))
    to_run = [run for _, run in planned if run is not None]
    live = LiveProgress.on(sys.stderr, f"mutants of {kata.slug}", len(to_run))
    try:
        results = iter(
            run_mutants(
                kata,
                to_run,
                temp / kata.slug,
                jobs or os.cpu_count() or 1,
                live.done,
                reference.durations,
            )
        )
    except HostError as exc:
        verdict.problems.append(f"the mutants could not run: {exc}")
        echo(_row(verdict))
        return verdict
    finally:
        live.stop()
    by_key = {r.key: r for r in recorded}
    matched: set[tuple[str, str]] = set()
    name = f"solutions/{kata.slug}/{kata.reference.name}"
    for mutant, run in planned:
        if run is not None:
            result = next(results)
            if result.killed:
                verdict.killed += 1
                verdict.timed_out += result.timed_out
                continue
        entry = by_key.get(mutant.key)
        if entry is None:
            verdict.survivors.append(
                {
                    "operator": mutant.operator,
                    "lineno": mutant.lineno,
                    "covered": run is not None,
                    "diff": mutant.diff(source, name),
                    "toml": _toml_entry(mutant),
                }
            )
            continue
        matched.add(mutant.key)
        if entry.kind == "equivalent":
            verdict.equivalent += 1
        else:
            verdict.tolerated += 1
    verdict.stale = [asdict(r) for r in recorded if r.key not in matched]
    verdict.seconds = time.monotonic() - started + reference.seconds
    echo(_row(verdict))
    return verdict


def _current_verdicts(root: Path, slugs: Sequence[str]) -> int:
    """``--changed`` with nothing to run: each recorded verdict; 1 when one is below target."""
    low, open_survivors = [], []
    for target in select(load_catalog(root), slugs):
        saved = load_score(target.kata) or {}
        if float(saved.get("score", 0.0)) < TARGET:
            low.append(target.kata.slug)
        elif saved.get("survivors"):
            open_survivors.append(f"{target.kata.slug} ({saved['survivors']})")
    print(f"every kata's mutation verdict ({SCORE_FILE}) is current")
    if open_survivors:
        print(
            "at the target, with survivors not yet killed or recorded: " + ", ".join(open_survivors)
        )
    if low:
        print(f"below {TARGET:.0%}: {', '.join(low)}")
    return 1 if low else 0


HEADER = (
    f"{'kata':<22} {'mutants':>7} {'killed':>6} {'timeout':>7} {'equiv':>5} "
    f"{'toler':>5} {'surv':>4} {'score':>7} {'time':>6}"
)


def _row(v: KataMutation) -> str:
    mark = "ok  " if v.ok else "FAIL"
    return (
        f"{v.slug:<22} {v.mutants:>7} {v.killed:>6} {v.timed_out:>7} {v.equivalent:>5} "
        f"{v.tolerated:>5} {len(v.survivors):>4} {v.score:>7.1%} {v.seconds:>5.0f}s {mark}"
    )


def main(
    root: Path,
    slugs: Sequence[str],
    jobs: int | None,
    json_path: Path | None,
    changed: bool = False,
) -> int:
    """``python -m grader dev mutation``: print the table and each survivor; 0 when all pass.

    With ``changed``, only the katas whose recorded verdict is missing, stale or failing run.
    """
    started = time.monotonic()
    katas = stale_katas(root, slugs) if changed else None
    if katas == []:
        return _current_verdicts(root, slugs)
    if katas is not None:
        print(f"katas whose {SCORE_FILE} is missing or stale: {' '.join(k.slug for k in katas)}")
    print(HEADER, flush=True)
    verdicts = mutate_katas(root, slugs, jobs, echo=lambda row: print(row, flush=True), katas=katas)
    total = time.monotonic() - started
    for v in verdicts:
        for problem in v.problems:
            print(f"\n{v.slug}: {problem}")
        for entry in v.stale:
            print(f"\n{v.slug}: {RECORD} entry matches no survivor (stale): {entry['line']!r}")
        for s in v.survivors:
            where = f"line {s['lineno']}" + ("" if s["covered"] else ", which no test runs")
            print(f"\n{v.slug}: survivor {s['operator']} at {where}\n{s['diff']}")
            print(f"record it in solutions/{v.slug}/{RECORD} if it is equivalent:\n{s['toml']}")
    if json_path is not None:
        rows = [{**asdict(v), "score": v.score, "ok": v.ok} for v in verdicts]
        json_path.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    mutants = sum(v.mutants for v in verdicts)
    good = sum(v.ok for v in verdicts)
    print(
        f"\n{good}/{len(verdicts)} katas at ≥ {TARGET:.0%} with no unrecorded survivor; "
        f"{mutants} mutants in {total / 60:.1f} min",
        file=sys.stderr,
    )
    return 0 if good == len(verdicts) else 1
