"""Math fixes found grading a second exam (examples/stats-exam): a Bernoulli
maximum-likelihood derivation, written as a student would."""

from __future__ import annotations

import pytest

from grader.math import MathContext, check_derivation, parse_math
from grader.math.derivation import Milestone

BERNOULLI = {
    "symbols": {"p": "scalar", "k": "scalar", "n": "scalar"},
    "aliases": {"phat": "p"},
    "definitions": {
        "L": "p^k (1 - p)^(n - k)",
        "l": "k log(p) + (n - k) log(1 - p)",
    },
}


@pytest.mark.parametrize(
    ("written", "name"),
    [(r"\ell", "l"), (r"\ell(p)", "l"), (r"\frac{d\ell}{dp}", "d(l)/d(p)"), ("ℓ", "l")],
    ids=["ell", "ell-of-p", "d-ell-dp", "unicode-script-l"],
)
def test_script_l_is_the_letter_l(written, name):
    context = MathContext.from_mapping(BERNOULLI)
    line = parse_math(written, context)
    assert name in str(line.terms[0])


MILESTONES = [
    Milestone("loglik", "l = k log(p) + (n - k) log(1 - p)", kind="value", quantity="l"),
    Milestone("derivative", "dl/dp", kind="value"),
    Milestone("estimator", "p = k/n", kind="equation"),
]

DERIVATIONS = [
    # (name, answer, expected milestone statuses)
    (
        "log-of-the-likelihood",
        r"""$$\ell(p) = \log L(p) = k \log p + (n-k) \log(1-p)$$
$$\frac{d\ell}{dp} = \frac{k}{p} - \frac{n-k}{1-p}$$
$$k(1-p) = (n-k) p$$
$$\hat{p} = \frac{k}{n}$$""",
        {"loglik": "correct", "derivative": "correct", "estimator": "correct"},
    ),
    (
        "sign-slip",
        r"""$$\ell(p) = k \log p + (n-k) \log(1-p)$$
$$\frac{d\ell}{dp} = \frac{k}{p} + \frac{n-k}{1-p}$$""",
        {"loglik": "correct", "derivative": "wrong", "estimator": "missing"},
    ),
    (
        "estimator-after-solving",
        r"""$$\frac{k}{p} = \frac{n-k}{1-p}$$
$$k = n p$$
$$p = \frac{k}{n}$$""",
        {"estimator": "correct"},
    ),
]


@pytest.mark.parametrize(
    ("answer", "expected"), [c[1:] for c in DERIVATIONS], ids=[c[0] for c in DERIVATIONS]
)
def test_bernoulli_derivation(answer, expected):
    # the random points put p in (0.2, 1.2): log(1 - p) and (1 - p)^(n - k) must
    # take complex values there, not NaN, and an equation solved at such a point
    # must not crash on a complex solution
    result = check_derivation(answer, MathContext.from_mapping(BERNOULLI), milestones=MILESTONES)
    statuses = {m.id: m.status for m in result.milestones}
    for milestone, status in expected.items():
        assert statuses[milestone] == status, (milestone, result.milestones)
    assert not any("check failed" in (step.message or "") for step in result.steps)


ACCENTS = [
    # (name, written, canonical name it must read as)
    ("combining-hat", "p\u0302 = k/n", "phat"),
    ("precomposed-hat", "\u0175 = 1", "what"),
    ("precomposed-bar", "\u0233 = 1", "ybar"),
    ("greek-hat", "\u03b2\u0302 = 1", "betahat"),
]


@pytest.mark.parametrize(("written", "name"), [c[1:] for c in ACCENTS], ids=[c[0] for c in ACCENTS])
def test_unicode_accents_read_as_latex_accents(written, name):
    line = parse_math(written, MathContext.from_mapping({}))
    assert str(line.terms[0]) == name
    assert any("as '\\" in repair for repair in line.repairs)


STATIONARITY = [
    # (name, answer, derivative milestone status and line, estimator status)
    (
        "correct-gradient-then-multiplied-out",
        r"""$$\frac{d\ell}{dp} = \frac{k}{p} - \frac{n-k}{1-p}$$
$$k(1-p) - (n-k) p = 0$$
$$p = \frac{k}{n}$$""",
        ("correct", 1),
        "correct",
    ),
    (
        "wrong-gradient-then-multiplied-out",
        r"""$$\frac{d\ell}{dp} = \frac{k}{p} + \frac{n-k}{1-p}$$
$$k(1-p) + (n-k) p = 0$$
$$p = \frac{k}{2k - n}$$""",
        ("wrong", 1),
        "carried_forward",
    ),
    (
        "multiplied-out-wrongly",
        r"""$$\frac{d\ell}{dp} = \frac{k}{p} - \frac{n-k}{1-p}$$
$$k(1-p) + (n-k) p = 0$$""",
        ("correct", 1),
        "missing",
    ),
]


@pytest.mark.parametrize(
    ("answer", "derivative", "estimator"),
    [c[1:] for c in STATIONARITY],
    ids=[c[0] for c in STATIONARITY],
)
def test_gradient_set_to_zero_times_a_factor(answer, derivative, estimator):
    # "E = 0" multiplied by p(1 - p) has the same root: it follows, and it is
    # not a new (wrong) value of the derivative
    result = check_derivation(answer, MathContext.from_mapping(BERNOULLI), milestones=MILESTONES)
    by_id = {m.id: m for m in result.milestones}
    assert (by_id["derivative"].status, by_id["derivative"].line_no) == derivative
    assert by_id["estimator"].status == estimator
    second = result.steps[1]
    if derivative[0] == "correct" and estimator == "missing":
        assert second.vs_truth == "not_equal"
    else:
        assert second.vs_previous == "equal"


