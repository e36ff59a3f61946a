"""Check a derivation line by line: each step against the student's previous
line (does it follow?) and against the truth (is it right?).

``check_derivation(lines, context, milestones=..., time_limit=...)`` reads the
math of an answer (``grader.math.lines``), parses each statement with the
context's symbol table, classifies it and judges it:

==================  ==========================================================
kind                what it is, and how it is judged
==================  ==========================================================
``definition``      ``z_2 = w_2 a_1 + b_2`` restating the context (judged
                    against the context's definition), or a new name
                    (``w_1' = ...``: recorded, not judged)
``rewrite``         the same quantity in a new form: ``J = ...``, a line
                    starting with ``=``, members of a chain ``A = B = C``;
                    right when equal to the quantity's true value, follows
                    when equal to the student's previous value of it
``differentiation`` a derivative quantity (``\\frac{\\partial L}{\\partial
                    w_1}``, ``\\nabla J(\\beta)``) or ``\\nabla (expr)``;
                    truth from :mod:`grader.math.calculus` on the context's
                    definitions; a product of partials counts with the
                    student's own values for the partials they derived
``equation``        an equation transformed, judged as a solution-set
                    implication (previous line => this line; true equation
                    <=> this line). ``E = 0`` right after a gradient is a
                    stationarity condition: E is also compared with the
                    gradient's true value
``side_note``       ``\\therefore ... = \\text{scalar}``, ``\\leftarrow`` notes,
                    local derivatives (``\\frac{\\partial z_2}{\\partial w_2} =
                    a_1``), statements about another quantity, shapes
``unreadable``      the parser failed: position and reason, flagged for
                    review, never charged
``text``            words
==================  ==========================================================

A step that is wrong against the truth but follows from the student's own
earlier wrong line is ``carried_forward`` (error carried forward), unless it
is meaningless (shapes that do not agree, division by a matrix). For
backpropagation partials that is judged on values: what the right local
derivatives give from the student's own earlier partials.

OCR suspects are flagged for a human, never charged: a line whose one unknown
name (not in the context) makes it right for a simple constant ("'f' read
where 1/2 makes the line right"), and side notes that are garbled (a shape
mismatch, a ``\\therefore`` aside that is nonsense).

Milestones are engine-level targets (scoring is elsewhere): see
:class:`Milestone` and ``docs/derivations.md``.

Every step is checked under ``time_limit`` seconds (``grader.timelimit``): a
step that runs out is ``undetermined`` and the others are still checked.

Comparisons are numeric (:class:`grader.math.calculus.Evaluator`): both sides
at three random points, with the graph's names (``a1``) taking the values
their definitions give there.
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp
from sympy.matrices.expressions import MatrixExpr, MatrixSymbol

from grader.math.calculus import (
    EvaluationError,
    Evaluator,
    Graph,
    MatrixDivision,
    ShapeMismatch,
    dimensions_text,
    expression_shape,
    nice_number,
    plain,
)
from grader.math.lines import MathSource, find_math_lines

__all__ = [
    "DerivationResult",
    "DerivationStep",
    "Milestone",
    "MilestoneResult",
    "check_derivation",
]

StepKind = str  # definition | rewrite | differentiation | equation | side_note | unreadable | text
DEFAULT_TIME_LIMIT = 5.0
_RTOL = 1e-6
_SLIP_DIAGNOSES = ("sign_flip", "constant_factor")


# --------------------------------------------------------------------------- results


@dataclass
class Milestone:
    """An engine-level target of a derivation.

    ``kind``:

    - ``value``: the last value the student gives for ``quantity`` (e.g.
      ``dL/dz1``) must equal the reference: the statement's right side when it
      has one (``d(J)/d(beta) = X^T X beta - X^T y``), else the value derived
      from the context's definitions;
    - ``equation``: some line states the equation (``X^T X beta = X^T y``):
      the two sides' difference equals the statement's up to a nonzero
      constant factor (sides may be swapped or moved);
    - ``form``: a line gives ``quantity`` (e.g. ``J``) a value equal to its
      true value and *expanded*: a sum of terms, each a product of symbols,
      transposes and inverses of symbols, powers and function values, with at
      most a number multiplying the whole sum; no norm, no product, power,
      transpose or inverse of a sum. The statement is the reference value.
    """

    id: str
    statement: str
    kind: str = "value"
    quantity: str | None = None


@dataclass
class DerivationStep:
    """One statement of the answer, classified and judged."""

    line_no: int
    source: str
    read_as: str | None
    kind: StepKind
    quantity: str | None = None
    vs_previous: str | None = None  # equal | not_equal | undetermined | None (no previous)
    vs_truth: str | None = None  # equal | not_equal | undetermined | None (no truth known)
    status: str = (
        "unchecked"  # correct | carried_forward | wrong | review | undetermined | unchecked
    )
    diagnosis: str | None = None
    ocr_suspect: bool = False
    ocr_note: str | None = None
    message: str = ""
    role: str = "main"
    column: int = 0
    repairs: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "line_no": self.line_no,
            "column": self.column,
            "source": self.source,
            "read_as": self.read_as,
            "kind": self.kind,
            "role": self.role,
            "quantity": self.quantity,
            "vs_previous": self.vs_previous,
            "vs_truth": self.vs_truth,
            "status": self.status,
            "diagnosis": self.diagnosis,
            "ocr_suspect": self.ocr_suspect,
            "ocr_note": self.ocr_note,
            "message": self.message,
            "repairs": list(self.repairs),
            "details": _jsonable(self.details),
        }


@dataclass
class MilestoneResult:
    """How a milestone went: status, where (``line_no``; ``lines`` for a slip
    and its correction), diagnosis and a message."""

    id: str
    status: str
    line_no: int | None = None
    diagnosis: str | None = None
    message: str = ""
    lines: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "line_no": self.line_no,
            "lines": list(self.lines),
            "diagnosis": self.diagnosis,
            "message": self.message,
        }


@dataclass
class DerivationResult:
    steps: list[DerivationStep]
    milestones: list[MilestoneResult] = field(default_factory=list)

    @property
    def needs_review(self) -> bool:
        return bool(self.review_reasons)

    @property
    def review_reasons(self) -> list[str]:
        reasons = []
        for step in self.steps:
            if step.kind == "unreadable":
                reasons.append(f"line {step.line_no}: could not read the math ({step.message})")
            elif step.ocr_suspect:
                reasons.append(f"line {step.line_no}: OCR suspect ({step.ocr_note})")
            elif step.status == "undetermined":
                reasons.append(f"line {step.line_no}: could not decide ({step.message})")
        return reasons

    def to_dict(self) -> dict[str, Any]:
        return {
            "steps": [step.to_dict() for step in self.steps],
            "milestones": [m.to_dict() for m in self.milestones],
            "needs_review": self.needs_review,
            "review_reasons": self.review_reasons,
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    if isinstance(value, float):
        return value if np.isfinite(value) else str(value)
    return str(value)


# --------------------------------------------------------------------------- comparisons


@dataclass
class _Verdict:
    verdict: str  # equal | not_equal | undetermined
    diagnosis: str | None = None
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def equal(self) -> bool:
        return self.verdict == "equal"


_Value = Callable[[dict], Any]  # point -> number or array


def _as_array(value: Any) -> np.ndarray:
    array = np.asarray(value, dtype=complex)
    if array.size == 1:
        return array.reshape(())
    return array


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)), 1.0)
    return bool(np.all(np.abs(a - b) <= _RTOL * scale))


def _compare_values(student: list[np.ndarray], reference: list[np.ndarray]) -> _Verdict:
    """Student vs reference values at the same points, with a diagnosis."""
    for a, b in zip(student, reference, strict=True):
        if a.shape != b.shape:
            return _Verdict(
                "not_equal",
                "shape_mismatch",
                f"the shape is {_shape_text(a)}, expected {_shape_text(b)}",
            )
    if all(_close(a, b) for a, b in zip(student, reference, strict=True)):
        return _Verdict("equal")
    if all(_close(a, -b) for a, b in zip(student, reference, strict=True)):
        return _Verdict("not_equal", "sign_flip", "the sign is wrong")
    factor = _common_factor(student, reference)
    if factor is not None:
        return _Verdict(
            "not_equal",
            "constant_factor",
            f"off by a factor {_number_text(factor)}",
            {"factor": _number_text(factor)},
        )
    return _Verdict("not_equal", "different", "the value is different")


def _common_factor(student: list[np.ndarray], reference: list[np.ndarray]) -> complex | None:
    if any(x.shape != y.shape for x, y in zip(student, reference, strict=True)):
        return None
    a = np.concatenate([np.ravel(x) for x in student])
    b = np.concatenate([np.ravel(x) for x in reference])
    denominator = np.vdot(b, b)
    if abs(denominator) < 1e-300:
        return None
    factor = np.vdot(b, a) / denominator
    if abs(factor) < 1e-12 or not _close(a, factor * b):
        return None
    return factor


def _shape_text(array: np.ndarray) -> str:
    if array.ndim == 0:
        return "scalar"
    return " x ".join(str(n) for n in array.shape)


def _written_shape(expr: Any, value: np.ndarray) -> str:
    """The shape in the context's dimensions (``(d + 1) x 1``) when it can be
    worked out, else the size at the test points."""
    try:
        shape = expression_shape(expr)
    except Exception:  # noqa: BLE001 - fall back to the numbers
        shape = None
    if shape is None:
        return _shape_text(value)
    return dimensions_text(shape)


def _number_text(value: complex) -> str:
    real = float(np.real(value))
    nice = nice_number(real)
    return str(nice) if nice is not None else f"{real:.4g}"


# --------------------------------------------------------------------------- the checker


@dataclass
class _Statement:
    """A parsed statement, the checker's input for one step."""

    source: MathSource
    line: Any | None  # grader.math MathLine
    error: Exception | None = None
    claim: str | None = None  # "= \text{scalar}" stripped before parsing


