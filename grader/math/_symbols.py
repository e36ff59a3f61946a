"""Names and function calls for the math parser: subscripts, primes,
accents, fonts, aliases from the context, and the rule that decides between a
call and a product (``sigma(z)`` vs ``a_1(1 - a_1)``)."""

from __future__ import annotations

import re
from typing import Any

import sympy
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from grader.math._lexer import MathParseError, Token
from grader.math._names import (
    ACCENT_SUFFIX,
    BUILTIN_FUNCTIONS,
    FONT_COMMANDS,
    GREEK,
    GREEK_VARIANTS,
    join_subscript,
)
from grader.math._nodes import derivative_symbol
from grader.math._syntax import (
    FUNCTIONS,
    Space,
    is_matrix,
    is_one_by_one,
)
from grader.math._updates import NEW_VALUE_NAMES, OLD_VALUE_NAMES

# dL_dz2, dJ_dbeta: a partial derivative named as in code
_CODE_PARTIAL = re.compile(r"^d([A-Za-z][A-Za-z0-9]*)_d([A-Za-z][A-Za-z0-9]*)$")

# One variable for every "f applied to each entry" / "f'" built, so that two
# readings of the same text are equal objects.
FUNCTION_VARIABLE = sympy.Dummy("u", real=True)


class NamesMixin:
    """Methods of :class:`grader.math._grammar.Parser` (see the module docs)."""

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
                elif token.kind == "TEXT":
                    parts.append("".join(token.text.split()))  # w_{\text{new}}
                elif token.kind == "CMD" and token.text in FONT_COMMANDS:
                    continue
                elif token.kind == "SYM" and token.text in "{}":
                    continue
                else:
                    raise self.fail(f"cannot read subscript at column {token.pos}", token)
            self.pos = end + 1
            return "".join(parts)
        token = self.advance()
        if (
            token.kind == "IDENT"
            and len(token.text) == 2
            and self.at("SYM", "_")
            and not self.peek().space_before
        ):
            # e_jx_i: a subscript without braces is one character, as in TeX
            self.tokens.insert(self.pos, Token("IDENT", token.text[1], token.pos + 1, False))
            self.limits = [limit + 1 if limit >= self.pos else limit for limit in self.limits]
            return token.text[0]
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
            base = context.decorated_base(resolved) if self.state.resolve_decorations else None
            if base is not None:
                self.state.decorated[written] = base
                return base
            step = self.iteration_base(resolved)
            if step is not None:
                base, is_new = step
                if is_new:
                    return resolved  # w_new, w^{(t+1)}: the update's target, shaped like w
                note = f"read {written} as {base} (its value before the step)"
                if note not in self.state.notes:
                    self.state.notes.append(note)
                return base
            self.state.unknown_names[written] = None
        else:
            self.state.plain_names.add(resolved)
        return resolved

    def iteration_base(self, name: str) -> tuple[str, bool] | None:
        """``w_t``/``w_old`` (the value before a step) -> ``("w", False)``;
        ``w_new``/``w_t+1`` (after it) -> ``("w", True)``; when the context
        declares ``w`` and not the spelling itself."""
        context = self.context
        if context is None or "_" not in name:
            return None
        for pattern, is_new in ((NEW_VALUE_NAMES, True), (OLD_VALUE_NAMES, False)):
            match = pattern.match(name)
            if match is not None:
                base = context.resolve_alias(match.group("base"))
                if context.is_declared(base) and not context.is_function(base):
                    return base, is_new
        return None

    def symbol_for(self, name: str) -> Any:
        if self.context is not None:
            step = None if self.context.is_declared(name) else self.iteration_base(name)
            if step is not None and self.context.is_matrix(step[0]):
                return sympy.MatrixSymbol(name, *self.context.shape_of(step[0]))
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
        tied = self.tied_symbol(written, token)  # x_i inside a sum over i (_sums.py)
        if tied is not None:
            return tied
        primes = self.read_primes()
        resolved_plain = (
            self.context.resolve_alias(written) if self.context is not None else written
        )
        if self.is_function_name(resolved_plain):
            return self.apply_function(resolved_plain, token, primes=len(primes), written=written)
        if not primes:
            partial = self.code_partial(written)
            if partial is not None:
                return partial
        if (
            primes
            and self.context is not None
            and self.context.is_matrix(written)
            and not self.context.is_declared(written + primes)
            and (self.prime_in_product() or self.follows_factor(token))
        ):
            # X'X: a prime on a declared matrix in a product is a transpose
            # (econometrics, MATLAB); w' alone (w' = w - eta g) is a new value
            value = self.symbol_for(self.resolve(written))
            note = f"read {written}{primes} as the transpose of {written}"
            if note not in self.state.notes:
                self.state.notes.append(note)
            return self.transpose(value) if len(primes) % 2 else value
        if primes and self.context is not None:
            derivative = self.prime_derivative(written, resolved_plain, primes)
            if derivative is not None:
                return derivative
        if primes:
            written += primes
        if written == "e" and not self.declared("e") and not self.defines_name(token):
            return sympy.E
        if written == "pi" and not self.declared("pi"):
            return sympy.pi
        if written == "R" and not self.declared("R"):
            # R^{n \times d} (OCR's \mathbb{R}), or any R right after \in
            if self.at("SYM", "^") and (self.after_in or self.exponent_has_times()):
                self.advance()
                return Space(self.space_shape())
            if self.after_in:
                return Space(None)
        resolved = self.resolve(written)
        value = self.symbol_for(resolved)
        if self.context is not None and self.at("SYM", "(") and not self.peek().space_before:
            self.skip_variables_of(written, resolved)
        return value

    def code_partial(self, written: str) -> Any:
        """``dL_dz2`` (a partial named as in code): ``d(L)/d(z2)``, when the
        context knows both names and does not declare ``dL_dz2`` itself."""
        match = _CODE_PARTIAL.match(written)
        context = self.context
        if match is None or context is None or context.is_declared(written):
            return None
        of = context.resolve_alias(match.group(1))
        wrt = context.resolve_alias(match.group(2))
        if not (context.is_declared(of) and context.is_declared(wrt)):
            return None
        self.note(f"read {written} as the partial derivative d{of}/d{wrt}")
        return derivative_symbol(of=of, wrt=wrt, context=context)

    def follows_factor(self, token: Token) -> bool:
        """Before ``X'``: a factor (``X X'``, ``y^T X'``): a product, so the prime
        is a transpose, not the new value a statement's first name may carry."""
        index = next((i for i, t in enumerate(self.tokens) if t is token), 0)
        if index == 0:
            return False
        previous = self.tokens[index - 1]
        if previous.kind in ("IDENT", "NUM"):
            return True
        if previous.kind == "SYM":
            return previous.text in (")", "]", "}", "'", "*", "@")
        return previous.kind == "CMD" and previous.text in ("cdot", "times")

    def prime_in_product(self) -> bool:
        """After ``X'``: a factor follows (``X'X``, ``X' y``, ``X'*y``, ``X'(y - Xb)``)."""
        token = self.peek()
        if token.kind == "SYM" and token.text in ("*", "@"):
            return True
        if token.kind == "CMD" and token.text in ("cdot", "times"):
            return True
        return self.starts_atom(token)

    def prime_derivative(self, written: str, resolved: str, primes: str) -> Any:
        """``\\ell'(p)``: Lagrange's notation for the derivative of a quantity the
        context defines, with respect to the one scalar in the parentheses
        (-> ``d(l)/d(p)``). None otherwise: ``w_1'`` (a new value of w1) and
        ``f'(x)`` of an undefined f keep their meaning."""
        context = self.context
        if (
            len(primes) != 1
            or resolved not in context.definition_sources
            or context.is_declared(written + primes)
            or not self.at("SYM", "(")
            or self.peek().space_before
        ):
            return None
        close = self.matching_paren(self.pos)
        if close is None or any(
            t.kind == "SYM" and t.text == "," for t in self.tokens[self.pos + 1 : close]
        ):
            return None
        wrt = self.peek_name(self.pos + 1, close)
        if wrt is None:
            return None
        if context.is_matrix(wrt):
            # J'(\beta) of a scalar J: its gradient, shaped like beta (denominator layout)
            if context.is_matrix(resolved):
                return None
            self.state.notes.append(
                f"read {written}'({wrt}) as the gradient of {resolved} with respect to {wrt}"
            )
        else:
            self.state.notes.append(f"read {written}'({wrt}) as the derivative d{resolved}/d{wrt}")
        self.pos = close + 1
        return derivative_symbol(of=resolved, wrt=wrt, context=context)

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
        names = []
        start = self.pos + 1
        for index in range(self.pos + 1, close + 1):
            token = self.tokens[index]
            if index == close or (token.kind == "SYM" and token.text == ","):
                names.append(self.peek_name(start, index))
                start = index + 1
        if not defined and not all(name is not None and context.is_matrix(name) for name in names):
            return
        arguments = ", ".join(name or "?" for name in names)
        self.state.notes.append(
            f"read {written}({arguments}) as {resolved} (a quantity written with its variables)"
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
        if not self.at("SYM", "^"):
            return written
        label = self.peek(1)
        if label.kind == "SYM" and label.text == "{":
            inner = self.peek(2)
            closing = self.peek(3)
            if closing.kind == "SYM" and closing.text == "}":
                label = inner
        if label.kind == "TEXT" or (
            label.kind == "SYM"
            and label.text == "*"
            or label.kind == "CMD"
            and label.text in ("ast", "star")
        ):
            # w^{\text{new}} -> w_new; \beta^{*} -> beta_star
            text = "star" if label.kind != "TEXT" else "".join(label.text.split())
            self.pos = self.tokens.index(label, self.pos) + 1
            if self.at("SYM", "}"):
                self.advance()
            return join_subscript(written, text) if text else written
        if not self.at("SYM", "{", 1):
            return written
        tokens = self.tokens
        start = self.pos + 2
        if start + 3 >= len(tokens):
            return written
        step_label = self.step_superscript(start)
        if step_label is not None:
            return join_subscript(written, step_label)
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

    def defines_name(self, token: Token) -> bool:
        """``e = X\\beta - y`` at the start of a statement names a quantity e
        (it is not Euler's number, which nobody defines)."""
        if not self.tokens or self.tokens[0] is not token:
            return False
        following = self.peek()
        return following.kind == "SYM" and following.text in ("=", ":=")

    def step_superscript(self, start: int) -> str | None:
        """``w^{(t+1)}``, ``w^{(k-1)}``: an iteration label ``t+1`` (the name
        ``w_t+1``, like ``w_{t+1}``), not a power; ``w^{new}``, ``w^{old}``
        likewise. ``start`` is after ``^{``."""
        word = ""
        index = start
        while index < len(self.tokens) and self.tokens[index].kind == "IDENT" and len(word) < 8:
            word += self.tokens[index].text
            index += 1
        if (
            word in ("new", "old", "next")
            and index < len(self.tokens)
            and self.tokens[index].kind == "SYM"
            and self.tokens[index].text == "}"
        ):
            self.pos = index + 1  # w^{new}: like w_{new}
            return word
        tokens = self.tokens[start : start + 7]
        if len(tokens) < 7:
            return None
        opening, index, sign, number, closing, brace = tokens[:6]
        if not (
            opening.text == "("
            and index.kind == "IDENT"
            and index.text in ("t", "k", "tau", "n", "i")
            and sign.kind == "SYM"
            and sign.text in ("+", "-")
            and number.kind == "NUM"
            and closing.text == ")"
            and brace.kind == "SYM"
            and brace.text == "}"
        ):
            return None
        self.pos = start + 6
        return f"{index.text}{sign.text}{number.text}"

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
        builtin = name in FUNCTIONS and not (
            self.context is not None and name in self.context.functions
        )
        if builtin and name in ("tr", "trace", "det"):
            if len(arguments) != 1 or primes:
                raise ValueError(f"{name} takes one matrix")
            if not is_matrix(arguments[0]):
                return arguments[0]  # the trace/determinant of a number is the number
            return FUNCTIONS[name](arguments[0])
        if builtin and name == "diag":
            # diag(s): a square matrix with the vector s on its diagonal
            if len(arguments) != 1 or primes:
                raise ValueError("diag takes one vector")
            vector = arguments[0]
            if not is_matrix(vector):
                return vector  # a 1x1 diagonal matrix is the number it holds
            rows, cols = vector.shape
            if rows != 1 and cols != 1:
                raise ValueError("diag of a matrix is not read; diag takes a vector")
            return FUNCTIONS[name](vector if cols == 1 else vector.T)
        if builtin and name in ("max", "min"):
            return FUNCTIONS[name](*[self.as_scalar(a) for a in arguments])
        if builtin and name == "log" and base_of_log is not None:
            if is_matrix(arguments[0]) and not is_one_by_one(arguments[0]):
                raise ValueError("the argument is a matrix")
            return sympy.log(self.as_scalar(arguments[0]), self.as_scalar(base_of_log))
        function = FUNCTIONS[name] if builtin else sympy.Function(name)
        if primes or any(is_matrix(a) and not is_one_by_one(a) for a in arguments):
            if len(arguments) != 1:
                raise ValueError(
                    "only a function of one argument can be differentiated or applied to a matrix"
                )
            variable = FUNCTION_VARIABLE
            body = function(variable)
            if primes:
                body = body.diff(variable, primes)
            argument = arguments[0]
            if is_matrix(argument) and not is_one_by_one(argument):
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
        if is_matrix(value) and is_one_by_one(value):
            return sympy.Trace(value)
        return value
