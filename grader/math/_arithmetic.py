"""Arithmetic for the math parser: sums, products, division, powers,
transpose and inverse, with the matrix rules (products keep their order, a
1x1 matrix acts as a number, shape errors are recorded, not raised) and the
bounds on numeric powers."""

from __future__ import annotations

import math
from typing import Any

import sympy

from grader.math._lexer import Token
from grader.math._names import FONT_COMMANDS
from grader.math._syntax import (
    MAX_FACTORIAL,
    MAX_RESULT_BITS,
    ShapeOnly,
    Space,
    definitely_different,
    is_matrix,
    is_one_by_one,
    matadd,
    matmul,
    transpose_of,
    unchecked,
)

# Operators of a product chain (see Parser.infix_power).
PRODUCT_OPERATORS = frozenset({"*", "/", "implicit", "@", "hadamard"})


def _product(factors: list[Any]) -> Any:
    if not any(is_matrix(factor) for factor in factors):
        return sympy.Mul(*factors)
    return matmul(*factors)


def _entrywise_pair(factors: list[Any], right: Any) -> bool:
    """``A * B`` of two matrices (neither 1x1): NumPy's entrywise product."""
    left = _product(factors)
    return (
        is_matrix(left)
        and is_matrix(right)
        and not is_one_by_one(left)
        and not is_one_by_one(right)
    )


