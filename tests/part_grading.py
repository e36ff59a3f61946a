"""One part's answer text graded with a rubric file, one grading session per
rubric: for tests written as tables of answers."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from grader import api
from grader.pipeline import GradingSession, grade_text
from grader.report.models import PartReport


@cache
def session_for(rubric: Path) -> GradingSession:
    return GradingSession(api.load_rubric(rubric))


def grade_part(rubric: Path, part_id: str, text: str) -> PartReport:
    session = session_for(rubric)
    question, part = session.rubric.part(part_id)
    return grade_text(session, question, part, text)
