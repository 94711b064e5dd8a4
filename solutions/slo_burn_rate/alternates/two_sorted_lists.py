"""Correct: two sorted lists of timestamps, all requests and failed ones, no prefix sums.

A window's request count is the number of timestamps in (t - w, t] of the
first list, its error count the same in the second: four binary searches per
window. The alerts and the budget are written out as the workbook's
comparisons, ``errors > threshold * (1 - slo) * total``, without dividing.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


@dataclass(frozen=True)
class AlertRule:
    severity: str
    long_window: int
    short_window: int
    burn_rate: float


WORKBOOK_RULES: tuple[AlertRule, ...] = (
    AlertRule("page", HOUR, 5 * MINUTE, 0.02 * 30 * DAY / HOUR),
    AlertRule("page", 6 * HOUR, 30 * MINUTE, 0.05 * 30 * DAY / (6 * HOUR)),
    AlertRule("ticket", 3 * DAY, 6 * HOUR, 0.10 * 30 * DAY / (3 * DAY)),
)


def burn_rate_threshold(budget_consumed: float, long_window: int, period: int = 30 * DAY) -> float:
    if long_window < 1 or period < 1:
        raise ValueError("windows and periods are positive")
    return budget_consumed / (long_window / period)


def _in(times: list[int], t: int, window: int) -> int:
    if window < 1:
        raise ValueError("a window is positive")
    return bisect_right(times, t) - bisect_right(times, t - window)


class SLOMonitor:
    def __init__(
        self,
        requests: Iterable[tuple[int, bool]],
        slo: float,
        period: int = 30 * DAY,
        rules: Sequence[AlertRule] = WORKBOOK_RULES,
    ) -> None:
        if slo <= 0 or slo >= 1:
            raise ValueError("slo is in (0, 1)")
        if period < 1 or any(min(r.long_window, r.short_window) < 1 for r in rules):
            raise ValueError("periods and windows are positive")
        self._all: list[int] = []
        self._bad: list[int] = []
        for ts, ok in requests:
            self._all.append(ts)
            if not ok:
                self._bad.append(ts)
        self._all.sort()
        self._bad.sort()
        self._slo = slo
        self._period = period
        self._rules = list(rules)

    def error_ratio(self, t: int, window: int) -> float:
        total = _in(self._all, t, window)
        return _in(self._bad, t, window) / total if total > 0 else 0.0

    def burn_rate(self, t: int, window: int) -> float:
        return self.error_ratio(t, window) / (1 - self._slo)

    def _burning(self, t: int, window: int, threshold: float) -> bool:
        total = _in(self._all, t, window)
        return total > 0 and _in(self._bad, t, window) > threshold * (1 - self._slo) * total

    def firing(self, t: int) -> list[AlertRule]:
        out = []
        for rule in self._rules:
            if self._burning(t, rule.short_window, rule.burn_rate) and self._burning(
                t, rule.long_window, rule.burn_rate
            ):
                out.append(rule)
        return out

    def budget_consumed(self, t: int) -> float:
        total = _in(self._all, t, self._period)
        if total == 0:
            return 0.0
        return _in(self._bad, t, self._period) / ((1 - self._slo) * total)

    def budget_remaining(self, t: int) -> float:
        return 1.0 - self.budget_consumed(t)
