"""Finding each part's answer on a sheet.

Students and OCR label answers in many ways (``1.``, ``Q3.``, ``### Q3``,
``(a).``, ``a)``, ``(ii)``, ``①``, ``1(a)``, ``Q1.b``), skip labels, repeat
them, number parts with circled digits and use letters for sub-points, and
OCR turns a circled 4 into ``(Q)``. Part finding therefore scores candidates
instead of trusting any one label. In three steps:

1. **Questions.** Every line starting with a question-like label is a
   candidate (``Q3``/``Question 3`` strong, a heading ``## 3`` or ``1(a)``
   medium, a bare ``3.`` weak, a bulleted ``- 3.`` weaker). A small dynamic
   programme picks at most one anchor per question, in sheet order, maximising
   the total strength; a bare number that continues a numbered list begun
   after the previous question's label (``1.``, ``2.`` inside question 1) is
   taken as a list item, not the next question. A question's answer runs
   from its anchor to the next cut: the next anchor, or a strong question
   label (``Q2``, ``## 2``, ``2(a)``) naming another question, so questions
   answered out of order or in two places are found (a label naming a
   question the layout does not have starts unassigned text). With no
   question label at all, part labels starting again (``(a)`` after ``(c)``)
   tell the questions apart; likewise a question whose own label is lost
   starts where the previous question's part labels start again. Text
   before the first question is unassigned.
2. **Labelled parts.** Inside a question, each line's first part label is a
   candidate (after the question label on the same line, if any). The
   *primary family* (letters, roman numerals, numbers or circled digits) is
   the one naming the most distinct parts; a candidate in that family with a
   part's ordinal is that part's label (an *anchor*). When a label occurs
   twice, the occurrence that keeps the parts in order and the question's
   label style wins; the other stays available to the next step. Anchors may
   be out of order (a note says so). ``(b) and (c)`` claims one text for both
   parts (a problem flags it).
3. **Unlabelled and mislabelled parts.** Between two anchors, parts whose
   ordinal lies between theirs and that have no anchor are placed by a second
   dynamic programme over the blocks (paragraphs, display-math blocks,
   label lines) of that gap: each block goes to the preceding part or to one
   of the missing parts, in order, maximising content fit (the part's
   keywords and expected kind, see ``grader.submission.content``) plus a
   bonus for where a part starts: a label of another family with the right
   number (``④`` for (d)) +3, any other label line where the next part
   should start (a repeated ``(b)``, an OCR ``(Q)``) +1 to +2 (more when it
   has the question's label style), a plain paragraph -0.5 (so content must
   speak for it). Text right after a question label with no part label is
   the first missing part's by position. A part that gets no block is
   missing (flagged for review, except code parts, which are answered in code
   files).

Every non-blank line ends up in a part or in ``unassigned`` with a reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from grader.submission._parts import Piece, QuestionParts, QuestionResult
from grader.submission._questions import (
    choose_question_anchors,
    chunks_from_restarts,
    question_chunks,
    split_for_unlabelled_questions,
    unassigned_span,
)
from grader.submission._scan import Scan
from grader.submission.models import (
    PartAnswer,
    PartFinding,
    PartLayout,
    QuestionLayout,
    QuestionSpan,
    Sheet,
    UnassignedSpan,
)


def find_parts(sheet: Sheet, layout: Sequence[QuestionLayout]) -> PartFinding:
    """Find each layout part's answer on ``sheet`` (see the module docstring)."""
    scan = Scan.of(sheet)
    anchors = choose_question_anchors(scan, layout)
    warnings: list[str] = []
    unassigned: list[UnassignedSpan] = []
    questions: dict[str, QuestionSpan] = {}
    parts: dict[str, PartAnswer] = {}

    chunks = question_chunks(scan, layout, anchors, warnings, unassigned)
    if not chunks and len(layout) > 1:
        chunks = chunks_from_restarts(scan, layout, warnings)
    split_for_unlabelled_questions(scan, layout, chunks, warnings)
    first_chunk = min((c[0] for cs in chunks.values() for c in cs), default=len(sheet.lines) + 1)

    # Text before the first question label: unassigned, unless it holds the part labels
    # of a leading question whose own label is missing (then it is that question's).
    leading = [
        q for q in range(len(layout)) if q not in chunks and (not anchors or q < min(anchors))
    ]
    preamble_end = first_chunk - 1
    if len(leading) == 1 and preamble_end >= 1:
        part_lines = [
            n
            for n in range(1, preamble_end + 1)
            if n in scan.labels and scan.labels[n].tokens[0].kind == "part"
        ]
        if part_lines:
            chunks[leading[0]] = [(part_lines[0], preamble_end, None)]
            warnings.append(
                f"{layout[leading[0]].id}: no question label found; its parts were found "
                f"before the next question (lines {part_lines[0]}-{preamble_end})"
            )
            preamble_end = part_lines[0] - 1
    if preamble_end >= 1:
        span = scan.nonblank_span(1, preamble_end)
        if span:
            unassigned.append(unassigned_span(sheet, span, "before the first question label"))

    for q, question in enumerate(layout):
        pieces = sorted(chunks.get(q, []))
        if not pieces:
            questions[question.id] = QuestionSpan(question.id, None, None)
            warnings.append(f"{question.id}: no label for this question found on the sheet")
            for part in question.parts:
                parts[part.id] = missing_answer(
                    part, f"question {question.id} was not found on the sheet"
                )
            continue
        main = pieces[0]
        questions[question.id] = QuestionSpan(
            question.id,
            main[0],
            main[1],
            label=main[2].tokens[0].raw.strip() if main[2] else None,
            how_found="label" if main[2] else "position",
        )
        if len(pieces) > 1:
            where = ", ".join(f"{a}-{b}" for a, b, _ in pieces)
            warnings.append(f"{question.id}: answered in {len(pieces)} places (lines {where})")
        number = question.number if question.number is not None else q + 1
        finders = [QuestionParts(scan, question, number, a, b, label) for a, b, label in pieces]
        anchored = [finder.prepare() for finder in finders]
        times_anchored = Counter(k for found in anchored for k in found)
        found_before: set[int] = set()  # parts found in an earlier stretch
        result = QuestionResult()
        for i, finder in enumerate(finders):
            # not looked for here: parts labelled in another stretch or found in an earlier one
            elsewhere = {k for k, n in times_anchored.items() if n > (k in anchored[i])}
            elsewhere |= found_before
            part_result = finder.fill(elsewhere)
            result.pieces.extend(part_result.pieces)
            found_before.update(
                k for piece in part_result.pieces if piece.owner for k in piece.owner.parts
            )
            for k, notes in part_result.notes.items():
                result.notes.setdefault(k, []).extend(notes)
            for k, problems in part_result.problems.items():
                result.problems.setdefault(k, []).extend(problems)
            warnings.extend(finder.warnings)
        parts.update(assemble(scan, question, result, (main[0], pieces[-1][1]), unassigned))

    unassigned.sort(key=lambda u: u.start_line)
    return PartFinding(parts=parts, questions=questions, unassigned=unassigned, warnings=warnings)


