"""The state of one derivation check: what the student has said so far, and the truth."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp
from sympy.matrices.expressions import MatrixSymbol

from grader.math.calculus import EvaluationError, MatrixDivision, ShapeMismatch, plain
from grader.math.derivation._graph import graph_and_evaluator
from grader.math.derivation._results import DerivationStep
from grader.math.derivation._values import (
    MIN_POINTS,
    Verdict,
    as_array,
    compare_values,
    error_verdict,
    explain_difference,
    free_symbols,
    mentions,
    split_quantity,
    values_close,
)
from grader.math.lines import MathSource


@dataclass
class ParsedStatement:
    """A parsed statement, the checker's input for one step."""

    source: MathSource
    line: Any | None  # grader.math MathLine
    error: Exception | None = None
    claim: str | None = None  # "= \text{scalar}" stripped before parsing


@dataclass
class Outcome:
    """What a step check found and what it adds to the state (applied by the caller)."""

    step: DerivationStep
    values: list[tuple[str, Any]] = field(default_factory=list)  # (quantity, expr)
    value_records: list[tuple[str, dict]] = field(default_factory=list)
    new_names: dict[str, Any] = field(default_factory=dict)
    main_quantity: str | None = None
    keep_main: bool = False
    continues: bool = False
    lhs: Any = None  # left side of a meaningless line that did not parse
    names: set[str] = field(default_factory=set)  # names the line uses
    equation: dict | None = None

    def record_value(
        self,
        quantity: str,
        status: str,
        expr: Any,
        *,
        problem: Verdict | None = None,
        unevaluated: bool = False,
        ocr: bool = False,
        side_note: bool = False,
        stationarity: bool = False,
    ) -> None:
        """A value this line gives ``quantity``, as the milestones read it
        (``status``: right | carried | wrong | ocr | undetermined | unknown)."""
        record = {
            "line_no": self.step.line_no,
            "status": status,
            "diagnosis": problem.diagnosis if problem else None,
            "message": problem.reason if problem else "",
            "expr": expr,
            "unevaluated": unevaluated,
            "ocr": ocr,
            "side_note": side_note,
        }
        if stationarity:
            record["stationarity"] = True
        self.value_records.append((quantity, record))


_SOLVE_POINTS = 4


