"""A class roster (CSV) that ties each submission id to the ids a course tool
knows the student by: Canvas's ``ID``, ``SIS User ID``, ``SIS Login ID`` and
``Section``, Moodle's ``ID number``, ``Username`` or ``Email address``.

The file is any CSV with a header row; a Canvas gradebook export works as it
is. A submission is matched to the row whose ``submission`` column holds its
id, or, when the file has no such column, to the row where any identifier
column (``SIS User ID``, ``SIS Login ID``, ``ID``, ``ID number``,
``Username``, ``Email``, ``Email address``, ``Student``) holds it. Header
names are compared without case and surrounding spaces. Canvas's ``Points
Possible`` row and its ``Student, Test`` row are not students and are skipped.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import InputError

SUBMISSION_COLUMN = "submission"
# Columns whose value may be the submission id, in the order they are tried.
IDENTIFIER_COLUMNS = (
    "sis user id",
    "sis login id",
    "id",
    "id number",
    "username",
    "email",
    "email address",
    "student",
)
_NOT_STUDENTS = {"points possible", "student, test", "test student"}


def _key(name: str) -> str:
    return " ".join(name.strip().lower().split())


@dataclass
class RosterEntry:
    """One student: the file's cells by normalised column name, and the line."""

    cells: dict[str, str]
    line: int

    def get(self, *names: str) -> str:
        """The first non-empty cell among ``names`` (normalised), else ''."""
        for name in names:
            value = self.cells.get(_key(name), "").strip()
            if value:
                return value
        return ""


@dataclass
class Roster:
    path: str
    entries: list[RosterEntry] = field(default_factory=list)
    # an identifying value -> the rows holding it (two rows: ambiguous)
    by_value: dict[str, list[RosterEntry]] = field(default_factory=dict)

    def find(self, submission_id: str) -> RosterEntry | None:
        """The student whose row holds ``submission_id``; None when no row
        does; bad input when two rows do (which one would be a guess)."""
        found = self.by_value.get(submission_id, [])
        if len(found) > 1:
            lines = " and ".join(f"line {entry.line}" for entry in found)
            raise InputError(
                f"submission {submission_id!r} matches {lines}: which student is it?",
                path=self.path,
            )
        return found[0] if found else None


def read_roster(path: str | Path) -> Roster:
    """Read a roster CSV; a missing file, no header or one id on two rows is
    bad input (exit 2, with the file and line)."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise InputError(f"cannot read roster: {error.strerror}", path=where) from None
    except UnicodeDecodeError:
        raise InputError("roster is not UTF-8 text", path=where) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InputError("roster has no header row", path=where)
    header = [_key(name) for name in rows[0]]
    roster = Roster(where)
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        entry = RosterEntry(dict(zip(header, row, strict=False)), number)
        if entry.get("student").lower() in _NOT_STUDENTS:
            continue
        roster.entries.append(entry)
    columns = [SUBMISSION_COLUMN] if SUBMISSION_COLUMN in header else list(IDENTIFIER_COLUMNS)
    if not any(column in header for column in columns):
        raise InputError(
            "roster has no column to match submissions by (a 'submission' column, or one of "
            + ", ".join(repr(c) for c in IDENTIFIER_COLUMNS)
            + ")",
            path=where,
        )
    for entry in roster.entries:
        for value in dict.fromkeys(entry.cells.get(column, "").strip() for column in columns):
            if value:
                roster.by_value.setdefault(value, []).append(entry)
    return roster