def missing_answer(part: PartLayout, why: str) -> PartAnswer:
    if part.kind == "code":
        return PartAnswer(
            part.id, notes=["code part: not answered on the sheet (expected in a code file)"]
        )
    return PartAnswer(part.id, problems=[f"no answer found: {why}"])


def assemble(
    scan: Scan,
    question: QuestionLayout,
    result: QuestionResult,
    region: tuple[int, int],
    unassigned: list[UnassignedSpan],
) -> dict[str, PartAnswer]:
    sheet = scan.sheet
    pieces_of: dict[int, list[Piece]] = {}
    for piece in result.pieces:
        span = scan.nonblank_span(piece.start, piece.end)
        if piece.owner is None:
            if span:
                unassigned.append(unassigned_span(sheet, span, piece.reason))
            continue
        for k in piece.owner.parts:
            pieces_of.setdefault(k, []).append(piece)

    answers: dict[str, PartAnswer] = {}
    for k, part in enumerate(question.parts):
        pieces = pieces_of.get(k)
        if not pieces:
            answers[part.id] = missing_answer(
                part,
                f"no label or fitting text in {question.id}'s answer (lines {region[0]}-{region[1]})",
            )
            continue
        pieces.sort(key=lambda p: p.start)
        lines: list[tuple[int, str]] = []
        spans: list[tuple[int, int]] = []
        for piece in pieces:
            end = piece.end
            while end > piece.start and scan.blank[end]:
                end -= 1
            spans.append((piece.start, end))
            for number in range(piece.start, end + 1):
                text = sheet.line(number)
                if number == piece.start and piece.first_tokens:
                    label = scan.labels.get(number)
                    if label is not None:
                        text = label.text_without(text, piece.first_tokens)
                lines.append((number, text))
        first = pieces[0].owner
        answer = PartAnswer(
            part_id=part.id,
            text="\n".join(text for _, text in lines),
            start_line=spans[0][0],
            end_line=spans[-1][1],
            how_found=first.how,  # type: ignore[arg-type]
            label=first.label,
            spans=spans,
            lines=lines,
            notes=list(result.notes.get(k, [])),
            problems=list(result.problems.get(k, [])),
        )
        if len(first.parts) > 1:
            others = [question.parts[j].id for j in first.parts if j != k]
            answer.problems.append(
                f"lines {spans[0][0]}-{spans[0][1]} answer {part.id} together with "
                f"{', '.join(others)} (labelled {first.label!r})"
            )
        if len(spans) > 1:
            where = ", ".join(f"{s}-{e}" for s, e in spans)
            answer.problems.append(f"answered in {len(spans)} places (lines {where}); all taken")
        if not answer.text.strip():
            answer.notes.append("the label is there but no answer follows it")
        answers[part.id] = answer
    return answers
