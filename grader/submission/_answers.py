"""Part finding for YAML/JSON answer files: keys -> parts, each answer with its lines."""

from __future__ import annotations

import re
from collections.abc import Sequence

from grader.submission._parts import QuestionParts, QuestionResult, part_ordinal
from grader.submission._scan import Scan
from grader.submission.finding import assemble, find_parts, missing_answer
from grader.submission.labels import parse_label_line
from grader.submission.models import (
    PartAnswer,
    PartFinding,
    QuestionLayout,
    QuestionSpan,
    Sheet,
    Submission,
    UnassignedSpan,
)


def find_answers(submission: Submission, layout: Sequence[QuestionLayout]) -> PartFinding:
    """Part finding for any submission: a sheet, an answer file, or code only.

    Answer-file keys may be part ids (``q1.b``), nested (``q1: {b: ...}``, read
    as ``q1.b``) or labels a student would write (``1b``, ``Q1(b)``, ``1.b``).
    A key naming a whole question with parts (``q2: "..."``) is treated as a
    small sheet for that question, so its part labels are found as on a sheet.
    Keys that name no part are reported in ``unassigned``.
    """
    if submission.answers is not None:
        return _find_in_answers(submission, layout)
    if submission.sheet is not None:
        marked = _find_in_sections(submission, submission.sheet, layout)
        finding = marked if marked is not None else find_parts(submission.sheet, layout)
        return _with_flagged_lines(finding, submission.sheet)
    parts = {
        part.id: missing_answer(part, "the submission has no answer sheet")
        for question in layout
        for part in question.parts
    }
    return PartFinding(
        parts=parts, questions={q.id: QuestionSpan(q.id, None, None) for q in layout}
    )


_SEPARATED_KEY = re.compile(
    r"(?:q(?:uestion)?[ \t]*)?(?P<q>\d{1,2})[ \t]*[-_/ ][ \t]*(?P<p>[a-z]|[ivx]{1,4})"
)


def _key_to_part(key: str, layout: Sequence[QuestionLayout]) -> tuple[str | None, str | None]:
    """(part id, question id) that an answer-file key names, either may be None."""
    lowered = key.strip().lower()
    for question in layout:
        if lowered == question.id.lower():
            return None, question.id
        for part in question.parts:
            if lowered == part.id.lower():
                return part.id, question.id
    if re.fullmatch(r"\d{1,2}[a-z]", lowered):
        lowered += ")"  # "1b" as a key: question 1, part b
    separated = _SEPARATED_KEY.fullmatch(lowered)
    if separated:  # "q1-b", "Q1_b", "q1/b", "1 b": a key names a part whatever the separator
        lowered = f"{separated.group('q')}({separated.group('p')})"
    label = parse_label_line(1, lowered)
    if label is None or label.tokens[0].kind not in ("question", "number"):
        return None, None
    number = label.tokens[0].number
    for qi, question in enumerate(layout):
        if (question.number if question.number is not None else qi + 1) != number:
            continue
        if len(label.tokens) == 1:
            return None, question.id
        token = label.tokens[1]
        for position, part in enumerate(question.parts, start=1):
            ordinal = part_ordinal(part, position)
            if any(o == ordinal for _, o in token.readings):
                return part.id, question.id
    return None, None


def _find_in_sections(
    submission: Submission, sheet: Sheet, layout: Sequence[QuestionLayout]
) -> PartFinding | None:
    """A notebook's marked sections read like answer-file keys; None when no
    marker names a part or question of the rubric (then labels decide)."""
    sections = [s for s in submission.sections if any(_key_to_part(s.name, layout))]
    if not sections:
        return None
    keyed = Submission(id=submission.id, path=submission.path, answers={})
    covered: set[int] = set()
    for section in sections:
        text = "\n".join(sheet.lines[section.start_line - 1 : section.end_line])
        key = section.name
        while key in keyed.answers:  # the same name marked twice: both are kept
            key += " "
        keyed.answers[key] = text
        keyed.answer_spans[key] = (section.start_line, section.end_line)
        covered.update(range(section.start_line, section.end_line + 1))
    finding = _find_in_answers(keyed, layout)
    for answer in finding.parts.values():
        if answer.how_found == "answer_file":
            answer.how_found = "marker"
            answer.notes.append(f"question marker {answer.label!r}")
    finding.unassigned.extend(_unmarked_text(sheet, covered))
    finding.unassigned.sort(key=lambda u: u.start_line)
    return finding


def _unmarked_text(sheet: Sheet, covered: set[int]) -> list[UnassignedSpan]:
    spans: list[UnassignedSpan] = []
    run: list[int] = []
    for number in [*range(1, len(sheet.lines) + 1), 0]:
        if number and number not in covered and sheet.lines[number - 1].strip():
            run.append(number)
            continue
        if run and (not number or number in covered):
            text = "\n".join(sheet.lines[run[0] - 1 : run[-1]])
            spans.append(UnassignedSpan(run[0], run[-1], text, "outside every question marker"))
            run = []
    return spans


