"""Shared pieces of the math parser: limits, command tables, the values a
parse can produce besides SymPy objects (``Space``, ``ShapeOnly``), and the
non-canonicalising matrix constructors (``matmul``, ``matadd``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy
from sympy.matrices.expressions.matexpr import MatrixExpr

from grader.math._linear_algebra import Diagonal
from grader.math._names import (
    ACCENT_SUFFIX,
    BUILTIN_FUNCTIONS,
    FONT_COMMANDS,
    GREEK,
    GREEK_VARIANTS,
)

MAX_DEPTH = 200


MAX_NUMBER_DIGITS = 100


MAX_RESULT_BITS = 20_000  # a numeric power may produce at most this many bits


MAX_FACTORIAL = 500


FRACTIONS = frozenset({"frac", "dfrac", "tfrac", "cfrac"})


LEADING_IMPLICATIONS = frozenset(
    {
        "Rightarrow",
        "implies",
        "therefore",
        "Longrightarrow",
        "to",
        "rightarrow",
        "longrightarrow",
        "iff",
        "Leftrightarrow",
        "because",
    }
)


ELLIPSES = frozenset({"vdots", "cdots", "ldots", "ddots", "dots", "dotsc", "dotsb"})


MATRIX_ENVIRONMENTS = frozenset(
    {"bmatrix", "pmatrix", "matrix", "Bmatrix", "vmatrix", "Vmatrix", "smallmatrix", "array"}
)


MULTIPLY_COMMANDS = frozenset({"cdot", "times", "ast", "bullet"})


# Entrywise (Hadamard) products: \odot, \circ (also the characters, see the lexer).
HADAMARD_COMMANDS = frozenset({"odot", "circ"})


# "p \approx 1.33": what follows is a value, read as approximately equal
# (``MathLine.approximations``); anywhere but between a line's terms it is
# not supported.
APPROXIMATE_RELATIONS = frozenset({"approx", "simeq", "thickapprox", "doteq"})


UNSUPPORTED = {
    "int": "integrals are not supported",
    "lim": "limits are not supported",
    "le": "inequalities are not supported",
    "leq": "inequalities are not supported",
    "ge": "inequalities are not supported",
    "geq": "inequalities are not supported",
    "ne": "'\\ne' is not supported",
    "neq": "'\\ne' is not supported",
    "approx": "'\\approx' is not supported",
    "\\": "a line break '\\\\' inside a statement (use split_statements)",
}


FUNCTIONS: dict[str, Any] = {
    "exp": sympy.exp,
    "log": sympy.log,
    "ln": sympy.log,
    "sqrt": sympy.sqrt,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "cot": sympy.cot,
    "sec": sympy.sec,
    "csc": sympy.csc,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
    "tanh": sympy.tanh,
    "arcsin": sympy.asin,
    "arccos": sympy.acos,
    "arctan": sympy.atan,
    "asin": sympy.asin,
    "acos": sympy.acos,
    "atan": sympy.atan,
    "abs": sympy.Abs,
    "max": sympy.Max,
    "min": sympy.Min,
    "tr": sympy.Trace,
    "trace": sympy.Trace,
    "det": sympy.Determinant,
    "diag": Diagonal,
    # the logistic family, exact: sigmoid(z) is 1 / (1 + e^{-z}) itself
    "sigmoid": lambda u: 1 / (1 + sympy.exp(-u)),
    "expit": lambda u: 1 / (1 + sympy.exp(-u)),
    "softplus": lambda u: sympy.log(1 + sympy.exp(u)),
    "logit": lambda u: sympy.log(u / (1 - u)),
}


assert set(FUNCTIONS) == set(BUILTIN_FUNCTIONS)


@dataclass(frozen=True)
class Space:
    """``\\mathbb{R}^{rows \\times cols}``: the right side of a shape statement."""

    shape: tuple[Any, Any] | None  # None: the reals (a scalar)


@dataclass(frozen=True)
class ShapeOnly:
    """A matrix written with ``\\vdots``: only its shape is known."""

    shape: tuple[Any, Any]


@dataclass
class ParseState:
    """What the parser learns about a line besides its terms."""

    unknown_names: dict[str, None] = field(default_factory=dict)
    aliases_used: dict[str, str] = field(default_factory=dict)
    shape_problems: list[str] = field(default_factory=list)
    text_notes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # decorated spellings read as their declared name (\hat\beta -> beta), and
    # the names written plainly: a line with both y and \hat y keeps them apart
    decorated: dict[str, str] = field(default_factory=dict)
    plain_names: set[str] = field(default_factory=set)
    resolve_decorations: bool = True


def is_matrix(value: Any) -> bool:
    return isinstance(value, MatrixExpr)


def unchecked(cls: type, *args: Any) -> Any:
    """A ``MatMul``/``MatAdd``/``MatPow``/``HadamardProduct`` whose shapes do not
    fit, built without SymPy's check (which raises for sizes known to differ,
    ``5 x 3`` times ``5 x 1``): the parser records the shape problem and the
    checker reports it; the evaluator finds the mismatch again in numbers."""
    return sympy.Basic.__new__(cls, *[sympy.sympify(arg) for arg in args])


def matmul(*factors: Any) -> Any:
    """A flat ``MatMul`` in the order written, scalar factors collected in front.

    Built without SymPy's canonicalisation (``MatMul(...).doit()``), which
    costs about a millisecond a line and is not needed to compare values.
    """
    scalars: list[Any] = []
    matrices: list[Any] = []
    for factor in factors:
        parts = factor.args if isinstance(factor, sympy.MatMul) else (factor,)
        for part in parts:
            (matrices if is_matrix(part) else scalars).append(part)
    if not matrices:
        return sympy.Mul(*scalars)
    coefficient = sympy.Mul(*scalars) if scalars else sympy.S.One
    if coefficient == 0:
        rows, cols = matrices[0].shape[0], matrices[-1].shape[1]
        return sympy.ZeroMatrix(rows, cols)
    args = matrices if coefficient == 1 else [coefficient, *matrices]
    if len(args) == 1:
        return args[0]
    try:
        return sympy.MatMul(*args)
    except sympy.ShapeError:  # recorded as a shape problem by the parser
        return unchecked(sympy.MatMul, *args)


def matadd(*terms: Any) -> Any:
    """A flat ``MatAdd`` (no canonicalisation, see :func:`matmul`)."""
    flat: list[Any] = []
    for term in terms:
        if isinstance(term, sympy.MatAdd):
            flat.extend(term.args)
        elif not isinstance(term, sympy.ZeroMatrix):
            flat.append(term)
    if not flat:
        return terms[0]
    if len(flat) == 1:
        return flat[0]
    try:
        return sympy.MatAdd(*flat)
    except sympy.ShapeError:  # recorded as a shape problem by the parser
        return unchecked(sympy.MatAdd, *flat)


def transpose_of(value: Any) -> Any:
    """The transpose, pushed through sums and products without SymPy's
    canonicalisation: ``(y - X b)^T`` -> ``y^T - b^T X^T``."""
    if not is_matrix(value):
        return value
    if isinstance(value, sympy.MatAdd):
        return matadd(*[transpose_of(term) for term in value.args])
    if isinstance(value, sympy.MatMul):
        factors = [transpose_of(factor) for factor in reversed(value.args)]
        return matmul(*factors)
    if isinstance(value, sympy.Transpose):
        return value.arg
    if isinstance(value, (sympy.ZeroMatrix, sympy.OneMatrix)):
        return type(value)(value.shape[1], value.shape[0])
    if isinstance(value, sympy.Identity):
        return value
    return sympy.Transpose(value)


def is_one_by_one(value: Any) -> bool:
    return is_matrix(value) and value.shape == (1, 1)


def definitely_different(a: Any, b: Any) -> bool:
    """Whether two dimensions differ for every value of their symbols
    (``d + 1`` vs ``1``: yes; ``n`` vs ``d + 1``: not provably)."""
    if a == b:
        return False
    difference = sympy.sympify(a) - sympy.sympify(b)  # linear: SymPy collects terms itself
    return difference.is_zero is False


ELLIPSIS = object()


KNOWN_COMMANDS = frozenset(
    GREEK
    | GREEK_VARIANTS.keys()
    | FONT_COMMANDS
    | ACCENT_SUFFIX.keys()
    | FRACTIONS
    | BUILTIN_FUNCTIONS
    | MULTIPLY_COMMANDS
    | HADAMARD_COMMANDS
    | LEADING_IMPLICATIONS
    | ELLIPSES
    | UNSUPPORTED.keys()
    | {
        "sqrt",
        "partial",
        "nabla",
        "mathbb",
        "{",
        "}",
        "|",
        "Vert",
        "lVert",
        "rVert",
        "lvert",
        "rvert",
    }
    | {
        "infty",
        "langle",
        "rangle",
        "div",
        "in",
        "equiv",
        "coloneqq",
        "top",
        "intercal",
        "leftarrow",
        "gets",
        "sum",
        "prod",
        "limits",
        "nolimits",
        "dagger",
    }
)
