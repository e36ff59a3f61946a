"""The composite GitHub action: its inputs, and its grading step run with bash
the way the runner would (GITHUB_* files in a temp folder)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())

RUBRIC = (Path(__file__).resolve().parent / "files" / "mini-rubric.yaml").read_text()


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
    assert output.read_text() == f"exit-code={exit_code}\n"
    assert summary.read_text().startswith("## Mini exam: 1 / 2")
    assert (
        "::warning file=answers.md,line=3,endLine=3,title=q1.a (1/2)::Say what kind of quantity it predicts."
        in (done.stdout.splitlines())
    )
