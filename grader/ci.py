"""`grader ci`: grade one submission repository in a CI job.

Prints the feedback (Markdown) to stdout. On GitHub Actions (detected by
``GITHUB_ACTIONS=true``) it also appends a job summary to the file named by
``GITHUB_STEP_SUMMARY`` and prints a workflow command per place that lost
marks (``::warning file=...,line=...,endLine=...,title=...::message``), so the
lines show up annotated in the pull request, and writes the step output
``result`` (to ``$GITHUB_OUTPUT``): GitHub Classroom's autograding result,
one test per part with its points (``grader.report.classroom``). The exit code says whether the
score reached ``--min-score`` (1 if not); bad input exits 2 (``GraderError``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from grader.report import (
    format_score,
    format_spans,
    full_marks,
    lost_mark_spans,
    part_spans,
    review_reasons,
)
from grader.report.models import GradeReport
from grader.submission.discovery import is_sheet_name


def on_github_actions(env: Mapping[str, str]) -> bool:
    return env.get("GITHUB_ACTIONS") == "true"


def _escape_data(text: str) -> str:
    # GitHub's workflow-command escaping for the message part.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def sheet_file(report: GradeReport) -> str | None:
    """The answer sheet's path (what a ``LineSpan`` with no path refers to)."""
    for name in report.submission.files:
        if is_sheet_name(name):
            return name
    if is_sheet_name(report.submission.path):
        return report.submission.path
    return None


def _display_path(path: str, root: Path, submission_dir: Path) -> str:
    """A path as GitHub wants it: relative to the workspace root, with slashes."""
    candidate = Path(path)
    if not candidate.is_absolute() and not candidate.exists():
        candidate = submission_dir / candidate
    try:
        return candidate.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return candidate.as_posix()


@dataclass
class Annotation:
    file: str
    line: int
    end_line: int
    title: str
    message: str
    level: str = "warning"

    def command(self) -> str:
        props = (
            f"file={_escape_property(self.file)},line={self.line},endLine={self.end_line},"
            f"title={_escape_property(self.title)}"
        )
        return f"::{self.level} {props}::{_escape_data(self.message)}"


def annotations(report: GradeReport, *, root: Path) -> list[Annotation]:
    """One annotation per place a part lost marks; a part flagged for review
    gets a ``notice`` with the reasons instead (it is not a verdict yet)."""
    sheet = sheet_file(report)
    submission = Path(report.submission.path)
    submission_dir = submission if submission.is_dir() else submission.parent
    found: list[Annotation] = []
    for part in report.parts:
        score = f"{format_score(part.score)}/{format_score(part.max_score)}"
        if part.needs_review:
            spans = part_spans(part)[:1]
            places = [(span, "; ".join(review_reasons(part)) or "flagged") for span in spans]
            level, title = "notice", f"{part.id} ({score}, needs review)"
        elif not full_marks(part.score, part.max_score):
            places = lost_mark_spans(part)
            level, title = "warning", f"{part.id} ({score})"
        else:
            continue
        for span, message in places:
            path = span.path or sheet
            if path is None:
                continue
            found.append(
                Annotation(
                    file=_display_path(path, root, submission_dir),
                    line=span.start,
                    end_line=span.end,
                    title=title,
                    message=message,
                    level=level,
                )
            )
    return found


def job_summary(report: GradeReport, *, min_score: str | None = None, passed: bool = True) -> str:
    """The Markdown job summary: total, per-part table, what to look at."""
    out = [
        f"## {report.rubric.title or report.rubric.id}: "
        f"{format_score(report.score)} / {format_score(report.max_score)}",
        "",
    ]
    if min_score is not None:
        verdict = "reached" if passed else "**not reached**"
        out += [f"Minimum score {min_score}: {verdict}.", ""]
    out += ["| part | score | max | feedback |", "|---|---|---|---|"]
    for part in report.parts:
        notes = [*part.feedback]
        if part.needs_review:
            notes.append("needs review: " + ("; ".join(review_reasons(part)) or "flagged"))
        spans = part_spans(part)
        if spans and not full_marks(part.score, part.max_score):
            notes.append(format_spans(spans))
        text = "<br>".join(note.replace("|", "\\|").replace("\n", " ") for note in notes)
        title = f"{part.id} {part.title}".strip().replace("|", "\\|")
        out.append(
            f"| {title} | {format_score(part.score)} | {format_score(part.max_score)} | {text} |"
        )
    for warning in report.warnings:
        out += ["", f"> {warning}"]
    return "\n".join(out) + "\n"


def write_github_outputs(
    report: GradeReport,
    *,
    env: Mapping[str, str],
    echo,
    min_score: str | None,
    passed: bool,
) -> None:
    """Annotations to stdout (GitHub reads them from there) and the summary to
    ``$GITHUB_STEP_SUMMARY`` when it is set."""
    root = Path(env.get("GITHUB_WORKSPACE") or os.getcwd())
    for annotation in annotations(report, root=root):
        echo(annotation.command())
    summary_path = env.get("GITHUB_STEP_SUMMARY")
    if summary_path:
        with open(summary_path, "a", encoding="utf-8") as handle:
            handle.write(job_summary(report, min_score=min_score, passed=passed))
    from grader.report import classroom

    root_sheet = sheet_file(report)
    sheet = None
    if root_sheet is not None:
        submission = Path(report.submission.path)
        folder = submission if submission.is_dir() else submission.parent
        sheet = _display_path(root_sheet, root, folder)
    write_step_output("result", classroom.encode(classroom.to_dict(report, sheet=sheet)), env=env)


def write_step_output(name: str, value: str, *, env: Mapping[str, str]) -> None:
    """``name=value`` appended to ``$GITHUB_OUTPUT`` (a step output), when set:
    the action passes ``result`` on to GitHub Classroom's reporter."""
    output_path = env.get("GITHUB_OUTPUT")
    if output_path:
        with open(output_path, "a", encoding="utf-8") as handle:
            handle.write(f"{name}={value}\n")


def write_classroom_error(reason: str, *, env: Mapping[str, str]) -> None:
    """A submission that could not be graded: Classroom's reporter shows why."""
    from grader.report import classroom

    write_step_output("result", classroom.encode(classroom.error_dict(reason)), env=env)
