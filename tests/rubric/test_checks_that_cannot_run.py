"""A check that cannot run (a misspelt field the loader lets through, a
missing reference) scores 0 on every sheet: `grader grade` must say which
check and exit non-zero, never `0 / 2` for everyone with exit 0."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main

ROOT = Path(__file__).resolve().parents[2]
SHEETS = [str(ROOT / "submissions" / "typed-perfect"), str(ROOT / "submissions" / "typed-mistakes")]


@pytest.fixture(scope="module")
def broken_rubric(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("broken")
    for file in (ROOT / "rubrics").iterdir():
        shutil.copy(file, folder / file.name)
    rubric = folder / "ml-exam.yaml"
    text = rubric.read_text(encoding="utf-8")
    right = "compare: {reference: fit_normal_equation, rtol: 1.0e-6"
    assert right in text
    rubric.write_text(text.replace(right, "comapre" + right[len("compare") :], 1))
    return rubric


@pytest.mark.parametrize(
    "extra",
    [[], ["--format", "csv"], ["--jobs", "1"], ["--out", "OUT", "--jobs", "1"]],
    ids=["one-by-one", "csv", "batch", "out-folder"],
)
def test_a_check_that_cannot_run_fails_the_batch(broken_rubric, tmp_path, extra):
    extra = [str(tmp_path / "out") if arg == "OUT" else arg for arg in extra]
    result = CliRunner().invoke(main, ["grade", *SHEETS, "--rubric", str(broken_rubric), *extra])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert any(
        "check 'normal-equation' of q1.e could not run on 2 sheets" in line and "comapre" in line
        for line in lines
    ), result.stderr


def test_the_same_class_with_the_right_rubric_exits_0():
    rubric = ROOT / "rubrics" / "ml-exam.yaml"
    result = CliRunner().invoke(main, ["grade", *SHEETS, "--rubric", str(rubric)])
    assert result.exit_code == 0, result.output
    assert "could not run" not in result.stderr
