"""`grader grade` executor options: --scheduler and --dask-workers go with
--executor dask; misuse is a usage error (exit 2), before any work."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main

ROOT = Path(__file__).resolve().parents[2]
SHEET = str(ROOT / "submissions" / "blank.md")
RUBRIC = str(ROOT / "rubrics" / "ml-exam.yaml")


@pytest.mark.parametrize(
    "options",
    [["--scheduler", "tcp://localhost:8786"], ["--dask-workers", "2"]],
    ids=["scheduler", "dask-workers"],
)
def test_dask_options_need_the_dask_executor(options):
    result = CliRunner().invoke(main, ["grade", SHEET, "--rubric", RUBRIC, *options])
    assert result.exit_code == 2
    assert "--scheduler and --dask-workers go with --executor dask" in result.output


def test_an_unknown_executor_is_a_usage_error():
    result = CliRunner().invoke(main, ["grade", SHEET, "--rubric", RUBRIC, "--executor", "ray"])
    assert result.exit_code == 2
    assert "'ray' is not one of 'local', 'dask'" in result.output
