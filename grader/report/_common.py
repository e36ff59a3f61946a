"""Small reading helpers shared by the batch renderers (csv, gradescope, junit,
html, stats): which lines a part refers to, score formatting, safe names.

Plain functions over ``grader.report.models``; no rendering here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from grader.report.models import GradeReport, LineSpan, PartReport

# A score that differs from its maximum by less than this is full marks (float sums).
SCORE_EPSILON = 1e-6


def format_score(value: float) -> str:
    """A score for people: exact when it has at most three decimals (``2``,
    ``7.5``, ``0.125``), else two (thirds: ``23.33``, ``0.67``). JSON keeps
    the exact value; this is for every human-facing format."""
    exact = abs(value * 1000 - round(value * 1000)) < 1e-6
    text = f"{value:.{3 if exact else 2}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_exact(value: float) -> str:
    """A score for a machine that imports it (a gradebook CSV): four decimals
    at most, so a third is 0.3333, not rounded to what people read."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def full_marks(score: float, max_score: float) -> bool:
    return score >= max_score - SCORE_EPSILON


def part_spans(part: PartReport) -> list[LineSpan]:
    """Every line span a part refers to: its answer, then its checks' evidence,
    without duplicates, in order of appearance."""
    spans: list[LineSpan] = []
    if part.answer is not None and part.answer.lines is not None:
        spans.append(part.answer.lines)
    for check in part.checks:
        for evidence in check.evidence:
            if evidence.lines is not None:
                spans.append(evidence.lines)
    unique: list[LineSpan] = []
    seen: set[tuple] = set()
    for span in spans:
        key = (span.path, span.start, span.end)
        if key not in seen:
            seen.add(key)
            unique.append(span)
    return unique


def lost_mark_spans(part: PartReport) -> list[tuple[LineSpan, str]]:
    """Where a part lost marks, with the message to show there: the part's
    answer lines (else its first evidence line) and its feedback. Evidence
    lines alone are not used: they may mark what earned marks as well."""
    if full_marks(part.score, part.max_score):
        return []
    message = "; ".join(part.feedback) or "; ".join(
        line
        for check in part.checks
        for line in ([check.message] if check.message else check.feedback)
    )
    message = message or "fewer than full marks"
    spans = part_spans(part)
    return [(spans[0], message)] if spans else []


def format_span(span: LineSpan) -> str:
    """``lines 3-5`` or ``line 3`` (with the file when it is not the sheet)."""
    where = f"line {span.start}" if span.start == span.end else f"lines {span.start}-{span.end}"
    return f"{span.path}: {where}" if span.path else where


def format_spans(spans: Iterable[LineSpan]) -> str:
    return ", ".join(format_span(span) for span in spans)


def review_reasons(part: PartReport) -> list[str]:
    """The part's own review reasons, then its checks', without duplicates."""
    reasons: list[str] = []
    for reason in [*part.review_reasons, *(r for c in part.checks for r in c.review_reasons)]:
        if reason not in reasons:
            reasons.append(reason)
    return reasons


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(text: str) -> str:
    """A file-name-safe version of an id (``alice smith/2`` -> ``alice_smith_2``)."""
    name = _UNSAFE.sub("_", text).strip("._")
    return name or "submission"


def unique_file_names(ids: Iterable[str]) -> list[str]:
    """A file-name-safe name for each id, distinct even on a case-insensitive
    file system (``Ann`` and ``ann`` -> ``Ann``, ``ann-2``)."""
    used: set[str] = set()
    names = []
    for sid in ids:
        name = base = safe_name(sid)
        counter = 2
        while name.lower() in used:
            name = f"{base}-{counter}"
            counter += 1
        used.add(name.lower())
        names.append(name)
    return names


def question_columns(reports: Iterable[GradeReport]) -> list[tuple[str, str, float]]:
    """(question id, title, max score) in the order the first report lists them,
    then any question only later reports have."""
    columns: dict[str, tuple[str, str, float]] = {}
    for report in reports:
        for question in report.questions:
            if question.id not in columns:
                columns[question.id] = (question.id, question.title, question.max_score)
    return list(columns.values())


def decided_by(part: PartReport) -> str | None:
    """ "Mark set by ada (the grader gave 0)" for a part a person decided."""
    decision = part.decision
    if decision is None:
        return None
    return f"Mark set by {decision.author} (the grader gave {format_score(decision.grader_score)})"


def checks_not_run(report: GradeReport) -> list[tuple[str, str, str]]:
    """(part id, check id, why) for each check that could not run at all: its
    adapter raised (a reference the rubric names is missing, an engine error)
    or its engine is not installed. Such a check scores 0 on every sheet, so a
    batch must not end with exit 0 on it (a missing answer is not this: that
    is the student's)."""
    found = []
    for part in report.parts:
        for check in part.checks:
            if check.verdict == "not_graded" and check.message.startswith("not graded"):
                why = check.message.removeprefix("not graded").lstrip(": ") or "not graded"
                found.append((part.id, check.id, why))
    return found