@dataclass
class _Outcome:
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


class _Checker:
    """State of one derivation check: context, graph, numbers, what the student said."""

    def __init__(self, context: Any, references: dict[str, Any]):
        self.context = context
        self.graph, self.evaluator = _graph_and_evaluator(context)
        # the points are shared by every check with this context: copies, so that
        # names this answer introduces do not leak into the next one
        self.points = [dict(point) for point in self.evaluator.points]
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
        split = _split_quantity(quantity)
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
                if own is not None and not _mentions(own, name):
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
        for symbol in _free_symbols(expr):
            if (
                isinstance(symbol, sp.Symbol)
                and symbol not in points[0]
                and _split_quantity(symbol.name) is None
                and symbol.name not in self.new_names
            ):
                rng = np.random.default_rng(zlib.crc32(symbol.name.encode()))
                for point in points:
                    point[symbol] = float(rng.uniform(0.2, 1.2))

    def _self_contained(self, expr: Any) -> bool:
        point = self.points[0]
        return all(s in point for s in _free_symbols(expr))

    def _values_of(self, expr: Any, resolve: Callable, extra: dict | None = None) -> list[Any]:
        self._register_free_names(expr)
        results = []
        for point in self.points:
            if extra:
                point = {**point, **extra}
            with np.errstate(all="ignore"):
                results.append(_as_array(self.evaluator.value(expr, point, resolve)))
        for value in results:
            if not np.all(np.isfinite(value)):
                raise EvaluationError("the value is not finite at the test points")
        return results

    def compare(
        self,
        student: Any,
        reference: Any,
        *,
        student_mode: str = "truth",
        reference_mode: str = "truth",
    ) -> _Verdict:
        """Student expression vs reference expression, numerically."""
        try:
            ref_values = self.values_of(reference, self.resolver(reference_mode))
        except EvaluationError as error:
            return _Verdict("undetermined", None, f"the reference cannot be evaluated: {error}")
        try:
            values = self.values_of(student, self.resolver(student_mode))
        except MatrixDivision as error:
            return _Verdict("not_equal", "matrix_division", str(error))
        except ShapeMismatch as error:
            return _Verdict("not_equal", "shape_mismatch", _shape_reason(student, error))
        except EvaluationError as error:
            return _Verdict("undetermined", None, str(error))
        verdict = _compare_values(values, ref_values)
        if verdict.diagnosis == "different":
            verdict = self._explain(student, reference, verdict)
        return verdict

    def _explain(self, student: Any, reference: Any, verdict: _Verdict) -> _Verdict:
        """Name a missing factor or term, for scalar expressions in the graph's names."""
        if isinstance(student, MatrixExpr) or isinstance(reference, MatrixExpr):
            return verdict
        try:
            ratio = sp.factor(sp.cancel(sp.sympify(reference) / sp.sympify(student)))
        except (TypeError, ValueError, sp.SympifyError, AttributeError):
            return verdict
        if ratio.free_symbols and not ratio.is_Add and not _has_derivative_symbol(ratio):
            ratio = _as_written(ratio, reference, student)
            numerator, denominator = sp.fraction(ratio)
            if denominator == 1:
                return _Verdict(
                    "not_equal",
                    "missing_factor",
                    f"a factor {plain(ratio)} is missing",
                    {"factor": plain(ratio)},
                )
            if numerator == 1:
                return _Verdict(
                    "not_equal",
                    "extra_factor",
                    f"an extra factor {plain(denominator)}",
                    {"factor": plain(denominator)},
                )
        try:
            difference = sp.expand(sp.sympify(reference) - sp.sympify(student))
        except (TypeError, ValueError, AttributeError):
            return verdict
        terms = sp.Add.make_args(sp.expand(sp.sympify(reference)))
        if not difference.is_Add and difference != 0:
            if difference in terms:
                return _Verdict(
                    "not_equal",
                    "missing_term",
                    f"the term {plain(difference)} is missing",
                    {"term": plain(difference)},
                )
            return _Verdict(
                "not_equal",
                "extra_term",
                f"an extra term {plain(-difference)}",
                {"term": plain(-difference)},
            )
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
        for symbol in _free_symbols(expr):
            name = getattr(symbol, "name", "")
            own = self.new_names.get(name)
            if own is None and _split_quantity(name):
                own = self.student_expr(name)
                if own is None:
                    split = _split_quantity(name)
                    if split[0] in self.graph.definitions and split[1] in self.graph.symbols:
                        own = self.truth_expr(name)
            if own is not None and not _mentions(own, name):
                replacements[symbol] = self.student_form(own, depth + 1)
        return expr.xreplace(replacements) if replacements else expr

    # --- classification, ECF, equations ---------------------------------

    def quantity_of(self, term: Any) -> str | None:
        if not isinstance(term, (sp.Symbol, MatrixSymbol)):
            return None
        name = term.name
        if _split_quantity(name) is not None:
            return name
        if self.knows(name):
            return name
        return None

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
            _split_quantity(name) is None
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
        quantity = f"d({of})/d({wrt_name})"
        if quantity not in self.references and wrt is not None and not self.knows(of):
            from grader.math._nodes import Gradient

            self.references[quantity] = Gradient(inner, wrt)
        return quantity

    def ecf_expr(self, quantity: str) -> Any | None:
        """What the right local derivatives give from the student's own earlier values."""
        split = _split_quantity(quantity)
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
        wrt = self.graph.symbols.get(_split_quantity(quantity)[1])
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

    def residuals(
        self,
        equation: tuple[Any, Any],
        resolve: Callable,
        extra: dict | None = None,
        points: Sequence[int] | None = None,
    ) -> list[np.ndarray]:
        lhs, rhs = equation
        results = []
        if not extra and points is None:  # all points: values may come from the cache
            pairs = list(
                zip(self.values_of(lhs, resolve), self.values_of(rhs, resolve), strict=True)
            )
        else:
            pairs = []
            for index in points if points is not None else range(len(self.points)):
                point = self.points[index]
                if extra:
                    point = {**point, **extra}
                with np.errstate(all="ignore"):
                    pairs.append(
                        (
                            _as_array(self.evaluator.value(lhs, point, resolve)),
                            _as_array(self.evaluator.value(rhs, point, resolve)),
                        )
                    )
        for left, right in pairs:
            if left.shape != right.shape:
                if right.ndim == 0 and right == 0:
                    right = np.zeros_like(left)
                elif left.ndim == 0 and left == 0:
                    left = np.zeros_like(right)
                else:
                    raise ShapeMismatch(
                        f"the two sides have different shapes ({_shape_text(left)} and {_shape_text(right)})"
                    )
            results.append(left - right)
        return results

    def solve(
        self, equation: tuple[Any, Any], unknown: Any, index: int, resolve: Callable
    ) -> np.ndarray | None:
        """The unique solution for ``unknown`` at point ``index`` of an affine equation."""
        point = self.points[index]
        base = point.get(unknown)
        if base is None:
            return None
        base = np.asarray(base, dtype=float)
        shape = base.shape

        def residual(value: np.ndarray) -> np.ndarray:
            extra = {unknown: value if shape else float(value)}
            return np.ravel(self.residuals(equation, resolve, extra, points=[index])[0])

        r0 = residual(np.zeros(shape))
        columns = []
        for flat in range(max(1, base.size)):
            unit = np.zeros(base.size)
            unit[flat] = 1.0
            columns.append(residual(unit.reshape(shape)) - r0)
        matrix = np.stack(columns, axis=1)
        probe = base
        if not _close(residual(probe), r0 + matrix @ np.ravel(probe)):
            return None  # not affine in the unknown
        if np.linalg.matrix_rank(matrix) < base.size:
            return None
        solution, *_ = np.linalg.lstsq(matrix, -r0, rcond=None)
        if not _close(matrix @ solution, -r0):
            return None
        return solution.reshape(shape)

    def equation_verdict(
        self,
        current: tuple[Any, Any],
        reference: tuple[Any, Any],
        unknown: Any,
        *,
        both_ways: bool,
        reference_mode: str = "student",
    ) -> _Verdict:
        """``reference => current`` (and ``<=`` when ``both_ways``) as solution sets."""
        student = self.resolver("student")
        ref_resolve = self.resolver(reference_mode)
        try:
            mine = self.residuals(current, student)
        except MatrixDivision as error:
            return _Verdict("not_equal", "matrix_division", str(error))
        except ShapeMismatch as error:
            return _Verdict("not_equal", "shape_mismatch", _shape_reason(current, error))
        except EvaluationError as error:
            return _Verdict("undetermined", None, str(error))
        try:
            theirs = self.residuals(reference, ref_resolve)
        except EvaluationError as error:
            return _Verdict(
                "undetermined", None, f"the previous equation cannot be evaluated: {error}"
            )
        if _common_factor(mine, theirs) is not None:
            return _Verdict("equal")
        if unknown is None:
            return _Verdict("not_equal", "different", "not the same equation")
        try:
            for index in range(len(self.points)):
                solution = self.solve(reference, unknown, index, ref_resolve)
                if solution is None:
                    return _Verdict("undetermined", None, "cannot solve the previous equation")
                extra = {unknown: solution if solution.shape else float(solution)}
                at_solution = self.residuals(current, student, extra, points=[index])[0]
                scale = max(float(np.max(np.abs(solution), initial=1.0)), 1.0)
                if not np.all(np.abs(at_solution) <= 1e-6 * scale * 10):
                    mine_solution = self.solve(current, unknown, index, student)
                    if mine_solution is None:
                        return _Verdict("not_equal", "different", "does not follow")
                    verdict = _compare_values([_as_array(mine_solution)], [_as_array(solution)])
                    verdict.reason = f"gives a different solution ({verdict.reason})"
                    return verdict
                if both_ways:
                    mine_solution = self.solve(current, unknown, index, student)
                    if mine_solution is None:
                        return _Verdict("undetermined", None, f"does not determine {unknown}")
            return _Verdict("equal")
        except MatrixDivision as error:
            return _Verdict("not_equal", "matrix_division", str(error))
        except ShapeMismatch as error:
            return _Verdict("not_equal", "shape_mismatch", _shape_reason(current, error))
        except EvaluationError as error:
            return _Verdict("undetermined", None, str(error))
        except np.linalg.LinAlgError as error:
            return _Verdict("undetermined", None, f"linear algebra failed: {error}")

    def apply(self, outcome: _Outcome) -> None:
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
        if step.quantity and _split_quantity(step.quantity) and step.kind == "differentiation":
            self.last_wrt = _split_quantity(step.quantity)[1]
            self.last_gradient = step.quantity
        elif step.kind in ("definition", "rewrite") and step.role == "main":
            self.last_gradient = None

    # --- OCR: an unknown name that a constant would make right -------------

    def fit_constant(self, expr: Any, name: str, reference: Any) -> sp.Rational | None:
        """The simple constant ``name`` would have to be for ``expr`` to equal ``reference``."""
        symbol = next((s for s in _free_symbols(expr) if getattr(s, "name", None) == name), None)
        if symbol is None or isinstance(symbol, MatrixSymbol):
            return None
        try:
            target = self.values_of(reference, self.resolver("student"))
            at0 = self.values_of(expr, self.resolver("student"), {symbol: 0.0})
            at1 = self.values_of(expr, self.resolver("student"), {symbol: 1.0})
            at2 = self.values_of(expr, self.resolver("student"), {symbol: 2.0})
        except EvaluationError:
            return None
        slopes = [b - a for a, b in zip(at0, at1, strict=True)]
        if not all(_close(c - a, 2 * s) for a, c, s in zip(at0, at2, slopes, strict=True)):
            return None  # not linear in the name: no single constant to solve for
        numerator = np.concatenate([np.ravel(t - a) for t, a in zip(target, at0, strict=True)])
        slope = np.concatenate([np.ravel(s) for s in slopes])
        if np.vdot(slope, slope) == 0:
            return None
        constant = float(np.real(np.vdot(slope, numerator) / np.vdot(slope, slope)))
        if not _close(numerator, constant * slope):
            return None
        return nice_number(constant)


