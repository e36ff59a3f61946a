"""Matrix notation for the math parser: norms and absolute values,
``\\begin{bmatrix}`` environments (explicit or with dots), and the spaces of
shape statements (``\\mathbb{R}^{n \\times (d+1)}``)."""

from __future__ import annotations

from typing import Any

import sympy

from grader.math._lexer import Token
from grader.math._syntax import (
    ELLIPSES,
    ELLIPSIS,
    MATRIX_ENVIRONMENTS,
    ShapeOnly,
    Space,
    is_matrix,
    matmul,
    transpose_of,
)


class MatricesMixin:
    """Methods of :class:`grader.math._grammar.Parser` (see the module docs)."""

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
        if self.at("SYM", "_"):
            # \|v\|_2, \|A\|_F: the Euclidean / Frobenius norm is the one read anyway
            saved = self.pos
            label = self.subscript_text()
            if label not in ("2", "F"):
                self.pos = saved
                raise self.fail(
                    f"only the 2-norm and the Frobenius norm are supported, not _{label} "
                    f"(column {self.peek().pos})"
                )
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
            inner = matmul(transpose_of(value), value)
        elif rows == 1:
            inner = matmul(value, transpose_of(value))
        else:
            inner = sympy.Trace(matmul(transpose_of(value), value))  # Frobenius norm squared
        if squared:
            return inner
        return sympy.MatPow(inner, sympy.S.Half) if is_matrix(inner) else sympy.sqrt(inner)

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

    def space_shape(self) -> tuple[Any, Any] | None:
        """After ``\\mathbb{R}^``: read ``{n \\times (d+1)}``, ``{d+1 \\times 1}``, ``d``.

        The exponent is split at the top-level ``\\times`` first, so OCR's
        ``d+1 \\times 1`` (no braces) reads as ``(d+1) x 1``.
        """
        start, end, resume = self.exponent_range()
        if start < 0 and self.at("SYM", "("):  # typed R^(n x 1)
            start, end, resume = self.paren_range()
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
                or (_is_typed_times(token) and start < index < end - 1)
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

    def exponent_has_times(self) -> bool:
        if self.at("SYM", "{", 1):
            start = self.pos + 1
            end = self.group_end(start)
        elif self.at("SYM", "(", 1):
            self.pos += 1
            try:
                _, end, _ = self.paren_range()
            finally:
                self.pos -= 1
            start = self.pos + 1
        else:
            return False
        return any(
            (t.kind == "CMD" and t.text == "times")
            or (_is_typed_times(t) and start + 1 < i < end - 1)
            for i, t in enumerate(self.tokens[start:end], start)
        )

    def paren_range(self) -> tuple[int, int, int]:
        """(first, end, resume) of the ``(...)`` group at the current position."""
        depth = 0
        for index in range(self.pos, len(self.tokens)):
            token = self.tokens[index]
            if token.kind == "SYM" and token.text == "(":
                depth += 1
            elif token.kind == "SYM" and token.text == ")":
                depth -= 1
                if depth == 0:
                    return self.pos + 1, index, index + 1
        raise self.fail(f"unclosed '(' at column {self.peek().pos}", self.peek())


def _is_typed_times(token: Any) -> bool:
    """A typed ``x`` between two dimensions of a space: ``R^{n x 1}``."""
    return token.kind == "IDENT" and token.text in ("x", "X")
