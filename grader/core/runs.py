"""Run a list of implementations of katas and collect their results (no scoring, no report).

The soundness check (each kata's stub, reference and variants) and the export (each
reference's test names and times) grade many implementations at once: this is their
one "plan the jobs, run them, collect" loop, on the grader's own runner (which makes and
removes the jobs' scratch folders).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from grader.core.catalog import Kata
from grader.core.results import RunResult, collect
from grader.core.runner import Runner, preload
from grader.core.worker import Job


@contextlib.contextmanager
def shared_bytecode(folder: Path) -> Iterator[None]:
    """Let the runs started in this block share compiled bytecode, kept in ``folder``.

    Every run imports its kata's test file, and pytest rewrites its asserts
    before it compiles it: a few tenths of a second each time unless the result
    is cached. Authoring tools that grade many implementations at once (the
    soundness check, mutation testing) cache it here, outside the repository,
    even where ``PYTHONDONTWRITEBYTECODE`` is set. Each implementation must be
    at its own path, unchanged during the block (cached bytecode is matched by a
    file's path, size and modification time).
    """
    saved = sys.dont_write_bytecode, sys.pycache_prefix
    sys.dont_write_bytecode, sys.pycache_prefix = False, str(folder)
    try:
        yield
    finally:
        sys.dont_write_bytecode, sys.pycache_prefix = saved


def run_labelled(
    plan: Sequence[tuple[Kata, str, Path]],
    jobs: int | None = None,
    exitfirst: tuple[str, ...] = (),
) -> dict:
    """Grade each (kata, label, implementation folder); results by slug, then label.

    A run whose label starts with one of ``exitfirst`` stops at its first failing test.
    """
    prepared = [
        (kata, label, replace(Job.for_kata(kata, folder), exitfirst=label.startswith(exitfirst)))
        for kata, label, folder in plan
    ]
    preload(kata.test_file for kata, _, _ in plan)
    outcomes = Runner(workers=jobs).run(
        [job for _, _, job in prepared], [kata.kata_timeout for kata, _, _ in prepared]
    )
    runs: dict[str, dict[str, RunResult]] = {}
    for (kata, label, _), outcome in zip(prepared, outcomes, strict=True):
        runs.setdefault(kata.slug, {})[label] = collect(outcome, kata)
    return runs