def _as_written(ratio: Any, reference: Any, student: Any) -> Any:
    """The missing (or extra) factors as the reference writes them: a1 (1 - a1),
    not SymPy's -a1 (a1 - 1)."""
    ref_factors = list(sp.Mul.make_args(reference))
    mine = list(sp.Mul.make_args(student))
    for candidate, other in ((ref_factors, mine), (mine, ref_factors)):
        left = list(candidate)
        for factor in other:
            if factor in left:
                left.remove(factor)
        product = sp.Mul(*left)
        if left and sp.cancel(product - ratio) == 0:
            return product
        if left and sp.cancel(1 / product - ratio) == 0:
            return 1 / product
    return ratio


def _shape_reason(expr: Any, error: Exception) -> str:
    """Say what does not fit in the student's own dimensions (``n x n`` by
    ``d + 1 x 1``) rather than the sizes of the test points."""
    parts = expr if isinstance(expr, tuple) else (expr,)
    for part in parts:
        try:
            expression_shape(part)
        except ShapeMismatch as symbolic:
            return str(symbolic)
        except Exception:  # noqa: BLE001 - the numeric reason is still right
            continue
    return str(error)


def _mentions(expr: Any, name: str) -> bool:
    return any(getattr(s, "name", None) == name for s in _free_symbols(expr))


def _free_symbols(expr: Any) -> frozenset[Any]:
    if not isinstance(expr, sp.Basic):
        return frozenset()
    return _free_symbols_cached(expr)


@functools.lru_cache(maxsize=4096)
def _free_symbols_cached(expr: sp.Basic) -> frozenset[Any]:
    return frozenset(expr.free_symbols) | frozenset(expr.atoms(MatrixSymbol))


def _has_derivative_symbol(expr: Any) -> bool:
    return any(_split_quantity(getattr(s, "name", "")) for s in _free_symbols(expr))


def _split_quantity(name: str) -> tuple[str, str] | None:
    match = re.fullmatch(r"d\((.+)\)/d\(([^()]+)\)", name or "")
    if match is None:
        return None
    return match.group(1), match.group(2)


_GRAPHS: dict[Any, tuple[Graph, Evaluator]] = {}


def _graph_and_evaluator(context: Any) -> tuple[Graph, Evaluator]:
    """One graph (with its derived partials) and one set of points per context."""
    key = _context_key(context)
    found = _GRAPHS.get(key) if key is not None else None
    if found is None:
        graph = _graph_from_context(context)
        found = (graph, Evaluator(graph))
        if key is not None:
            if len(_GRAPHS) > 32:
                _GRAPHS.clear()
            _GRAPHS[key] = found
    return found


def _context_key(context: Any) -> Any:
    if context is None:
        return ("no context",)
    fingerprint = getattr(context, "fingerprint", None)
    if fingerprint is None:
        return None
    return (
        fingerprint,
        tuple(sorted((getattr(context, "function_derivative_sources", {}) or {}).items())),
    )


def _graph_from_context(context: Any) -> Graph:
    """The context's symbols and definitions as a :class:`Graph`."""
    symbols: dict[str, Any] = {}
    definitions: dict[str, Any] = {}
    rules: dict[str, Any] = {}
    if context is not None:
        for name in list(getattr(context, "shapes", {})) + sorted(getattr(context, "scalars", ())):
            symbols[name] = context.symbol(name)
        definitions = dict(context.definitions)
        rules = dict(context.function_derivatives)
        for name in definitions:
            symbols.setdefault(name, context.symbol(name))
        for expr in definitions.values():
            for sym in _free_symbols(expr):
                symbols.setdefault(sym.name, sym)
    return Graph(symbols, definitions, rules)


# --------------------------------------------------------------------------- reading


_CLAIM_RE = re.compile(r"=\s*\\text\s*\{([^{}]*)\}\s*\.?\s*$")
_THEREFORE_RE = re.compile(r"^\s*(\\therefore|∴)")


def _read(source: MathSource, context: Any) -> list[_Statement]:
    """Parse one statement (or the several the parser splits it into: ``A = 0
    \\Rightarrow B = C``); a trailing ``= \text{...}`` claim is kept aside."""
    from grader.math.parse import MathParseError, parse_math, split_statements_detailed

    text = source.text
    claim = None
    match = _CLAIM_RE.search(text)
    if match:
        claim = match.group(1).strip()
        text = text[: match.start()].rstrip()
    pieces = split_statements_detailed(text) if text else []
    if len(pieces) <= 1:
        pieces_list = [(text, source.role, 0)]
    else:
        pieces_list = [(p.text, p.role, p.offset) for p in pieces]
    statements = []
    for index, (piece, role, offset) in enumerate(pieces_list):
        sub = source
        if len(pieces_list) > 1:
            sub = MathSource(
                line_no=source.line_no,
                text=piece,
                origin=source.origin,
                role="side_note" if "side_note" in (role, source.role) else "main",
                column=source.column + offset,
                in_prose=source.in_prose,
                marker=source.marker,
            )
        piece_claim = claim if index == len(pieces_list) - 1 else None
        try:
            statements.append(_Statement(sub, parse_math(piece, context), claim=piece_claim))
        except MathParseError as error:
            statements.append(_Statement(sub, None, error=error, claim=piece_claim))
    return statements


def _read_as(line: Any) -> str | None:
    if line is None:
        return None
    terms = [plain(t) for t in getattr(line, "terms", [])]
    if not terms:
        return getattr(line, "source", None)
    joined = " = ".join(terms)
    if getattr(line, "continues_previous", False):
        joined = "= " + joined
    if getattr(line, "relation", "=") == "=>":
        joined = "=> " + joined
    return joined


def _is_zero(expr: Any) -> bool:
    if isinstance(expr, sp.matrices.expressions.ZeroMatrix):
        return True
    try:
        return bool(expr == 0) or (isinstance(expr, sp.Basic) and expr.is_zero is True)
    except TypeError:
        return False


def _gradient_node(expr: Any) -> tuple[Any, Any] | None:
    """(inner, wrt) of a ``grader.math`` Gradient node."""
    try:
        from grader.math._nodes import Gradient
    except ImportError:  # pragma: no cover - the parser is part of the package
        return None
    if isinstance(expr, Gradient):
        return expr.expr, expr.wrt
    return None


