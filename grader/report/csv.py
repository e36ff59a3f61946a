"""CSV gradebook: one row per student, a column per question and the total.

The columns follow the layout Canvas exports and re-imports
(``Student, ID, SIS User ID, SIS Login ID, Section``, then one column per
graded item); Moodle's "Import grades > CSV file" maps any column to a user
field and any other column to a grade item, so the same file imports there
(steps in docs/integrations.md).

- ``Student`` and ``SIS User ID`` hold the submission id (the file or folder
  name); ``ID``, ``SIS Login ID`` and ``Section`` are left empty (Canvas
  matches a row on the first of ``ID``, ``SIS User ID``, ``SIS Login ID`` that
  is filled in).
- A question column is headed ``<title> (<id>)``, e.g. ``Linear regression (q1)``.
- A sheet that could not be graded has empty score cells, never a zero: an
  empty cell is "no grade yet" in both systems, a zero would be a wrong grade.
- With ``points_possible=True`` a second row gives each column's maximum, as
  Canvas exports do (Canvas reads it back; for Moodle leave it out).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from grader.report._common import format_exact, question_columns
from grader.report.models import GradeReport

IDENTITY_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
TOTAL_COLUMN = "Total"
POINTS_POSSIBLE = "Points Possible"


@dataclass
class GradebookRow:
    """One student's row as read back from a gradebook CSV."""

    student: str
    scores: dict[str, float | None] = field(default_factory=dict)  # question id -> score
    total: float | None = None


def question_header(question_id: str, title: str) -> str:
    return f"{title} ({question_id})" if title else question_id


def render(
    reports: GradeReport | Iterable[GradeReport],
    *,
    failed: Iterable[str] = (),
    points_possible: bool = False,
) -> str:
    """The gradebook CSV for ``reports`` (one or many), plus an empty-score row
    for each submission id in ``failed`` (sheets that could not be graded)."""
    if isinstance(reports, GradeReport):
        reports = [reports]
    reports = list(reports)
    rows = [gradebook_row(report) for report in reports]
    return render_rows(
        question_columns(reports), rows, failed=failed, points_possible=points_possible
    )


def gradebook_row(report: GradeReport) -> GradebookRow:
    """The light row a report contributes (the batch keeps these, not reports)."""
    return GradebookRow(
        student=report.submission.id,
        scores={question.id: question.score for question in report.questions},
        total=report.score,
    )


def render_rows(
    columns: list[tuple[str, str, float]],
    rows: Iterable[GradebookRow],
    *,
    failed: Iterable[str] = (),
    points_possible: bool = False,
) -> str:
    """The gradebook from (question id, title, max score) columns and rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            *IDENTITY_COLUMNS,
            *(question_header(qid, title) for qid, title, _ in columns),
            TOTAL_COLUMN,
        ]
    )
    if points_possible:
        maxima = [format_exact(max_score) for _, _, max_score in columns]
        total_max = format_exact(sum(max_score for _, _, max_score in columns))
        writer.writerow([POINTS_POSSIBLE, "", "", "", "", *maxima, total_max])
    for row in rows:
        cells = [
            format_exact(row.scores[qid]) if row.scores.get(qid) is not None else ""
            for qid, _, _ in columns
        ]
        total = format_exact(row.total) if row.total is not None else ""
        student = spreadsheet_text(row.student)
        writer.writerow([student, "", student, "", "", *cells, total])
    for student in failed:
        student = spreadsheet_text(student)
        writer.writerow([student, "", student, "", "", *("" for _ in columns), ""])
    return out.getvalue()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str) -> str:
    """A text cell a spreadsheet will not run: a name that starts like a
    formula (``=HYPERLINK(...)``, ``+1``, ``@SUM``) gets a leading quote."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def read(text: str) -> list[GradebookRow]:
    """Read a gradebook written by ``render`` back (question ids from the headers)."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return []
    header = rows[0]
    question_ids: list[str | None] = []
    for name in header:
        if name in IDENTITY_COLUMNS or name == TOTAL_COLUMN:
            question_ids.append(None)
        elif name.endswith(")") and "(" in name:
            question_ids.append(name[name.rindex("(") + 1 : -1])
        else:
            question_ids.append(name)
    result: list[GradebookRow] = []
    for row in rows[1:]:
        if not row or row[0] == POINTS_POSSIBLE:
            continue
        student = row[0][1:] if row[0].startswith("'") and row[0][1:2] in _FORMULA_START else row[0]
        entry = GradebookRow(student=student)
        for name, qid, cell in zip(header, question_ids, row, strict=False):
            if name == TOTAL_COLUMN:
                entry.total = float(cell) if cell.strip() else None
            elif qid is not None:
                entry.scores[qid] = float(cell) if cell.strip() else None
        result.append(entry)
    return result
