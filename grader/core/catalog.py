"""The catalog: every kata found under ``katas/``, read from its ``kata.toml``.

A :class:`Kata` knows where its files are and what its metadata says. Loading
validates the metadata, so a mistake in a ``kata.toml`` is reported with the
file and the field, not as a crash later in the pipeline.
"""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

AREA_TITLES = {
    "git": "Git: internals and operations",
    "data-structures": "Data structures",
    "system-design": "System design",
    "rest": "REST API design",
    "redis": "Redis",
    "databases": "Databases",
    "cloud": "Cloud",
    "observability": "Observability",
    "python": "Python practice",
}
"""The one table of areas: each area's ``kata.toml`` word and its heading (in the README's
catalog and in ``nox -s list``), in learning-path order. A new area is one row here."""

AREAS = tuple(AREA_TITLES)
"""The backend-interview areas, in learning-path order."""

GROWTHS = ("constant", "logarithmic", "linear", "linearithmic", "quadratic")

DEFAULT_MEMORY_MB = 384
"""Memory (MB) a kata's tests may allocate beyond what the grader itself uses."""
DEFAULT_KATA_TIMEOUT = 60.0
DEFAULT_TIMING_BUDGET = 2.0
"""CPU seconds one kata's timing may take (``[timing] budget``)."""


class CatalogError(Exception):
    """A kata's files or metadata are not valid."""


@dataclass(frozen=True)
class TimingSpec:
    """The ``[timing]`` table: how the kata's workload is measured."""

    sizes: tuple[int, ...]
    growth: str
    max_slowdown: float
    complexity_required: bool = False
    slow_growth: str | None = None  # growth of the slow/ variants, for the fidelity check
    budget: float = DEFAULT_TIMING_BUDGET  # CPU seconds the whole measurement may take
    speed_required: bool = False  # speed itself is the task


Timing = TimingSpec
"""The name :class:`TimingSpec` had before (``grader.core.timing.Timing`` is the measurement)."""


@dataclass(frozen=True)
class Kata:
    """One kata: its metadata and where its files live."""

    slug: str
    root: Path  # the repository (or exported assignment) root
    title: str
    area: str
    difficulty: int
    points: int
    module: str
    time_limit: float
    tags: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()
    memory_mb: int = DEFAULT_MEMORY_MB
    kata_timeout: float = DEFAULT_KATA_TIMEOUT
    timing: TimingSpec | None = None

    @property
    def dir(self) -> Path:
        return self.root / "katas" / self.slug

    @property
    def stub(self) -> Path:
        return self.dir / f"{self.module}.py"

    @property
    def test_file(self) -> Path:
        return self.dir / f"test_{self.module}.py"

    @property
    def spec(self) -> Path:
        return self.dir / "README.md"

    @property
    def bench_file(self) -> Path:
        return self.dir / f"bench_{self.module}.py"

    @property
    def solution_dir(self) -> Path:
        return self.root / "solutions" / self.slug

    @property
    def reference(self) -> Path:
        return self.solution_dir / f"{self.module}.py"


# -- kata.toml's keys ----------------------------------------------------------------------

_NUMBER = (int, float)
_TOML_TYPES = {str: "string", int: "integer", float: "float", bool: "boolean", list: "array",
               dict: "table"}  # fmt: skip


@dataclass(frozen=True)
class Key:
    """One key of ``kata.toml``: its TOML type and whether it must be there."""

    kind: type | tuple[type, ...]
    required: bool = False

    def accepts(self, value: object) -> bool:
        if isinstance(value, bool):  # a bool is an int to isinstance, never to kata.toml
            return self.kind is bool
        return isinstance(value, self.kind)

    def describe(self) -> str:
        kinds = self.kind if isinstance(self.kind, tuple) else (self.kind,)
        return " or ".join(_TOML_TYPES[k] for k in kinds)


KEYS: dict[str, Key] = {
    "title": Key(str, required=True),
    "area": Key(str, required=True),
    "difficulty": Key(int, required=True),
    "points": Key(int, required=True),
    "module": Key(str, required=True),
    "time_limit": Key(_NUMBER, required=True),
    "tags": Key(list),
    "hints": Key(list),
    "memory_mb": Key(int),
    "kata_timeout": Key(_NUMBER),
    "timing": Key(dict),
}
"""The top-level keys of ``kata.toml`` (documented in CONTRIBUTING.md); no other is allowed."""

TIMING_KEYS: dict[str, Key] = {
    "sizes": Key(list, required=True),
    "growth": Key(str, required=True),
    "max_slowdown": Key(_NUMBER, required=True),
    "complexity_required": Key(bool),
    "slow_growth": Key(str),
    "budget": Key(_NUMBER),
    "speed_required": Key(bool),
}
"""The keys of the ``[timing]`` table."""


