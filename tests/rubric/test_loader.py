"""Loading rubrics: the example rubrics load, broken ones fail with file:line."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import pytest

from grader.errors import RubricError
from grader.rubric import Rubric, load_rubric
from grader.rubric.loader import line_of, parse_yaml

ROOT = Path(__file__).resolve().parents[2]
ML_EXAM = ROOT / "rubrics" / "ml-exam.yaml"
ONE_QUESTION = Path(__file__).parent / "files" / "one-question.yaml"


def test_ml_exam_loads_with_30_marks():
    rubric = load_rubric(ML_EXAM)
    assert isinstance(rubric, Rubric)
    assert rubric.id == "ml-exam"
    assert rubric.max_score == pytest.approx(30)
    assert [q.id for q in rubric.questions] == ["q1", "q2", "q3", "q4"]
    assert [q.max_score for q in rubric.questions] == pytest.approx([10, 10, 6, 4])
    parts = [f"{q.id}.{p.id}" for q, p in rubric.iter_parts()]
    assert len(parts) == 17
    assert rubric.sha256 == hashlib.sha256(ML_EXAM.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("part_id", "points"),
    [
        ("q1.a", 2),
        ("q1.b", 3.5),
        ("q1.c", 0.5),
        ("q1.d", 2),
        ("q1.e", 2),
        ("q2.a", 1),
        ("q2.b", 1),
        ("q2.c", 4),
        ("q2.d", 2),
        ("q2.e", 2),
        ("q3.a", 1),
        ("q3.b", 1),
        ("q3.c", 2),
        ("q3.d", 1),
        ("q3.e", 1),
        ("q4.a", 2),
        ("q4.b", 2),
    ],
    ids=lambda v: str(v),
)
def test_ml_exam_part_points_follow_the_marking_scheme(part_id, points):
    _, part = load_rubric(ML_EXAM).part(part_id)
    assert part.points == pytest.approx(points)


def test_ml_exam_encodes_the_typical_mistakes():
    rubric = load_rubric(ML_EXAM)
    _, q1b = rubric.part("q1.b")
    milestones = {m.id: m for m in q1b.checks[0].milestones}
    assert [m.points for m in milestones.values()] == [1, 1.5, 0.5, 0.5]
    assert {m.id: m.marks for m in milestones["solution"].mistakes} == {
        "divide-by-matrix": 0.25,
        "inverse-of-x": 0,
    }
    assert q1b.checks[0].no_working_marks == 1
    assert q1b.checks[0].slip_deduction == 0.5
    _, q2c = rubric.part("q2.c")
    dz1 = next(m for m in q2c.checks[0].milestones if m.id == "dz1")
    assert dz1.points == pytest.approx(2 / 3)
    assert [m.id for m in dz1.mistakes] == ["no-sigmoid-derivative"]
    _, q1c = rubric.part("q1.c")
    assert q1c.checks[0].score_by_count == {3: 0.5, 2: 0.25}


def test_one_question_rubric_loads():
    rubric = load_rubric(ONE_QUESTION)
    assert rubric.max_score == 2
    assert rubric.part("q1.a")[1].kind == "mixed"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rubric.yaml"
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


HEAD = """
id: r
questions:
  - id: q1
    parts:
      - id: a
        points: 1
        checks:
