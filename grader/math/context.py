"""The symbol table that drives the parser: which names are matrices (with
shapes), scalars, functions; which spellings are aliases; which quantities are
defined from others (a computation graph). See ``docs/math-context.md``.

The parser never guesses: ``a_1(1-a_1)`` is a product unless ``a_1`` is a
declared function, ``X^T X`` is a non-commuting matrix product because ``X``
is declared with a shape.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.data_files import parse_yaml_or_json, read_text_file
from grader.errors import ContextError
from grader.math._names import (
    BUILTIN_FUNCTIONS,
    GREEK,
    LOGISTIC_NAMES,
    canonical_name,
    is_valid_name,
)

if TYPE_CHECKING:  # pragma: no cover
    import sympy

__all__ = ["MathContext", "load_context", "parse_shape", "dimension_symbol"]

Shape = "tuple[sympy.Expr, sympy.Expr]"

_SECTIONS = ("symbols", "functions", "aliases", "definitions", "function_derivatives")

# "n x (d+1)", "n×p", "n \times p", "3x4": the separator between rows and columns.
_SHAPE_SEPARATOR = re.compile(r"\s*(?:\u00d7|\\times)\s*|\s+[xX]\s+|(?<=[\d)])[xX](?=[\d(])")

# Decorations of a name that mark an estimate or a special value of it:
# betahat, betatilde, xbar, beta_star (\beta^*), what1 (\hat w_1), beta_OLS.
_DECORATION_SUFFIX = re.compile(r"^(?P<base>[A-Za-z]+?)(?:hat|tilde|bar|check)(?P<digits>[0-9]*)$")
_ESTIMATE_SUBSCRIPT = re.compile(
    r"^(?P<base>[A-Za-z][A-Za-z0-9]*?)_(?:star|ast|OLS|ols|MLE|mle|ML|LS|opt|est|hat|true)$"
)
_DEFINITION_WORD = re.compile(r"\\?[A-Za-z]+[0-9]*(?:_\{?[A-Za-z0-9]+\}?)?'*")
# dL/dz2 in a definition names L and z2, not "dL" and "dz2"
_LEIBNIZ = re.compile(r"(?<![A-Za-z])d([A-Za-z][A-Za-z0-9_]*)\s*/\s*d([A-Za-z][A-Za-z0-9_]*)")
# ^T, ^{T}, ^\top in a definition is a transpose, not a variable named T
_TRANSPOSE_MARK = re.compile(
    r"\^\s*(?:\{\s*(?:T|\\top|\\intercal)\s*\}|T(?![A-Za-z0-9])|\\top(?![A-Za-z]))"
)
# "row i of X", "entry i of y", "column j of X": an index tie (see _tie_shapes).
_TIE = re.compile(
    r"^\s*(row|entry|element|column|col)\s+([A-Za-z])\s+of\s+(\S+)\s*$", re.IGNORECASE
)
# A scalar's domain: "positive", "negative", "probability", or an interval
# "scalar in (0, 1)" / "in (0, inf)" (the values are drawn inside it).
_DOMAIN_WORDS = {
    "positive": (0.0, math.inf),
    "negative": (-math.inf, 0.0),
    "probability": (0.0, 1.0),
}
_INTERVAL = re.compile(
    r"^\s*(?:scalar\s+)?in\s*[(\[]\s*([^,]+?)\s*,\s*([^)\]]+?)\s*[)\]]\s*$", re.IGNORECASE
)


def parse_domain(spec: str) -> tuple[float, float] | None:
    """``"positive"`` -> (0, inf), ``"scalar in (0, 1)"`` -> (0, 1); None when
    ``spec`` is not a domain. Raises ValueError for an empty interval."""
    word = spec.strip().lower()
    if word in _DOMAIN_WORDS:
        return _DOMAIN_WORDS[word]
    match = _INTERVAL.match(spec)
    if match is None:
        return None
    bounds = []
    for text in match.groups():
        text = text.strip().lower().replace("\\infty", "inf").replace("infinity", "inf")
        try:
            bounds.append(float(text))
        except ValueError:
            raise ValueError(f"cannot read the bound {text!r} of the interval {spec!r}") from None
    if not bounds[0] < bounds[1]:
        raise ValueError(f"the interval {spec!r} is empty")
    return bounds[0], bounds[1]


_SUBSCRIPTED = re.compile(r"^([A-Za-z]+)(?:_?[0-9]|_)")
_DIM_TOKEN = re.compile(r"\s*(?:(?P<num>\d+)|(?P<name>[A-Za-z][A-Za-z0-9_]*)|(?P<op>[-+*()]))")


def dimension_symbol(name: str) -> sympy.Symbol:
    """A dimension (``n``, ``d``): a positive integer symbol."""
    import sympy

    return sympy.Symbol(name, integer=True, positive=True)


def _parse_dimension(text: str) -> sympy.Expr:
    """``d+1`` -> ``d + 1`` over positive-integer symbols; raises ValueError."""
    import sympy

    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _DIM_TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ValueError(f"unexpected {text[pos]!r} in dimension {text!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    index = 0

    def peek() -> tuple[str, str] | None:
        return tokens[index] if index < len(tokens) else None

    def atom() -> sympy.Expr:
        nonlocal index
        token = peek()
        if token is None:
            raise ValueError(f"dimension {text!r} ends too early")
        index += 1
        kind, value = token
        if kind == "num":
            return sympy.Integer(value)
        if kind == "name":
            return dimension_symbol(value)
        if value == "(":
            inner = additive()
            if peek() != ("op", ")"):
                raise ValueError(f"missing ')' in dimension {text!r}")
            index += 1
            return inner
        if value == "-":
            return -atom()
        raise ValueError(f"unexpected {value!r} in dimension {text!r}")

    def product() -> sympy.Expr:
        nonlocal index
        result = atom()
        while peek() == ("op", "*") or (peek() is not None and peek()[0] in ("num", "name")):
            if peek() == ("op", "*"):
                index += 1
            result = result * atom()
        return result

    def additive() -> sympy.Expr:
        nonlocal index
        result = product()
        while peek() in (("op", "+"), ("op", "-")):
            sign = peek()[1]
            index += 1
            term = product()
            result = result + term if sign == "+" else result - term
        return result

    if not tokens:
        raise ValueError("empty dimension")
    result = additive()
    if index != len(tokens):
        raise ValueError(f"unexpected {tokens[index][1]!r} in dimension {text!r}")
    return result


_IDENTITY_WORD = re.compile(r"^\s*identity\b\s*|\s*\bidentity\s*$", re.IGNORECASE)


@lru_cache(maxsize=4096)
def _real_symbol(name: str) -> sympy.Symbol:
    # SymPy checks the assumptions on every construction; the symbol is the same
    import sympy

    return sympy.Symbol(name, real=True)


def _domain_or_fail(spec: str, fail: Callable, where: str) -> tuple[float, float] | None:
    try:
        return parse_domain(spec)
    except ValueError as error:
        raise fail(f"symbol {where.split('.', 1)[1]!r}: {error}", where) from None


def _identity_spec(spec: str) -> tuple[str, bool]:
    """``"identity d x d"`` -> (``"d x d"``, True); other specs unchanged."""
    stripped = _IDENTITY_WORD.sub("", spec)
    return (stripped, True) if stripped != spec else (spec, False)


def parse_shape(text: str) -> tuple[sympy.Expr, sympy.Expr]:
    """``"n x (d+1)"`` -> ``(n, d + 1)``; a single dimension ``"n"`` is a
    column vector ``(n, 1)``. Raises ``ValueError`` with a readable reason."""
    import sympy

    parts = _SHAPE_SEPARATOR.split(text.strip())
    if len(parts) == 1:
        if re.search(r"\s", parts[0].strip()):
            raise ValueError(
                f"cannot read shape {text!r}: write 'rows x cols' (e.g. 'n x (d+1)'), 'scalar' or 'function'"
            )
        parts = [parts[0], "1"]
    if len(parts) != 2:
        raise ValueError(f"cannot read shape {text!r}: expected 'rows x cols'")
    dims = []
    for part in parts:
        try:
            dims.append(_parse_dimension(part))
        except ValueError as error:
            raise ValueError(
                f"cannot read shape {text!r} ({error}); write 'rows x cols', e.g. 'n x (d+1)'"
            ) from None
    for dim in dims:
        if isinstance(dim, sympy.Integer) and dim <= 0:
            raise ValueError(f"shape {text!r} has a dimension that is not positive")
    return dims[0], dims[1]


@dataclass(frozen=True)
class MathContext:
    """Symbols, shapes, functions, aliases and definitions for one question.

    Build with :meth:`from_mapping` or :func:`load_context`; names are stored
    in canonical spelling (``w_1`` -> ``w1``, ``\\beta`` -> ``beta``).
    Immutable (use :meth:`merged` to combine) and hashable, so it can key a
    cache; parsed definitions are computed once and kept.
    """

    shapes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    scalars: frozenset[str] = frozenset()
    functions: frozenset[str] = frozenset()
    identities: frozenset[str] = frozenset()  # square matrices that are the identity
    # scalar name -> the open interval it lives in (p: probability -> (0, 1))
    domains: dict[str, tuple[float, float]] = field(default_factory=dict)
    # index ties: name -> (kind, index, source): x_i -> ("row", "i", "X")
    ties: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    definition_sources: dict[str, str] = field(default_factory=dict)
    function_derivative_sources: dict[str, str] = field(default_factory=dict)
    source: str | None = None
    lines: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    _cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    # ------------------------------------------------------------ building

    @classmethod
    def from_mapping(
        cls,
        data: Mapping[str, Any] | None,
        *,
        source: str | None = None,
        lines: Mapping[str, int] | None = None,
    ) -> MathContext:
        """Build a context from the documented mapping (see module docs).

        ``lines`` maps ``"section.key"`` (or ``"section"``) to a line number in
        ``source``, for ``file:line`` error messages.
        """
        data = dict(data or {})
        lines = dict(lines or {})

        def fail(message: str, where: str | None = None) -> ContextError:
            line = lines.get(where or "") or lines.get((where or "").split(".")[0])
            return ContextError(message, path=source, line=line)

        unknown = [key for key in data if key not in _SECTIONS]
        if unknown:
            raise fail(
                f"unknown context section {unknown[0]!r} (expected one of: {', '.join(_SECTIONS)})",
                str(unknown[0]),
            )

        shapes: dict[str, tuple[Any, Any]] = {}
        scalars: set[str] = set()
        functions: set[str] = set()
        identities: set[str] = set()
        domains: dict[str, tuple[float, float]] = {}
        tie_specs: dict[str, tuple[str, str, str]] = {}
        symbols = data.get("symbols") or {}
        if not isinstance(symbols, Mapping):
            raise fail("'symbols' must be a mapping of name: shape", "symbols")
        for written, spec in symbols.items():
            where = f"symbols.{written}"
            name = _checked_name(written, "symbols", fail, where)
            if isinstance(spec, (list, tuple)) and len(spec) == 2:
                spec = f"({spec[0]}) x ({spec[1]})"
            if isinstance(spec, int) and not isinstance(spec, bool):
                spec = str(spec)
            if not isinstance(spec, str):
                raise fail(
                    f"symbol {written!r}: shape must be text like 'n x 1', 'scalar' or 'function'",
                    where,
                )
            word = spec.strip().lower()
            tie = _TIE.match(spec)
            if tie is not None:
                kind = {"element": "entry", "col": "column"}.get(tie[1].lower(), tie[1].lower())
                tie_specs[name] = (kind, tie[2], _checked_name(tie[3], "symbols", fail, where))
            elif word == "scalar":
                scalars.add(name)
            elif (domain := _domain_or_fail(spec, fail, where)) is not None:
                scalars.add(name)
                domains[name] = domain
            elif word == "function":
                functions.add(name)
            else:
                # "identity d", "identity d x d" or "d x d identity": the identity matrix
                spec, identity = _identity_spec(spec)
                try:
                    shapes[name] = parse_shape(spec)
                except ValueError as error:
                    raise fail(f"symbol {written!r}: {error}", where) from None
                if identity:
                    rows, cols = shapes[name]
                    if cols == 1 and "x" not in spec.lower():
                        shapes[name] = (rows, rows)
                    elif rows != cols:
                        raise fail(f"symbol {written!r}: an identity matrix must be square", where)
                    identities.add(name)

        listed = data.get("functions") or []
        if isinstance(listed, str):
            listed = [listed]
        if not isinstance(listed, Iterable) or isinstance(listed, Mapping):
            raise fail("'functions' must be a list of names", "functions")
        for written in listed:
            functions.add(_checked_name(written, "functions", fail, f"functions.{written}"))

        aliases: dict[str, str] = {}
        raw_aliases = data.get("aliases") or {}
        if not isinstance(raw_aliases, Mapping):
            raise fail("'aliases' must be a mapping of written: canonical", "aliases")
        for written, target in raw_aliases.items():
            where = f"aliases.{written}"
            key = _checked_name(written, "aliases", fail, where)
            value = _checked_name(target, "aliases", fail, where)
            if key != value:
                aliases[key] = value
        aliases = _resolved_aliases(aliases, fail)

        definitions: dict[str, str] = {}
        raw_definitions = data.get("definitions") or {}
        if isinstance(raw_definitions, list):  # [{z1: ...}, {a1: ...}] keeps order in JSON too
            merged: dict[str, Any] = {}
            for item in raw_definitions:
                if not isinstance(item, Mapping):
                    raise fail("'definitions' list items must be 'name: expression'", "definitions")
                merged.update(item)
            raw_definitions = merged
        if not isinstance(raw_definitions, Mapping):
            raise fail("'definitions' must be a mapping of name: expression", "definitions")
        for written, text in raw_definitions.items():
            where = f"definitions.{written}"
            name = _checked_name(written, "definitions", fail, where)
            if not isinstance(text, (str, int, float)) or isinstance(text, bool):
                raise fail(f"definition of {written!r} must be an expression (text)", where)
            definitions[name] = str(text)

        derivatives: dict[str, str] = {}
        raw_derivatives = data.get("function_derivatives") or {}
        if not isinstance(raw_derivatives, Mapping):
            raise fail(
                "'function_derivatives' must be a mapping of function: expression",
                "function_derivatives",
            )
        for written, text in raw_derivatives.items():
            where = f"function_derivatives.{written}"
            name = _checked_name(written, "function_derivatives", fail, where)
            if not isinstance(text, (str, int, float)) or isinstance(text, bool):
                raise fail(f"derivative of {written!r} must be an expression (text)", where)
            functions.add(name)
            derivatives[name] = str(text)

        # sigma (sigmoid, logistic) with no formula of its own is the logistic
        # function, as in every ML text: its derivative is sigma (1 - sigma)
        for name in LOGISTIC_NAMES & functions:
            if name not in definitions and name not in derivatives:
                derivatives[name] = f"{name}(u) (1 - {name}(u))"

        ties = _tie_shapes(tie_specs, shapes, scalars, aliases, fail)

        for name in functions:
            if name in shapes:
                raise fail(
                    f"{name!r} is declared both as a function and with a shape", f"symbols.{name}"
                )
        return cls(
            shapes=shapes,
            scalars=frozenset(scalars),
            functions=frozenset(functions),
            identities=frozenset(identities),
            domains=domains,
            ties=ties,
            aliases=aliases,
            definition_sources=definitions,
            function_derivative_sources=derivatives,
            source=source,
            lines=lines,
        )

    @classmethod
    def from_symbols(
        cls, symbols: Mapping[str, Any] | None, *, source: str | None = None
    ) -> MathContext:
        """A context from a flat ``{name: shape}`` mapping (the CLI's ``--symbols``)."""
        return cls.from_mapping({"symbols": dict(symbols or {})}, source=source)

    def merged(self, override: MathContext | None) -> MathContext:
        """This context with ``override`` on top (a question's over the exam's).

        A name the override declares (symbol, function or alias) replaces the
        base's meaning of that name, including a base alias of the same
        spelling (Q1 reads ``x`` as ``X``; Q2 declares ``x: scalar``).
        """
        if override is None:
            return self
        declared = set(override.shapes) | set(override.scalars) | set(override.functions)
        # a base tie to a matrix the override redeclares (another shape) goes with it
        declared |= {k for k, (_, _, source) in self.ties.items() if source in declared}
        shapes = {k: v for k, v in self.shapes.items() if k not in declared | set(override.aliases)}
        shapes.update(override.shapes)
        scalars = {s for s in self.scalars if s not in declared | set(override.aliases)} | set(
            override.scalars
        )
        functions = {f for f in self.functions if f not in declared - set(override.functions)}
        functions |= set(override.functions)
        aliases = {k: v for k, v in self.aliases.items() if k not in declared}
        aliases.update(override.aliases)
        # a name the override declares as a symbol is no longer the base's defined quantity
        definitions = {
            k: v
            for k, v in self.definition_sources.items()
            if k not in declared - set(override.definition_sources)
        }
        definitions.update(override.definition_sources)
        derivatives = dict(self.function_derivative_sources)
        derivatives.update(override.function_derivative_sources)
        identities = {i for i in self.identities if i not in declared} | set(override.identities)
        ties = {k: v for k, v in self.ties.items() if k not in declared}
        ties.update(override.ties)
        domains = {k: v for k, v in self.domains.items() if k not in declared}
        domains.update(override.domains)
        return MathContext(
            shapes=shapes,
            scalars=frozenset(scalars),
            functions=frozenset(functions),
            identities=frozenset(identities),
            domains=domains,
            ties=ties,
            aliases=aliases,
            definition_sources=definitions,
            function_derivative_sources=derivatives,
            source=override.source or self.source,
            lines={**self.lines, **override.lines},
        )

    # ------------------------------------------------------------ queries

    def resolve_alias(self, name: str) -> str:
        """The canonical name for a (canonically spelled) written name."""
        seen = 0
        while name in self.aliases and seen <= len(self.aliases):
            name = self.aliases[name]
            seen += 1
        return name

    def is_function(self, name: str) -> bool:
        """Whether ``name`` is a context function or a built-in one."""
        return name in self.functions or name in BUILTIN_FUNCTIONS

    def is_declared(self, name: str) -> bool:
        """Whether ``name`` is known to this context in any role (including
        the variables the definitions are written in, like ``w1`` in ``z1: w1 x + b1``)."""
        return (
            name in self.shapes
            or name in self.scalars
            or name in self.functions
            or name in self.aliases
            or name in self.definition_sources
            or name in self.definition_variables
        )

    @property
    def definition_variables(self) -> frozenset[str]:
        """Names the definitions use (``w1``, ``x``, ``b1``), found by a plain
        scan of their text (no parsing, so it is safe while parsing them)."""
        cached = self._cache.get("definition_variables")
        if cached is None:
            found: set[str] = set()
            for text in self.definition_sources.values():
                plain = _LEIBNIZ.sub(r" \1 \2 ", _TRANSPOSE_MARK.sub(" ", text))
                for word in _DEFINITION_WORD.findall(plain):
                    name = canonical_name(word)
                    if is_valid_name(name) and name not in BUILTIN_FUNCTIONS:
                        found.add(name)
            cached = self._cache["definition_variables"] = frozenset(found)
        return cached

    @property
    def declares_names(self) -> bool:
        """Whether this context is a symbol table: it declares symbols (shapes,
        scalars) or definitions. In one that is, a name it does not declare
        makes a comparison undetermined; in one that only lists functions or
        aliases (or none), every other name is a scalar."""
        functions = self.functions
        quantities = [name for name in self.definition_sources if name not in functions]
        return bool(self.shapes or self.scalars or quantities)

    def decorated_base(self, name: str) -> str | None:
        """The declared name a decorated spelling stands for, or None.

        ``\\hat\\beta`` (``betahat``), ``\\beta^*`` (``beta_star``),
        ``\\tilde\\beta``, ``\\bar x``, ``\\beta_{OLS}``, ``\\hat p_{MLE}``,
        ``\\hat w_1`` (``what1``): an estimate or a named value of a declared
        quantity is that quantity (``\\mathbf``, ``\\boldsymbol``, ``\\vec``
        are dropped by the spelling already). A spelling the context declares
        itself (``yhat: n x 1``) is never a decoration.
        """
        if self.is_declared(name):
            return None
        current = name
        for _ in range(4):
            match = _ESTIMATE_SUBSCRIPT.match(current) or _DECORATION_SUFFIX.match(current)
            if match is None:
                return None
            current = match.group("base") + (match.groupdict().get("digits") or "")
            resolved = self.resolve_alias(current)
            if self.is_declared(resolved) and not self.is_function(resolved):
                return resolved
        return None

    def shape_of(self, name: str) -> tuple[Any, Any] | None:
        """``(rows, cols)`` of a matrix/vector name, ``None`` for a scalar."""
        resolved = self.resolve_alias(name)
        return self.shapes.get(resolved) or self.defined_shape(resolved)

    def is_matrix(self, name: str) -> bool:
        resolved = self.resolve_alias(name)
        return resolved in self.shapes or self.defined_shape(resolved) is not None

    def defined_shape(self, name: str) -> tuple[Any, Any] | None:
        """The shape of a quantity the definitions give a matrix value
        (``r: y - X beta`` is n x 1), None for a scalar or an undefined name.
        Parses the definitions on first use, in order, so that a definition
        can use an earlier matrix one."""
        if name not in self.definition_sources:
            return None
        shapes = self._cache.get("definition_shapes")
        if shapes is None:
            shapes = self._cache["definition_shapes"] = {}
            self.definitions  # noqa: B018 - fills definition_shapes as it parses
        return shapes.get(name)

    def scalar(self, name: str) -> sympy.Symbol:
        """The scalar symbol for ``name``: ``Symbol(name, real=True)``; for the
        name of a dimension of a declared shape (``n`` of ``X: n x p``), that
        dimension: ``1/n`` and ``n - sum_i y_i`` count the rows, whether or
        not ``n`` is also declared a scalar."""
        dimension = self.dimensions.get(name)
        return dimension if dimension is not None else _real_symbol(name)

    def matrix(self, name: str) -> sympy.MatrixSymbol:
        """The ``MatrixSymbol`` for a declared matrix/vector ``name``."""
        import sympy

        resolved = self.resolve_alias(name)
        shape = self.shapes.get(resolved) or self.defined_shape(resolved)
        if shape is None:
            raise ContextError(f"{name!r} is not declared with a shape", path=self.source)
        key = "matrix:" + resolved
        cached = self._cache.get(key)
        if cached is None:
            if resolved in self.identities:
                cached = self._cache[key] = sympy.Identity(shape[0])
            else:
                cached = self._cache[key] = sympy.MatrixSymbol(resolved, *shape)
        return cached

    def symbol(self, name: str) -> Any:
        """``matrix(name)`` for a shaped name, else ``scalar(name)``."""
        resolved = self.resolve_alias(name)
        if resolved in self.shapes or self.defined_shape(resolved) is not None:
            return self.matrix(resolved)
        return self.scalar(resolved)

    def function(self, name: str) -> Any:
        """``sympy.Function(name)`` for a context function."""
        import sympy

        return sympy.Function(self.resolve_alias(name))

    @property
    def dimensions(self) -> dict[str, sympy.Symbol]:
        """Every dimension symbol used by a shape, by name."""
        found = self._cache.get("dimensions")
        if found is None:
            found = {}
            for rows, cols in self.shapes.values():
                for dim in (rows, cols):
                    for sym in getattr(dim, "free_symbols", ()):
                        found[sym.name] = sym
            self._cache["dimensions"] = found
        return found

    @property
    def known_names(self) -> frozenset[str]:
        """Every name the parser should read as one word (context + built-ins)."""
        cached = self._cache.get("known")
        if cached is None:
            cached = frozenset(
                set(self.shapes)
                | set(self.scalars)
                | set(self.functions)
                | set(self.aliases)
                | set(self.definition_sources)
                | self.definition_variables
                | BUILTIN_FUNCTIONS
                | GREEK
                | self._subscripted_words
            )
            self._cache["known"] = cached
        return cached

    @property
    def _subscripted_words(self) -> set[str]:
        """The letters of a declared name written with a subscript (``dW`` of
        ``dW_2``, ``dz`` of ``dz_{2,i}``) are one word in LaTeX too, as the
        whole name is."""
        words = set()
        for name in (*self.shapes, *self.scalars, *self.ties):
            match = _SUBSCRIPTED.match(name)
            if match is not None and len(match[1]) > 1:
                words.add(match[1])
        return words

    @property
    def fingerprint(self) -> tuple:
        """A hashable summary, used as a cache key by the parser."""
        cached = self._cache.get("fingerprint")
        if cached is None:
            cached = (
                # the shapes themselves (hashable SymPy tuples): printing them costs
                # more than the parse the key saves; names are unique, so sorting
                # never compares two shapes
                tuple(sorted(self.shapes.items())),
                tuple(sorted(self.scalars)),
                tuple(sorted(self.functions)),
                tuple(sorted(self.aliases.items())),
                tuple(self.definition_sources.items()),
                tuple(sorted(self.function_derivative_sources.items())),
                tuple(sorted(self.ties.items())),
                tuple(sorted(self.domains.items())),
            )
            self._cache["fingerprint"] = cached
        return cached

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    @property
    def definitions(self) -> dict[str, Any]:
        """``{name: sympy expression}`` in the order written, parsed on first use."""
        cached = self._cache.get("definitions")
        if cached is not None:
            return cached
        result: dict[str, Any] = {}
        from sympy.matrices.expressions import MatrixExpr

        shapes = self._cache.setdefault("definition_shapes", {})
        for name, text in self.definition_sources.items():
            where = self.lines.get(f"definitions.{name}")
            expr = self._one_expression(text, f"definition of {name!r}", where)
            if isinstance(expr, MatrixExpr) and expr.shape != (1, 1) and name not in self.functions:
                shapes[name] = expr.shape
            result[name] = expr
        self._refuse_cycles(result)
        self._cache["definitions"] = result
        return result

    def _refuse_cycles(self, definitions: Mapping[str, Any]) -> None:
        """``a: b + 1`` with ``b: a + 1`` defines nothing: a ``ContextError``
        naming the cycle, not a value drawn at random for one of them."""
        uses = {}
        for name, expr in definitions.items():
            names = _names_in(expr)
            uses[name] = [other for other in definitions if other in names]
        state: dict[str, int] = {}  # 1: on the current path, 2: done

        def visit(name: str, path: list[str]) -> None:
            state[name] = 1
            for other in uses[name]:
                if state.get(other) == 1:
                    cycle = [*path[path.index(other) :], other]
                    raise ContextError(
                        f"definitions refer to each other: {' -> '.join(cycle)}",
                        path=self.source,
                        line=self.lines.get(f"definitions.{other}"),
                    )
                if other not in state:
                    visit(other, [*path, other])
            state[name] = 2

        for name in definitions:
            if name not in state:
                visit(name, [name])

    def _one_expression(self, text: str, what: str, line: int | None) -> Any:
        """``text`` parsed in this context as one expression; else ``ContextError``."""
        from grader.math.parse import MathParseError, parse_math

        try:
            parsed = parse_math(text, self)
        except MathParseError as error:
            raise ContextError(f"{what}: {error.reason}", path=self.source, line=line) from None
        if len(parsed.terms) != 1:
            raise ContextError(
                f"{what} must be one expression, not {parsed.kind} {text!r}",
                path=self.source,
                line=line,
            )
        return parsed.terms[0]

    @property
    def function_derivatives(self) -> dict[str, Any]:
        """``{function: sympy.Lambda(u, derivative)}``, e.g. sigma -> sigma(u)(1 - sigma(u))."""
        cached = self._cache.get("function_derivatives")
        if cached is not None:
            return cached
        import sympy

        # The derivative's variable is its own (``sigma(u) (1 - sigma(u))``): read
        # with the functions only, so a question's ``u: 2 x 1`` or alias ``u -> v``
        # does not turn it into a matrix.
        functions_only = MathContext.from_mapping({"functions": sorted(self.functions)})
        result: dict[str, Any] = {}
        for name, text in self.function_derivative_sources.items():
            where = self.lines.get(f"function_derivatives.{name}")
            expr = functions_only._one_expression(text, f"derivative of {name!r}", where)
            variables = sorted(expr.free_symbols, key=lambda s: s.name)
            if len(variables) > 1:
                names = ", ".join(s.name for s in variables)
                raise ContextError(
                    f"derivative of {name!r} must use one variable, found {names}",
                    path=self.source,
                    line=where,
                )
            variable = variables[0] if variables else sympy.Dummy("u", real=True)
            result[name] = sympy.Lambda(variable, expr)
        self._cache["function_derivatives"] = result
        return result


def _names_in(expr: Any) -> set[str]:
    """The names ``expr`` uses: symbols, matrix symbols, functions applied."""
    from sympy.core.function import AppliedUndef
    from sympy.matrices.expressions import MatrixSymbol

    names = {getattr(symbol, "name", "") for symbol in getattr(expr, "free_symbols", ())}
    if hasattr(expr, "atoms"):
        names |= {matrix.name for matrix in expr.atoms(MatrixSymbol)}
        names |= {type(call).__name__ for call in expr.atoms(AppliedUndef)}
    return names


def _resolved_aliases(aliases: Mapping[str, str], fail: Any) -> dict[str, str]:
    """Each alias pointed straight at its final name (``a -> b -> c`` gives
    ``a -> c``, ``b -> c``), in one pass over the chains (linear, however
    long); a loop is a ``ContextError`` naming it."""
    resolved: dict[str, str] = {}
    for key in aliases:
        path: list[str] = []
        on_path: set[str] = set()
        current = key
        while current in aliases and current not in resolved:
            if current in on_path:
                loop = " -> ".join([*path[path.index(current) :], current])
                raise fail(f"alias loop: {loop}", f"aliases.{key}")
            on_path.add(current)
            path.append(current)
            current = aliases[current]
        final = resolved.get(current, current)
        for name in path:
            resolved[name] = final
    return resolved


def _tie_shapes(
    specs: Mapping[str, tuple[str, str, str]],
    shapes: dict[str, tuple[Any, Any]],
    scalars: set[str],
    aliases: Mapping[str, str],
    fail: Any,
) -> dict[str, tuple[str, str, str]]:
    """Index ties (``x_i: row i of X``): each tied name gets its shape from
    its source (a row of an n x p matrix is a p x 1 column vector, an entry of
    a vector a scalar, a column an n x 1 vector), so it is a declared name like
    any other; the tie itself says which rows a sum over the index runs over."""
    ties: dict[str, tuple[str, str, str]] = {}
    for name, (kind, index, written_source) in specs.items():
        where = f"symbols.{name}"
        source = written_source
        while source in aliases and source != aliases[source]:
            source = aliases[source]
        shape = shapes.get(source)
        if shape is None:
            raise fail(
                f"symbol {name!r}: {kind} {index} of {written_source!r}, but "
                f"{written_source!r} is not declared with a shape",
                where,
            )
        rows, cols = shape
        if kind == "entry":
            if cols != 1:
                raise fail(
                    f"symbol {name!r}: {written_source!r} is a matrix, not a vector; "
                    f"write 'row {index} of {written_source}' or 'column {index} of {written_source}'",
                    where,
                )
            scalars.add(name)
        elif kind == "row":
            shapes[name] = (cols, 1)
        else:
            shapes[name] = (rows, 1)
        ties[name] = (kind, index, source)
    return ties


def _checked_name(written: Any, section: str, fail: Any, where: str) -> str:
    if not isinstance(written, str) or not written.strip():
        raise fail(f"{section}: {written!r} is not a name", where)
    name = canonical_name(written)
    if not is_valid_name(name):
        raise fail(f"{section}: cannot read {written!r} as a name", where)
    return name


def _yaml_lines(text: str) -> dict[str, int]:
    """``"section.key" -> line`` (1-based) for a YAML context file."""
    import yaml

    lines: dict[str, int] = {}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return lines
    if not isinstance(root, yaml.MappingNode):
        return lines
    for key_node, value_node in root.value:
        section = str(key_node.value)
        lines[section] = key_node.start_mark.line + 1
        if isinstance(value_node, yaml.MappingNode):
            for sub_key, _sub_value in value_node.value:
                lines[f"{section}.{sub_key.value}"] = sub_key.start_mark.line + 1
        elif isinstance(value_node, yaml.SequenceNode):
            for item in value_node.value:
                if isinstance(item, yaml.ScalarNode):
                    lines[f"{section}.{item.value}"] = item.start_mark.line + 1
                elif isinstance(item, yaml.MappingNode):
                    for sub_key, _ in item.value:
                        lines[f"{section}.{sub_key.value}"] = sub_key.start_mark.line + 1
    return lines


def load_context(path: str | Path) -> MathContext:
    """Read a context file (YAML, or JSON by the ``.json`` suffix)."""
    path = Path(path)
    text = read_text_file(path, error=ContextError, what="context file")
    data = parse_yaml_or_json(text, path, error=ContextError)
    lines: dict[str, int] = {} if path.suffix.lower() == ".json" else _yaml_lines(text)
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ContextError(
            "a context file must hold a mapping (symbols:, aliases:, ...)", path=str(path)
        )
    context = MathContext.from_mapping(data, source=str(path), lines=lines)
    context.definitions  # noqa: B018 - parse them now: a bad or cyclic one is an error here
    return context
