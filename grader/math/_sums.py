"""Sums, products and empirical means over an index for the math parser:
``\\sum_{i=1}^n``, ``\\sum_i``, ``\\prod_{i=1}^{n}``, ``\\Sigma_i``,
``\\mathbb{E}_i[...]``, and the index ties that say what ``x_i`` and ``y_i``
are inside them (docs/math-context.md, "Sums over an index").

A summand runs up to the next ``+`` or ``-`` at its own level, or a relation,
as mathematicians read it: ``\\sum_i x_i x_i^T + \\lambda I`` sums only
``x_i x_i^T``; ``\\sum_i (y_i - x_i^T\\beta)^2`` sums the squared group; a
term after it that still uses the index belongs to it (``\\sum_i a_i + b_i``
is ``\\sum_i (a_i + b_i)``: an index outside its sum would mean nothing).

Inside a sum over ``i``, ``x_i`` is tied to a declared matrix: by the
context (``x_i: row i of X``) or by the documented default (an undeclared
lowercase ``x_i`` is row i of a declared matrix ``X``, or entry i of a
declared vector ``x``). Which one is never guessed: two candidates, or a
range that does not match the matrix's rows, make the line unreadable with
the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy

from grader.math._indexed import PRODUCT, SUM, IndexedSum, Tie
from grader.math._lexer import MathParseError, Token
from grader.math._syntax import is_matrix, is_one_by_one


@dataclass
class IndexScope:
    """One sum being read: its index, range, and the ties its body used."""

    index: str
    lower: Any
    upper: Any  # a dimension expression, an integer, or None (not written)
    token: Token
    ties: dict[str, Tie] = field(default_factory=dict)

    @property
    def count(self) -> Any:
        if self.upper is None:
            return None
        return sympy.expand(self.upper - self.lower + 1)


class SumsMixin:
    """Methods of :class:`grader.math._grammar.Parser` (see the module docs)."""

    # ----------------------------------------------------------- \sum, \prod

    def is_sigma_sum(self, token: Token) -> bool:
        """``\\Sigma_{i=1}^n`` (and Unicode ``Σ``) is a sum unless the context
        declares ``Sigma`` (a covariance matrix)."""
        return (
            token.kind == "CMD"
            and token.text == "Sigma"
            and not self.declared("Sigma")
            and (self.at("SYM", "_", 1) or self.at("SYM", "^", 1))
        )

    def index_sum(self, token: Token) -> Any:
        """``\\sum_{i=1}^n body`` (or ``\\prod``): an :class:`IndexedSum`."""
        self.advance()
        op = PRODUCT if token.text == "prod" else SUM
        while self.at("CMD", "limits") or self.at("CMD", "nolimits"):
            self.advance()
        index, lower, upper = None, sympy.S.One, None
        for _ in range(2):
            if self.at("SYM", "_") and index is None:
                self.advance()
                index, lower = self.index_subscript(token)
            elif self.at("SYM", "^") and upper is None:
                self.advance()
                upper = self.index_upper(token)
        if index is None:
            raise self.fail(
                f"a sum needs its index: write \\sum_{{i=1}}^n or \\sum_i (column {token.pos})",
                token,
            )
        scope = IndexScope(index, lower, upper, token)
        body = self.scoped_body(scope, lambda: self.summand(scope), token)
        if op == PRODUCT and is_matrix(body) and not is_one_by_one(body):
            raise self.fail(f"a product over {index} of matrices (column {token.pos})", token)
        return self.build_sum(scope, body, op)

    def summand(self, scope: IndexScope) -> Any:
        """The terms of a sum: up to the next ``+``/``-`` at this level, and on
        over the terms after it that still use the index (``\\sum_i y_i \\log p_i
        + (1 - y_i) \\log(1 - p_i)``: an ``i`` outside its sum means nothing)."""
        body = self.expression(10)
        while self.at("SYM", "+") or self.at("SYM", "-"):
            saved = (
                self.pos,
                dict(scope.ties),
                list(self.state.notes),
                dict(self.state.unknown_names),
            )
            sign = self.advance().text
            try:
                term = self.expression(10)
            except MathParseError:
                term = None
            bound = {tie.symbol for tie in scope.ties.values()}
            if term is None or not (getattr(term, "free_symbols", set()) & bound):
                self.pos, scope.ties, self.state.notes, self.state.unknown_names = saved
                break
            body = body + term if sign == "+" else body - term
        return body

    def index_subscript(self, token: Token) -> tuple[str, Any]:
        """``{i=1}``, ``{i}``, ``i``: the index letter and where it starts."""
        if not self.at("SYM", "{"):
            name = self.advance()
            if name.kind != "IDENT" or len(name.text) != 1:
                raise self.fail(f"cannot read the index of the sum at column {name.pos}", name)
            return name.text, sympy.S.One
        end = self.group_end(self.pos)
        inner = self.tokens[self.pos + 1 : end]
        if not inner or inner[0].kind != "IDENT" or len(inner[0].text) != 1:
            raise self.fail(f"cannot read the index of the sum at column {token.pos}", token)
        index = inner[0].text
        if len(inner) == 1:
            self.pos = end + 1
            return index, sympy.S.One
        if not (inner[1].kind == "SYM" and inner[1].text == "="):
            raise self.fail(
                f"cannot read the range of the sum at column {inner[1].pos}: "
                f"write \\sum_{{{index}=1}}^n",
                inner[1],
            )
        lower = self.parse_range(self.pos + 3, end, end + 1)
        if is_matrix(lower) or not sympy.sympify(lower).is_Integer:
            raise self.fail(
                f"the sum over {index} must start at a whole number (column {token.pos})", token
            )
        return index, lower

    def index_upper(self, token: Token) -> Any:
        """``^n``, ``^{n}``, ``^{N-1}``: the last value, in dimension symbols."""
        start, end, resume = self.argument_range()
        value = self.parse_range(start, end, resume)
        if is_matrix(value):
            raise self.fail(f"the sum's upper limit is a matrix (column {token.pos})", token)
        value = sympy.sympify(value)
        dimensions = self.context.dimensions if self.context is not None else {}
        replace = {}
        for symbol in value.free_symbols:
            dimension = dimensions.get(getattr(symbol, "name", ""))
            if dimension is None:
                raise self.fail(
                    f"the sum runs to {symbol}, which is not a dimension of a declared matrix, "
                    f"so its number of terms is unknown (column {token.pos})",
                    token,
                )
            replace[symbol] = dimension
        return value.xreplace(replace)

    def scoped_body(self, scope: IndexScope, read: Any, token: Token) -> Any:
        """Read a body with ``scope`` open; refuse indexed names it cannot tie."""
        scopes = self.index_scopes
        before = set(self.state.unknown_names)
        scopes.append(scope)
        try:
            body = read()
        finally:
            scopes.pop()
        if scope.index not in before:  # the index itself is bound, not unknown
            self.state.unknown_names.pop(scope.index, None)
        untied = [
            name
            for name in self.state.unknown_names
            if name not in before and "_" in name and scope.index in name.rpartition("_")[2]
        ]
        if untied:
            name = untied[0]
            base = name.rpartition("_")[0] or name
            raise self.fail(
                f"cannot tell what {name} is in the sum over {scope.index}: declare it in the "
                f"context (e.g. '{name}: row {scope.index} of {base.upper()}' "
                f"or '{name}: entry {scope.index} of {base}') (column {token.pos})",
                token,
            )
        return body

    def build_sum(self, scope: IndexScope, body: Any, op: str) -> Any:
        upper = scope.upper
        if not scope.ties:
            if upper is None or not sympy.sympify(upper).is_Integer:
                raise self.fail(
                    f"the terms of the sum over {scope.index} use no symbol tied to a declared "
                    f"matrix (such as x_{scope.index}, row {scope.index} of X), so they cannot "
                    f"be compared (column {scope.token.pos})",
                    scope.token,
                )
            if int(upper) - int(scope.lower) > 1000:
                raise self.fail(f"a sum of too many terms (column {scope.token.pos})", scope.token)
        if upper is None:
            tie = next(iter(scope.ties.values()))
            upper = self.tie_count(tie)
        index = sympy.Symbol(scope.index, real=True)
        return IndexedSum(body, index, scope.lower, upper, scope.ties.values(), op)

    # ----------------------------------------------------------- \mathbb{E}

    def expectation(self, token: Token) -> Any:
        """``\\mathbb{E}[...]``, ``\\mathbb{E}_i[...]``: the mean over the samples
        (rows), read only when the argument uses index-tied symbols."""
        index = "i"
        if self.at("SYM", "_"):
            self.advance()
            index, _ = self.index_subscript(token)
        scope = IndexScope(index, sympy.S.One, None, token)
        if self.at("SYM", "["):
            body = self.scoped_body(scope, lambda: self.bracketed("[", "]"), token)
        elif self.at("SYM", "("):
            body = self.scoped_body(scope, lambda: self.bracketed("(", ")"), token)
        else:
            raise self.fail(f"\\mathbb{{E}} needs [...] after it (column {token.pos})", token)
        if not scope.ties:
            raise self.fail(
                f"\\mathbb{{E}}[...] is read as the mean over the samples only when its argument "
                f"uses symbols tied to a declared matrix (x_{index}, y_{index}); this one uses "
                f"none (column {token.pos})",
                token,
            )
        tie = next(iter(scope.ties.values()))
        count = self.tie_count(tie)
        total = IndexedSum(body, sympy.Symbol(index, real=True), 1, count, scope.ties.values())
        # the rows' count: the same n a student writes in \frac{1}{n} (a dimension)
        size = sympy.sympify(count)
        self.state.notes.append(
            f"read \\mathbb{{E}}[...] as the mean over {index} = 1..{sympy.sstr(count)}"
        )
        return self.divide(total, size, token)

    # ----------------------------------------------------------- ties

    def tie_count(self, tie: Tie) -> Any:
        rows, cols = tie.source.shape
        return cols if tie.kind == "column" else rows

    def tied_symbol(self, written: str, token: Token) -> Any:
        """Inside a sum over ``i``: the symbol ``x_i`` is tied to, else None."""
        scopes = self.index_scopes
        if not scopes or self.context is None or "_" not in written:
            return None
        base, _, subscript = written.rpartition("_")
        declared = self.context.ties.get(written)
        for scope in reversed(scopes):
            found = scope.ties.get(written)
            if found is not None:
                return found.symbol
            if declared is not None and declared[1] == scope.index:
                # a_{1,i}: row i of A_1 (any subscript, as the context spells it)
                tie = self.make_tie(written, declared[0], self.context.matrix(declared[2]))
            elif subscript == scope.index:
                tie = self.declared_tie(written, base)
            else:
                continue
            if tie is None:
                return None
            self.check_range(tie, scope, token)
            scope.ties[written] = tie
            note = f"read {written} as {tie.kind} {scope.index} of {tie.source.name}"
            if note not in self.state.notes:
                self.state.notes.append(note)
            return tie.symbol
        return None

    def declared_tie(self, written: str, base: str) -> Tie | None:
        """A tie the context declares for the same letter with another index
        (``x_i: row i of X`` also covers ``x_j`` in a sum over ``j``)."""
        spec = next(
            (value for name, value in self.context.ties.items() if name.rpartition("_")[0] == base),
            None,
        )
        if spec is None or written in self.context.ties:
            return None
        kind, _, source = spec
        return self.make_tie(written, kind, self.context.matrix(source))

    def make_tie(self, written: str, kind: str, source: Any) -> Tie:
        rows, cols = source.shape
        if kind == "entry":
            symbol = sympy.Symbol(written, real=True)
        else:
            symbol = sympy.MatrixSymbol(written, cols if kind == "row" else rows, 1)
        return Tie(symbol, source, kind)

    def check_range(self, tie: Tie, scope: IndexScope, token: Token) -> None:
        """The sum's range must be the source's rows (columns for a column tie)."""
        count = self.tie_count(tie)
        wanted = scope.count
        if wanted is None:
            wanted = next((self.tie_count(t) for t in scope.ties.values()), None)
        if wanted is None:
            return
        if sympy.expand(sympy.sympify(wanted) - sympy.sympify(count)) != 0:
            what = "columns" if tie.kind == "column" else "rows"
            upper = f"{sympy.sstr(scope.lower)}..{sympy.sstr(scope.lower + wanted - 1)}"
            raise self.fail(
                f"the sum runs over {scope.index} = {upper} but {tie.source.name} has "
                f"{sympy.sstr(count)} {what}, so {tie.symbol} cannot be {tie.kind} "
                f"{scope.index} of it (column {token.pos})",
                token,
            )
