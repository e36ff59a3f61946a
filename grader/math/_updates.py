"""Updates and assignments: ``w \\leftarrow w - \\alpha g`` says what the new
value of ``w`` is; it is not an equation to solve.

Read as "new value of w = expression" (DESIGN.md decision 8: gradient ascent
written with ``\\leftarrow`` was once solved into agreement with descent):

- an assignment sign after a single name: ``\\leftarrow``, ``\\gets``, ``:=``,
  ``\\coloneqq``, ``<-``, ``←``, "becomes";
- a left side that names the new value: ``w'`` (a prime on a name that is not
  a function), ``w^{(t+1)}``, ``w_{t+1}``, ``w_{new}``, ``w^{new}``,
  ``w_{next}``; the right side's ``w^{(t)}``, ``w_t``, ``w_{old}`` are the
  current value ``w``;
- ``w = w - \\alpha g``: an "equation" whose left side is a single name that
  the right side adds something to. As an equation it would say ``\\alpha g = 0``,
  which no student means.

:func:`find_update` returns the name updated and the new value, or None.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy
from sympy.matrices.expressions import MatAdd, MatrixSymbol

from grader.math._nodes import split_derivative_symbol

__all__ = ["Update", "find_update", "NEW_VALUE_NAMES", "OLD_VALUE_NAMES"]

# w', w_new, w_t+1 (w^{(t+1)} and w_{t+1}), w_next, w_updated, w_k+1
NEW_VALUE_NAMES = re.compile(r"^(?P<base>.+?)(?:'|_(?:new|next|updated|t\+1|k\+1|tau\+1))$")
# w_t, w_k, w_old, w_current: the value before the step
OLD_VALUE_NAMES = re.compile(r"^(?P<base>.+?)_(?:t|k|tau|old|current|curr)$")


@dataclass
class Update:
    """``target`` (a canonical name) gets ``value``."""

    target: str
    value: Any
    notes: list[str] = field(default_factory=list)
    resolved_names: set[str] = field(default_factory=set)  # written names that are w's values


def _name(expr: Any) -> str | None:
    if isinstance(expr, (sympy.Symbol, MatrixSymbol)) and split_derivative_symbol(expr) is None:
        return expr.name
    return None


def _same_kind_symbol(like: Any, name: str) -> Any:
    if isinstance(like, MatrixSymbol):
        return MatrixSymbol(name, *like.shape)
    return sympy.Symbol(name, **like.assumptions0)


def _old_values(value: Any, base: str) -> tuple[Any, set[str]]:
    """``w_t``, ``w_old`` in the value -> ``w``."""
    found: dict[Any, Any] = {}
    for atom in value.atoms(sympy.Symbol, MatrixSymbol):
        match = OLD_VALUE_NAMES.match(atom.name)
        if match and match.group("base") == base:
            found[atom] = _same_kind_symbol(atom, base)
    if not found:
        return value, set()
    return value.xreplace(found), {atom.name for atom in found}


def _adds_to_itself(target: Any, value: Any) -> bool:
    """``value`` is ``target + (something without target)``."""
    if not isinstance(value, (sympy.Add, MatAdd)) or target not in value.args:
        return False
    rest = [arg for arg in value.args if arg != target]
    return bool(rest) and not any(arg.has(target) for arg in rest)


def find_update(
    terms: list[Any], assignment: bool, prime_is_derivative: Callable[[str], bool] | None = None
) -> Update | None:
    """The update a two-term statement makes, or None (an ordinary equation).

    ``assignment``: the statement's sign was an assignment (``\\leftarrow``,
    ``:=``, ...). ``prime_is_derivative(name)`` tells ``f'`` of a function or
    ``J'`` of a defined quantity (a derivative) from a variable's ``w'``.
    """
    if len(terms) != 2:
        return None
    target, value = terms
    written = _name(target)
    if written is None:
        if assignment and split_derivative_symbol(target) is not None:
            # \delta := dL/dz ... or dL/dz := ...: a definition of a quantity
            return Update(str(target), value)
        return None
    match = NEW_VALUE_NAMES.match(written)
    base = match.group("base") if match else None
    if (
        base is not None
        and written.endswith("'")
        and prime_is_derivative is not None
        and prime_is_derivative(base)
    ):
        base = None  # sigma'(z), J' of a defined J: a derivative
    if base is not None:
        value, old = _old_values(value, base)
        note = f"read {written} = ... as the update of {base} (its new value)"
        return Update(base, value, [note], {written, *old})
    if assignment:
        value, old = _old_values(value, written)
        return Update(written, value, [], old)
    if _adds_to_itself(target, value):
        note = f"read {written} = {written} + ... as the update of {written}, not an equation"
        return Update(written, value, [note])
    return None
