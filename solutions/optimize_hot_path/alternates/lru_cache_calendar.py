"""Correct: functools caches, a defaultdict, regex substitutions and a calendar check of the time.

- The client address is checked with ``ipaddress`` behind ``functools.cache``.
- The timestamp is checked field by field (``calendar.monthrange`` for the
  day, English month abbreviations in any case, a UTC offset under 24 hours)
  instead of with ``datetime.strptime``: the line's pattern has fixed every
  field's width already.
- Route patterns come from two ``re.sub`` calls on the whole path, cached.
"""

from __future__ import annotations

import calendar
import functools
import ipaddress
import re
from collections import defaultdict
from collections.abc import Iterable

LINE = re.compile(
    r"^(\S+) \S+ \S+ "
    r"\[([0-9]{2})/([A-Za-z]{3})/([0-9]{4}):([0-9]{2}):([0-9]{2}):([0-9]{2}) "
    r"([+-])([0-9]{2})([0-9]{2})\] "
    r'"([A-Z]+) (\S+) HTTP/[0-9]\.[0-9]" ([0-9]{3}) (?:[0-9]+|-) ([0-9]+)$'
)
MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
ID = re.compile(r"(?:^|(?<=/))[0-9]+(?=/|$)")
UUID = re.compile(
    r"(?:^|(?<=/))[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?=/|$)"
)


@functools.cache
def _valid_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _valid_time(
    day: str, month: str, year: str, hh: str, mm: str, ss: str, zh: str, zm: str
) -> bool:
    number = MONTHS.get(month.lower())
    if number is None or int(year) < 1:
        return False
    if not 1 <= int(day) <= calendar.monthrange(int(year), number)[1]:
        return False
    return int(hh) < 24 and int(mm) < 60 and int(ss) < 60 and int(zh) < 24 and int(zm) < 60


@functools.cache
def _route(method: str, path: str) -> str:
    return method + " " + UUID.sub("{uuid}", ID.sub("{id}", path))


def summarize(lines: Iterable[str]) -> str:
    """The per-route report of an access log: counts, latency percentiles, 5xx share."""
    latencies: defaultdict[str, list[int]] = defaultdict(list)
    errors: defaultdict[str, int] = defaultdict(int)
    valid_time = functools.cache(_valid_time)
    malformed = 0
    for line in lines:
        m = LINE.match(line.rstrip("\n"))
        if m is None:
            malformed += 1
            continue
        client, day, month, year, hh, mm, ss, _, zh, zm, method, target, status, ms = m.groups()
        if not (_valid_address(client) and valid_time(day, month, year, hh, mm, ss, zh, zm)):
            malformed += 1
            continue
        route = _route(method, re.split(r"[?#]", target, maxsplit=1)[0])
        latencies[route].append(int(ms))
        errors[route] += status >= "500"

    out = ["{:<44}{:>8}{:>8}{:>8}{:>8}{:>8}".format("route", "count", "p50", "p95", "max", "5xx%")]
    ranked = sorted(latencies.items(), key=lambda item: (-len(item[1]), item[0]))
    for route, times in ranked:
        times.sort()
        n = len(times)
        p50, p95 = times[-(-n // 2) - 1], times[-(-95 * n // 100) - 1]
        out.append(
            f"{route:<44}{n:>8}{p50:>8}{p95:>8}{times[-1]:>8}{100 * errors[route] / n:>8.1f}"
        )
    total = sum(len(t) for t in latencies.values())
    out.append(f"{total} requests, {malformed} malformed lines\n")
    return "\n".join(out)
