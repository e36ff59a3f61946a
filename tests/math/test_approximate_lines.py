"""Lines with ``\\approx``: what follows it is a value, never an exact term."""

from __future__ import annotations

import pytest
import sympy

from grader.math import MathContext, MathParseError, find_math_lines, parse_math

CONTEXT = MathContext.from_mapping({"symbols": {"p": "scalar"}})
p = sympy.Symbol("p")
R = sympy.Rational

# (text, kind, exact terms, approximations, name it is a value for)
GOOD = [
    (r"p \approx 1.33", "text", [], [R(133, 100)], p),
    ("p ≈ 1.33", "text", [], [R(133, 100)], p),
    (r"p \simeq 1.33", "text", [], [R(133, 100)], p),
    (r"p = \frac{4}{3} \approx 1.33", "equation", [p, R(4, 3)], [R(133, 100)], None),
    (r"\approx 1.333", "text", [], [R(1333, 1000)], None),
    (r"4/3 \approx 1.33", "expression", [R(4, 3)], [R(133, 100)], None),
    (r"p = 4/3", "equation", [p, R(4, 3)], [], None),
]


@pytest.mark.parametrize(
    ("text", "kind", "terms", "approximations", "subject"), GOOD, ids=[g[0] for g in GOOD]
)
def test_approximate_lines(text, kind, terms, approximations, subject):
    line = parse_math(text, CONTEXT)
    # symbols compare by name (the context's carry assumptions)
    assert (line.kind, str(line.terms), line.approximations, str(line.approximate_of)) == (
        kind,
        str(terms),
        approximations,
        str(subject),
    )


BAD = [r"(p \approx 1)", r"p \approx", r"p \approx \mathbb{R}^{2}"]


@pytest.mark.parametrize("text", BAD)
def test_approx_outside_a_relation_does_not_read(text):
    with pytest.raises(MathParseError):
        parse_math(text, CONTEXT)


def test_a_plain_line_with_approx_is_math():
    assert [s.text for s in find_math_lines("The value:\np ≈ 1.33")] == ["p ≈ 1.33"]
