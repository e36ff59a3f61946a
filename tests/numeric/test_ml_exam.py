"""The exam's three code parts: typed-perfect gets full marks, typed-mistakes
gets what the marking scheme gives, with a diagnostic per lost mark."""

from __future__ import annotations

import pytest

from tests.numeric.conftest import REFERENCES, REPO, exam_checks

CHECKS = exam_checks()
ALL = [(part, spec) for part, specs in CHECKS.items() for spec in specs]


def _grade(sandbox, folder):
    from grader.numeric import run_code_check

    return {
        spec.id: run_code_check(spec, folder, references=REFERENCES, sandbox=sandbox)
        for _, spec in ALL
    }


@pytest.fixture(scope="module")
def perfect(sandbox):
    return _grade(sandbox, REPO / "submissions" / "typed-perfect")


@pytest.fixture(scope="module")
def mistakes(sandbox):
    return _grade(sandbox, REPO / "submissions" / "typed-mistakes")


def test_exam_checks_match_the_marking_scheme():
    assert {part: sum(s.points for s in specs) for part, specs in CHECKS.items()} == {
        "q1.e": 2,
        "q2.e": 2,
        "q3.e": 1,
    }
    marks = {s.id: [t.marks for t in s.tests] for _, s in ALL}
    assert marks == {
        "normal-equation": [1],
        "gradient-descent": [0.5, 0.5],
        "forward-backward": [0.5, 0.375, 0.375, 0.375, 0.375],
        "lstm-cell": [1],
    }


@pytest.mark.parametrize("check_id", [s.id for _, s in ALL])
def test_perfect_code_gets_full_marks(perfect, check_id):
    result = perfect[check_id]
    assert result.score == result.max_score, [t.diagnostic for t in result.tests]
    assert not result.needs_review
    assert all(t.status == "passed" and t.diagnostic == "" for t in result.tests)


MISTAKES = [
    # check, test, marks awarded, words the diagnostic must contain
    ("normal-equation", "least-squares", 0, ["shape (4, 1)", "(4,)"]),
    ("gradient-descent", "loss-decreases", 0.5, []),
    ("gradient-descent", "converges", 0, ["NaN"]),
    ("forward-backward", "loss", 0.5, []),
    ("forward-backward", "dW1", 0, ["dW1", "max absolute error"]),
    ("forward-backward", "db1", 0, ["db1", "max absolute error"]),
    ("forward-backward", "dW2", 0, ["transposed", "(1, 4)"]),
    ("forward-backward", "db2", 0.375, []),
    ("lstm-cell", "one-step", 0, ["item 0", "max relative error"]),
]


@pytest.mark.parametrize(
    ("check_id", "test_id", "marks", "words"), MISTAKES, ids=[f"{c}-{t}" for c, t, _, _ in MISTAKES]
)
def test_mistakes_get_the_schemes_marks_and_a_diagnostic(mistakes, check_id, test_id, marks, words):
    test = next(t for t in mistakes[check_id].tests if t.id == test_id)
    assert test.marks == marks
    if marks < test.max_marks:
        assert test.diagnostic
        for word in words:
            assert word in test.diagnostic
    else:
        assert test.diagnostic == ""


def test_mistakes_total(mistakes):
    assert sum(r.score for r in mistakes.values()) == pytest.approx(0.5 + 0.5 + 0.375)


def test_diagnostics_do_not_reveal_reference_values(mistakes, sandbox):
    """No number of the expected result appears in what the student reads."""
    import numpy as np

    from grader.numeric.inputs import generate_inputs
    from grader.numeric.references import load_references

    refs = load_references(REFERENCES)
    spec = next(s for _, s in ALL if s.id == "forward-backward")
    test = next(t for t in spec.tests if t.id == "dW1")
    inputs = generate_inputs(test, test.seeds[0], refs)
    expected = refs.call("forward_backward", *[inputs[a] for a in test.args])["dW1"]
    text = mistakes["forward-backward"].tests[1].diagnostic
    for value in np.ravel(expected):
        assert f"{value:.3g}" not in text and f"{value:.2e}" not in text


def test_student_finite_difference_note_for_inconsistent_gradient(mistakes):
    dW1 = next(t for t in mistakes["forward-backward"].tests if t.id == "dW1")
    assert len(dW1.notes) == 1 and "finite differences of your own loss" in dW1.notes[0]
