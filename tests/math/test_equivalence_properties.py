"""Properties of grader.math.equivalent (hypothesis), on SymPy objects:
a SymPy rewrite stays equal; a shape error, a swapped non-square product and a
non-zero perturbation are never equal."""

from __future__ import annotations

import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.math.equivalence import equivalent

x, y, z = sp.symbols("x y z", real=True)
SCALARS = [x, y, z]
DIMS = sp.symbols("n p q r", integer=True, positive=True)

small_ints = st.integers(min_value=-5, max_value=5)
nonzero_rationals = st.builds(
    sp.Rational,
    st.integers(min_value=1, max_value=9) | st.integers(min_value=-9, max_value=-1),
    st.integers(min_value=1, max_value=9),
)


def _monomial():
    return st.builds(
        lambda c, s, k: c * s**k,
        st.integers(min_value=1, max_value=4),
        st.sampled_from(SCALARS),
        st.integers(min_value=0, max_value=3),
    )


polynomials = st.recursive(
    _monomial() | small_ints.map(sp.Integer),
    lambda inner: (
        st.builds(lambda a, b: a + b, inner, inner)
        | st.builds(lambda a, b: a * b, inner, inner)
        | st.builds(lambda a, b: a - b, inner, inner)
    ),
    max_leaves=6,
)


@st.composite
def rational_expressions(draw):
    numerator = draw(polynomials)
    denominator = draw(polynomials)
    # keep the denominator non-zero as an expression (points where it vanishes are dropped)
    if sp.expand(denominator) == 0:
        denominator = sp.Integer(1)
    return numerator / (denominator**2 + 1) if draw(st.booleans()) else numerator


REWRITES = {
    "expand": sp.expand,
    "factor": sp.factor,
    "together": sp.together,
    "cancel": sp.cancel,
    "simplify": sp.simplify,
}

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(expr=rational_expressions(), how=st.sampled_from(sorted(REWRITES)), seed=st.integers(0, 9))
def test_a_sympy_rewrite_stays_equal(expr, how, seed):
    rewritten = REWRITES[how](expr)
    result = equivalent(rewritten, expr, seed=seed, time_limit=10)
    assert result.verdict == "equal", (expr, rewritten, result.reason)


@SETTINGS
@given(
    expr=polynomials,
    coefficient=nonzero_rationals,
    symbol=st.sampled_from(SCALARS),
    power=st.integers(0, 3),
    seed=st.integers(0, 9),
)
def test_a_nonzero_perturbation_is_never_equal(expr, coefficient, symbol, power, seed):
    perturbed = expr + coefficient * symbol**power
    result = equivalent(perturbed, expr, seed=seed, time_limit=10)
    assert result.verdict != "equal", (perturbed, expr, result.reason)


@st.composite
def matrix_chains(draw):
    """A product of 2-4 matrices whose shapes conform, over distinct dimension symbols."""
    length = draw(st.integers(2, 4))
    dims = [draw(st.sampled_from(DIMS)) for _ in range(length + 1)]
    factors = [sp.MatrixSymbol(f"M{i}", dims[i], dims[i + 1]) for i in range(length)]
    return factors


@SETTINGS
@given(factors=matrix_chains(), data=st.data())
def test_swapping_factors_of_a_non_square_product_is_never_equal(factors, data):
    i = data.draw(st.integers(0, len(factors) - 2))
    product = sp.MatMul(*factors)
    swapped_list = list(factors)
    swapped_list[i], swapped_list[i + 1] = swapped_list[i + 1], swapped_list[i]
    swapped = sp.MatMul(*swapped_list, evaluate=False)
    result = equivalent(swapped, product)
    assert result.verdict != "equal", (swapped, product, result.reason)
    left, right = factors[i], factors[i + 1]
    if left.shape != right.shape or left.shape[0] != left.shape[1]:
        # not two square matrices of one size: the swap breaks the shapes
        assert result.diagnosis == "shape_mismatch", result.reason


@SETTINGS
@given(factors=matrix_chains(), data=st.data())
def test_a_shape_error_is_never_equal(factors, data):
    product = sp.MatMul(*factors)
    rows, cols = product.shape
    # a factor appended whose rows cannot match the product's columns
    wrong_rows = data.draw(st.sampled_from([d for d in DIMS if d != cols]))
    extra = sp.MatrixSymbol("E", wrong_rows, data.draw(st.sampled_from(DIMS)))
    broken = sp.MatMul(product, extra, evaluate=False)
    other = sp.MatrixSymbol("F", rows, extra.shape[1])
    for a, b in ((broken, other), (other, broken), (broken, broken)):
        result = equivalent(a, b)
        assert result.verdict != "equal", (a, b, result.reason)
