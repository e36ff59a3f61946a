"""A graded class read back: the reports in a results folder (``grader grade
--out DIR``), or a JSON Lines file of reports (``grader grade --format json``)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from grader.errors import GraderError
from grader.report.models import GradeReport

__all__ = ["ResultsError", "read_reports"]

_RECORD_SCHEMA = "grader.batch/1"


class ResultsError(GraderError):
    """A results folder or file that holds no readable reports."""


def _report_of(data: object, where: str) -> GradeReport | None:
    if isinstance(data, dict) and data.get("schema") == _RECORD_SCHEMA:
        data = data.get("report")  # a batch record: None when the sheet failed
    if not isinstance(data, dict):
        return None
    try:
        return GradeReport.model_validate(data)
    except ValidationError as error:
        raise ResultsError(f"{where}: not a grader report: {error.errors()[0]['msg']}") from None


def read_reports(where: str | Path) -> list[GradeReport]:
    """Every report under ``where``, in submission order: a results folder
    (its ``results/*.json``), a folder of report files, or a JSON Lines file."""
    path = Path(where)
    reports: list[GradeReport] = []
    if path.is_dir():
        folder = path / "results" if (path / "results").is_dir() else path
        for file in sorted(folder.glob("*.json")):
            try:
                data = json.loads(file.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise ResultsError(f"{file}: cannot read: {error}") from None
            report = _report_of(data, str(file))
            if report is not None:
                reports.append(report)
    elif path.is_file():
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise ResultsError(f"{path}: cannot read: {error}") from None
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except ValueError as error:
                raise ResultsError(f"{path}:{number}: not JSON: {error}") from None
            report = _report_of(data, f"{path}:{number}")
            if report is not None:
                reports.append(report)
    else:
        raise ResultsError(f"{path}: no such results folder or file")
    if not reports:
        raise ResultsError(f"{path}: no graded reports in it")
    reports.sort(key=lambda report: report.submission.id)
    return reports
