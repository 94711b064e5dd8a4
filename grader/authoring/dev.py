"""Tools for kata authors: prove katas sound, keep the README catalog current.

``check`` grades, for each kata, the stub, the reference and every variant in
isolated processes, and asserts what a sound kata guarantees:

- the metadata is valid and every test names a ``##`` section of the spec;
- every test fails on the stub (and the stub imports);
- every test passes on the reference;
- every ``wrong/`` variant fails at least one test, and says its bug;
- every ``slow/`` variant passes every test;
- every ``alternates/`` solution (a correct one by another route) passes every
  test, and there is at least one, so the tests do not over-fit the reference.

A kata whose task is speed (``[timing] speed_required``) ships a slow but
correct original as its stub: there the stub must pass every test and be
judged *too slow* by the timing, as must every ``slow/`` variant, while
every alternate must be solved within ``max_slowdown``.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grader.authoring.variants import (
    KINDS,
    OPENINGS,
    PatchError,
    Variant,
    make_patch,
    materialize,
    variants,
)
from grader.core.catalog import AREA_TITLES, AREAS, Kata, load_catalog
from grader.core.integrity import MANIFEST, load_manifest, manifest_entry, write_manifest
from grader.core.results import RunResult
from grader.core.runner import make_scratch, remove_scratch
from grader.core.runs import run_labelled, shared_bytecode
from grader.core.scoring import apply_timing, score
from grader.core.selection import select
from grader.core.verdicts import TestOutcome

CATALOG_START = "<!-- catalog:start -->"
CATALOG_END = "<!-- catalog:end -->"


@dataclass
class KataCheck:
    """The soundness verdict of one kata: empty ``problems`` means sound."""

    slug: str
    problems: list[str] = field(default_factory=list)
    tests: int = 0
    reference_tests: list[str] = field(default_factory=list)
    variants: dict[str, str] = field(default_factory=dict)  # variant -> summary

    @property
    def sound(self) -> bool:
        return not self.problems


def spec_headings(readme: Path) -> set[str]:
    """The ``##`` headings of a spec."""
    text = readme.read_text(encoding="utf-8") if readme.is_file() else ""
    return {m.group(1).strip() for m in re.finditer(r"^##\s+(.+?)\s*#*$", text, re.MULTILINE)}


def _summary(run: RunResult, stopped: bool = False) -> str:
    """How a run went; ``stopped``: the run ended at its first failing test."""
    if run.broken:
        return f"broken: {run.broken['error']}"
    failed = [t for t in run.tests if t.status is not TestOutcome.NOT_RUN and not t.passed]
    if stopped and failed:
        text = f"caught by {failed[0].name} ({failed[0].status})"
    else:
        text = f"{run.passed}/{len(run.tests)} passed"
    return f"{text}; {run.problem.splitlines()[0]}" if run.problem else text


def _speed_kata(kata: Kata) -> bool:
    return kata.timing is not None and kata.timing.speed_required


def _speed_verdicts(
    kata: Kata, runs: dict[str, RunResult], folders: dict[str, Path]
) -> dict[str, str]:
    """A speed kata's stub, slow variants and alternates that pass: each one's timed status."""
    from grader.core.timing import TimingJob, time_kata  # imports pytest, like the runner

    verdicts = {}
    for label, folder in folders.items():
        run = runs.get(label)
        if not label.startswith(("stub", "slow/", "alternates/")) or run is None:
            continue
        s = score(run)
        if not s.solved:
            continue
        scratch = make_scratch(f"check-timing-{kata.slug}")
        try:
            job = TimingJob(kata, folder / f"{kata.module}.py", kata.reference, scratch)
            timing = time_kata(job)
        finally:
            remove_scratch(scratch)
        verdict = apply_timing(s, timing, kata).status
        said = timing.error or timing.speed()  # "too slow: 5.9× ref time, …" names its verdict
        verdicts[label] = said if said.startswith(str(verdict)) else f"{verdict} ({said})"
    return verdicts


