"""`grader ci` and the `grade --out/--jobs/--format` plumbing: annotations on
the lines that lost marks, the GitHub job summary, exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.ci import Annotation, annotations, job_summary, sheet_file
from grader.cli import main
from grader.report.models import GradeReport

FILES = Path(__file__).parent / "report" / "files" / "batch"

MINI_RUBRIC = (Path(__file__).resolve().parent / "files" / "mini-rubric.yaml").read_text()
MINI_SHEET = "# Q1\n\n(a) Linear regression is supervised learning.\n"


@pytest.fixture
def mini(tmp_path, monkeypatch):
    """(rubric, sheet) in tmp_path, which is also the working directory."""
    (tmp_path / "rubric.yaml").write_text(MINI_RUBRIC)
    (tmp_path / "sheet.md").write_text(MINI_SHEET)
    monkeypatch.chdir(tmp_path)
    return "rubric.yaml", "sheet.md"


def load(name: str) -> GradeReport:
    return GradeReport.model_validate_json((FILES / f"{name}.json").read_text())


def test_annotations_on_lines_that_lost_marks():
    found = annotations(load("bob"), root=Path.cwd())
    assert [(a.level, a.line, a.end_line, a.title) for a in found] == [
        ("warning", 3, 4, "q1.a (1/2)"),
        ("warning", 8, 12, "q1.b (2.5/3.5)"),
        ("notice", 18, 24, "q2.c (2.67/4, needs review)"),
    ]
    assert found[0].file == "submissions/bob.md"
    assert found[1].message.startswith("The gradient has a sign slip")
    assert annotations(load("alice"), root=Path.cwd()) == []


@pytest.mark.parametrize(
    ("annotation", "command"),
    [
        (
            Annotation("a.md", 3, 4, "q1 (1/2)", "one\ntwo 50%"),
            "::warning file=a.md,line=3,endLine=4,title=q1 (1/2)::one%0Atwo 50%25",
        ),
        (
            Annotation("dir, x/a:b.md", 1, 1, "t,i:t", "m", level="notice"),
            "::notice file=dir%2C x/a%3Ab.md,line=1,endLine=1,title=t%2Ci%3At::m",
        ),
    ],
    ids=["newline-and-percent", "comma-and-colon"],
)
def test_workflow_command_escaping(annotation, command):
    assert annotation.command() == command


def test_job_summary_table():
    text = job_summary(load("bob"), min_score="80%", passed=False)
    assert text.startswith("## ML exam: 6.17 / 9.5")
    assert "Minimum score 80%: **not reached**." in text
    assert "| q1.b Gradient and normal equation | 2.5 | 3.5 |" in text
    assert "needs review: OCR repair" in text


def test_sheet_file_prefers_the_answer_sheet():
    report = load("alice").model_copy(deep=True)
    report.submission.files = ["alice/linreg.py", "alice/answers.md"]
    assert sheet_file(report) == "alice/answers.md"


def test_ci_command_on_github_actions(tmp_path, monkeypatch, mini):
    rubric, sheet = mini
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    runner = CliRunner()
    ok = runner.invoke(main, ["ci", sheet, "--rubric", rubric, "--min-score", "1"])
    assert ok.exit_code == 0, ok.output
    assert summary.read_text().startswith("## Mini exam: 1 / 2")
    commands = [line for line in ok.output.splitlines() if line.startswith("::")]
    assert commands == [
        "::warning file=sheet.md,line=3,endLine=3,title=q1.a (1/2)::"
        "Say what kind of quantity it predicts."
    ]
    below = runner.invoke(main, ["ci", sheet, "--rubric", rubric, "--min-score", "60%"])
    assert below.exit_code == 1
    assert "below --min-score 60%" in below.output


def test_ci_command_without_github_prints_no_workflow_commands(monkeypatch, mini):
    rubric, sheet = mini
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    result = CliRunner().invoke(main, ["ci", sheet, "--rubric", rubric])
    assert result.exit_code == 0
    assert not [line for line in result.output.splitlines() if line.startswith("::")]


def test_ci_bad_input_exits_2(mini):
    result = CliRunner().invoke(main, ["ci", mini[1], "--rubric", "none.yaml"])
    assert result.exit_code == 2
    assert result.output.startswith("error: ")


def test_grade_out_writes_every_format(tmp_path, mini):
    rubric, sheet = mini
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["grade", sheet, "--rubric", rubric, "--out", "out", "--jobs", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "graded 1, failed 0" in result.output
    for name in (
        "results/sheet.json",
        "feedback/sheet.html",
        "feedback/sheet.md",
        "gradescope/sheet.json",
        "gradebook.csv",
        "junit.xml",
        "review-queue.csv",
        "summary.html",
    ):
        assert (out / name).is_file(), name
    again = CliRunner().invoke(main, ["grade", sheet, "--rubric", rubric, "--out", "out"])
    assert "1 reused from an earlier run" in again.output


@pytest.mark.parametrize("fmt", ["csv", "gradescope", "junit", "html"])
def test_grade_batch_formats_to_stdout(fmt, mini):
    rubric, sheet = mini
    result = CliRunner().invoke(main, ["grade", sheet, "--rubric", rubric, "--format", fmt])
    assert result.exit_code == 0, result.output
    text = result.stdout  # the progress line goes to stderr
    if fmt == "csv":
        (row,) = list(csv.DictReader(io.StringIO(text)))
        assert (row["Student"], row["Regression (q1)"], row["Total"]) == ("sheet", "1", "1")
    elif fmt == "gradescope":
        assert "tests" in json.loads(text)
    elif fmt == "junit":
        assert text.startswith('<?xml version="1.0"')
    else:
        assert text.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("min_score", "exit_code"), [("1", 0), ("50%", 0), ("1.5", 1)], ids=["marks", "share", "below"]
)
def test_grade_out_min_score(mini, min_score, exit_code):
    rubric, sheet = mini
    args = ["grade", sheet, "--rubric", rubric, "--out", "out", "--min-score", min_score]
    assert CliRunner().invoke(main, args).exit_code == exit_code