class ArithmeticMixin:
    """Methods of :class:`grader.math._grammar.Parser` (see the module docs)."""

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
        if self.pending_dims:
            values = self.unify_shapes(*[value for value, _ in terms if is_matrix(value)])
            values.reverse()
            terms = [(values.pop() if is_matrix(value) else value, token) for value, token in terms]
        scalars = [value for value, _ in terms if not is_matrix(value)]
        matrices = [(value, token) for value, token in terms if is_matrix(value)]
        if not matrices:
            return sympy.Add(*scalars)
        first = matrices[0][0]
        mismatched = False
        for value, token in matrices[1:]:
            if value.shape != first.shape and any(
                definitely_different(a, b) for a, b in zip(first.shape, value.shape, strict=True)
            ):
                mismatched = True
                self.state.shape_problems.append(
                    f"adds matrices of shapes {self.shape_text(first)} and {self.shape_text(value)} (column {token.pos})"
                )
        values = [value for value, _ in matrices]
        total = unchecked(sympy.MatAdd, *values) if mismatched else matadd(*values)
        if scalars:
            scalar_token = next(token for value, token in terms if not is_matrix(value))
            total = self.add(total, sympy.Add(*scalars), scalar_token)
        return total

    def product_chain(self, first: Any, rbp: int) -> Any:
        """``a b / c * d ...`` built at once, in the order written. An
        entrywise product (``\\odot``, ``*`` in a NumPy line) takes what is
        before it as its left side: ``W^T \\delta \\odot \\sigma'(z)`` is
        ``(W^T \\delta) \\odot \\sigma'(z)``."""
        self.check_value(first, self.peek())
        factors = [first]
        while True:
            token = self.peek()
            power, operator = self.infix_power(token)
            if operator not in PRODUCT_OPERATORS or power <= rbp:
                break
            if operator != "implicit":
                self.advance()
            right = self.expression(20)
            self.check_value(right, token)
            if (
                operator == "/"
                and self.code_line()
                and is_matrix(right)
                and not is_one_by_one(right)
            ):
                # NumPy: a / M divides entry by entry
                factors = [self.entrywise_divide(_product(factors), right, token)]
                continue
            if operator == "/":
                right = self.reciprocal(right, token)
            if operator == "hadamard" and token.text in ("circ", "\u2218"):
                if not _entrywise_pair(factors, right):
                    # f \circ g of functions is a composition, not a product
                    raise self.fail(
                        f"\\circ between scalars (a composition?) is not read "
                        f"(column {token.pos}); between matrices it is the entrywise product",
                        token,
                    )
            if operator == "hadamard" or (
                operator == "*"
                and token.kind == "SYM"
                and self.code_line()
                and _entrywise_pair(factors, right)
            ):
                if operator == "*":
                    note = "read * between two matrices as NumPy's entrywise product"
                    if note not in self.state.notes:
                        self.state.notes.append(note)
                factors = [self.hadamard(_product(factors), right, token)]
                continue
            if token.kind == "CMD" and token.text == "cdot" and _two_columns(factors, right):
                # \vec w \cdot \vec x: the dot product of two column vectors, w^T x
                note = "read a \\cdot b of two column vectors as the inner product a^T b"
                if note not in self.state.notes:
                    self.state.notes.append(note)
                factors = [_product([self.transpose(_product(factors)), right])]
                continue
            factors.append(right)
            self.check_conformable(factors, token)
        return _product(factors)

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
            if self.pending_dims:  # 1^T y: the ones take the length of y
                binding: dict[Any, Any] = {}
                self.bind(left.shape[1], right.shape[0], binding)
                factors[:] = self.substitute(factors, binding)
                left, right = factors[index], factors[-1]
            if left.shape[1] == right.shape[0]:
                return
            if is_one_by_one(left):
                factors[index] = sympy.Trace(left)
                continue
            if is_one_by_one(right):
                factors[-1] = sympy.Trace(right)
                return
            if not definitely_different(left.shape[1], right.shape[0]):
                return
            self.state.shape_problems.append(
                f"multiplies a {self.shape_text(left)} matrix by a {self.shape_text(right)} matrix (column {token.pos})"
            )
            return

    def reciprocal(self, value: Any, token: Token) -> Any:
        if is_matrix(value):
            if is_one_by_one(value):
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
        if left_matrix and right_matrix:
            left, right = self.unify_shapes(left, right)
        if left_matrix != right_matrix:
            matrix, scalar = (left, right) if left_matrix else (right, left)
            if scalar == 0:
                return matrix
            if is_one_by_one(matrix):
                scalar = scalar * sympy.Identity(1)
            else:
                rows, cols = matrix.shape
                problem = None
                if self.code_line():  # NumPy broadcasts: the number is added to every entry
                    self.note("read a number plus an array as NumPy does: added to every entry")
                else:
                    problem = f"adds a scalar to a {sympy.sstr(rows)} x {sympy.sstr(cols)} matrix (column {token.pos})"
                    self.state.shape_problems.append(problem)
                scalar = scalar * sympy.OneMatrix(rows, cols)
                left, right = (matrix, scalar) if left_matrix else (scalar, matrix)
                total = matadd(left, right)
                if problem is not None:  # forgiven inside an entrywise product: a (1 - a)
                    self.broadcast_sums[total] = problem
                return total
            left, right = (matrix, scalar) if left_matrix else (scalar, matrix)
        elif left_matrix and right_matrix and left.shape != right.shape:
            if any(
                definitely_different(a, b) for a, b in zip(left.shape, right.shape, strict=False)
            ):
                self.state.shape_problems.append(
                    f"adds matrices of shapes {self.shape_text(left)} and {self.shape_text(right)} (column {token.pos})"
                )
                return unchecked(sympy.MatAdd, left, right)
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
        if is_matrix(left) and is_matrix(right) and self.pending_dims:
            binding: dict[Any, Any] = {}
            self.bind(left.shape[1], right.shape[0], binding)
            left, right = self.substitute([left, right], binding)
        if is_matrix(left) and is_matrix(right):
            if definitely_different(left.shape[1], right.shape[0]):
                self.state.shape_problems.append(
                    f"multiplies a {self.shape_text(left)} matrix by a {self.shape_text(right)} matrix (column {token.pos})"
                )
                return unchecked(sympy.MatMul, left, right)
        if is_matrix(left) or is_matrix(right):
            return matmul(left, right)
        return left * right

    def divide(self, left: Any, right: Any, token: Token) -> Any:
        self.check_value(left, token)
        self.check_value(right, token)
        if is_matrix(right):
            if is_one_by_one(right):
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

    def exponent_range(self) -> tuple[int, int, int]:
        token = self.peek()
        if token.kind == "SYM" and token.text == "{":
            end = self.group_end(self.pos)
            return self.pos + 1, end, end + 1
        return -1, -1, -1

    def split_transpose_word(self) -> None:
        """``a^Ta``, ``X^TX`` typed as plain text: a superscript without braces
        is one character, as in TeX, so ``Ta`` is ``T`` then ``a`` when ``a``
        is a name the context knows (and ``Ta`` is not)."""
        token = self.peek()
        if token.kind != "IDENT" or len(token.text) < 2 or token.text[0] != "T":
            return
        rest = token.text[1:]
        if self.declared(token.text) or self.context is None or not self.context.is_declared(rest):
            return
        self.tokens[self.pos] = Token("IDENT", "T", token.pos, token.space_before)
        self.tokens.insert(self.pos + 1, Token("IDENT", rest, token.pos + 1, False))
        self.limits = [limit + 1 if limit > self.pos else limit for limit in self.limits]

    def is_transpose_marker(self, tokens: list[Token], base: Any = None) -> bool:
        """``T``, ``\\top``, ``\\intercal`` (and ``t`` on a matrix), unless declared."""
        # X^{\mathsf{T}}, X^{\boldsymbol{T}}: the font does not matter
        tokens = [
            t
            for t in tokens
            if not (t.kind == "CMD" and t.text in FONT_COMMANDS)
            and not (t.kind == "SYM" and t.text in "{}")
        ]
        if len(tokens) != 1:
            return False
        token = tokens[0]
        if token.kind == "CMD":
            return token.text in ("top", "intercal")
        if token.kind != "IDENT" or self.declared(token.text):
            return False
        return token.text == "T" or (token.text == "t" and is_matrix(base))

    def power_cause(self, exponent: Any) -> str:
        """Why a matrix power reads with a symbol for exponent, when the likely
        cause is a declared name (``T`` declared, so ``X^T`` is no transpose)."""
        if not isinstance(exponent, sympy.Symbol):
            return ""
        name = exponent.name
        lines = getattr(self.context, "lines", None) or {}
        line = lines.get(f"symbols.{name}")
        where = f" at line {line}" if line else ""
        if name == "T":
            return (
                f": 'T' is declared as a symbol{where} in the math context, so '^T' is a "
                "power, not a transpose (write '^\\top', or give the symbol another name)"
            )
        return f": '{name}' is a symbol{where}, not a whole number"

    def power(self, base: Any, token: Token) -> Any:
        if isinstance(base, Space):
            return Space(self.space_shape())
        start, end, resume = self.exponent_range()
        if start < 0:
            self.split_transpose_word()
        group = self.tokens[start:end] if start >= 0 else [self.peek()]
        # ^+, ^{+}, ^\dagger: the Moore-Penrose pseudo-inverse
        if len(group) == 1 and (
            (group[0].kind == "SYM" and group[0].text == "+")
            or (group[0].kind == "CMD" and group[0].text == "dagger")
        ):
            self.pos = resume if start >= 0 else self.pos + 1
            return self.pseudo_inverse(base, token)
        # ^T, ^{T}, ^\top: transpose
        if self.is_transpose_marker(group, base):
            self.pos = resume if start >= 0 else self.pos + 1
            return self.transpose(base)
        if (
            start >= 0
            and len(group) == 2
            and group[0].text == "-"
            and self.is_transpose_marker(group[1:], base)
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
        if is_matrix(exponent) and is_one_by_one(exponent):
            exponent = sympy.Trace(exponent)  # e^{-w^T x}: a 1x1 matrix is the number it holds
        if (
            token.text == "**"
            and self.code_line()
            and is_matrix(base)
            and not is_one_by_one(base)
            and not is_matrix(exponent)
        ):
            return self.entrywise_power(base, exponent, token)  # NumPy: v**2 squares entries
        if is_matrix(exponent):
            raise self.fail(f"a matrix exponent is not supported (column {token.pos})", token)
        if is_matrix(base):
            if exponent == -1:
                return self.inverse(base, token)
            if exponent == 1:
                return base
            if not exponent.is_Integer:
                if is_one_by_one(base):
                    return sympy.MatPow(base, exponent)
                raise self.fail(
                    f"a matrix power must be a whole number (column {token.pos})"
                    + self.power_cause(exponent),
                    token,
                )
            rows, cols = base.shape
            if definitely_different(rows, cols):
                self.state.shape_problems.append(
                    f"raises a {self.shape_text(base)} matrix to a power (column {token.pos})"
                )
                return unchecked(sympy.MatPow, base, exponent)
            return sympy.MatPow(base, exponent)
        if base.is_Number and exponent.is_Number:
            return self.numeric_power(base, exponent, token)
        if exponent.is_Number and abs(exponent) > 10**6:
            return sympy.Pow(base, exponent, evaluate=False)
        return sympy.Pow(base, exponent)

    def transpose(self, value: Any) -> Any:
        if is_matrix(value):
            return transpose_of(value)
        if isinstance(value, (Space, ShapeOnly)):
            raise self.fail("cannot transpose a space")
        return value  # the transpose of a scalar is itself

    def inverse(self, value: Any, token: Token) -> Any:
        if isinstance(value, sympy.ZeroMatrix):
            raise self.fail(f"a zero matrix has no inverse (column {token.pos})", token)
        if is_matrix(value):
            rows, cols = value.shape
            if definitely_different(rows, cols):
                self.state.shape_problems.append(
                    f"inverts a {self.shape_text(value)} matrix, which is not square (column {token.pos})"
                )
                return unchecked(sympy.MatPow, value, sympy.S.NegativeOne)
            return value.I
        return sympy.Pow(value, -1)


def _two_columns(factors: list[Any], right: Any) -> bool:
    """The product so far and ``right`` are column vectors of one length."""
    left = _product(factors)
    if not (is_matrix(left) and is_matrix(right)):
        return False
    rows, cols = left.shape
    return cols == 1 and right.shape == (rows, 1) and rows != 1