def _checked(data: dict[str, Any], keys: dict[str, Key], where: Path, table: str = "") -> None:
    """Every key known, of its type, and every required one present; else a CatalogError."""
    prefix = f"[{table}] " if table else ""
    for name, value in data.items():
        key = keys.get(name)
        if key is None:
            close = difflib.get_close_matches(name, keys, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise CatalogError(
                f"{where}: unknown key {prefix}{name!r}{hint}; known keys: {', '.join(keys)}"
            )
        if not key.accepts(value):
            raise CatalogError(
                f"{where}: {prefix}{name!r} has the wrong type "
                f"({_TOML_TYPES.get(type(value), type(value).__name__)}, expected {key.describe()})"
            )
    for name, key in keys.items():
        if key.required and name not in data:
            raise CatalogError(f"{where}: missing required key {prefix}{name!r}")


def _timing(data: dict[str, Any], where: Path) -> TimingSpec:
    _checked(data, TIMING_KEYS, where, "timing")
    sizes = data["sizes"]
    if len(sizes) < 3 or not all(
        isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in sizes
    ):
        raise CatalogError(f"{where}: [timing] sizes must be at least 3 positive integers")
    if sorted(set(sizes)) != sizes:
        raise CatalogError(f"{where}: [timing] sizes must be strictly increasing")
    growth = data["growth"]
    if growth not in GROWTHS:
        raise CatalogError(f"{where}: [timing] growth must be one of {', '.join(GROWTHS)}")
    max_slowdown = float(data["max_slowdown"])
    if max_slowdown < 1:
        raise CatalogError(f"{where}: [timing] max_slowdown must be at least 1")
    slow_growth = data.get("slow_growth")
    if slow_growth is not None and slow_growth not in GROWTHS:
        raise CatalogError(f"{where}: [timing] slow_growth must be one of {', '.join(GROWTHS)}")
    budget = float(data.get("budget", DEFAULT_TIMING_BUDGET))
    if budget <= 0:
        raise CatalogError(f"{where}: [timing] budget must be positive")
    return TimingSpec(
        sizes=tuple(sizes),
        growth=growth,
        max_slowdown=max_slowdown,
        complexity_required=data.get("complexity_required", False),
        slow_growth=slow_growth,
        budget=budget,
        speed_required=data.get("speed_required", False),
    )


def load_kata(kata_dir: Path) -> Kata:
    """Read and validate ``kata_dir/kata.toml``: unknown keys and wrong types are errors."""
    meta = kata_dir / "kata.toml"
    try:
        with meta.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise CatalogError(f"{meta}: missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{meta}: {exc}") from None
    _checked(data, KEYS, meta)

    area = data["area"]
    if area not in AREAS:
        raise CatalogError(f"{meta}: area {area!r} is not one of {', '.join(AREAS)}")
    difficulty = data["difficulty"]
    if difficulty not in (1, 2, 3):
        raise CatalogError(f"{meta}: difficulty must be 1, 2 or 3")
    points = data["points"]
    if points < 1:
        raise CatalogError(f"{meta}: points must be positive")
    module = data["module"]
    if not module.isidentifier():
        raise CatalogError(f"{meta}: module {module!r} is not a Python identifier")
    hints = data.get("hints", [])
    tags = data.get("tags", [])
    if not all(isinstance(h, str) for h in hints) or not all(isinstance(t, str) for t in tags):
        raise CatalogError(f"{meta}: hints and tags must be lists of strings")
    limits = {
        "time_limit": float(data["time_limit"]),
        "memory_mb": data.get("memory_mb", DEFAULT_MEMORY_MB),
        "kata_timeout": float(data.get("kata_timeout", DEFAULT_KATA_TIMEOUT)),
    }
    for name, value in limits.items():
        if value <= 0:
            raise CatalogError(f"{meta}: {name} must be positive")
    timing = _timing(data["timing"], meta) if "timing" in data else None
    return Kata(
        slug=kata_dir.name,
        root=kata_dir.parent.parent,
        title=data["title"],
        area=area,
        difficulty=difficulty,
        points=points,
        module=module,
        time_limit=float(limits["time_limit"]),
        tags=tuple(tags),
        hints=tuple(hints),
        memory_mb=int(limits["memory_mb"]),
        kata_timeout=float(limits["kata_timeout"]),
        timing=timing,
    )


def load_catalog(root: Path) -> list[Kata]:
    """Every kata under ``root/katas``, in learning-path order (area, difficulty, slug)."""
    katas_dir = root / "katas"
    katas = [load_kata(d) for d in sorted(katas_dir.iterdir()) if (d / "kata.toml").is_file()]
    return sorted(katas, key=lambda k: (AREAS.index(k.area), k.difficulty, k.slug))
