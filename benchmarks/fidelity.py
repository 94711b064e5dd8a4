"""The benchmark of the benchmark: does the timing tell the truth on this machine?

    nox -s fidelity                   # all katas, then again with a CPU hog beside it
    nox -s fidelity -- lru_cache      # some katas
    nox -s fidelity -- --no-hog

Checks, and prints the figures behind them:

1. the reference timed against itself reads 1.00, every repetition within 0.85–1.15;
2. each slow-but-correct variant (solutions/<kata>/slow/) is flagged, and its
   growth exponent exceeds the reference's by what its declared complexity
   says (``[timing] slow_growth``), within ±0.25 (in a kata whose task is
   speed, flagged means beyond ``max_slowdown``);
3. both hold with the other core busy (a CPU hog runs beside the measurement).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.authoring.variants import materialize, variants  # noqa: E402
from grader.core.catalog import Kata, load_catalog  # noqa: E402
from grader.core.stats import EXPONENTS  # noqa: E402
from grader.core.timing import TimingJob, time_kata  # noqa: E402

SELF_BAND = (0.85, 1.15)
REPETITIONS = 3
GROWTH_TOLERANCE = 0.25


def _time(kata: Kata, learner: Path):
    with tempfile.TemporaryDirectory(prefix="kata-fidelity-") as scratch:
        return time_kata(TimingJob(kata, learner, kata.reference, Path(scratch)))


def _ratio(value: float | None) -> str:
    """A ratio for the table; a timing that failed has none (never print it as 0.00)."""
    return "—" if value is None else f"{value:.2f}"


def check(katas: list[Kata]) -> list[str]:
    failures = []
    print(
        f"{'kata':22} {'variant':22} {'ratio':>7} {'repetitions':>13} {'slope':>6} "
        f"{'ref':>6}  verdict"
    )
    for kata in katas:
        readings = [_time(kata, kata.reference) for _ in range(REPETITIONS)]
        ratios = [t.ratio for t in readings if t.ratio is not None]
        errors = [t.error for t in readings if t.error]
        ok = (
            not errors
            and len(ratios) == REPETITIONS
            and all(SELF_BAND[0] <= r <= SELF_BAND[1] for r in ratios)
        )
        t = readings[-1]
        mean = sum(ratios) / len(ratios) if ratios else None
        spread = f"{min(ratios):6.2f}–{max(ratios):<6.2f}" if ratios else f"{'—':13}"
        print(
            f"{kata.slug:22} {'(reference)':22} {_ratio(mean):>7} {spread} "
            f"{t.learner_growth or 0:6.2f} {t.reference_growth or 0:6.2f}  "
            f"{'ok' if ok else 'FAIL'}{' ' + errors[0] if errors else ''}"
        )
        if not ok:
            failures.append(f"{kata.slug}: reference against itself read {ratios}")
        assert kata.timing is not None
        for variant in variants(kata, "slow"):
            with tempfile.TemporaryDirectory(prefix="kata-variant-") as folder:
                s = _time(kata, materialize(kata, variant, Path(folder)))
            expected = (
                EXPONENTS[kata.timing.slow_growth or "quadratic"] - EXPONENTS[kata.timing.growth]
            )
            diff = (s.learner_growth or 0) - (s.reference_growth or 0)
            # Where speed is the task, a slow variant is flagged by its ratio, not its growth.
            flagged = s.over_allowance if s.speed_required else s.too_slow
            ok = not s.error and flagged and abs(diff - expected) <= GROWTH_TOLERANCE
            verdict = "ok" if ok else "FAIL"
            if s.error:  # the timing failed: say why, not a ratio it never measured
                verdict += f" the timing failed: {s.error.splitlines()[0]}"
            else:
                verdict += (
                    f" (slope difference {diff:+.2f}, expected {expected:+.2f} ±{GROWTH_TOLERANCE})"
                )
            print(
                f"{'':22} {variant.label:22} {_ratio(s.ratio):>7} {'':13} "
                f"{s.learner_growth or 0:6.2f} {s.reference_growth or 0:6.2f}  {verdict}"
            )
            if not ok:
                failures.append(
                    f"{kata.slug}/{variant.label}: "
                    + (
                        f"the timing failed: {s.error}"
                        if s.error
                        else f"difference {diff:+.2f}, expected {expected:+.2f}, flags {s.flags}"
                    )
                )
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("katas", nargs="*")
    parser.add_argument("--no-hog", action="store_true", help="skip the run beside a CPU hog")
    args = parser.parse_args()
    katas = [k for k in load_catalog(ROOT) if k.timing and (not args.katas or k.slug in args.katas)]
    failures = check(katas)
    if not args.no_hog:
        print("\nwith a CPU hog on the other core:")
        hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            failures += [f"(with hog) {f}" for f in check(katas)]
        finally:
            hog.kill()
    print()
    for failure in failures:
        print(f"FAIL {failure}")
    print("fidelity holds" if not failures else f"{len(failures)} fidelity checks failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
