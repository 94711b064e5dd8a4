"""The catalog: every kata found under ``katas/``, read from its ``kata.toml``.

A :class:`Kata` knows where its files are and what its metadata says. Loading
validates the metadata, so a mistake in a ``kata.toml`` is reported with the
file and the field, not as a crash later in the pipeline.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

AREAS = (
    "git",
    "data-structures",
    "system-design",
    "rest",
    "redis",
    "databases",
    "cloud",
    "observability",
    "python",
)
"""The backend-interview areas, in learning-path order."""

AREA_TITLES = {
    "git": "Git internals",
    "data-structures": "Data structures",
    "system-design": "System design",
    "rest": "REST API design",
    "redis": "Redis",
    "databases": "Databases",
    "cloud": "Cloud",
    "observability": "Observability",
    "python": "Python practice",
}
"""The areas' headings, in the README's catalog and in `nox -s list`."""

GROWTHS = ("constant", "logarithmic", "linear", "linearithmic", "quadratic")

DEFAULT_MEMORY_MB = 384
"""Memory (MB) a kata's tests may allocate beyond what the grader itself uses."""
DEFAULT_KATA_TIMEOUT = 60.0


class CatalogError(Exception):
    """A kata's files or metadata are not valid."""


@dataclass(frozen=True)
class Timing:
    """The ``[timing]`` table: how the kata's workload is measured."""

    sizes: tuple[int, ...]
    growth: str
    max_slowdown: float
    complexity_required: bool
    slow_growth: str | None = None  # growth of the slow/ variants, for the fidelity check
    speed_required: bool = False  # speed is the task: solved only within max_slowdown


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
    timing: Timing | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

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


def _require(data: dict[str, Any], key: str, kind: type | tuple[type, ...], where: Path) -> Any:
    if key not in data:
        raise CatalogError(f"{where}: missing required key {key!r}")
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise CatalogError(f"{where}: {key!r} has the wrong type ({type(value).__name__})")
    return value


def _timing(data: dict[str, Any], where: Path) -> Timing:
    sizes = _require(data, "sizes", list, where)
    if len(sizes) < 3 or not all(isinstance(n, int) and n > 0 for n in sizes):
        raise CatalogError(f"{where}: [timing] sizes must be at least 3 positive integers")
    if sorted(set(sizes)) != sizes:
        raise CatalogError(f"{where}: [timing] sizes must be strictly increasing")
    growth = _require(data, "growth", str, where)
    if growth not in GROWTHS:
        raise CatalogError(f"{where}: [timing] growth must be one of {', '.join(GROWTHS)}")
    max_slowdown = float(_require(data, "max_slowdown", (int, float), where))
    if max_slowdown < 1:
        raise CatalogError(f"{where}: [timing] max_slowdown must be at least 1")
    slow_growth = data.get("slow_growth")
    if slow_growth is not None and slow_growth not in GROWTHS:
        raise CatalogError(f"{where}: [timing] slow_growth must be one of {', '.join(GROWTHS)}")
    return Timing(
        slow_growth=slow_growth,
        sizes=tuple(sizes),
        growth=growth,
        max_slowdown=max_slowdown,
        complexity_required=bool(data.get("complexity_required", False)),
        speed_required=bool(data.get("speed_required", False)),
    )


def load_kata(kata_dir: Path) -> Kata:
    """Read and validate ``kata_dir/kata.toml``."""
    meta = kata_dir / "kata.toml"
    try:
        with meta.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise CatalogError(f"{meta}: missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{meta}: {exc}") from None

    area = _require(data, "area", str, meta)
    if area not in AREAS:
        raise CatalogError(f"{meta}: area {area!r} is not one of {', '.join(AREAS)}")
    difficulty = _require(data, "difficulty", int, meta)
    if difficulty not in (1, 2, 3):
        raise CatalogError(f"{meta}: difficulty must be 1, 2 or 3")
    points = _require(data, "points", int, meta)
    if points < 1:
        raise CatalogError(f"{meta}: points must be positive")
    module = _require(data, "module", str, meta)
    if not module.isidentifier():
        raise CatalogError(f"{meta}: module {module!r} is not a Python identifier")
    time_limit = float(_require(data, "time_limit", (int, float), meta))
    hints = data.get("hints", [])
    tags = data.get("tags", [])
    if not all(isinstance(h, str) for h in hints) or not all(isinstance(t, str) for t in tags):
        raise CatalogError(f"{meta}: hints and tags must be lists of strings")
    timing = _timing(data["timing"], meta) if "timing" in data else None

    known = {
        "title",
        "area",
        "difficulty",
        "points",
        "module",
        "time_limit",
        "tags",
        "hints",
        "memory_mb",
        "kata_timeout",
        "timing",
    }
    return Kata(
        slug=kata_dir.name,
        root=kata_dir.parent.parent,
        title=_require(data, "title", str, meta),
        area=area,
        difficulty=difficulty,
        points=points,
        module=module,
        time_limit=time_limit,
        tags=tuple(tags),
        hints=tuple(hints),
        memory_mb=int(data.get("memory_mb", DEFAULT_MEMORY_MB)),
        kata_timeout=float(data.get("kata_timeout", DEFAULT_KATA_TIMEOUT)),
        timing=timing,
        extra={k: v for k, v in data.items() if k not in known},
    )


def load_catalog(root: Path) -> list[Kata]:
    """Every kata under ``root/katas``, in learning-path order (area, difficulty, slug)."""
    katas_dir = root / "katas"
    katas = [load_kata(d) for d in sorted(katas_dir.iterdir()) if (d / "kata.toml").is_file()]
    return sorted(katas, key=lambda k: (AREAS.index(k.area), k.difficulty, k.slug))
