"""Grades back where courses keep them (``grader export``): a graded class
(the folder ``grader grade --out`` wrote, or a JSON Lines file of reports),
with people's decisions applied, as a Canvas or Moodle import file or
Gradescope ``results.json`` files with a leaderboard.

The renderers are in ``grader.report`` (canvas, moodle, gradescope); this
module reads the class, checks the options against it and says what it
could not place (a student missing from the roster).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from grader.errors import InputError

ExportTarget = Literal["canvas", "moodle", "gradescope"]
TARGETS: tuple[str, ...] = ("canvas", "moodle", "gradescope")


@dataclass
class ExportOptions:
    """What the command line says about the export (docs/integrations.md)."""

    roster: str | None = None
    canvas_assignments: Sequence[tuple[str, str]] = ()  # (item, Canvas assignment id)
    canvas_total: bool = False
    points_possible: bool = False
    moodle_id: Literal["idnumber", "username", "email"] = "idnumber"
    leaderboard: Sequence[str] = ()


@dataclass
class Export:
    """The files to write (name -> text; one file for Canvas and Moodle, one
    per student for Gradescope) and warnings for the instructor."""

    files: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def parse_assignment(text: str) -> tuple[str, str]:
    """``q1=12345`` -> ("q1", "12345"); Canvas assignment ids are numbers."""
    item, sep, number = text.partition("=")
    item, number = item.strip(), number.strip()
    if not sep or not item or not number.isdigit():
        raise InputError(
            f"--canvas-assignment {text!r}: write ITEM=ID, e.g. q1=12345 "
            "(ITEM: a question, a part like q1.b, or total; ID: the number in the "
            "assignment's Canvas address)"
        )
    return item, number


def class_reports(results: str | Path, database: str | None = None) -> list:
    """The class's reports with their final marks (people's decisions applied)."""
    from grader import review

    reports = review.read_reports(results)
    if not reports:
        raise InputError(f"{results}: no graded reports in it")
    store_path = database or review.default_store(results)
    if database or Path(store_path).exists():
        with review.open_store(store_path) as store:
            current = store.current(reports[0].rubric.id)
        reports = [review.apply_decisions(report, current) for report in reports]
    return reports


def export_class(
    results: str | Path,
    target: ExportTarget,
    options: ExportOptions,
    *,
    database: str | None = None,
) -> Export:
    """The export of a graded class for ``target``."""
    from grader.report.roster import read_roster

    if target not in TARGETS:
        raise InputError(f"unknown export target {target!r}; one of {', '.join(TARGETS)}")
    _check_options(target, options)
    reports = class_reports(results, database)
    roster = read_roster(options.roster) if options.roster else None
    export = Export()
    if target == "canvas":
        from grader.report import canvas

        items = canvas.canvas_items(
            reports, assignments=options.canvas_assignments, total=options.canvas_total
        )
        done = canvas.render(
            reports, items=items, roster=roster, points_possible=options.points_possible
        )
        export.files["canvas.csv"] = done.text
        export.warnings += [
            f"{sid}: not on the roster {options.roster}; its row has no Canvas ids"
            for sid in done.not_on_roster
        ]
    elif target == "moodle":
        from grader.report import moodle

        done = moodle.render(reports, identify_by=options.moodle_id, roster=roster)
        export.files["moodle.csv"] = done.text
        export.warnings += [
            f"{sid}: not on the roster {options.roster}; left out" for sid in done.not_on_roster
        ]
        export.warnings += [
            f"{options.roster}:{line}: no {moodle.FIELDS[options.moodle_id][0]!r} for this "
            "student; left out"
            for line in done.without_id
        ]
    else:
        from grader.report import gradescope, unique_file_names

        names = unique_file_names(report.submission.id for report in reports)
        for report, name in zip(reports, names, strict=True):
            export.files[f"{name}.json"] = gradescope.render(
                report, leaderboard=list(options.leaderboard)
            )
    return export


def _check_options(target: str, options: ExportOptions) -> None:
    """An option for another target is a mistake worth a line, not silence."""
    given = {
        "canvas": [
            name
            for name, value in (
                ("--canvas-assignment", options.canvas_assignments),
                ("--canvas-total", options.canvas_total),
                ("--points-possible", options.points_possible),
            )
            if value
        ],
        "moodle": ["--moodle-id"] if options.moodle_id != "idnumber" else [],
        "gradescope": ["--leaderboard"] if options.leaderboard else [],
    }
    for other, names in given.items():
        if other != target and names:
            raise InputError(f"{', '.join(names)} goes with --to {other}, not --to {target}")
    if target == "gradescope" and options.roster:
        raise InputError("--roster goes with --to canvas or moodle")
