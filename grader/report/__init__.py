"""Report models and one renderer per output format; the formatting helpers
the renderers share (``format_score``, ``safe_name``, ...) are public here."""

from grader.report._common import (
    format_exact,
    format_score,
    format_spans,
    full_marks,
    lost_mark_spans,
    part_spans,
    review_reasons,
    safe_name,
)
from grader.report.models import (
    SCHEMA_ID,
    AnswerView,
    CheckReport,
    Evidence,
    GradeReport,
    LineSpan,
    PartReport,
    PersonDecision,
    QuestionReport,
    RubricInfo,
    SubmissionInfo,
)

__all__ = [
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
    "format_exact",
    "format_score",
    "format_spans",
    "full_marks",
    "lost_mark_spans",
    "part_spans",
    "review_reasons",
    "safe_name",
]
