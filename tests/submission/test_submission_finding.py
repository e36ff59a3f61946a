"""Part finding on sheets written in the many ways students write them."""

from __future__ import annotations

import pytest

from grader.submission import PartLayout, QuestionLayout, Sheet, find_parts

LAYOUT = [
    QuestionLayout("q1", parts=[PartLayout("q1.a"), PartLayout("q1.b"), PartLayout("q1.c")]),
    QuestionLayout("q2", parts=[PartLayout("q2.a"), PartLayout("q2.b")]),
]


def spans(text: str, layout=LAYOUT) -> dict[str, list[tuple[int, int]]]:
    finding = find_parts(Sheet.from_text(text), layout)
    return {part_id: answer.spans for part_id, answer in finding.parts.items()}


ALL_FOUND = {
    "q1.a": [(1, 1)],
    "q1.b": [(2, 2)],
    "q1.c": [(3, 3)],
    "q2.a": [(4, 4)],
    "q2.b": [(5, 5)],
}

# (id, sheet, expected spans) - every sheet answers every part, one line each.
STYLES = [
    ("combined-1(a)", "1(a) foo\n1(b) bar\n1(c) baz\n2(a) x\n2(b) y\n", ALL_FOUND),
    ("combined-Q1.b", "Q1.a foo\nQ1.b bar\nQ1.c baz\nQ2.a x\nQ2.b y\n", ALL_FOUND),
    ("combined-Q1b)", "Q1a) foo\nQ1b) bar\nQ1c) baz\nQ2a) x\nQ2b) y\n", ALL_FOUND),
    ("combined-1.b", "1.a foo\n1.b bar\n1.c baz\n2.a x\n2.b y\n", ALL_FOUND),
    ("combined-(1)(a)", "(1)(a) foo\n(1)(b) bar\n(1)(c) baz\n(2)(a) x\n(2)(b) y\n", ALL_FOUND),
    (
        "Problem-N-Part-(a)",
        "Problem 1\nPart (a) foo\nPart (b) bar\nPart (c) baz\nProblem 2\nPart (a) x\nPart (b) y\n",
        {"q1.a": [(2, 2)], "q1.b": [(3, 3)], "q1.c": [(4, 4)], "q2.a": [(6, 6)], "q2.b": [(7, 7)]},
    ),
    (
        "latex-enumerate-bare-items",
        "\\section*{Question 1}\n\\begin{enumerate}[(a)]\n\\item foo\n\\item bar\n"
        "\\item baz\n\\end{enumerate}\n\\section*{Question 2}\n\\begin{enumerate}[label=(\\alph*)]\n"
        "\\item x\n\\item y\n\\end{enumerate}\n",
        {
            "q1.a": [(3, 3)],
            "q1.b": [(4, 4)],
            "q1.c": [(5, 6)],
            "q2.a": [(9, 9)],
            "q2.b": [(10, 11)],
        },
    ),
    (
        "latex-nested-enumerate-defaults",
        "\\begin{enumerate}\n\\item\n\\begin{enumerate}\n\\item foo\n\\item bar\n\\item baz\n"
        "\\end{enumerate}\n\\item\n\\begin{enumerate}\n\\item x\n\\item y\n\\end{enumerate}\n"
        "\\end{enumerate}\n",
        {
            "q1.a": [(4, 4)],
            "q1.b": [(5, 5)],
            "q1.c": [(6, 7)],
            "q2.a": [(10, 10)],
            "q2.b": [(11, 13)],
        },
    ),
    (
        "capital-letters",
        "Q1\nA. foo\nB. bar\nC. baz\nQ2\nA. x\nB. y\n",
        {"q1.a": [(2, 2)], "q1.b": [(3, 3)], "q1.c": [(4, 4)], "q2.a": [(6, 6)], "q2.b": [(7, 7)]},
    ),
    (
        "square-brackets",
        "Q1\n[a] foo\n[b] bar\n[c] baz\nQ2\n[a] x\n[b] y\n",
        {"q1.a": [(2, 2)], "q1.b": [(3, 3)], "q1.c": [(4, 4)], "q2.a": [(6, 6)], "q2.b": [(7, 7)]},
    ),
    (
        "headings-## Q1 (a)",
        "## Q1 (a)\nfoo\n## Q1 (b)\nbar\n## Q1 (c)\nbaz\n## Q2 (a)\nx\n## Q2 (b)\ny\n",
        {"q1.a": [(1, 2)], "q1.b": [(3, 4)], "q1.c": [(5, 6)], "q2.a": [(7, 8)], "q2.b": [(9, 10)]},
    ),
    (
        "Question-N-and-(a)",
        "Question 1\n(a) foo\n(b) bar\n(c) baz\nQuestion 2\n(a) x\n(b) y\n",
        {"q1.a": [(2, 2)], "q1.b": [(3, 3)], "q1.c": [(4, 4)], "q2.a": [(6, 6)], "q2.b": [(7, 7)]},
    ),
    (
        "bold-labels",
        "**Q1.**\n**(a)** foo\n**(b)** bar\n**(c)** baz\n**Q2.**\n**(a)** x\n**(b)** y\n",
        {"q1.a": [(2, 2)], "q1.b": [(3, 3)], "q1.c": [(4, 4)], "q2.a": [(6, 6)], "q2.b": [(7, 7)]},
    ),
    (
        "roman-parts",
        "Q1\n(i) foo\n(ii) bar\n(iii) baz\nQ2\ni) x\nii) y\n",
        {"q1.a": [(2, 2)], "q1.b": [(3, 3)], "q1.c": [(4, 4)], "q2.a": [(6, 6)], "q2.b": [(7, 7)]},
    ),
    (
        "circled-parts",
        "Q1.\n① foo\n② bar\n③ baz\nQ2.\n① x\n② y\n",
        {"q1.a": [(2, 2)], "q1.b": [(3, 3)], "q1.c": [(4, 4)], "q2.a": [(6, 6)], "q2.b": [(7, 7)]},
    ),
    (
        "numbered-questions-and-parts",
        "1.\n1. foo\n2. bar\n3. baz\n2.\n1. x\n2. y\n",
        {"q1.a": [(2, 2)], "q1.b": [(3, 3)], "q1.c": [(4, 4)], "q2.a": [(6, 6)], "q2.b": [(7, 7)]},
    ),
    (
        "latex-sections",
        "\\section*{Question 1}\n\\item[(a)] foo\n\\item[(b)] bar\n\\item[(c)] baz\n"
        "\\section*{Question 2}\n\\item[(a)] x\n\\item[(b)] y\n",
        {"q1.a": [(2, 2)], "q1.b": [(3, 3)], "q1.c": [(4, 4)], "q2.a": [(6, 6)], "q2.b": [(7, 7)]},
    ),
    (
        "a)-style-with-blank-lines",
        "Q1\n\na) foo\n\nmore foo\n\nb) bar\n\nc) baz\n\n\nQ2\na) x\nb) y\n\n",
        {
            "q1.a": [(3, 5)],
            "q1.b": [(7, 7)],
            "q1.c": [(9, 9)],
            "q2.a": [(13, 13)],
            "q2.b": [(14, 14)],
        },
    ),
    (
        "headings-naming-the-question",
        "# Answer to Question 1\n*(a)* foo\n*(b)* bar\n*(c)* baz\n# Solution of problem 2\n(a) x\n(b) y\n",
        {"q1.a": [(2, 2)], "q1.b": [(3, 3)], "q1.c": [(4, 4)], "q2.a": [(6, 6)], "q2.b": [(7, 7)]},
    ),
    (
        "Q-dash-and-indented-sub-points",
        "Q-1\n(a) foo\n  (a) sub-point\n(b) bar\n(c) baz\nQ-2\n(a) x\n(b) y\n",
        {"q1.a": [(2, 3)], "q1.b": [(4, 4)], "q1.c": [(5, 5)], "q2.a": [(7, 7)], "q2.b": [(8, 8)]},
    ),
    (
        "crlf-line-endings",
        "1(a) foo\r\n1(b) bar\r\n1(c) baz\r\n2(a) x\r\n2(b) y\r\n",
        ALL_FOUND,
    ),
]


