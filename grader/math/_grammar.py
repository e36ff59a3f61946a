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

from typing import Any

import sympy

from grader.math._arithmetic import PRODUCT_OPERATORS, ArithmeticMixin
from grader.math._code import CodeMixin
from grader.math._derivatives import DerivativesMixin
from grader.math._lexer import MathParseError, Token
from grader.math._matrices import MatricesMixin
from grader.math._names import (
    ACCENT_SUFFIX,
    BUILTIN_FUNCTIONS,
    FONT_COMMANDS,
    GREEK,
    OPERATOR_NAMES,
)
from grader.math._sums import IndexScope, SumsMixin
from grader.math._symbols import NamesMixin
from grader.math._syntax import (
    FRACTIONS,
    HADAMARD_COMMANDS,
    KNOWN_COMMANDS,
    MAX_DEPTH,
    MAX_NUMBER_DIGITS,
    MULTIPLY_COMMANDS,
    UNSUPPORTED,
    ParseState,
    ShapeOnly,
    Space,
    is_matrix,
    is_one_by_one,
)

__all__ = ["Parser", "ParseState", "Space", "ShapeOnly", "is_matrix"]


def _text_functions(tokens: list[Token]) -> list[Token]:
    """``\\text{tr}(AB)``, ``\\operatorname{Tr}(AB)``: an operator name written as
    text or as a word is the function (``\\text{tr}`` is not a note to drop, which
    would leave ``AB``)."""
    result = []
    for token in tokens:
        word = token.text.strip()
        if (token.kind == "TEXT" or (token.kind == "IDENT" and token.verbatim)) and (
            word in OPERATOR_NAMES
        ):
            token = Token("IDENT", OPERATOR_NAMES[word], token.pos, token.space_before, True)
        elif token.kind == "TEXT" and _is_text_name(word, result):
            token = Token("IDENT", word, token.pos, token.space_before, True)
        result.append(token)
    return result


# Words that join statements (``x = 1, \text{and } y = 2``), never a quantity's name.
_LINKING_WORDS = frozenset(
    "and or for if where with so then since because when all is the as at by of on to"
    " else otherwise thus hence let".split()
    # what a quantity is, not its name (``x = \text{scalar}``)
    + "scalar vector matrix constant const number real integer positive negative".split()
)
_OPERAND_BEFORE_SYMBOLS = frozenset("+-*/=(^_")
_OPERAND_BEFORE_COMMANDS = frozenset(
    {"cdot", "times", "leftarrow", "gets", "coloneqq", "frac", "sqrt", "left", "pm", "mp"}
)


def _is_text_name(word: str, before: list[Token]) -> bool:
    r"""``w - \text{lr}\cdot g``: one word in text where an operand belongs is a
    quantity's name (``lr``), read verbatim (never split into letters); a word
    that links statements, or text after an operand, stays a note."""
    if not word.isalpha() or len(word) < 2 or word.lower() in _LINKING_WORDS:
        return False
    if not before:
        return False
    previous = before[-1]
    if previous.kind == "SYM":
        return previous.text in _OPERAND_BEFORE_SYMBOLS
    return previous.kind == "CMD" and previous.text in _OPERAND_BEFORE_COMMANDS


