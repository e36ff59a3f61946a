"""Terminal renderer: a compact view of one report.

``render(report)`` is the instructor's summary; ``render(report,
student=True)`` is ``grader check``'s view: each answer as read (its lines,
the math as the parser understood it, OCR repairs), so slips show before
hand-in, then score and feedback.
"""

from __future__ import annotations

import textwrap

from grader.report._common import decided_by, format_span
from grader.report.markdown import score_text
from grader.report.models import GradeReport, PartReport

WIDTH = 100


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ") or [
        indent
    ]


def _part(part: PartReport, *, student: bool) -> list[str]:
    flag = "  [review]" if part.needs_review else ""
    title = f"  {part.title}" if part.title else ""
    out = [
        f"  {part.id:<6} {score_text(part.score):>5} / {score_text(part.max_score):<4}{title}{flag}"
    ]
    person = decided_by(part)
    if person:
        out.append(f"         {person}")
    answer = part.answer
    if student and answer is not None:
        if answer.how_found == "code file":
            out.append(f"         read from {answer.text}")
        elif not answer.found:
            if not part.feedback:  # else the feedback says it (not on the sheet, not submitted)
                out.append("         (no answer found)")
        else:
            if answer.lines is not None:
                out.append(
                    f"         read from {format_span(answer.lines)}"
                    + (f" ({answer.how_found})" if answer.how_found else "")
                )
            for line in answer.read_as:
                out += _wrap(f"read as {line}", "         ")
            for repair in answer.repairs:
                out += _wrap(f"OCR repair {repair}", "         ")
    for line in part.feedback:
        out += _wrap(f"- {line}", "         ")
    for reason in part.review_reasons:
        out += _wrap(f"? {reason}", "         ")
    return out


def render(report: GradeReport, *, student: bool = False) -> str:
    """The report as plain text for a terminal."""
    review = sum(p.needs_review for p in report.parts)
    head = f"{report.submission.id}: {score_text(report.score)} / {score_text(report.max_score)}"
    if review:
        head += f"  ({review} part(s) to review)"
    out = [head, f"rubric {report.rubric.id} sha256:{report.rubric.sha256[:12]}"]
    parts = {p.id: p for p in report.parts}
    for question in report.questions:
        title = f"  {question.title}" if question.title else ""
        out.append(
            f"{question.id:<8} {score_text(question.score):>5} / {score_text(question.max_score):<4}{title}"
        )
        for part_id in question.parts:
            out += _part(parts[part_id], student=student)
    for warning in report.warnings:
        out += _wrap(f"note: {warning}", "")
    return "\n".join(out) + "\n"
