"""Grader overhead and the learner's-loop ratios, each printed against its target.

1. overhead: grading the whole catalog's references (every test run: ``--fresh``)
   against one bare pytest process running the same test files (≤ 1.5×);
2. untouched: a warm ``nox -s grade`` on an untouched copy against ``nox -s list``
   (≤ 3×): a stub's tests are not run;
3. one changed: after changing one kata of several solved, grading them all against
   grading that kata alone (≤ 1.5×): the unchanged ones reuse their results;
4. reference timing: ``--reference`` against ``--reference --no-timing``, the tests
   run again each time (≤ 2×): the references' growth comes from cached
   measurements, never from timing a reference against itself.

Ratios 2–4 run in a copy of the working tree whose stubs are as shipped and whose
``.nox`` is this one's (the shared grader environment is not rebuilt).

    nox -s bench                         # every ratio, 3 rounds each, medians
    nox -s bench -- --rounds 5 --only untouched one-changed
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.core.catalog import load_catalog  # noqa: E402

TARGETS = {"overhead": 1.5, "untouched": 3.0, "one-changed": 1.5, "reference-timing": 2.0}
SOLVED = ("lru_cache", "retry_backoff", "bloom_filter", "circuit_breaker")
"""Katas the one-changed ratio solves (with their references); the first is changed."""


def timed(cmd: list[str], env: dict[str, str], cwd: Path = ROOT, codes=(0,)) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in codes:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout[-3000:]}{proc.stderr}")
    return elapsed


def median_of(rounds: int, *runs: Callable[[], float]) -> list[list[float]]:
    """Each run ``rounds`` times, taking turns, so a burst of load hits both sides."""
    samples: list[list[float]] = [[] for _ in runs]
    for _ in range(rounds):
        for i, run in enumerate(runs):
            samples[i].append(run())
    return samples


def show(name: str, label_a: str, a: list[float], label_b: str, b: list[float]) -> bool:
    ma, mb = statistics.median(a), statistics.median(b)
    ratio = ma / mb
    ok = ratio <= TARGETS[name]
    print(f"\n{name}")
    print(f"  {label_a:<38} {ma:7.2f} s  (runs: {', '.join(f'{t:.2f}' for t in a)})")
    print(f"  {label_b:<38} {mb:7.2f} s  (runs: {', '.join(f'{t:.2f}' for t in b)})")
    print(f"  ratio {ratio:5.2f}  (target ≤ {TARGETS[name]})  {'ok' if ok else 'MISSED'}")
    return ok


def overhead(rounds: int, env: dict[str, str]) -> bool:
    katas = load_catalog(ROOT)
    bare_env = {
        **env,
        "PYTHONPATH": os.pathsep.join([str(ROOT), *(str(k.solution_dir) for k in katas)]),
    }
    bare = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--import-mode=importlib",
        "-c", str(ROOT / "grader" / "pytest.ini"), "--rootdir", str(ROOT),
        "-p", "grader.kata_plugin", *(str(k.test_file) for k in katas),
    ]  # fmt: skip
    graded = [sys.executable, "-m", "grader", "grade", "--reference", "--no-reference-times",
              "--no-timing", "--fresh", "--quiet"]  # fmt: skip
    # On a loaded machine a reference may time out (exit 1): the cost is still measured.
    g, b = median_of(
        rounds,
        lambda: timed(graded, env, codes=(0, 1)),
        lambda: timed(bare, bare_env, codes=(0, 1)),
    )
    return show("overhead", "grader, isolated (--fresh)", g, "bare pytest, one process", b)


def learner_copy(work: Path) -> Path:
    """The working tree with its stubs as shipped, sharing this tree's .nox."""
    copy = work / "kata"
    ignore = shutil.ignore_patterns(".git", ".nox", ".kata", "__pycache__", "*.pyc")
    shutil.copytree(ROOT, copy, ignore=ignore)
    (copy / ".nox").symlink_to(ROOT / ".nox", target_is_directory=True)
    manifest = json.loads((ROOT / "katas" / "manifest.json").read_text(encoding="utf-8"))
    for kata in load_catalog(copy):
        shipped = subprocess.run(
            ["git", "show", f"HEAD:katas/{kata.slug}/{kata.module}.py"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
        kata.stub.write_bytes(shipped)
        assert manifest[kata.slug]["stub"], kata.slug
    return copy


def untouched(rounds: int, env: dict[str, str], nox: list[str], copy: Path) -> bool:
    grade = [*nox, "-s", "grade"]
    listing = [*nox, "-s", "list"]
    timed(grade, env, copy)  # warm: the grader's environment exists, the report is written
    g, b = median_of(rounds, lambda: timed(grade, env, copy), lambda: timed(listing, env, copy))
    return show("untouched", "nox -s grade (untouched copy, warm)", g, "nox -s list", b)


def one_changed(rounds: int, env: dict[str, str], copy: Path) -> bool:
    katas = {k.slug: k for k in load_catalog(copy)}
    for slug in SOLVED:
        shutil.copyfile(katas[slug].reference, katas[slug].stub)
    grader = [sys.executable, "-m", "grader", "grade", "--quiet"]
    timed(grader, env, copy, codes=(0, 1))  # every kata graded and timed once
    changed = katas[SOLVED[0]].stub
    edits = 0

    def change() -> None:
        nonlocal edits
        edits += 1
        with changed.open("a", encoding="utf-8") as f:
            f.write(f"\n# edit {edits}\n")

    def everything() -> float:
        change()
        return timed(grader, env, copy, codes=(0, 1))

    def alone() -> float:
        change()
        return timed([*grader, SOLVED[0]], env, copy)

    a, b = median_of(rounds, everything, alone)
    return show("one-changed", f"grade all, {SOLVED[0]} changed", a, f"grade {SOLVED[0]} alone", b)


def reference_timing(rounds: int, env: dict[str, str], copy: Path) -> bool:
    grader = [sys.executable, "-m", "grader", "grade", "--reference", "--quiet"]
    # The first run measures each reference's growth once; later runs reuse it. On a
    # loaded machine a reference may time out: that is reported, not a bench failure.
    cold = timed(grader, env, copy, codes=(0, 1))
    print(f"\n(--reference with nothing cached: {cold:.2f} s)")
    results = copy / ".kata" / "results-cache.json"

    def tests_again(cmd: list[str]) -> float:
        results.unlink(missing_ok=True)  # every test runs again; measurements stay cached
        elapsed = timed(cmd, env, copy, codes=(0, 1))
        report = json.loads((copy / ".kata" / "report.json").read_text(encoding="utf-8"))
        unsolved = [k["slug"] for k in report["katas"] if k["status"] != "solved"]
        if unsolved:
            print(f"  (not solved in this run, on a loaded machine: {', '.join(unsolved)})")
        return elapsed

    a, b = median_of(
        rounds, lambda: tests_again(grader), lambda: tests_again([*grader, "--no-timing"])
    )
    return show("reference-timing", "--reference", a, "--reference --no-timing", b)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--nox", metavar="PYTHON", help="the interpreter nox runs in")
    parser.add_argument("--only", nargs="+", choices=sorted(TARGETS), default=sorted(TARGETS))
    args = parser.parse_args()
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("FORCE_COLOR", None)
    print(f"katas: {len(load_catalog(ROOT))}, cores: {os.cpu_count()}, rounds: {args.rounds}")
    ok = True
    if "overhead" in args.only:
        ok &= overhead(args.rounds, env)
    with tempfile.TemporaryDirectory(prefix="kata-bench-") as work:
        copy = learner_copy(Path(work))
        if "untouched" in args.only:
            nox = [args.nox or sys.executable, "-m", "nox"]
            ok &= untouched(args.rounds, env, nox, copy)
        if "one-changed" in args.only:
            ok &= one_changed(args.rounds, env, copy)
        if "reference-timing" in args.only:
            ok &= reference_timing(args.rounds, env, copy)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
