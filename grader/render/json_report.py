"""The JSON renderer: the report itself, as ``.kata/report.json`` holds it."""

from __future__ import annotations

import json
from typing import Any

from grader.core.formats import View, register


@register("json")
def render(report: dict[str, Any], view: View) -> str:
    """The report as the JSON document of ``docs/report-schema.json``."""
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
