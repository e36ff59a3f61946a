"""Reading the labels a line starts with: one line per case."""

from __future__ import annotations

import pytest

from grader.submission.labels import parse_custom_label, parse_heading_question, parse_label_line

# (line, [(kind, raw, first reading(s))], prefix, text after the labels)
GOOD = [
    (
        "1. Linear regression is",
        [("number", "1.", (("number", 1),))],
        "plain",
        "Linear regression is",
    ),
    ("2.", [("number", "2.", (("number", 2),))], "plain", ""),
    ("### Q3.", [("question", "Q3.", (("number", 3),))], "heading", ""),
    ("Question 3: blah", [("question", "Question 3:", (("number", 3),))], "plain", "blah"),
    ("Q-1 foo", [("question", "Q-1", (("number", 1),))], "plain", "foo"),
    ("**Q2.** text", [("question", "Q2.", (("number", 2),))], "emphasis", "text"),
    ("\\section*{Question 2}", [("question", "Question 2", (("number", 2),))], "heading", ""),
    ("(a). Backprop", [("part", "(a).", (("letter", 1),))], "plain", "Backprop"),
    ("a) x", [("part", "a)", (("letter", 1),))], "plain", "x"),
    ("b. the", [("part", "b.", (("letter", 2),))], "plain", "the"),
    ("(ii). LSTM", [("part", "(ii).", (("roman", 2),))], "plain", "LSTM"),
    ("(i) x", [("part", "(i)", (("letter", 9), ("roman", 1)))], "plain", "x"),
    ("- (Q) ANN", [("part", "(Q)", (("letter", 17),))], "bullet", "ANN"),
    ("- ④ To update", [("part", "④", (("circled", 4),))], "bullet", "To update"),
    ("(1) foo", [("part", "(1)", (("number", 1),))], "plain", "foo"),
    ("Part b: foo", [("part", "Part b", (("letter", 2),))], "plain", "foo"),
    ("Part (d) foo", [("part", "Part (d)", (("letter", 4),))], "plain", "foo"),
    ("[b] foo", [("part", "[b]", (("letter", 2),))], "plain", "foo"),
    ("B. foo", [("part", "B.", (("letter", 2),))], "plain", "foo"),
    ("II. foo", [("part", "II.", (("roman", 2),))], "plain", "foo"),
    (
        "(2)(c) foo",
        [("number", "(2)", (("number", 2),)), ("part", "(c)", (("letter", 3),))],
        "plain",
        "foo",
    ),
    (
        "(1) (a). RNN",
        [("part", "(1)", (("number", 1),)), ("part", "(a).", (("letter", 1),))],
        "plain",
        "RNN",
    ),
    (
        "- (1) (a). RNN",
        [("part", "(1)", (("number", 1),)), ("part", "(a).", (("letter", 1),))],
        "bullet",
        "RNN",
    ),
    ("\\item[(a)] foo", [("part", "(a)", (("letter", 1),))], "bullet", "foo"),
    ("*(a)* text", [("part", "(a)", (("letter", 1),))], "emphasis", "text"),
    ("$$(b). J = x$$", [("part", "(b).", (("letter", 2),))], "math", "$$J = x$$"),
    (
        "- ① (a). RNN",
        [("part", "①", (("circled", 1),)), ("part", "(a).", (("letter", 1),))],
        "bullet",
        "RNN",
    ),
    (
        "## Q1 (a)",
        [("question", "Q1", (("number", 1),)), ("part", "(a)", (("letter", 1),))],
        "heading",
        "",
    ),
    (
        "1(a) foo",
        [("number", "1", (("number", 1),)), ("part", "(a)", (("letter", 1),))],
        "plain",
        "foo",
    ),
    (
        "1a) foo",
        [("number", "1", (("number", 1),)), ("part", "a)", (("letter", 1),))],
        "plain",
        "foo",
    ),
    ("Q1.b", [("question", "Q1.", (("number", 1),)), ("part", "b", (("letter", 2),))], "plain", ""),
    (
        "1.b answer",
        [("number", "1.", (("number", 1),)), ("part", "b", (("letter", 2),))],
        "plain",
        "answer",
    ),
]

NOT_LABELS = [
    "Linear regression", "2x + 3", "1.5 is the answer", "i.e. something", "e.g. this", "A model",
    "I think", "x = 3", "q_2 = 3", "- \\* Squaring", "$$\\frac{\\partial L}{\\partial z}$$", "*Note*: x",
    "Q1. a linear model", "", "A: yes", "Q: what is it",
]  # fmt: skip


@pytest.mark.parametrize(("line", "tokens", "prefix", "rest"), GOOD, ids=[g[0] for g in GOOD])
def test_labels(line, tokens, prefix, rest):
    parsed = parse_label_line(1, line)
    assert parsed is not None
    assert [(t.kind, t.raw, t.readings) for t in parsed.tokens] == tokens
    assert parsed.prefix == prefix
    assert parsed.text_without(line, len(parsed.tokens)) == rest


@pytest.mark.parametrize("line", NOT_LABELS, ids=NOT_LABELS)
def test_not_labels(line):
    parsed = parse_label_line(1, line)
    if line.startswith("Q1. "):  # a question label, and "a linear" is not a part
        assert [t.kind for t in parsed.tokens] == ["question"]
    else:
        assert parsed is None


@pytest.mark.parametrize(
    "line", ["(b) and (c) both", "(b), (c) both", "(b)/(c) both", "(b) & (c) both"], ids=str
)
def test_one_label_for_two_parts(line):
    (token,) = parse_label_line(1, line).tokens
    assert [m for m in token.members] == [(("letter", 2),), (("letter", 3),)]


def test_headings_naming_a_question():
    parsed = parse_heading_question(1, "## Answer to Question 12")
    assert (
        parsed.tokens[0].number == 12 and parsed.text_without("## Answer to Question 12", 1) == ""
    )
    assert parse_heading_question(1, "Answer to Question 12") is None  # not a heading


def test_custom_labels():
    parsed = parse_custom_label(1, "**Task 2.1:** the setup", {"task 2.1": 1, "task 2": 9})
    assert parsed.tokens[0].readings == (("custom", 1),)
    assert parsed.text_without("**Task 2.1:** the setup", 1) == "the setup"
    assert parse_custom_label(1, "Tasks 2.1", {"task 2.1": 1}) is None
