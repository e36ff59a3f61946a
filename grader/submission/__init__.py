"""Reading answer sheets and finding each part's answer.

    read_submission(path) -> Submission        a sheet, an answer file, code files
    discover_submissions(path) -> list[Path]   one submission or a folder of them
                                               (the only submission finder)
    find_parts(sheet, layout) -> PartFinding   where each part's answer is
    find_answers(submission, layout)           the same for any submission

See ``grader.submission.reading`` for file rules (notebooks: ``notebook``,
typed PDFs: ``pdf``, scans: ``ocr``, code outside ``.py`` files:
``code_answers``) and ``grader.submission.finding`` for how parts are found.
"""

from __future__ import annotations

from grader.submission._answers import find_answers
from grader.submission.discovery import (
    ANSWER_SUFFIXES,
    CODE_SUFFIXES,
    SHEET_SUFFIXES,
    discover_submissions,
    is_sheet_name,
    submission_files,
    submission_sha256,
)
from grader.submission.finding import find_parts
from grader.submission.models import (
    PartAnswer,
    PartFinding,
    PartLayout,
    QuestionLayout,
    QuestionSpan,
    Sheet,
    Submission,
    UnassignedSpan,
    default_part_labels,
)
from grader.submission.reading import MAX_SHEET_BYTES, read_submission

__all__ = [
    "ANSWER_SUFFIXES",
    "CODE_SUFFIXES",
    "SHEET_SUFFIXES",
    "PartAnswer",
    "PartFinding",
    "PartLayout",
    "QuestionLayout",
    "QuestionSpan",
    "Sheet",
    "Submission",
    "UnassignedSpan",
    "MAX_SHEET_BYTES",
    "default_part_labels",
    "discover_submissions",
    "find_answers",
    "find_parts",
    "is_sheet_name",
    "read_submission",
    "submission_files",
    "submission_sha256",
]
