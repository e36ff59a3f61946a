"""Derivative notation for the math parser: ``\\frac{\\partial L}{\\partial w}``,
``\\frac{dL}{dw}``, ``dL/dw``, ``\\partial L / \\partial w``, ``\\nabla``. A derivative of
a name is a named quantity (``d(L)/d(w)``), of an expression a ``Gradient``."""

from __future__ import annotations

from typing import Any

import sympy

from grader.math._lexer import Token
from grader.math._names import (
    ACCENT_SUFFIX,
    BUILTIN_FUNCTIONS,
    FONT_COMMANDS,
    GREEK,
)
from grader.math._nodes import Differential, Gradient, derivative_symbol
from grader.math._syntax import (
    ShapeOnly,
    Space,
    is_matrix,
    is_one_by_one,
)

# A derivative operator (\nabla_\beta, \frac{\partial}{\partial\beta}, d/dx) applies to
# the product that follows it: everything that binds tighter than + and -.
OPERAND_POWER = 19

# the gradient written as a word (plain-text answers): grad J, gradient of J
GRADIENT_WORDS = frozenset({"grad", "gradient"})


class DerivativesMixin:
    """Methods of :class:`grader.math._grammar.Parser` (see the module docs)."""

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

    def try_differential(self) -> Any:
        """``d\\beta``, ``dJ``, ``\\mathrm{d}J`` (``dbeta`` in plain text): the
        differential of a name the context declares, when ``d`` itself is not
        declared; None otherwise (``d`` is then a name). Only read with a
        context: without one, ``dx`` stays a product."""
        if self.context is None:
            return None
        marker = self.derivative_marker(self.pos, self.limits[-1])
        if marker is None or self.tokens[self.pos].kind != "IDENT":
            return None
        at, split = marker
        if split:
            rest = self.tokens[self.pos].text[1:]
            if not self.declared(self.context.resolve_alias(rest)) or self.at("SYM", "_", 1):
                return None  # dL_dz2 (a name in code) is not dL with a subscript
        else:
            end = self.name_extent(at)
            name = self.peek_name(at, end) if end > at else None
            if name is None or not self.declared(name):
                return None
        if split:
            self.split_differential(self.pos)
        self.advance()  # the d
        _, variable = self.read_name()
        if isinstance(variable, (Space, ShapeOnly)) or not isinstance(
            variable, (sympy.Symbol, sympy.MatrixSymbol)
        ):
            raise self.fail(f"cannot read the differential at column {self.peek().pos}")
        return Differential(variable)

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
        transposed = False
        if not self.is_single_name(d_start if bottom_split else bottom_at, d_end):
            # \frac{\partial J}{\partial \beta^T}: numerator layout, the transpose
            suffix = self.transpose_suffix(bottom_at, d_end)
            if suffix is None or not self.is_single_name(
                d_start if bottom_split else bottom_at, suffix
            ):
                return None
            transposed = True
            d_end = suffix
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
        if transposed:
            return self.transposed_derivative(
                self.fraction_derivative(top_at, n_end, d_resume, wrt), token
            )
        return self.fraction_derivative(top_at, n_end, d_resume, wrt)

    def fraction_derivative(self, top_at: int, n_end: int, d_resume: int, wrt: Any) -> Any:
        """The derivative once its variable is read: of a name, or of an expression."""
        if top_at >= n_end:  # operator form: \frac{d}{dx} (...)
            self.pos = d_resume
            return self.gradient(self.operand(wrt), wrt)
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

    def operand(self, wrt: Any) -> Any:
        """What a derivative operator applies to: the product that follows it
        and, for a gradient by a vector or matrix, the scalar terms after it
        (``\\nabla_\\beta \\frac12 \\|y - X\\beta\\|^2 + \\frac\\lambda2 \\|\\beta\\|^2``:
        a scalar added to a gradient would be meaningless, so the operator
        covers it); a term shaped like the gradient (``+ \\lambda\\beta``) ends it."""
        value = self.expression(OPERAND_POWER)
        if not (is_matrix(wrt) and not is_one_by_one(wrt)) or (
            is_matrix(value) and not is_one_by_one(value)
        ):
            return value
        while self.at("SYM", "+") or self.at("SYM", "-"):
            start = self.pos
            token = self.advance()
            term = self.expression(OPERAND_POWER)
            if is_matrix(term) and not is_one_by_one(term):
                self.pos = start  # a term shaped like the gradient: added to it
                break
            value = self.add(value, self.negate(term) if token.text == "-" else term, token)
        return value

    def transpose_suffix(self, start: int, end: int) -> int | None:
        """Index of a closing ``^T`` / ``^\\top`` / ``^{T}`` in tokens ``[start, end)``."""
        tokens = self.tokens
        if self.declared("T"):
            return None
        for width, texts in ((2, ("T", "top", "intercal")), (4, ("T", "top", "intercal"))):
            at = end - width
            if at <= start or not (tokens[at].kind == "SYM" and tokens[at].text == "^"):
                continue
            inner = tokens[at + 1] if width == 2 else tokens[at + 2]
            if width == 4 and not (
                tokens[at + 1].kind == "SYM"
                and tokens[at + 1].text == "{"
                and tokens[end - 1].kind == "SYM"
                and tokens[end - 1].text == "}"
            ):
                continue
            if inner.text in texts and inner.kind in ("IDENT", "CMD"):
                return at
        return None

    def transposed_derivative(self, derivative: Any, token: Token) -> Any:
        """``\\partial J / \\partial \\beta^T``: the derivative in numerator layout, the
        transpose of the gradient (a row for a column variable)."""
        note = "read a derivative by a transposed variable as the transpose of the gradient"
        if note not in self.state.notes:
            self.state.notes.append(note)
        return self.transpose(derivative)

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
            return self.gradient(self.operand(wrt), wrt)
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

    def try_gradient_word(self) -> Any:
        """``grad J``, ``grad_beta J``, ``gradient of J``: the gradient written in
        words, read like ``\\nabla``; None when the word is a name (``grad = ...``,
        or ``grad`` declared in the context)."""
        token = self.peek()
        if token.text not in GRADIENT_WORDS or self.declared(token.text):
            return None
        skip = 1
        following = self.peek(1)
        if token.text == "gradient" and following.kind == "IDENT" and following.text == "of":
            skip = 2
            following = self.peek(2)
        subscript = skip == 1 and following.kind == "SYM" and following.text == "_"
        call = following.kind == "SYM" and following.text == "("
        if not (subscript or call or self.starts_name(skip)):
            return None
        for _ in range(skip):
            self.advance()
        return self.nabla(token)

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
        start = self.pos
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
            if self.infix_power(self.peek())[0] <= OPERAND_POWER:
                # the name is the whole operand: \nabla_\beta J, \nabla J(\beta) + ...
                if wrt is None:
                    return Gradient(value, None)
                return derivative_symbol(of=value, wrt=wrt, context=self.context)
            # the name starts a longer operand: \nabla_\beta \beta^T A \beta
            self.pos = start
        # \nabla applies to the product that follows, up to the next + or -
        # (\nabla_\beta \frac12 \|y - X\beta\|^2), like \frac{d}{dx}
        return self.gradient(self.operand(wrt), wrt)

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