class Parser(ArithmeticMixin, NamesMixin, DerivativesMixin, MatricesMixin, SumsMixin, CodeMixin):
    """Parses one statement: the parse.py statement loop calls :meth:`expression`.

    The methods live in one module per concern: ``_arithmetic``, ``_symbols``
    (names and calls), ``_derivatives``, ``_matrices``, ``_sums`` (sums over an
    index), ``_code`` (NumPy notation); this class holds the token cursor and
    the Pratt loop.
    """

    def __init__(self, text: str, tokens: list[Token], context: Any, latex: bool):
        self.text = text
        self.tokens = _text_functions(tokens)
        self.context = context
        self.latex = latex
        self.pos = 0
        self.limits: list[int] = [len(tokens) - 1]
        self.depth = 0
        self.bar_depth = 0  # inside |...| : a '|' closes, never opens
        self.norm_depth = 0
        self.after_in = False  # the statement loop sets it after "\in"
        self.state = ParseState()
        self.index_scopes: list[IndexScope] = []  # the sums being read, innermost last
        self.end_token = tokens[-1]
        # lengths of \mathbf{1} / \mathbf{0} not known yet (found from the other operand)
        self.pending_dims: set[Any] = set()
        # number + vector sums (a shape problem, unless an entrywise product's operand)
        self.broadcast_sums: dict[Any, str] = {}

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
                elif operator in PRODUCT_OPERATORS:
                    left = self.product_chain(left, rbp)
                else:
                    left = self.infix(left, operator, token)
            if self.depth == 1:  # a whole term: every length must be known now
                left = self.finish_pending(left)
            return left
        finally:
            self.leave()

    def infix_power(self, token: Token) -> tuple[int, str]:
        kind, text = token.kind, token.text
        if kind == "SYM":
            if text in "+-":
                return 10, text
            if text == "*":
                return 20, "*"
            if text == "/":
                return 20, "/"
            if text in ("^", "**"):
                return 30, "^"
            if text == "!":
                return 40, "!"
            if text == "'":
                return 40, "'"
            if text == "@":
                return 20, "@"
            if text in ("\u2299", "\u2218", ".*"):  # ⊙ ∘ .*
                return 20, "hadamard"
            if text == "." and self.starts_method():
                return 40, "."
        elif kind == "CMD":
            if text in MULTIPLY_COMMANDS:
                return 20, "*"
            if text in HADAMARD_COMMANDS:
                return 20, "hadamard"
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
                or text
                in (
                    "sqrt",
                    "partial",
                    "nabla",
                    "mathbb",
                    "{",
                    "infty",
                    "lvert",
                    "langle",
                    "sum",
                    "prod",
                )
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
        if operator == ".":
            return self.method_call(left, token)
        if operator == "'" and is_matrix(left):
            # (y - X b)'(y - X b): a prime on a matrix is its transpose (econometrics)
            self.advance()
            note = "read a prime ' after a matrix as its transpose"
            if note not in self.state.notes:
                self.state.notes.append(note)
            return self.transpose(left)
        if operator == "'":
            raise self.fail(
                f"a prime ' after an expression is not supported (column {token.pos})", token
            )
        raise self.unexpected(token)

    def atom(self) -> Any:
        token = self.peek()
        kind, text = token.kind, token.text
        if kind == "NUM":
            ones = self.try_ones()
            if ones is not None:
                return ones
            self.advance()
            return self.number(token)
        if kind == "BEGIN":
            return self.environment()
        if kind == "IDENT":
            code = self.try_code_call()
            if code is not None:
                return code
            gradient = self.try_gradient_word()
            if gradient is not None:
                return gradient
            derivative = self.try_slash_derivative()
            if derivative is not None:
                return derivative
            differential = self.try_differential()
            if differential is not None:
                return differential
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
            if text in ("sum", "prod") or self.is_sigma_sum(token):
                return self.index_sum(token)
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
            if text == "mathbb" or text in FONT_COMMANDS:
                ones = self.try_ones()  # \mathbf{1}, \mathbb{1}: a column of ones
                if ones is not None:
                    return ones
            if text == "mathbb":
                self.advance()
                start, end, resume = self.argument_range()
                letters = "".join(t.text for t in self.tokens[start:end])
                self.pos = resume
                if letters == "E":
                    return self.expectation(token)
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
        mantissa, _, exponent = token.text.lower().partition("e")
        digits = mantissa.replace(".", "")
        if len(digits) > MAX_NUMBER_DIGITS:
            raise self.fail(f"number too long ({len(digits)} digits) at column {token.pos}", token)
        if exponent and abs(int(exponent)) > MAX_NUMBER_DIGITS:
            raise self.fail(f"number too large: {token.text} at column {token.pos}", token)
        if "." in token.text or exponent:
            return sympy.Rational(token.text)  # exact: 0.5 is 1/2, 1e-3 is 1/1000
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
            if opening == "(" and self.at("SYM", ",") and not self.after_in:
                value = self.tuple_vector(value, open_token)
                if self._transposed_after_closing():
                    value = value.T  # (2, 1)^T: the tuple was written as a row
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

    def tuple_vector(self, first: Any, open_token: Token) -> Any:
        """``(0.89, 0.45)``: a tuple of numbers or scalars is a column vector, as
        students write one (``(a, b)^T`` is then a row); after ``\\in`` it stays an
        interval's notation and is not read."""
        cells = [first]
        while self.at("SYM", ","):
            self.advance()
            cells.append(self.expression(0))
        if any(is_matrix(cell) or isinstance(cell, (Space, ShapeOnly)) for cell in cells):
            raise self.fail(
                f"a tuple of matrices is not read (column {open_token.pos})", open_token
            )
        return sympy.ImmutableMatrix([[cell] for cell in cells])

    def _transposed_after_closing(self) -> bool:
        """Whether ``)^T`` (or ``^\\top``, ``^{T}``) follows the closing bracket."""
        if not (self.peek(1).kind == "SYM" and self.peek(1).text == "^"):
            return False
        after = self.peek(2)
        if after.kind == "SYM" and after.text == "{":
            after = self.peek(3)
        return (after.kind == "IDENT" and after.text == "T") or (
            after.kind == "CMD" and after.text in ("top", "intercal", "mathsf")
        )

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
            if is_one_by_one(radicand):
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
