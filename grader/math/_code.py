"""Code-like math for the math parser: NumPy as students type it in answers.

- ``X.T`` (transpose), ``X.dot(y)``, ``X.transpose()``: methods after a dot;
- ``X.T @ X``: ``@`` is the matrix product;
- ``np.linalg.inv(A)``, ``np.dot(X, beta)``, ``scipy.special.expit(z)``:
  a module prefix only says where a function lives, the function is read by
  what it computes; an unknown one (``np.sum``) is refused, never read as a
  product of names;
- ``inv(X^T X)``, ``inverse(...)``, ``pinv(X)``, ``transpose(X)``, ``dot``,
  ``matmul``, ``multiply`` (entrywise), ``outer``, ``inner``, ``solve``,
  ``sum``, ``mean`` and ``norm`` (NumPy's: the 2-norm of a vector, the
  Frobenius norm of a matrix); ``X.sum()``, ``X.mean()``;
- in a NumPy line (one with ``@``, a ``.T``-style method or a module prefix),
  arrays behave as in NumPy: ``*`` between two matrices is the entrywise
  product, never a matrix product (``X.T * X`` is a Hadamard product, a shape
  error unless square), ``**`` and ``/`` by an array work entry by entry, and a
  number added to an array is added to every entry.

A name the context declares keeps its meaning (a context that declares
``inv`` or ``np`` gets its own symbol).
"""

from __future__ import annotations

from typing import Any

import sympy

from grader.math._lexer import Token
from grader.math._linear_algebra import Ones
from grader.math._names import BUILTIN_FUNCTIONS, CODE_FUNCTIONS, CODE_MODULES
from grader.math._syntax import is_matrix, is_one_by_one, matmul, transpose_of


