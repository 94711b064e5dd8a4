"""The learner's commands on a clean machine: a virtualenv holding only nox.

A fresh clone of this repository, a new virtualenv with ``pip install nox``
and nothing else, then the README's learner commands in the order a learner
meets them: list, next, hint, grade, watch --poll (one save), compare, reset.
Any traceback, unexpected exit status or missing line fails the run.

    python3 .ci/cleanroom.py [--keep DIR]

Standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import argparse
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KATA = "lru_cache"
FAILURES: list[str] = []


def step(title: str) -> None:
    print(f"\n=== {title}", flush=True)


def check(ok: bool, what: str) -> None:
    if not ok:
        FAILURES.append(what)
        print(f"FAILED: {what}", flush=True)


def nox(clone: Path, venv: Path, *args: str, codes: tuple[int, ...] = (0,)) -> str:
    """Run ``nox ARGS`` in the clone as a learner would; return its output."""
    cmd = [str(venv / "bin" / "nox"), *args]
    print("$", " ".join(["nox", *args]), flush=True)
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=clone, capture_output=True, text=True, env=learner_env(venv))
    out = proc.stdout + proc.stderr
    print(out.rstrip(), flush=True)
    print(f"[exit {proc.returncode}, {time.monotonic() - started:.1f} s]", flush=True)
    check(proc.returncode in codes, f"nox {' '.join(args)} exited {proc.returncode}")
    check("Traceback (most recent call last)" not in out, f"nox {' '.join(args)}: a traceback")
    check("uv binary not found" not in out, f"nox {' '.join(args)}: says uv is not found")
    return out


NO_UV = False
"""With --no-uv: folders holding a uv binary are left off PATH, so the grader's
environment is made with virtualenv and pip, as on most learners' machines."""


def learner_env(venv: Path) -> dict[str, str]:
    """PATH with the virtualenv first; no PYTHONPATH or pytest of the machine's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    path = env.get("PATH", "").split(os.pathsep)
    if NO_UV:
        path = [d for d in path if not (Path(d) / "uv").exists()]
    env["PATH"] = os.pathsep.join([str(venv / "bin"), *path])
    env["NO_COLOR"] = "1"
    return env


def watch_one_save(clone: Path, venv: Path) -> None:
    """``nox -s watch -- KATA --poll``: grade at start, grade again on one save, then quit."""
    cmd = [str(venv / "bin" / "nox"), "-s", "watch", "--", KATA, "--poll"]
    print("$ nox -s watch --", KATA, "--poll", flush=True)
    proc = subprocess.Popen(
        cmd,
        cwd=clone,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=learner_env(venv),
    )
    assert proc.stdout is not None and proc.stdin is not None
    seen = ""

    def wait_for(text: str, timeout: float) -> bool:
        nonlocal seen
        deadline = time.monotonic() + timeout
        while text not in seen and time.monotonic() < deadline and proc.poll() is None:
            ready, _, _ = select.select([proc.stdout], [], [], 0.2)
            if ready:
                chunk = os.read(proc.stdout.fileno(), 65536).decode("utf-8", "replace")
                seen += chunk
                print(chunk, end="", flush=True)
        return text in seen

    try:
        check(wait_for("not started", 600), "watch: the first grade never showed")
        stub = clone / "katas" / KATA / f"{KATA}.py"
        shutil.copyfile(clone / "solutions" / KATA / f"{KATA}.py", stub)
        check(wait_for("✓ solved", 300), "watch: the save was not graded to solved")
        proc.stdin.write(b"q\n")
        proc.stdin.flush()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        rest = proc.stdout.read().decode("utf-8", "replace")
        seen += rest
        print(rest, end="", flush=True)
    check(proc.returncode == 0, f"watch exited {proc.returncode}")
    check("Traceback (most recent call last)" not in seen, "watch: a traceback")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="work in DIR and keep it")
    parser.add_argument("--no-uv", action="store_true", help="make environments with pip only")
    args = parser.parse_args()
    global NO_UV
    NO_UV = args.no_uv
    work = args.keep or Path(tempfile.mkdtemp(prefix="kata-cleanroom-"))
    work.mkdir(parents=True, exist_ok=True)
    clone, venv = work / "kata", work / "venv"
    try:
        step("a fresh clone and a virtualenv with only nox")
        shutil.rmtree(clone, ignore_errors=True)
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        if not (venv / "bin" / "nox").is_file():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run(
                [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "nox"],
                check=True,
            )

        step("the catalog, the next kata and a hint: nox's own interpreter")
        count = len(list((clone / "katas").glob("*/kata.toml")))
        check(f"0/{count} katas solved" in nox(clone, venv, "-s", "list"), "list: no progress line")
        check("next:" in nox(clone, venv, "-s", "next"), "next: no kata named")
        check("hint 1 of" in nox(clone, venv, "-s", "hint", "--", KATA), "hint: no hint")

        step("grading the untouched clone (creates the grader's environment)")
        out = nox(clone, venv, "-s", "grade")
        check(f"{count} katas not started" in out, "grade: the stubs are not 'not started'")

        step("watch: one save")
        watch_one_save(clone, venv)

        step("compare, once solved")
        out = nox(clone, venv, "-s", "compare", "--", KATA)
        check("reference:" in out, "compare: no reference shown")

        step("reset: the stub is back, the solution backed up")
        out = nox(clone, venv, "-s", "reset", "--", KATA)
        check("restored the stub" in out, "reset: the stub was not restored")
        check(
            "not started" in nox(clone, venv, "-s", "grade", "--", KATA),
            "grade after reset: not 'not started'",
        )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    if FAILURES:
        print("\nclean-room run failed:", *FAILURES, sep="\n  ", file=sys.stderr)
        return 1
    print("\nclean room: every learner command worked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
