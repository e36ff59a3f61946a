"""run_code_check: missing files and functions, per-test time limits, seeds,
regrades, and failures that are not the student's (flagged for review)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.errors import RubricError
from grader.numeric import CodeCheckSpec, Sandbox, run_code_check
from grader.numeric.inputs import generate_array, generate_inputs
from grader.numeric.spec import ArraySpec
from tests.numeric.conftest import FILES, submission_with

REFS = FILES / "refs_small.py"
MIXED = FILES / "students" / "mixed.py"


def _spec(function="double", tests=None, **extra) -> CodeCheckSpec:
    tests = tests or [
        {
            "id": "negative",
            "marks": 1,
            "generator": "negative_vector",
            "args": ["x"],
            "compare": {"reference": "double"},
            "time_limit": 1,
        },
        {
            "id": "positive",
            "marks": 1,
            "generator": "positive_vector",
            "args": ["x"],
            "seeds": [1, 2, 3],
            "compare": {"reference": "double"},
        },
    ]
    points = sum(t.get("marks", 1) for t in tests)
    return CodeCheckSpec.from_mapping(
        {
            "id": "c",
            "points": points,
            "file": "mixed.py",
            "function": function,
            "tests": tests,
            **extra,
        }
    )


def test_an_endless_loop_costs_only_its_test(sandbox, tmp_path):
    result = run_code_check(
        _spec(), submission_with(tmp_path, MIXED, "mixed.py"), references=REFS, sandbox=sandbox
    )
    assert [(t.id, t.status, t.marks) for t in result.tests] == [
        ("negative", "timeout", 0.0),
        ("positive", "passed", 1.0),
    ]
    assert result.score == 1 and result.max_score == 2


def test_missing_file(sandbox, tmp_path):
    (tmp_path / "other.py").write_text("x = 1\n")
    result = run_code_check(_spec(), tmp_path, references=REFS, sandbox=sandbox)
    assert result.score == 0 and not result.needs_review
    assert all(t.status == "not_run" for t in result.tests)
    assert result.tests[0].diagnostic == "mixed.py was not submitted"


def test_file_found_in_a_subfolder_with_other_case(sandbox, tmp_path):
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "Mixed.py").write_text(MIXED.read_text())
    spec = _spec(
        tests=[
            {
                "id": "positive",
                "generator": "positive_vector",
                "args": ["x"],
                "compare": {"reference": "double"},
            }
        ]
    )
    result = run_code_check(spec, tmp_path, references=REFS, sandbox=sandbox)
    assert result.score == 1 and result.messages == ["graded code/Mixed.py as mixed.py"]


def test_missing_function(sandbox, tmp_path):
    result = run_code_check(
        _spec(function="triple"),
        submission_with(tmp_path, MIXED, "mixed.py"),
        references=REFS,
        sandbox=sandbox,
    )
    assert result.tests[1].diagnostic == "mixed.py has no function named triple"


def test_error_names_the_students_line(sandbox, tmp_path):
    result = run_code_check(
        _spec(function="broken"),
        submission_with(tmp_path, MIXED, "mixed.py"),
        references=REFS,
        sandbox=sandbox,
    )
    assert result.tests[1].status == "error"
    assert "NameError" in result.tests[1].diagnostic
    assert "mixed.py:16" in result.tests[1].diagnostic


def test_per_seed_scoring(sandbox, tmp_path):
    tests = [
        {
            "id": "t",
            "marks": 1,
            "inputs": {"x": {"shape": [3]}},
            "args": ["x"],
            "seeds": list(range(8)),
            "compare": {"reference": "double"},
            "scoring": scoring,
        }
        for scoring in ("all", "per_seed")
    ]
    tests[1]["id"] = "t2"
    folder = submission_with(tmp_path, MIXED, "mixed.py")
    result = run_code_check(
        _spec("double_sometimes", tests), folder, references=REFS, sandbox=sandbox
    )
    right = sum(generate_inputs(_spec("x", tests).tests[0], s, None)["x"][0] > 0 for s in range(8))
    assert 0 < right < 8
    assert result.tests[0].marks == 0
    assert result.tests[1].marks == pytest.approx(right / 8)
    assert f"({right} of 8 generated inputs passed)" in result.tests[0].diagnostic


def test_regrade_gives_the_same_result(sandbox, tmp_path):
    folder = submission_with(tmp_path, MIXED, "mixed.py")
    spec = _spec(
        "double_sometimes",
        [
            {
                "id": "t",
                "generator": "negative_vector",
                "args": ["x"],
                "seeds": [4, 5],
                "compare": {"reference": "double"},
            }
        ],
    )
    first, second = (
        run_code_check(spec, folder, references=REFS, sandbox=sandbox) for _ in range(2)
    )
    assert first.tests[0].diagnostic == second.tests[0].diagnostic
    assert first.tests[0].details["findings"] == second.tests[0].details["findings"]


def test_sandbox_failure_is_flagged_for_review(tmp_path):
    broken = Sandbox(python="/nonexistent/python")
    result = run_code_check(
        _spec(), submission_with(tmp_path, MIXED, "mixed.py"), references=REFS, sandbox=broken
    )
    assert result.needs_review and result.score == 0
    assert all(t.status == "sandbox_error" for t in result.tests)


def test_broken_references_are_the_graders_error(sandbox, tmp_path):
    with pytest.raises(RubricError, match="references file not found"):
        run_code_check(_spec(), tmp_path, references=tmp_path / "nope.py", sandbox=sandbox)
    spec = _spec(
        tests=[
            {
                "id": "t",
                "generator": "positive_vector",
                "args": ["x"],
                "compare": {"reference": "no_such_reference"},
            }
        ]
    )
    with pytest.raises(RubricError, match="no function named 'no_such_reference'"):
        run_code_check(
            spec, submission_with(tmp_path, MIXED, "mixed.py"), references=REFS, sandbox=sandbox
        )


def test_unknown_input_name_is_a_rubric_error(sandbox, tmp_path):
    spec = _spec(
        tests=[
            {
                "id": "t",
                "generator": "positive_vector",
                "args": ["z"],
                "compare": {"reference": "double"},
            }
        ]
    )
    with pytest.raises(RubricError, match="'z' is not an input"):
        run_code_check(
            spec, submission_with(tmp_path, MIXED, "mixed.py"), references=REFS, sandbox=sandbox
        )


ARRAYS = [
    ("normal", ArraySpec((4, 3)), (4, 3)),
    ("bias", ArraySpec((6, 3), bias_column=True), (6, 3)),
    ("binary", ArraySpec((10,), distribution="binary"), (10,)),
    ("integers", ArraySpec((5,), distribution="integers", low=2, high=4), (5,)),
    ("conditioned", ArraySpec((20, 4), condition=1e4), (20, 4)),
]


@pytest.mark.parametrize(("spec", "shape"), [a[1:] for a in ARRAYS], ids=[a[0] for a in ARRAYS])
def test_generated_arrays(spec, shape):
    first = generate_array(spec, np.random.default_rng(7))
    again = generate_array(spec, np.random.default_rng(7))
    assert first.shape == shape and np.array_equal(first, again)
    if spec.bias_column:
        assert (first[:, 0] == 1).all()
    if spec.distribution == "binary":
        assert set(np.unique(first)) <= {0.0, 1.0}
    if spec.distribution == "integers":
        assert first.min() >= 2 and first.max() <= 4
    if spec.condition:
        assert np.linalg.cond(first) == pytest.approx(1e4, rel=1e-6)


def test_references_under_a_visible_path_are_flagged(sandbox, tmp_path, monkeypatch):
    monkeypatch.setitem(sandbox.info, "isolated", True)
    monkeypatch.setitem(sandbox.info, "visible", [str(Path(REFS).parent)])
    result = run_code_check(
        _spec(
            tests=[
                {
                    "id": "t",
                    "generator": "positive_vector",
                    "args": ["x"],
                    "compare": {"reference": "double"},
                }
            ]
        ),
        submission_with(tmp_path, MIXED, "mixed.py"),
        references=REFS,
        sandbox=sandbox,
    )
    assert result.needs_review and "readable inside the sandbox" in result.review_reasons[0]


def test_set_up_failure_flags_review(sandbox, tmp_path):
    import dataclasses

    from grader.numeric import SandboxLimits

    spec = _spec()
    broken = SandboxLimits(output_bytes=10**30)  # setrlimit rejects it
    spec = dataclasses.replace(
        spec, tests=tuple(dataclasses.replace(t, limits=broken) for t in spec.tests)
    )
    result = run_code_check(
        spec, submission_with(tmp_path, MIXED, "mixed.py"), references=REFS, sandbox=sandbox
    )
    assert result.needs_review and result.score == 0
    assert [t.status for t in result.tests] == ["sandbox_error", "sandbox_error"]
    assert "could not set up" in result.review_reasons[0]


def test_literal_string_argument(sandbox, tmp_path):
    tests = [
        {
            "id": "t",
            "generator": "positive_vector",
            "args": ["x", {"value": "double"}],
            "compare": {"reference": "double", "args": ["x"]},
        }
    ]
    result = run_code_check(
        _spec("scaled", tests),
        submission_with(tmp_path, MIXED, "mixed.py"),
        references=REFS,
        sandbox=sandbox,
    )
    assert result.score == 1, result.tests[0].diagnostic