def _with_gradient_wrt(expr: Any, wrt: Any) -> Any:
    """Fill in the variable of ``\\nabla (...)`` written without one."""
    from grader.math._nodes import Gradient

    def fill(node: Any) -> Any:
        return Gradient(node.expr, wrt) if node.wrt is None else node

    if not isinstance(expr, sp.Basic) or wrt is None:
        return expr
    return expr.replace(lambda n: isinstance(n, Gradient) and n.wrt is None, fill)


def _is_expanded(expr: Any) -> bool:
    """A sum of products of atoms, at most a number times the whole sum (see Milestone)."""
    body = _drop_number(expr)
    terms = body.args if isinstance(body, (sp.Add, sp.matrices.expressions.MatAdd)) else (body,)
    return all(_is_monomial(_drop_number(term)) for term in terms)


def _drop_number(expr: Any) -> Any:
    if isinstance(expr, (sp.Mul, sp.matrices.expressions.MatMul)):
        rest = [a for a in expr.args if not (isinstance(a, sp.Basic) and a.is_number)]
        if len(rest) == 1:
            return rest[0]
        if len(rest) < len(expr.args):
            return type(expr)(*rest)
    return expr


def _is_monomial(expr: Any) -> bool:
    factors = expr.args if isinstance(expr, (sp.Mul, sp.matrices.expressions.MatMul)) else (expr,)
    return all(_is_atom(f) for f in factors)


def _is_atom(expr: Any) -> bool:
    from sympy.matrices.expressions import Inverse, MatPow, Transpose

    if isinstance(expr, (sp.Symbol, MatrixSymbol)) or (
        isinstance(expr, sp.Basic) and expr.is_number
    ):
        return True
    if isinstance(expr, (Transpose, Inverse)):
        return isinstance(expr.args[0], MatrixSymbol)
    if isinstance(expr, (sp.Pow, MatPow)):
        return _is_atom(expr.args[0]) and not isinstance(expr.args[0], (sp.Add,))
    if isinstance(expr, sp.Function):
        return True
    return False


# --------------------------------------------------------------------------- one step


def _check_statement(checker: _Checker, statement: _Statement) -> _Outcome:
    """Classify and judge one statement (runs under the time limit)."""
    outcome = _classify_and_check(checker, statement)
    # The parser reads "X^T y / X^T X" as a product with an inverse and notes
    # the division by a matrix: name that mistake rather than the shapes.
    problems = getattr(statement.line, "shape_problems", None) or []
    division = next((p for p in problems if p.startswith("divides by")), None)
    step = outcome.step
    if division and step.status == "wrong" and step.diagnosis in ("shape_mismatch", None):
        step.diagnosis = "matrix_division"
        step.message = "division by a matrix: " + division.split(" (column")[0]
        for _, record in outcome.value_records:
            if record["line_no"] == step.line_no and record["status"] == "wrong":
                record["diagnosis"] = step.diagnosis
                record["message"] = step.message
    return outcome


def _classify_and_check(checker: _Checker, statement: _Statement) -> _Outcome:
    """Classify one statement and run the checks of its kind."""
    source = statement.source
    line = statement.line
    step = DerivationStep(
        line_no=source.line_no,
        source=source.text,
        read_as=_read_as(line),
        kind="text",
        role=source.role,
        column=source.column,
        repairs=list(getattr(line, "repairs", []) or []),
    )
    outcome = _Outcome(step, keep_main=True)
    if line is None:
        reason = getattr(statement.error, "reason", "") or ""
        if any(reason.startswith(known) for known in _MEANINGLESS):
            return _meaningless(checker, outcome, statement, reason)
        return _unreadable(outcome, statement)
    kind = getattr(line, "kind", "expression")
    terms = list(getattr(line, "terms", []) or [])
    if kind == "text" or not terms:
        step.kind = "text"
        return outcome
    if kind == "shape_statement":
        step.kind = "side_note"
        step.message = "a statement of shapes (not part of the derivation)"
        return outcome
    unknown = [n for n in (getattr(line, "unknown_names", []) or []) if n not in checker.new_names]
    aside = statement.claim is not None or (
        _THEREFORE_RE.match(source.text) is not None and source.role == "side_note"
    )
    if aside:
        return _check_aside(checker, outcome, terms, statement.claim)

    continues = bool(getattr(line, "continues_previous", False))
    outcome.continues = continues
    outcome.names = {getattr(s, "name", "") for t in terms for s in _free_symbols(t)}
    relation = getattr(line, "relation", "=")
    head = terms[0] = checker.unwrap_call(terms[0]) if not continues else terms[0]
    quantity = None if continues else checker.quantity_of(head)

    # a local derivative, a restated definition written as a side note, another quantity
    if quantity is not None and _split_quantity(quantity) is not None:
        of, wrt = _split_quantity(quantity)
        if checker.graph.is_local(of, wrt) or not checker.knows(of):
            return _check_local(
                checker, outcome, quantity, terms[1:], local=checker.graph.is_local(of, wrt)
            )
    if source.role == "side_note" and not continues:
        if quantity is not None and len(terms) > 1:
            return _check_values(checker, outcome, quantity, terms[1:], unknown, side_note=True)
        return _check_aside(checker, outcome, terms, None)

    if continues:
        if checker.equation is not None and checker.main_quantity is None:
            return _check_equation(
                checker,
                outcome,
                [checker.equation["rhs"], *terms],
                relation,
                unknown,
                continues=True,
            )
        if checker.main_quantity is None:
            step.kind = "rewrite"
            step.message = "continues a line that states no quantity (not checked)"
            return outcome
        if _is_stationarity(checker, terms, relation, continues=True):
            return _check_stationarity(checker, outcome, terms, unknown)
        return _check_values(checker, outcome, checker.main_quantity, terms, unknown)

    if (
        quantity is not None
        and _split_quantity(quantity) is not None
        and len(terms) == 2
        and _is_zero(terms[1])
    ):
        return _check_stationarity(checker, outcome, terms, unknown, quantity=quantity)
    if quantity is not None:
        if len(terms) == 1:
            step.kind = "rewrite"
            step.quantity = quantity
            step.message = "names the quantity only"
            outcome.main_quantity = quantity
            outcome.keep_main = False
            return outcome
        return _check_values(checker, outcome, quantity, terms[1:], unknown)

    gradient = _gradient_node(head)
    if gradient is not None and len(terms) > 1:
        if checker.main_quantity is not None and _split_quantity(checker.main_quantity):
            # in the middle of a derivative's chain: an aside about something else
            step.kind = "side_note"
            step.message = "a statement about another quantity (not checked)"
            return _garbled_check(checker, outcome, terms)
        quantity = checker.gradient_quantity(gradient)
        return _check_values(checker, outcome, quantity, terms[1:], unknown)

    if len(terms) == 1:
        step.kind = "text"
        step.message = "an expression on its own (not checked)"
        return outcome
    # a new name: w_1' = w_1 - alpha dL/dw1
    if checker.is_new_name(head) and len(terms) == 2:
        step.kind = "definition"
        step.quantity = head.name
        step.message = f"defines the new name {head.name}"
        outcome.new_names[head.name] = terms[1]
        outcome.values.append((head.name, terms[1]))
        outcome.main_quantity = head.name
        outcome.keep_main = False
        return outcome
    if _is_stationarity(checker, terms, relation, continues=False):
        return _check_stationarity(checker, outcome, terms, unknown)
    if relation == "=>" or checker.equation is not None or checker.is_unknown_symbol(head):
        return _check_equation(checker, outcome, terms, relation, unknown)
    identity = checker.compare(terms[1], terms[0], student_mode="student", reference_mode="student")
    if identity.equal or (identity.verdict == "undetermined" and not checker.ill_formed(terms)):
        return _check_expression_rewrite(checker, outcome, terms, identity)
    return _check_equation(checker, outcome, terms, relation, unknown)


# Parse errors that are the student's mistake, not the reader's: the line is
# read, and it is meaningless (the same list as grader.math.equivalence).
_MEANINGLESS = {
    "division by a matrix": "matrix_division",
    "square root of a matrix": "shape_mismatch",
}


def _meaningless(
    checker: _Checker, outcome: _Outcome, statement: _Statement, reason: str
) -> _Outcome:
    """A line that reads but means nothing (``beta = X^T y / X^T X``): wrong, never ECF."""
    from grader.math.parse import MathParseError, parse_math

    step = outcome.step
    text = statement.source.text
    continues = text.lstrip().startswith("=")
    step.diagnosis = next(d for known, d in _MEANINGLESS.items() if reason.startswith(known))
    step.vs_truth = "not_equal"
    step.status = "wrong"
    step.message = reason.split(" at column")[0]
    step.details = {"position": getattr(statement.error, "position", None), "reason": reason}
    if continues and checker.main_quantity is not None:
        step.kind = "differentiation" if _split_quantity(checker.main_quantity) else "rewrite"
        step.quantity = checker.main_quantity
        outcome.value_records.append(
            (
                checker.main_quantity,
                {
                    "line_no": step.line_no,
                    "status": "wrong",
                    "diagnosis": step.diagnosis,
                    "message": step.message,
                    "expr": None,
                    "unevaluated": False,
                    "ocr": False,
                    "side_note": False,
                },
            )
        )
        return outcome
    step.kind = "equation"
    left = text.split("=", 1)[0] if "=" in text else ""
    if left.strip():
        try:
            terms = parse_math(left, checker.context).terms
            outcome.lhs = terms[0] if len(terms) == 1 else None
        except MathParseError:
            outcome.lhs = None
    outcome.keep_main = False
    outcome.main_quantity = None
    return outcome


