"""Moodle grade import CSV (Grades > Import > CSV file), as Moodle's
"Import grades" documents it: a header row, one column identifying the user
(mapped in *Identify user from* to a user field: the user's ID number,
username or email address) and one column per grade item (mapped in *Grade
item mappings* to an existing item or a new one).

- The identifying column is named as Moodle's own export names the field
  (``ID number``, ``Username``, ``Email address``); its value comes from the
  roster (``grader.report.roster``), else it is the submission id.
- One column per question, ``<title> (<id>)``, and ``Total``; map the ones
  you want and leave the others on *Ignore*.
- Numbers with a dot, at most four decimals. A student with no grade has an
  empty cell, never a zero. No ``Points Possible`` row: Moodle would read it
  as a student.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from grader.report._common import format_exact
from grader.report.csv import spreadsheet_text
from grader.report.grade_items import TOTAL, GradeItem, item_score, item_titles
from grader.report.models import GradeReport
from grader.report.roster import Roster

MoodleField = Literal["idnumber", "username", "email"]
# the field -> (the column Moodle's export calls it, roster columns that hold it)
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "idnumber": ("ID number", ("id number", "idnumber", "sis user id")),
    "username": ("Username", ("username", "sis login id")),
    "email": ("Email address", ("email address", "email")),
}


@dataclass
class MoodleExport:
    text: str
    not_on_roster: list[str] = field(default_factory=list)
    # roster students whose row has no value for the identifying field
    without_id: list[int] = field(default_factory=list)


def moodle_items(reports: Sequence[GradeReport]) -> list[GradeItem]:
    known = item_titles(reports)
    items = [
        GradeItem(item, f"{title} ({item})" if title else item, max_score)
        for item, (title, max_score) in known.items()
        if item != TOTAL and "." not in item
    ]
    items.append(GradeItem(TOTAL, "Total", known.get(TOTAL, ("", 0.0))[1]))
    return items


def render(
    reports: Iterable[GradeReport],
    *,
    identify_by: MoodleField = "idnumber",
    roster: Roster | None = None,
    items: Sequence[GradeItem] | None = None,
) -> MoodleExport:
    reports = list(reports)
    items = list(items) if items is not None else moodle_items(reports)
    header, roster_columns = FIELDS[identify_by]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header, *(item.header for item in items)])
    export = MoodleExport("")

    def cells(report: GradeReport) -> list[str]:
        scores = [item_score(report, item.item) for item in items]
        return ["" if score is None else format_exact(score) for score in scores]

    for report in reports:
        identifier = report.submission.id
        if roster is not None:
            entry = roster.find(report.submission.id)
            if entry is None:
                export.not_on_roster.append(report.submission.id)
                continue
            identifier = entry.get(*roster_columns)
            if not identifier:
                export.without_id.append(entry.line)
                continue
        writer.writerow([spreadsheet_text(identifier), *cells(report)])
    export.text = out.getvalue()
    return export
