"""Grader overhead: grading the whole catalog against one bare pytest process.

Both run the same test files against the reference solutions. The bare run is
the floor: one interpreter, no isolation. The grader isolates every kata in
its own process and writes a report; this prints what that costs.

    nox -s bench                 # 3 rounds each, medians
    nox -s bench -- --rounds 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.catalog import load_catalog  # noqa: E402

TARGET = 1.5


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout[-3000:]}{proc.stderr}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    katas = load_catalog(ROOT)
    env = {**os.environ, "NO_COLOR": "1"}
    bare_env = {
        **env,
        "PYTHONPATH": os.pathsep.join([str(ROOT), *(str(k.solution_dir) for k in katas)]),
    }
    bare = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--import-mode=importlib",
        "-c",
        str(ROOT / "grader" / "pytest.ini"),
        "--rootdir",
        str(ROOT),
        "-p",
        "grader.kata_plugin",
        *(str(k.test_file) for k in katas),
    ]
    graded = [
        sys.executable,
        "-m",
        "grader",
        "grade",
        "--reference",
        "--no-reference-times",
        "--no-timing",
    ]

    bare_times, grade_times = [], []
    for _ in range(args.rounds):
        bare_times.append(timed(bare, bare_env))
        grade_times.append(timed(graded, env))
    b, g = statistics.median(bare_times), statistics.median(grade_times)
    ratio = g / b
    print(f"katas:               {len(katas)}")
    print(f"cores:               {os.cpu_count()}")
    print(f"bare pytest (1 proc): {b:6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in bare_times)})")
    print(f"grader (isolated):    {g:6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in grade_times)})")
    print(f"ratio:                {ratio:6.2f}  (target ≤ {TARGET})")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
