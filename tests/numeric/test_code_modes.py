"""Code checks compared up to what the marking scheme forgives, with real
student code: the PCA check of docs/code-checks.md ("Ways to be right")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from grader.numeric import CodeCheckSpec, run_code_check
from grader.numeric.references import load_references
from tests.numeric.conftest import FILES, submission_with

PCA = FILES / "pca"
REFERENCES = PCA / "pca_references.py"


def _check(**changes) -> CodeCheckSpec:
    data = yaml.safe_load((PCA / "pca-check.yaml").read_text())
    for test in data["tests"]:
        test.update(changes.get(test["id"], {}))
    return CodeCheckSpec.from_mapping(data, source=str(PCA / "pca-check.yaml"))


def _grade(sandbox, tmp_path: Path, student: str, spec: CodeCheckSpec | None = None):
    folder = submission_with(tmp_path, PCA / "students" / f"{student}.py", "pca.py")
    return run_code_check(spec or _check(), folder, references=REFERENCES, sandbox=sandbox)


# student file -> (marks of `components` (of 2), its status, words of its diagnostic,
#                  marks of `subspace` (of 1, a comparator))
PCA_CASES = [
    ("right", 2.0, "passed", [], 1.0),
    ("flipped", 1.5, "partial", ["right up to the sign of each column", "0.75 of the marks"], 1.0),
    ("permuted", 1.0, "partial", ["not in order of variance", "0.5 of the marks"], 1.0),
    ("scaled", 1.0, "partial", ["a non-zero factor per column", "0.5 of the marks"], 1.0),
    # the comparator's half marks: not centred, the span is only near the right one
    ("wrong", 0.0, "failed", ["is off", "0 of 3 sets of inputs passed"], 0.5),
]


@pytest.mark.parametrize(
    ("student", "marks", "status", "words", "subspace"), PCA_CASES, ids=[c[0] for c in PCA_CASES]
)
def test_pca_marks_per_way_of_being_right(
    sandbox, tmp_path, student, marks, status, words, subspace
):
    result = _grade(sandbox, tmp_path, student)
    components, span = result.tests
    assert (components.marks, components.status) == (marks, status), components.diagnostic
    for word in words:
        assert word in components.diagnostic
    assert span.marks == subspace, span.diagnostic
    assert result.score == marks + subspace
    assert not result.needs_review


def test_a_fixed_case_runs_besides_the_generated_seeds(sandbox, tmp_path):
    result = _grade(sandbox, tmp_path, "right")
    findings = result.tests[0].details["findings"]
    assert [f.get("seed", f.get("case")) for f in findings] == [1, 2, "axes"]
    assert "seed" not in findings[2]
    only_case = _grade(sandbox, tmp_path, "wrong", _check(components={"seeds": []}))
    assert len(only_case.tests[0].details["findings"]) == 1
    assert only_case.tests[0].diagnostic.startswith("case 'axes': the result of pca is off")
    assert "inputs passed" not in only_case.tests[0].diagnostic  # one set of inputs


def test_only_exact_earns_nothing_for_flipped_signs(sandbox, tmp_path):
    spec = _check(components={"compare": {"reference": "pca_components", "atol": 1.0e-9}})
    result = _grade(sandbox, tmp_path, "flipped", spec)
    assert result.tests[0].marks == 0.0
    assert result.tests[0].status == "failed"


@pytest.mark.parametrize(
    ("transform", "student", "marks"),
    [
        (["canonical_signs"], "flipped", 2.0),  # a transform of the references file
        (["normalize_columns"], "scaled", 2.0),  # a named one
        (["abs", "sort"], "permuted", 2.0),
        (["normalize_columns"], "wrong", 0.0),
    ],
)
def test_a_transform_before_comparing(sandbox, tmp_path, transform, student, marks):
    spec = _check(
        components={
            "compare": {"reference": "pca_components", "atol": 1.0e-9, "transform": transform}
        }
    )
    assert _grade(sandbox, tmp_path, student, spec).tests[0].marks == marks


def test_a_malicious_object_never_reaches_the_grader(sandbox, tmp_path, monkeypatch):
    """The student's objects stay in the sandbox: the grader gets numbers or an
    'unsupported value', and the comparator only ever sees plain arrays."""
    monkeypatch.chdir(tmp_path)
    refs = load_references(REFERENCES)
    refs.module.SEEN.clear()
    spec = _check(subspace={"inputs": {"k": 2}})
    result = _grade(sandbox, tmp_path, "malicious", spec)
    assert [t.marks for t in result.tests] == [0.0, 0.0]
    assert "not numbers" in result.tests[1].diagnostic
    assert "numbers and arrays only" in result.tests[1].diagnostic
    assert refs.module.SEEN == []  # the comparator was not called at all
    one = _check(subspace={"inputs": {"k": 1}})
    result = _grade(sandbox, tmp_path, "malicious", one)
    assert result.tests[1].marks == 0.0
    assert set(refs.module.SEEN) <= {"ndarray", "float", "int"}
    assert not (tmp_path / "PWNED").exists()
    assert not Path("PWNED").exists()


@pytest.mark.parametrize(
    ("comparator", "reason"),
    [
        ("broken_comparator", "comparator broken_comparator failed"),
        ("nan_comparator", "comparator nan_comparator returned float 'nan'"),
    ],
)
def test_a_comparator_that_cannot_decide_flags_the_check(sandbox, tmp_path, comparator, reason):
    spec = _check(subspace={"compare": {"reference": "pca_components", "comparator": comparator}})
    result = _grade(sandbox, tmp_path, "right", spec)
    span = result.tests[1]
    assert (span.passed, span.marks, span.status) == (False, 0.0, "undetermined")
    assert "could not be compared automatically (not your fault)" in span.diagnostic
    assert reason not in span.diagnostic  # the instructor's code is not the student's business
    assert result.needs_review
    assert any(reason in r and "subspace" in r for r in result.review_reasons)


def test_a_mode_that_does_not_fit_the_value_is_a_review_not_a_zero(sandbox, tmp_path):
    spec = _check(
        components={
            "compare": {
                "reference": "pca_components",
                "transform": "largest_entry",  # one number
                "up_to": "column_sign",
            },
        }
    )
    result = _grade(sandbox, tmp_path, "right", spec)
    assert (result.tests[0].marks, result.tests[0].status) == (0.0, "undetermined")
    assert "not your fault" in result.tests[0].diagnostic
    assert result.needs_review
    assert any("needs vectors or a matrix" in r for r in result.review_reasons)


def test_a_generator_is_told_the_index_case_and_seed():
    from grader.numeric.inputs import generate_inputs

    spec = CodeCheckSpec.from_mapping(
        {
            "id": "c",
            "points": 1,
            "file": "pca.py",
            "function": "pca",
            "tests": [
                {
                    "id": "t",
                    "seeds": [7, 8],
                    "generator": "fixed_matrix",
                    "cases": {"mine": {"X": [[1, 2], [3, 4]]}},
                    "args": ["X"],
                    "compare": {"reference": "pca_components"},
                }
            ],
        }
    )
    (test,) = spec.tests
    refs = load_references(REFERENCES)
    first = generate_inputs(test, 7, refs, index=0)
    second = generate_inputs(test, 8, refs, index=1)
    case = generate_inputs(test, 0, refs, index=2, case="mine")
    assert first["told"] == (0, None, 7) and (first["X"] == np.eye(2)).all()
    assert second["told"] == (1, None, 8) and (second["X"] == np.diag([3.0, 1.0])).all()
    assert case["told"] == (2, "mine", 0)
    assert case["X"].tolist() == [[1, 2], [3, 4]]  # the case's own value wins


def test_the_docs_example_is_the_graded_check():
    """docs/code-checks.md shows the check these tests grade."""
    page = (Path(__file__).resolve().parents[2] / "docs" / "code-checks.md").read_text()
    section = page.split("### Ways to be right", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    (shown,) = yaml.safe_load(block)
    assert shown == yaml.safe_load((PCA / "pca-check.yaml").read_text())


@pytest.mark.parametrize(
    ("student", "share", "marks", "words"),
    [
        ("right", 0.9, 1.0, ""),
        ("flipped", 0.9, 1.0, ""),
        ("scaled", 0.9, 0.0, "should be orthonormal"),
        ("right", 0.99, 0.0, "keep 9"),  # its params reach it: too much asked
    ],
)
def test_a_comparator_without_a_reference_sees_the_inputs(
    sandbox, tmp_path, student, share, marks, words
):
    spec = _check(
        subspace={
            "compare": {"comparator": {"name": "explains_variance", "params": {"share": share}}}
        }
    )
    span = _grade(sandbox, tmp_path, student, spec).tests[1]
    assert span.marks == marks, span.diagnostic
    assert words in span.diagnostic
