"""Exports use the final marks: after `grader decide`, the gradebook, the
student's feedback and the summaries carry the person's mark and say who set
it; a regrade keeps it while the answer is unchanged and drops it (back to
review) when the answer changes."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from grader.cli import main

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = str(ROOT / "rubrics" / "ml-exam.yaml")


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def gradebook(out: Path) -> dict[str, list[str]]:
    rows = list(csv.reader(io.StringIO((out / "gradebook.csv").read_text())))
    return {row[0]: row for row in rows[1:]}


def test_a_decision_reaches_every_export_and_lasts_until_the_answer_changes(tmp_path):
    sheets = tmp_path / "class"
    shutil.copytree(ROOT / "submissions" / "typed-perfect", sheets / "alice")
    shutil.copytree(ROOT / "submissions" / "typed-mistakes", sheets / "bob")
    out = tmp_path / "out"
    run("grade", str(sheets), "--rubric", RUBRIC, "--out", str(out))
    summary = json.loads((out / "summary.json").read_text())
    q3d = next(row for row in summary["answer_groups"] if row["part"] == "q3.d")
    assert q3d["answers"] == 2 and q3d["groups"] >= 1
    assert "Answer groups" in (out / "summary.html").read_text()
    before = gradebook(out)
    assert before["alice"][-1] == "30"

    said = run(
        "decide",
        str(out),
        "--part",
        "q3.d",
        "--student",
        "alice",
        "--mark",
        "0.5",
        "--feedback",
        "name the models",
        "--by",
        "ada",
    )
    assert "final marks written" in said
    assert gradebook(out)["alice"][-1] == "29.5"
    feedback = (out / "feedback" / "alice.md").read_text()
    assert "Mark set by ada (the grader gave 1)." in feedback and "name the models" in feedback
    gradescope = (out / "gradescope" / "alice.json").read_text()
    assert "Mark set by ada" in gradescope and '"score": 29.5' in gradescope
    assert "29.5" in (out / "summary.md").read_text() or "29.5" in (out / "junit.xml").read_text()
    assert gradebook(out)["bob"] == before["bob"]  # a classmate's marks are untouched

    run("grade", str(sheets), "--rubric", RUBRIC, "--out", str(out))  # regrade, same answers
    assert gradebook(out)["alice"][-1] == "29.5"

    sheet = sheets / "alice" / "sheet.md"
    sheet.write_text(sheet.read_text().replace("ANN: house price prediction", "ANN: image labels"))
    run("grade", str(sheets), "--rubric", RUBRIC, "--out", str(out))  # the answer changed
    assert gradebook(out)["alice"][-1] == "30"
    assert "Mark set by" not in (out / "feedback" / "alice.md").read_text()
    queue = (out / "review-queue.csv").read_text()
    assert "alice,q3.d" in queue and "changed since a person decided" in queue
