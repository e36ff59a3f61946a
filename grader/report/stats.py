"""Statistics for the instructor over many reports: per-question mean, median,
score distribution, the most frequent feedback lines, the review queue; and a
PNG bar chart per question.

The PNG writer is our own (zlib + struct, a 5x7 pixel font for the axis
numbers): matplotlib is not a dependency, and a histogram of a few bars does
not need it. Reports are added one at a time (``StatsCollector.add``) so that a
batch of thousands never holds them all in memory.
"""

from __future__ import annotations

import statistics
import struct
import zlib
from collections import Counter
from dataclasses import dataclass, field

from grader.report._common import format_score, format_spans, part_spans, review_reasons
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
class BatchStats:
    graded: int
    failed: list[tuple[str, str]]  # (submission id, reason)
    needing_review: int
    questions: list[QuestionStats]
    totals: list[float]
    max_total: float
    review_queue: list[ReviewItem]

    @property
    def total_mean(self) -> float | None:
        return statistics.fmean(self.totals) if self.totals else None

    @property
    def total_median(self) -> float | None:
        return statistics.median(self.totals) if self.totals else None


class StatsCollector:
    """Adds reports one at a time; ``result()`` gives the ``BatchStats``."""

    def __init__(self) -> None:
        self._questions: dict[str, QuestionStats] = {}
        self._failed: list[tuple[str, str]] = []
        self._totals: list[float] = []
        self._max_total = 0.0
        self._needing_review = 0
        self._review: list[ReviewItem] = []

    def add(self, report: GradeReport) -> None:
        self._totals.append(report.score)
        self._max_total = max(self._max_total, report.max_score)
        if report.needs_review or any(part.needs_review for part in report.parts):
            self._needing_review += 1
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
        )


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


# --- PNG bar chart -----------------------------------------------------------

# 5x7 glyphs, one string of 7 rows of 5 bits per character.
_FONT: dict[str, tuple[str, ...]] = {
    "0": ("01110", "10001", "10011", "10101", "11001", "10001", "01110"),
    "1": ("00100", "01100", "00100", "00100", "00100", "00100", "01110"),
    "2": ("01110", "10001", "00001", "00010", "00100", "01000", "11111"),
    "3": ("11110", "00001", "00001", "01110", "00001", "00001", "11110"),
    "4": ("00010", "00110", "01010", "10010", "11111", "00010", "00010"),
    "5": ("11111", "10000", "11110", "00001", "00001", "10001", "01110"),
    "6": ("00110", "01000", "10000", "11110", "10001", "10001", "01110"),
    "7": ("11111", "00001", "00010", "00100", "01000", "01000", "01000"),
    "8": ("01110", "10001", "10001", "01110", "10001", "10001", "01110"),
    "9": ("01110", "10001", "10001", "01111", "00001", "00010", "01100"),
    ".": ("00000", "00000", "00000", "00000", "00000", "01100", "01100"),
    "-": ("00000", "00000", "00000", "11111", "00000", "00000", "00000"),
    "/": ("00001", "00010", "00010", "00100", "01000", "01000", "10000"),
    " ": ("00000",) * 7,
}

_WHITE = (255, 255, 255)
_AXIS = (60, 60, 60)
_BAR = (52, 101, 164)


def _png(width: int, height: int, pixels: list[bytearray]) -> bytes:
    """Encode RGB rows as a PNG (8-bit truecolour, no interlace)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + bytes(row) for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


class _Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.rows = [bytearray(_WHITE * width) for _ in range(height)]

    def rect(self, x0: int, y0: int, x1: int, y1: int, colour: tuple[int, int, int]) -> None:
        x0, x1 = max(0, min(x0, x1)), min(self.width, max(x0, x1))
        y0, y1 = max(0, min(y0, y1)), min(self.height, max(y0, y1))
        for y in range(y0, y1):
            self.rows[y][3 * x0 : 3 * x1] = bytes(colour) * (x1 - x0)

    def text(self, x: int, y: int, text: str, colour=_AXIS) -> None:
        for index, char in enumerate(text):
            glyph = _FONT.get(char, _FONT[" "])
            for dy, row in enumerate(glyph):
                for dx, bit in enumerate(row):
                    if bit == "1":
                        self.rect(
                            x + 6 * index + dx, y + dy, x + 6 * index + dx + 1, y + dy + 1, colour
                        )


def text_width(text: str) -> int:
    return 6 * len(text) - 1 if text else 0


def bar_chart_png(bars: list[tuple[str, int]], *, width: int = 480, height: int = 240) -> bytes:
    """A PNG bar chart: one bar per (label, count), the label under it, the
    largest count on the y axis."""
    canvas = _Canvas(width, height)
    left, right, top, bottom = 36, 10, 12, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    canvas.rect(left - 1, top, left, top + plot_h + 1, _AXIS)  # y axis
    canvas.rect(left - 1, top + plot_h, left + plot_w, top + plot_h + 1, _AXIS)  # x axis
    peak = max((count for _, count in bars), default=0)
    label = str(peak)
    canvas.text(left - 4 - text_width(label), top, label)
    canvas.text(left - 4 - text_width("0"), top + plot_h - 7, "0")
    if bars and peak > 0:
        slot = plot_w / len(bars)
        bar_w = max(1, int(slot * 0.7))
        for index, (name, count) in enumerate(bars):
            x = left + int(index * slot + (slot - bar_w) / 2)
            bar_h = round(plot_h * count / peak)
            canvas.rect(x, top + plot_h - bar_h, x + bar_w, top + plot_h, _BAR)
            if text_width(name) <= slot or index % 2 == 0:
                canvas.text(x + bar_w // 2 - text_width(name) // 2, top + plot_h + 6, name)
    return _png(width, height, canvas.rows)