"""

BAD_RUBRICS = [
    # (name, yaml after HEAD's checks:, line, message fragment)
    (
        "wrong-type",
        "          - {kind: expression, id: e, points: lots, answer: x}\n",
        8,
        "valid number",
    ),
    (
        "unknown-kind",
        "          - {kind: magic, id: e, points: 1}\n",
        8,
        "unknown check kind 'magic'",
    ),
    ("missing-kind", "          - {id: e, points: 1}\n", 8, "needs a `kind`"),
    (
        "unknown-field",
        "          - kind: expression\n            id: e\n            points: 1\n            answer: x\n            colour: red\n",
        12,
        "unknown field 'colour'",
    ),
    (
        "missing-field",
        "          - {kind: expression, id: e, points: 1}\n",
        8,
        "answer: Field required",
    ),
    (
        "part-points",
        "          - {kind: expression, id: e, points: 0.5, answer: x}\n",
        5,
        "add up to 0.5",
    ),
    (
        "milestone-points",
        "          - kind: derivation\n            id: d\n            points: 1\n            milestones:\n"
        "              - {id: m, statement: x, points: 2}\n",
        8,
        "milestone points add up to 2",
    ),
    (
        "score-by-count",
        "          - kind: concepts\n            id: c\n            points: 1\n            score_by_count: {1: 2}\n"
        "            ideas: [{id: i, phrasings: [p]}]\n",
        8,
        "at most 2",
    ),
    (
        "cancels-unknown-idea",
        "          - kind: concepts\n            id: c\n            points: 1\n"
        "            ideas: [{id: i, phrasings: [p]}]\n"
        "            misconceptions: [{id: m, phrasings: [q], cancels: [nope]}]\n",
        12,  # the item the error names, not its check
        "unknown ideas ['nope']",
    ),
    (
        "mistake-marks",
        "          - kind: expression\n            id: e\n            points: 1\n            answer: x\n"
        "            mistakes: [{id: m, answer: y, marks: 2, feedback: f}]\n",
        12,  # the item the error names, not its check
        "earns 2",
    ),
    (
        "duplicate-check",
        "          - {kind: expression, id: e, points: 0.5, answer: x}\n"
        "          - {kind: expression, id: e, points: 0.5, answer: y}\n",
        5,
        "duplicate check id 'e'",
    ),
    ("yaml-syntax", "          - {kind: expression, id: e, points: [1\n", 9, "YAML"),
    (
        "duplicate-key",
        "          - kind: expression\n            kind: shapes\n",
        9,
        "duplicate key 'kind'",
    ),
]


@pytest.mark.parametrize(
    ("body", "line", "fragment"), [b[1:] for b in BAD_RUBRICS], ids=[b[0] for b in BAD_RUBRICS]
)
def test_broken_rubrics_fail_with_file_and_line(tmp_path, body, line, fragment):
    path = _write(tmp_path, HEAD + body)
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    messages = [p.format() for p in getattr(caught.value, "problems", [])] or [
        caught.value.format()
    ]
    assert any(m.startswith(f"{path}:{line}: ") and fragment in m for m in messages), messages


def test_totals_that_do_not_add_up(tmp_path):
    path = _write(
        tmp_path,
        "id: r\ntotal: 3\n"
        + HEAD.split("\n", 2)[2]
        + "          - {kind: expression, id: e, points: 1, answer: x}\n",
    )
    with pytest.raises(RubricError, match="total is 3"):
        load_rubric(path)


def test_question_points_checked(tmp_path):
    text = HEAD.replace("  - id: q1\n", "  - id: q1\n    points: 4\n")
    path = _write(tmp_path, text + "          - {kind: expression, id: e, points: 1, answer: x}\n")
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    assert caught.value.line == 3
    assert "question is worth 4" in caught.value.message


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "a rubric is a YAML mapping"),
        (b"- just\n- a list\n", "a rubric is a YAML mapping"),
        (b"id: r\nquestions: []\n", "at least 1 item"),
        (b"id: caf\xe9\n", "not UTF-8"),
    ],
    ids=["empty", "list", "no-questions", "latin-1"],
)
def test_unusable_files(tmp_path, content, fragment):
    path = tmp_path / "r.yaml"
    path.write_bytes(content)
    with pytest.raises(RubricError, match=fragment):
        load_rubric(path)


def test_missing_file():
    with pytest.raises(RubricError, match="no such rubric file"):
        load_rubric("does/not/exist.yaml")


def test_fractions_numbers_as_ids_and_labels(tmp_path):
    path = _write(
        tmp_path,
        """
        id: 7
        questions:
          - id: 1
            parts:
              - id: 2
                labels: [2, "(b)"]
                points: 2/3
                checks:
                  - {kind: expression, id: e, points: 2/3, answer: x}
        """,
    )
    rubric = load_rubric(path)
    assert rubric.id == "7"
    _, part = rubric.part("1.2")
    assert part.labels == ["2", "(b)"]
    assert part.points == pytest.approx(2 / 3)


def test_line_of_follows_keys_and_items():
    tree = parse_yaml("a:\n  - x: 1\n    y:\n      - 2\n      - 3\n", path="t")
    assert line_of(tree, ("a",)) == 1
    assert line_of(tree, ("a", 0)) == 2
    assert line_of(tree, ("a", 0, "y", 1)) == 5
    assert line_of(tree, ("a", 0, "some-union-tag", "y")) == 3
    assert line_of(tree, ("nope",)) == 1


@pytest.mark.parametrize(
    "context", ["/etc/hostname", "../../../../etc/passwd", "sub/../../outside.yaml"]
)
def test_a_rubric_never_reads_files_outside_its_folder(tmp_path, context):
    from pathlib import Path

    from grader.errors import RubricError
    from grader.rubric.loader import load_rubric

    source = (Path(__file__).resolve().parents[1] / "files" / "mini-rubric.yaml").read_text()
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text(f"context: {context}\n" + source)
    with pytest.raises(RubricError, match="outside the rubric's folder") as raised:
        load_rubric(rubric)
    assert raised.value.line == 1 and "root:" not in str(raised.value)


def test_a_file_below_the_rubric_folder_is_fine(tmp_path):
    from pathlib import Path

    from grader.rubric.loader import load_rubric

    source = (Path(__file__).resolve().parents[1] / "files" / "mini-rubric.yaml").read_text()
    (tmp_path / "contexts").mkdir()
    (tmp_path / "contexts" / "q.yaml").write_text("symbols: {X: n x p}\n")
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text("context: contexts/q.yaml\n" + source)
    assert load_rubric(rubric).context == "contexts/q.yaml"


@pytest.mark.parametrize(
    "command",
    [
        ["validate", "{rubric}"],
        ["check", "{sheet}", "--rubric", "{rubric}"],
        ["grade", "{sheet}", "--rubric", "{rubric}"],
        ["grade", "{sheet}", "--rubric", "{rubric}", "--out", "{out}"],
    ],
    ids=["validate", "check", "grade", "grade-out"],
)
def test_an_instructor_flag_allows_rubric_files_outside_its_folder(tmp_path, command):
    """--allow-outside-rubric-dir: a shared context file in a sibling folder is
    read; without the flag the same rubric is refused, naming the file."""
    from pathlib import Path

    from click.testing import CliRunner

    from grader.cli import main

    source = (Path(__file__).resolve().parents[1] / "files" / "mini-rubric.yaml").read_text()
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "symbols.yaml").write_text("symbols: {X: n x p}\n")
    (tmp_path / "exam").mkdir()
    rubric = tmp_path / "exam" / "rubric.yaml"
    rubric.write_text("context: ../shared/symbols.yaml\n" + source)
    sheet = tmp_path / "ann.md"
    sheet.write_text("## Q1\n\n(a) Linear regression is supervised learning.\n")
    args = [part.format(rubric=rubric, sheet=sheet, out=tmp_path / "out") for part in command]
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 2
    assert "'../shared/symbols.yaml' is outside the rubric's folder" in refused.output
    allowed = CliRunner().invoke(main, [*args, "--allow-outside-rubric-dir"])
    assert allowed.exit_code == 0, allowed.output
    assert "outside the rubric's folder" not in allowed.output
