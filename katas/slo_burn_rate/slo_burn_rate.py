"""SLO burn-rate alerts — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code (and fill in
``WORKBOOK_RULES`` from the README's table). Grade it with::

    nox -s grade -- slo_burn_rate
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


@dataclass(frozen=True)
class AlertRule:
    """Fire when both windows burn the error budget faster than ``burn_rate``.

    Attributes:
        severity: ``"page"`` or ``"ticket"``.
        long_window: seconds; makes the alert significant.
        short_window: seconds; makes the alert reset soon after a fix.
        burn_rate: the threshold both windows' burn rates must exceed (strictly).
    """

    severity: str
    long_window: int
    short_window: int
    burn_rate: float


WORKBOOK_RULES: tuple[AlertRule, ...] = ()
"""The SRE Workbook's Table 5-8, in its order (see README.md, "Alerts")."""


def burn_rate_threshold(budget_consumed: float, long_window: int, period: int = 30 * DAY) -> float:
    """The burn rate that spends ``budget_consumed`` of the budget in ``long_window``.

    ``budget_consumed * period / long_window``; ``ValueError`` unless
    ``long_window`` and ``period`` are positive.
    """
    raise NotImplementedError


class SLOMonitor:
    """Burn rates, multiwindow alerts and the error budget over a request log.

    Args:
        requests: ``(timestamp, ok)`` pairs, timestamps in whole seconds, in
            any order; ``ok`` is ``False`` for a request against the SLO.
        slo: the target fraction of good requests, strictly between 0 and 1.
        period: the SLO period in seconds, for the error budget.
        rules: the alerts ``firing`` evaluates.

    Raises:
        ValueError: ``slo`` out of (0, 1), or a ``period`` or a window of any
            rule in ``rules`` not positive.
    """

    def __init__(
        self,
        requests: Iterable[tuple[int, bool]],
        slo: float,
        period: int = 30 * DAY,
        rules: Sequence[AlertRule] = WORKBOOK_RULES,
    ) -> None:
        raise NotImplementedError

    def error_ratio(self, t: int, window: int) -> float:
        """Failed / all requests with ``t - window < timestamp <= t``; 0.0 if none."""
        raise NotImplementedError

    def burn_rate(self, t: int, window: int) -> float:
        """``error_ratio(t, window) / (1 - slo)``; 0.0 for an empty window."""
        raise NotImplementedError

    def firing(self, t: int) -> list[AlertRule]:
        """The rules whose long and short windows both burn faster than their threshold."""
        raise NotImplementedError

    def budget_consumed(self, t: int) -> float:
        """Errors / the errors the budget allows, over the period ``(t - period, t]``."""
        raise NotImplementedError

    def budget_remaining(self, t: int) -> float:
        """``1 - budget_consumed(t)``; negative when the budget is overspent."""
        raise NotImplementedError
