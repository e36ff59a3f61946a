"""`grader grade`, `grader check`, `grader validate` through click's runner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main

ROOT = Path(__file__).resolve().parents[1]
RUBRIC = str(ROOT / "rubrics" / "ml-exam.yaml")
SAMPLE = ROOT / "submissions" / "seed-student-ocr.md"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def sheets(tmp_path: Path) -> Path:
    """A folder of two small submissions (copies of the sample's Q4 answers)."""
    folder = tmp_path / "class"
    folder.mkdir()
    text = SAMPLE.read_text(encoding="utf-8")
    q4 = text[text.index("Q4.") :]
    (folder / "ann.md").write_text(q4, encoding="utf-8")
    (folder / "bob.md").write_text(q4.replace("boys", "girls"), encoding="utf-8")
    return folder


def test_one_submission_as_json_is_its_report():
    result = run("grade", str(SAMPLE), "--rubric", RUBRIC, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["schema"] == "grader.report/1"
    assert report["submission"]["id"] == "seed-student-ocr"
    assert report["max_score"] == 30


def test_several_submissions_are_json_lines(sheets):
    result = run("grade", str(sheets), "--rubric", RUBRIC, "--format", "json")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert [json.loads(line)["submission"]["id"] for line in lines] == ["ann", "bob"]


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [("text", "seed-student-ocr: "), ("md", "# Feedback: seed-student-ocr")],
    ids=["text", "md"],
)
def test_other_formats(fmt, expected):
    result = run("grade", str(SAMPLE), "--rubric", RUBRIC, "--format", fmt)
    assert result.exit_code == 0
    assert result.output.startswith(expected)


@pytest.mark.parametrize(
    ("threshold", "code"), [("1", 0), ("29.5", 1), ("10%", 0), ("99%", 1)], ids=str
)
def test_min_score(sheets, threshold, code):
    result = run("grade", str(sheets / "ann.md"), "--rubric", RUBRIC, "--min-score", threshold)
    assert result.exit_code == code


def test_min_score_must_be_a_number():
    result = run("grade", str(SAMPLE), "--rubric", RUBRIC, "--min-score", "lots")
    assert result.exit_code == 2 and "--min-score" in result.output


def _bad_inputs(folder: Path) -> dict[str, Path]:
    files = {
        "empty": (b"", "empty answer sheet"),
        "binary": (b"%PDF-1.4\x00\x01", "binary file"),
        "latin-1": ("r\xe9ponse: la r\xe9gression".encode("latin-1"), "not UTF-8"),
    }
    paths = {}
    for name, (data, _) in files.items():
        path = folder / f"{name}.md"
        path.write_bytes(data)
        paths[name] = path
    big = folder / "big.md"
    with big.open("wb") as handle:  # 50 MB, sparse: nothing is written but the size
        handle.truncate(50 * 1024 * 1024)
    paths["50MB"] = big
    paths["missing"] = folder / "missing.md"
    return paths


BAD = [
    ("empty", "empty answer sheet (no text in it)"),
    ("binary", "binary file (a PDF file), not a text answer sheet"),
    ("latin-1", "not UTF-8 (it reads as Windows-1252): save the sheet as UTF-8"),
    ("50MB", "file is 50.0 MB, over the 5 MB limit for an answer sheet"),
    ("missing", "no such file or folder"),
]


@pytest.mark.parametrize(("name", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_submission_is_one_line_and_exit_2(tmp_path, name, message):
    path = _bad_inputs(tmp_path)[name]
    result = CliRunner().invoke(main, ["grade", str(path), "--rubric", RUBRIC])
    assert result.exit_code == 2
    assert result.stderr == f"error: {path}: {message}\n"
    assert "Traceback" not in result.output


def test_a_batch_goes_on_after_bad_input(tmp_path, sheets):
    bad = _bad_inputs(tmp_path)
    args = ["grade", str(bad["empty"]), str(sheets / "ann.md"), str(bad["missing"])]
    result = CliRunner().invoke(main, [*args, "--rubric", RUBRIC, "--format", "json"])
    assert result.exit_code == 2
    assert [json.loads(line)["submission"]["id"] for line in result.stdout.splitlines()] == ["ann"]
    assert result.stderr.splitlines() == [
        f"error: {bad['empty']}: empty answer sheet (no text in it)",
        f"error: {bad['missing']}: no such file or folder",
    ]


def test_a_rubric_with_a_type_error(tmp_path):
    rubric = tmp_path / "r.yaml"
    shutil.copy(RUBRIC, rubric)
    text = rubric.read_text(encoding="utf-8").replace("points: 3.5\n", "points: three\n", 1)
    rubric.write_text(text, encoding="utf-8")
    line = text[: text.index("points: three")].count("\n") + 1
    result = CliRunner().invoke(main, ["grade", str(SAMPLE), "--rubric", str(rubric)])
    assert result.exit_code == 2
    (message,) = result.stderr.splitlines()
    assert message.startswith(f"error: {rubric}:{line}: questions[q1].parts[b].points: ")


def test_check_shows_how_answers_were_read():
    result = run("check", str(SAMPLE), "--rubric", RUBRIC)
    assert result.exit_code == 0, result.output
    assert "read from lines" in result.output
    assert "read as line 11:" in result.output


def test_check_refuses_an_empty_sheet(tmp_path):
    empty = tmp_path / "e.md"
    empty.write_text("\n")
    result = CliRunner().invoke(main, ["check", str(empty), "--rubric", RUBRIC])
    assert result.exit_code == 2
    assert result.stderr == f"error: {empty}: empty answer sheet (no text in it)\n"


def test_validate_ml_exam_is_ok():
    result = run("validate", RUBRIC)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"{RUBRIC}: ok"


def _tiny_rubric(context: str = "", answer: str = "2 x + 3") -> str:
    return (
        "id: tiny\n" + context + "questions:\n"
        "  - id: q1\n"
        "    parts:\n"
        "      - id: a\n"
        "        points: 1\n"
        "        checks:\n"
        f'          - {{kind: expression, id: e, points: 1, answer: "{answer}"}}\n'
    )


def test_validate_alias_loop_has_file_and_line(tmp_path):
    rubric = tmp_path / "r.yaml"
    rubric.write_text(_tiny_rubric("context:\n  aliases:\n    B: beta\n    beta: B\n"))
    result = CliRunner().invoke(main, ["validate", str(rubric)])
    assert result.exit_code == 2
    assert f"{rubric}:4: alias loop" in result.output


def test_validate_expression_that_does_not_parse(tmp_path):
    rubric = tmp_path / "r.yaml"
    rubric.write_text(_tiny_rubric(answer="2 x + (3"))
    result = CliRunner().invoke(main, ["validate", str(rubric)])
    assert result.exit_code == 2
    assert result.output.startswith(
        f"{rubric}:8: '2 x + (3' does not parse in the question's context"
    )


def test_validate_unknown_check_kind(tmp_path):
    rubric = tmp_path / "r.yaml"
    rubric.write_text(_tiny_rubric().replace("kind: expression", "kind: essay"))
    result = CliRunner().invoke(main, ["validate", str(rubric)])
    assert result.exit_code == 2
    assert result.output.startswith(
        f"{rubric}:8: questions[q1].parts[a].checks[e]: unknown check kind 'essay'"
    )