def _judge(
    kata: Kata,
    runs: dict[str, RunResult],
    unapplied: Sequence[str] = (),
    speed: dict[str, str] | None = None,
) -> KataCheck:
    check = KataCheck(kata.slug)
    for label, path in (
        ("spec", kata.spec),
        ("stub", kata.stub),
        ("tests", kata.test_file),
        ("reference", kata.reference),
    ):
        if not path.is_file():
            check.problems.append(f"missing {label}: {path.relative_to(kata.root)}")
    if check.problems:
        return check
    headings = spec_headings(kata.spec)
    ref = runs["reference"]
    check.tests = len(ref.tests)
    check.reference_tests = sorted(t.name for t in ref.tests)
    speed = speed or {}
    for label, run in runs.items():
        said = f", {speed[label]}" if label in speed else ""
        check.variants[label] = _summary(run, label.startswith("wrong/")) + said
    if not ref.every_test_passed:
        failing = [t.name for t in ref.tests if not t.passed][:5]
        check.problems.append(f"reference does not pass: {_summary(ref)} {failing or ''}".strip())
    for t in ref.tests:
        if t.spec is None:
            check.problems.append(f"{t.name}: no @pytest.mark.spec(...) section")
        elif t.spec not in headings:
            check.problems.append(f"{t.name}: spec section {t.spec!r} is not a ## heading")
    stub = runs["stub"]
    if stub.broken:
        check.problems.append(f"stub does not import: {stub.broken['error']}")
    passing = [t.name for t in stub.tests if t.passed]
    if _speed_kata(kata):  # the stub is the slow original: correct, and too slow
        failing = [t.name for t in stub.tests if not t.passed]
        if failing or not stub.tests:
            check.problems.append(f"tests fail on the original (the stub): {failing[:5]}")
        elif not speed.get("stub", "").startswith("too slow"):
            check.problems.append(f"the original (the stub) must be too slow: {speed.get('stub')}")
    elif passing:
        check.problems.append(f"tests pass on the stub: {', '.join(passing[:5])}")
    if len(stub.tests) != len(ref.tests):
        check.problems.append(f"stub ran {len(stub.tests)} tests, reference {len(ref.tests)}")
    wrong = [label for label in runs if label.startswith("wrong/")]
    if len(wrong) < 2:
        check.problems.append(f"needs at least 2 wrong variants, has {len(wrong)}")
    check.problems.extend(unapplied)
    summaries = {v.label: v.summary for kind in KINDS for v in variants(kata, kind)}
    for label, run in runs.items():
        if label.startswith("wrong/"):
            if run.broken or run.problem_kind == "collection":
                check.problems.append(f"{label} does not import: {_summary(run)}")
            elif run.every_test_passed:
                check.problems.append(f"{label} passes every test: the tests miss its bug")
            if not summaries[label].startswith("Wrong:"):
                check.problems.append(f"{label}: its header must start with 'Wrong: <the bug>'")
        elif label.startswith(("slow/", "alternates/")):
            if not run.every_test_passed:
                failing = [t.name for t in run.tests if not t.passed][:5]
                check.problems.append(
                    f"{label} must pass every test: {_summary(run)} {failing or ''}".strip()
                )
            opening = OPENINGS[label.partition("/")[0]]
            if not summaries[label].startswith(opening):
                check.problems.append(f"{label}: its header must start with '{opening}'")
            want = "too slow" if label.startswith("slow/") else "solved"
            if _speed_kata(kata) and label in speed and not speed[label].startswith(want):
                check.problems.append(f"{label} must be {want}: {speed[label]}")
    if not any(label.startswith("alternates/") for label in runs):
        check.problems.append("needs at least 1 correct alternate in alternates/")
    return check


def check_katas(root: Path, slugs: Sequence[str] = (), jobs: int | None = None) -> list[KataCheck]:
    """Soundness of the named katas (all when empty)."""
    katas = [t.kata for t in select(load_catalog(root), slugs)]
    temp = Path(tempfile.mkdtemp(prefix="kata-check-"))
    try:
        plan: list[tuple[Kata, str, Path]] = []
        unapplied: dict[str, list[str]] = {kata.slug: [] for kata in katas}
        for kata in katas:
            plan += [(kata, "stub", kata.dir), (kata, "reference", kata.solution_dir)]
            for kind in KINDS:
                for variant in variants(kata, kind):
                    folder = temp / kata.slug / f"{kind}-{variant.name}"
                    try:
                        materialize(kata, variant, folder)
                    except PatchError as exc:
                        unapplied[kata.slug].append(str(exc))
                        continue
                    plan.append((kata, variant.label, folder))
        # A wrong variant needs one failing test: its run stops there.
        with shared_bytecode(temp / "pycache"):
            runs = run_labelled(plan, jobs, exitfirst=("wrong/",))
        speed = {
            kata.slug: _speed_verdicts(
                kata, runs[kata.slug], {label: f for k, label, f in plan if k is kata}
            )
            for kata in katas
            if _speed_kata(kata)
        }
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return [
        _judge(kata, runs[kata.slug], unapplied[kata.slug], speed.get(kata.slug)) for kata in katas
    ]


