"""Markdown renderer: a feedback sheet for one student.

Per question and part: the score, what was wrong and where (line numbers),
what a marker will look at, and how the answer was read (so OCR or typing
slips show). Never the references: it renders only the report.
"""

from __future__ import annotations

from grader.report._common import decided_by, format_span
from grader.report.models import GradeReport, PartReport


def score_text(value: float) -> str:
    """``2``, ``0.5``, ``3.33``: marks as a marker writes them."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _part_label(part: PartReport) -> str:
    letter = part.id.split(".", 1)[-1]
    return f"({letter})" if letter != part.id else part.id


def _part_lines(part: PartReport, *, show_answers: bool) -> list[str]:
    title = f" {part.title}" if part.title else ""
    flag = " (to be reviewed)" if part.needs_review else ""
    out = [
        f"### {_part_label(part)}{title}: {score_text(part.score)} / {score_text(part.max_score)}{flag}",
        "",
    ]
    answer = part.answer
    if answer is not None and answer.found and answer.lines is not None:
        out.append(
            f"Your answer: {format_span(answer.lines)}"
            + (f" (found by {answer.how_found})" if answer.how_found else "")
            + "."
        )
        out.append("")
    person = decided_by(part)
    if person:
        out += [f"{person}.", ""]
    for line in part.feedback:
        out.append(f"- {line}")
    if part.feedback:
        out.append("")
    if part.needs_review:
        out.append("A marker will look at:")
        out += [f"- {reason}" for reason in part.review_reasons]
        out.append("")
    if show_answers and answer is not None and (answer.read_as or answer.repairs):
        out.append("<details><summary>How your answer was read</summary>")
        out.append("")
        out += [f"- `{line}`" for line in answer.read_as]
        out += [f"- OCR repair: {repair}" for repair in answer.repairs]
        out.append("")
        out.append("</details>")
        out.append("")
    return out


def render(report: GradeReport, *, show_answers: bool = True) -> str:
    """The feedback sheet as Markdown."""
    sub, rubric = report.submission, report.rubric
    out = [f"# Feedback: {sub.id}", ""]
    out.append(
        f"Rubric: {rubric.title or rubric.id} (`{rubric.id}`, sha256 `{rubric.sha256[:12]}`)"
    )
    out.append("")
    out.append(f"**Score: {score_text(report.score)} / {score_text(report.max_score)}**")
    out.append("")
    if report.needs_review:
        count = sum(p.needs_review for p in report.parts)
        out.append(f"{count} part(s) will be looked at by a marker; the score may change.")
        out.append("")
    parts = {p.id: p for p in report.parts}
    for question in report.questions:
        title = f" {question.title}" if question.title else ""
        out.append(
            f"## {question.id.upper()}.{title}: {score_text(question.score)} / {score_text(question.max_score)}"
        )
        out.append("")
        for part_id in question.parts:
            out += _part_lines(parts[part_id], show_answers=show_answers)
    if report.warnings:
        out.append("## Notes on the sheet")
        out.append("")
        out += [f"- {w}" for w in report.warnings]
        out.append("")
    return "\n".join(out).rstrip() + "\n"
