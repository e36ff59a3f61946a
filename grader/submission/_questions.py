"""Where each question's answer is: anchors (a dynamic programme over question
labels) and the stretches of lines between cuts. See ``finding.py`` step 1."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from grader.submission._scan import Scan
from grader.submission.labels import LabelLine
from grader.submission.models import QuestionLayout, Sheet, UnassignedSpan

_RESTART_PENALTY = 1.0  # a bare number continuing a list is an item, not a question
_STRONG = 2.5  # a label this strong cuts another question's text
_EPSILON = 1e-6
_MAX_CANDIDATES = 24  # per question number

Chunk = tuple[int, int, LabelLine | None]  # (first line, last line, the question's label line)


@dataclass
class _QuestionCandidate:
    line: int
    number: int
    strength: float
    kind: str
    label: LabelLine


def _question_candidates(scan: Scan) -> list[_QuestionCandidate]:
    candidates = []
    for line, label in sorted(scan.labels.items()):
        first = label.tokens[0]
        if first.kind == "question":
            strength = 3.0
        elif first.kind == "number":
            combined = len(label.tokens) > 1 and first.style == "x"  # "1(a)", "1a)"
            if label.prefix == "heading" or combined:
                strength = _STRONG
            elif label.prefix in ("plain", "emphasis") and label.indent < 2:
                strength = 1.5 if first.style in ("x.", "x:") else 1.0
                line_text = scan.sheet.line(line)
                if len(label.tokens) == 1 and not label.text_without(line_text, 1).strip():
                    strength += 0.5  # a number alone on its line reads as a heading
            else:  # bulleted, quoted or inside math: more likely a list item
                strength = 0.5
        else:
            continue
        candidates.append(_QuestionCandidate(line, first.number or 0, strength, first.kind, label))
    return candidates


def choose_question_anchors(
    scan: Scan, layout: Sequence[QuestionLayout]
) -> dict[int, _QuestionCandidate]:
    """Question index -> its anchor, in sheet order, maximising total strength."""
    numbers = [q.number if q.number is not None else i + 1 for i, q in enumerate(layout)]
    everything = _question_candidates(scan)
    # A bare number ("3." alone, not "3(a)") right after the previous bare number
    # (one less) may be an item of a numbered list: remember each one's predecessor.
    previous_bare: dict[int, _QuestionCandidate] = {}
    last_bare: _QuestionCandidate | None = None
    for candidate in everything:
        if candidate.kind == "number" and len(candidate.label.tokens) == 1:
            if last_bare is not None:
                previous_bare[candidate.line] = last_bare
            last_bare = candidate
    # At most a few candidates per question (the strongest, then the earliest), so a
    # pathological sheet (thousands of "1." lines) costs no more than a normal one.
    by_number: dict[int, list[_QuestionCandidate]] = {}
    for candidate in everything:
        if candidate.number in numbers:
            by_number.setdefault(candidate.number, []).append(candidate)
    candidates = sorted(
        (
            c
            for group in by_number.values()
            for c in sorted(group, key=lambda c: (-c.strength, c.line))[:_MAX_CANDIDATES]
        ),
        key=lambda c: c.line,
    )
    total_lines = max(len(scan.sheet.lines), 1)
    memo: dict[tuple[int, int], tuple[float, tuple[int, ...]]] = {}

    def continues_a_list(candidate: _QuestionCandidate, last_line: int) -> bool:
        """Is this bare number the next item of a numbered list begun after the last anchor?"""
        before = previous_bare.get(candidate.line)
        return (
            before is not None and before.line > last_line and before.number == candidate.number - 1
        )

    def best(question: int, last: int) -> tuple[float, tuple[int, ...]]:
        """Best score for questions[question:] with the last anchor at candidate ``last``."""
        if question == len(layout):
            return 0.0, ()
        key = (question, last)
        if key in memo:
            return memo[key]
        skip_score, skip_choice = best(question + 1, last)
        result = (skip_score, (-1, *skip_choice))
        last_line = candidates[last].line if last >= 0 else 0
        for index in range(last + 1, len(candidates)):
            candidate = candidates[index]
            if candidate.number != numbers[question]:
                continue
            score = candidate.strength - _EPSILON * candidate.line / total_lines
            if continues_a_list(candidate, last_line):
                score -= _RESTART_PENALTY
            rest_score, rest_choice = best(question + 1, index)
            if score + rest_score > result[0] + _EPSILON / 10:
                result = (score + rest_score, (index, *rest_choice))
        memo[key] = result
        return result

    _, choice = best(0, -1)
    return {q: candidates[c] for q, c in enumerate(choice) if c >= 0}


def chunks_from_restarts(
    scan: Scan, layout: Sequence[QuestionLayout], warnings: list[str]
) -> dict[int, list[Chunk]]:
    """No question labels at all: questions told apart by part labels starting again.

    Taken only when the first part label starts a sequence (``(a)``, ``①``, ``i)``)
    and it starts again at most once per question: ``(a) (b) (c) (a) (b)`` is two
    questions. The restarts use the first label's family and style, so sub-points
    in another style do not count.
    """
    part_lines = [n for n in sorted(scan.labels) if scan.labels[n].tokens[0].kind == "part"]
    if not part_lines:
        return {}
    first = scan.labels[part_lines[0]].tokens[0]
    first_readings = [r for r in first.readings if r[1] == 1]
    if not first_readings:
        return {}
    family = first_readings[0][0]
    starts = [
        n
        for n in part_lines
        if scan.labels[n].tokens[0].style == first.style
        and (family, 1) in scan.labels[n].tokens[0].readings
    ]
    if not 1 < len(starts) <= len(layout):
        return {}
    total = len(scan.sheet.lines)
    warnings.append(
        f"no question labels found: questions told apart by part labels starting again "
        f"(lines {', '.join(map(str, starts))})"
    )
    return {
        q: [(start, starts[q + 1] - 1 if q + 1 < len(starts) else total, None)]
        for q, start in enumerate(starts)
    }


def split_for_unlabelled_questions(
    scan: Scan,
    layout: Sequence[QuestionLayout],
    chunks: dict[int, list[Chunk]],
    warnings: list[str],
) -> None:
    """A question whose label was lost (OCR, or never written) after a labelled one:
    its parts start again inside the previous question's text (``(d)`` then
    ``(a)``). Cut the previous question's last stretch there and give the rest
    to the unlabelled question."""
    for q in range(1, len(layout)):
        if q in chunks or q - 1 not in chunks:
            continue
        start, end, label = max(chunks[q - 1])
        highest: dict[str, int] = {}
        for line in range(start + 1, end + 1):
            parsed = scan.labels.get(line)
            if parsed is None or parsed.tokens[0].kind != "part":
                continue
            readings = parsed.tokens[0].readings
            if any(ordinal == 1 and highest.get(family, 0) > 1 for family, ordinal in readings):
                chunks[q - 1].remove((start, end, label))
                chunks[q - 1].append((start, line - 1, label))
                chunks[q] = [(line, end, None)]
                warnings.append(
                    f"{layout[q].id}: no question label found; taken to start at line {line}, "
                    "where the part labels start again"
                )
                break
            for family, ordinal in readings:
                highest[family] = max(highest.get(family, 0), ordinal)


def question_chunks(
    scan: Scan,
    layout: Sequence[QuestionLayout],
    anchors: dict[int, _QuestionCandidate],
    warnings: list[str],
    unassigned: list[UnassignedSpan],
) -> dict[int, list[Chunk]]:
    """Question index -> its stretches of lines ``(start, end, label line)``.

    A question's answer runs from its anchor to the next cut. Cuts are the
    anchors and every strong question label (``Q2``, ``## 2``, ``2(a)``) that
    names another question than the one whose text it sits in: a question
    answered out of order, or in two places. A strong label of a question the
    layout does not have starts text reported as unassigned.
    """
    numbers = {
        (question.number if question.number is not None else i + 1): i
        for i, question in enumerate(layout)
    }
    chosen = {candidate.line: q for q, candidate in anchors.items()}
    cuts: list[tuple[int, int | None, LabelLine]] = []
    current: int | None = None
    for candidate in _question_candidates(scan):
        if candidate.line in chosen:
            current = chosen[candidate.line]
            cuts.append((candidate.line, current, candidate.label))
            continue
        if candidate.strength < _STRONG:
            continue
        named = numbers.get(candidate.number)
        if named != current:
            current = named
            cuts.append((candidate.line, named, candidate.label))
    total = len(scan.sheet.lines)
    chunks: dict[int, list[Chunk]] = {}
    for i, (line, q, label) in enumerate(cuts):
        end = cuts[i + 1][0] - 1 if i + 1 < len(cuts) else total
        if q is None:
            raw = label.tokens[0].raw.strip()
            warnings.append(
                f"line {line}: {raw!r} names no question of the rubric; its text is not graded"
            )
            span = scan.nonblank_span(line, end)
            if span:
                unassigned.append(
                    unassigned_span(
                        scan.sheet, span, f"under {raw!r}, not a question of the rubric"
                    )
                )
            continue
        chunks.setdefault(q, []).append((line, end, label))
    return chunks


def unassigned_span(sheet: Sheet, span: tuple[int, int], reason: str) -> UnassignedSpan:
    text = "\n".join(sheet.lines[span[0] - 1 : span[1]])
    return UnassignedSpan(span[0], span[1], text, reason)