def _unreadable(outcome: _Outcome, statement: _Statement) -> _Outcome:
    step = outcome.step
    error = statement.error
    position = getattr(error, "position", None)
    reason = getattr(error, "reason", None) or str(error)
    step.kind = "unreadable"
    step.status = "review"
    step.message = reason if position is None else f"column {position + 1}: {reason}"
    step.details = {"position": position, "reason": reason}
    if statement.source.role == "side_note" or statement.claim is not None:
        step.ocr_suspect = True
        step.ocr_note = f"a side note that cannot be read ({reason})"
    return outcome


def _judge(step: DerivationStep) -> None:
    """The step's status from its verdicts (ECF: wrong vs truth but follows)."""
    if step.ocr_suspect:
        step.status = "review"
    elif step.vs_truth == "equal":
        step.status = "correct"
    elif step.vs_truth == "not_equal":
        meaningless = step.diagnosis in ("shape_mismatch", "matrix_division")
        if step.vs_previous == "equal" and not meaningless:
            step.status = "carried_forward"
        else:
            step.status = "wrong"
    elif step.vs_truth == "undetermined" or step.vs_previous == "undetermined":
        step.status = "undetermined"
    elif step.vs_previous == "equal":
        step.status = "correct"
    elif step.vs_previous == "not_equal":
        step.status = "wrong"
    else:
        step.status = "unchecked"


def _check_values(
    checker: _Checker,
    outcome: _Outcome,
    quantity: str,
    values: list[Any],
    unknown: list[str],
    *,
    side_note: bool = False,
) -> _Outcome:
    """Rewrites, definitions and derivatives: each value vs previous and vs truth."""
    step = outcome.step
    split = _split_quantity(quantity)
    step.quantity = quantity
    if split is not None:
        step.kind = "differentiation"
    elif quantity in checker.graph.definitions and not outcome.continues:
        step.kind = "definition"
    else:
        step.kind = "rewrite"
    if side_note:
        step.kind = "side_note"
    outcome.main_quantity = None if side_note else quantity
    outcome.keep_main = side_note
    truth = checker.truth_expr(quantity)
    wrt_symbol = checker.graph.symbols.get(split[1]) if split else None
    previous = checker.student_expr(quantity)
    ecf = checker.ecf_expr(quantity) if split else None
    messages = []
    first_problem: _Verdict | None = None
    vs_previous_all: list[str] = []
    vs_truth_all: list[str] = []
    for value in values:
        value = _with_gradient_wrt(value, wrt_symbol)
        gradient = _gradient_node(value)
        if gradient is not None and split is not None:
            _record_gradient_argument(checker, outcome, split[0], gradient[0])
        truth_verdict = (
            checker.compare(value, truth, student_mode="student") if truth is not None else None
        )
        if previous is not None:
            prev_verdict = checker.compare(
                value, previous, student_mode="student", reference_mode="student"
            )
        elif ecf is not None:
            prev_verdict = checker.compare(
                value, ecf, student_mode="student", reference_mode="student"
            )
        else:
            prev_verdict = None
        if (
            truth_verdict is not None
            and not truth_verdict.equal
            and ecf is not None
            and previous is not None
        ):
            via_graph = checker.compare(
                value, ecf, student_mode="student", reference_mode="student"
            )
            if via_graph.equal:
                prev_verdict = via_graph
        target = truth if truth is not None else previous
        deciding = truth_verdict if truth is not None else prev_verdict
        if deciding is not None and not deciding.equal and unknown and target is not None:
            fitted = _fit_ocr(checker, value, target, unknown)
            if fitted is not None:
                step.ocr_suspect = True
                step.ocr_note, repaired = fitted
                step.details["read_as_repaired"] = plain(repaired)
                value = repaired  # later lines are compared with the repaired reading
                if truth is not None:
                    truth_verdict = checker.compare(value, truth, student_mode="student")
                if previous is not None:
                    prev_verdict = checker.compare(
                        value, previous, student_mode="student", reference_mode="student"
                    )
        vs_truth_all.append(truth_verdict.verdict if truth_verdict else "none")
        vs_previous_all.append(prev_verdict.verdict if prev_verdict else "none")
        record_status = _record_status(truth_verdict, prev_verdict, step.ocr_suspect)
        problem = truth_verdict if truth_verdict is not None and not truth_verdict.equal else None
        if problem is not None and prev_verdict is not None and not prev_verdict.equal:
            own_reference = ecf if ecf is not None else previous
            if own_reference is not None:
                own = checker.compare(
                    checker.student_form(value),
                    checker.student_form(own_reference),
                    student_mode="student",
                    reference_mode="student",
                )
                if own.diagnosis not in (None, "different") and own.verdict == "not_equal":
                    problem = own  # name the new error against the student's own work
        if problem is not None and first_problem is None:
            first_problem = problem
        outcome.values.append((quantity, value))
        outcome.value_records.append(
            (
                quantity,
                {
                    "line_no": step.line_no,
                    "status": record_status,
                    "diagnosis": problem.diagnosis if problem else None,
                    "message": problem.reason if problem else "",
                    "expr": value,
                    "unevaluated": gradient is not None or _has_derivative_symbol(value),
                    "ocr": step.ocr_suspect,
                    "side_note": side_note,
                },
            )
        )
        previous = value
        if problem is not None and problem.reason:
            messages.append(problem.reason)
        elif truth_verdict is None and prev_verdict is not None and not prev_verdict.equal:
            messages.append(f"does not follow from the previous line ({prev_verdict.reason})")
        elif truth_verdict is not None and truth_verdict.verdict == "undetermined":
            messages.append(truth_verdict.reason)
    step.vs_truth = _worst(vs_truth_all)
    step.vs_previous = _worst(vs_previous_all)
    if first_problem is not None:
        step.diagnosis = first_problem.diagnosis
        step.details.update(first_problem.details)
    if truth is not None:
        step.details["expected"] = plain(truth)
    _judge(step)
    if step.ocr_suspect:
        step.message = step.ocr_note or ""
    elif step.status == "carried_forward":
        step.message = "follows from the earlier (wrong) line: error carried forward"
    elif messages:
        step.message = "; ".join(dict.fromkeys(messages))
    elif truth is None and step.vs_previous is None:
        step.message = "no reference to compare with"
    return outcome


def _record_gradient_argument(checker: _Checker, outcome: _Outcome, of: str, inner: Any) -> None:
    """``\\nabla (expr)`` restates ``of``: the argument counts as a value of it."""
    if not checker.knows(of):
        return
    truth = checker.truth_expr(of)
    verdict = checker.compare(inner, truth, student_mode="student") if truth is not None else None
    previous = checker.student_expr(of)
    prev_verdict = (
        checker.compare(inner, previous, student_mode="student", reference_mode="student")
        if previous is not None
        else None
    )
    outcome.values.append((of, inner))
    outcome.value_records.append(
        (
            of,
            {
                "line_no": outcome.step.line_no,
                "status": _record_status(verdict, prev_verdict, False),
                "diagnosis": verdict.diagnosis if verdict and not verdict.equal else None,
                "message": verdict.reason if verdict and not verdict.equal else "",
                "expr": inner,
                "unevaluated": False,
                "ocr": False,
                "side_note": False,
            },
        )
    )


def _record_status(truth: _Verdict | None, previous: _Verdict | None, ocr: bool) -> str:
    if ocr:
        return "ocr"
    if truth is None:
        return "unknown" if previous is None or previous.verdict != "not_equal" else "wrong"
    if truth.equal:
        return "right"
    if truth.verdict == "undetermined":
        return "undetermined"
    meaningless = truth.diagnosis in ("shape_mismatch", "matrix_division")
    if previous is not None and previous.equal and not meaningless:
        return "carried"
    return "wrong"


def _worst(verdicts: list[str]) -> str | None:
    for candidate in ("not_equal", "undetermined", "equal"):
        if candidate in verdicts:
            return candidate
    return None


def _fit_ocr(
    checker: _Checker, value: Any, truth: Any, unknown: list[str]
) -> tuple[str, Any] | None:
    """("'f' read where 1/2 makes the line right", the repaired value), or None."""
    for name in unknown:
        constant = checker.fit_constant(value, name, truth)
        if constant is not None:
            symbol = next(s for s in _free_symbols(value) if getattr(s, "name", None) == name)
            repaired = value.xreplace({symbol: constant})
            return f"'{name}' read where {constant} makes the line right", repaired
    return None


def _check_local(
    checker: _Checker, outcome: _Outcome, quantity: str, values: list[Any], *, local: bool
) -> _Outcome:
    """A local derivative (one edge of the graph) or a derivative of another quantity."""
    step = outcome.step
    step.kind = "side_note"
    step.quantity = quantity
    of, wrt = _split_quantity(quantity)
    if not local or not values:
        step.message = "a statement about another quantity (not checked)"
        return _garbled_check(checker, outcome, values)
    truth = checker.graph.local(of, wrt)
    verdicts = [checker.compare(v, truth, student_mode="student") for v in values]
    worst = next((v for v in verdicts if not v.equal), None)
    step.vs_truth = _worst([v.verdict for v in verdicts])
    step.details["expected"] = plain(truth)
    for value in values:
        outcome.values.append((quantity, value))
    if worst is not None and worst.diagnosis == "shape_mismatch":
        step.ocr_suspect = True
        step.ocr_note = f"a garbled side note ({worst.reason})"
    elif worst is not None:
        step.diagnosis = worst.diagnosis
        step.message = f"local derivative: {worst.reason}"
    else:
        step.message = "local derivative"
    _judge(step)
    return outcome


