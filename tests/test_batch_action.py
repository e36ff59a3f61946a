"""The composite GitHub action: its inputs, and its grading step run with bash
the way the runner would (GITHUB_* files in a temp folder)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Literal

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, Field

ROOT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())

RUBRIC = (Path(__file__).resolve().parent / "files" / "mini-rubric.yaml").read_text()


# GitHub Classroom's autograding result, as its reporter
# (classroom-resources/autograding-grading-reporter: src/main.js decodes
# base64 then JSON from <RUNNER>_RESULTS; src/notify-classroom.js sums
# tests[].score against max_score; src/console-results.js shows each test's
# name, status "pass"/other and message) reads it, with the fields its command
# and I/O runners (autograding-command-grader, autograding-io-grader) write.
class ClassroomTest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    status: Literal["pass", "fail", "error"]
    score: float = Field(ge=0)
    max_score: float = Field(ge=0)
    message: str | None
    test_code: str
    filename: str
    line_no: int
    duration: float


class ClassroomResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Literal[1]
    status: Literal["pass", "fail", "error"]
    max_score: float = Field(ge=0)
    tests: list[ClassroomTest]


def classroom_result(encoded: str) -> ClassroomResult:
    """Read as the reporter does: base64, UTF-8, JSON; then checked against the schema."""
    result = ClassroomResult.model_validate(json.loads(base64.b64decode(encoded).decode("utf-8")))
    assert sum(test.score for test in result.tests) <= result.max_score + 1e-9
    return result


def test_action_is_composite_with_documented_inputs():
    assert ACTION["runs"]["using"] == "composite"
    assert ACTION["inputs"]["rubric"]["required"] is True
    assert {"path", "min-score", "time-limit"} <= set(ACTION["inputs"])
    for step in ACTION["runs"]["steps"]:
        if "run" in step:
            assert step["shell"] == "bash"


@pytest.mark.skipif(shutil.which("grader") is None, reason="grader is not on PATH")
@pytest.mark.parametrize(
    ("min_score", "exit_code"), [("", 0), ("100%", 1)], ids=["no-threshold", "below"]
)
def test_grade_step_writes_summary_annotations_and_exit_code(tmp_path, min_score, exit_code):
    (step,) = [s for s in ACTION["runs"]["steps"] if s.get("id") == "grade"]
    repo = tmp_path / "repo"
    (repo / "rubric").mkdir(parents=True)
    (repo / "rubric" / "mini.yaml").write_text(RUBRIC)
    (repo / "answers.md").write_text("# Q1\n\n(a) Linear regression is supervised learning.\n")
    output, summary = tmp_path / "output", tmp_path / "summary.md"
    env = {
        **os.environ,
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_WORKSPACE": str(repo),
        "RUBRIC": "rubric/mini.yaml",
        "SUBMISSION": "answers.md",
        "MIN_SCORE": min_score,
        "TIME_LIMIT": "",
    }
    done = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=repo, env=env, capture_output=True, text=True
    )
    assert done.returncode == exit_code, done.stderr
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert outputs["exit-code"] == str(exit_code)
    result = classroom_result(outputs["result"])
    assert (result.status, result.max_score) == ("fail", 2)
    assert [(t.name, t.status, t.score, t.max_score) for t in result.tests] == [
        ("q1.a: What linear regression is", "fail", 1, 2)
    ]
    assert "Say what kind of quantity it predicts." in result.tests[0].message
    assert summary.read_text().startswith("## Mini exam: 1 / 2")
    assert (
        "::warning file=answers.md,line=3,endLine=3,title=q1.a (1/2)::Say what kind of quantity it predicts."
        in (done.stdout.splitlines())
    )


@pytest.mark.skipif(shutil.which("grader") is None, reason="grader is not on PATH")
def test_grade_step_reports_a_submission_it_cannot_grade_to_classroom(tmp_path):
    """Bad input exits 2 and still gives Classroom's reporter an `error` result with why."""
    (step,) = [s for s in ACTION["runs"]["steps"] if s.get("id") == "grade"]
    repo = tmp_path / "repo"
    (repo / "rubric").mkdir(parents=True)
    (repo / "rubric" / "mini.yaml").write_text(RUBRIC)
    (repo / "answers.md").write_text("")
    output = tmp_path / "output"
    env = {
        **os.environ,
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_WORKSPACE": str(repo),
        "RUBRIC": "rubric/mini.yaml",
        "SUBMISSION": "answers.md",
        "MIN_SCORE": "",
        "TIME_LIMIT": "",
    }
    done = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=repo, env=env, capture_output=True, text=True
    )
    assert done.returncode == 2
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    result = classroom_result(outputs["result"])
    assert result.status == "error"
    assert "empty answer sheet" in result.tests[0].message


def test_action_passes_the_classroom_result_on():
    assert ACTION["outputs"]["result"]["value"] == "${{ steps.grade.outputs.result }}"
