"""Gradescope's results.json, validated against a Pydantic model of the
documented schema (gradescope-autograders.readthedocs.io, "Autograder
Specifications" > "Output format", "Test case status", "Output String
Formatting", "Controlling Test Case Visibility"). The model forbids keys the
specification does not list, so a typo cannot slip through."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, model_validator

from grader.report import gradescope
from grader.report.models import GradeReport

FILES = Path(__file__).parent / "files" / "batch"

Visibility = Literal["hidden", "after_due_date", "after_published", "visible"]
Format = Literal["text", "simple_format", "html", "md", "ansi"]


class GradescopeTest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: float | None = None
    max_score: float | None = None
    status: Literal["passed", "failed"] | None = None
    name: str | None = None
    name_format: Format | None = None
    number: str | None = None
    output: str | None = None
    output_format: Format | None = None
    tags: list[str] | None = None
    visibility: Visibility | None = None
    extra_data: dict | None = None


class LeaderboardEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    value: float | str
    order: Literal["asc", "desc"] | None = None


class GradescopeResults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: float | None = None
    execution_time: int | float | None = None
    output: str | None = None
    output_format: Format | None = None
    test_output_format: Format | None = None
    test_name_format: Format | None = None
    visibility: Visibility | None = None
    stdout_visibility: Visibility | None = None
    extra_data: dict | None = None
    tests: list[GradescopeTest] | None = None
    leaderboard: list[LeaderboardEntry] | None = None

    @model_validator(mode="after")
    def score_somewhere(self):
        # "score: optional, but required if not on each test case below"
        if self.score is None and not (self.tests and all(t.score is not None for t in self.tests)):
            raise ValueError("score is required at the top level or on every test")
        return self


def load(name: str) -> GradeReport:
    return GradeReport.model_validate_json((FILES / f"{name}.json").read_text())


@pytest.mark.parametrize("name", ["alice", "bob"], ids=["full-marks", "partial-review"])
def test_validates_against_the_documented_schema(name):
    report = load(name)
    results = GradescopeResults.model_validate(
        json.loads(gradescope.render(report, execution_time=1.4, leaderboard=True))
    )
    assert results.score == pytest.approx(report.score)
    assert results.execution_time == 1
    assert len(results.tests) == len(report.parts)
    assert sum(t.score for t in results.tests) == pytest.approx(report.score)
    assert sum(t.max_score for t in results.tests) == pytest.approx(report.max_score)
    assert results.leaderboard[0].value == pytest.approx(report.score)


def test_each_part_is_one_test_with_status_feedback_and_lines():
    results = GradescopeResults.model_validate(json.loads(gradescope.render(load("bob"))))
    by_number = {t.number: t for t in results.tests}
    assert list(by_number) == ["q1.a", "q1.b", "q2.c"]
    lost = by_number["q1.b"]
    assert (lost.status, lost.score, lost.max_score) == ("failed", 2.5, 3.5)
    assert "sign slip" in lost.output
    assert "lines 8-12" in lost.output and "line 9" in lost.output
    assert lost.tags == ["q1", "derivation"]
    review = by_number["q2.c"]
    assert review.extra_data["needs_review"] is True
    assert "OCR repair" in review.output
    assert results.extra_data["rubric_sha256"] == "cd" * 32
    assert results.stdout_visibility == "hidden"
    full = GradescopeResults.model_validate(json.loads(gradescope.render(load("alice"))))
    assert {t.status for t in full.tests} == {"passed"}


def test_visibility_option_applies_to_the_submission_and_each_test():
    results = GradescopeResults.model_validate(
        gradescope.to_dict(load("alice"), visibility="after_published")
    )
    assert results.visibility == "after_published"
    assert {t.visibility for t in results.tests} == {"after_published"}


def test_failure_results_validate_and_say_why():
    results = GradescopeResults.model_validate(
        json.loads(gradescope.render_failure("sheet.md: not UTF-8 text"))
    )
    assert results.score == 0
    assert "not UTF-8" in results.output


def test_schema_model_rejects_undocumented_keys():
    # The test's model must be able to fail: a misspelt key is caught.
    with pytest.raises(ValueError):
        GradescopeResults.model_validate({"score": 1, "tests": [{"scroe": 1}]})
    with pytest.raises(ValueError):
        GradescopeResults.model_validate({"tests": [{"name": "no score anywhere"}]})


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "gradescope"
MINI_RUBRIC = (Path(__file__).resolve().parents[1] / "files" / "mini-rubric.yaml").read_text()


@pytest.mark.parametrize(
    ("files", "expect_tests"),
    [
        ({"answers.md": b"# Q1\n\n(a) Linear regression is supervised learning.\n"}, True),
        ({"answers.md": b"\x00\x01\x02binary\x00"}, False),
    ],
    ids=["sample-sheet", "unreadable"],
)
def test_run_autograder_writes_valid_results(tmp_path, files, expect_tests):
    import os
    import subprocess
    import sys

    rubric = tmp_path / "source" / "rubric"
    rubric.mkdir(parents=True)
    (rubric / "rubric.yaml").write_text(MINI_RUBRIC)
    submission = tmp_path / "submission"
    submission.mkdir()
    for name, data in files.items():
        (submission / name).write_bytes(data)
    env = {**os.environ, "GRADESCOPE_ROOT": str(tmp_path), "GRADER_PYTHON": sys.executable}
    done = subprocess.run(
        ["bash", str(EXAMPLE / "run_autograder")], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    results = GradescopeResults.model_validate_json(
        (tmp_path / "results" / "results.json").read_text()
    )
    assert bool(results.tests) is expect_tests
    if expect_tests:
        (test,) = results.tests
        assert (test.number, test.score, test.max_score, test.status) == ("q1.a", 1, 2, "failed")
    if not expect_tests:
        assert results.score == 0 and "could not grade" in results.output


def test_a_part_hidden_until_release_stays_hidden():
    """A rubric part with `visibility: after_published` (carried in the
    report) keeps its test hidden whatever the export's default."""
    report = GradeReport.model_validate_json((FILES / "alice.json").read_text())
    report.parts[0].visibility = "after_published"
    data = gradescope.to_dict(report, visibility="visible")
    assert data["tests"][0]["visibility"] == "after_published"
    assert {t["visibility"] for t in data["tests"][1:]} == {"visible"}


def test_the_rubric_part_visibility_reaches_the_report(tmp_path):
    import shutil

    from grader import api

    root = Path(__file__).resolve().parents[2]
    for file in (root / "rubrics").iterdir():
        shutil.copy(file, tmp_path / file.name)
    rubric = tmp_path / "ml-exam.yaml"
    text = rubric.read_text()
    marker = "      - id: a\n"
    assert marker in text
    rubric.write_text(text.replace(marker, marker + "        visibility: after_published\n", 1))
    report = api.grade(root / "submissions" / "typed-perfect", api.load_rubric(rubric))
    assert report.parts[0].id == "q1.a" and report.parts[0].visibility == "after_published"
    tests = gradescope.to_dict(report)["tests"]
    assert tests[0]["visibility"] == "after_published" and tests[1]["visibility"] == "visible"
