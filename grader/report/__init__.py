"""Report models and one renderer per output format."""

from grader.report.models import (
    SCHEMA_ID,
    AnswerView,
    CheckReport,
    Evidence,
    GradeReport,
    LineSpan,
    PartReport,
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
    "QuestionReport",
    "RubricInfo",
    "SubmissionInfo",
]