def build_manifest(root: Path, slugs: Sequence[str] = ()) -> dict[str, dict]:
    """Hashes of the katas' protected files and the names of their tests.

    With ``slugs``, only those entries are rebuilt; the others are kept.
    """
    katas = [t.kata for t in select(load_catalog(root), slugs)]
    runs = run_labelled([(k, "reference", k.solution_dir) for k in katas])
    known = {k.slug for k in load_catalog(root)}
    entries = {s: e for s, e in (load_manifest(root) or {}).items() if s in known and slugs}
    for kata in katas:
        ref = runs[kata.slug]["reference"]
        if not ref.every_test_passed:
            raise SystemExit(f"{kata.slug}: the reference must pass before the manifest is built")
        entries[kata.slug] = manifest_entry(kata, (t.name for t in ref.tests))
    return entries


def write_patch(root: Path, slug: str, edited: Path, kind: str, name: str | None) -> int:
    """``dev patch``: save an edited copy of a reference as a wrong or slow variant's patch."""
    [target] = select(load_catalog(root), [slug])
    kata = target.kata
    patch = make_patch(kata, edited.read_text(encoding="utf-8"))
    opening = OPENINGS[kind]
    if not patch.startswith(opening):
        print(f"grader: the edited module's docstring must start with {opening!r}", file=sys.stderr)
        return 2
    out = kata.solution_dir / kind / f"{name or edited.stem}.patch"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(patch, encoding="utf-8")
    try:  # prove that it applies
        with tempfile.TemporaryDirectory() as folder:
            materialize(kata, Variant(kind, out), Path(folder))
    except PatchError as exc:
        out.unlink()
        print(f"grader: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {out.relative_to(root)}")
    return 0


def catalog_table(katas: Sequence[Kata]) -> str:
    """The README's catalog: one table per area, in learning-path order."""
    lines = [CATALOG_START, ""]
    for area in AREAS:
        in_area = [k for k in katas if k.area == area]
        if not in_area:
            continue
        lines += [
            f"**{AREA_TITLES[area]}**",
            "",
            "| Kata | What you build | Level | Points |",
            "|---|---|---|---|",
        ]
        for k in in_area:
            level = "★" * k.difficulty + "☆" * (3 - k.difficulty)
            lines.append(
                f"| [`{k.slug}`](katas/{k.slug}/README.md) | {k.title} | {level} | {k.points} |"
            )
        lines.append("")
    lines.append(f"{len(katas)} katas, {sum(k.points for k in katas)} points in all.")
    lines += ["", CATALOG_END]
    return "\n".join(lines)


def update_catalog(root: Path, check_only: bool) -> bool:
    """Rewrite (or just compare) the catalog in README.md; True when it was current."""
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(CATALOG_START), text.find(CATALOG_END)
    if start < 0 or end < 0:
        raise SystemExit(f"{readme}: catalog markers {CATALOG_START} … {CATALOG_END} not found")
    new = text[:start] + catalog_table(load_catalog(root)) + text[end + len(CATALOG_END) :]
    if new == text:
        return True
    if not check_only:
        readme.write_text(new, encoding="utf-8")
    return False


def main(args: argparse.Namespace) -> int:
    root = args.root.resolve()
    if args.dev_command == "manifest":
        write_manifest(root, build_manifest(root, args.slugs))
        print(f"wrote {MANIFEST}")
        return 0
    if args.dev_command == "patch":
        return write_patch(root, args.slug, args.file, args.kind, args.name)
    if args.dev_command == "mutation":
        from grader.authoring import mutation

        return mutation.main(root, args.slugs, args.jobs, args.json, args.changed)
    if args.dev_command == "catalog":
        current = update_catalog(root, args.check)
        if args.check:
            print(
                "catalog is current"
                if current
                else "catalog is out of date: run `nox -s dev -- catalog`"
            )
            return 0 if current else 1
        print("catalog is current" if current else "README.md catalog updated")
        return 0
    checks = check_katas(root, args.slugs)
    if getattr(args, "json", None):
        args.json.write_text(json.dumps([asdict(c) for c in checks], indent=1), encoding="utf-8")
    for c in checks:
        mark = "ok  " if c.sound else "FAIL"
        print(
            f"{mark} {c.slug}: {c.tests} tests; "
            + "; ".join(f"{k} {v}" for k, v in c.variants.items())
        )
        for problem in c.problems:
            print(f"     - {problem}")
    sound = sum(c.sound for c in checks)
    print(f"\n{sound}/{len(checks)} katas sound", file=sys.stderr)
    return 0 if sound == len(checks) else 1
