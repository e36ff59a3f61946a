"""The real OCR'd sheet (tests/files/seed-student-ocr.md): every part found at the
right lines. Expected spans written by reading the file; quirks from
rubrics/ml-exam.md ("The sample sheet")."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.submission import find_parts, read_submission

SAMPLE = Path(__file__).resolve().parents[1] / "files" / "seed-student-ocr.md"

# part id -> (start, end, how_found, label)
EXPECTED = {
    "q1.a": (3, 9, "position", None),  # no label: right after "1."
    "q1.b": (11, 31, "label", "(b)."),  # label inside display math: "$$(b). J = ..."
    "q1.c": (33, 35, "content", None),  # unlabelled block of dimensions
    "q1.d": (37, 39, "label", "(d)."),
    "q2.a": (43, 43, "label", "(a)."),
    "q2.b": (45, 45, "label", "(b)."),
    "q2.c": (47, 69, "label_by_position", "(b)."),  # "(b)" a second time
    "q2.d": (71, 87, "label_other_form", "④"),  # a circled 4 among letters
    "q3.a": (91, 93, "label", "①"),  # "(a)", "(b)" inside are sub-points
    "q3.b": (95, 95, "label", "②"),
    "q3.c": (97, 102, "label", "③"),  # "(ii)" inside is a sub-point
    "q3.d": (104, 106, "label_by_position", "(Q)"),  # OCR of a circled 4
    "q4.a": (112, 116, "label", "(a)."),
    "q4.b": (118, 120, "label", "(b)."),
}
QUESTIONS = {
    "q1": (3, 40, "1."),
    "q2": (41, 88, "2."),
    "q3": (89, 107, "Q3."),
    "q4": (108, 120, "Q4."),
}


@pytest.fixture
def finding(ml_layout):
    submission = read_submission(SAMPLE)
    assert submission.warnings == []
    return find_parts(submission.sheet, ml_layout)


@pytest.mark.parametrize("part_id", sorted(EXPECTED), ids=sorted(EXPECTED))
def test_every_part_is_found_at_its_lines(finding, part_id):
    start, end, how, label = EXPECTED[part_id]
    answer = finding.parts[part_id]
    assert (answer.start_line, answer.end_line) == (start, end)
    assert answer.how_found == how
    assert answer.label == label
    assert answer.spans == [(start, end)]
    assert answer.problems == []


@pytest.mark.parametrize("question_id", sorted(QUESTIONS), ids=sorted(QUESTIONS))
def test_question_spans(finding, question_id):
    span = finding.questions[question_id]
    assert (span.start_line, span.end_line, span.label) == QUESTIONS[question_id]


@pytest.mark.parametrize("part_id", ["q1.e", "q2.e", "q3.e"])
def test_code_parts_are_not_on_the_sheet_and_not_flagged(finding, part_id):
    answer = finding.parts[part_id]
    assert not answer.found
    assert answer.problems == []
    assert "code file" in answer.notes[0]


def test_mislabelled_parts_carry_a_note(finding):
    assert "by its position" in finding.parts["q2.c"].notes[0]
    assert "another label style" in finding.parts["q2.d"].notes[0]
    assert "(Q)" in finding.parts["q3.d"].notes[0]


def test_labels_are_taken_off_but_math_delimiters_kept(finding):
    assert finding.parts["q1.b"].lines[0] == (11, r"$$J = \frac{1}{2} \|y - XB\|^2$$")
    assert finding.parts["q1.a"].lines[0][1].startswith("Linear regression is a supervised")
    assert finding.parts["q2.d"].lines[0][1].startswith("To update the weights")
    # the sub-point label stays: it is part of the answer's text
    assert finding.parts["q3.a"].lines[0][1].startswith("(a). RNN")


def test_nothing_is_dropped(finding):
    """Every non-blank line is in exactly one part or reported as unassigned."""
    lines = read_submission(SAMPLE).sheet.lines
    owner: dict[int, str] = {}
    for answer in finding.parts.values():
        for start, end in answer.spans:
            for number in range(start, end + 1):
                assert number not in owner, (number, owner.get(number), answer.part_id)
                owner[number] = answer.part_id
    for item in finding.unassigned:
        for number in range(item.start_line, item.end_line + 1):
            assert number not in owner
            owner[number] = "unassigned"
    missing = [n for n, text in enumerate(lines, start=1) if text.strip() and n not in owner]
    unlabelled_headings = [n for n in missing if lines[n - 1].strip() in ("2.", "### Q3.", "Q4.")]
    assert missing == unlabelled_headings


def test_the_only_unassigned_text_is_the_subtitle_before_q4_a(finding):
    assert [(u.start_line, u.end_line, u.text) for u in finding.unassigned] == [
        (110, 110, "Example of long range dependency")
    ]


def _mutate(old: str, new: str, line: int | None = None):
    def apply(lines: list[str]) -> list[str]:
        out = list(lines)
        for i, text in enumerate(out):
            if line is None or i + 1 == line:
                out[i] = text.replace(old, new)
        return out

    return apply


# Variations of the sample sheet: other OCR readings of its labels, or a label lost.
# (id, change, part id -> how_found expected where it differs from the original)
VARIATIONS = [
    (
        "circled-as-paren-numbers",
        [_mutate("①", "(1)"), _mutate("②", "(2)"), _mutate("③", "(3)")],
        {},
    ),
    (
        "paren-numbers-without-bullets",
        [_mutate("- ① (a). ", "(1) (a). "), _mutate("- ② ", "(2) "), _mutate("- ③ ", "(3) ")],
        {},
    ),
    ("circled-4-read-right", [_mutate("(Q)", "④", 104)], {"q3.d": "label"}),
    ("q2-d-labelled-(d)", [_mutate("④", "(d).", 71)], {"q2.d": "label"}),
    ("q1-b-label-lost", [_mutate("(b). ", "", 11)], {"q1.b": "content"}),
    ("question-2-label-lost", [_mutate("2.", "", 41)], {}),
    ("question-3-heading-plain", [_mutate("### Q3.", "3.", 89)], {}),
    ("crlf", [], {}),
]


@pytest.mark.parametrize(
    ("changes", "how"), [v[1:] for v in VARIATIONS], ids=[v[0] for v in VARIATIONS]
)
def test_variations_of_the_sample_sheet(ml_layout, changes, how, tmp_path):
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    for change in changes:
        lines = change(lines)
    path = tmp_path / "sheet.md"
    path.write_bytes("\r\n".join(lines).encode())
    finding = find_parts(read_submission(path).sheet, ml_layout)
    for part_id, (start, end, expected_how, _) in EXPECTED.items():
        answer = finding.parts[part_id]
        assert (answer.start_line, answer.end_line) == (start, end), part_id
        assert answer.how_found == how.get(part_id, expected_how), part_id