@pytest.mark.parametrize(("text", "expected"), [s[1:] for s in STYLES], ids=[s[0] for s in STYLES])
def test_label_styles(text, expected):
    assert spans(text) == expected


def test_parts_out_of_order_are_found_and_noted():
    finding = find_parts(
        Sheet.from_text("Q1\n(b) bar\n(a) foo\n(c) baz\nQ2\n(b) y\n(a) x\n"), LAYOUT
    )
    assert {k: a.spans for k, a in finding.parts.items()} == {
        "q1.a": [(3, 3)],
        "q1.b": [(2, 2)],
        "q1.c": [(4, 4)],
        "q2.a": [(7, 7)],
        "q2.b": [(6, 6)],
    }
    assert finding.parts["q1.a"].notes == ["answered out of order"]
    assert finding.parts["q1.b"].notes == []


def test_a_missing_part_is_reported_and_flagged():
    finding = find_parts(Sheet.from_text("Q1\n(a) foo\n(c) baz\nQ2\n(a) x\n(b) y\n"), LAYOUT)
    missing = finding.parts["q1.b"]
    assert not missing.found
    assert missing.start_line is None and missing.lines == []
    assert missing.needs_review
    assert "no answer found" in missing.problems[0]
    assert finding.missing == ["q1.b"]
    assert finding.parts["q1.c"].spans == [(3, 3)]


