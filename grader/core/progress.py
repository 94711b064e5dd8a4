"""The learner's progress: one small JSON file, ``.kata/progress.json``.

It holds, per kata, the latest status of the learner's own code and how many
hints were shown::

    {
      "version": 1,
      "katas": {
        "lru_cache": {"status": "partial", "passed": 19, "total": 21,
                      "points": 9.05, "graded_at": "2026-11-25T17:04:29Z", "hints_shown": 2}
      }
    }

The file is ignored by git and written atomically. Deleting it loses nothing
but this history: the next grade writes it again. A file that cannot be read
is treated as empty (and replaced on the next write).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.core.files import read_json_object, write_atomic

VERSION = 1
FILE = Path(".kata") / "progress.json"


@dataclass
class Progress:
    """The progress file's contents, with its path."""

    path: Path
    katas: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path) -> Progress:
        path = root / FILE
        katas = (read_json_object(path) or {}).get("katas")
        if not isinstance(katas, dict):
            return cls(path)
        return cls(path, {k: v for k, v in katas.items() if isinstance(v, dict)})

    def save(self) -> None:
        text = json.dumps({"version": VERSION, "katas": self.katas}, indent=1, sort_keys=True)
        write_atomic(self.path, text + "\n")

    def status(self, slug: str) -> dict[str, Any]:
        return self.katas.get(slug, {})

    def record_report(self, report: dict[str, Any]) -> None:
        """Take the statuses of a grade of the learner's own code.

        A selection (``KATA::TEST``, see :mod:`grader.core.report`) has no kata
        status: it leaves the kata's entry as it was.
        """
        for kata in report["katas"]:
            if kata.get("selected") or kata.get("status") is None:
                continue
            entry = self.katas.setdefault(kata["slug"], {})
            entry.update(
                status=kata["status"],
                passed=kata["tests"]["passed"],
                total=kata["tests"]["total"],
                points=kata["points"]["earned"],
                graded_at=report["finished_at"],
            )

    def hints_shown(self, slug: str) -> int:
        value = self.status(slug).get("hints_shown", 0)
        return value if isinstance(value, int) and value >= 0 else 0

    def show_hint(self, slug: str) -> None:
        self.katas.setdefault(slug, {})["hints_shown"] = self.hints_shown(slug) + 1
