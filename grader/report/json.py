"""JSON renderer: the ``grader.report/1`` document (docs/report.md)."""

from __future__ import annotations

import json

from grader.report.models import GradeReport


def render(report: GradeReport, *, indent: int | None = 2) -> str:
    """The report as JSON text; ``indent=None`` gives one line (JSON Lines)."""
    separators = (",", ":") if indent is None else None
    return json.dumps(
        report.to_json_dict(), indent=indent, ensure_ascii=False, separators=separators
    )