def test_a_missing_question_leaves_its_parts_missing():
    finding = find_parts(Sheet.from_text("Q2\n(a) x\n(b) y\n"), LAYOUT)
    assert finding.missing == ["q1.a", "q1.b", "q1.c"]
    assert finding.questions["q1"].start_line is None
    assert any("q1" in w for w in finding.warnings)


@pytest.mark.parametrize(
    "label",
    ["(b) and (c)", "(b), (c)", "(b)/(c)", "(b) & (c)"],
    ids=["and", "comma", "slash", "ampersand"],
)
def test_two_parts_claiming_the_same_text_are_flagged(label):
    finding = find_parts(Sheet.from_text(f"Q1\n(a) foo\n{label} both\nQ2\n(a) x\n(b) y\n"), LAYOUT)
    b, c = finding.parts["q1.b"], finding.parts["q1.c"]
    assert b.spans == c.spans == [(3, 3)]
    assert b.text == c.text == "both"
    assert "together with q1.c" in b.problems[0]
    assert "together with q1.b" in c.problems[0]


def test_a_label_used_twice_in_the_same_style_is_answered_in_two_places():
    finding = find_parts(
        Sheet.from_text("Q1\n(a) foo\n(b) bar\n(c) baz\n(a) more foo\nQ2\n(a) x\n(b) y\n"), LAYOUT
    )
    a = finding.parts["q1.a"]
    assert a.spans == [(2, 2), (5, 5)]
    assert a.lines == [(2, "foo"), (5, "more foo")]
    assert "2 places" in a.problems[0]
    assert finding.parts["q1.c"].spans == [(4, 4)]


def test_text_before_the_first_label_is_unassigned_and_reported():
    text = "Name: A. Student\nID 1234\n\n1(a) foo\n1(b) bar\n1(c) baz\n2(a) x\n2(b) y\n"
    finding = find_parts(Sheet.from_text(text), LAYOUT)
    assert [(u.start_line, u.end_line, u.reason) for u in finding.unassigned] == [
        (1, 2, "before the first question label")
    ]
    assert finding.unassigned[0].text == "Name: A. Student\nID 1234"
    assert finding.parts["q1.a"].spans == [(4, 4)]


def test_a_question_heading_title_is_not_taken_for_an_answer():
    finding = find_parts(
        Sheet.from_text("## Q1. Linear regression\n(b) bar\n(c) baz\nQ2\n(a) x\n(b) y\n"), LAYOUT
    )
    assert not finding.parts["q1.a"].found
    assert [(u.start_line, u.reason) for u in finding.unassigned] == [(1, "question heading")]


