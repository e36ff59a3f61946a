"""The review and statistics commands on a graded class."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def results(graded_out, tmp_path):
    """A copy of the graded class: deciding writes its files again."""
    import shutil

    return Path(shutil.copytree(graded_out, tmp_path / "out"))


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_groups_then_decide_then_stats(results, tmp_path):
    db = str(tmp_path / "d.sqlite")
    listed = run("groups", str(results), "--part", "q2.b", "--format", "json", "--db", db)
    assert listed.exit_code == 0, listed.output
    groups = [json.loads(line) for line in listed.output.splitlines()]
    assert sum(g["size"] for g in groups) == 5
    big = max(groups, key=lambda g: g["size"])
    before = json.loads(run("stats", str(results), "--format", "json", "--db", db).output)
    decided = run(
        "decide",
        str(results),
        "--part",
        "q2.b",
        "--group",
        big["group"],
        "--mark",
        "0",
        "--by",
        "ada",
        "--reason",
        "too vague",
        "--db",
        db,
    )
    assert decided.exit_code == 0 and f"recorded {big['size']} decisions on q2.b" in decided.output
    text = run("groups", str(results), "--part", "q2.b", "--db", db).output
    assert f"{big['size']} decided" in text
    after = json.loads(run("stats", str(results), "--format", "json", "--db", db).output)
    part = lambda data: next(p for p in data["parts"] if p["id"] == "q2.b")  # noqa: E731
    assert part(after)["mean"] < part(before)["mean"]  # the decision's marks are used


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("groups", "{results}", "--part", "q9.z"), "no part 'q9.z'"),
        (("groups", "/nonexistent"), "no such results folder"),
        (("decide", "{results}", "--part", "q2.b", "--by", "ada", "--mark", "1"), "either --group"),
        (
            ("decide", "{results}", "--part", "q2.b", "--group", "x", "--by", "ada"),
            "nothing to decide",
        ),
        (
            (
                "decide",
                "{results}",
                "--part",
                "q2.b",
                "--student",
                "blank",
                "--mark",
                "5",
                "--by",
                "ada",
            ),
            "outside 0..1",
        ),
        (("import-marks", "{results}", "{missing}", "--by", "ada"), "cannot read the marks file"),
    ],
)
def test_bad_review_input_is_one_error_line(results, tmp_path, args, message):
    filled = [a.format(results=results, missing=tmp_path / "none.csv") for a in args]
    result = run(*filled, "--db", str(tmp_path / "d.sqlite"))
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: ") and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_import_marks(results, tmp_path):
    marks = tmp_path / "marks.csv"
    marks.write_text("part,student,mark,comment\nq1.a,blank,1,answered on paper\n")
    db = str(tmp_path / "d.sqlite")
    result = run("import-marks", str(results), str(marks), "--by", "ada", "--db", db)
    assert result.exit_code == 0 and "recorded 1 marks" in result.output
