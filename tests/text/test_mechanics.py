"""Matcher mechanics (issue 11, point 1): line breaks, quotes, emphasis, list
markers, ideas over two sentences or a heading and its text, numbered lists
inside an answer, subscripts without braces, fuzzy distance by length, and
clause ends for negation. Each row is a real sentence of the kind students write.
"""

from __future__ import annotations

import pytest

from grader.submission import PartLayout, QuestionLayout, Sheet, find_parts
from grader.text import ConceptSpec, Idea, grade_concepts
from grader.text._normalize import tokenize
from grader.text._phrasing import fuzzy_limit


def score(text: str, phrasing: str, *, window: int = 1) -> float:
    spec = ConceptSpec(ideas=[Idea("idea", [phrasing])], max_marks=1.0, window=window)
    return grade_concepts(text, spec).score


# (id, answer, phrasing, window, expected score)
MATCHING = [
    (
        "hard-wrapped line",
        "The verb 'were' must agree in number with the\nSubject 'boys', not with 'rain'.",
        "agree ... subject",
        1,
        1.0,
    ),
    (
        "bold words",
        "The verb **were** has to **agree** with its **subject** boys.",
        "agree ... subject",
        1,
        1.0,
    ),
    (
        "quoted sentence end",
        'He wrote "the gate forgets." The cell state keeps the memory.',
        "cell state .. memory",
        1,
        1.0,
    ),
    (
        "emphasis opens the next line",
        "The forget gate decides what is\n*erased* from the cell state.",
        "forget gate .. erased",
        1,
        1.0,
    ),
    (
        "numbered list marker is no word",
        "Gates:\n1. forget gate discards old information",
        "forget gate .. discard",
        1,
        1.0,
    ),
    (
        "heading line and its text",
        "FF:\nPasses the input forward through the layers once.",
        "ff ... input ... forward",
        1,
        1.0,
    ),
    (
        "bold heading and its text",
        "**Output gate:**\nReveals part of the cell as the hidden state.",
        "output gate ... hidden state",
        1,
        1.0,
    ),
    (
        "two sentences, window 2",
        "The verb agrees in number. It has to match the subject boys.",
        "agree ... subject",
        2,
        1.0,
    ),
    (
        "two sentences, window 1",
        "The verb agrees in number. It has to match the subject boys.",
        "agree ... subject",
        1,
        0.0,
    ),
    (
        "window 2 never spans three sentences",
        "The verb agrees. It is plural. The subject is boys.",
        "agree ... subject",
        2,
        0.0,
    ),
    (
        "a new capitalised statement after a full stop is a new sentence",
        "The gradient vanishes.\nMemory is kept by the cell.",
        "vanish ... memory",
        1,
        0.0,
    ),
]


# a dash after a short label joins the label to what follows ("ANN - house prices");
# after a statement it ends a clause
LABEL_DASHES = [
    ("spaced hyphen", "ANN - predicting of house price, RNN - time series", "ann .. price", 1.0),
    ("en dash", "forget gate – decides what to throw away", "forget gate .. throw", 1.0),
    ("two-word label", "plain ANN -- house prices", "ann .. price", 1.0),
    ("a statement is no label", "the ANN is trained - price goes up", "ann .. price", 0.0),
    ("a long label is no label", "deep wide ANN model variant - price", "ann .. price", 0.0),
    ("per line", "RNN\n- price of houses", "rnn .. price", 0.0),
]


@pytest.mark.parametrize(
    ("text", "phrasing", "expected"),
    [row[1:] for row in LABEL_DASHES],
    ids=[row[0] for row in LABEL_DASHES],
)
def test_dash_after_a_label(text, phrasing, expected):
    assert score(text, phrasing) == expected


@pytest.mark.parametrize(
    ("text", "phrasing", "window", "expected"),
    [row[1:] for row in MATCHING],
    ids=[row[0] for row in MATCHING],
)
def test_matching_across_layout(text, phrasing, window, expected):
    assert score(text, phrasing, window=window) == expected


# negation stops at a clause end: "whereas", "where as", "but", ";", dashes
NEGATION = [
    ("whereas", "The RNN does not keep it, whereas the cell state keeps the memory.", 1.0),
    ("where as", "The RNN does not keep it where as the cell state keeps the memory.", 1.0),
    ("but", "The RNN cannot do it but the cell state keeps the memory.", 1.0),
    ("semicolon", "The RNN is not enough; the cell state keeps the memory.", 1.0),
    ("spaced dash", "The RNN is not enough - the cell state keeps the memory.", 1.0),
    ("em dash", "Not the RNN—the cell state keeps the memory.", 1.0),
    ("a label's dash starts no clause", "Not enough: forget gate - never keeps memory.", 0.0),
    ("negated in its clause", "The RNN, whose cell state never keeps the memory, fails.", 0.0),
    ("hyphen in a word is no clause end", "The non-cell state keeps no memory.", 0.0),
    (
        "'not X, otherwise Y' affirms X -> Y",
        "The RNN must not lose it, otherwise the cell state keeps no memory.",
        0.0,
    ),
]


