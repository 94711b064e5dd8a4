"""Nox sessions: thin wrappers around ``python -m grader``.

Learners:   nox -s grade [-- KATA… | --reference | --impl DIR]
Authors:    nox -s tests, nox -s lint, nox -s dev -- check [KATA…], nox -s bench
Instructors: nox -s assignment -- KATA… --out DIR (for Classroom 50),
            nox -s gradescope -- KATA… --out FILE.zip, nox -s batch -- SUBMISSIONS_DIR,
            nox -s classroom -- KATA (a step of the Actions workflow)
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
GRADER_ENV = ROOT / ".nox" / "grader"
"""The one virtualenv every grader session shares (grade, watch, compare, the instructors')."""


def _uv() -> str | None:
    """uv on PATH or beside nox (``pipx install nox[uv]``), else None: pip is used."""
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


UV = _uv()
if UV is None:
    # nox probes for uv before every session, even one without a virtualenv, and says
    # "uv binary not found." each time; it reads these if set, so tell it once.
    with contextlib.suppress(ImportError, AttributeError):
        from packaging.version import Version

        nox.virtualenv.HAS_UV, nox.virtualenv.UV, nox.virtualenv.UV_VERSION = (
            False,
            "uv",
            Version("0"),
        )
nox.options.default_venv_backend = "uv" if UV else "virtualenv"
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


def grader_python(session: nox.Session) -> str:
    """The shared grader virtualenv's interpreter, created and filled on first use.

    nox gives each session its own virtualenv; the grader's sessions all need
    the same packages, so they run with ``venv_backend="none"`` and share
    ``.nox/grader``, made with uv when it is at hand and virtualenv (a
    dependency of nox) otherwise. It is rebuilt only when the ``grade``
    dependency group changes.
    """
    requirements = sorted(nox.project.dependency_groups(PYPROJECT, "grade"))
    digest = hashlib.sha256("\n".join([sys.version, *requirements]).encode()).hexdigest()
    bin_dir = GRADER_ENV / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / ("python.exe" if os.name == "nt" else "python")
    stamp = GRADER_ENV / ".kata-requirements"
    if python.is_file() and stamp.is_file() and stamp.read_text() == digest:
        return str(python)
    session.log(f"creating the grader's environment in {GRADER_ENV.relative_to(ROOT)}")
    if UV:
        session.run(UV, "venv", "--quiet", "--clear", "--python", sys.executable,
                    str(GRADER_ENV), external=True)  # fmt: skip
        session.run(UV, "pip", "install", "--quiet", "--python", str(python), *requirements,
                    external=True)  # fmt: skip
    else:
        session.run(sys.executable, "-m", "virtualenv", "--quiet", "--clear", str(GRADER_ENV),
                    external=True)  # fmt: skip
        session.run(str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    *requirements, external=True)  # fmt: skip
    stamp.write_text(digest)
    return str(python)


def install_into_grader(session: nox.Session, group: str) -> None:
    """Add an optional dependency group (e.g. ``similarity``) to the shared environment."""
    python = grader_python(session)
    requirements = nox.project.dependency_groups(PYPROJECT, group)
    if UV:
        session.run(UV, "pip", "install", "--quiet", "--python", python, *requirements,
                    external=True)  # fmt: skip
    else:
        session.run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    *requirements, external=True)  # fmt: skip


def grader(session: nox.Session, *args: str, success_codes: tuple[int, ...] = (0,)) -> None:
    """Run ``python -m grader`` in the shared grader environment."""
    python = grader_python(session)
    session.run(python, "-m", "grader", *args, *session.posargs, external=True,
                success_codes=list(success_codes))  # fmt: skip


@nox.session(venv_backend="none")
def grade(session: nox.Session) -> None:
    """Grade katas: `nox -s grade -- lru_cache`, `-- --reference`, `-- --impl DIR`.

    A partial grade is a learner's normal state, not a failed session: this
    session fails only when grading could not be done (a usage error, an
    interruption) or, with `--reference`, when a reference is not solved.
    `python -m grader grade` itself exits 1 whenever a kata is not solved.
    """
    strict = "--reference" in session.posargs
    grader(session, "grade", success_codes=(0,) if strict else (0, 1))


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


@nox.session(venv_backend="none")
def watch(session: nox.Session) -> None:
    """Grade a kata each time you save it: `nox -s watch -- lru_cache [--poll]`."""
    grader(session, "watch")


@nox.session(venv_backend="none")
def compare(session: nox.Session) -> None:
    """Your code beside the reference, once your tests pass: `nox -s compare -- lru_cache`."""
    grader(session, "compare")


@nox.session(venv_backend="none")
def assignment(session: nox.Session) -> None:
    """An assignment for Classroom 50 (or `--platform actions`): `-- KATA… --out DIR`."""
    grader(session, "assignment")


@nox.session(venv_backend="none")
def classroom(session: nox.Session) -> None:
    """One kata as the Actions workflow's step grades it: `nox -s classroom -- KATA`."""
    grader(session, "classroom")


@nox.session(venv_backend="none")
def gradescope(session: nox.Session) -> None:
    """A Gradescope autograder zip: `nox -s gradescope -- KATA… --out FILE.zip`."""
    grader(session, "gradescope")


@nox.session(venv_backend="none")
def batch(session: nox.Session) -> None:
    """Grade a class's checkouts: `nox -s batch -- SUBMISSIONS_DIR [--katas …] [--out DIR]`."""
    if any(arg.startswith("--similarity") for arg in session.posargs):
        install_into_grader(session, "similarity")
    grader(session, "batch")


@nox.session(venv_backend="none")
def dev(session: nox.Session) -> None:
    """Author tools: `nox -s dev -- check [KATA…]`, `nox -s dev -- catalog`."""
    grader(session, "dev")


@nox.session
def tests(session: nox.Session) -> None:
    """The project's own suite: grader tests and the soundness of every kata."""
    install_once(session, "grade", "test", "mutation")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def mutation(session: nox.Session) -> None:
    """Mutation testing of the references: `nox -s mutation [-- KATA…]` (target: 95 % killed)."""
    install_once(session, "grade", "mutation")
    session.run("python", "-m", "grader", "dev", "mutation", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff (lint and format check) and mypy over grader/ (configured in pyproject.toml)."""
    # mypy reads the types of what the grader imports: pytest, redis, coverage, …
    install_once(session, "lint", "grade", "mutation")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


@nox.session(venv_backend="none")
def bench(session: nox.Session) -> None:
    """Grader overhead and the learner's-loop ratios (see benchmarks/overhead.py)."""
    python = grader_python(session)
    session.run(python, "benchmarks/overhead.py", "--nox", sys.executable, *session.posargs,
                external=True)  # fmt: skip


@nox.session
def stability(session: nox.Session) -> None:
    """Verdict stability: every hostile fixture N times (-n 5), with and without a CPU hog."""
    install_once(session, "grade")
    session.run("python", "benchmarks/stability.py", *session.posargs)


@nox.session(venv_backend="none")
def fidelity(session: nox.Session) -> None:
    """The timing's own check: self-ratio 1.00, slow variants flagged, with and without load."""
    session.run(grader_python(session), "benchmarks/fidelity.py", *session.posargs, external=True)
