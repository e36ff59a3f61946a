"""The computation graph of a context's definitions, and partial derivatives on
it the way backpropagation takes them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions import MatrixExpr, MatrixSymbol


def _rule_function(name: str, rule: sp.Lambda) -> type:
    """A SymPy function class named ``name`` whose derivative is ``rule``."""

    def fdiff(self: Any, argindex: int = 1) -> Any:
        if argindex != 1:
            raise sp.ArgumentIndexError(self, argindex)
        value = rule(self.args[0])
        return value.replace(sp.Function(name), _RULES_CACHE[(name, rule)])

    cls = type(name, (sp.Function,), {"fdiff": fdiff, "_rule": rule})
    _RULES_CACHE[(name, rule)] = cls
    return cls


_RULES_CACHE: dict[tuple[str, sp.Lambda], type] = {}


@dataclass
class Graph:
    """A context's definitions as a computation graph, and derivatives on it.

    ``symbols``: name -> SymPy object (``Symbol`` or ``MatrixSymbol``) for
    every name that can appear; ``definitions``: name -> expression, in the
    context's order; ``function_rules``: function name -> ``Lambda(u, f'(u))``.
    """

    symbols: dict[str, Any]
    definitions: dict[str, Any] = field(default_factory=dict)
    function_rules: dict[str, sp.Lambda] = field(default_factory=dict)
    # scalar name -> the open interval its values are drawn from (the context's)
    domains: dict[str, tuple[float, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._partials: dict[tuple[str, str], Any] = {}
        self._by_object = {obj: name for name, obj in self.symbols.items()}
        self._uses: dict[str, set[str]] = {}
        for name, expr in self.definitions.items():
            self._uses[name] = {
                self._by_object[s] for s in _free_names(expr) if s in self._by_object
            }
        # f(arg) -> node name, to write derivatives back in the graph's names
        self._fold = {
            expr: self.symbols[name]
            for name, expr in self.definitions.items()
            if isinstance(expr, AppliedUndef) and name in self.symbols
        }

    # structure -----------------------------------------------------------

    def uses(self, name: str) -> set[str]:
        """Names the definition of ``name`` uses directly (empty for a leaf)."""
        return self._uses.get(name, set())

    def children(self, name: str) -> list[str]:
        """Nodes whose definitions use ``name`` directly."""
        return [node for node, used in self._uses.items() if name in used]

    def depends_on(self, node: str, name: str) -> bool:
        """True when ``node``'s value depends on ``name`` through the definitions."""
        seen: set[str] = set()
        stack = [node]
        while stack:
            current = stack.pop()
            for used in self.uses(current):
                if used == name:
                    return True
                if used not in seen:
                    seen.add(used)
                    stack.append(used)
        return False

    def is_sink(self, name: str) -> bool:
        """A defined name nothing else uses (the loss)."""
        return name in self.definitions and not self.children(name)

    def is_local(self, of: str, wrt: str) -> bool:
        """``d of / d wrt`` is a local derivative: one edge of the graph."""
        return of in self.definitions and not self.is_sink(of) and wrt in self.uses(of)

    def expand(self, expr: Any, keep: Iterable[str] = ()) -> Any:
        """Substitute definitions (recursively) except for the names in ``keep``."""
        keep = set(keep)
        replacements = {
            self.symbols[name]: value
            for name, value in self.definitions.items()
            if name not in keep and name in self.symbols
        }
        for _ in range(len(self.definitions) + 1):
            new = expr.xreplace(replacements)
            if new == expr:
                break
            expr = new
        return expr

    # derivatives ----------------------------------------------------------

    def differentiate(self, expr: Any, wrt: Any) -> Any:
        """d expr / d wrt with the function rules applied (scalar or matrix ``wrt``).

        The gradient of a scalar by a matrix or vector is taken by the chain
        rule through its 1x1 forms (:func:`_chain_through_traces`): SymPy's
        matrix calculus alone returns zero for ``log(1 + exp(y^T X beta))``
        and cannot take ``(w^T x)^2``."""
        with_rules = self._with_rules(expr)
        if _is_scalar_by_matrix(with_rules, wrt):
            result = _chain_through_traces(_scalar_form(with_rules), wrt)
            if result is None:
                result = _matrix_diff(with_rules, wrt)
        elif isinstance(wrt, MatrixSymbol) or isinstance(with_rules, MatrixExpr):
            result = _matrix_diff(with_rules, wrt)
        else:
            result = sp.diff(with_rules, wrt).doit()
        return self._without_rules(result)

    def local(self, of: str, wrt: str) -> Any:
        """The local derivative of ``of``'s definition with respect to ``wrt``."""
        key = ("local:" + of, wrt)
        if key not in self._partials:
            value = self.differentiate(self.definitions[of], self.symbols[wrt])
            self._partials[key] = self.fold(value)
        return self._partials[key]

    def partial(self, of: str, wrt: str) -> Any:
        """d of / d wrt, backpropagation style, in the graph's names.

        ``wrt`` is held as an input (its definition, if any, is not used);
        ``of`` depends on it through the definitions.
        """
        key = (of, wrt)
        if key in self._partials:
            return self._partials[key]
        wrt_obj = self.symbols[wrt]
        if of == wrt:
            value = sp.Identity(wrt_obj.shape[0]) if isinstance(wrt_obj, MatrixSymbol) else 1
        elif self._all_scalar(of, wrt):
            value = 0
            for child in self.children(wrt):
                if child == of or self.depends_on(of, child):
                    value += self.partial(of, child) * self.local(child, wrt)
            value = _tidy(value)
        elif of in self.definitions:
            expanded = self.expand(self.symbols[of], {wrt})
            value = self.fold(self.differentiate(expanded, wrt_obj))
        else:
            raise KeyError(f"{of} is not defined in the context")
        self._partials[key] = value
        return value

    def gradient(self, expr: Any, wrt: str) -> Any:
        """d expr / d wrt of an explicit expression (``\\nabla (...)``)."""
        return self.fold(self.differentiate(self.expand(expr, {wrt}), self.symbols[wrt]))

    def fold(self, expr: Any) -> Any:
        """Write ``sigma(z1)`` back as ``a1`` where the context defines ``a1 = sigma(z1)``."""
        if not self._fold or not isinstance(expr, sp.Basic):
            return expr
        return expr.xreplace(self._fold)

    def _all_scalar(self, of: str, wrt: str) -> bool:
        names = {of, wrt} | {n for n in self.definitions if self.depends_on(of, n)}
        return all(not isinstance(self.symbols.get(n), MatrixSymbol) for n in names) and all(
            not isinstance(self.definitions.get(n), MatrixExpr) for n in names
        )

    def _with_rules(self, expr: Any) -> Any:
        for name, rule in self.function_rules.items():
            cls = _RULES_CACHE.get((name, rule)) or _rule_function(name, rule)
            expr = expr.replace(sp.Function(name), cls)
        return expr

    def _without_rules(self, expr: Any) -> Any:
        for name, rule in self.function_rules.items():
            cls = _RULES_CACHE.get((name, rule))
            if cls is not None:
                expr = expr.replace(cls, sp.Function(name))
        return expr


