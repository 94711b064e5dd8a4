"""Tests for the SLO burn-rate alerts kata.

The alert parameters and formulas are the SRE Workbook's, chapter 5
"Alerting on SLOs" (https://sre.google/workbook/alerting-on-slos/):
burn rate = error ratio / (1 - SLO); Table 5-8, "Recommended parameters for a
99.9% SLO alerting configuration" (page 1 h / 5 min at 14.4, 2 % of the
budget; page 6 h / 30 min at 6, 5 %; ticket 3 d / 6 h at 1, 10 %); an alert
fires when both its windows exceed the burn rate ("expr: ... > (14.4*0.001)
and ... > (14.4*0.001)"). Small cases are worked by hand in the comments; the
seeded logs are checked against ``Brute`` below, which counts the requests of
every window straight from the definition, one by one.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from fractions import Fraction

import pytest

from slo_burn_rate import (
    DAY,
    HOUR,
    MINUTE,
    WORKBOOK_RULES,
    AlertRule,
    SLOMonitor,
    burn_rate_threshold,
)

PAGE_FAST = AlertRule("page", HOUR, 5 * MINUTE, 14.4)
PAGE_SLOW = AlertRule("page", 6 * HOUR, 30 * MINUTE, 6.0)
TICKET = AlertRule("ticket", 3 * DAY, 6 * HOUR, 1.0)


def outage() -> list[tuple[int, bool]]:
    """One request a second for two hours; the 300 of 3600 … 3899 fail."""
    return [(t, not 3600 <= t < 3900) for t in range(7200)]


# --- alerts: the workbook's table -------------------------------------------------


@pytest.mark.spec("API")
def test_alert_rules_are_frozen_values() -> None:
    # Frozen dataclasses: equal by value, hashable (a route per rule), immutable.
    routes = {rule: f"{rule.severity}-{rule.long_window}" for rule in WORKBOOK_RULES}
    assert routes.get(AlertRule("page", HOUR, 5 * MINUTE, 14.4)) == "page-3600"
    with pytest.raises(AttributeError):
        WORKBOOK_RULES[0].burn_rate = 1.0  # type: ignore[misc]


@pytest.mark.spec("Alerts")
def test_workbook_rules_are_table_5_8() -> None:
    got = [(r.severity, r.long_window, r.short_window, r.burn_rate) for r in WORKBOOK_RULES]
    want = [
        ("page", 3600, 300, pytest.approx(14.4)),
        ("page", 21600, 1800, pytest.approx(6.0)),
        ("ticket", 259200, 21600, pytest.approx(1.0)),
    ]
    assert got == want, "Table 5-8: 1 h/5 min at 14.4, 6 h/30 min at 6, 3 d/6 h at 1"


@pytest.mark.spec("Alerts")
@pytest.mark.parametrize(
    ("consumed", "window", "want"),
    [(0.02, HOUR, 14.4), (0.05, 6 * HOUR, 6.0), (0.10, 3 * DAY, 1.0), (1.0, 30 * DAY, 1.0)],
    ids=["2pct-1h", "5pct-6h", "10pct-3d", "all-30d"],
)
def test_thresholds_follow_from_the_budget_consumed(
    consumed: float, window: int, want: float
) -> None:
    # Table 5-8's last column: 2 % of a 30-day budget in 1 hour is a 14.4x burn.
    assert burn_rate_threshold(consumed, window) == pytest.approx(want)


@pytest.mark.spec("Alerts")
def test_threshold_for_another_period() -> None:
    # 2 % of a 7-day budget in 1 hour: 0.02 * 168 = 3.36.
    assert burn_rate_threshold(0.02, HOUR, period=7 * DAY) == pytest.approx(3.36)
    assert burn_rate_threshold(0.5, 2 * HOUR, period=4 * HOUR) == pytest.approx(1.0)


@pytest.mark.spec("Alerts")
@pytest.mark.parametrize(
    ("window", "period"),
    [(0, DAY), (-HOUR, DAY), (HOUR, 0), (HOUR, -DAY)],
    ids=["zero-window", "negative-window", "zero-period", "negative-period"],
)
def test_threshold_rejects_non_positive_windows(window: int, period: int) -> None:
    with pytest.raises(ValueError):
        burn_rate_threshold(0.02, window, period)


# --- windows ----------------------------------------------------------------------

SMALL = [(10, False), (20, True), (30, True)]


@pytest.mark.spec("Windows")
@pytest.mark.parametrize(
    ("t", "window", "want"),
    [
        (30, 20, 0.0),  # (10, 30]: 20 and 30, both good; 10 is excluded
        (30, 21, 1 / 3),  # (9, 30]: all three
        (29, 20, 0.5),  # (9, 29]: 10 and 20; 30 is in the future
        (10, 1, 1.0),  # (9, 10]: the request at t itself is included
        (10, 10, 1.0),  # (0, 10]
        (11, 1, 0.0),  # (10, 11]: empty
        (9, 100, 0.0),  # before the first request
    ],
    ids=[
        "excludes-start",
        "start-minus-one",
        "excludes-future",
        "includes-t",
        "from-zero",
        "just-after",
        "before-all",
    ],
)
def test_a_window_is_left_open_and_right_closed(t: int, window: int, want: float) -> None:
    monitor = SLOMonitor(SMALL, slo=0.5)
    assert monitor.error_ratio(t, window) == pytest.approx(want), (
        f"error_ratio({t}, {window}) counts the requests with {t - window} < ts <= {t}"
    )


@pytest.mark.spec("Windows")
def test_adjacent_windows_split_a_longer_one() -> None:
    log = [(t, t % 3 == 0) for t in range(100)]
    monitor = SLOMonitor(log, slo=0.9)
    # (40, 60] and (60, 80] are 20 requests each; (40, 80] is their union.
    halves = [monitor.error_ratio(60, 20), monitor.error_ratio(80, 20)]
    assert monitor.error_ratio(80, 40) == pytest.approx(sum(halves) / 2)
    # (39, 60] has 21 requests, 40 … 60; the 14 with t % 3 != 0 fail.
    assert monitor.error_ratio(60, 21) == pytest.approx(14 / 21)


@pytest.mark.spec("Windows")
def test_requests_sharing_a_second() -> None:
    log = [(5, True)] * 3 + [(5, False)] + [(6, False)] * 4
    monitor = SLOMonitor(log, slo=0.5)
    assert monitor.error_ratio(5, 1) == pytest.approx(0.25), "all four at second 5 count"
    assert monitor.error_ratio(6, 1) == pytest.approx(1.0), "second 5 is outside (5, 6]"
    assert monitor.error_ratio(6, 2) == pytest.approx(5 / 8)


@pytest.mark.spec("API")
def test_any_order_and_an_iterator_are_accepted() -> None:
    # The sorted log's answers come from the same implementation: this test is
    # about the order and the iterator only (the values are checked elsewhere).
    log = outage()
    shuffled = log.copy()
    random.Random(7).shuffle(shuffled)
    in_order = SLOMonitor(log, slo=0.999)
    monitor = SLOMonitor(iter(shuffled), slo=0.999)
    for t in (3599, 3899, 4199, 6000):
        for window in (5 * MINUTE, HOUR, 6 * HOUR):
            got, want = monitor.error_ratio(t, window), in_order.error_ratio(t, window)
            assert got == pytest.approx(want), (
                f"error_ratio({t}, {window}) over the shuffled log, passed as an iterator, "
                f"must equal that over the same log sorted ({want}): sort what you read"
            )
        assert monitor.firing(t) == in_order.firing(t), (
            f"firing({t}) over the shuffled log, passed as an iterator, must equal that over "
            "the same log sorted"
        )
        assert monitor.budget_consumed(t) == pytest.approx(in_order.budget_consumed(t)), (
            f"budget_consumed({t}) over the shuffled log must equal that over the sorted one"
        )
    assert monitor.error_ratio(3899, HOUR) == pytest.approx(in_order.error_ratio(3899, HOUR)), (
        "asked twice, the answer must not change: an iterator is read once, when the monitor "
        "is built"
    )


# --- burn rate --------------------------------------------------------------------


@pytest.mark.spec("Burn rate")
@pytest.mark.parametrize(
    ("slo", "errors", "want"),
    [
        (0.999, 10, 10.0),
        (0.999, 1, 1.0),
        (0.99, 10, 1.0),
        (0.9, 500, 5.0),
        (0.5, 100, 0.2),
        (0.25, 900, 1.2),
        (0.999, 0, 0.0),
        (0.9995, 1, 2.0),
    ],
    ids=[
        "three-nines-10",
        "three-nines-1",
        "two-nines",
        "one-nine",
        "half",
        "quarter",
        "no-errors",
        "three-and-a-half-nines",
    ],
)
def test_burn_rate_is_error_ratio_over_the_budget(slo: float, errors: int, want: float) -> None:
    # 1000 requests in (0, 1000]; errors / 1000 / (1 - slo).
    log = [(t, t > errors) for t in range(1, 1001)]
    monitor = SLOMonitor(log, slo=slo)
    assert monitor.error_ratio(1000, 1000) == pytest.approx(errors / 1000)
    assert monitor.burn_rate(1000, 1000) == pytest.approx(want), (
        f"{errors} errors in 1000 requests against a budget of {1 - slo:.3g}"
    )


@pytest.mark.spec("Burn rate")
def test_an_empty_window_burns_nothing() -> None:
    monitor = SLOMonitor([(100, False), (200, False)], slo=0.999)
    for t, window in [(50, 10), (150, 50), (300, 100), (100, 1)]:
        want = 1000.0 if (t, window) == (100, 1) else 0.0
        assert monitor.burn_rate(t, window) == pytest.approx(want), (
            f"burn_rate({t}, {window}): a window without requests burns 0.0"
        )
    assert SLOMonitor([], slo=0.99).error_ratio(0, HOUR) == 0.0


@pytest.mark.spec("Burn rate")
def test_examples_from_the_readme() -> None:
    monitor = SLOMonitor(outage(), slo=0.999)
    assert monitor.error_ratio(3899, HOUR) == pytest.approx(300 / 3600)
    assert monitor.burn_rate(3899, HOUR) == pytest.approx(83.333333)
    assert monitor.burn_rate(3899, 5 * MINUTE) == pytest.approx(1000.0)


# --- alerts -----------------------------------------------------------------------


@pytest.mark.spec("Alerts")
def test_an_outage_fires_every_alert() -> None:
    monitor = SLOMonitor(outage(), slo=0.999)
    assert monitor.firing(3899) == [PAGE_FAST, PAGE_SLOW, TICKET], (
        "at 3899 every rule fires; firing() returns the rules in the order of `rules`"
    )
    assert monitor.firing(3599) == [], "before the outage nothing must fire"


@pytest.mark.spec("Alerts")
@pytest.mark.parametrize(
    ("t", "want"),
    [
        # The 5-minute window (t - 300, t] still holds 5 of the failed seconds up to
        # t = 4194: 5 / 300 / 0.001 = 16.7 > 14.4. At 4195 only 4: 13.3.
        (4194, [PAGE_FAST, PAGE_SLOW, TICKET]),
        (4195, [PAGE_SLOW, TICKET]),
        # The hour stays at 83x long after: only the short window resets the page.
        (4199, [PAGE_SLOW, TICKET]),
        (6000, [TICKET]),
    ],
    ids=["4194", "4195", "4199", "6000"],
)
def test_the_short_window_resets_the_page(t: int, want: list[AlertRule]) -> None:
    monitor = SLOMonitor(outage(), slo=0.999)
    assert monitor.burn_rate(t, HOUR) > 14.4, "the long window is still far above 14.4"
    assert monitor.firing(t) == want, (
        "an alert fires only while its short window is above the threshold too "
        "(the workbook's reason for the short window: reset time)"
    )


@pytest.mark.spec("Alerts")
@pytest.mark.parametrize(("t", "fires"), [(5688, True), (5689, False)], ids=["5688", "5689"])
def test_the_six_hour_page_resets_on_its_30_minute_window(t: int, fires: bool) -> None:
    # (t - 1800, t] at 5688 holds the 11 failed seconds 3889 … 3899:
    # 11 / 1800 / 0.001 = 6.11 > 6; at 5689 only 10: 5.56.
    monitor = SLOMonitor(outage(), slo=0.999)
    assert (PAGE_SLOW in monitor.firing(t)) is fires


@pytest.mark.spec("Alerts")
@pytest.mark.parametrize(("t", "fires"), [(25495, True), (25496, False)], ids=["25495", "25496"])
def test_the_ticket_resets_on_its_6_hour_window(t: int, fires: bool) -> None:
    # After the log ends at 7199, (t - 21600, t] holds the seconds after t - 21600.
    # At 25495 that is 3896 … 7199: 4 errors in 3304 requests, 1.21x; at 25496,
    # 3 in 3303, 0.91x. The 3-day window holds all 7200: 41.7x.
    monitor = SLOMonitor(outage(), slo=0.999)
    assert (TICKET in monitor.firing(t)) is fires


@pytest.mark.spec("Alerts")
def test_a_short_spike_alone_does_not_page() -> None:
    # Two good hours, then 30 failed seconds: the 5-minute window burns at
    # 30 / 300 / 0.001 = 100x, but the hour only at 30 / 3600 / 0.001 = 8.3x.
    log = [(t, t < 7200) for t in range(7230)]
    monitor = SLOMonitor(log, slo=0.999)
    assert monitor.burn_rate(7229, 5 * MINUTE) > 14.4
    assert monitor.firing(7229) == [TICKET], (
        "a page needs its long window above the threshold too: a brief spike is noise"
    )


@pytest.mark.spec("Alerts")
def test_a_burn_rate_equal_to_the_threshold_does_not_fire() -> None:
    # SLO 0.75: a budget of 0.25, exact in binary. (0, 4] holds 2 errors in 4
    # requests and (2, 4] 1 in 2: both burn exactly 0.5 / 0.25 = 2.0.
    rule = AlertRule("page", 4, 2, 2.0)
    log = [(1, False), (2, True), (3, False), (4, True)]
    monitor = SLOMonitor(log, slo=0.75, rules=[rule])
    assert monitor.burn_rate(4, 4) == 2.0
    assert monitor.burn_rate(4, 2) == 2.0
    assert monitor.firing(4) == [], "the burn rate must exceed the threshold, not equal it"
    # One more failure at 4: 3 / 5 and 2 / 3, both above 2.
    monitor = SLOMonitor([*log, (4, False)], slo=0.75, rules=[rule])
    assert monitor.firing(4) == [rule]


@pytest.mark.spec("Alerts")
@pytest.mark.parametrize(
    ("log", "long_burn", "short_burn"),
    [
        ([(1, True), (2, True), (3, False), (4, False)], 2.0, 4.0),
        ([(1, False), (2, False), (3, False), (4, True)], 3.0, 2.0),
    ],
    ids=["long-equal", "short-equal"],
)
def test_each_window_must_exceed_the_threshold(
    log: list[tuple[int, bool]], long_burn: float, short_burn: float
) -> None:
    # Budget 0.25 again: 2 / 4 failed is exactly 2.0, 1 / 2 too; 3 / 4 is 3.0, 2 / 2 is 4.0.
    rule = AlertRule("page", 4, 2, 2.0)
    monitor = SLOMonitor(log, slo=0.75, rules=[rule])
    assert (monitor.burn_rate(4, 4), monitor.burn_rate(4, 2)) == (long_burn, short_burn)
    assert monitor.firing(4) == [], "a window exactly at the threshold keeps the alert quiet"


@pytest.mark.spec("Alerts")
def test_an_empty_short_window_does_not_fire() -> None:
    # A failing hour that ends 5 minutes before t: (t - 300, t] has no requests.
    log = [(t, False) for t in range(3600)]
    monitor = SLOMonitor(log, slo=0.999)
    assert monitor.firing(3599) == [PAGE_FAST, PAGE_SLOW, TICKET]
    assert PAGE_FAST not in monitor.firing(3899), "no requests in the last 5 minutes: no page"


@pytest.mark.spec("Alerts")
def test_rules_fire_in_the_given_order() -> None:
    rules = [TICKET, PAGE_FAST, AlertRule("page", 2 * HOUR, 10 * MINUTE, 50.0), PAGE_SLOW]
    monitor = SLOMonitor(outage(), slo=0.999, rules=rules)
    assert monitor.firing(3899) == [TICKET, PAGE_FAST, rules[2], PAGE_SLOW]
    assert SLOMonitor(outage(), slo=0.999, rules=[]).firing(3899) == []


@pytest.mark.spec("Alerts")
@pytest.mark.parametrize(
    ("failing", "want"),
    [(8, [PAGE_FAST, PAGE_SLOW, TICKET]), (5, [PAGE_SLOW, TICKET]), (1, [TICKET]), (0, [])],
    ids=["16x", "10x", "2x", "none"],
)
def test_steady_burns_fire_the_matching_alerts(failing: int, want: list[AlertRule]) -> None:
    # Six hours of 10 requests a minute, `failing` of them failing: every window
    # of whole minutes has the error ratio failing / 10, and at a 95 % SLO (a
    # budget of 0.05) burns 2 * failing: 16x is above 14.4, 10x above 6, 2x above 1.
    log = [(m * MINUTE, j >= failing) for m in range(360) for j in range(10)]
    monitor = SLOMonitor(log, slo=0.95)
    assert monitor.firing(359 * MINUTE) == want


# --- error budget -----------------------------------------------------------------


@pytest.mark.spec("Error budget")
@pytest.mark.parametrize(
    ("errors", "consumed"),
    [(0, 0.0), (5, 0.5), (10, 1.0), (20, 2.0)],
    ids=["none", "half", "all", "overspent"],
)
def test_budget_over_the_period(errors: int, consumed: float) -> None:
    # 1000 requests in a 1-day period at 99 %: 10 errors allowed.
    log = [(t * 60, t > errors) for t in range(1, 1001)]
    monitor = SLOMonitor(log, slo=0.99, period=DAY)
    assert monitor.budget_consumed(60_000) == pytest.approx(consumed)
    assert monitor.budget_remaining(60_000) == pytest.approx(1 - consumed)


@pytest.mark.spec("Error budget")
def test_requests_older_than_the_period_no_longer_count() -> None:
    # 100 failures at t = 0 … 99, then 1000 requests with 1 failure.
    log = [(t, False) for t in range(100)] + [(DAY + t, t != 7) for t in range(1000)]
    monitor = SLOMonitor(log, slo=0.99, period=DAY)
    t = DAY + 999
    # (999, DAY + 999]: the failures at 0 … 999 have left; 1 error in 1000 is 0.1.
    assert monitor.budget_consumed(t) == pytest.approx(0.1)
    # (99, DAY + 99]: the failure at 99 has just left; 1 error in 100 requests.
    assert monitor.budget_consumed(DAY + 99) == pytest.approx(1 / 100 / 0.01)
    # (98, DAY + 98] still holds the failure at 99: 2 errors in 100 requests.
    assert monitor.budget_consumed(DAY + 98) == pytest.approx(2 / 100 / 0.01)


@pytest.mark.spec("Error budget")
def test_the_default_period_is_30_days() -> None:
    start = 1_700_000_000
    log = [(start, False)] + [(start + DAY * d, True) for d in range(1, 31)]
    monitor = SLOMonitor(log, slo=0.9)
    # At start + 30 days - 1 the failure at start is inside (t - 30 d, t]: 1 of 30.
    assert monitor.budget_consumed(start + 30 * DAY - 1) == pytest.approx(1 / 30 / 0.1)
    # At start + 30 days it has just left: 0 of 30.
    assert monitor.budget_consumed(start + 30 * DAY) == 0.0
    assert monitor.budget_remaining(start + 30 * DAY) == pytest.approx(1.0)


@pytest.mark.spec("Error budget")
def test_the_budget_is_not_an_alert_window() -> None:
    # Failures 5 days ago, a clean last 3 days: the 30-day budget remembers them.
    log = [(h * HOUR, h != 10) for h in range(8 * 24)]
    monitor = SLOMonitor(log, slo=0.99)
    t = 8 * DAY - HOUR
    assert monitor.firing(t) == []
    assert monitor.budget_consumed(t) == pytest.approx(1 / 192 / 0.01)
    assert monitor.budget_remaining(t) == pytest.approx(1 - 1 / 1.92)


@pytest.mark.spec("Error budget")
def test_no_requests_leaves_the_whole_budget() -> None:
    monitor = SLOMonitor([(0, False)], slo=0.999, period=HOUR)
    assert monitor.budget_consumed(5 * HOUR) == 0.0
    assert monitor.budget_remaining(5 * HOUR) == 1.0
    assert SLOMonitor([], slo=0.999).budget_remaining(0) == 1.0


@pytest.mark.spec("Examples")
def test_budget_example_from_the_readme() -> None:
    monitor = SLOMonitor(outage(), slo=0.999)
    assert monitor.budget_consumed(3899) == pytest.approx(300 / 3.9)
    assert monitor.budget_remaining(3899) == pytest.approx(1 - 300 / 3.9)


# --- validation -------------------------------------------------------------------


@pytest.mark.spec("API")
@pytest.mark.parametrize("slo", [0.0, 1.0, -0.5, 1.5], ids=["zero", "one", "negative", "above"])
def test_an_slo_outside_0_1_is_rejected(slo: float) -> None:
    with pytest.raises(ValueError):
        SLOMonitor([], slo=slo)


ONE_OK = [(1, True)]
INVALID_CALLS = {
    "period=0": lambda: SLOMonitor([], slo=0.99, period=0),
    "period=-DAY": lambda: SLOMonitor([], slo=0.99, period=-DAY),
    "long_window=0": lambda: SLOMonitor([], slo=0.99, rules=[AlertRule("page", 0, 60, 2.0)]),
    "short_window=0": lambda: SLOMonitor([], slo=0.99, rules=[AlertRule("page", HOUR, 0, 2.0)]),
    "short_window=-60": lambda: SLOMonitor([], slo=0.99, rules=[AlertRule("page", HOUR, -60, 2.0)]),
    "second-rule": lambda: SLOMonitor(
        [], slo=0.99, rules=[PAGE_FAST, AlertRule("ticket", -DAY, HOUR, 1.0)]
    ),
    "error_ratio-0": lambda: SLOMonitor(ONE_OK, slo=0.99).error_ratio(1, 0),
    "error_ratio-negative": lambda: SLOMonitor(ONE_OK, slo=0.99).error_ratio(1, -1),
    "burn_rate-0": lambda: SLOMonitor(ONE_OK, slo=0.99).burn_rate(1, 0),
    "burn_rate-negative": lambda: SLOMonitor(ONE_OK, slo=0.99).burn_rate(1, -1),
}
CALL_TEXT = {
    "period=0": "SLOMonitor([], slo=0.99, period=0)",
    "period=-DAY": "SLOMonitor([], slo=0.99, period=-86400)",
    "long_window=0": 'SLOMonitor([], slo=0.99, rules=[AlertRule("page", 0, 60, 2.0)])',
    "short_window=0": 'SLOMonitor([], slo=0.99, rules=[AlertRule("page", 3600, 0, 2.0)])',
    "short_window=-60": 'SLOMonitor([], slo=0.99, rules=[AlertRule("page", 3600, -60, 2.0)])',
    "second-rule": (
        "SLOMonitor([], slo=0.99, rules=[a valid rule, "
        'AlertRule("ticket", -86400, 3600, 1.0)]) (the constructor checks every rule)'
    ),
    "error_ratio-0": "error_ratio(1, 0)",
    "error_ratio-negative": "error_ratio(1, -1)",
    "burn_rate-0": "burn_rate(1, 0)",
    "burn_rate-negative": "burn_rate(1, -1)",
}


@pytest.mark.spec("API")
@pytest.mark.parametrize("case", list(INVALID_CALLS), ids=list(INVALID_CALLS))
def test_non_positive_periods_and_windows_are_rejected(case: str) -> None:
    try:
        INVALID_CALLS[case]()
    except ValueError:
        return
    pytest.fail(f"{CALL_TEXT[case]} must raise ValueError: periods and windows are positive")


@pytest.mark.spec("API")
def test_a_window_of_one_second_is_fine() -> None:
    monitor = SLOMonitor(ONE_OK, slo=0.99, rules=[AlertRule("page", 1, 1, 2.0)])
    assert monitor.error_ratio(1, 1) == 0.0, "a window of one second must be accepted"
    assert monitor.firing(1) == [], "a rule with one-second windows must be accepted"


# --- seeded logs against the definition -------------------------------------------


class Brute:
    """The spec's definitions, evaluated by looking at every request."""

    def __init__(self, log: list[tuple[int, bool]], slo: float, period: int) -> None:
        self.log = log
        self.budget = 1 - Fraction(slo)
        self.period = period

    def counts(self, t: int, window: int) -> tuple[int, int]:
        inside = [ok for ts, ok in self.log if t - window < ts <= t]
        return len(inside), inside.count(False)

    def burn(self, t: int, window: int) -> Fraction:
        total, errors = self.counts(t, window)
        return Fraction(errors, total) / self.budget if total else Fraction(0)


