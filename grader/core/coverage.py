"""Per-test line coverage of the module under test, recorded by a job that asks for it.

Mutation testing (``grader.authoring.mutation``) runs the reference once with
``Job.coverage`` set, so that each mutant then runs only the tests that execute
its line. The worker starts it before the module is imported.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from grader.core.worker import Job


class LineCoverage:
    """pytest plugin (in the reference's run): which lines of the module each test runs.

    Measured by coverage.py, one dynamic context per test; lines run at import
    (in no test) are recorded under ``""``. Saved as ``coverage.json`` in the
    job's scratch folder: ``{"lines": {lineno: [test names]}}``.
    """

    def __init__(self, job: Job) -> None:
        import coverage

        self.path = Path(job.scratch) / "coverage.json"
        self.file = str((Path(job.impl_dir) / f"{job.module}.py").resolve())
        self.cov = coverage.Coverage(data_file=None, include=[self.file], branch=False)
        self.cov.start()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Iterator[None]:
        self.cov.switch_context(item.nodeid.partition("::")[2])
        try:
            return (yield)
        finally:
            self.cov.switch_context("")

    def save(self) -> None:
        self.cov.stop()
        data = self.cov.get_data()
        lines = {str(n): sorted(c) for n, c in data.contexts_by_lineno(self.file).items()}
        self.path.write_text(json.dumps({"lines": lines}), encoding="utf-8")