def _garbled_check(checker: _Checker, outcome: _Outcome, terms: list[Any]) -> _Outcome:
    step = outcome.step
    for term in terms:
        try:
            checker.values_of(term, checker.resolver("student"))
        except (ShapeMismatch, MatrixDivision) as error:
            step.ocr_suspect = True
            step.ocr_note = f"a garbled side note ({error})"
            step.status = "review"
            step.message = step.ocr_note
            return outcome
        except EvaluationError:
            continue
    return outcome


def _check_aside(
    checker: _Checker, outcome: _Outcome, terms: list[Any], claim: str | None
) -> _Outcome:
    """``\\therefore A = B = \\text{scalar}``: garbled or nonsense -> OCR suspect."""
    step = outcome.step
    step.kind = "side_note"
    problems: list[str] = []
    values: list[list[np.ndarray] | None] = []
    for term in terms:
        try:
            values.append(checker.values_of(term, checker.resolver("student")))
        except (ShapeMismatch, MatrixDivision) as error:
            problems.append(str(error))
            values.append(None)
        except EvaluationError:
            values.append(None)
    if claim is not None and claim.lower() in ("scalar", "a scalar", "const", "constant"):
        for term, found in zip(terms, values, strict=True):
            if found is not None and found[0].ndim != 0:
                problems.append(f"{plain(term)} is {_written_shape(term, found[0])}, not a scalar")
    known = [v for v in values if v is not None]
    for first, second in zip(known, known[1:], strict=False):
        if not _compare_values(second, first).equal:
            problems.append("its sides are not equal")
            break
    if problems:
        step.ocr_suspect = True
        step.ocr_note = "a garbled side note (" + "; ".join(dict.fromkeys(problems)) + ")"
        step.status = "review"
        step.message = step.ocr_note
    else:
        step.status = "correct" if known else "unchecked"
        step.message = "side note"
    return outcome


def _check_expression_rewrite(
    checker: _Checker, outcome: _Outcome, terms: list[Any], identity: _Verdict
) -> _Outcome:
    step = outcome.step
    step.kind = "rewrite"
    verdicts = [identity] + [
        checker.compare(b, a, student_mode="student", reference_mode="student")
        for a, b in zip(terms[1:], terms[2:], strict=False)
    ]
    step.vs_previous = _worst([v.verdict for v in verdicts])
    step.vs_truth = step.vs_previous
    bad = next((v for v in verdicts if not v.equal), None)
    if bad is not None:
        step.diagnosis = bad.diagnosis
        step.message = bad.reason
    _judge(step)
    outcome.main_quantity = None
    outcome.keep_main = False
    return outcome


# --------------------------------------------------------------------------- equations


def _is_stationarity(
    checker: _Checker, terms: list[Any], relation: str, *, continues: bool
) -> bool:
    """``E = 0`` right after a gradient: the gradient set to zero."""
    if continues or len(terms) != 2 or checker.main_quantity is None:
        return False
    if _split_quantity(checker.main_quantity) is None or checker.equation is not None:
        return False
    return _is_zero(terms[0]) != _is_zero(terms[1])


def _check_stationarity(
    checker: _Checker,
    outcome: _Outcome,
    terms: list[Any],
    unknown: list[str],
    *,
    quantity: str | None = None,
) -> _Outcome:
    """``E = 0`` after a gradient, or ``\nabla J = 0`` (then E is the student's gradient)."""
    step = outcome.step
    named = quantity is not None
    quantity = quantity or checker.main_quantity
    assert quantity is not None
    expression = terms[1] if _is_zero(terms[0]) else terms[0]
    step.kind = "equation"
    step.quantity = quantity
    wrt_name = _split_quantity(quantity)[1]
    wrt = checker.graph.symbols.get(wrt_name)
    truth = checker.truth_expr(quantity)
    previous = checker.student_expr(quantity)
    as_value = (
        checker.compare(expression, truth, student_mode="student") if truth is not None else None
    )
    follows = (
        checker.compare(expression, previous, student_mode="student", reference_mode="student")
        if previous is not None
        else None
    )
    # as an equation, E = 0 follows from (and is right for) any nonzero multiple
    step.vs_previous = _as_equation_verdict(follows)
    step.vs_truth = _as_equation_verdict(as_value)
    step.details["as_value"] = as_value.verdict if as_value else None
    if step.vs_truth == "not_equal" and as_value is not None:
        step.diagnosis = as_value.diagnosis
        step.message = f"setting the gradient to zero: {as_value.reason}"
    else:
        step.message = "the gradient set to zero"
    _judge(step)
    if step.status == "carried_forward":
        step.message = "the (wrong) gradient set to zero: error carried forward"
    record_status = _record_status(as_value, follows, False)
    if not named:  # "grad J = 0" states no new value of the gradient
        outcome.value_records.append(
            (
                quantity,
                {
                    "line_no": step.line_no,
                    "status": record_status,
                    "diagnosis": as_value.diagnosis if as_value and not as_value.equal else None,
                    "message": as_value.reason if as_value and not as_value.equal else "",
                    "expr": expression,
                    "unevaluated": False,
                    "ocr": False,
                    "side_note": False,
                    "stationarity": True,
                },
            )
        )
    outcome.equation = {
        "lhs": expression,
        "rhs": sp.S.Zero,
        "unknown": wrt,
        "truth": (truth, sp.S.Zero) if truth is not None else None,
        "line_no": step.line_no,
    }
    outcome.main_quantity = None
    outcome.keep_main = False
    return outcome


def _as_equation_verdict(verdict: _Verdict | None) -> str | None:
    if verdict is None:
        return None
    if verdict.equal or verdict.diagnosis in ("sign_flip", "constant_factor"):
        return "equal"
    return verdict.verdict


def _check_equation(
    checker: _Checker,
    outcome: _Outcome,
    terms: list[Any],
    relation: str,
    unknown_names: list[str],
    *,
    continues: bool = False,
) -> _Outcome:
    """An equation step: previous equation => this one; true equation <=> this one."""
    step = outcome.step
    step.kind = "equation"
    previous = checker.equation or checker.gradient_equation()
    lhs, rhs = terms[0], terms[1]
    unknown = checker.equation_unknown(lhs, rhs)
    truth = previous.get("truth") if previous else None
    if previous is not None:
        follows = checker.equation_verdict(
            (lhs, rhs), (previous["lhs"], previous["rhs"]), unknown, both_ways=False
        )
        step.vs_previous = follows.verdict
    else:
        follows = None
    if truth is not None:
        right = checker.equation_verdict(
            (lhs, rhs), truth, unknown, both_ways=True, reference_mode="truth"
        )
        step.vs_truth = right.verdict
    else:
        right = None
    problem = right if right is not None and not right.equal else None
    if problem is None and follows is not None and not follows.equal:
        problem = follows
    extra = [
        checker.compare(b, a, student_mode="student", reference_mode="student")
        for a, b in zip(terms[1:], terms[2:], strict=False)
    ]
    bad_extra = next((v for v in extra if not v.equal), None)
    if bad_extra is not None:
        step.vs_previous = "not_equal"
        problem = problem or bad_extra
    if problem is not None:
        step.diagnosis = problem.diagnosis
        step.message = problem.reason
        step.details.update(problem.details)
    _judge(step)
    if step.status == "carried_forward":
        step.message = "follows from the earlier (wrong) equation: error carried forward"
    elif step.status == "correct" and not step.message:
        step.message = "follows" if truth is None else ""
    outcome.equation = {
        "lhs": lhs,
        "rhs": terms[-1],
        "unknown": unknown,
        "truth": truth,
        "line_no": step.line_no,
    }
    outcome.main_quantity = None
    outcome.keep_main = False
    return outcome


# --------------------------------------------------------------------------- the driver


def check_derivation(
    lines: str | Sequence[tuple[int, str]],
    context: Any,
    *,
    milestones: Iterable[Milestone] = (),
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    first_line: int = 1,
) -> DerivationResult:
    """Check a derivation step by step; see the module docstring.

    ``lines``: the answer's text (line numbers counted from ``first_line``)
    or a list of ``(line_no, text)``. ``context``: a ``MathContext`` (or
    None). ``time_limit``: seconds per step (None: no limit).

    With a time limit, the whole derivation is first checked in one call of
    ``grader.timelimit`` limited to one step's time plus a quarter second per
    statement (the usual case: a derivation takes a fraction of a second). Only when that runs out is it
    checked again step by step, each step under the limit, so that the step
    that runs out is ``undetermined`` and the others are still checked.
    """
    sources = _sources(lines, first_line)
    milestones = list(milestones)
    if time_limit is not None:
        from grader.timelimit import TimeLimitExceeded, WorkerCrashed, run_with_time_limit

        # one step's time, plus a little per statement for long answers
        budget = time_limit + 0.25 * len(sources)
        try:
            return run_with_time_limit(
                _check_all, sources, context, milestones, None, seconds=budget
            )
        except (TimeLimitExceeded, WorkerCrashed):
            pass  # step by step below, each step under the limit
    return _check_all(sources, context, milestones, time_limit)