PRIMES = [
    # (name, written, read as)
    ("defined-quantity", r"\ell'(p) = 1", "d(l)/d(p)"),
    ("plain-letter", "l'(p) = 1", "d(l)/d(p)"),
    ("undefined-function-unchanged", "f'(x) = 1", "f'*x"),
    ("updated-weight-unchanged", "w_1' = w_1 - 1", "w1'"),
    ("space-before-parenthesis-unchanged", r"\ell' (p) = 1", "l'*p"),
    ("second-derivative-unchanged", r"\ell''(p) = 1", "l''*p"),
]


@pytest.mark.parametrize(
    ("written", "read_as"), [c[1:] for c in PRIMES], ids=[c[0] for c in PRIMES]
)
def test_lagrange_prime_of_a_defined_quantity(written, read_as):
    line = parse_math(written, MathContext.from_mapping(BERNOULLI))
    assert str(line.terms[0]) == read_as


CHAINS = [
    # (name, answer, expected milestone statuses)
    (
        "derivative-set-to-zero-on-its-line",
        r"""$$\ell(p) = k \log p + (n-k) \log(1-p)$$
$$\frac{d\ell}{dp} = \frac{k}{p} - \frac{n-k}{1-p} = 0$$
$$\hat{p} = \frac{k}{n}$$""",
        {"loglik": "correct", "derivative": "correct", "estimator": "correct"},
    ),
    (
        "lagrange-notation",
        r"""$$\ell(p) = k \log p + (n-k) \log(1-p)$$
$$\ell'(p) = \frac{k}{p} - \frac{n-k}{1-p}$$
$$\hat{p} = \frac{k}{n}$$""",
        {"loglik": "correct", "derivative": "correct", "estimator": "correct"},
    ),
    (
        "wrong-derivative-set-to-zero",
        r"""$$\frac{d\ell}{dp} = \frac{k}{p} + \frac{n-k}{1-p} = 0$$
$$\hat{p} = \frac{k}{2k - n}$$""",
        {"derivative": "wrong", "estimator": "carried_forward"},
    ),
]


@pytest.mark.parametrize(
    ("answer", "expected"), [c[1:] for c in CHAINS], ids=[c[0] for c in CHAINS]
)
def test_derivative_chains(answer, expected):
    result = check_derivation(answer, MathContext.from_mapping(BERNOULLI), milestones=MILESTONES)
    statuses = {m.id: m.status for m in result.milestones}
    assert {k: statuses[k] for k in expected} == expected, result.milestones


def test_derivative_of_an_expression_of_defined_quantities():
    # d(log L)/dp with L = p^k (1-p)^(n-k): at test points with p > 1 the value
    # is complex (on the log's branch cut), where the complex step fails; and
    # the line, an identity once the derivative is evaluated, is no equation
    # for p (it must not count as the estimator)
    answer = r"""$$\log L = k\log p + (n-k)\log(1-p)$$
$$\frac{\partial \log L}{\partial p} = \frac{k}{p} - \frac{n-k}{1-p}$$"""
    result = check_derivation(answer, MathContext.from_mapping(BERNOULLI), milestones=MILESTONES)
    derivative_line = result.steps[-1]
    assert derivative_line.vs_truth == "equal"
    assert {m.id: m.status for m in result.milestones}["estimator"] == "missing"


NAMED_OTHERWISE = [
    # (name, answer, expected milestone statuses)
    (
        "log-L-for-ell",
        r"""$$\log L = k\log p + (n-k)\log(1-p)$$
$$\frac{\partial \log L}{\partial p} = \frac{k}{p} - \frac{n-k}{1-p} = 0$$
$$\hat{p} = \frac{k}{n}$$""",
        {"loglik": "correct", "derivative": "correct", "estimator": "correct"},
    ),
    (
        "log-L-wrong-derivative",
        r"""$$\log L = k\log p + (n-k)\log(1-p)$$
$$\frac{d}{dp} \log L = \frac{k}{p} + \frac{n-k}{1-p}$$""",
        {"loglik": "correct", "derivative": "wrong"},
    ),
]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [c[1:] for c in NAMED_OTHERWISE],
    ids=[c[0] for c in NAMED_OTHERWISE],
)
def test_an_expression_equal_to_a_defined_quantity_is_that_quantity(answer, expected):
    # log L, with L and l = k log p + (n-k) log(1-p) both defined, is l
    result = check_derivation(answer, MathContext.from_mapping(BERNOULLI), milestones=MILESTONES)
    statuses = {m.id: m.status for m in result.milestones}
    assert {k: statuses[k] for k in expected} == expected, result.milestones


def test_an_equation_in_the_inputs_stays_an_equation():
    # k(1 - p) = (n - k) p has no defined quantity in it: not read as one
    result = check_derivation(
        r"$$k(1-p) = (n-k) p$$", MathContext.from_mapping(BERNOULLI), milestones=MILESTONES
    )
    assert result.steps[0].kind == "equation"
    assert result.steps[0].quantity is None


IDENTITY_SHAPES = [
    "I is the d x d identity.",
    "I is the identity matrix of size d x d",
    "I is a d by d identity matrix",
    "I is a square d x d matrix",
]


@pytest.mark.parametrize("text", IDENTITY_SHAPES, ids=["identity", "of-size", "by", "square"])
def test_shape_of_an_identity_matrix_in_words(text):
    from grader.math.shapes import read_shape_statements

    reading = read_shape_statements(text)
    assert [(s.name, tuple(str(d) for d in s.shape)) for s in reading.statements] == [
        ("I", ("d", "d"))
    ]
    assert reading.unreadable == []
