"""Access-log summary — correct, and too slow: make it faster.

This is the production code the spec (README.md in this folder) describes.
Every test passes on it already: the task is to make ``summarize`` run within
2× of the reference's time (about 3× faster than this original) while its
output stays identical, byte for byte. Grade it with::

    nox -s grade -- optimize_hot_path
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from datetime import datetime

LINE = (
    r"^(\S+) (\S+) (\S+) "
    r"\[([0-9]{2}/[A-Za-z]{3}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4})\] "
    r'"([A-Z]+) (\S+) (HTTP/[0-9]\.[0-9])" ([0-9]{3}) ([0-9]+|-) ([0-9]+)$'
)
TIMESTAMP = "%d/%b/%Y:%H:%M:%S %z"
UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


def summarize(lines: Iterable[str]) -> str:
    """The per-route report of an access log: counts, latency percentiles, 5xx share.

    Args:
        lines: the log's lines, each with or without its trailing newline.

    Returns:
        The report: a header, one row per route (most requests first), and a
        totals line, each ended by a newline. See the spec for every column.
    """
    groups = []  # [route, latencies, errors], one per route seen
    malformed = 0
    total = 0
    for line in lines:
        line = line.rstrip("\n")
        match = re.compile(LINE).match(line)
        if match is None:
            malformed = malformed + 1
            continue
        try:
            ipaddress.ip_address(match.group(1))
            datetime.strptime(match.group(4), TIMESTAMP)
        except ValueError:
            malformed = malformed + 1
            continue
        method = match.group(5)
        target = match.group(6)
        status = int(match.group(8))
        latency = int(match.group(10))

        path = target.split("?")[0].split("#")[0]
        pattern = ""
        for segment in path.split("/"):
            if re.compile(r"^[0-9]+$").match(segment):
                pattern = pattern + "{id}" + "/"
            elif re.compile(UUID).match(segment):
                pattern = pattern + "{uuid}" + "/"
            else:
                pattern = pattern + segment + "/"
        pattern = pattern[: len(pattern) - 1]
        route = method + " " + pattern

        group = None
        for candidate in groups:
            if candidate[0] == route:
                group = candidate
                break
        if group is None:
            group = [route, [], 0]
            groups.append(group)
        group[1].append(latency)
        if status >= 500:
            group[2] = group[2] + 1
        total = total + 1

    rows = sorted(groups, key=lambda g: (-len(g[1]), g[0]))
    report = (
        "route".ljust(44)
        + "count".rjust(8)
        + "p50".rjust(8)
        + "p95".rjust(8)
        + "max".rjust(8)
        + "5xx%".rjust(8)
        + "\n"
    )
    for route, latencies, errors in rows:
        count = len(latencies)
        p50 = sorted(latencies)[-(-50 * count // 100) - 1]
        p95 = sorted(latencies)[-(-95 * count // 100) - 1]
        slowest = sorted(latencies)[count - 1]
        share = f"{100 * errors / count:.1f}"
        report = (
            report
            + route.ljust(44)
            + str(count).rjust(8)
            + str(p50).rjust(8)
            + str(p95).rjust(8)
            + str(slowest).rjust(8)
            + share.rjust(8)
            + "\n"
        )
    report = report + str(total) + " requests, " + str(malformed) + " malformed lines\n"
    return report
