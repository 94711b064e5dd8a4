"""Nox sessions: thin wrappers around ``python -m grader``.

Learners:   nox -s grade [-- KATA… | --reference | --impl DIR]
Authors:    nox -s tests, nox -s lint, nox -s dev -- check [KATA…], nox -s bench
Instructors: nox -s assignment -- KATA… --out DIR, nox -s gradescope -- KATA… --out FILE.zip,
            nox -s batch -- SUBMISSIONS_DIR, nox -s classroom -- KATA (a workflow step)
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["grade"]
# uv does not compile bytecode by default; without it every start recompiles.
os.environ.setdefault("UV_COMPILE_BYTECODE", "1")


def install_once(session: nox.Session, *groups: str) -> None:
    """Install the dependency groups, skipping it when the venv already has them."""
    requirements = sorted(r for g in groups for r in nox.project.dependency_groups(PYPROJECT, g))
    digest = hashlib.sha256("\n".join(requirements).encode()).hexdigest()
    stamp = Path(session.virtualenv.location) / ".kata-requirements"
    if stamp.is_file() and stamp.read_text() == digest:
        return
    session.install(*requirements)
    stamp.write_text(digest)


def grader(session: nox.Session, *args: str) -> None:
    """Run ``python -m grader`` in the session's venv, passing its exit code through."""
    install_once(session, "grade")
    session.run("python", "-m", "grader", *args, *session.posargs, external=False)


@nox.session
def grade(session: nox.Session) -> None:
    """Grade katas: `nox -s grade -- lru_cache`, `-- --reference`, `-- --impl DIR`."""
    grader(session, "grade")


# The learner's loop. `list`, `next`, `hint` and `reset` need only the standard
# library (and tomli before Python 3.11, which nox itself brings), so they run
# in nox's own interpreter without a virtualenv.
def _plain(session: nox.Session, command: str) -> None:
    session.run(sys.executable, "-m", "grader", command, *session.posargs, external=True)


@nox.session(name="list", venv_backend="none")
def list_(session: nox.Session) -> None:
    """The catalog by learning-path stage, with your status and overall progress."""
    _plain(session, "list")


@nox.session(name="next", venv_backend="none")
def next_(session: nox.Session) -> None:
    """The first kata on the learning path you have not solved yet."""
    _plain(session, "next")


@nox.session(venv_backend="none")
def hint(session: nox.Session) -> None:
    """One more hint for a kata: `nox -s hint -- lru_cache`."""
    _plain(session, "hint")


@nox.session(venv_backend="none")
def reset(session: nox.Session) -> None:
    """Restore a kata's stub, backing up your file first: `nox -s reset -- lru_cache`."""
    _plain(session, "reset")


@nox.session
def watch(session: nox.Session) -> None:
    """Grade a kata each time you save it: `nox -s watch -- lru_cache [--poll]`."""
    grader(session, "watch")


@nox.session
def compare(session: nox.Session) -> None:
    """Your code beside the reference, once your tests pass: `nox -s compare -- lru_cache`."""
    grader(session, "compare")


@nox.session
def assignment(session: nox.Session) -> None:
    """A GitHub Classroom starter repository: `nox -s assignment -- KATA… --out DIR`."""
    grader(session, "assignment")


@nox.session
def classroom(session: nox.Session) -> None:
    """One kata as a Classroom workflow step grades it: `nox -s classroom -- KATA`."""
    grader(session, "classroom")


@nox.session
def gradescope(session: nox.Session) -> None:
    """A Gradescope autograder zip: `nox -s gradescope -- KATA… --out FILE.zip`."""
    grader(session, "gradescope")


@nox.session
def batch(session: nox.Session) -> None:
    """Grade a class's checkouts in parallel: `nox -s batch -- SUBMISSIONS_DIR [--out DIR]`."""
    if any(arg.startswith("--similarity") for arg in session.posargs):
        install_once(session, "grade", "similarity")
    grader(session, "batch")


@nox.session
def dev(session: nox.Session) -> None:
    """Author tools: `nox -s dev -- check [KATA…]`, `nox -s dev -- catalog`."""
    grader(session, "dev")


@nox.session
def tests(session: nox.Session) -> None:
    """The project's own suite: grader tests and the soundness of every kata."""
    install_once(session, "grade", "test")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff: lint and format check."""
    install_once(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def bench(session: nox.Session) -> None:
    """Grader overhead: the whole catalog graded against one bare pytest process."""
    install_once(session, "grade")
    session.run("python", "benchmarks/overhead.py", *session.posargs)


@nox.session
def stability(session: nox.Session) -> None:
    """Verdict stability: every hostile fixture N times (-n 5), with and without a CPU hog."""
    install_once(session, "grade")
    session.run("python", "benchmarks/stability.py", *session.posargs)


@nox.session
def fidelity(session: nox.Session) -> None:
    """The timing's own check: self-ratio 1.00, slow variants flagged, with and without load."""
    install_once(session, "grade")
    session.run("python", "benchmarks/fidelity.py", *session.posargs)
