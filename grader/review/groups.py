"""Answer groups: the answers to one part, grouped by what the grader read.

Two answers are in one group when the grader's reading of them is the same:
every check of the part has the same verdict and score, and the same
evidence of it (the ideas and misconceptions a free-text rule found, the
step-by-step verdicts and diagnoses of a derivation, the outcome of each code
test, the diagnosis of an expression). Two students who both wrote ``X X^T``
in the gradient are one group however they typeset it, because the grader
read the same mistake in both. A part where the rules found nothing to say
(free text that matched no idea) is grouped by its normalised text instead,
so an instructor still sees identical answers once.

The groups are computed from reports (``grader.report/1``), so they need
nothing but a results folder: no rubric, no engine.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from grader.report.models import CheckReport, GradeReport, PartReport

__all__ = [
    "AnswerGroup",
    "AnswerGroupCollector",
    "GroupMember",
    "answer_hash",
    "group_answers",
    "reading_signature",
]


@dataclass(frozen=True)
class GroupMember:
    """One student's answer to the part."""

    submission_id: str
    score: float
    needs_review: bool
    answer_hash: str
    text: str


@dataclass
class AnswerGroup:
    """Answers to one part that the grader read the same way."""

    part_id: str
    key: str  # a short stable id of the reading (a hash of the signature)
    signature: tuple
    members: list[GroupMember] = field(default_factory=list)
    max_score: float = 0.0
    reading: list[str] = field(default_factory=list)  # the grader's reading, per check

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def flagged(self) -> int:
        """How many members the grader sent to review."""
        return sum(member.needs_review for member in self.members)

    @property
    def score(self) -> float:
        """The grader's score of the group (every member has it)."""
        return self.members[0].score if self.members else 0.0

    @property
    def representative(self) -> GroupMember:
        """The most common wording in the group (the first student's on a tie)."""
        counts: dict[str, int] = {}
        for member in self.members:
            counts[_normalised(member.text)] = counts.get(_normalised(member.text), 0) + 1
        best = max(counts.values())
        for member in self.members:
            if counts[_normalised(member.text)] == best:
                return member
        return self.members[0]  # pragma: no cover - members is never empty here


_SPACES = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[^\w\s]")


def _normalised(text: str) -> str:
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", text.lower())).strip()


def answer_hash(part: PartReport, submission_sha256: str = "") -> str:
    """What identifies the content of a student's answer to a part: its text as
    read (whitespace aside). A part whose answer is not text (code files) is
    identified by the whole submission's hash, so any change to it counts."""
    text = part.answer.text if part.answer is not None and part.answer.found else ""
    if text.strip():
        content = "text:" + _SPACES.sub(" ", text).strip()
    else:
        content = "submission:" + submission_sha256
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _check_signature(check: CheckReport) -> tuple:
    details = check.details or {}
    steps = tuple(
        (
            step.get("kind"),
            step.get("quantity"),
            step.get("vs_truth"),
            step.get("diagnosis"),
            bool(step.get("ocr_suspect")),
        )
        for step in details.get("steps") or ()
        if isinstance(step, dict) and step.get("kind") != "side_note"
    )
    tests = tuple(
        (test.get("id"), test.get("status") or test.get("passed"))
        for test in details.get("tests") or ()
        if isinstance(test, dict)
    )
    notes = tuple(sorted({evidence.note for evidence in check.evidence if evidence.note}))
    diagnosis = details.get("diagnosis") or details.get("mistake")
    return (
        check.id,
        str(check.verdict),
        round(check.score, 4),
        check.needs_review,
        notes,
        steps,
        tests,
        str(diagnosis) if diagnosis else None,
    )


def _said_nothing(check: CheckReport) -> bool:
    """The check found nothing in the answer to tell it from another one."""
    details = check.details or {}
    return not check.evidence and not details.get("steps") and not details.get("tests")


