"""Properties of part finding on made-up sheets: it never fails and never drops text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from grader.submission import PartLayout, QuestionLayout, Sheet, find_parts
from grader.submission.labels import parse_label_line

LAYOUT = [
    QuestionLayout(
        "q1", parts=[PartLayout("q1.a", keywords=["gradient"]), PartLayout("q1.b", kind="math")]
    ),
    QuestionLayout(
        "q2", parts=[PartLayout("q2.a"), PartLayout("q2.b"), PartLayout("q2.c", kind="code")]
    ),
    QuestionLayout("q3", parts=[]),
]

LINES = st.sampled_from(
    [
        "", "", "1.", "2.", "3.", "Q1", "### Q2.", "Question 3", "1(a) text", "2(b) text", "Q1.b x",
        "(a) some text", "(b).", "(b) and (c) both", "a) item", "(ii) sub", "① one", "④ four", "(Q) ocr",
        "- (a). bullet", "$$(b). J = x$$", "$$\\nabla J = X^T X \\beta$$", "the gradient is zero",
        "plain prose line with words", "```", "def f():", "$$", "1. list item", "## Q1 (a)", "**(c)** bold",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, max_size=40))
def test_every_non_blank_line_is_in_a_part_or_reported(lines):
    sheet = Sheet(lines=lines)
    finding = find_parts(sheet, LAYOUT)
    covered: set[int] = set()
    for answer in finding.parts.values():
        if not answer.found:
            assert answer.spans == [] and answer.lines == []
            continue
        assert answer.start_line == answer.spans[0][0] and answer.end_line == answer.spans[-1][1]
        for start, end in answer.spans:
            assert 1 <= start <= end <= len(lines)
            covered.update(range(start, end + 1))
        numbers = [n for n, _ in answer.lines]
        assert numbers == [n for s, e in answer.spans for n in range(s, e + 1)]
        for number, text in answer.lines[1:]:
            if number not in {s for s, _ in answer.spans}:
                assert text == lines[number - 1]  # only first lines lose their label
    for item in finding.unassigned:
        assert 1 <= item.start_line <= item.end_line <= len(lines)
        covered.update(range(item.start_line, item.end_line + 1))
    for number, text in enumerate(lines, start=1):
        if not text.strip() or number in covered:
            continue
        # not covered: only a question label line, with nothing after the label
        label = parse_label_line(number, text)
        assert label is not None and label.tokens[0].kind in ("question", "number"), (number, text)
        assert not label.text_without(text, len(label.tokens)).strip(), (number, text)
