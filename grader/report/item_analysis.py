"""Item analysis of a graded class: which parts worked as exam items.

Computed from reports (the results on disk, with people's decisions applied
when there are any), so it can be rerun after review changes marks.

Per part and per question:

- **mean** and **facility** (mean / maximum: 0 nobody scored, 1 everyone
  scored full marks; Moodle's "facility index");
- **standard deviation** (sample, n - 1);
- **discrimination**: the Pearson correlation of the item's score with the
  rest of the exam (the total less the item, so an item is not correlated
  with itself; Moodle's "discrimination index", the corrected item-total
  correlation of classical test theory);
- the share of answers **flagged** for review, the most frequent
  **feedback** lines.

For the exam: **Cronbach's alpha** over the parts,
``k/(k-1) * (1 - sum(var_part) / var_total)``, and the **standard error of
measurement**, ``SD_total * sqrt(1 - alpha)``.

An item whose discrimination is negative or near zero (below 0.1), or whose
facility is near 0 or 1 (below 0.1, above 0.95), is called out: "check this
part's rubric" (an item everyone gets, or that the strong students miss as
often as the weak ones, often hides a rubric mistake). Values that the data
cannot give (a correlation with one sheet or with equal marks) are None, not
0. Sources: docs/statistics.md.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from grader.report.models import GradeReport

__all__ = ["ClassAnalysis", "ItemAnalysisCollector", "ItemStatistics", "analyse_class"]

LOW_DISCRIMINATION = 0.1
LOW_FACILITY = 0.1
HIGH_FACILITY = 0.95


@dataclass
class ItemStatistics:
    """One part or question over the class."""

    id: str
    max_score: float
    count: int
    mean: float
    facility: float | None
    standard_deviation: float | None
    discrimination: float | None
    flagged_share: float
    frequent_feedback: list[tuple[str, int]] = field(default_factory=list)
    scores: list[float] = field(default_factory=list, repr=False)

    @property
    def warnings(self) -> list[str]:
        """Why a person should check this item's rubric (empty: nothing seen)."""
        found = []
        if self.discrimination is not None and self.discrimination < 0:
            found.append(
                f"negative discrimination ({self.discrimination:.2f}): students who did "
                "well on the rest of the exam did worse here"
            )
        elif self.discrimination is not None and self.discrimination < LOW_DISCRIMINATION:
            found.append(
                f"near-zero discrimination ({self.discrimination:.2f}): this part does not "
                "tell strong from weak answers"
            )
        if self.facility is not None and self.count > 1:
            if self.facility < LOW_FACILITY:
                found.append(f"facility {self.facility:.2f}: almost nobody scored")
            elif self.facility > HIGH_FACILITY:
                found.append(f"facility {self.facility:.2f}: almost everybody scored full marks")
        return found


@dataclass
class ClassAnalysis:
    """The item analysis of one exam over a class."""

    sheets: int
    max_score: float
    mean: float
    standard_deviation: float | None
    alpha: float | None  # Cronbach's alpha over the parts
    standard_error: float | None  # of measurement
    parts: list[ItemStatistics]
    questions: list[ItemStatistics]
    totals: list[float] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        def item(stats: ItemStatistics) -> dict:
            return {
                "id": stats.id,
                "max_score": stats.max_score,
                "count": stats.count,
                "mean": stats.mean,
                "facility": stats.facility,
                "standard_deviation": stats.standard_deviation,
                "discrimination": stats.discrimination,
                "flagged_share": stats.flagged_share,
                "frequent_feedback": [
                    {"text": text, "count": count} for text, count in stats.frequent_feedback
                ],
                "warnings": stats.warnings,
            }

        return {
            "sheets": self.sheets,
            "max_score": self.max_score,
            "mean": self.mean,
            "standard_deviation": self.standard_deviation,
            "alpha": self.alpha,
            "standard_error_of_measurement": self.standard_error,
            "parts": [item(p) for p in self.parts],
            "questions": [item(q) for q in self.questions],
        }


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _variance(values: Sequence[float]) -> float | None:
    """The sample variance (n - 1); None for fewer than two values."""
    if len(values) < 2:
        return None
    centre = _mean(values)
    return sum((v - centre) ** 2 for v in values) / (len(values) - 1)


def _sd(values: Sequence[float]) -> float | None:
    variance = _variance(values)
    return None if variance is None else math.sqrt(variance)