class Checker:
    """State of one derivation check: context, graph, numbers, what the student said."""

    def __init__(self, context: Any, references: dict[str, Any]):
        self.context = context
        self.graph, self.evaluator = graph_and_evaluator(context)
        # the points are shared by every check with this context: copies, so that
        # names this answer introduces do not leak into the next one
        self.points = [dict(point) for point in self.evaluator.points]
        # Equations are solved point by point (an affine solve per point): the
        # first points, the most varied (see calculus._numbers), are enough.
        self.solve_points = range(min(_SOLVE_POINTS, len(self.points)))
        self.value_cache: dict[Any, list[Any]] = {}
        self.references = references  # quantity -> expr (from milestones), no definition
        self.values: dict[str, list[tuple[int, Any]]] = {}  # quantity -> [(line_no, expr)]
        self.records: dict[str, list[dict]] = {}  # quantity -> value lines for milestones
        self.new_names: dict[str, Any] = {}
        self.main_quantity: str | None = None
        self.equation: dict | None = None  # the last equation: lhs, rhs, unknown, truth
        self.last_wrt: str | None = None
        self.last_gradient: str | None = None
        self.seen_names: set[str] = set()  # names used in earlier lines
        self.known_names = frozenset(getattr(context, "known_names", ()) or ())

    # --- resolving names to values ---------------------------------------

    def truth_expr(self, quantity: str) -> Any | None:
        """The true value of a quantity as an expression, None if unknown."""
        split = split_quantity(quantity)
        if split is not None:
            of, wrt = split
            if of in self.graph.definitions and wrt in self.graph.symbols:
                try:
                    return self.graph.partial(of, wrt)
                except (KeyError, TypeError, ValueError, AttributeError):
                    return None
            return self.references.get(quantity)
        if quantity in self.graph.definitions:
            return self.graph.definitions[quantity]
        return self.references.get(quantity)

    def student_expr(self, quantity: str) -> Any | None:
        """The last value the student gave for ``quantity``, None if none yet."""
        found = self.values.get(quantity)
        if not found:
            return None
        return found[-1][1]

    def resolver(self, mode: str) -> Callable[[Any], Any]:
        """Values for derivative quantities and new names: in ``truth`` mode a
        derivative quantity is its true value, in ``student`` mode the value the
        student gave for it (the truth when they gave none). A cycle of values
        ends in a RecursionError, which makes the step undetermined."""

        def resolve(symbol: Any) -> Any:
            name = getattr(symbol, "name", str(symbol))
            if name in self.new_names:
                return self.new_names[name]
            if mode == "student":
                own = self.student_expr(name)
                if own is not None and not mentions(own, name):
                    return own
            return self.truth_expr(name)

        return resolve

    def values_of(self, expr: Any, resolve: Callable, extra: dict | None = None) -> list[Any]:
        """Values at the points; cached for expressions of the graph's own names
        (their values do not depend on what the student has said so far)."""
        cacheable = not extra and isinstance(expr, sp.Basic) and self._self_contained(expr)
        if cacheable:
            cached = self.value_cache.get(expr)
            if cached is not None:
                return cached
        results = self._values_of(expr, resolve, extra)
        if cacheable:
            self.value_cache[expr] = results
        return results

    def _register_free_names(self, expr: Any) -> None:
        """Names the context does not declare are scalars: give them random values."""
        points = self.points
        for symbol in free_symbols(expr):
            if (
                isinstance(symbol, sp.Symbol)
                and symbol not in points[0]
                and split_quantity(symbol.name) is None
                and symbol.name not in self.new_names
            ):
                rng = np.random.default_rng(zlib.crc32(symbol.name.encode()))
                for point in points:
                    point[symbol] = self.evaluator.random_value(symbol, rng)

    def _self_contained(self, expr: Any) -> bool:
        point = self.points[0]
        return all(s in point for s in free_symbols(expr))

    def _values_of(self, expr: Any, resolve: Callable, extra: dict | None = None) -> list[Any]:
        self._register_free_names(expr)
        with np.errstate(all="ignore"):
            found = self.evaluator.values_at(expr, self.points, resolve, extra)
        results = [as_array(value) for value in found]
        # A point where the value is outside a domain or too large or small for
        # floats holds NaN and is left out of comparisons; with none left there
        # is nothing to compare.
        if sum(bool(np.all(np.isfinite(value))) for value in results) < MIN_POINTS:
            raise EvaluationError(
                "the value cannot be computed at enough test points (outside its domain, "
                "or too large/small to compare in floating point)"
            )
        return results

    def compare(
        self,
        student: Any,
        reference: Any,
        *,
        student_mode: str = "truth",
        reference_mode: str = "truth",
    ) -> Verdict:
        """Student expression vs reference expression, numerically."""
        try:
            ref_values = self.values_of(reference, self.resolver(reference_mode))
        except EvaluationError as error:
            return Verdict("undetermined", None, f"the reference cannot be evaluated: {error}")
        try:
            values = self.values_of(student, self.resolver(student_mode))
        except EvaluationError as error:
            return error_verdict(error, student)
        verdict = compare_values(values, ref_values)
        if verdict.diagnosis == "different":
            verdict = explain_difference(student, reference, verdict)
        return verdict

    def unwrap_call(self, head: Any) -> Any:
        """``J(\beta)`` read as the product ``J beta`` (J declared a scalar, not a
        function) is the quantity J written with its argument."""
        if isinstance(head, (sp.Mul, sp.matrices.expressions.MatMul)) and len(head.args) == 2:
            first, second = head.args
            if (
                isinstance(first, sp.Symbol)
                and self.knows(first.name)
                and isinstance(second, (sp.Symbol, MatrixSymbol))
                and second.name in self.graph.symbols
            ):
                return first
        return head

    def ill_formed(self, terms: list[Any]) -> bool:
        """Some term has shapes that do not agree (or divides by a matrix)."""
        for term in terms:
            try:
                self.values_of(term, self.resolver("student"))
            except (ShapeMismatch, MatrixDivision):
                return True
            except EvaluationError:
                continue
        return False

    def student_form(self, expr: Any, depth: int = 0) -> Any:
        """``expr`` with derivative quantities and new names replaced by what the
        student wrote for them (for naming a missing factor)."""
        if not isinstance(expr, sp.Basic) or depth > 6:
            return expr
        replacements = {}
        for symbol in free_symbols(expr):
            name = getattr(symbol, "name", "")
            own = self.new_names.get(name)
            if own is None and split_quantity(name):
                own = self.student_expr(name)
                if own is None:
                    split = split_quantity(name)
                    if split[0] in self.graph.definitions and split[1] in self.graph.symbols:
                        own = self.truth_expr(name)
            if own is not None and not mentions(own, name):
                replacements[symbol] = self.student_form(own, depth + 1)
        return expr.xreplace(replacements) if replacements else expr

    # --- classification, ECF, equations ---------------------------------

    def quantity_of(self, term: Any) -> str | None:
        if not isinstance(term, (sp.Symbol, MatrixSymbol)):
            return self.defined_quantity_equal_to(term)
        name = term.name
        if split_quantity(name) is not None:
            return name
        if self.knows(name):
            return name
        return None

    def defined_quantity_equal_to(self, term: Any, *, of_inputs: bool = False) -> str | None:
        """``log L`` where the context defines ``L`` and ``l`` = the log of it: an
        expression of defined quantities equal to another defined quantity is
        that quantity (the student names it their own way). Only for terms
        built on a defined quantity, so equations in the inputs stay equations;
        ``of_inputs`` lifts that for what is differentiated (``\\nabla_\\beta
        \\frac12 \\|y - X\\beta\\|^2`` is the gradient of the defined J)."""
        definitions = self.graph.definitions
        try:
            names = {getattr(s, "name", None) for s in free_symbols(term)}
            if any(split_quantity(n or "") for n in names):
                return None
            if not of_inputs and not names & set(definitions):
                return None
            mine = self.values_of(term, self.resolver("truth"))
        except (
            EvaluationError,
            ShapeMismatch,
            MatrixDivision,
            TypeError,
            ValueError,
            RecursionError,
        ):
            return None
        found = []
        for name, symbol in self.graph.symbols.items():
            if name not in definitions or name in names:
                continue
            try:
                theirs = self.values_of(symbol, self.resolver("truth"))
            except (EvaluationError, ShapeMismatch, MatrixDivision, TypeError, ValueError):
                continue
            if all(
                np.shape(a) == np.shape(b) and values_close(np.asarray(a), np.asarray(b))
                for a, b in zip(mine, theirs, strict=True)
            ):
                found.append(name)
        return found[0] if len(found) == 1 else None

    def knows(self, name: str) -> bool:
        return (
            name in self.graph.definitions
            or name in self.references
            or name in self.values
            or name in self.new_names
        )

    def is_new_name(self, term: Any) -> bool:
        if not isinstance(term, (sp.Symbol, MatrixSymbol)):
            return False
        name = term.name
        return (
            split_quantity(name) is None
            and name not in self.graph.symbols
            and name not in self.known_names
            and name not in self.seen_names
        )

    def is_unknown_symbol(self, term: Any) -> bool:
        if not isinstance(term, (sp.Symbol, MatrixSymbol)):
            return False
        return term.name in self.graph.symbols and term.name not in self.graph.definitions

    def gradient_quantity(self, gradient: tuple[Any, Any]) -> str:
        inner, wrt = gradient
        if wrt is None and self.last_wrt is not None:
            wrt = self.graph.symbols.get(self.last_wrt)
        wrt_name = getattr(wrt, "name", None) or "?"
        of = inner.name if isinstance(inner, (sp.Symbol, MatrixSymbol)) else plain(inner)
        if not isinstance(inner, (sp.Symbol, MatrixSymbol)) and wrt is not None:
            # d(log L)/dp where log L is the defined l: the derivative of l
            of = self.defined_quantity_equal_to(inner, of_inputs=True) or of
        quantity = f"d({of})/d({wrt_name})"
        if quantity not in self.references and wrt is not None and not self.knows(of):
            from grader.math._nodes import Gradient

            self.references[quantity] = Gradient(inner, wrt)
        return quantity

    def ecf_expr(self, quantity: str) -> Any | None:
        """What the right local derivatives give from the student's own earlier values."""
        split = split_quantity(quantity)
        if split is None:
            return None
        of, wrt = split
        graph = self.graph
        wrt_symbol = graph.symbols.get(wrt)
        if wrt_symbol is None:
            return None
        if of in graph.definitions and graph._all_scalar(of, wrt):
            stated = False

            def through(node: str, depth: int = 0) -> Any:
                nonlocal stated
                total = 0
                for child in graph.children(node):
                    if child != of and not graph.depends_on(of, child):
                        continue
                    name = f"d({of})/d({child})"
                    if child == of:
                        upstream: Any = 1
                    elif name in self.values and depth < 12:
                        upstream = sp.Symbol(name, real=True)
                        stated = True
                    else:
                        upstream = through(child, depth + 1)
                    total += upstream * graph.local(child, node)
                return total

            value = through(wrt)
            if stated:
                return value
        own = self.student_expr(of)
        if own is not None:
            from grader.math._nodes import Gradient

            return Gradient(own, wrt_symbol)
        return None

    def gradient_equation(self) -> dict | None:
        """An equation right after a gradient starts from the gradient set to zero."""
        if self.last_gradient is None:
            return None
        quantity = self.last_gradient
        wrt = self.graph.symbols.get(split_quantity(quantity)[1])
        own = self.student_expr(quantity)
        truth = self.truth_expr(quantity)
        if own is None or wrt is None:
            return None
        return {
            "lhs": own,
            "rhs": sp.S.Zero,
            "unknown": wrt,
            "truth": (truth, sp.S.Zero) if truth is not None else None,
            "line_no": None,
        }

    def equation_unknown(self, lhs: Any, rhs: Any) -> Any | None:
        if self.equation is not None and self.equation.get("unknown") is not None:
            return self.equation["unknown"]
        for side in (lhs, rhs):
            if self.is_unknown_symbol(side):
                return side
        if self.last_wrt is not None:
            return self.graph.symbols.get(self.last_wrt)
        return None

    def apply(self, outcome: Outcome) -> None:
        step = outcome.step
        self.seen_names |= outcome.names
        for quantity, expr in outcome.values:
            self.values.setdefault(quantity, []).append((step.line_no, expr))
        for quantity, record in outcome.value_records:
            self.records.setdefault(quantity, []).append({**record, "step": step})
        self.new_names.update(outcome.new_names)
        if not outcome.keep_main:
            self.main_quantity = outcome.main_quantity
        if outcome.equation is not None:
            self.equation = outcome.equation
        elif step.kind in ("definition", "rewrite", "differentiation") and step.role == "main":
            self.equation = None
        if step.quantity and split_quantity(step.quantity) and step.kind == "differentiation":
            self.last_wrt = split_quantity(step.quantity)[1]
            self.last_gradient = step.quantity
        elif step.kind in ("definition", "rewrite") and step.role == "main":
            self.last_gradient = None
