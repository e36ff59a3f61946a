"""Statistics for the instructor over many reports: per-question mean, median,
score distribution, the most frequent feedback lines, the review queue.

Reports are added one at a time (``StatsCollector.add``) so that a batch of
thousands never holds them all in memory. Charts are inline SVG
(``grader.report.svg_charts``); the item analysis is in
``grader.report.item_analysis``.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from grader.report._common import (
    checks_not_run,
    format_score,
    format_spans,
    part_spans,
    review_reasons,
)
from grader.report.models import GradeReport

# Distinct scores up to this many get one bar each; more are put in equal bins.
MAX_DISTINCT_BARS = 12
EQUAL_BINS = 10


@dataclass
class QuestionStats:
    id: str
    title: str
    max_score: float
    scores: list[float] = field(default_factory=list)
    feedback: Counter = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return len(self.scores)

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.scores) if self.scores else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.scores) if self.scores else None

    def distribution(self) -> list[tuple[str, int]]:
        """(label, count) bars: one per distinct score when there are few,
        else ``EQUAL_BINS`` equal bins over [0, max] labelled by their start."""
        distinct = sorted(set(self.scores))
        if len(distinct) <= MAX_DISTINCT_BARS:
            counts = Counter(self.scores)
            return [(format_score(value), counts[value]) for value in distinct]
        top = self.max_score or max(self.scores)
        width = top / EQUAL_BINS if top > 0 else 1.0
        bins = [0] * EQUAL_BINS
        for score in self.scores:
            index = min(EQUAL_BINS - 1, max(0, int(score / width)))
            bins[index] += 1
        return [(format_score(i * width), count) for i, count in enumerate(bins)]

    def top_feedback(self, n: int = 5) -> list[tuple[str, int]]:
        return self.feedback.most_common(n)


@dataclass
class ReviewItem:
    submission: str
    part: str
    reason: str
    lines: str
    score: float
    max_score: float


@dataclass
class CheckNotRun:
    """A check that could not run on some sheets (``checks_not_run``)."""

    part: str
    check: str
    reason: str  # the first sheet's
    sheets: int = 0


@dataclass
class BatchStats:
    graded: int
    failed: list[tuple[str, str]]  # (submission id, reason)
    needing_review: int
    questions: list[QuestionStats]
    totals: list[float]
    max_total: float
    review_queue: list[ReviewItem]
    checks_not_run: list[CheckNotRun] = field(default_factory=list)

    @property
    def total_mean(self) -> float | None:
        return statistics.fmean(self.totals) if self.totals else None

    @property
    def total_median(self) -> float | None:
        return statistics.median(self.totals) if self.totals else None


class NotRunCollector:
    """Only the checks that could not run, over reports added one at a time
    (``grader grade`` one sheet after another keeps nothing else)."""

    def __init__(self) -> None:
        self._not_run: dict[tuple[str, str], CheckNotRun] = {}

    def add(self, report: GradeReport) -> None:
        for part_id, check_id, reason in checks_not_run(report):
            entry = self._not_run.setdefault(
                (part_id, check_id), CheckNotRun(part_id, check_id, reason)
            )
            entry.sheets += 1

    def result(self) -> list[CheckNotRun]:
        return list(self._not_run.values())

    def lines(self) -> list[str]:
        return _not_run_lines(self.result())


class StatsCollector:
    """Adds reports one at a time; ``result()`` gives the ``BatchStats``."""

    def __init__(self) -> None:
        self._questions: dict[str, QuestionStats] = {}
        self._failed: list[tuple[str, str]] = []
        self._totals: list[float] = []
        self._max_total = 0.0
        self._needing_review = 0
        self._review: list[ReviewItem] = []
        self._not_run = NotRunCollector()

    def add(self, report: GradeReport) -> None:
        self._totals.append(report.score)
        self._max_total = max(self._max_total, report.max_score)
        if report.needs_review or any(part.needs_review for part in report.parts):
            self._needing_review += 1
        self._not_run.add(report)
        for question in report.questions:
            stats = self._questions.get(question.id)
            if stats is None:
                stats = self._questions[question.id] = QuestionStats(
                    question.id, question.title, question.max_score
                )
            stats.scores.append(question.score)
        for part in report.parts:
            stats = self._questions.get(part.question_id)
            if stats is None:
                stats = self._questions[part.question_id] = QuestionStats(part.question_id, "", 0.0)
            lines = [*part.feedback, *(f for c in part.checks for f in c.feedback)]
            stats.feedback.update(dict.fromkeys(lines, 1))  # once per sheet
            if part.needs_review:
                self._review.append(
                    ReviewItem(
                        submission=report.submission.id,
                        part=part.id,
                        reason="; ".join(review_reasons(part)) or "flagged for review",
                        lines=format_spans(part_spans(part)),
                        score=part.score,
                        max_score=part.max_score,
                    )
                )

    def add_failure(self, submission_id: str, reason: str) -> None:
        self._failed.append((submission_id, reason))

    def result(self) -> BatchStats:
        return BatchStats(
            graded=len(self._totals),
            failed=list(self._failed),
            needing_review=self._needing_review,
            questions=list(self._questions.values()),
            totals=list(self._totals),
            max_total=self._max_total,
            review_queue=list(self._review),
            checks_not_run=self._not_run.result(),
        )


def not_run_lines(stats: BatchStats) -> list[str]:
    """One line per check that could not run: which, on how many sheets, why."""
    return _not_run_lines(stats.checks_not_run)


def _not_run_lines(entries: list[CheckNotRun]) -> list[str]:
    return [
        f"check {entry.check!r} of {entry.part} could not run on {entry.sheets} "
        f"sheet{'s' if entry.sheets != 1 else ''}: {entry.reason}"
        for entry in entries
    ]


def summary_markdown(stats: BatchStats) -> str:
    """The end-of-batch summary as Markdown (also what ``grade --out`` prints)."""
    out = [
        "# Batch summary",
        "",
        f"- graded: {stats.graded}",
        f"- failed: {len(stats.failed)}",
        f"- needing review: {stats.needing_review} sheets, {len(stats.review_queue)} parts",
    ]
    if stats.totals:
        out.append(
            f"- total: mean {format_score(stats.total_mean)}, median "
            f"{format_score(stats.total_median)} of {format_score(stats.max_total)}"
        )
    if stats.checks_not_run:
        out += ["", "## Checks that could not run", ""]
        out += [f"- {line}" for line in not_run_lines(stats)]
    if stats.failed:
        out += ["", "## Failed", ""]
        out += [f"- {sid}: {reason}" for sid, reason in stats.failed]
    if stats.questions:
        out += ["", "## Per question", "", "| question | max | mean | median | distribution |"]
        out.append("|---|---|---|---|---|")
        for q in stats.questions:
            bars = ", ".join(f"{label}: {count}" for label, count in q.distribution())
            mean = format_score(q.mean) if q.mean is not None else "-"
            median = format_score(q.median) if q.median is not None else "-"
            out.append(
                f"| {q.id} {q.title} | {format_score(q.max_score)} | {mean} | {median} | {bars} |"
            )
        out += ["", "## Most frequent feedback", ""]
        for q in stats.questions:
            for line, count in q.top_feedback():
                out.append(f"- {q.id} ({count}x): {line}")
    return "\n".join(out) + "\n"
