"""What an exported assignment ships in place of its reference solutions.

An export (``grader.platforms.export``) has no ``solutions/``: it ships the
reference's times (``katas/reference-times.json``: per kata, per test, and the
workload's times at each size), so that grading there still shows the learner's
time against the reference's and still measures speed. The pipeline reads them
here; each entry is valid while the kata's tests, metadata and workload are the
ones it was recorded for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.core.catalog import Kata
from grader.core.files import files_digest, read_json_object

SHIPPED_TIMES = Path("katas") / "reference-times.json"


def timing_key(kata: Kata) -> str:
    """What the shipped times are valid for: the kata's tests, metadata and workload."""
    return files_digest((kata.test_file, kata.dir / "kata.toml", kata.bench_file))


def _shipped_entry(kata: Kata) -> dict[str, Any] | None:
    """The kata's entry in ``katas/reference-times.json``, if it is still valid."""
    entry = (read_json_object(kata.root / SHIPPED_TIMES) or {}).get(kata.slug)
    if not isinstance(entry, dict) or entry.get("key") != timing_key(kata):
        return None
    return entry


def shipped_workload(kata: Kata) -> dict[str, Any] | None:
    """Recorded reference workload times for timing in an export, if still valid.

    Valid while the kata's tests, metadata and workload are the ones recorded
    (the workload file is under the tamper check, and in the key).
    """
    workload = (_shipped_entry(kata) or {}).get("workload")
    return workload if isinstance(workload, dict) and workload.get("sizes") else None


def shipped_reference_time(kata: Kata, test: str | None = None) -> float | None:
    """The reference's time from ``katas/reference-times.json``, if it is still valid.

    This is how an exported assignment, which has no ``solutions/``, still shows
    the learner's time against the reference: the time of the whole kata, or of
    one test when ``test`` is given. ``None`` when there is no valid record.
    """
    entry = _shipped_entry(kata)
    try:
        if entry is None:
            return None
        if test is None:
            return float(entry["duration"])
        per_test = entry.get("tests", {})
        return float(per_test[test]) if test in per_test else None
    except (KeyError, TypeError, ValueError):
        return None