def _with_flagged_lines(finding: PartFinding, sheet: Sheet) -> PartFinding:
    """Flagged sheet lines (OCR low confidence, unread PDF math) send the part
    holding them to review; a flagged line no part holds is a warning."""
    if not sheet.flags:
        return finding
    held: set[int] = set()
    for answer in finding.parts.values():
        numbers = {n for n, _ in answer.lines}
        held |= numbers
        for number in sorted(numbers & sheet.flags.keys()):
            answer.problems.append(f"line {number}: {sheet.flags[number]}")
    for number in sorted(sheet.flags.keys() - held):
        finding.warnings.append(f"line {number}: {sheet.flags[number]} (in no part's answer)")
    return finding


def _find_in_answers(submission: Submission, layout: Sequence[QuestionLayout]) -> PartFinding:
    answers = submission.answers or {}
    parts: dict[str, PartAnswer] = {}
    unassigned: list[UnassignedSpan] = []
    warnings: list[str] = []
    by_part: dict[str, list[str]] = {}
    whole_questions: dict[str, str] = {}
    for key in answers:
        part_id, question_id = _key_to_part(key, layout)
        if part_id is not None:
            by_part.setdefault(part_id, []).append(key)
        elif question_id is not None:
            whole_questions[question_id] = key
        else:
            start, end = submission.answer_spans.get(key, (1, 1))
            unassigned.append(
                UnassignedSpan(start, end, answers[key], f"key {key!r} names no part")
            )
    for question in layout:
        sub_finding: PartFinding | None = None
        if question.id in whole_questions:
            key = whole_questions[question.id]
            sub_finding = _find_in_question_text(
                answers[key], submission.answer_spans.get(key), question
            )
            warnings.extend(sub_finding.warnings)
            unassigned.extend(sub_finding.unassigned)
        for part in question.parts:
            keys = by_part.get(part.id, [])
            if keys:
                key = keys[0]
                start, end = submission.answer_spans.get(key, (1, 1))
                text = answers[key]
                answer = PartAnswer(
                    part.id,
                    text=text,
                    start_line=start,
                    end_line=end,
                    how_found="answer_file",
                    label=key,
                    spans=[(start, end)],
                    lines=_answer_lines(text, start, end),
                )
                if len(keys) > 1:
                    answer.problems.append(
                        f"answered under several keys ({', '.join(keys)}); took {key!r}"
                    )
                    for extra in keys[1:]:
                        s, e = submission.answer_spans.get(extra, (1, 1))
                        unassigned.append(
                            UnassignedSpan(s, e, answers[extra], f"second answer for {part.id}")
                        )
                if not text.strip():
                    answer.notes.append("the key is there but its answer is empty")
                parts[part.id] = answer
            elif sub_finding is not None and sub_finding.parts[part.id].found:
                parts[part.id] = sub_finding.parts[part.id]
            else:
                parts[part.id] = missing_answer(part, "no key for this part in the answer file")
    unassigned.sort(key=lambda u: u.start_line)
    return PartFinding(parts=parts, unassigned=unassigned, warnings=warnings)


def _answer_lines(text: str, start: int, end: int) -> list[tuple[int, str]]:
    """Line numbers for an answer's lines: from the end of its span backwards (block scalars)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    first = max(start, end - len(lines) + 1)
    return [(first + i, line) for i, line in enumerate(lines)]


def _find_in_question_text(
    text: str, span: tuple[int, int] | None, question: QuestionLayout
) -> PartFinding:
    """A whole question's answer from an answer file, read as a small sheet."""
    start, end = span or (1, 1)
    sheet = Sheet.from_text(text)
    offset = max(start, end - len(sheet.lines) + 1) - 1
    bare = QuestionLayout(question.id, labels=question.labels, parts=question.parts)
    scan = Scan.of(sheet)
    finder = QuestionParts(scan, bare, None, 1, max(len(sheet.lines), 1), None)
    result = finder.run() if sheet.lines else QuestionResult()
    unassigned: list[UnassignedSpan] = []
    parts = assemble(scan, bare, result, (1, max(len(sheet.lines), 1)), unassigned)
    for answer in parts.values():
        answer.lines = [(n + offset, t) for n, t in answer.lines]
        answer.spans = [(s + offset, e + offset) for s, e in answer.spans]
        if answer.start_line is not None:
            answer.start_line += offset
            answer.end_line = (answer.end_line or answer.start_line) + offset
    for item in unassigned:
        item.start_line += offset
        item.end_line += offset
    return PartFinding(parts=parts, unassigned=unassigned, warnings=finder.warnings)
