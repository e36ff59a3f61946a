"""Report models, the format registry (``grader.report.formats``) and one
renderer per output format; the formatting helpers the renderers share
(``format_score``, ``safe_name``, ...) are public here.

Names are loaded lazily, as in ``grader/__init__.py``, so that the command
line can read the format registry without importing pydantic.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    **{
        name: "grader.report._common"
        for name in (
            "decided_by",
            "format_exact",
            "format_score",
            "format_spans",
            "full_marks",
            "lost_mark_spans",
            "part_spans",
            "review_reasons",
            "safe_name",
            "unique_file_names",
        )
    },
    **{
        name: "grader.report.models"
        for name in (
            "SCHEMA_ID",
            "AnswerView",
            "CheckReport",
            "Evidence",
            "GradeReport",
            "LineSpan",
            "PartReport",
            "PersonDecision",
            "QuestionReport",
            "RubricInfo",
            "SubmissionInfo",
        )
    },
}

__all__ = sorted(_EXPORTS)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'grader.report' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
