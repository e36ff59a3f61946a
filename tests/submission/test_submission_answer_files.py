"""YAML/JSON answer files: part id -> answer text, with line spans."""

from __future__ import annotations

import pytest

from grader.submission import PartLayout, QuestionLayout, find_answers, read_submission

LAYOUT = [
    QuestionLayout(
        "q1", parts=[PartLayout("q1.a"), PartLayout("q1.b"), PartLayout("q1.c", kind="code")]
    ),
    QuestionLayout("q2", parts=[PartLayout("q2.a"), PartLayout("q2.b")]),
]

YAML = """\
q1.a: Linear regression predicts a continuous target.
q1.b: |
  J = 1/2 (y - X beta)^T (y - X beta)
  grad J = X^T X beta - X^T y
q2:
  a: Backpropagation computes gradients.
  b: "The chain rule."
q9.z: stray
"""

JSON = """{
  "q1.a": "Linear regression predicts a continuous target.",
  "q1.b": "J = 1/2 (y - X beta)^T (y - X beta)\\ngrad J = X^T X beta - X^T y",
  "q2": {"a": "Backpropagation computes gradients.", "b": "The chain rule."},
  "q9.z": "stray"
}
"""


@pytest.mark.parametrize(
    ("name", "text"), [("a.yaml", YAML), ("a.json", JSON)], ids=["yaml", "json"]
)
def test_answer_files(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    submission = read_submission(path)
    assert submission.sheet is None
    assert submission.answers["q2.a"] == "Backpropagation computes gradients."
    finding = find_answers(submission, LAYOUT)
    a, b = finding.parts["q1.a"], finding.parts["q1.b"]
    assert a.how_found == b.how_found == "answer_file"
    assert a.text == "Linear regression predicts a continuous target."
    assert b.text.strip().splitlines() == [
        "J = 1/2 (y - X beta)^T (y - X beta)",
        "grad J = X^T X beta - X^T y",
    ]
    assert finding.parts["q2.b"].text == "The chain rule."
    assert not finding.parts["q1.c"].found and finding.parts["q1.c"].problems == []
    assert [u.reason for u in finding.unassigned] == ["key 'q9.z' names no part"]


def test_yaml_spans_point_at_the_file_lines(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text(YAML)
    finding = find_answers(read_submission(path), LAYOUT)
    assert (finding.parts["q1.a"].start_line, finding.parts["q1.a"].end_line) == (1, 1)
    assert (finding.parts["q1.b"].start_line, finding.parts["q1.b"].end_line) == (2, 4)
    assert finding.parts["q1.b"].lines[1] == (4, "grad J = X^T X beta - X^T y")
    assert (finding.parts["q2.a"].start_line, finding.parts["q2.b"].start_line) == (6, 7)
    assert (finding.unassigned[0].start_line, finding.unassigned[0].end_line) == (8, 8)


@pytest.mark.parametrize("key", ["1b", "Q1(b)", "1.b", "Q1.b", "q1.b"], ids=str)
def test_keys_written_as_labels(tmp_path, key):
    path = tmp_path / "a.yaml"
    path.write_text(f'"{key}": the answer\n')
    finding = find_answers(read_submission(path), LAYOUT)
    assert finding.parts["q1.b"].text == "the answer"


def test_a_whole_question_key_is_split_by_its_part_labels(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("q2: |\n  (a) Backpropagation computes gradients.\n  (b) The chain rule.\n")
    finding = find_answers(read_submission(path), LAYOUT)
    assert finding.parts["q2.a"].text == "Backpropagation computes gradients."
    assert (finding.parts["q2.a"].start_line, finding.parts["q2.b"].start_line) == (2, 3)


def test_an_empty_answer_file_is_blank(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("")
    submission = read_submission(path)
    assert submission.answers == {} and "empty answer file" in submission.warnings[0]
    assert find_answers(submission, LAYOUT).missing == ["q1.a", "q1.b", "q1.c", "q2.a", "q2.b"]


def test_a_code_only_submission_has_every_part_missing(tmp_path):
    (tmp_path / "linreg.py").write_text("x = 1\n")
    finding = find_answers(read_submission(tmp_path / "linreg.py"), LAYOUT)
    assert finding.missing == ["q1.a", "q1.b", "q1.c", "q2.a", "q2.b"]


def test_json_spans_point_at_the_file_lines(tmp_path):
    path = tmp_path / "a.json"
    path.write_text('{\n  "q1.a": "x",\n  "q2": {"a": "y",\n         "b": "z"}\n}\n')
    submission = read_submission(path)
    assert submission.answer_spans == {"q1.a": (2, 2), "q2.a": (3, 3), "q2.b": (4, 4)}
    finding = find_answers(submission, LAYOUT)
    assert finding.parts["q2.b"].lines == [(4, "z")]


@pytest.mark.parametrize(
    ("key", "part_id"),
    [
        ("q1-b", "q1.b"),
        ("Q1_b", "q1.b"),
        ("q1/b", "q1.b"),
        ("Q1 b", "q1.b"),
        ("1 b", "q1.b"),
        ("question 2 - a", "q2.a"),
    ],
    ids=str,
)
def test_keys_with_any_separator_name_their_part(tmp_path, key, part_id):
    path = tmp_path / "a.yaml"
    path.write_text(f'"{key}": the answer\n')
    finding = find_answers(read_submission(path), LAYOUT)
    found = [p for p, answer in finding.parts.items() if answer.found]
    assert found == [part_id]