def test_text_right_after_a_question_label_is_the_first_part_by_position():
    finding = find_parts(
        Sheet.from_text("1. foo\nmore foo\n\n(b) bar\n(c) baz\n2.\n(a) x\n(b) y\n"), LAYOUT
    )
    a = finding.parts["q1.a"]
    assert (a.spans, a.how_found) == ([(1, 2)], "position")
    assert a.lines == [(1, "foo"), (2, "more foo")]


def test_a_repeated_label_where_the_next_part_should_be_is_taken_by_position():
    finding = find_parts(
        Sheet.from_text("Q1\n(a) foo\n(b) bar\n(b) baz\nQ2\n(a) x\n(b) y\n"), LAYOUT
    )
    c = finding.parts["q1.c"]
    assert (c.spans, c.how_found, c.label) == ([(4, 4)], "label_by_position", "(b)")
    assert "by its position" in c.notes[0]


def test_a_label_of_another_family_with_the_right_number():
    finding = find_parts(Sheet.from_text("Q1\n(a) foo\n(b) bar\n③ baz\nQ2\n(a) x\n(b) y\n"), LAYOUT)
    c = finding.parts["q1.c"]
    assert (c.spans, c.how_found, c.label) == ([(4, 4)], "label_other_form", "③")


def test_sub_points_in_another_family_stay_inside_the_part():
    text = "Q1\n① foo\n(a) first point\n(b) second point\n② bar\n③ baz\nQ2\n① x\n② y\n"
    assert spans(text) == {
        "q1.a": [(2, 4)],
        "q1.b": [(5, 5)],
        "q1.c": [(6, 6)],
        "q2.a": [(8, 8)],
        "q2.b": [(9, 9)],
    }


KEYWORD_LAYOUT = [
    QuestionLayout(
        "q1",
        parts=[
            PartLayout("q1.a", kind="math", keywords=["gradient", "nabla"]),
            PartLayout("q1.b", kind="math", keywords=["dimension", "\\times", "mathbb{R}"]),
            PartLayout("q1.c", kind="text", keywords=["learning rate"]),
        ],
    )
]


def test_an_unlabelled_part_is_found_by_its_content():
    text = (
        "Q1\n(a)\n$$\\nabla J = X^T X \\beta - X^T y$$\n\n$$\\beta = (X^T X)^{-1} X^T y$$\n\n"
        "$$X \\in \\mathbb{R}^{n \\times (d+1)}$$\n\n(c) The learning rate sets the step size.\n"
    )
    finding = find_parts(Sheet.from_text(text), KEYWORD_LAYOUT)
    b = finding.parts["q1.b"]
    assert (b.spans, b.how_found) == ([(7, 7)], "content")
    assert finding.parts["q1.a"].spans == [(2, 5)]


def test_without_content_evidence_an_unlabelled_part_stays_missing():
    text = (
        "Q1\n(a)\n$$\\nabla J = X^T X \\beta$$\n\nsome more words here\n\n(c) The learning rate.\n"
    )
    finding = find_parts(Sheet.from_text(text), KEYWORD_LAYOUT)
    assert not finding.parts["q1.b"].found
    assert finding.parts["q1.a"].spans == [(2, 5)]


def test_a_blank_sheet_finds_nothing_and_raises_nothing():
    finding = find_parts(Sheet.from_text(""), LAYOUT)
    assert finding.missing == list(finding.parts)
    assert finding.unassigned == []


def test_a_single_question_without_labels_is_answered_by_position():
    layout = [QuestionLayout("q1", parts=[PartLayout("q1.a")])]
    finding = find_parts(Sheet.from_text("Q1\nThe answer is 42.\n"), layout)
    assert finding.parts["q1.a"].spans == [(2, 2)]
    assert finding.parts["q1.a"].how_found == "position"


