"""How students' sheets write math that the readers must still find and read:
align rows with a trailing ``\\\\``, update arrows, plain-text math in prose,
``grad J``, a division by a product written without parentheses."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy

from grader.math.context import load_context
from grader.math.derivation._reading import read_statements
from grader.math.lines import MathSource

FILES = Path(__file__).resolve().parent / "files"


@pytest.fixture(scope="module")
def q1_context():
    return load_context(FILES / "q1-context.yaml")


# a statement as find_math_lines may hand it over -> what the parser must read
STATEMENTS = [
    (r"X^T X \beta &= X^T y \\", "Eq(X.T*X*beta, X.T*y)"),
    (r"X^T X \beta = X^T y \\ ", "Eq(X.T*X*beta, X.T*y)"),
    (r"\beta = (X^T X)^{-1} X^T y \quad", "Eq(beta, (X.T*X)**(-1)*X.T*y)"),
]


@pytest.mark.parametrize(("text", "read_as"), STATEMENTS, ids=[t for t, _ in STATEMENTS])
def test_one_statement_is_read_without_its_separators(q1_context, text, read_as):
    [statement] = read_statements(MathSource(line_no=1, text=text, origin="display"), q1_context)
    assert statement.error is None, statement.error
    assert statement.line.kind == "equation"
    left, right = statement.line.terms
    assert str(sympy.Eq(left, right, evaluate=False)) == read_as