def seeded_log(seed: int) -> list[tuple[int, bool]]:
    """Four days of traffic (a request every 10-110 s) with incidents of every size."""
    rng = random.Random(seed)
    incidents = [  # start, length, error probability
        (DAY // 2, 20 * MINUTE, 0.5),
        (DAY + 3 * HOUR, 4 * HOUR, 0.012),
        (2 * DAY + 6 * HOUR, 14 * HOUR, 0.004),
        (3 * DAY + 2 * HOUR, 10 * MINUTE, 0.9),
    ]
    log = []
    t = 0
    while t < 4 * DAY:
        p = next((p for s, n, p in incidents if s <= t < s + n), 0.0002)
        log.append((t, rng.random() >= p))
        t += rng.randint(10, 110)
    rng.shuffle(log)
    return log


def evaluation_times(seed: int) -> Iterator[int]:
    rng = random.Random(seed + 1)
    yield from (rng.randrange(-HOUR, 5 * DAY) for _ in range(30))
    edges = [DAY // 2 + 20 * MINUTE, DAY + 7 * HOUR, 2 * DAY + 20 * HOUR, 3 * DAY + 2 * HOUR]
    for edge in edges:  # around the end of each incident
        yield from (edge + rng.randrange(-HOUR, 2 * HOUR) for _ in range(6))


@pytest.mark.spec("Alerts")
@pytest.mark.weight(2)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_seeded_logs_agree_with_the_definition(seed: int) -> None:
    log = seeded_log(seed)
    slo, period = 0.999, 2 * DAY
    monitor = SLOMonitor(log, slo=slo, period=period)
    brute = Brute(log, slo, period)
    fired = set()
    for t in evaluation_times(seed):
        want, open_ = [], []
        for rule in WORKBOOK_RULES:
            burns = [brute.burn(t, rule.long_window), brute.burn(t, rule.short_window)]
            for window, burn in zip((rule.long_window, rule.short_window), burns):
                assert monitor.burn_rate(t, window) == pytest.approx(float(burn), abs=1e-9), (
                    f"seed {seed}: burn_rate({t}, {window})"
                )
            if any(abs(burn - Fraction(rule.burn_rate)) < Fraction(1, 10**9) for burn in burns):
                open_.append(rule)  # within rounding of the threshold: left open
            elif all(burn > Fraction(rule.burn_rate) for burn in burns):
                want.append(rule)
        got = [rule for rule in monitor.firing(t) if rule not in open_]
        assert got == want, f"seed {seed}: firing({t})"
        fired.update(rule.long_window for rule in want)
        budget = brute.burn(t, period)
        assert monitor.budget_consumed(t) == pytest.approx(float(budget), abs=1e-9), (
            f"seed {seed}: budget_consumed({t}) over ({t - period}, {t}]"
        )
        assert monitor.budget_remaining(t) == pytest.approx(float(1 - budget), abs=1e-9)
    assert fired == {HOUR, 6 * HOUR, 3 * DAY}, "the seeded incidents fire every rule somewhere"
