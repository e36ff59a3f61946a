"""Canvas gradebook import CSV (Grades > Import), per Canvas's guide "How do
I import grades in the Gradebook?" (community.canvaslms.com, Instructor Guide):

- identity columns first: ``Student``, ``ID``, ``SIS User ID``, ``SIS Login
  ID``, ``Section``; Canvas matches a row on ``ID``, else ``SIS User ID``,
  else ``SIS Login ID``. With a roster (``grader.report.roster``) they are
  the roster's values; without one, ``Student`` and ``SIS User ID`` hold the
  submission id.
- then one column per assignment. A header ending in the assignment's numeric
  id in brackets, ``Midterm: derivatives (12345)``, updates that existing
  assignment; any other header is offered as a new assignment. So a question
  or part mapped to an assignment id (``--canvas-assignment q1=12345``) gets
  the bracketed form, and without mappings every question is a new column.
- no ``Total`` column unless asked: Canvas computes its own total, and an
  imported ``Total`` would become one more assignment counted with the rest.
- optionally Canvas's second row, ``Points Possible``, with each column's
  maximum (as Canvas's own export has it).
- a student with no grade (on the roster, not graded) has empty cells, never
  a zero: an empty cell is "no grade" and leaves Canvas's grade alone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from grader.errors import InputError
from grader.report._common import format_exact
from grader.report.csv import IDENTITY_COLUMNS, POINTS_POSSIBLE, spreadsheet_text
from grader.report.grade_items import TOTAL, GradeItem, check_items, item_score, item_titles
from grader.report.models import GradeReport
from grader.report.roster import Roster


@dataclass
class CanvasExport:
    text: str
    # submission ids graded but not on the roster (their rows carry no Canvas ids)
    not_on_roster: list[str] = field(default_factory=list)


def canvas_items(
    reports: Sequence[GradeReport],
    *,
    assignments: Sequence[tuple[str, str]] = (),
    total: bool = False,
) -> list[GradeItem]:
    """The assignment columns: each (item, Canvas assignment id) mapping as
    ``<title> (<id>)``; without mappings, one new column per question
    (``<title> (<question id>)``); and ``Total`` when ``total`` is asked for
    and not mapped."""
    known = item_titles(reports)
    check_items([item for item, _ in assignments], known, "--canvas-assignment")
    items: list[GradeItem] = []
    for item, assignment_id in assignments:
        title, max_score = known[item]
        items.append(GradeItem(item, f"{title or item} ({assignment_id})", max_score))
    if not assignments:
        for item, (title, max_score) in known.items():
            if item != TOTAL and "." not in item:
                items.append(GradeItem(item, f"{title} ({item})" if title else item, max_score))
    if total and TOTAL not in {item for item, _ in assignments}:
        items.append(GradeItem(TOTAL, "Total", known.get(TOTAL, ("", 0.0))[1]))
    return items


def render(
    reports: Iterable[GradeReport],
    *,
    items: Sequence[GradeItem],
    roster: Roster | None = None,
    points_possible: bool = False,
) -> CanvasExport:
    """The import CSV: one row per graded submission (roster order when there
    is a roster, with a row of empty grades for each student not graded)."""
    reports = list(reports)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*IDENTITY_COLUMNS, *(item.header for item in items)])
    if points_possible:
        writer.writerow(
            [POINTS_POSSIBLE, "", "", "", "", *(format_exact(i.max_score) for i in items)]
        )
    export = CanvasExport("")

    def cells(report: GradeReport | None) -> list[str]:
        scores = [item_score(report, item.item) if report else None for item in items]
        return ["" if score is None else format_exact(score) for score in scores]

    if roster is None:
        for report in reports:
            student = spreadsheet_text(report.submission.id)
            writer.writerow([student, "", student, "", "", *cells(report)])
        export.text = out.getvalue()
        return export
    graded: dict[int, GradeReport] = {}
    for report in reports:
        entry = roster.find(report.submission.id)
        if entry is None:
            export.not_on_roster.append(report.submission.id)
        elif id(entry) in graded:
            raise InputError(
                f"submissions {graded[id(entry)].submission.id!r} and "
                f"{report.submission.id!r} are both the student on line {entry.line}",
                path=roster.path,
            )
        else:
            graded[id(entry)] = report
    for entry in roster.entries:
        identity = [
            entry.get("student", "name"),
            entry.get("id"),
            entry.get("sis user id"),
            entry.get("sis login id"),
            entry.get("section"),
        ]
        writer.writerow([spreadsheet_text(v) for v in identity] + cells(graded.get(id(entry))))
    for submission_id in export.not_on_roster:
        report = next(r for r in reports if r.submission.id == submission_id)
        student = spreadsheet_text(submission_id)
        writer.writerow([student, "", "", "", "", *cells(report)])
    export.text = out.getvalue()
    return export