def _check_all(
    sources: list[MathSource],
    context: Any,
    milestones: list[Milestone],
    step_limit: float | None,
) -> DerivationResult:
    references, milestone_specs = _milestone_references(milestones, context)
    checker = _Checker(context, references)
    _prepare_truths(checker, step_limit)
    steps: list[DerivationStep] = []
    candidates: list[tuple[DerivationStep, Any, Any]] = []
    for source in sources:
        for statement in _read(source, context):
            outcome = _run_step(checker, statement, step_limit)
            checker.apply(outcome)
            steps.append(outcome.step)
            line = statement.line
            terms = list(getattr(line, "terms", []) or []) if line is not None else []
            if len(terms) >= 2 and not getattr(line, "continues_previous", False):
                candidates.append((outcome.step, terms[0], terms[1]))
            elif terms and outcome.step.kind == "equation" and checker.equation is not None:
                candidates.append((outcome.step, checker.equation["lhs"], checker.equation["rhs"]))
            elif outcome.lhs is not None:
                candidates.append((outcome.step, outcome.lhs, None))
    results = [_safe_milestone_result(checker, spec, candidates, steps) for spec in milestone_specs]
    return DerivationResult(steps=steps, milestones=results)


def _sources(lines: str | Sequence[tuple[int, str]], first_line: int) -> list[MathSource]:
    if isinstance(lines, str):
        found = find_math_lines(lines, first_line)
        return [s for s in found if not (s.origin == "inline" and s.in_prose)]
    numbered = list(lines)
    if not numbered:
        return []
    text = "\n".join(text for _, text in numbered)
    found = find_math_lines(text, 0)
    numbers = [number for number, _ in numbered]
    return [
        MathSource(
            line_no=numbers[min(s.line_no, len(numbers) - 1)],
            text=s.text,
            origin=s.origin,
            role=s.role,
            column=s.column,
            in_prose=s.in_prose,
            marker=s.marker,
        )
        for s in found
        if not (s.origin == "inline" and s.in_prose)
    ]


def _run_step(checker: _Checker, statement: _Statement, time_limit: float | None) -> _Outcome:
    """One step under the time limit; running out makes it ``undetermined``."""
    from grader.timelimit import TimeLimitExceeded, WorkerCrashed, run_with_time_limit

    try:
        if time_limit is None:
            return _check_statement(checker, statement)
        return run_with_time_limit(_check_statement, checker, statement, seconds=time_limit)
    except TimeLimitExceeded as error:
        reason = f"the check {error}"
    except WorkerCrashed:
        reason = "the check crashed (out of memory?)"
    except RecursionError:
        reason = "the values the lines give refer to each other in a cycle"
    except Exception as error:  # noqa: BLE001 - a failed check is a result, never a crash
        # (the grader's own bug or SymPy's: the step is flagged for a human)
        reason = f"the check failed: {type(error).__name__}: {error}"
    source = statement.source
    step = DerivationStep(
        line_no=source.line_no,
        source=source.text,
        read_as=_read_as(statement.line),
        kind=_rough_kind(statement.line),
        role=source.role,
        column=source.column,
        status="undetermined",
        message=reason,
    )
    return _Outcome(step, keep_main=True)


def _rough_kind(line: Any) -> str:
    """The kind of a step whose check did not finish, from its shape alone."""
    if line is None:
        return "unreadable"
    terms = list(getattr(line, "terms", []) or [])
    if not terms or getattr(line, "kind", "") == "text":
        return "text"
    if getattr(line, "continues_previous", False):
        return "rewrite"
    head = terms[0]
    if _split_quantity(getattr(head, "name", "") or "") or _gradient_node(head) is not None:
        return "differentiation"
    return "equation" if len(terms) > 1 else "text"


def _prepare_truths(checker: _Checker, time_limit: float | None) -> None:
    """Derive every partial of the graph's sinks once per context (bounded).

    The graph is shared by every check with the same context, so this runs
    once per question in batch grading. If it runs out of time, partials are
    derived lazily, step by step, each under the step's limit.
    """
    from grader.timelimit import TimeLimitExceeded, WorkerCrashed, run_with_time_limit

    graph = checker.graph
    if not graph.definitions or getattr(graph, "prepared", False):
        return
    try:
        if time_limit is None:
            derived = _derive_all(graph)
        else:
            derived = run_with_time_limit(_derive_all, graph, seconds=time_limit)
        graph._partials.update(derived)
    except (TimeLimitExceeded, WorkerCrashed):
        pass
    graph.prepared = True


def _derive_all(graph: Graph) -> dict:
    for sink in [name for name in graph.definitions if graph.is_sink(name)]:
        for name in graph.symbols:
            if name != sink and graph.depends_on(sink, name):
                try:
                    graph.partial(sink, name)
                except (TypeError, ValueError, AttributeError, NotImplementedError):
                    continue
    for node in graph.definitions:
        for used in graph.uses(node):
            if graph._all_scalar(node, used):
                graph.local(node, used)
    return dict(graph._partials)


# --------------------------------------------------------------------------- milestones


@dataclass
class _MilestoneSpec:
    milestone: Milestone
    quantity: str | None
    reference: Any | None  # value / form: expression; equation: (lhs, rhs)
    error: str | None = None


def _quantity_name(text: str, context: Any) -> str | None:
    """``dL/dz1``, ``d(J)/d(beta)``, ``\\frac{\\partial L}{\\partial z_1}``, ``J`` -> a quantity name."""
    text = text.strip()
    resolve = getattr(context, "resolve_alias", lambda n: n)
    from grader.math._names import canonical_name

    match = re.fullmatch(r"d\((.+)\)/d\((.+)\)", text) or re.fullmatch(
        r"d\s*([A-Za-z][\w{}\\]*)\s*/\s*d\s*([A-Za-z][\w{}\\']*)", text
    )
    if match:
        return f"d({resolve(canonical_name(match.group(1)))})/d({resolve(canonical_name(match.group(2)))})"
    try:
        from grader.math.parse import parse_math

        line = parse_math(text, context)
    except Exception:  # noqa: BLE001 - a bad milestone is reported, not raised
        return None
    terms = list(getattr(line, "terms", []) or [])
    if len(terms) == 1 and isinstance(terms[0], (sp.Symbol, MatrixSymbol)):
        return terms[0].name
    return None


def _milestone_references(
    milestones: list[Milestone], context: Any
) -> tuple[dict[str, Any], list[_MilestoneSpec]]:
    """Parse milestone statements; values they state become references for
    quantities the context does not define."""
    from grader.math.parse import MathParseError, parse_math

    references: dict[str, Any] = {}
    specs = []
    defined = set(getattr(context, "definition_sources", {}) or {})
    for milestone in milestones:
        if milestone.kind not in ("value", "equation", "form"):
            specs.append(
                _MilestoneSpec(milestone, None, None, f"unknown milestone kind {milestone.kind!r}")
            )
            continue
        quantity = _quantity_name(milestone.quantity, context) if milestone.quantity else None
        try:
            line = parse_math(milestone.statement, context)
        except MathParseError as error:
            specs.append(
                _MilestoneSpec(milestone, quantity, None, f"cannot read the statement: {error}")
            )
            continue
        terms = list(getattr(line, "terms", []) or [])
        reference: Any = None
        if milestone.kind == "equation":
            if len(terms) >= 2:
                reference = (terms[0], terms[-1])
        else:
            if len(terms) >= 2:
                if quantity is None and isinstance(terms[0], (sp.Symbol, MatrixSymbol)):
                    quantity = terms[0].name
                reference = terms[-1]
            elif len(terms) == 1:
                if quantity is None and isinstance(terms[0], (sp.Symbol, MatrixSymbol)):
                    quantity = terms[0].name
                else:
                    reference = terms[0]
            if quantity is not None and reference is not None:
                of = (_split_quantity(quantity) or (quantity, None))[0]
                if of not in defined and quantity not in defined:
                    references.setdefault(quantity, reference)
        specs.append(_MilestoneSpec(milestone, quantity, reference))
    return references, specs


def _safe_milestone_result(
    checker: _Checker,
    spec: _MilestoneSpec,
    candidates: list[tuple[DerivationStep, Any, Any]],
    steps: list[DerivationStep],
) -> MilestoneResult:
    try:
        return _milestone_result(checker, spec, candidates, steps)
    except Exception as error:  # noqa: BLE001 - undetermined, for a human
        return MilestoneResult(
            spec.milestone.id,
            "undetermined",
            message=f"the check failed: {type(error).__name__}: {error}",
        )


def _milestone_result(
    checker: _Checker,
    spec: _MilestoneSpec,
    candidates: list[tuple[DerivationStep, Any, Any]],
    steps: list[DerivationStep],
) -> MilestoneResult:
    milestone = spec.milestone
    if spec.error:
        return MilestoneResult(milestone.id, "undetermined", message=spec.error)
    if milestone.kind == "equation":
        return _equation_milestone(checker, spec, candidates)
    if spec.quantity is None:
        return MilestoneResult(
            milestone.id, "undetermined", message="the milestone names no quantity"
        )
    records = [r for r in checker.records.get(spec.quantity, []) if not r.get("side_note")]
    if milestone.kind == "form":
        return _form_milestone(checker, spec, records)
    return _value_milestone(milestone, records)