def test_code_fences_hide_labels():
    text = "Q1\n(a)\n```python\n1. not a label\n(b) nor this\n```\n(b) bar\n(c) baz\nQ2\n(a) x\n(b) y\n"
    assert spans(text)["q1.a"] == [(2, 6)]
    assert spans(text)["q1.b"] == [(7, 7)]


def test_default_labels_come_from_ids():
    question = QuestionLayout("q3", parts=[PartLayout("q3.a"), PartLayout("q3.b")])
    assert question.labels == ["3", "Q3"]
    assert question.parts[1].labels == ["b", "ii", "②", "2"]


QUESTION_ORDER = [
    (
        "questions-out-of-order",
        "Q2\n(a) x\n(b) y\nQ1\n(a) foo\n(b) bar\n(c) baz\n",
        {"q1.a": [(5, 5)], "q1.b": [(6, 6)], "q1.c": [(7, 7)], "q2.a": [(2, 2)], "q2.b": [(3, 3)]},
    ),
    (
        "a-question-continued-later",
        "## Q1 (a)\nfoo\n## Q1 (b)\nbar\n## Q2 (a)\nx\n## Q2 (b)\ny\n## Q1 (c)\nbaz\n",
        {"q1.a": [(1, 2)], "q1.b": [(3, 4)], "q1.c": [(9, 10)], "q2.a": [(5, 6)], "q2.b": [(7, 8)]},
    ),
    (
        "combined-labels-out-of-order",
        "2(a) x\n1(a) foo\n1(b) bar\n2(b) y\n1(c) baz\n",
        {"q1.a": [(2, 2)], "q1.b": [(3, 3)], "q1.c": [(5, 5)], "q2.a": [(1, 1)], "q2.b": [(4, 4)]},
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [s[1:] for s in QUESTION_ORDER], ids=[s[0] for s in QUESTION_ORDER]
)
def test_questions_out_of_order_or_in_two_places(text, expected):
    assert spans(text) == expected


def test_a_question_the_layout_does_not_have_is_unassigned():
    finding = find_parts(
        Sheet.from_text("Q1\n(a) foo\n(b) bar\n(c) baz\nQ5\nextra work\nQ2\n(a) x\n(b) y\n"), LAYOUT
    )
    assert finding.parts["q1.c"].spans == [(4, 4)]
    assert finding.parts["q2.a"].spans == [(8, 8)]
    assert [(u.start_line, u.end_line) for u in finding.unassigned] == [(5, 6)]
    assert "not a question of the rubric" in finding.unassigned[0].reason


def test_without_question_labels_questions_are_told_apart_by_restarting_part_labels():
    finding = find_parts(
        Sheet.from_text("Name: Ann\n(a) foo\n(b) bar\n(c) baz\n(a) x\n(i) sub\n(b) y\n"), LAYOUT
    )
    assert {k: a.spans for k, a in finding.parts.items()} == {
        "q1.a": [(2, 2)],
        "q1.b": [(3, 3)],
        "q1.c": [(4, 4)],
        "q2.a": [(5, 6)],
        "q2.b": [(7, 7)],
    }
    assert [(u.start_line, u.reason) for u in finding.unassigned] == [
        (1, "before the first question label")
    ]
    assert "starting again" in finding.warnings[0]


def test_labels_the_layout_names_itself():
    layout = [
        QuestionLayout(
            "q2",
            labels=["2", "Task 2"],
            parts=[
                PartLayout("q2.setup", labels=["Task 2.1"]),
                PartLayout("q2.proof", labels=["Task 2.2", "Proof"]),
            ],
        )
    ]
    text = "Task 2\nTask 2.1: the setup\nmore setup\n**Proof.** it follows\n"
    finding = find_parts(Sheet.from_text(text), layout)
    assert finding.parts["q2.setup"].spans == [(2, 3)]
    assert finding.parts["q2.setup"].lines[0] == (2, "the setup")
    assert finding.parts["q2.proof"].spans == [(4, 4)]
    assert finding.parts["q2.proof"].label == "Proof"
    assert finding.parts["q2.proof"].lines == [(4, "it follows")]