def _correlation(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r; None when either side does not vary (or n < 2)."""
    if len(xs) < 2:
        return None
    mx, my = _mean(xs), _mean(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return sxy / math.sqrt(sxx * syy)


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _item(
    item_id: str,
    max_score: float,
    scores: list[float],
    totals: list[float],
    flagged: list[bool],
    feedback: Counter,
) -> ItemStatistics:
    rest = [total - score for total, score in zip(totals, scores, strict=True)]
    mean = _mean(scores)
    return ItemStatistics(
        id=item_id,
        max_score=max_score,
        count=len(scores),
        mean=round(mean, 4),
        facility=_round(mean / max_score) if max_score > 0 and scores else None,
        standard_deviation=_round(_sd(scores)),
        discrimination=_round(_correlation(scores, rest)),
        flagged_share=round(sum(flagged) / len(flagged), 4) if flagged else 0.0,
        frequent_feedback=feedback.most_common(3),
        scores=scores,
    )


class ItemAnalysisCollector:
    """Reports added one at a time (a batch keeps one in memory at a time);
    :meth:`result` is the item analysis. Keeps only scores, flags and
    feedback counts."""

    def __init__(self) -> None:
        self.totals: list[float] = []
        self.max_score = 0.0
        self.part_order: list[str] = []
        self.part_max: dict[str, float] = {}
        self.part_scores: dict[str, list[float]] = {}
        self.part_flags: dict[str, list[bool]] = {}
        self.part_feedback: dict[str, Counter] = {}
        self.question_order: list[str] = []
        self.question_max: dict[str, float] = {}
        self.question_scores: dict[str, list[float]] = {}
        self.question_flags: dict[str, list[bool]] = {}
        self.question_feedback: dict[str, Counter] = {}

    def add(self, report: GradeReport) -> None:
        if not self.totals:
            self.max_score = report.max_score
            for part in report.parts:
                self.part_order.append(part.id)
                self.part_max[part.id] = part.max_score
                self.part_scores[part.id], self.part_flags[part.id] = [], []
                self.part_feedback[part.id] = Counter()
            for question in report.questions:
                self.question_order.append(question.id)
                self.question_max[question.id] = question.max_score
                self.question_scores[question.id], self.question_flags[question.id] = [], []
                self.question_feedback[question.id] = Counter()
        self.totals.append(report.score)
        by_id = {part.id: part for part in report.parts}
        for pid in self.part_order:
            part = by_id.get(pid)
            self.part_scores[pid].append(part.score if part is not None else 0.0)
            self.part_flags[pid].append(bool(part is not None and part.needs_review))
            if part is not None:
                self.part_feedback[pid].update(set(part.feedback))
        by_question = {question.id: question for question in report.questions}
        for qid in self.question_order:
            question = by_question.get(qid)
            members = [by_id[pid] for pid in (question.parts if question else []) if pid in by_id]
            self.question_scores[qid].append(question.score if question is not None else 0.0)
            self.question_flags[qid].append(any(p.needs_review for p in members))
            for member in members:
                self.question_feedback[qid].update(set(member.feedback))

    def result(self) -> ClassAnalysis:
        if not self.totals:
            raise ValueError("no reports to analyse")
        totals = self.totals
        parts = [
            _item(
                pid,
                self.part_max[pid],
                self.part_scores[pid],
                totals,
                self.part_flags[pid],
                self.part_feedback[pid],
            )
            for pid in self.part_order
        ]
        questions = [
            _item(
                qid,
                self.question_max[qid],
                self.question_scores[qid],
                totals,
                self.question_flags[qid],
                self.question_feedback[qid],
            )
            for qid in self.question_order
        ]
        total_variance = _variance(totals)
        part_variances = [_variance(self.part_scores[pid]) for pid in self.part_order]
        alpha = None
        k = len(self.part_order)
        if total_variance and total_variance > 1e-12 and k > 1 and None not in part_variances:
            alpha = k / (k - 1) * (1 - sum(part_variances) / total_variance)
        sd_total = _sd(totals)
        standard_error = (
            sd_total * math.sqrt(max(0.0, 1 - alpha))
            if alpha is not None and sd_total is not None
            else None
        )
        return ClassAnalysis(
            sheets=len(totals),
            max_score=self.max_score,
            mean=round(_mean(totals), 4),
            standard_deviation=_round(sd_total),
            alpha=_round(alpha),
            standard_error=_round(standard_error),
            parts=parts,
            questions=questions,
            totals=totals,
        )


def analyse_class(reports: Sequence[GradeReport]) -> ClassAnalysis:
    """The item analysis of the reports (one per sheet, one rubric)."""
    collector = ItemAnalysisCollector()
    for report in reports:
        collector.add(report)
    return collector.result()
