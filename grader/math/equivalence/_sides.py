"""The two sides read (text, SymPy objects or parsed lines) as expressions,
equations, or malformed input: a line that reads but has no meaning."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from grader.errors import GraderError
from grader.math.calculus import MEANINGLESS_PARSE_ERRORS
from grader.math.equivalence._result import undetermined

MAX_EXPRESSION_CHARS = 20_000  # longer input is not parsed (no exam answer is this long)


@dataclass
class Side:
    kind: str  # "expression" | "equation" | "update" | "malformed"
    terms: tuple  # (expr,) or (lhs, rhs) or (target, new value); () when malformed
    text: str
    problems: tuple[str, ...] = ()  # why the side has no meaning (shapes that do not fit)
    target: str | None = None  # an update's name: w1 in w_1 \leftarrow w_1 - \alpha g

    @property
    def expr(self) -> sp.Basic:
        return self.terms[0]


def as_context(context: Any) -> Any:
    if context is None or not isinstance(context, Mapping):
        return context
    from grader.math.context import MathContext

    return MathContext.from_mapping(context)


def read_side(value: Any, label: str, context: Any) -> Side:
    if isinstance(value, str):
        return _parse_side(value, label, context)
    kind = getattr(value, "kind", None)
    terms = getattr(value, "terms", None)
    if kind is not None and terms is not None:  # a MathLine
        return _side_from_line(value, label, getattr(value, "source", str(value)), context)
    if isinstance(value, sp.Equality):
        return Side("equation", (value.lhs, value.rhs), str(value))
    if isinstance(value, sp.logic.boolalg.BooleanAtom):
        raise undetermined(f"{label} is the constant {value}, not a formula")
    if isinstance(value, sp.core.relational.Relational):
        raise undetermined(f"{label} is an inequality ({value}); only = is compared")
    if isinstance(value, sp.MatrixBase) and not isinstance(value, sp.Basic):
        value = sp.ImmutableMatrix(value)  # a mutable Matrix is not a SymPy expression
    if isinstance(value, (int, float)):
        value = sp.nsimplify(value) if isinstance(value, float) else sp.Integer(value)
    return Side("expression", (value,), str(value))


def _parse_side(text: str, label: str, context: Any) -> Side:
    if len(text) > MAX_EXPRESSION_CHARS:
        raise undetermined(
            f"could not parse {label}: the expression is too long "
            f"({len(text):,} characters, the limit is {MAX_EXPRESSION_CHARS:,})",
            bad_input=True,
            side=label,
        )
    if not text.strip():
        raise undetermined(f"could not parse {label}: it is empty", bad_input=True, side=label)
    from grader.math.parse import MathParseError, parse_math

    try:
        line = parse_math(text, context)
    except MathParseError as error:
        position = getattr(error, "position", None)
        reason = getattr(error, "reason", None) or str(error)
        if reason.startswith(tuple(MEANINGLESS_PARSE_ERRORS)):
            # The parser refuses these, but they are a student's mistake with a
            # meaning we can state (no matrix division), not unreadable text.
            return Side("malformed", (), text, (reason,))
        where = f" at column {position + 1}" if isinstance(position, int) else ""
        raise undetermined(
            f"could not parse {label}{where}: {reason}",
            bad_input=True,
            side=label,
            position=position,
        ) from None
    except RecursionError:
        raise undetermined(
            f"could not parse {label}: it is nested too deeply", bad_input=True, side=label
        ) from None
    except GraderError as error:
        raise undetermined(
            f"could not parse {label}: {error.message}", bad_input=True, side=label
        ) from None
    return _side_from_line(line, label, text, context)


def _side_from_line(line: Any, label: str, text: str, context: Any = None) -> Side:
    terms = tuple(line.terms)
    unknown = list(getattr(line, "unknown_names", None) or ())
    if unknown and context is not None and context.declares_names:
        # DESIGN.md decision 8: a name the context does not declare is never
        # silently an independent scalar that gives or costs marks
        names = ", ".join(repr(name) for name in unknown)
        raise undetermined(
            f"{label} uses {names}, which the context does not declare",
            side=label,
            unknown_names=unknown,
        )
    if getattr(line, "rest", None):
        raise undetermined(
            f"{label} holds more than one statement ({text!r}); compare them one by one"
        )
    problems = tuple(getattr(line, "shape_problems", None) or ())
    if problems and line.kind in ("expression", "equation"):
        return Side("malformed", (), text, problems)
    if getattr(line, "continues_previous", False):
        raise undetermined(
            f"{label} starts with '=' and continues a previous line; give the whole statement"
        )
    if getattr(line, "update_of", None) is not None and line.kind == "equation":
        return Side("update", terms, text, target=line.update_of)
    if line.kind == "expression" and len(terms) == 1:
        return Side("expression", terms, text)
    if line.kind == "equation" and len(terms) == 2:
        return Side("equation", terms, text)
    if line.kind == "chain":
        raise undetermined(
            f"{label} is a chain of {len(terms)} equal expressions; compare its parts one by one"
        )
    if line.kind == "shape_statement":
        raise undetermined(f"{label} states shapes, it is not a formula")
    raise undetermined(f"{label} is text, not a formula", bad_input=True, side=label)
