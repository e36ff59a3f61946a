"""The recursive-descent (Pratt) parser behind :func:`grader.math.parse_math`.

It reads the token list of one statement and builds SymPy objects from an
allow-list; nothing is ever evaluated as Python. Which objects it builds is
decided by the :class:`~grader.math.context.MathContext` (the symbol table):
a declared matrix becomes a ``MatrixSymbol`` (products do not commute), a
declared function applied to ``(...)`` becomes a call, anything else applied
to ``(...)`` is a product. The grammar is documented in docs/math-context.md.

Binding powers (higher binds tighter)::

    + -                      10   (left)
    * / \\cdot \\times juxtaposition  20   (left)
    unary -                  25
    ^                        30   (right); ^T ^\\top ^{-1} are postfix forms
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import sympy
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.matexpr import MatrixExpr

from grader.math._lexer import MathParseError, Token
from grader.math._names import (
    ACCENT_SUFFIX,
    BUILTIN_FUNCTIONS,
    FONT_COMMANDS,
    GREEK,
    GREEK_VARIANTS,
    join_subscript,
)
from grader.math._nodes import Gradient, derivative_symbol

MAX_DEPTH = 200
MAX_NUMBER_DIGITS = 100
MAX_RESULT_BITS = 20_000  # a numeric power may produce at most this many bits
MAX_FACTORIAL = 500

FRACTIONS = frozenset({"frac", "dfrac", "tfrac", "cfrac"})
TEXT_COMMANDS = frozenset(
    {"text", "textrm", "textit", "textbf", "mbox", "textnormal", "texttt", "hbox"}
)
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
MULTIPLY_COMMANDS = frozenset({"cdot", "times", "ast", "bullet", "odot"})
CONSTANT_COMMANDS = {
    "infty": sympy.oo,
    "pi": None,
}  # pi resolved by name (a context may declare it)
TRANSPOSE_COMMANDS = frozenset({"top", "intercal", "mathsf{T}"})
UNSUPPORTED = {
    "sum": "sums (\\sum) are not supported yet",
    "prod": "products (\\prod) are not supported yet",
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

_FUNCTIONS: dict[str, Any] = {
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
    "det": sympy.Determinant,
}
assert set(_FUNCTIONS) == set(BUILTIN_FUNCTIONS)


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


def is_matrix(value: Any) -> bool:
    return isinstance(value, MatrixExpr)


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
    return sympy.MatMul(*args)


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
    return sympy.MatAdd(*flat)


def _is_one_by_one(value: Any) -> bool:
    return is_matrix(value) and value.shape == (1, 1)


def _definitely_different(a: Any, b: Any) -> bool:
    """Whether two dimensions differ for every value of their symbols
    (``d + 1`` vs ``1``: yes; ``n`` vs ``d + 1``: not provably)."""
    if a == b:
        return False
    difference = sympy.sympify(a) - sympy.sympify(b)  # linear: SymPy collects terms itself
    return difference.is_zero is False


class Parser:
    """Parses one statement. Use :meth:`parse_statement`."""

    def __init__(self, text: str, tokens: list[Token], context: Any, latex: bool):
        self.text = text
        self.tokens = tokens
        self.context = context
        self.latex = latex
        self.pos = 0
        self.limits: list[int] = [len(tokens) - 1]
        self.depth = 0
        self.bar_depth = 0  # inside |...| : a '|' closes, never opens
        self.norm_depth = 0
        self.state = ParseState()
        self.end_token = tokens[-1]

    # ----------------------------------------------------------- helpers

    def fail(self, reason: str, token: Token | None = None) -> MathParseError:
        token = token or self.peek()
        return MathParseError(reason, position=token.pos, text=self.text)

    def describe(self, token: Token) -> str:
        if token.kind == "END":
            return "end of line"
        if token.kind == "CMD":
            return "\\" + token.text
        return repr(token.text)

    def unexpected(self, token: Token | None = None) -> MathParseError:
        token = token or self.peek()
        if token.kind == "END":
            return self.fail(f"unexpected end of line at column {token.pos}", token)
        if token.kind == "CMD" and token.text in UNSUPPORTED:
            return self.fail(f"{UNSUPPORTED[token.text]} (column {token.pos})", token)
        if token.kind == "CMD" and token.text not in KNOWN_COMMANDS:
            return self.fail(f"unknown command \\{token.text} at column {token.pos}", token)
        return self.fail(f"unexpected {self.describe(token)} at column {token.pos}", token)

    def peek(self, offset: int = 0) -> Token:
        index = self.pos + offset
        if index >= self.limits[-1]:
            token = (
                self.tokens[self.limits[-1]]
                if self.limits[-1] < len(self.tokens)
                else self.end_token
            )
            return Token("END", "", token.pos, token.space_before)
        return self.tokens[index]

    def advance(self) -> Token:
        token = self.peek()
        if token.kind != "END":
            self.pos += 1
        return token

    def at(self, kind: str, text: str | None = None, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token.kind == kind and (text is None or token.text == text)

    def expect_sym(self, text: str) -> Token:
        if not self.at("SYM", text):
            token = self.peek()
            if token.kind == "END":
                raise self.fail(f"missing '{text}' at column {token.pos}", token)
            raise self.fail(
                f"expected '{text}' but found {self.describe(token)} at column {token.pos}", token
            )
        return self.advance()

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"nesting deeper than {MAX_DEPTH} levels at column {self.peek().pos}")

    def leave(self) -> None:
        self.depth -= 1

    def group_end(self, open_index: int) -> int:
        """Index of the ``}`` closing the ``{`` at ``open_index`` (braces are balanced)."""
        depth = 0
        for index in range(open_index, len(self.tokens)):
            token = self.tokens[index]
            if token.kind == "SYM":
                if token.text == "{":
                    depth += 1
                elif token.text == "}":
                    depth -= 1
                    if depth == 0:
                        return index
        raise self.fail(
            f"unclosed '{{' at column {self.tokens[open_index].pos}", self.tokens[open_index]
        )

    def argument_range(self) -> tuple[int, int, int]:
        """The next macro argument: ``{...}`` or one token. Returns
        ``(start, end, resume)`` token indices: content is ``[start, end)``."""
        token = self.peek()
        if token.kind == "END":
            raise self.fail(f"missing argument at column {token.pos}", token)
        if token.kind == "SYM" and token.text == "{":
            end = self.group_end(self.pos)
            if end > self.limits[-1]:
                raise self.unexpected()
            return self.pos + 1, end, end + 1
        if token.kind == "NUM" and len(token.text) > 1 and token.text.isdigit() and self.latex:
            # \frac12 is \frac{1}{2}: one digit per argument.
            rest = Token("NUM", token.text[1:], token.pos + 1, False)
            self.tokens[self.pos] = Token("NUM", token.text[0], token.pos, token.space_before)
            self.tokens.insert(self.pos + 1, rest)
            self.limits = [limit + 1 if limit > self.pos else limit for limit in self.limits]
        if token.kind == "SYM" and token.text not in ("(",):
            raise self.unexpected()
        return self.pos, self.pos + 1, self.pos + 1

    def parse_range(self, start: int, end: int, resume: int, rbp: int = 0) -> Any:
        """Parse tokens ``[start, end)`` as one expression, then continue at ``resume``."""
        self.pos = start
        self.limits.append(end)
        self.enter()
        try:
            if start >= end:
                raise self.fail(
                    f"empty group at column {self.tokens[min(start, len(self.tokens) - 1)].pos}"
                )
            value = self.expression(rbp)
            if self.pos < end:
                raise self.unexpected()
        finally:
            self.limits.pop()
            self.leave()
        self.pos = resume
        return value

    # ----------------------------------------------------------- names

    def starts_name(self, offset: int = 0) -> bool:
        token = self.peek(offset)
        if token.kind == "IDENT":
            return True
        if token.kind == "CMD":
            return token.text in GREEK or token.text in FONT_COMMANDS or token.text in ACCENT_SUFFIX
        return False

    def read_base(self) -> str:
        """The letters of a name: ``w``, ``beta``, ``X`` (from ``\\mathbf{X}``), ``yhat``."""
        token = self.advance()
        if token.kind == "IDENT":
            return token.text
        name = token.text
        if name in GREEK:
            return GREEK_VARIANTS.get(name, name)
        if name in FONT_COMMANDS or name in ACCENT_SUFFIX:
            if self.at("SYM", "{"):
                end = self.group_end(self.pos)
                self.pos += 1
                if not self.starts_name():
                    raise self.fail(f"expected a name after \\{name} at column {self.peek().pos}")
                inner = self.read_base()
                inner = self.attach_subscript(inner)
                if self.pos != end:
                    raise self.fail(
                        f"expected one name inside \\{name}{{...}} at column {self.peek().pos}"
                    )
                self.pos = end + 1
            else:
                if not self.starts_name():
                    raise self.fail(f"expected a name after \\{name} at column {self.peek().pos}")
                inner = self.read_base()
            return inner + ACCENT_SUFFIX[name] if name in ACCENT_SUFFIX else inner
        raise self.unexpected(token)

    def subscript_text(self) -> str:
        """After ``_``: the subscript as text (``1``, ``i``, ``beta``, ``ij``)."""
        self.expect_sym("_")
        if self.at("SYM", "{"):
            end = self.group_end(self.pos)
            parts = []
            for token in self.tokens[self.pos + 1 : end]:
                if token.kind in ("NUM", "IDENT"):
                    parts.append(token.text)
                elif token.kind == "CMD" and token.text in GREEK:
                    parts.append(token.text)
                elif token.kind == "SYM" and token.text in ",+-":
                    parts.append(token.text)
                elif token.kind == "CMD" and token.text in FONT_COMMANDS:
                    continue
                elif token.kind == "SYM" and token.text in "{}":
                    continue
                else:
                    raise self.fail(f"cannot read subscript at column {token.pos}", token)
            self.pos = end + 1
            return "".join(parts)
        token = self.advance()
        if token.kind in ("NUM", "IDENT"):
            return token.text
        if token.kind == "CMD" and token.text in GREEK:
            return token.text
        raise self.fail(f"cannot read subscript at column {token.pos}", token)

    def attach_subscript(self, base: str) -> str:
        if self.at("SYM", "_"):
            return join_subscript(base, self.subscript_text())
        return base

    def read_primes(self) -> str:
        """``'``, ``''``, ``^\\prime``, ``^{\\prime\\prime}`` after a name."""
        primes = ""
        while True:
            if self.at("SYM", "'"):
                self.advance()
                primes += "'"
            elif self.at("SYM", "^") and self.at("CMD", "prime", 1):
                self.pos += 2
                primes += "'"
            elif self.at("SYM", "^") and self.at("SYM", "{", 1) and self.at("CMD", "prime", 2):
                end = self.group_end(self.pos + 1)
                inner = self.tokens[self.pos + 2 : end]
                if not all(t.kind == "CMD" and t.text == "prime" for t in inner):
                    break
                primes += "'" * len(inner)
                self.pos = end + 1
            else:
                break
        return primes

    def resolve(self, written: str) -> str:
        context = self.context
        if context is None:
            self.state.unknown_names[written] = None
            return written
        resolved = context.resolve_alias(written)
        if resolved != written:
            self.state.aliases_used[written] = resolved
        if not context.is_declared(resolved) and resolved not in context.dimensions:
            self.state.unknown_names[written] = None
        return resolved

    def symbol_for(self, name: str) -> Any:
        if self.context is not None:
            return self.context.symbol(name)
        return sympy.Symbol(name, real=True)

    def is_function_name(self, name: str) -> bool:
        if self.context is not None:
            return self.context.is_function(name)
        return name in BUILTIN_FUNCTIONS

    def declared(self, name: str) -> bool:
        return self.context is not None and self.context.is_declared(name)

    def read_name(self) -> tuple[str, Any]:
        """A plain name (no function call): ``w_1'`` -> ``("w1'", Symbol)``."""
        base = self.read_base()
        written = self.attach_subscript(base) + self.read_primes()
        resolved = self.resolve(written)
        return resolved, self.symbol_for(resolved)

    # ----------------------------------------------------------- expressions

    def expression(self, rbp: int = 0) -> Any:
        self.enter()
        try:
            left = self.prefix()
            while True:
                token = self.peek()
                power, operator = self.infix_power(token)
                if power <= rbp:
                    break
                if operator in ("+", "-"):
                    left = self.sum_chain(left, rbp)
                elif operator in ("*", "/", "implicit"):
                    left = self.product_chain(left, rbp)
                else:
                    left = self.infix(left, operator, token)
            return left
        finally:
            self.leave()

    def sum_chain(self, first: Any, rbp: int) -> Any:
        """``a + b - c + ...`` built at once: one ``Add``, not a growing chain
        (which costs quadratic time on long input)."""
        terms = [(first, self.peek())]
        while True:
            token = self.peek()
            power, operator = self.infix_power(token)
            if operator not in ("+", "-") or power <= rbp:
                break
            self.advance()
            right = self.expression(10)
            terms.append((self.negate(right) if operator == "-" else right, token))
        return self.add_all(terms)

    def add_all(self, terms: list[tuple[Any, Token]]) -> Any:
        for value, token in terms:
            self.check_value(value, token)
        scalars = [value for value, _ in terms if not is_matrix(value)]
        matrices = [(value, token) for value, token in terms if is_matrix(value)]
        if not matrices:
            return sympy.Add(*scalars)
        first = matrices[0][0]
        mismatched = False
        for value, token in matrices[1:]:
            if value.shape != first.shape and any(
                _definitely_different(a, b) for a, b in zip(first.shape, value.shape, strict=True)
            ):
                mismatched = True
                self.state.shape_problems.append(
                    f"adds matrices of shapes {self.shape_text(first)} and {self.shape_text(value)} (column {token.pos})"
                )
        values = [value for value, _ in matrices]
        total = sympy.MatAdd(*values) if mismatched else matadd(*values)
        if scalars:
            scalar_token = next(token for value, token in terms if not is_matrix(value))
            total = self.add(total, sympy.Add(*scalars), scalar_token)
        return total

    def product_chain(self, first: Any, rbp: int) -> Any:
        """``a b / c * d ...`` built at once, in the order written."""
        self.check_value(first, self.peek())
        factors = [first]
        while True:
            token = self.peek()
            power, operator = self.infix_power(token)
            if operator not in ("*", "/", "implicit") or power <= rbp:
                break
            if operator != "implicit":
                self.advance()
            right = self.expression(20)
            self.check_value(right, token)
            if operator == "/":
                right = self.reciprocal(right, token)
            factors.append(right)
            self.check_conformable(factors, token)
        if not any(is_matrix(factor) for factor in factors):
            return sympy.Mul(*factors)
        return matmul(*factors)

    def check_conformable(self, factors: list[Any], token: Token) -> None:
        """The newest factor against the last matrix before it. A 1x1 matrix
        that does not fit is the number it holds (``(y^T y) X^T y``)."""
        right = factors[-1]
        if not is_matrix(right):
            return
        for index in range(len(factors) - 2, -1, -1):
            left = factors[index]
            if not is_matrix(left):
                continue
            if left.shape[1] == right.shape[0]:
                return
            if _is_one_by_one(left):
                factors[index] = sympy.Trace(left)
                continue
            if _is_one_by_one(right):
                factors[-1] = sympy.Trace(right)
                return
            if not _definitely_different(left.shape[1], right.shape[0]):
                return
            self.state.shape_problems.append(
                f"multiplies a {self.shape_text(left)} matrix by a {self.shape_text(right)} matrix (column {token.pos})"
            )
            return

    def reciprocal(self, value: Any, token: Token) -> Any:
        if is_matrix(value):
            if _is_one_by_one(value):
                value = sympy.Trace(value)  # a 1x1 matrix is the number it holds
            else:
                return self.matrix_reciprocal(value, token)
        if value == 0:
            return sympy.Pow(value, -1, evaluate=False)
        return sympy.Pow(value, -1)

    def matrix_reciprocal(self, value: Any, token: Token) -> Any:
        """``a / M``: not defined for a matrix; read as ``a M^{-1}`` and reported,
        so a checker can say "you cannot divide by a matrix" instead of "unreadable"."""
        self.state.shape_problems.append(
            f"divides by a {self.shape_text(value)} matrix (column {token.pos})"
        )
        return self.inverse(value, token)

    def infix_power(self, token: Token) -> tuple[int, str]:
        kind, text = token.kind, token.text
        if kind == "SYM":
            if text in "+-":
                return 10, text
            if text == "*":
                return 20, "*"
            if text == "/":
                return 20, "/"
            if text == "^":
                return 30, "^"
            if text == "!":
                return 40, "!"
            if text == "'":
                return 40, "'"
        elif kind == "CMD":
            if text in MULTIPLY_COMMANDS:
                return 20, "*"
            if text == "div":
                return 20, "/"
        if self.starts_atom(token):
            return 20, "implicit"
        return 0, ""

    def starts_atom(self, token: Token) -> bool:
        kind, text = token.kind, token.text
        if kind in ("NUM", "IDENT"):
            return True
        if kind == "SYM":
            if text in "([{":
                return True
            if text in ("|", "||"):
                return self.bar_depth == 0 and self.norm_depth == 0
            return False
        if kind == "CMD":
            if text == "|" or text in ("lVert", "Vert", "rVert"):
                return self.norm_depth == 0
            return (
                text in GREEK
                or text in FONT_COMMANDS
                or text in ACCENT_SUFFIX
                or text in FRACTIONS
                or text in BUILTIN_FUNCTIONS
                or text in ("sqrt", "partial", "nabla", "mathbb", "{", "infty", "lvert", "langle")
            )
        if kind == "BEGIN":
            return True
        return False

    def prefix(self) -> Any:
        token = self.peek()
        if token.kind == "SYM" and token.text == "-":
            self.advance()
            operand = self.expression(25)
            return self.negate(operand)
        if token.kind == "SYM" and token.text == "+":
            self.advance()
            return self.expression(25)
        if not self.starts_atom(token) and not (
            token.kind == "CMD" and token.text in ("|", "lVert", "Vert")
        ):
            if token.kind == "SYM" and token.text in ("|", "||"):
                return self.atom()
            raise self.unexpected(token)
        return self.atom()

    def infix(self, left: Any, operator: str, token: Token) -> Any:
        if operator in ("+", "-"):
            self.advance()
            right = self.expression(10)
            return self.add(left, self.negate(right) if operator == "-" else right, token)
        if operator in ("*", "/"):
            self.advance()
            right = self.expression(20)
            if operator == "/":
                return self.divide(left, right, token)
            return self.multiply(left, right, token)
        if operator == "implicit":
            right = self.expression(20)
            return self.multiply(left, right, token)
        if operator == "^":
            self.advance()
            return self.power(left, token)
        if operator == "!":
            self.advance()
            return self.factorial(left, token)
        if operator == "'":
            raise self.fail(
                f"a prime ' after an expression is not supported (column {token.pos})", token
            )
        raise self.unexpected(token)

    # ----------------------------------------------------------- arithmetic

    def check_value(self, value: Any, token: Token) -> None:
        if isinstance(value, (Space, ShapeOnly)):
            raise self.fail(
                f"a space or shape cannot be used in arithmetic (column {token.pos})", token
            )

    def negate(self, value: Any) -> Any:
        if isinstance(value, (Space, ShapeOnly)):
            raise self.fail("a space or shape cannot be negated")
        if is_matrix(value):
            return matmul(sympy.S.NegativeOne, value)
        return -value

    def add(self, left: Any, right: Any, token: Token) -> Any:
        self.check_value(left, token)
        self.check_value(right, token)
        left_matrix, right_matrix = is_matrix(left), is_matrix(right)
        if left_matrix != right_matrix:
            matrix, scalar = (left, right) if left_matrix else (right, left)
            if scalar == 0:
                return matrix
            if _is_one_by_one(matrix):
                scalar = scalar * sympy.Identity(1)
            else:
                rows, cols = matrix.shape
                self.state.shape_problems.append(
                    f"adds a scalar to a {sympy.sstr(rows)} x {sympy.sstr(cols)} matrix (column {token.pos})"
                )
                scalar = scalar * sympy.OneMatrix(rows, cols)
            left, right = (matrix, scalar) if left_matrix else (scalar, matrix)
        elif left_matrix and right_matrix and left.shape != right.shape:
            if any(
                _definitely_different(a, b) for a, b in zip(left.shape, right.shape, strict=False)
            ):
                self.state.shape_problems.append(
                    f"adds matrices of shapes {self.shape_text(left)} and {self.shape_text(right)} (column {token.pos})"
                )
                return sympy.MatAdd(left, right, evaluate=False)
        if left_matrix:
            return matadd(left, right)
        return left + right

    @staticmethod
    def shape_text(value: Any) -> str:
        rows, cols = value.shape
        return f"{sympy.sstr(rows)} x {sympy.sstr(cols)}"

    def multiply(self, left: Any, right: Any, token: Token) -> Any:
        self.check_value(left, token)
        self.check_value(right, token)
        if is_matrix(left) and is_matrix(right):
            if _definitely_different(left.shape[1], right.shape[0]):
                self.state.shape_problems.append(
                    f"multiplies a {self.shape_text(left)} matrix by a {self.shape_text(right)} matrix (column {token.pos})"
                )
                return sympy.MatMul(left, right, evaluate=False)
        if is_matrix(left) or is_matrix(right):
            return matmul(left, right)
        return left * right

    def divide(self, left: Any, right: Any, token: Token) -> Any:
        self.check_value(left, token)
        self.check_value(right, token)
        if is_matrix(right):
            if _is_one_by_one(right):
                right = sympy.Trace(right)  # a 1x1 matrix is the number it holds
            else:
                return self.multiply(left, self.matrix_reciprocal(right, token), token)
        if right == 0:
            return left * sympy.Pow(right, -1, evaluate=False)
        return left * sympy.Pow(right, -1)

    def factorial(self, value: Any, token: Token) -> Any:
        self.check_value(value, token)
        if is_matrix(value):
            raise self.fail(f"factorial of a matrix at column {token.pos}", token)
        if value.is_Integer and value > MAX_FACTORIAL:
            raise self.fail(f"number too large: {value}! (column {token.pos})", token)
        return sympy.factorial(value)

    def numeric_power(self, base: Any, exponent: Any, token: Token) -> Any:
        """``base ** exponent`` for numbers, refusing results too large to hold."""
        if base.is_Rational and exponent.is_Rational:
            if exponent.q > 1000:
                return sympy.Pow(base, exponent, evaluate=False)
            magnitude = max(abs(base.p), abs(base.q), 2)
            bits = abs(exponent.p) / exponent.q * math.log2(magnitude)
            if bits > MAX_RESULT_BITS:
                raise self.fail(
                    f"number too large: a power with about {int(bits)} bits (column {token.pos})",
                    token,
                )
        elif base.is_Number and exponent.is_Number and abs(exponent) > 10_000:
            raise self.fail(f"number too large (column {token.pos})", token)
        return sympy.Pow(base, exponent)

    # ----------------------------------------------------------- powers

    def exponent_range(self) -> tuple[int, int, int]:
        token = self.peek()
        if token.kind == "SYM" and token.text == "{":
            end = self.group_end(self.pos)
            return self.pos + 1, end, end + 1
        return -1, -1, -1

    def is_transpose_marker(self, tokens: list[Token]) -> bool:
        if len(tokens) != 1:
            return False
        token = tokens[0]
        if token.kind == "CMD":
            return token.text in ("top", "intercal")
        return token.kind == "IDENT" and token.text == "T" and not self.declared("T")

    def power(self, base: Any, token: Token) -> Any:
        if isinstance(base, Space):
            return Space(self.space_shape())
        start, end, resume = self.exponent_range()
        group = self.tokens[start:end] if start >= 0 else [self.peek()]
        # ^T, ^{T}, ^\top: transpose
        if self.is_transpose_marker(group):
            self.pos = resume if start >= 0 else self.pos + 1
            return self.transpose(base)
        if (
            start >= 0
            and len(group) == 2
            and group[0].text == "-"
            and self.is_transpose_marker(group[1:])
        ):
            self.pos = resume
            return self.inverse(self.transpose(base), token)
        if start >= 0:
            exponent = self.parse_range(start, end, resume)
        else:
            exponent = self.expression(29)
        return self.raise_power(base, exponent, token)

    def raise_power(self, base: Any, exponent: Any, token: Token) -> Any:
        self.check_value(base, token)
        self.check_value(exponent, token)
        if is_matrix(exponent):
            raise self.fail(f"a matrix exponent is not supported (column {token.pos})", token)
        if is_matrix(base):
            if exponent == -1:
                return self.inverse(base, token)
            if exponent == 1:
                return base
            if not exponent.is_Integer:
                if _is_one_by_one(base):
                    return sympy.MatPow(base, exponent)
                raise self.fail(
                    f"a matrix power must be a whole number (column {token.pos})", token
                )
            rows, cols = base.shape
            if _definitely_different(rows, cols):
                self.state.shape_problems.append(
                    f"raises a {self.shape_text(base)} matrix to a power (column {token.pos})"
                )
                return sympy.MatPow(base, exponent, evaluate=False)
            return sympy.MatPow(base, exponent)
        if base.is_Number and exponent.is_Number:
            return self.numeric_power(base, exponent, token)
        if exponent.is_Number and abs(exponent) > 10**6:
            return sympy.Pow(base, exponent, evaluate=False)
        return sympy.Pow(base, exponent)

    def transpose(self, value: Any) -> Any:
        if is_matrix(value):
            return value.T
        if isinstance(value, (Space, ShapeOnly)):
            raise self.fail("cannot transpose a space")
        return value  # the transpose of a scalar is itself

    def inverse(self, value: Any, token: Token) -> Any:
        if is_matrix(value):
            rows, cols = value.shape
            if _definitely_different(rows, cols):
                self.state.shape_problems.append(
                    f"inverts a {self.shape_text(value)} matrix, which is not square (column {token.pos})"
                )
                return sympy.MatPow(value, -1, evaluate=False)
            return value.I
        return sympy.Pow(value, -1)

    def space_shape(self) -> tuple[Any, Any] | None:
        """After ``\\mathbb{R}^``: read ``{n \\times (d+1)}``, ``{d+1 \\times 1}``, ``d``.

        The exponent is split at the top-level ``\\times`` first, so OCR's
        ``d+1 \\times 1`` (no braces) reads as ``(d+1) x 1``.
        """
        start, end, resume = self.exponent_range()
        if start < 0:
            start, end, resume = self.pos, self.pos + 1, self.pos + 1
        pieces: list[tuple[int, int]] = []
        depth = 0
        piece_start = start
        for index in range(start, end):
            token = self.tokens[index]
            if token.kind == "SYM" and token.text in "({[":
                depth += 1
            elif token.kind == "SYM" and token.text in ")}]":
                depth -= 1
            elif depth == 0 and (
                (token.kind == "CMD" and token.text in ("times", "cdot"))
                or (token.kind == "SYM" and token.text == "*")
            ):
                pieces.append((piece_start, index))
                piece_start = index + 1
        pieces.append((piece_start, end))
        if len(pieces) > 2:
            raise self.fail(
                f"a shape has two dimensions, found {len(pieces)} (column {self.tokens[start].pos})"
            )
        dims = [self.dimension(a, b) for a, b in pieces]
        self.pos = resume
        if len(dims) == 1:
            dims.append(sympy.Integer(1))
        return dims[0], dims[1]

    def dimension(self, start: int, end: int) -> Any:
        """Tokens ``[start, end)`` as a dimension: integers and positive-integer names."""
        from grader.math.context import _parse_dimension

        parts = []
        for token in self.tokens[start:end]:
            if token.kind in ("NUM", "IDENT"):
                parts.append(("" if not parts or not token.space_before else " ") + token.text)
            elif token.kind == "SYM" and token.text in "+-*()":
                parts.append(token.text)
            elif token.kind == "SYM" and token.text in "{}":
                parts.append("(" if token.text == "{" else ")")
            else:
                raise self.fail(f"cannot read dimension at column {token.pos}", token)
        try:
            return _parse_dimension("".join(parts))
        except ValueError as error:
            position = self.tokens[start].pos if start < len(self.tokens) else 0
            raise self.fail(f"cannot read dimension at column {position}: {error}") from None

    # ----------------------------------------------------------- atoms

    def atom(self) -> Any:
        token = self.peek()
        kind, text = token.kind, token.text
        if kind == "NUM":
            self.advance()
            return self.number(token)
        if kind == "BEGIN":
            return self.environment()
        if kind == "IDENT":
            derivative = self.try_slash_derivative()
            if derivative is not None:
                return derivative
            return self.name_atom()
        if kind == "SYM":
            if text == "(":
                return self.bracketed("(", ")")
            if text == "[":
                return self.bracketed("[", "]")
            if text == "{":
                end = self.group_end(self.pos)
                return self.parse_range(self.pos + 1, end, end + 1)
            if text == "|":
                return self.bars()
            if text == "||":
                return self.norm("||")
            raise self.unexpected(token)
        if kind == "CMD":
            if text in FRACTIONS:
                self.advance()
                return self.fraction(token)
            if text == "sqrt":
                self.advance()
                return self.square_root(token)
            if text in ("|", "Vert", "lVert"):
                return self.norm(text)
            if text in ("lvert",):
                return self.bars()
            if text == "{":
                return self.bracketed_command("{", "}")
            if text == "langle":
                raise self.fail(
                    f"inner products \\langle \\rangle are not supported (column {token.pos})"
                )
            if text == "partial":
                derivative = self.try_slash_derivative()
                if derivative is not None:
                    return derivative
                raise self.fail(
                    f"cannot read \\partial at column {token.pos}: write \\frac{{\\partial L}}{{\\partial w}}"
                )
            if text == "nabla":
                self.advance()
                return self.nabla(token)
            if text == "mathbb":
                self.advance()
                start, end, resume = self.argument_range()
                letters = "".join(t.text for t in self.tokens[start:end])
                self.pos = resume
                if letters != "R":
                    raise self.fail(
                        f"only \\mathbb{{R}} is supported, not \\mathbb{{{letters}}} (column {token.pos})",
                        token,
                    )
                if self.at("SYM", "^"):
                    self.advance()
                    return Space(self.space_shape())
                return Space(None)
            if text == "infty":
                self.advance()
                return sympy.oo
            if text in BUILTIN_FUNCTIONS:
                self.advance()
                return self.apply_function(text, token)
            if text in GREEK or text in FONT_COMMANDS or text in ACCENT_SUFFIX:
                return self.name_atom()
            if text in UNSUPPORTED:
                raise self.unexpected(token)
            raise self.fail(f"unknown command \\{text} at column {token.pos}", token)
        raise self.unexpected(token)

    def number(self, token: Token) -> Any:
        digits = token.text.replace(".", "")
        if len(digits) > MAX_NUMBER_DIGITS:
            raise self.fail(f"number too long ({len(digits)} digits) at column {token.pos}", token)
        if "." in token.text:
            return sympy.Rational(token.text)
        return sympy.Integer(token.text)

    def bracketed(self, opening: str, closing: str) -> Any:
        open_token = self.advance()
        self.enter()
        saved_bars, saved_norm = self.bar_depth, self.norm_depth
        self.bar_depth = self.norm_depth = 0
        try:
            if self.at("SYM", closing):
                raise self.fail(f"empty brackets at column {open_token.pos}", open_token)
            value = self.expression(0)
            if not self.at("SYM", closing):
                token = self.peek()
                if token.kind == "END":
                    raise self.fail(
                        f"missing '{closing}' for '{opening}' at column {open_token.pos}",
                        open_token,
                    )
                raise self.fail(
                    f"expected '{closing}' but found {self.describe(token)} at column {token.pos}",
                    token,
                )
            self.advance()
            return value
        finally:
            self.bar_depth, self.norm_depth = saved_bars, saved_norm
            self.leave()

    def bracketed_command(self, opening: str, closing: str) -> Any:
        open_token = self.advance()
        self.enter()
        try:
            value = self.expression(0)
            if not self.at("CMD", closing):
                raise self.fail(
                    f"missing '\\{closing}' for '\\{opening}' at column {open_token.pos}",
                    open_token,
                )
            self.advance()
            return value
        finally:
            self.leave()

    def call_arguments(self) -> list[Any]:
        open_token = self.expect_sym("(")
        self.enter()
        saved_bars, saved_norm = self.bar_depth, self.norm_depth
        self.bar_depth = self.norm_depth = 0
        try:
            arguments = [self.expression(0)]
            while self.at("SYM", ","):
                self.advance()
                arguments.append(self.expression(0))
            if not self.at("SYM", ")"):
                token = self.peek()
                if token.kind == "END":
                    raise self.fail(f"missing ')' for '(' at column {open_token.pos}", open_token)
                raise self.fail(
                    f"expected ')' but found {self.describe(token)} at column {token.pos}", token
                )
            self.advance()
            return arguments
        finally:
            self.bar_depth, self.norm_depth = saved_bars, saved_norm
            self.leave()

    def bars(self) -> Any:
        """``|x|``: absolute value of a scalar, norm of a vector."""
        open_token = self.advance()
        self.enter()
        self.bar_depth += 1
        saved_norm = self.norm_depth
        self.norm_depth = 0
        try:
            value = self.expression(0)
        finally:
            self.bar_depth -= 1
            self.norm_depth = saved_norm
            self.leave()
        if not (self.at("SYM", "|") or self.at("CMD", "rvert")):
            raise self.fail(f"missing closing '|' for '|' at column {open_token.pos}", open_token)
        self.advance()
        self.check_value(value, open_token)
        if is_matrix(value):
            return self.norm_value(value, open_token)
        return sympy.Abs(value)

    def norm(self, opening: str) -> Any:
        open_token = self.advance()
        self.enter()
        self.norm_depth += 1
        saved_bars = self.bar_depth
        self.bar_depth = 0
        try:
            value = self.expression(0)
        finally:
            self.norm_depth -= 1
            self.bar_depth = saved_bars
            self.leave()
        closing = self.peek()
        if not (
            (closing.kind == "SYM" and closing.text == "||")
            or (closing.kind == "CMD" and closing.text in ("|", "Vert", "rVert"))
        ):
            raise self.fail(
                f"missing closing norm bars for the one at column {open_token.pos}", open_token
            )
        self.advance()
        return self.norm_value(value, open_token)

    def norm_value(self, value: Any, token: Token) -> Any:
        """``\\|v\\|^2`` -> ``v.T * v``; ``\\|v\\|`` -> its square root; scalars -> ``Abs``."""
        self.check_value(value, token)
        squared = False
        if self.at("SYM", "^"):
            start, end, resume = (-1, -1, -1)
            if self.at("SYM", "{", 1):
                self.advance()
                start, end, resume = self.exponent_range()
                group = self.tokens[start:end]
                self.pos -= 1
            else:
                group = [self.peek(1)]
            if len(group) == 1 and group[0].kind == "NUM" and group[0].text == "2":
                squared = True
                self.advance()
                self.pos = resume if start >= 0 else self.pos + 1
        if not is_matrix(value):
            return value**2 if squared else sympy.Abs(value)
        rows, cols = value.shape
        if cols == 1:
            inner = matmul(value.T, value)
        elif rows == 1:
            inner = matmul(value, value.T)
        else:
            inner = sympy.Trace(matmul(value.T, value))  # Frobenius norm squared
        if squared:
            return inner
        return sympy.MatPow(inner, sympy.S.Half) if is_matrix(inner) else sympy.sqrt(inner)

    def square_root(self, token: Token) -> Any:
        index = None
        if self.at("SYM", "["):
            self.advance()
            index = self.expression(0)
            self.expect_sym("]")
        start, end, resume = self.argument_range()
        radicand = self.parse_range(start, end, resume) if start != end else None
        if radicand is None:
            raise self.fail(f"\\sqrt needs an argument (column {token.pos})", token)
        self.check_value(radicand, token)
        if index is not None:
            self.check_value(index, token)
        if is_matrix(radicand):
            if _is_one_by_one(radicand):
                return sympy.MatPow(radicand, sympy.S.Half if index is None else 1 / index)
            raise self.fail(f"square root of a matrix at column {token.pos}", token)
        if index is None:
            return sympy.sqrt(radicand)
        return sympy.root(radicand, index)

    def fraction(self, token: Token) -> Any:
        numerator = self.argument_range()
        self.pos = numerator[2]
        denominator = self.argument_range()
        derivative = self.try_fraction_derivative(numerator, denominator, token)
        if derivative is not None:
            return derivative
        top = self.parse_range(*numerator)
        bottom = self.parse_range(*denominator)
        return self.divide(top, bottom, token)

    # ----------------------------------------------------------- derivatives

    def derivative_marker(self, index: int, end: int) -> tuple[int, bool] | None:
        """If tokens at ``index`` start a differential (``\\partial``, ``d``,
        or a plain-text word like ``dL``), return ``(start of the quantity,
        whether the word must be split)``."""
        if index >= end:
            return None
        token = self.tokens[index]
        if token.kind == "CMD" and token.text == "partial":
            return index + 1, False
        if token.kind != "IDENT":
            return None
        if token.text == "d" and not self.declared("d"):
            return index + 1, False
        rest = token.text[1:]
        if (
            token.text[0] == "d"
            and rest
            and token.text not in self.known_words()
            and (
                rest.rstrip("0123456789") in self.known_words()
                or len(rest.rstrip("0123456789")) == 1
            )
        ):
            return index + 1, True
        return None

    def known_words(self) -> frozenset[str]:
        if self.context is not None:
            return self.context.known_names
        return GREEK | BUILTIN_FUNCTIONS

    def split_differential(self, index: int) -> None:
        """Split the word ``dL`` at ``index`` into ``d`` and ``L`` in place."""
        token = self.tokens[index]
        self.tokens[index] = Token("IDENT", "d", token.pos, token.space_before)
        self.tokens.insert(index + 1, Token("IDENT", token.text[1:], token.pos + 1, False))
        self.limits = [limit + 1 if limit > index else limit for limit in self.limits]

    def is_single_name(self, start: int, end: int) -> bool:
        """Tokens ``[start, end)`` hold exactly one name (with subscript, primes)."""
        if start >= end:
            return False
        saved_limits = self.limits
        self.limits = [*saved_limits, end]
        try:
            return self.name_extent(start) == end
        finally:
            self.limits = saved_limits

    def read_name_in(self, start: int, end: int) -> tuple[str, Any]:
        self.pos = start
        self.limits.append(end)
        try:
            name, value = self.read_name()
            if self.pos != end:
                raise self.fail(f"expected one name at column {self.peek().pos}")
        finally:
            self.limits.pop()
        return name, value

    def try_fraction_derivative(
        self, numerator: tuple[int, int, int], denominator: tuple[int, int, int], token: Token
    ) -> Any:
        """``\\frac{\\partial L}{\\partial w_1}``, ``\\frac{dL}{dw_1}``,
        ``\\frac{\\partial (X^T a)}{\\partial x}``, ``\\frac{d}{dx} (...)``."""
        top = self.derivative_marker(numerator[0], numerator[1])
        bottom = self.derivative_marker(denominator[0], denominator[1])
        if top is None or bottom is None:
            return None
        (top_at, top_split), (bottom_at, bottom_split) = top, bottom
        n_start, n_end, _ = numerator
        d_start, d_end, d_resume = denominator
        if (
            not top_split
            and top_at < n_end
            and self.tokens[top_at].kind == "SYM"
            and self.tokens[top_at].text == "^"
        ):
            raise self.fail(
                f"higher-order derivatives are not supported (column {token.pos})", token
            )
        if not self.is_single_name(d_start if bottom_split else bottom_at, d_end):
            return None
        # Committed: split plain words ("dL" -> "d" "L"), the later one first.
        if bottom_split:
            self.split_differential(d_start)
            d_end += 1
            d_resume += 1
        if top_split:
            self.split_differential(n_start)
            n_end += 1
            d_start += 1
            d_end += 1
            d_resume += 1
            bottom_at += 1
        _, wrt = self.read_name_in(bottom_at, d_end)
        if top_at >= n_end:  # operator form: \frac{d}{dx} (...)
            self.pos = d_resume
            return self.gradient(self.expression(19), wrt)
        name_end = self.name_extent(top_at)
        if name_end == n_end or (
            name_end < n_end
            and self.tokens[name_end].kind == "SYM"
            and self.tokens[name_end].text == "("
            and self.matching_paren_in(name_end, n_end) == n_end - 1
            and self.arguments_are_names(name_end + 1, n_end - 1)
        ):
            # \partial L, or \partial J(\beta): J written with its variables
            _, of = self.read_name_in(top_at, name_end)
            self.pos = d_resume
            return derivative_symbol(of=of, wrt=wrt, context=self.context)
        of = self.parse_range(top_at, n_end, d_resume)
        return self.gradient(of, wrt)

    def gradient(self, expr: Any, wrt: Any) -> Any:
        if isinstance(expr, (Space, ShapeOnly)):
            raise self.fail("cannot differentiate a space")
        if isinstance(expr, (sympy.Symbol, sympy.MatrixSymbol)) and wrt is not None:
            return derivative_symbol(of=expr, wrt=wrt, context=self.context)
        return Gradient(expr, wrt)

    def try_slash_derivative(self) -> Any:
        """``dL/dw1``, ``\\partial L / \\partial w_1``, ``d/dx (...)``."""
        start = self.pos
        end = self.limits[-1]
        top = self.derivative_marker(start, end)
        if top is None:
            return None
        top_at, top_split = top
        name_start = start if top_split else top_at
        slash = self.name_extent(name_start)
        empty_top = not top_split and slash == top_at
        if empty_top and self.tokens[start].kind == "CMD":
            return None  # "\partial / ..." is not a derivative
        if slash >= end or not (
            self.tokens[slash].kind == "SYM" and self.tokens[slash].text == "/"
        ):
            return None
        bottom = self.derivative_marker(slash + 1, end)
        if bottom is None:
            return None
        bottom_at, bottom_split = bottom
        b_start = slash + 1 if bottom_split else bottom_at
        b_end = self.name_extent(b_start)
        if b_end == b_start:
            return None
        # Committed.
        if bottom_split:
            self.split_differential(slash + 1)
            b_end += 1
            bottom_at = slash + 2
        if top_split:
            self.split_differential(start)
            slash += 1
            bottom_at += 1
            b_end += 1
            top_at = start + 1
        _, wrt = self.read_name_in(bottom_at, b_end)
        self.pos = b_end
        if empty_top:
            return self.gradient(self.expression(19), wrt)
        _, of = self.read_name_in(top_at, slash)
        self.pos = b_end
        return derivative_symbol(of=of, wrt=wrt, context=self.context)

    def name_extent(self, index: int) -> int:
        """End index of the name starting at ``index`` (``index`` if none)."""
        end = self.limits[-1]
        tokens = self.tokens

        def skip_group(i: int) -> int:
            depth = 0
            while i < end:
                t = tokens[i]
                if t.kind == "SYM" and t.text == "{":
                    depth += 1
                elif t.kind == "SYM" and t.text == "}":
                    depth -= 1
                    if depth == 0:
                        return i + 1
                i += 1
            return i

        if index >= end:
            return index
        token = tokens[index]
        if token.kind == "IDENT" or (token.kind == "CMD" and token.text in GREEK):
            index += 1
        elif token.kind == "CMD" and (token.text in FONT_COMMANDS or token.text in ACCENT_SUFFIX):
            index += 1
            if index < end and tokens[index].kind == "SYM" and tokens[index].text == "{":
                index = skip_group(index)
            else:
                index = self.name_extent(index)
        else:
            return index
        if index < end and tokens[index].kind == "SYM" and tokens[index].text == "_":
            index += 1
            if index < end and tokens[index].kind == "SYM" and tokens[index].text == "{":
                index = skip_group(index)
            elif index < end:
                index += 1
        while index < end and tokens[index].kind == "SYM" and tokens[index].text == "'":
            index += 1
        return index

    def nabla(self, token: Token) -> Any:
        wrt = None
        if self.at("SYM", "_"):
            self.advance()
            start, end, resume = self.argument_range()
            self.pos = start
            self.limits.append(end)
            try:
                _, wrt = self.read_name()
            finally:
                self.limits.pop()
            self.pos = resume
        if self.starts_name() and not (
            self.peek().kind == "IDENT" and self.peek().text in BUILTIN_FUNCTIONS
        ):
            name, value = self.read_name()
            if self.at("SYM", "(") and not self.is_function_name(name):
                # \nabla J(\beta): the parentheses name the variable
                close = self.matching_paren(self.pos)
                if close is not None and self.is_single_name(self.pos + 1, close):
                    self.advance()
                    self.limits.append(close)
                    try:
                        _, argument = self.read_name()
                    finally:
                        self.limits.pop()
                    self.pos = close + 1
                    if wrt is None:
                        wrt = argument
            if wrt is None:
                return Gradient(value, None)
            return derivative_symbol(of=value, wrt=wrt, context=self.context)
        return self.gradient(self.expression(29), wrt)

    def matching_paren_in(self, index: int, end: int) -> int | None:
        self.limits.append(end)
        try:
            return self.matching_paren(index)
        finally:
            self.limits.pop()

    def matching_paren(self, index: int) -> int | None:
        depth = 0
        for position in range(index, self.limits[-1]):
            token = self.tokens[position]
            if token.kind == "SYM" and token.text == "(":
                depth += 1
            elif token.kind == "SYM" and token.text == ")":
                depth -= 1
                if depth == 0:
                    return position
        return None

    # ----------------------------------------------------------- names, calls

    def name_atom(self) -> Any:
        token = self.peek()
        base = self.read_base()
        # log_2 x: a subscript on a function is its base
        if (
            self.is_function_name(base)
            and not self.declared(base + "_")
            and base in BUILTIN_FUNCTIONS
        ):
            return self.apply_function(base, token)
        written = self.attach_subscript(base)
        written = self.attach_superscript_label(written)
        primes = self.read_primes()
        resolved_plain = (
            self.context.resolve_alias(written) if self.context is not None else written
        )
        if self.is_function_name(resolved_plain):
            return self.apply_function(resolved_plain, token, primes=len(primes), written=written)
        if primes:
            written += primes
        if written == "e" and not self.declared("e"):
            return sympy.E
        if written == "pi" and not self.declared("pi"):
            return sympy.pi
        if (
            written == "R"
            and not self.declared("R")
            and self.at("SYM", "^")
            and self.exponent_has_times()
        ):
            self.advance()
            return Space(self.space_shape())
        resolved = self.resolve(written)
        value = self.symbol_for(resolved)
        if self.context is not None and self.at("SYM", "(") and not self.peek().space_before:
            self.skip_variables_of(written, resolved)
        return value

    def skip_variables_of(self, written: str, resolved: str) -> None:
        """``J(\\beta)``: a quantity written with its variables is the quantity.

        Only for a name the context defines (``definitions``), or declares a
        scalar when every name in the parentheses is a declared matrix or
        vector (a scalar times a vector is never written ``J(\\beta)``).
        ``a_1(1 - a_1)`` and ``f(y - XB)`` stay products.
        """
        context = self.context
        defined = resolved in context.definition_sources
        if not defined and resolved not in context.scalars:
            return
        close = self.matching_paren(self.pos)
        if close is None or not self.arguments_are_names(self.pos + 1, close):
            return
        if not defined:
            names = []
            start = self.pos + 1
            for index in range(self.pos + 1, close + 1):
                token = self.tokens[index]
                if index == close or (token.kind == "SYM" and token.text == ","):
                    names.append(self.peek_name(start, index))
                    start = index + 1
            if not all(name is not None and context.is_matrix(name) for name in names):
                return
        inside = self.text[self.tokens[self.pos].pos : self.tokens[close].pos + 1]
        self.state.notes.append(
            f"read {written}{inside} as {resolved} (a quantity written with its variables)"
        )
        self.pos = close + 1

    def peek_name(self, start: int, end: int) -> str | None:
        """The resolved name held by tokens ``[start, end)``, without side effects."""
        saved = (self.pos, self.state.unknown_names.copy(), self.state.aliases_used.copy())
        try:
            name, _ = self.read_name_in(start, end)
        except MathParseError:
            name = None
        finally:
            self.pos, self.state.unknown_names, self.state.aliases_used = saved
        return name

    def attach_superscript_label(self, written: str) -> str:
        """``a^{[1]}`` (layer 1) -> ``a1``; ``x^{(i)}`` (example i) -> ``x_i``.

        A bracketed superscript is a label, not a power; ``x^{(2)}`` with a
        number in parentheses stays a power."""
        if not (self.at("SYM", "^") and self.at("SYM", "{", 1)):
            return written
        tokens = self.tokens
        start = self.pos + 2
        if start + 3 >= len(tokens):
            return written
        opening, label, closing, brace = tokens[start : start + 4]
        if not (brace.kind == "SYM" and brace.text == "}" and label.kind in ("NUM", "IDENT")):
            return written
        if opening.text == "[" and closing.text == "]":
            pass
        elif opening.text == "(" and closing.text == ")" and label.kind == "IDENT":
            pass
        else:
            return written
        self.pos = start + 4
        return join_subscript(written, label.text)

    def arguments_are_names(self, start: int, end: int) -> bool:
        piece_start = start
        for index in range(start, end + 1):
            if index == end or (
                self.tokens[index].kind == "SYM" and self.tokens[index].text == ","
            ):
                if not self.is_single_name(piece_start, index):
                    return False
                piece_start = index + 1
        return True

    def exponent_has_times(self) -> bool:
        if not self.at("SYM", "{", 1):
            return False
        start = self.pos + 1
        end = self.group_end(start)
        return any(t.kind == "CMD" and t.text == "times" for t in self.tokens[start:end])

    def apply_function(
        self, name: str, token: Token, *, primes: int = 0, written: str | None = None
    ) -> Any:
        base_of_log = None
        if name in ("log",) and self.at("SYM", "_"):
            self.advance()
            start, end, resume = self.argument_range()
            base_of_log = self.parse_range(start, end, resume)
        power = None
        if self.at("SYM", "^"):
            # \sin^2 x: the power applies to the value
            self.advance()
            start, end, resume = self.exponent_range()
            if start >= 0:
                power = self.parse_range(start, end, resume)
            else:
                power = self.expression(29)
        primes += len(self.read_primes())
        if self.at("SYM", "("):
            arguments = self.call_arguments()
        elif self.starts_atom(self.peek()) and not self.at("SYM", "["):
            arguments = [self.expression(29)]
        else:
            if name in BUILTIN_FUNCTIONS:
                raise self.fail(f"function {name} needs an argument (column {token.pos})", token)
            # a declared function written alone (J = ...): the quantity itself
            if power is not None or primes:
                raise self.fail(f"function {name} needs an argument (column {token.pos})", token)
            return self.symbol_for(name)
        for argument in arguments:
            self.check_value(argument, token)
        try:
            value = self.call(name, arguments, primes, base_of_log)
        except (TypeError, ValueError, AttributeError) as error:
            raise self.fail(
                f"cannot apply {name} here (column {token.pos}): {error}", token
            ) from None
        if power is not None:
            value = self.raise_power(value, power, token)
        return value

    def call(self, name: str, arguments: list[Any], primes: int, base_of_log: Any) -> Any:
        builtin = name in _FUNCTIONS and not (
            self.context is not None and name in self.context.functions
        )
        if builtin and name in ("tr", "det"):
            if len(arguments) != 1 or primes:
                raise ValueError(f"{name} takes one matrix")
            if not is_matrix(arguments[0]):
                return arguments[0]  # the trace/determinant of a number is the number
            return _FUNCTIONS[name](arguments[0])
        if builtin and name in ("max", "min"):
            return _FUNCTIONS[name](*[self.as_scalar(a) for a in arguments])
        if builtin and name == "log" and base_of_log is not None:
            if is_matrix(arguments[0]) and not _is_one_by_one(arguments[0]):
                raise ValueError("the argument is a matrix")
            return sympy.log(self.as_scalar(arguments[0]), self.as_scalar(base_of_log))
        function = _FUNCTIONS[name] if builtin else sympy.Function(name)
        if primes or any(is_matrix(a) and not _is_one_by_one(a) for a in arguments):
            if len(arguments) != 1:
                raise ValueError(
                    "only a function of one argument can be differentiated or applied to a matrix"
                )
            variable = sympy.Dummy("u", real=True)
            body = function(variable)
            if primes:
                body = body.diff(variable, primes)
            argument = arguments[0]
            if is_matrix(argument) and not _is_one_by_one(argument):
                # sigma(X beta): applied to each entry
                return ElementwiseApplyFunction(sympy.Lambda(variable, body), argument)
            argument = self.as_scalar(argument)
            if not primes:
                return function(argument)
            if builtin:
                return body.subs(variable, argument)
            return sympy.Subs(body, variable, argument)
        return function(*[self.as_scalar(a) for a in arguments])

    @staticmethod
    def as_scalar(value: Any) -> Any:
        """A 1x1 matrix as the number it holds (``Trace``), anything else unchanged."""
        if is_matrix(value) and _is_one_by_one(value):
            return sympy.Trace(value)
        return value

    # ----------------------------------------------------------- environments

    def environment(self) -> Any:
        begin = self.advance()
        name = begin.text
        if name not in MATRIX_ENVIRONMENTS:
            raise self.fail(f"environment {name!r} is not supported (column {begin.pos})", begin)
        if name == "array" and self.at("SYM", "{"):
            self.pos = self.group_end(self.pos) + 1
        rows: list[list[Any]] = [[]]
        ellipsis = False
        while True:
            token = self.peek()
            if token.kind == "END":
                raise self.fail(
                    f"missing \\end{{{name}}} for the \\begin at column {begin.pos}", begin
                )
            if token.kind == "ENDENV":
                self.advance()
                if token.text != name:
                    raise self.fail(
                        f"\\end{{{token.text}}} closes \\begin{{{name}}} (column {token.pos})",
                        token,
                    )
                break
            if token.kind == "CMD" and token.text == "\\":
                self.advance()
                rows.append([])
                continue
            if token.kind == "SYM" and token.text == "&":
                self.advance()
                if not rows[-1]:
                    rows[-1].append(None)
                continue
            if token.kind == "CMD" and token.text in ELLIPSES:
                self.advance()
                rows[-1].append(ELLIPSIS)
                ellipsis = True
                continue
            rows[-1].append(self.expression(0))
        rows = [[cell for cell in row if cell is not None] for row in rows]
        rows = [row for row in rows if row]
        if not rows:
            raise self.fail(f"empty matrix at column {begin.pos}", begin)
        if ellipsis:
            return ShapeOnly(self.ellipsis_shape(rows, begin))
        width = len(rows[0])
        if any(len(row) != width for row in rows):
            raise self.fail(f"matrix rows of different lengths (column {begin.pos})", begin)
        if any(
            is_matrix(cell) or isinstance(cell, (Space, ShapeOnly)) for row in rows for cell in row
        ):
            raise self.fail(f"block matrices are not supported (column {begin.pos})", begin)
        return sympy.ImmutableMatrix(rows)

    def ellipsis_shape(self, rows: list[list[Any]], begin: Token) -> tuple[Any, Any]:
        """Shape of a matrix written with dots: the last entry's subscript counts."""
        column = all(len(row) == 1 for row in rows)
        single_row = len(rows) == 1
        if column:
            return self.count_from(rows[-1][0], len(rows), begin), sympy.Integer(1)
        if single_row:
            return sympy.Integer(1), self.count_from(rows[0][-1], len(rows[0]), begin)
        last = rows[-1][-1]
        rows_count = self.count_from(last, len(rows), begin, part=0)
        cols_count = self.count_from(last, len(rows[0]), begin, part=1)
        return rows_count, cols_count

    def count_from(self, entry: Any, written: int, begin: Token, part: int | None = None) -> Any:
        from grader.math.context import _parse_dimension

        if entry is ELLIPSIS:
            raise self.fail(f"a matrix cannot end with dots (column {begin.pos})", begin)
        name = getattr(entry, "name", None)
        if not isinstance(name, str):
            return sympy.Integer(written)
        if "_" in name:
            subscript = name.split("_", 1)[1]
            if part is not None:
                pieces = subscript.split(",") if "," in subscript else list(subscript)
                if len(pieces) == 2:
                    subscript = pieces[part]
            try:
                return _parse_dimension(subscript)
            except ValueError:
                pass
        digits = "".join(ch for ch in name if ch.isdigit())
        if digits and name.rstrip("0123456789") and part is None:
            return sympy.Integer(int(digits))
        raise self.fail(
            f"cannot tell the size of a matrix written with dots (column {begin.pos})", begin
        )


ELLIPSIS = object()

# Every command the parser knows in some role (anything else: "unknown command").
KNOWN_COMMANDS = frozenset(
    GREEK
    | GREEK_VARIANTS.keys()
    | FONT_COMMANDS
    | ACCENT_SUFFIX.keys()
    | FRACTIONS
    | BUILTIN_FUNCTIONS
    | MULTIPLY_COMMANDS
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
    }
)
