"""Verdict stability: does every hostile case read the same, run after run, with load or not?

    nox -s stability                 # N = 5 runs, then 5 more beside a CPU hog
    nox -s stability -- -n 2         # fewer runs (CI)
    nox -s stability -- --no-hog
    nox -s stability -- --sandbox auto   # grade in bubblewrap, where installed

Every hostile fixture of the suite (``tests/fixtures/hostile/*``, whose expected
verdicts are in its ``expected.json``, and ``tests/fixtures/impls/*``) is a
student of one batch, each beside a healthy ``greeter``; the batch is graded N
times, then N times more with a process spinning on the other core. A verdict
is the kata's status and the set of its tests' outcomes (tests that never ran
because the kata's wall clock ran out are left aside: how many there are
depends on the machine's speed, and they earn nothing either way).

Fails when any verdict changes between runs, differs from ``expected.json``,
or the healthy kata is not solved; prints the table either way.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
HEALTHY = 'def greet(name):\n    return f"Hello, {name}!"\n'

Verdict = tuple[str, tuple[str, ...]]


def verdict(kata: dict) -> Verdict:
    return kata["status"], tuple(sorted({t["status"] for t in kata["results"]} - {"not run"}))


def why(kata: dict) -> list[str]:
    """Each test's outcome with its message's first line, and the kata's problem."""
    lines = []
    for t in kata["results"]:
        message = (t.get("message") or "").strip()
        lines.append(
            f"{t['name']}: {t['status']}: {message.splitlines()[0][:200] if message else ''}"
        )
    return lines + ([f"problem: {kata['problem']}"] if kata.get("problem") else [])


def show(v: Verdict) -> str:
    return f"{v[0]} [{', '.join(v[1])}]" if v[1] else v[0]


def make_class(base: Path) -> tuple[Path, Path, dict[str, Verdict]]:
    """The fixture catalog and one student per hostile case; the expected verdicts."""
    tree = base / "tree"
    shutil.copytree(FIXTURES / "tree", tree, ignore=shutil.ignore_patterns(".kata", "__pycache__"))
    subs = base / "subs"
    expected = json.loads((FIXTURES / "hostile" / "expected.json").read_text())
    want: dict[str, Verdict] = {}
    cases = [(f"hostile-{p.name}", p) for p in sorted((FIXTURES / "hostile").iterdir())]
    cases += [(f"impls-{p.name}", p) for p in sorted((FIXTURES / "impls").iterdir())]
    for name, folder in cases:
        if not folder.is_dir():
            continue
        shutil.copytree(folder, subs / name)
        (subs / name / "greeter").mkdir(exist_ok=True)
        (subs / name / "greeter" / "greeter.py").write_text(HEALTHY)
        if folder.name in expected and name.startswith("hostile-"):
            e = expected[folder.name]
            want[name] = (e["status"], tuple(sorted(set(e["tests"]) - {"not run"})))
    return tree, subs, want


def grade(tree: Path, subs: Path, out: Path, sandbox: str) -> dict[str, dict[str, dict]]:
    """One batch run: each student's katas by slug."""
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "grader", "batch", str(subs), "--out", str(out)]
    cmd += ["--root", str(tree), "--sandbox", sandbox]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"the batch failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return {
        p.stem: {k["slug"]: k for k in json.loads(p.read_text())["katas"]}
        for p in sorted((out / "reports").glob("*.json"))
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5, help="runs per condition (default 5)")
    parser.add_argument("--no-hog", action="store_true", help="skip the runs beside a CPU hog")
    parser.add_argument("--sandbox", choices=("off", "auto", "require"), default="off")
    args = parser.parse_args()

    base = Path(tempfile.mkdtemp(prefix="kata-stability-"))
    try:
        tree, subs, want = make_class(base)
        runs: list[tuple[str, dict[str, dict[str, dict]]]] = []
        conditions = [("idle", False)] + ([] if args.no_hog else [("hog", True)])
        for label, hog in conditions:
            spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if hog else None
            try:
                for i in range(args.n):
                    started = time.monotonic()
                    runs.append((label, grade(tree, subs, base / "out", args.sandbox)))
                    print(f"{label} run {i + 1}/{args.n}: {time.monotonic() - started:.1f} s",
                          file=sys.stderr, flush=True)  # fmt: skip
            finally:
                if spinner is not None:
                    spinner.kill()
                    spinner.wait()
    finally:
        shutil.rmtree(base, ignore_errors=True)

    failures: list[str] = []
    students = sorted(runs[0][1])
    width = max(len(s) for s in students)
    counts = {label: sum(1 for r in runs if r[0] == label) for label, _ in conditions}
    header = f"{'case'.ljust(width)}  verdict (adder)" + "".join(
        f"  {label} ×{n}" for label, n in counts.items()
    )
    print(header)
    print("-" * len(header))
    for student in students:
        seen = [(label, verdict(r[student]["adder"])) for label, r in runs]
        first = seen[0][1]
        cells = []
        for label in counts:
            same = sum(1 for lbl, v in seen if lbl == label and v == first)
            cells.append(f"{same}/{counts[label]} same")
        print(f"{student.ljust(width)}  {show(first)}  " + "  ".join(cells))
        for (label, v), (_, r) in zip(seen, runs):
            if v != first:
                failures.append(
                    f"{student}: {show(v)} ({label}) instead of {show(first)}"
                    + "".join(f"\n    {line}" for line in why(r[student]["adder"]))
                )
        if student in want and first != want[student]:
            failures.append(f"{student}: reads {show(first)}, expected {show(want[student])}")
        for label, r in runs:
            if r[student]["greeter"]["status"] != "solved":
                status = r[student]["greeter"]["status"]
                failures.append(f"{student}: the healthy greeter read {status} ({label})")
    print()
    for failure in dict.fromkeys(failures):
        print(f"FAIL {failure}")
    print("every verdict held" if not failures else f"{len(set(failures))} verdicts did not hold")
    return 1 if failures else 0


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    sys.exit(main())
