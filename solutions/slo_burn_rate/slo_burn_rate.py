"""Reference solution: prefix sums over the requests sorted by time.

The requests are sorted once; ``errors_before[i]`` counts the failed ones
among the first i. A window (t - w, t] is the index range
[bisect_right(times, t - w), bisect_right(times, t)), so its request and
error counts are two binary searches and a subtraction: O(log n) per window,
however many evaluation times are asked for.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


@dataclass(frozen=True)
class AlertRule:
    """Fire when both windows burn the error budget faster than ``burn_rate``."""

    severity: str
    long_window: int
    short_window: int
    burn_rate: float


# The SRE Workbook, "Alerting on SLOs", Table 5-8 (a 30-day SLO period).
WORKBOOK_RULES: tuple[AlertRule, ...] = (
    AlertRule("page", 1 * HOUR, 5 * MINUTE, 14.4),
    AlertRule("page", 6 * HOUR, 30 * MINUTE, 6.0),
    AlertRule("ticket", 3 * DAY, 6 * HOUR, 1.0),
)


def burn_rate_threshold(budget_consumed: float, long_window: int, period: int = 30 * DAY) -> float:
    """The burn rate that spends ``budget_consumed`` of the period's budget in ``long_window``."""
    _check_positive(long_window=long_window, period=period)
    return budget_consumed * period / long_window


def _check_positive(**named: int) -> None:
    for name, value in named.items():
        if value <= 0:
            raise ValueError(f"{name} must be positive, not {value}")


class SLOMonitor:
    """Burn rates, multiwindow alerts and the error budget over a request log."""

    def __init__(
        self,
        requests: Iterable[tuple[int, bool]],
        slo: float,
        period: int = 30 * DAY,
        rules: Sequence[AlertRule] = WORKBOOK_RULES,
    ) -> None:
        if not 0 < slo < 1:
            raise ValueError(f"slo must be strictly between 0 and 1, not {slo}")
        _check_positive(period=period)
        for rule in rules:
            _check_positive(long_window=rule.long_window, short_window=rule.short_window)
        ordered = sorted(requests)
        self._times = [t for t, _ in ordered]
        self._errors_before = [0, *accumulate(not ok for _, ok in ordered)]
        self._budget = 1 - slo
        self._period = period
        self._rules = tuple(rules)

    def _counts(self, t: int, window: int) -> tuple[int, int]:
        """Requests and errors in (t - window, t]."""
        _check_positive(window=window)
        start = bisect_right(self._times, t - window)
        stop = bisect_right(self._times, t)
        return stop - start, self._errors_before[stop] - self._errors_before[start]

    def error_ratio(self, t: int, window: int) -> float:
        total, errors = self._counts(t, window)
        return errors / total if total else 0.0

    def burn_rate(self, t: int, window: int) -> float:
        return self.error_ratio(t, window) / self._budget

    def firing(self, t: int) -> list[AlertRule]:
        return [
            rule
            for rule in self._rules
            if self.burn_rate(t, rule.long_window) > rule.burn_rate
            and self.burn_rate(t, rule.short_window) > rule.burn_rate
        ]

    def budget_consumed(self, t: int) -> float:
        return self.burn_rate(t, self._period)

    def budget_remaining(self, t: int) -> float:
        return 1 - self.budget_consumed(t)