def reading_signature(part: PartReport) -> tuple:
    """What the grader read in this answer, as a hashable value: equal for two
    answers read the same way."""
    if part.answer is not None and not part.answer.found:
        return ("no answer",)
    checks = tuple(_check_signature(check) for check in part.checks)
    text = part.answer.text if part.answer is not None else ""
    if text.strip() and all(_said_nothing(check) for check in part.checks):
        # the rules found nothing to group by: the same words are the same answer
        return (checks, ("text", _normalised(text)))
    return (checks,)


def _reading(part: PartReport) -> list[str]:
    lines = []
    for check in part.checks:
        line = f"{check.id} ({check.kind}): {check.verdict}, {check.score:g}/{check.max_score:g}"
        if check.message:
            line += f": {check.message}"
        lines.append(line)
    return lines


SAME_MEANING = 0.9  # cosine of two sentence embeddings read as the same answer


def _by_meaning(groups: list[AnswerGroup], encoder) -> list[AnswerGroup]:
    """Free-text groups the rules found nothing in (grouped by their words),
    merged when they say the same thing in other words: same checks' reading,
    representative answers within :data:`SAME_MEANING` cosine."""
    textual = [g for g in groups if len(g.signature) == 2 and g.signature[1][0] == "text"]
    if len(textual) < 2 or encoder is None:
        return groups
    vectors = encoder.encode([g.representative.text for g in textual])
    merged: list[tuple[AnswerGroup, object]] = []
    for group, vector in zip(textual, vectors, strict=True):
        for kept, kept_vector in merged:
            same_reading = kept.signature[0] == group.signature[0]
            if same_reading and float(vector @ kept_vector) >= SAME_MEANING:
                kept.members.extend(group.members)
                break
        else:
            merged.append((group, vector))
    merged_ids = {id(group) for group in textual}
    return [g for g in groups if id(g) not in merged_ids] + [group for group, _ in merged]


def _default_encoder():
    try:
        from grader.text.encoder import default_encoder

        return default_encoder()
    except Exception:  # noqa: BLE001 - no meaning model: the words alone group
        return None


class AnswerGroupCollector:
    """Reports added one at a time (a batch keeps one in memory at a time);
    :meth:`result` gives the groups. ``part_id``: only that part."""

    def __init__(self, part_id: str | None = None) -> None:
        self.part_id = part_id
        self._groups: dict[str, dict[tuple, AnswerGroup]] = {}

    def add(self, report: GradeReport) -> None:
        for part in report.parts:
            if self.part_id is not None and part.id != self.part_id:
                continue
            signature = reading_signature(part)
            by_signature = self._groups.setdefault(part.id, {})
            group = by_signature.get(signature)
            if group is None:
                key = hashlib.sha256(repr((part.id, signature)).encode("utf-8")).hexdigest()[:10]
                group = by_signature[signature] = AnswerGroup(
                    part.id, key, signature, max_score=part.max_score, reading=_reading(part)
                )
            text = part.answer.text if part.answer is not None else ""
            group.members.append(
                GroupMember(
                    report.submission.id,
                    part.score,
                    part.needs_review,
                    answer_hash(part, report.submission.sha256),
                    text,
                )
            )

    def result(self, *, encoder="default") -> dict[str, list[AnswerGroup]]:
        """Part id -> its answer groups, most in need of a person first (groups
        with flagged members, then larger groups, then lower scores). Free
        text the rules found nothing in is grouped by meaning when the
        sentence encoder is installed (``encoder=None``: by its words only)."""
        if encoder == "default":
            needs = any(
                len(g.signature) == 2 and g.signature[1][0] == "text"
                for found in self._groups.values()
                for g in found.values()
            )
            encoder = _default_encoder() if needs else None
        return {
            pid: sorted(
                _by_meaning(list(found.values()), encoder),
                key=lambda group: (-(group.flagged > 0), -group.size, group.score, group.key),
            )
            for pid, found in self._groups.items()
        }


def group_answers(
    reports: Iterable[GradeReport], part_id: str | None = None, *, encoder="default"
) -> dict[str, list[AnswerGroup]]:
    """Part id -> its answer groups (see :meth:`AnswerGroupCollector.result`)."""
    collector = AnswerGroupCollector(part_id)
    for report in reports:
        collector.add(report)
    return collector.result(encoder=encoder)
