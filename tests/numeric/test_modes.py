"""Comparisons up to a sign, a scale, an order, a rotation (grader.numeric.modes):
tables of examples, and a property of column signs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from grader.numeric.compare import compare_values
from grader.numeric.modes import describe_mode, match_up_to
from grader.numeric.sandbox import Unsupported
from grader.numeric.spec import INVARIANCES, TRANSFORM_NAMES, mode_problem
from grader.numeric.transforms import NAMED_TRANSFORMS, NotNumbers, apply_named, plain_numbers

E = np.array([[0.6, 0.8, 0.0], [0.8, -0.6, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
ROTATION = np.array([[np.cos(0.3), -np.sin(0.3)], [np.sin(0.3), np.cos(0.3)]])


def _flip(columns):
    return E * np.array([-1.0 if j in columns else 1.0 for j in range(3)])


# (name, actual, invariances, passes)
CASES = [
    ("exact", E.copy(), [], True),
    ("exact: a sign", -E, [], False),
    ("sign: all flipped", -E, ["sign"], True),
    ("sign: one column", _flip([1]), ["sign"], False),
    ("column_sign: one column", _flip([1]), ["column_sign"], True),
    ("column_sign: two columns", _flip([0, 2]), ["column_sign"], True),
    ("column_sign: a row flipped", E * np.array([[-1], [1], [1], [1]]), ["column_sign"], False),
    ("row_sign: a row flipped", E * np.array([[-1], [1], [1], [1]]), ["row_sign"], True),
    ("column_sign: columns swapped", E[:, [1, 0, 2]], ["column_sign"], False),
    ("column_permutation", E[:, [1, 0, 2]], ["column_permutation"], True),
    ("column_permutation: signs too", -E[:, [2, 0, 1]], ["column_permutation"], False),
    ("permutation and signs", -E[:, [2, 0, 1]], ["column_permutation", "column_sign"], True),
    ("row_permutation", E[[3, 1, 0, 2]], ["row_permutation"], True),
    ("row_permutation: columns swapped", E[:, [1, 0, 2]], ["row_permutation"], False),
    ("permutation of values", np.sort(E, axis=None).reshape(4, 3), ["permutation"], True),
    ("scale: positive", 2.5 * E, ["scale"], True),
    ("scale: negative", -2.5 * E, ["scale"], False),
    ("scale and sign: negative", -2.5 * E, ["scale", "sign"], True),
    ("scale: zero", 0 * E, ["scale", "sign"], False),
    ("column_scale", E * np.array([2.0, 0.5, 3.0]), ["column_scale"], True),
    ("column_scale: a negative factor", E * np.array([2.0, -0.5, 3.0]), ["column_scale"], False),
    (
        "column_scale + column_sign",
        E * np.array([2, -0.5, 3]),
        ["column_scale", "column_sign"],
        True,
    ),
    ("column_scale: a zero column", E * np.array([2.0, 0.0, 3.0]), ["column_scale"], False),
    ("column_scale: not a factor", E + 0.1, ["column_scale", "column_sign"], False),
    ("rotation", E[:, :2] @ ROTATION, ["rotation"], True),
    ("rotation: a reflection", E[:, :2] @ np.diag([1.0, -1.0]), ["rotation"], True),
    ("rotation: stretched", E[:, :2] @ (2 * ROTATION), ["rotation"], False),
    ("rotation: another plane", E[:, 1:], ["rotation"], False),
    ("subspace: another basis", E[:, :2] @ np.array([[1.0, 2.0], [0.0, 3.0]]), ["subspace"], True),
    ("subspace: fewer columns", E[:, :1], ["subspace"], False),
    ("subspace: another plane", E[:, 1:], ["subspace"], False),
    ("subspace: more columns, same span", np.hstack([E[:, :2], E[:, :1]]), ["subspace"], True),
    ("exact: other shape", E.T, [], False),
    ("column_sign: other shape", E[:, :2], ["column_sign"], False),
]


@pytest.mark.parametrize(
    ("actual", "up_to", "passes"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_match_up_to(actual, up_to, passes):
    expected = E[:, :2] if up_to in (["rotation"], ["subspace"]) else E
    found = match_up_to(
        actual=actual, expected=expected, invariances=frozenset(up_to), rtol=1e-9, atol=1e-12
    )
    assert (found.passed, found.undetermined) == (passes, "")


def test_a_vector_is_one_column_or_one_row():
    v = np.array([3.0, -4.0, 0.5])
    for up_to in ("column_sign", "row_sign"):
        assert match_up_to(
            actual=-v, expected=v, invariances=frozenset([up_to]), rtol=1e-9, atol=0
        ).passed
    assert not match_up_to(
        actual=v * [1, -1, 1], expected=v, invariances=frozenset(["column_sign"]), rtol=1e-9, atol=0
    ).passed


@pytest.mark.parametrize(
    ("expected", "up_to", "reason"),
    [
        (np.array(2.0), "column_sign", "the reference value is a number"),
        (np.zeros((2, 2, 2)), "row_permutation", "an array with 3 axes"),
        (np.array(2.0), "rotation", "the reference value is a number"),
    ],
)
def test_a_mode_that_does_not_fit_cannot_decide(expected, up_to, reason):
    found = match_up_to(
        actual=expected, expected=expected, invariances=frozenset([up_to]), rtol=1e-9, atol=0
    )
    assert not found.passed and reason in found.undetermined


def test_nan_in_the_reference_cannot_decide_and_nan_in_the_answer_fails():
    with_nan = np.array([1.0, np.nan])
    undecided = compare_values(actual=np.array([1.0, 2.0]), expected=with_nan)
    assert not undecided.passed and "cannot be decided" in undecided.undetermined
    wrong = compare_values(
        actual=with_nan, expected=np.array([1.0, 2.0]), up_to=frozenset(["sign"])
    )
    assert not wrong.passed and not wrong.undetermined and "1 NaN" in wrong.message


@given(
    reference=arrays(
        np.float64,
        st.tuples(st.integers(1, 5), st.integers(1, 4)),
        elements=st.one_of(
            st.just(0.0),
            st.floats(-1e6, 1e6, allow_nan=False).filter(lambda x: abs(x) > 1e-6),
        ),
    ),
    data=st.data(),
)
@settings(max_examples=150, deadline=None)
def test_flipping_column_signs_is_always_column_sign_and_never_exact(reference, data):
    flips = data.draw(
        arrays(np.float64, (reference.shape[1],), elements=st.sampled_from([1.0, -1.0]))
    )
    flipped = reference * flips
    by_sign = compare_values(actual=flipped, expected=reference, up_to=frozenset(["column_sign"]))
    exact = compare_values(actual=flipped, expected=reference)
    assert by_sign.passed
    changed = (flips < 0) & reference.any(axis=0)  # a flip of an all-zero column changes nothing
    assert exact.passed == (not changed.any())


@given(
    reference=arrays(
        np.float64,
        st.tuples(st.integers(1, 5), st.integers(1, 5)),
        elements=st.floats(-1e3, 1e3, allow_nan=False),
    ),
    data=st.data(),
)
@settings(max_examples=100, deadline=None)
def test_any_order_and_signs_of_the_columns_are_accepted_together(reference, data):
    k = reference.shape[1]
    order = data.draw(st.permutations(range(k)))
    flips = np.array(data.draw(st.lists(st.sampled_from([1.0, -1.0]), min_size=k, max_size=k)))
    moved = reference[:, order] * flips
    both = frozenset(["column_permutation", "column_sign"])
    assert compare_values(actual=moved, expected=reference, up_to=both).passed
    assert compare_values(
        actual=reference[:, order], expected=reference, up_to=frozenset(["column_permutation"])
    ).passed


@pytest.mark.parametrize(
    ("up_to", "words"),
    [
        ([], "right"),
        (["column_sign"], "right up to the sign of each column"),
        (["column_sign", "column_scale"], "right up to a non-zero factor per column"),
        (
            ["column_permutation", "column_sign"],
            "right up to the sign of each column and the order of the columns",
        ),
        (["scale"], "right up to a positive factor"),
    ],
)
def test_describe_mode(up_to, words):
    assert describe_mode(frozenset(up_to)) == words


@pytest.mark.parametrize(
    ("up_to", "problem"),
    [
        (["column_sign", "column_permutation"], None),
        (["sign", "scale", "column_permutation"], None),
        (["rotation", "column_sign"], "stand alone"),
        (["row_sign", "column_sign"], "not both"),
        (["permutation", "row_sign"], "cannot be combined"),
        (["colum_sign"], "unknown invariance"),
    ],
)
def test_mode_problems(up_to, problem):
    found = mode_problem(frozenset(up_to))
    assert (found is None) if problem is None else (problem in found)


def test_transform_names_in_step():
    assert set(TRANSFORM_NAMES) == set(NAMED_TRANSFORMS)
    assert {target for target, _ in INVARIANCES.values()} == {
        "whole",
        "elements",
        "row",
        "column",
        "basis",
    }


@pytest.mark.parametrize(
    ("names", "value", "expected"),
    [
        (["abs"], [[-1.0, 2.0]], [[1.0, 2.0]]),
        (["sort"], [[3.0, 1.0], [2.0, 0.0]], [0.0, 1.0, 2.0, 3.0]),
        (["sort_rows"], [[2.0, 0.0], [1.0, 5.0]], [[1.0, 5.0], [2.0, 0.0]]),
        (["sort_columns"], [[2.0, 1.0], [0.0, 5.0]], [[1.0, 2.0], [5.0, 0.0]]),
        (["normalize_columns"], [[3.0, 0.0], [4.0, 0.0]], [[0.6, 0.0], [0.8, 0.0]]),
        (["normalize_rows"], [[3.0, 4.0], [0.0, 0.0]], [[0.6, 0.8], [0.0, 0.0]]),
        (["normalize"], [3.0, 4.0], [0.6, 0.8]),
        (["abs", "sort"], [-3.0, 1.0, -2.0], [1.0, 2.0, 3.0]),
        (["squeeze"], [[1.0], [2.0]], [1.0, 2.0]),
    ],
)
def test_named_transforms(names, value, expected):
    assert np.allclose(apply_named(tuple(names), np.array(value)), np.array(expected))


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (Unsupported("Components"), "is not numbers (Components)"),
        (np.array(["a"]), "not numbers"),
        ({1: np.zeros(2)}, "not numbers or arrays"),
        ((np.zeros(2), Unsupported("Sneaky")), "item 1 of the result is not numbers"),
        (object(), "not numbers or arrays"),
    ],
)
def test_only_plain_numbers_reach_instructor_code(value, words):
    with pytest.raises(NotNumbers) as refused:
        plain_numbers(value, "the result")
    assert words in str(refused.value)


def test_plain_numbers_are_copies():
    array = np.arange(3.0)
    array.flags.writeable = False
    plain = plain_numbers({"a": (array, np.array(2.5))}, "the result")
    assert plain["a"][1] == 2.5 and isinstance(plain["a"][1], float)
    plain["a"][0][0] = 7.0  # writable, and not the decoded array
    assert array[0] == 0.0


@pytest.mark.parametrize(
    ("allowed", "perfect"),
    [
        ([[1, 0], [0, 1]], True),
        ([[1, 1], [1, 0]], True),  # row 1 takes column 0, row 0 moves to column 1
        ([[1, 1, 0], [1, 0, 0], [0, 1, 1]], True),
        ([[1, 1, 0], [1, 1, 0], [1, 1, 0]], False),
        ([[0, 1, 1, 0], [1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1]], True),
        ([[0, 0], [1, 1]], False),
    ],
)
def test_perfect_matching(allowed, perfect):
    from grader.numeric.modes import _perfect_matching

    assert _perfect_matching(np.array(allowed, dtype=bool)) is perfect


def test_a_large_permutation_needs_no_recursion():
    from grader.numeric.modes import _perfect_matching

    n = 3000  # each row takes its own column, until the last, which only fits
    # column 0: every other row must move on by one (a path through all of them)
    allowed = np.eye(n, dtype=bool) | np.eye(n, k=1, dtype=bool)
    allowed[n - 1] = False
    allowed[n - 1, 0] = True
    assert _perfect_matching(allowed)
    allowed[n - 2, n - 1] = False  # now nobody can move into the last column
    assert not _perfect_matching(allowed)