def _free_names(expr: Any) -> set[Any]:
    if not isinstance(expr, sp.Basic):
        return set()
    return set(expr.free_symbols) | set(expr.atoms(MatrixSymbol))


def _tidy(expr: Any) -> Any:
    """Cancel fractions (BCE's 1/a2 against sigma's a2 (1 - a2)); keep products as written."""
    if not isinstance(expr, sp.Basic):
        return expr
    if expr.is_Add or any(p.exp.is_negative for p in expr.atoms(sp.Pow)):
        return sp.factor(sp.cancel(expr))
    return expr


def _matrix_diff(expr: Any, wrt: Any) -> Any:
    result = expr.diff(wrt)
    if isinstance(result, MatrixExpr):
        result = result.doit()
    if isinstance(wrt, MatrixSymbol) and isinstance(result, MatrixExpr):
        result = sp.expand(result)
    return result


def _is_scalar_by_matrix(expr: Any, wrt: Any) -> bool:
    if not isinstance(wrt, MatrixSymbol) or wrt.shape == (1, 1):
        return False
    return not isinstance(expr, MatrixExpr) or expr.shape == (1, 1)


def _scalar_form(expr: Any) -> Any:
    """A 1x1 matrix expression as a scalar one, its 1x1 parts as traces:
    ``(w^T x)^2`` -> ``tr(w^T x)^2``, ``1/2 (y - X beta)^T (y - X beta)`` ->
    ``tr(...)``; inside scalar functions too."""
    if not isinstance(expr, MatrixExpr):
        if isinstance(expr, sp.Basic) and expr.args and not isinstance(expr, sp.Trace):
            return expr.func(*[_scalar_form(arg) for arg in expr.args])
        return expr
    if expr.shape != (1, 1):
        return expr
    if isinstance(expr, sp.MatPow):
        return sp.Pow(_scalar_form(expr.args[0]), expr.args[1])
    if isinstance(expr, sp.MatAdd):
        return sp.Add(*[_scalar_form(arg) for arg in expr.args])
    if isinstance(expr, sp.MatMul) and all(
        not isinstance(f, MatrixExpr) or f.shape == (1, 1) for f in expr.args
    ):
        return sp.Mul(*[_scalar_form(f) for f in expr.args])
    return sp.Trace(expr)


def _traces_holding(expr: Any, wrt: Any) -> list[Any]:
    """The outermost traces (1x1 forms read as numbers) in ``expr`` that hold ``wrt``."""
    found: list[Any] = []

    def visit(node: Any) -> None:
        if isinstance(node, sp.Trace):
            if node.has(wrt) and node not in found:
                found.append(node)
            return
        if getattr(node, "bound_symbols", None):
            return  # a sum's terms use its index: the chain rule does not reach inside
        for arg in node.args:
            visit(arg)

    if isinstance(expr, sp.Basic):
        visit(expr)
    return found


def _chain_through_traces(scalar: Any, wrt: Any) -> Any | None:
    """The gradient of a scalar function of traces by the chain rule: SymPy's
    scalar calculus outside, its matrix calculus for each trace (which
    differentiates ``tr(u^T W b)`` by a matrix ``W``, not the 1x1 product
    itself). None when ``wrt`` appears outside the traces."""
    traces = _traces_holding(scalar, wrt)
    stand_ins = [sp.Dummy(f"t{i}", real=True) for i in range(len(traces))]
    outer = scalar.xreplace(dict(zip(traces, stand_ins, strict=True)))
    if isinstance(outer, sp.Basic) and outer.has(wrt):
        return None
    if not traces:
        return sp.ZeroMatrix(*wrt.shape)
    back = dict(zip(stand_ins, traces, strict=True))
    terms = []
    for trace, stand_in in zip(traces, stand_ins, strict=True):
        factor = sp.diff(outer, stand_in).doit().xreplace(back)
        inner_gradient = _matrix_diff(trace, wrt)
        terms.append(inner_gradient if factor == 1 else factor * inner_gradient)
    return sp.MatAdd(*terms) if len(terms) > 1 else terms[0]
