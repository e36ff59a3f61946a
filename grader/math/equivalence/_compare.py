"""``equivalent(a, b, context)``: one pair compared."""

from __future__ import annotations

from typing import Any

import sympy as sp

from grader.errors import GraderError
from grader.math._nodes import needs_calculus
from grader.math.equivalence._derivatives import (
    check_gradients_without_variable,
    with_derivatives_evaluated,
)
from grader.math.equivalence._equations import compare_equations
from grader.math.equivalence._expressions import compare_expressions, compare_malformed
from grader.math.equivalence._result import (
    NOT_EQUAL,
    UNDETERMINED,
    Equivalence,
    Undetermined,
)
from grader.math.equivalence._sides import Side, as_context, read_side


def compare_updates(a: Side, b: Side, context: Any, seed: int, time_limit: float) -> Equivalence:
    """An update compares as "new value = expression": the same name gets
    the same value. It is never solved for an unknown (``w := w - 2 alpha g``
    is not ``w := w - alpha g``). An equation that names the target alone on
    its left (``w1 = ...`` without w1 on the right) states the same thing."""
    update, other = (a, b) if a.kind == "update" else (b, a)
    if other.kind == "update":
        if a.target != b.target:
            return Equivalence(
                NOT_EQUAL,
                f"a updates {a.target}, b updates {b.target}",
                "different",
                {"a_target": a.target, "b_target": b.target},
                method="structure",
            )
        result = compare_expressions(a.terms[1], b.terms[1], context, seed, time_limit)
        result.reason = f"both update {a.target}: {result.reason}"
        return result
    if other.kind == "equation":
        lhs, rhs = other.terms
        if getattr(lhs, "name", None) == update.target and not rhs.has(lhs):
            values = (update.terms[1], rhs) if update is a else (rhs, update.terms[1])
            result = compare_expressions(*values, context, seed, time_limit)
            result.reason = f"both give {update.target}: {result.reason}"
            return result
    which = "a" if update is a else "b"
    return Equivalence(
        NOT_EQUAL,
        f"{which} is an update of {update.target}, the other is an {other.kind}",
        "different",
        {"a_kind": a.kind, "b_kind": b.kind},
        method="structure",
    )


def equivalent(
    a: Any, b: Any, context: Any = None, *, time_limit: float = 2.0, seed: int = 0
) -> Equivalence:
    """Compare ``a`` (the answer) with ``b`` (the reference).

    ``a`` and ``b`` are text (read by ``grader.math.parse_math`` with
    ``context``), SymPy objects (``Eq`` for equations) or parsed
    ``MathLine`` objects. ``context`` is a ``MathContext`` or a mapping in the
    context format (``{"symbols": {"X": "n x p"}, "aliases": {...}}``).
    ``time_limit`` bounds the symbolic step, in seconds; ``seed`` fixes the
    random points (same input, same seed: same verdict).

    Never raises for a student's input: unreadable text is ``undetermined``.
    Raises ``TypeError`` for arguments of the wrong type (a programming error).
    """
    for label, value in (("a", a), ("b", b)):
        if not isinstance(value, (str, int, float, sp.Basic, sp.MatrixBase)) and not hasattr(
            value, "terms"
        ):
            raise TypeError(
                f"{label} must be text, a SymPy expression or a MathLine, not {type(value).__name__}"
            )
    try:
        context = as_context(context)
        side_a = read_side(a, "a", context)
        side_b = read_side(b, "b", context)
        if "malformed" in (side_a.kind, side_b.kind):
            return compare_malformed(side_a, side_b, context, seed)
        if "update" in (side_a.kind, side_b.kind):
            return compare_updates(side_a, side_b, context, seed, time_limit)
        if side_a.kind != side_b.kind:
            return Equivalence(
                NOT_EQUAL,
                f"a is an {side_a.kind}, b is an {side_b.kind}",
                "different",
                {"a_kind": side_a.kind, "b_kind": side_b.kind},
                method="structure",
            )
        if any(needs_calculus(term) for side in (side_a, side_b) for term in side.terms):
            side_a = with_derivatives_evaluated(side_a, "a", context, time_limit)
            side_b = with_derivatives_evaluated(side_b, "b", context, time_limit)
            check_gradients_without_variable(side_a, side_b)
        if side_a.kind == "equation":
            return compare_equations(side_a, side_b, context, seed, time_limit)
        return compare_expressions(side_a.expr, side_b.expr, context, seed, time_limit)
    except Undetermined as stop:
        return stop.result
    except RecursionError:
        return Equivalence(
            UNDETERMINED, "the expression is nested too deeply", method="none", bad_input=True
        )
    except GraderError as error:  # a context that does not load (bad shape syntax, ...)
        return Equivalence(
            UNDETERMINED, f"bad context: {error.message}", method="none", bad_input=True
        )
    except Exception as error:  # noqa: BLE001 - a grader bug must not look like a verdict
        return Equivalence(
            UNDETERMINED,
            f"internal error while comparing ({type(error).__name__}: {error})",
            method="none",
        )
