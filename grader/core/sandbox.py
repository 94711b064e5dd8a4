"""A sandbox for grading code you do not trust: each kata run in bubblewrap.

``nox -s batch`` uses it by default where ``bwrap`` (the Debian/Ubuntu/Fedora
package ``bubblewrap``) is installed, and ``nox -s grade -- --sandbox`` asks
for it. Each kata's grading process then runs with:

- no network: a network namespace of its own, with only a loopback that
  nothing listens on (a connection to the host's 127.0.0.1 is refused);
- the filesystem read-only, except the run's private scratch folder (its
  ``HOME``, ``TMPDIR`` and working directory);
- ``/home``, ``/root``, the user's ``$HOME``, ``/run`` and ``/tmp`` replaced by
  empty folders, and the other submissions of a batch (and the reference
  solutions, when grading a submission) hidden; the grader, the kata's tests
  and the Python environment bound back read-only;
- a PID namespace of its own, ended with the run (nothing it starts
  survives), a new session (no typing into the terminal), and at most
  :data:`grader.core.worker.SANDBOX_PROCESSES` processes (a fork bomb stops there);
- when the grader runs as root, the tests run as an unprivileged user id of
  their own, which owns only the scratch folder.

It does not protect against: a kernel or bubblewrap vulnerability; reading
what is readable in the rest of the filesystem outside the hidden folders
(system files, other users' world-readable files); using CPU, memory and
disk up to the grader's limits (time, memory, output, processes); or
side channels. It guards the machine against the code, not the grade
against the learner: tamper evidence (``grader.core.integrity``) does that.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader.core.selection import UsageError
from grader.core.worker import Job

MODES = ("off", "auto", "require")
"""``off``: never; ``auto``: when bubblewrap works here; ``require``: refuse without it."""

UID_BASE = 61000
"""As root, the tests run as a uid from ``UID_BASE`` up, one per run (no such user exists)."""

HIDDEN = ("/home", "/root", "/run", "/tmp", "/var/tmp", "/mnt", "/media", "/srv")
"""Folders replaced by empty ones inside the sandbox (when they exist)."""


class SandboxError(UsageError):
    """The sandbox was required but cannot be used here."""


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def unavailable(bwrap: str | None = None) -> str | None:
    """Why bubblewrap cannot sandbox a process here, or ``None`` when it can."""
    if not sys.platform.startswith("linux"):
        return f"the sandbox needs Linux (this is {sys.platform})"
    bwrap = bwrap or shutil.which("bwrap")
    if bwrap is None:
        return "bubblewrap (bwrap) is not installed"
    unshare = _unshare()
    try:
        done = subprocess.run(
            [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", *unshare, "true"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap does not run: {exc}"
    if done.returncode != 0:
        return (
            "bubblewrap cannot create a sandbox here: "
            + (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        )
    return None


def _unshare() -> list[str]:
    """Namespaces to unshare. As root no user namespace, so the tests can become another uid."""
    common = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
    common.append("--unshare-cgroup-try")
    return common if _is_root() else ["--unshare-user", *common]


def _parents(path: Path, emptied: Sequence[str]) -> list[str]:
    """Create ``path``'s missing parents in the emptied folders, traversable by anyone.

    (bubblewrap would create them private to root, which the tests' uid could not enter.)
    """
    args: list[str] = []
    for parent in reversed(path.parents):
        if any(parent.is_relative_to(e) and str(parent) != e for e in emptied):
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


@dataclass(frozen=True)
class Sandbox:
    """How to start a grading process in bubblewrap."""

    root: Path  # the repository whose tests are run (bound read-only)
    bwrap: str = "bwrap"
    hide: tuple[Path, ...] = ()  # folders to hide besides HIDDEN (a batch's submissions)
    extra_ro: tuple[Path, ...] = field(default=())

    def uid_for(self, job: Job) -> int | None:
        """The unprivileged uid a run's tests use when the grader is root."""
        if not _is_root():
            return None
        return UID_BASE + zlib.crc32(job.scratch.encode()) % 4000

    def _readable(self, job: Job) -> list[Path]:
        grader = Path(__file__).resolve().parents[1]
        paths = [
            self.root,
            grader.parent,
            Path(sys.prefix),
            Path(sys.base_prefix),
            Path(sys.executable).resolve().parent.parent,
            Path(job.test_file).resolve().parent,
            *self.extra_ro,
        ]
        seen: list[Path] = []
        for path in paths:
            path = path.resolve()
            if path.exists() and path not in seen:
                seen.append(path)
        return seen

    def argv(self, job: Job, spec: Path) -> list[str]:
        """The bwrap command line that runs ``python -m grader worker spec`` for ``job``."""
        scratch = Path(job.scratch).resolve()
        impl = Path(job.impl_dir).resolve()
        args = [self.bwrap, "--die-with-parent", "--new-session", *_unshare()]
        args += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        emptied = []
        for hidden in dict.fromkeys((*HIDDEN, str(Path.home()))):
            if hidden != "/" and os.path.isdir(hidden) and not os.path.islink(hidden):
                args += ["--tmpfs", hidden]
                emptied.append(hidden)
        for path in self._readable(job):
            args += [*_parents(path, emptied), "--ro-bind", str(path), str(path)]
        solutions = (self.root / "solutions").resolve()
        hide = [*self.hide]
        if not impl.is_relative_to(solutions):
            hide.append(solutions)  # a submission does not get to read the reference
        for path in hide:
            if path.resolve().is_dir():
                args += ["--tmpfs", str(path.resolve())]
                emptied.append(str(path.resolve()))
        args += [*_parents(impl, emptied), "--ro-bind", str(impl), str(impl)]
        args += [*_parents(scratch, emptied), "--bind", str(scratch), str(scratch)]
        args += ["--chdir", str(scratch)]
        for folder in emptied:  # empty and read-only: a write there fails, as elsewhere
            args += ["--remount-ro", folder]
        env = {
            "HOME": str(scratch),
            "TMPDIR": str(scratch),
            "KATA_SANDBOX": "1",
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        }
        for name, value in env.items():
            args += ["--setenv", name, value]
        if _is_root():  # to drop to the run's own uid (grader.core.worker.drop_privileges)
            args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        return [*args, "--", sys.executable, "-m", "grader", "worker", str(spec)]

    def popen(self, job: Job) -> subprocess.Popen[bytes]:
        """Start ``job``'s grading process in the sandbox."""
        scratch = Path(job.scratch)
        uid = self.uid_for(job)
        if uid is not None:
            job = replace(job, sandbox_uid=uid)
            os.chown(scratch, uid, uid)
            os.chmod(scratch, 0o700)
        spec = scratch / "job.json"
        spec.write_text(job.to_json(), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TERM")}
        env.update({k: v for k, v in os.environ.items() if k.startswith(("PYTHON", "REDIS_"))})
        env.pop("PYTHONPATH", None)
        with open(scratch / "sandbox.log", "wb") as log:
            return subprocess.Popen(
                self.argv(job, spec),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                env=env,
                start_new_session=True,
            )


def choose(mode: str, root: Path, hide: Sequence[Path] = ()) -> Sandbox | None:
    """The sandbox for ``mode``; ``None`` (with one line on stderr) where ``auto`` cannot have one.

    Raises :class:`SandboxError` when ``require`` cannot be met.
    """
    if mode == "off":
        return None
    bwrap = shutil.which("bwrap")
    why = unavailable(bwrap)
    if why is not None:
        if mode == "require":
            raise SandboxError(f"--sandbox=require: {why}")
        print(f"grader: no sandbox ({why}); grading with your own rights", file=sys.stderr)
        return None
    assert bwrap is not None
    return Sandbox(root=root.resolve(), bwrap=bwrap, hide=tuple(Path(p) for p in hide))