class CodeMixin:
    """Methods of :class:`grader.math._grammar.Parser` (see the module docs)."""

    def code_line(self) -> bool:
        """Whether the statement is written in NumPy (``@``, ``X.T``, ``np.``):
        then ``*`` between two matrices is entrywise."""
        cached = getattr(self, "_code_line", None)
        if cached is None:
            tokens = self.tokens
            cached = any(
                token.kind == "SYM"
                and (
                    token.text == "@"
                    or (
                        token.text == "."
                        and 0 < index < len(tokens) - 1
                        and is_method_dot(tokens[index - 1], token, tokens[index + 1])
                    )
                )
                for index, token in enumerate(tokens)
            )
            self._code_line = cached
        return cached

    def starts_method(self) -> bool:
        """A ``.`` touching a name after a value: ``X.T``, ``(A).dot(b)``."""
        token = self.peek()
        following = self.peek(1)
        return (
            token.kind == "SYM"
            and token.text == "."
            and not token.space_before
            and following.kind == "IDENT"
            and not following.space_before
        )

    def method_call(self, value: Any, token: Token) -> Any:
        """``.T``, ``.transpose()``, ``.dot(other)`` after ``value``."""
        self.advance()  # the dot
        name_token = self.advance()
        name = name_token.text
        self.check_value(value, token)
        if name == "T":
            return self.transpose(value)
        if name == "transpose" and self.at("SYM", "(") and self.at("SYM", ")", 1):
            self.pos += 2
            return self.transpose(value)
        if name in ("sum", "mean") and self.at("SYM", "(") and self.at("SYM", ")", 1):
            self.pos += 2
            return self.total(value, name, name_token)
        if name == "dot" and self.at("SYM", "("):
            arguments = self.call_arguments()
            if len(arguments) != 1:
                raise self.fail(f".dot takes one argument (column {name_token.pos})", name_token)
            self.check_value(arguments[0], name_token)
            return self.dot_product(value, arguments[0], name_token)
        raise self.fail(
            f"the method .{name} is not read (column {name_token.pos}); "
            "write it as math (X.T, X.dot(y), X.transpose(), X.sum(), X.mean() are read)",
            name_token,
        )

    def try_code_call(self) -> Any:
        """At a name: a module prefix (``np.linalg.``) and the function after
        it, or a code function (``inv(``). ``None`` when neither: the name is
        read as usual (the position is then after any prefix)."""
        start = self.pos
        prefix: list[str] = []
        while (
            self.peek().kind == "IDENT"
            and self.peek().text in CODE_MODULES
            and not self.declared(self.peek().text)
            and self.at("SYM", ".", 1)
            and not self.peek(1).space_before
            and self.peek(2).kind == "IDENT"
            and not self.peek(2).space_before
        ):
            prefix.append(self.peek().text)
            self.pos += 2
        token = self.peek()
        name = token.text
        if (
            token.kind == "IDENT"
            and name in CODE_FUNCTIONS
            and not self.declared(name)
            and self.at("SYM", "(", 1)
            and not self.peek(1).space_before
        ):
            self.advance()
            return self.code_function(name, token)
        if not prefix:
            self.pos = start
            return None
        if name in BUILTIN_FUNCTIONS:
            return None  # np.exp(z): the built-in exp, read as usual
        if name in ("inf", "infty"):
            self.advance()
            return sympy.oo
        if name == "pi":
            self.advance()
            return sympy.pi
        if name == "e":
            self.advance()
            return sympy.E
        dotted = ".".join([*prefix, name])
        raise self.fail(f"the function {dotted} is not read (column {token.pos})", token)

    def code_function(self, name: str, token: Token) -> Any:
        """``inv(A)``, ``dot(X, b)``, ``norm(v)`` ...: what NumPy computes."""
        arguments = self.call_arguments()
        for argument in arguments:
            self.check_value(argument, token)
        expected = 2 if name in ("dot", "matmul", "multiply", "outer", "inner", "solve") else 1
        if name == "norm" and len(arguments) == 2:
            expected = 2
        if len(arguments) != expected:
            raise self.fail(
                f"{name} takes {expected} argument{'s' if expected > 1 else ''}, "
                f"not {len(arguments)} (column {token.pos})",
                token,
            )
        first = arguments[0]
        if name in ("inv", "inverse"):
            return self.inverse(first, token)
        if name == "pinv":
            return self.pseudo_inverse(first, token)
        if name == "transpose":
            return self.transpose(first)
        if name == "norm":
            return self.code_norm(arguments, token)
        if name in ("sum", "mean"):
            return self.total(first, name, token)
        second = arguments[1]
        if name == "solve":  # np.linalg.solve(A, b): the x with A x = b
            return self.multiply(self.inverse(first, token), second, token)
        if name == "dot":
            return self.dot_product(first, second, token)
        if name == "matmul":
            return self.multiply(first, second, token)
        if name == "multiply":
            return self.hadamard(first, second, token)
        if name == "outer":
            return self.multiply(first, self.transpose(second), token)
        return self.multiply(self.transpose(first), second, token)  # inner

    def dot_product(self, left: Any, right: Any, token: Token) -> Any:
        """``np.dot``: the matrix product, and for two vectors of one length
        (NumPy's 1-D arrays) their inner product ``a^T b``."""
        if (
            is_matrix(left)
            and is_matrix(right)
            and not is_one_by_one(left)
            and left.shape == right.shape
            and left.shape[1] == 1
        ):
            note = "read dot(a, b) of two vectors as the inner product a^T b"
            if note not in self.state.notes:
                self.state.notes.append(note)
            return matmul(transpose_of(left), right)
        return self.multiply(left, right, token)

    def total(self, value: Any, name: str, token: Token) -> Any:
        """``np.sum(v)``, ``v.sum()``: the sum of the entries, ``1^T v`` (``1^T M 1``);
        ``np.mean``: that over the number of entries (``n`` as a scalar, as in
        ``\\frac{1}{n}``). Of a number it is refused: ``sum(x_i)`` means a sum
        over an index, which the sum notation says."""
        if not is_matrix(value):
            raise self.fail(
                f"{name}(...) of a number is not read (column {token.pos}): write the "
                "sum over its index, e.g. \\sum_{i=1}^n x_i",
                token,
            )
        if is_one_by_one(value):
            return value
        rows, cols = value.shape
        total = value if rows == 1 else matmul(Ones(1, rows), value)
        if cols != 1:
            total = matmul(total, Ones(cols, 1))
        if name == "sum":
            return total
        # the number of entries: the same n a student writes in \frac{1}{n} (a dimension)
        return matmul(sympy.Pow(rows * cols, -1), total)

    def code_norm(self, arguments: list[Any], token: Token) -> Any:
        """``np.linalg.norm(x)`` (2-norm of a vector, Frobenius of a matrix) and
        ``norm(x, 1)``, ``norm(x, 2)``, ``norm(x, np.inf)``."""
        label = None
        if len(arguments) == 2:
            order = arguments[1]
            if order == sympy.oo:
                label = "inf"
            elif order in (1, 2):
                label = str(order)
            else:
                raise self.fail(f"norm of order {order} is not read (column {token.pos})", token)
        return self.norm_of(arguments[0], label, squared=False, token=token)


def is_method_dot(before: Token, dot: Token, after: Token) -> bool:
    """``X.T``, ``A).dot``: a dot touching a value on the left and a name on the right."""
    return (
        (before.kind == "IDENT" or before.text in (")", "]"))
        and not dot.space_before
        and after.kind == "IDENT"
        and not after.space_before
    )