# "must not be too large, otherwise it overshoots": the statement large -> overshoot
CONDITIONAL = [
    ("otherwise", "It must not be too large, otherwise gradient descent overshoots.", 1.0),
    ("or else", "It must not be too large or else gradient descent overshoots.", 1.0),
    ("plain negation", "It is not too large, so gradient descent never overshoots.", 0.0),
]


@pytest.mark.parametrize(
    ("text", "expected"), [row[1:] for row in CONDITIONAL], ids=[row[0] for row in CONDITIONAL]
)
def test_negated_condition_with_otherwise(text, expected):
    assert score(text, "large ... overshoot") == expected


# quantities: "a large number of steps" is "many steps", not "large"
QUANTITIES = [
    (
        "large number of",
        "It needs a very large number of steps (slow convergence).",
        "large .. slow",
        0.0,
    ),
    (
        "many steps",
        "It needs a very large number of steps (slow convergence).",
        "small ... many steps",
        0.0,
    ),
    ("still many", "Too small: it needs a large number of steps.", "small ... many steps", 1.0),
    ("small number of", "Only a small number of epochs were run.", "few epochs", 1.0),
]


@pytest.mark.parametrize(
    ("text", "phrasing", "expected"),
    [row[1:] for row in QUANTITIES],
    ids=[row[0] for row in QUANTITIES],
)
def test_quantities_read_as_many_or_few(text, phrasing, expected):
    assert score(text, phrasing) == expected


@pytest.mark.parametrize(
    ("text", "expected"), [row[1:] for row in NEGATION], ids=[row[0] for row in NEGATION]
)
def test_negation_stops_at_clause_ends(text, expected):
    assert score(text, "cell state .. memory") == expected


# the gates by their other names
GATES = [
    ("write gate", "The write gate picks which new values are added.", "input gate .. new", 1.0),
    ("read gate", "The read gate decides what is revealed.", "output gate .. reveal", 1.0),
    ("erase gate", "The erase gate removes old content.", "forget gate .. remove", 1.0),
    ("read alone", "We read the gate values.", "output gate", 0.0),
]


@pytest.mark.parametrize(
    ("text", "phrasing", "expected"), [row[1:] for row in GATES], ids=[row[0] for row in GATES]
)
def test_gates_by_their_other_names(text, phrasing, expected):
    assert score(text, phrasing) == expected


SUBSCRIPTS = [
    ("e_jx_i", ["e", "j", "x"]),  # "i" is a stop word
    ("w_kh_k", ["w", "k", "h", "k"]),
    ("x_{ij} and e_j", ["x", "ij", "e", "j"]),
    ("learning_rate", ["learning", "rate"]),  # a code name, not a subscript
]


@pytest.mark.parametrize(("text", "words"), SUBSCRIPTS, ids=[row[0] for row in SUBSCRIPTS])
def test_subscripts_without_braces_are_split(text, words):
    assert [token.word for token in tokenize(text)] == words


FUZZY = [
    ("recursively ~ reversed: 6-letter stems, one slip allowed", "recursively", "reversed", 0.0),
    ("a slip in a long word", "propagated", "The error is propogated back.", 1.0),
    ("two slips in a long word", "differentiable", "It is diferentiabel everywhere.", 1.0),
    ("short words never", "weight", "The height grows.", 0.0),
]


@pytest.mark.parametrize(
    ("phrasing", "text", "expected"), [row[1:] for row in FUZZY], ids=[row[0] for row in FUZZY]
)
def test_fuzzy_distance_follows_the_length_compared(phrasing, text, expected):
    assert score(text, phrasing) == expected


@pytest.mark.parametrize(("length", "limit"), [(5, 0), (6, 1), (9, 1), (10, 2), (14, 2)])
def test_fuzzy_limit(length, limit):
    assert fuzzy_limit(length) == limit


Q4 = [QuestionLayout("q4", parts=[PartLayout("q4.a"), PartLayout("q4.b")])]

LISTS = [
    (
        "numbered list after answer text",
        "## Q4\nThe verb agrees with the subject. Why an RNN struggles:\n\n"
        "1. the subject must survive many steps\n2. gradients vanish\n",
        {"q4.a": (2, 5)},
    ),
    (
        "numbered parts straight under the question",
        "## Q4\n1. the verb agrees with the subject\n2. the LSTM keeps it\n",
        {"q4.a": (2, 2), "q4.b": (3, 3)},
    ),
]


@pytest.mark.parametrize(
    ("sheet", "expected"), [row[1:] for row in LISTS], ids=[row[0] for row in LISTS]
)
def test_numbered_list_inside_an_answer_is_no_part_label(sheet, expected):
    finding = find_parts(Sheet.from_text(sheet), Q4)
    for part_id, (start, end) in expected.items():
        answer = finding.parts[part_id]
        assert (answer.start_line, answer.end_line) == (start, end)


def test_rubric_number_labels_still_name_parts():
    layout = [
        QuestionLayout(
            "q4",
            parts=[PartLayout("q4.a", labels=["1"]), PartLayout("q4.b", labels=["2"])],
        )
    ]
    sheet = "## Q4\nSome words first.\n1. the verb agrees\n2. the LSTM keeps it\n"
    finding = find_parts(Sheet.from_text(sheet), layout)
    assert finding.parts["q4.b"].start_line == 4
