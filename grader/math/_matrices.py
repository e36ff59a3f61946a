"""Matrix notation for the math parser: norms and absolute values, entrywise
products, the pseudo-inverse, vectors of ones and zeros (``\\mathbf{1}``,
``1_n``), ``\\begin{bmatrix}`` environments (explicit or with dots), and the
spaces of shape statements (``\\mathbb{R}^{n \\times (d+1)}``)."""

from __future__ import annotations

from typing import Any

import sympy

from grader.math._lexer import Token
from grader.math._linear_algebra import Hadamard, Norm, Ones, PseudoInverse
from grader.math._names import FONT_COMMANDS
from grader.math._syntax import (
    ELLIPSES,
    ELLIPSIS,
    MATRIX_ENVIRONMENTS,
    ShapeOnly,
    Space,
    definitely_different,
    is_matrix,
    is_one_by_one,
    matmul,
    transpose_of,
    unchecked,
)


class MatricesMixin:
    """Methods of :class:`grader.math._grammar.Parser` (see the module docs)."""

    def bars(self) -> Any:
        """``|x|``: the absolute value of a scalar (or of a 1x1 matrix). Of a
        vector or a matrix it is refused: ``|v|`` may mean a norm, a length or
        (``|A|``) a determinant."""
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
        if is_one_by_one(value):
            return sympy.Abs(sympy.Trace(value))
        if is_matrix(value):
            rows, cols = value.shape
            what = "a vector" if 1 in (rows, cols) else "a matrix"
            instead = r"\|v\|" if 1 in (rows, cols) else r"\det(A) or \|A\|_F"
            raise self.fail(
                f"|...| of {what} ({self.shape_text(value)}) is ambiguous (column "
                f"{open_token.pos}): write {instead}",
                open_token,
            )
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
        """After the closing bars: the label (``_2``, ``_F``, ``_1``,
        ``_\\infty``) and a square (``^2``), in either order."""
        self.check_value(value, token)
        label = None
        squared = False
        for _ in range(2):
            if label is None and self.at("SYM", "_"):
                label = self.norm_label()
            elif not squared and self.at("SYM", "^") and self.exponent_is_two():
                squared = True
        return self.norm_of(value, label, squared=squared, token=token)

    def norm_label(self) -> str:
        """``_2``, ``_{2}``, ``_F``, ``_1``, ``_\\infty``, ``_{\\infty}``, ``_inf``."""
        if self.at("CMD", "infty", 1):
            self.pos += 2
            return "inf"
        if self.at("SYM", "{", 1) and self.at("CMD", "infty", 2) and self.at("SYM", "}", 3):
            self.pos += 4
            return "inf"
        label = self.subscript_text()
        return "inf" if label in ("inf", "infty", "max") else label

    def exponent_is_two(self) -> bool:
        """At ``^``: consume ``^2`` / ``^{2}`` and say so; anything else stays."""
        if self.at("NUM", "2", 1):
            self.pos += 2
            return True
        if self.at("SYM", "{", 1) and self.at("NUM", "2", 2) and self.at("SYM", "}", 3):
            self.pos += 4
            return True
        return False

    def norm_of(self, value: Any, label: str | None, *, squared: bool, token: Token) -> Any:
        """The norm of ``value``: the Euclidean norm of a vector is ``sqrt(v^T v)``
        (``_2``, ``_F`` or no label), the Frobenius norm of a matrix
        ``sqrt(tr(X^T X))`` (``_F`` or no label); ``_2`` of a matrix is the
        spectral norm, ``_1`` and ``_\\infty`` of a vector the sum and the
        largest of the absolute values (:class:`Norm`). Of a scalar: ``Abs``."""
        if label not in (None, "2", "F", "1", "inf"):
            raise self.fail(
                f"the norm _{label} is not read (column {token.pos}): the 2-norm, "
                "the Frobenius norm (_F), _1 and _\\infty are"
            )
        if not is_matrix(value) or is_one_by_one(value):
            scalar = sympy.Trace(value) if is_matrix(value) else value
            return scalar**2 if squared else sympy.Abs(scalar)
        rows, cols = value.shape
        vector = cols == 1 or rows == 1
        if label in ("1", "inf"):
            if not vector:
                raise self.fail(
                    f"the norm _{label} of a matrix is ambiguous (column {token.pos}): "
                    "entrywise or induced; write it as a sum",
                    token,
                )
            node = Norm(value, 1 if label == "1" else sympy.oo)
            return node**2 if squared else node
        if label == "2" and not vector:
            node = Norm(value, 2)  # the spectral norm: the largest singular value
            return node**2 if squared else node
        if cols == 1:
            inner = matmul(transpose_of(value), value)
        elif rows == 1:
            inner = matmul(value, transpose_of(value))
        else:
            inner = sympy.Trace(matmul(transpose_of(value), value))  # Frobenius norm squared
        if squared:
            return inner
        return sympy.MatPow(inner, sympy.S.Half) if is_matrix(inner) else sympy.sqrt(inner)

    def hadamard(self, left: Any, right: Any, token: Token) -> Any:
        """``a \\odot b``: the entrywise product of two matrices of one shape
        (``HadamardProduct``, never a matrix product); with a scalar (or a 1x1
        matrix) it is the ordinary product."""
        self.check_value(left, token)
        self.check_value(right, token)
        if not (is_matrix(left) and is_matrix(right)) or (
            is_one_by_one(left) or is_one_by_one(right)
        ):
            return self.multiply(
                self.as_scalar(left) if is_matrix(right) else left,
                self.as_scalar(right) if is_matrix(left) else right,
                token,
            )
        left, right = self.unify_shapes(left, right)
        for operand in (left, right):
            # a \odot (1 - a): next to an entrywise product, 1 is 1 in every entry
            problem = self.broadcast_sums.pop(operand, None)
            if problem is not None and problem in self.state.shape_problems:
                self.state.shape_problems.remove(problem)
                self.note(
                    "read a number plus a vector in an entrywise product as added to every entry"
                )
        if any(definitely_different(a, b) for a, b in zip(left.shape, right.shape, strict=True)):
            self.state.shape_problems.append(
                f"multiplies entry by entry a {self.shape_text(left)} matrix and a "
                f"{self.shape_text(right)} matrix (column {token.pos})"
            )
        return unchecked(Hadamard, left, right)

    def entrywise_power(self, base: Any, exponent: Any, token: Token) -> Any:
        """NumPy's ``M**k`` of an array: every entry to the power ``k`` (a whole
        number; a fractional power of entries that may be negative is refused)."""
        if not (getattr(exponent, "is_Integer", False)):
            raise self.fail(
                f"an entrywise power must be a whole number (column {token.pos})", token
            )
        rows, cols = base.shape
        if rows == cols:
            # A**2, (X.T @ X)**-1: NumPy squares entries, the writer may mean A A or A^{-1}
            raise self.fail(
                f"** of a square matrix is ambiguous (column {token.pos}): NumPy's "
                "entrywise power or the matrix power; write np.linalg.inv(A) for the "
                "inverse, A^k for the matrix power",
                token,
            )
        self.note("read ** of an array as NumPy does: entry by entry")
        if exponent == 1:
            return base
        return sympy.HadamardPower(base, exponent)

    def entrywise_divide(self, left: Any, right: Any, token: Token) -> Any:
        """NumPy's ``a / M``: entry by entry (``1 / (1 + np.exp(-z))``)."""
        self.note("read / by an array as NumPy does: entry by entry")
        reciprocal = sympy.HadamardPower(right, -1)
        if is_matrix(left) and not is_one_by_one(left):
            return self.hadamard(left, reciprocal, token)
        return self.multiply(self.as_scalar(left) if is_matrix(left) else left, reciprocal, token)

    def note(self, text: str) -> None:
        """A reading worth showing the student (once per line)."""
        if text not in self.state.notes:
            self.state.notes.append(text)

    def pseudo_inverse(self, value: Any, token: Token) -> Any:
        """``X^{+}``, ``X^\\dagger``, ``pinv(X)``: the Moore-Penrose pseudo-inverse."""
        self.check_value(value, token)
        if not is_matrix(value):
            return sympy.Pow(value, -1)
        if is_one_by_one(value):
            return self.inverse(value, token)
        return PseudoInverse(value)

    # -- vectors of ones and zeros: \mathbf{1}, 1_n, \mathbf{0}

    def try_ones(self) -> Any:
        """``\\mathbf{1}``, ``\\mathbf 1``, ``\\mathbb{1}``, ``\\mathbf{1}_n``,
        ``1_n`` (and the same with 0): a column of ones (of zeros). Its length
        is the subscript, else the one the expression needs (``\\mathbf{1}^T y``:
        the length of y), found when it meets another matrix."""
        start = self.pos
        token = self.peek()
        if token.kind == "NUM":
            if token.text not in ("0", "1") or not self.at("SYM", "_", 1):
                return None
            if self.peek(1).space_before:
                return None
            self.advance()
            digit = token.text
        elif token.kind == "CMD" and (token.text in FONT_COMMANDS or token.text == "mathbb"):
            if self.at("SYM", "{", 1) and self.at("SYM", "}", 3):
                inner = self.peek(2)
                skip = 4
            elif self.at("SYM", "{", 1) and self.at("SYM", "_", 3):  # \mathbf{1_n}
                inner = self.peek(2)
                if inner.kind != "NUM" or inner.text not in ("0", "1"):
                    return None
                close = self.group_end(self.pos + 1)
                self.pos += 3
                value = self.sized_ones(inner.text, start)
                if self.pos != close:
                    raise self.unexpected()
                self.pos = close + 1
                return value
            else:
                inner = self.peek(1)
                skip = 2
            if inner.kind != "NUM" or inner.text not in ("0", "1"):
                return None
            self.pos += skip
            digit = inner.text
        else:
            return None
        return self.sized_ones(digit, start)

    def sized_ones(self, digit: str, start: int) -> Any:
        """After the 1 (or 0): the optional subscript that gives the length."""
        length = None
        if self.at("SYM", "_"):
            from grader.math.context import _parse_dimension

            subscript_token = self.peek(1)
            text = self.subscript_text()
            try:
                length = _parse_dimension(text)
            except ValueError:
                self.pos = start
                raise self.fail(
                    f"cannot read the length {text!r} of a vector of {'ones' if digit == '1' else 'zeros'} "
                    f"(column {subscript_token.pos})",
                    subscript_token,
                ) from None
        if digit == "1":
            return Ones(length if length is not None else self.pending_dimension(), 1)
        if length is not None:
            return sympy.ZeroMatrix(length, 1)
        return sympy.ZeroMatrix(self.pending_dimension(), self.pending_dimension())

    def pending_dimension(self) -> Any:
        """A length still to be found (a column of ones written without it)."""
        dimension = sympy.Dummy("k", integer=True, positive=True)
        self.pending_dims.add(dimension)
        return dimension

    def pending(self, dimension: Any) -> bool:
        return dimension in self.pending_dims

    def unify_shapes(self, *values: Any) -> list[Any]:
        """Values of one shape (a sum, an entrywise product): a pending length
        takes the other's."""
        if not self.pending_dims or len(values) < 2:
            return list(values)
        binding: dict[Any, Any] = {}
        first = values[0]
        for value in values[1:]:
            if not is_matrix(value) or not is_matrix(first):
                continue
            for a, b in zip(first.shape, value.shape, strict=True):
                self.bind(a, b, binding)
        return self.substitute(list(values), binding)

    def bind(self, a: Any, b: Any, binding: dict[Any, Any]) -> None:
        a, b = binding.get(a, a), binding.get(b, b)
        if a == b:
            return
        if self.pending(a):
            binding[a] = b
        elif self.pending(b):
            binding[b] = a

    def substitute(self, values: list[Any], binding: dict[Any, Any]) -> list[Any]:
        if not binding:
            return values
        for dimension in binding:
            self.pending_dims.discard(dimension)
        return [
            value.xreplace(binding) if hasattr(value, "xreplace") else value for value in values
        ]

    def finish_pending(self, value: Any) -> Any:
        """At the end of a term: a zero vector nothing sized is the number 0
        (``= \\mathbf{0}``: the other side's shape is given later); any other
        vector of ones or zeros nothing sized cannot be read."""
        if not self.pending_dims or not is_matrix(value):
            return value
        if isinstance(value, sympy.ZeroMatrix) and any(self.pending(d) for d in value.shape):
            self.pending_dims -= set(value.shape)
            return sympy.S.Zero
        constants = value.atoms(sympy.OneMatrix, sympy.ZeroMatrix)
        if any(self.pending(d) for atom in constants for d in atom.shape):
            raise self.fail(
                "cannot tell the size of a vector of ones or zeros: write it with a "
                "subscript, e.g. \\mathbf{1}_n",
                self.peek(),
            )
        return value

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
