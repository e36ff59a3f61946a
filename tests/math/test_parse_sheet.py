"""Every display line of the sample OCR sheet (tests/files/seed-student-ocr.md),
read with the ML exam's symbol tables: what each statement means.

The contexts mirror the exam (rubrics/ml-exam.md): Q1 is linear regression in
matrix form (x is the design matrix there), Q2 a two-layer scalar network
whose activations the sheet writes as q_1/q_2 or \\alpha_1/\\alpha_2.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy
from sympy import MatrixSymbol, Rational, Symbol

from grader.math import Gradient, MathContext, derivative_symbol, parse_math, split_statements
from tests.math.same_value import same_value as same

SHEET = Path(__file__).resolve().parents[1] / "files" / "seed-student-ocr.md"

Q1 = MathContext.from_mapping(
    {
        "symbols": {"X": "n x (d+1)", "y": "n x 1", "beta": "(d+1) x 1", "J": "scalar"},
        "aliases": {"B": "beta", "x": "X"},
    }
)
Q2 = MathContext.from_mapping(
    {
        "symbols": {k: "scalar" for k in ("x", "y", "w1", "w2", "b1", "b2", "alpha")},
        "functions": ["sigma"],
        "aliases": {"q_1": "a1", "q_2": "a2", r"\alpha_1": "a1", r"\alpha_2": "a2"},
        "definitions": {
            "z1": "w1 x + b1",
            "a1": "sigma(z1)",
            "z2": "w2 a1 + b2",
            "a2": "sigma(z2)",
            "L": "-(y log(a2) + (1 - y) log(1 - a2))",
        },
        "function_derivatives": {"sigma": "sigma(u) (1 - sigma(u))"},
    }
)

n = Symbol("n", integer=True, positive=True)
d = Symbol("d", integer=True, positive=True)
X = MatrixSymbol("X", n, d + 1)
y = MatrixSymbol("y", n, 1)
beta = MatrixSymbol("beta", d + 1, 1)
J = Symbol("J", real=True)
half = Rational(1, 2)
r = y - X * beta
dJ = derivative_symbol(of="J", wrt=beta)

s = {name: Symbol(name, real=True) for name in "x y w1 w2 b1 b2 alpha a1 a2 z1 z2 L".split()}
x2, y2, w1, w2, a1, a2, alpha = (s[k] for k in ("x", "y", "w1", "w2", "a1", "a2", "alpha"))


def D(of: str, wrt: str):
    return derivative_symbol(of=of, wrt=wrt)


def blocks() -> list[str]:
    return re.findall(r"\$\$(.*?)\$\$", SHEET.read_text(encoding="utf-8"), re.S)


# (block index, statement index) -> (kind, relation, continues_previous, terms)
EXPECTED = {
    (0, 0): ("equation", "=", False, [J, half * r.T * r]),
    (1, 0): ("equation", "=", True, [Symbol("f", real=True) * r.T * r]),  # OCR 'f' for 1/2
    (2, 0): ("equation", "=", True, [half * (y.T - beta.T * X.T) * r]),
    (3, 0): (
        "equation",
        "=",
        True,
        [half * (y.T * y - y.T * X * beta - beta.T * X.T * y + beta.T * X.T * X * beta)],
    ),
    (4, 0): ("equation", "=>", False, [(y.T * X * beta).T, beta * beta.T * X.T * y]),
    (5, 0): (
        "equation",
        "=",
        False,
        [dJ, Gradient(half * (y.T * y - 2 * beta.T * X.T * y + beta.T * X.T * X * beta), beta)],
    ),
    (6, 0): (
        "equation",
        "=",
        False,
        [Gradient(X.T * Symbol("alpha", real=True), X), sympy.ZeroMatrix(n, d + 1)],
    ),
    (7, 0): ("equation", "=", True, [-half * (-2 * X.T * y + 2 * X.T * X * beta)]),
    (8, 0): ("equation", "=>", False, [-X.T * y + X.T * X * beta, sympy.ZeroMatrix(d + 1, 1)]),
    (9, 0): ("equation", "=", False, [X.T * X * beta, X.T * y]),
    (10, 0): ("equation", "=", False, [beta, (X.T * X).I * X.T * y]),
    (13, 0): ("equation", "=", False, [D("L", "z2"), a2 - y2]),
    (14, 0): ("equation", "=", False, [D("L", "w2"), D("L", "z2") * D("z2", "w2")]),
    (14, 1): ("equation", "=", False, [s["z2"], w2 * a1 + s["b2"]]),
    (14, 2): ("equation", "=", False, [D("z2", "w2"), a1]),
    (14, 3): ("equation", "=", True, [(a2 - y2) * a1]),
    (15, 0): ("equation", "=", False, [D("L", "b2"), D("L", "z2") * D("z2", "b2")]),
    (16, 0): ("equation", "=", False, [s["z2"], w2 * a1 + s["b2"]]),
    (17, 0): ("equation", "=", False, [D("z2", "b2"), 1]),
    (18, 0): ("equation", "=", False, [D("L", "b2"), a2 - y2]),
    (19, 0): ("equation", "=", False, [D("L", "z1"), D("L", "z2") * D("z2", "a1") * D("a1", "z1")]),
    (19, 1): ("equation", "=", False, [D("a1", "z1"), a1 * (1 - a1)]),
    (19, 2): ("equation", "=", True, [(a2 - y2) * w2]),
    (20, 0): ("equation", "=", False, [D("L", "w1"), D("L", "z1") * D("z1", "w1")]),
    (21, 0): ("equation", "=", True, [(a2 - y2) * w2 * a1 * (1 - a1) * x2]),
    (22, 0): ("equation", "=", False, [D("L", "b1"), D("L", "z1") * D("z1", "b1")]),
    (23, 0): ("equation", "=", True, [(a2 - y2) * w2 * a1 * (1 - a1)]),
    (24, 0): ("equation", "=", False, [Symbol("w1'", real=True), w1 - alpha * D("L", "w1")]),
    (25, 0): ("equation", "=", False, [Symbol("w2'", real=True), w2 - alpha * D("L", "w2")]),
    (26, 0): ("equation", "=", False, [Symbol("b1'", real=True), s["b1"] - alpha * D("L", "b1")]),
    (27, 0): ("equation", "=", False, [Symbol("b2'", real=True), s["b2"] - alpha * D("L", "b2")]),
}

SHAPES = {
    (11, 0): {"Y": (n, 1)},
    (11, 1): {"X": (n, d + 1)},  # "x = R^{n \times d+1}": OCR lost the braces; read as n x (d+1)
    (12, 0): {"beta": (d + 1, 1)},
}


def context_for(block: int) -> MathContext:
    return Q1 if block < 13 else Q2


def statements() -> list[tuple[int, int, str]]:
    found = []
    for b, block in enumerate(blocks()):
        for i, text in enumerate(split_statements(block)):
            found.append((b, i, text))
    return found


def test_sheet_has_the_expected_display_blocks():
    assert len(blocks()) == 28
    keys = {(b, i) for b, i, _ in statements()}
    assert keys == set(EXPECTED) | set(SHAPES)


@pytest.mark.parametrize(
    ("block", "index", "text"),
    [case for case in statements() if (case[0], case[1]) in EXPECTED],
    ids=[f"block{b}.{i}" for b, i, _ in statements() if (b, i) in EXPECTED],
)
def test_sheet_statement_means_what_the_student_wrote(block, index, text):
    kind, relation, continues, terms = EXPECTED[(block, index)]
    line = parse_math(text, context_for(block))
    assert (line.kind, line.relation, line.continues_previous) == (kind, relation, continues)
    assert len(line.terms) == len(terms), [str(t) for t in line.terms]
    for got, want in zip(line.terms, terms, strict=True):
        assert same(got, want), f"{got} != {want}"


@pytest.mark.parametrize(
    ("block", "index", "text"),
    [case for case in statements() if (case[0], case[1]) in SHAPES],
    ids=[f"block{b}.{i}" for b, i, _ in statements() if (b, i) in SHAPES],
)
def test_sheet_shape_statements(block, index, text):
    line = parse_math(text, context_for(block))
    assert line.kind == "shape_statement"
    assert line.shapes == SHAPES[(block, index)]


def test_sheet_notes_what_was_repaired_and_unknown():
    first = parse_math(blocks()[0], Q1)
    assert any("label" in r for r in first.repairs)
    ocr_f = parse_math(blocks()[1], Q1)
    assert ocr_f.unknown_names == ["f"]
    cancelled = parse_math(blocks()[3], Q1)
    assert sum("cancel" in r for r in cancelled.repairs) == 2
    scalar_note = parse_math(blocks()[4], Q1)
    assert scalar_note.text_notes == ["scalar"]
    assert scalar_note.aliases_used == {"B": "beta", "x": "X"}
    q2 = parse_math(blocks()[21], Q2)
    assert q2.aliases_used == {"alpha2": "a2", "alpha1": "a1"}
    assert q2.unknown_names == []


def test_sheet_side_notes_are_split_off():
    parts = [
        s.role
        for s in __import__("grader.math", fromlist=["x"]).split_statements_detailed(blocks()[19])
    ]
    assert parts == ["main", "side_note", "main"]
    line = parse_math(blocks()[14], Q2)
    assert len(line.rest) == 3