def _value_milestone(milestone: Milestone, records: list[dict]) -> MilestoneResult:
    """The last value the student gives; a slip corrected on the next value line."""
    explicit = [r for r in records if not (r.get("unevaluated") and r["status"] == "right")]
    explicit = explicit or records
    if not explicit:
        return MilestoneResult(milestone.id, "missing", message="not stated")
    last = explicit[-1]
    line = last["line_no"]
    if last["status"] == "ocr":
        return MilestoneResult(
            milestone.id, "ocr_suspect", line, message="the line looks misread; check by hand"
        )
    if last["status"] in ("undetermined", "unknown"):
        return MilestoneResult(
            milestone.id, "undetermined", line, message=last.get("message") or "could not decide"
        )
    if last["status"] == "right":
        for index, record in enumerate(explicit[:-1]):
            if record["status"] == "wrong":
                nxt = explicit[index + 1]
                immediate = nxt["status"] == "right"
                return MilestoneResult(
                    milestone.id,
                    "corrected_slip",
                    record["line_no"],
                    record["diagnosis"],
                    f"line {record['line_no']}: {record['message'] or 'a slip'}; right again on line "
                    f"{nxt['line_no'] if immediate else line}",
                    [record["line_no"], nxt["line_no"] if immediate else line],
                )
        return MilestoneResult(milestone.id, "correct", line, lines=[line])
    own_error = next((r for r in explicit if r["status"] == "wrong"), None)
    if last["status"] == "carried" and own_error is not None:
        # the error was made in this quantity's own lines and carried on: wrong
        return MilestoneResult(
            milestone.id,
            "wrong",
            own_error["line_no"],
            own_error["diagnosis"],
            f"line {own_error['line_no']}: {own_error.get('message') or 'wrong'}, carried on to "
            f"line {line}",
            [own_error["line_no"], line],
        )
    if last["status"] == "carried":
        return MilestoneResult(
            milestone.id,
            "carried_forward",
            line,
            message="follows from an earlier wrong line (error carried forward)",
            lines=[line],
        )
    return MilestoneResult(
        milestone.id, "wrong", line, last["diagnosis"], last.get("message") or "wrong", [line]
    )


def _form_milestone(
    checker: _Checker, spec: _MilestoneSpec, records: list[dict]
) -> MilestoneResult:
    """A value of the quantity that is right and expanded (see Milestone)."""
    milestone = spec.milestone
    expanded = [r for r in records if r["expr"] is not None and _is_expanded(r["expr"])]
    for record in expanded:
        if record["status"] == "right":
            return MilestoneResult(
                milestone.id, "correct", record["line_no"], lines=[record["line_no"]]
            )
    for record in expanded:
        if record["status"] == "ocr":
            return MilestoneResult(
                milestone.id, "ocr_suspect", record["line_no"], message="misread?"
            )
    if expanded:
        record = expanded[-1]
        status = {"carried": "carried_forward", "wrong": "wrong"}.get(
            record["status"], "undetermined"
        )
        return MilestoneResult(
            milestone.id,
            status,
            record["line_no"],
            record["diagnosis"],
            record.get("message", ""),
            [record["line_no"]],
        )
    if records:
        return MilestoneResult(
            milestone.id, "missing", message=f"{spec.quantity} is never written out expanded"
        )
    return MilestoneResult(milestone.id, "missing", message="not stated")


def _equation_milestone(
    checker: _Checker,
    spec: _MilestoneSpec,
    candidates: list[tuple[DerivationStep, Any, Any]],
) -> MilestoneResult:
    """A line stating the equation (difference of sides equal up to a constant factor)."""
    milestone = spec.milestone
    if spec.reference is None:
        return MilestoneResult(
            milestone.id, "undetermined", message="the statement is not an equation"
        )
    matched = None
    for step, lhs, rhs in candidates:
        if step.kind in ("unreadable", "text") or rhs is None:
            continue
        if _same_equation(checker, (lhs, rhs), spec.reference):
            matched = step
    if matched is not None:
        if matched.ocr_suspect:
            return MilestoneResult(
                milestone.id, "ocr_suspect", matched.line_no, message=matched.ocr_note or ""
            )
        return MilestoneResult(milestone.id, "correct", matched.line_no, lines=[matched.line_no])
    reference_lhs = spec.reference[0]
    bare = isinstance(reference_lhs, (sp.Symbol, MatrixSymbol))
    attempts = []
    stationarity = []  # "E = 0" lines: the attempt when nothing else is
    for step, lhs, rhs in candidates:
        if step.kind != "equation":
            continue
        if bare and lhs == reference_lhs and step.quantity is None:
            attempts.append(step)
        elif not bare and not isinstance(lhs, (sp.Symbol, MatrixSymbol)):
            if rhs is not None and _is_zero(rhs):
                stationarity.append(step)
            elif step.quantity is None:
                attempts.append(step)
    attempts = attempts or stationarity
    if not attempts:
        return MilestoneResult(milestone.id, "missing", message="not stated")
    step = attempts[-1]
    status = {
        "carried_forward": "carried_forward",
        "review": "ocr_suspect" if step.ocr_suspect else "undetermined",
        "undetermined": "undetermined",
    }.get(step.status, "wrong")
    return MilestoneResult(
        milestone.id,
        status,
        step.line_no,
        step.diagnosis,
        step.message or "not the expected equation",
        [step.line_no],
    )


def _same_equation(
    checker: _Checker, equation: tuple[Any, Any], reference: tuple[Any, Any]
) -> bool:
    """Same equation up to a nonzero constant factor; names outside the graph
    (derivative quantities, new names) are opaque: same name, same random value."""
    points = checker.points
    opaque = sorted(
        {s for side in (*equation, *reference) for s in _free_symbols(side) if s not in points[0]},
        key=str,
    )
    rng = np.random.default_rng(12345)

    def nothing(symbol: Any) -> None:
        return None

    mine, theirs = [], []
    try:
        if not opaque:
            mine = checker.residuals(equation, nothing)
            theirs = checker.residuals(reference, nothing)
        for index in range(len(points) if opaque else 0):
            extra = {s: checker.evaluator.random_value(s, rng) for s in opaque}
            mine.append(checker.residuals(equation, nothing, extra, points=[index])[0])
            theirs.append(checker.residuals(reference, nothing, extra, points=[index])[0])
    except EvaluationError:
        return False
    if any(r.shape != t.shape for r, t in zip(mine, theirs, strict=True)):
        return False
    return _common_factor(mine, theirs) is not None


# --------------------------------------------------------------------------- files and text


def check_derivation_file(
    path: str,
    context_path: str | None = None,
    *,
    milestones: Iterable[Milestone] = (),
    time_limit: float | None = DEFAULT_TIME_LIMIT,
) -> DerivationResult:
    """Check the derivation in a Markdown/LaTeX/text file (``grader derivation``).

    Raises ``InputError`` for a missing, binary or non-UTF-8 file and
    ``ContextError`` for an invalid context file.
    """
    from pathlib import Path

    from grader.errors import InputError
    from grader.math.context import load_context

    file = Path(path)
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", path=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a file", path=str(path)) from None
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror}", path=str(path)) from None
    if b"\x00" in data[:8192]:
        raise InputError("a binary file, not text", path=str(path))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8 text (byte {error.start})", path=str(path)) from None
    context = load_context(context_path) if context_path else None
    return check_derivation(text, context, milestones=milestones, time_limit=time_limit)


_STATUS_MARK = {
    "correct": "ok",
    "carried_forward": "ecf",
    "wrong": "WRONG",
    "review": "REVIEW",
    "undetermined": "?",
    "unchecked": "-",
}


def format_derivation(result: DerivationResult) -> str:
    """A text table: one row per step (line, kind, verdict, read as, note), then milestones."""
    rows = [("line", "kind", "status", "read as", "note")]
    for step in result.steps:
        if step.kind == "text" and step.status == "unchecked":
            continue
        status = _STATUS_MARK.get(step.status, step.status)
        if step.diagnosis and step.status in ("wrong", "carried_forward"):
            status += f" ({step.diagnosis})"
        kind = step.kind if step.role == "main" else f"{step.kind}*"
        read_as = step.read_as or step.source
        if len(read_as) > 48:
            read_as = read_as[:45] + "..."
        rows.append((str(step.line_no), kind, status, read_as, step.message))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
        + ("  " + row[4] if row[4] else "")
        for row in rows
    ]
    lines = [line.rstrip() for line in lines]
    if any(step.role != "main" for step in result.steps):
        lines.append("(* a side note set apart in the line)")
    if result.milestones:
        lines.append("")
        lines.append("milestones:")
        for milestone in result.milestones:
            where = ""
            if milestone.lines:
                where = " (line" + ("s " if len(milestone.lines) > 1 else " ")
                where += ", ".join(str(n) for n in milestone.lines) + ")"
            elif milestone.line_no:
                where = f" (line {milestone.line_no})"
            diagnosis = f" [{milestone.diagnosis}]" if milestone.diagnosis else ""
            note = f": {milestone.message}" if milestone.message else ""
            lines.append(f"  {milestone.id}: {milestone.status}{diagnosis}{where}{note}")
    for reason in result.review_reasons:
        lines.append(f"review: {reason}")
    return "\n".join(lines)
