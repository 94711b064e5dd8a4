#!/usr/bin/env python3
"""Classroom 50 autograder for kata assignments (copied into each bundle as autograder.py).

Classroom 50's runner runs ``python3 autograder.py`` on a bare CPython with
pip, with the student's checkout as the working directory. This script needs
only the standard library. It

1. makes a virtual environment beside the job's other temporary files
   (``$RUNNER_TEMP``) and installs ``requirements.txt`` into it with pip (from
   ``wheels/`` in the bundle, if there is one, without the network);
2. copies the bundle's grading root, ``kata/`` (the tests, manifest and
   grader pinned by the teacher), to a fresh folder, and runs
   ``python -m grader classroom50-run`` there, so the student's own copies of
   the tests and the grader are never imported;
3. gives grading ``budget_seconds`` (``kata/assignment.json``) in all: if the
   student's code makes it run past that, the run is stopped and a result
   saying so is written, every test failed.

It exits 0 whenever a result was written, whatever the grade; non-zero only
when the grading environment itself failed (pip could not install, the grader
crashed), so that the runner records an error instead of a grade.
"""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUNDLE = Path(__file__).resolve().parent
ROOT = BUNDLE / "kata"
PIP_TIMEOUT = 300


def log(message):
    print(f"autograder: {message}", flush=True)


def venv_python(venv):
    scripts = "Scripts" if os.name == "nt" else "bin"
    name = "python.exe" if os.name == "nt" else "python"
    return venv / scripts / name


def environment():
    """The virtual environment's python, made (or reused) with the bundle's requirements."""
    requirements = BUNDLE / "requirements.txt"
    wheels = BUNDLE / "wheels"
    key = hashlib.sha256(requirements.read_bytes() + sys.version.encode()).hexdigest()[:16]
    base = Path(os.environ.get("RUNNER_TEMP") or tempfile.gettempdir())
    venv = base / f"kata-venv-{key}"
    python = venv_python(venv)
    if (venv / ".kata-ready").is_file() and python.is_file():
        log(f"reusing {venv}")
        return python
    started = time.monotonic()
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=PIP_TIMEOUT)
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
           "--quiet", "--prefer-binary", "-r", str(requirements)]  # fmt: skip
    if wheels.is_dir():
        pip += ["--no-index", "--find-links", str(wheels)]
    subprocess.run(pip, check=True, timeout=PIP_TIMEOUT)
    (venv / ".kata-ready").write_text(key)
    log(f"installed the grading environment in {time.monotonic() - started:.1f} s")
    return python


def clean_env():
    """The runner's environment without what could redirect the grader's imports."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["NO_COLOR"] = "1"
    return env


def run(python, args, cwd, timeout):
    """Run the grader in its own process group; None when it ran past ``timeout``."""
    proc = subprocess.Popen([str(python), "-E", "-s", "-m", "grader", *args], cwd=str(cwd),
                            env=clean_env(), start_new_session=True)  # fmt: skip
    try:
        return proc.wait(timeout=max(timeout, 1))
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (OSError, AttributeError):
            proc.kill()
        proc.wait()
        return None


def main():
    started = time.monotonic()
    checkout = Path.cwd()
    settings = json.loads((ROOT / "assignment.json").read_text(encoding="utf-8"))
    budget = float(settings.get("budget_seconds", 720))
    log(f"grading {', '.join(settings['katas'])} in {checkout} with the teacher's tests")
    try:
        python = environment()
    except (OSError, subprocess.SubprocessError) as exc:
        log(f"could not install the grading environment: {exc}")
        return 2
    with tempfile.TemporaryDirectory(prefix="kata-grading-") as temp:
        root = Path(temp) / "kata"
        shutil.copytree(str(ROOT), str(root))
        args = ["classroom50-run", "--checkout", str(checkout), "--out", str(checkout)]
        left = budget - (time.monotonic() - started)
        code = run(python, args, root, left)
        if code is None:
            minutes = budget / 60
            log(f"grading ran past its {minutes:g} minutes and was stopped")
            message = (f"grading was stopped after {minutes:g} minutes: some code runs far too "
                       "long (an endless loop?); every test counts as failed")  # fmt: skip
            code = run(python, [*args, "--unfinished", message], root, 120)
    if code != 0:
        log(f"the grader failed (exit status {code}); the runner records an error")
        return code or 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
