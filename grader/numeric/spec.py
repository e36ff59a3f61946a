"""What a ``code`` check asks for: file, function, tests (documented in docs/code-checks.md).

Plain dataclasses built from a rubric's mapping by
:meth:`CodeCheckSpec.from_mapping`, which raises :class:`~grader.errors.RubricError`
naming the field (``tests[1].compare.rtol: ...``) for anything it cannot use.
"""

from __future__ import annotations

import difflib
import keyword
import math
import re
from dataclasses import dataclass, field
from typing import Any

from grader.errors import RubricError
from grader.numeric.sandbox import SandboxLimits

__all__ = [
    "ArraySpec",
    "CodeCheckSpec",
    "CodeTestSpec",
    "CompareSpec",
    "ComparatorSpec",
    "GeneratorSpec",
    "ModeSpec",
    "PropertySpec",
    "KeyPath",
]

KeyPath = tuple[str | int, ...]
"""Where a value sits in a returned structure: ``("loss",)``, ``(0,)``, ``()`` = all of it."""

DISTRIBUTIONS = ("normal", "uniform", "integers", "binary")
PROPERTIES = {
    "residual_orthogonal": {"matrix", "target", "rtol"},
    "finite_difference": {"wrt", "of", "loss_output", "eps", "rtol", "atol"},
    "monotone_decrease": {"loss", "loss_args", "min_decrease", "tolerance"},
}
_COMMON_PROPERTY_KEYS = {"property", "required"}
# What a comparison may forgive: name -> (what it acts on, what it forgives).
# grader.numeric.modes does the comparing; these are here, without NumPy, so
# that loading a rubric can check them.
INVARIANCES: dict[str, tuple[str, str]] = {
    "sign": ("whole", "sign"),
    "scale": ("whole", "scale"),
    "permutation": ("elements", "permutation"),
    "row_sign": ("row", "sign"),
    "row_scale": ("row", "scale"),
    "row_permutation": ("row", "permutation"),
    "column_sign": ("column", "sign"),
    "column_scale": ("column", "scale"),
    "column_permutation": ("column", "permutation"),
    "rotation": ("basis", "rotation"),
    "subspace": ("basis", "subspace"),
}
INVARIANCE_NAMES = tuple(INVARIANCES)


def mode_problem(invariances: frozenset[str]) -> str | None:
    """Why a set of invariances cannot be one mode, or None."""
    unknown = sorted(invariances - set(INVARIANCES))
    if unknown:
        return f"unknown invariance {unknown[0]!r}"
    targets = {INVARIANCES[name][0] for name in invariances}
    if "basis" in targets and len(invariances) > 1:
        return "rotation and subspace stand alone (they include signs and orders)"
    if "row" in targets and "column" in targets:
        return "a mode forgives changes of rows or of columns, not both"
    if "elements" in targets and targets & {"row", "column"}:
        return "permutation (of all values) cannot be combined with row or column changes"
    return None


# grader.numeric.transforms.NAMED_TRANSFORMS, by name (test_modes keeps them in step).
TRANSFORM_NAMES = (
    "abs",
    "sort",
    "sort_rows",
    "sort_columns",
    "normalize",
    "normalize_rows",
    "normalize_columns",
    "flatten",
    "squeeze",
)
_MODE_KEYS = {"up_to", "score", "rtol", "atol", "feedback"}


def did_you_mean(name: str, choices: Any) -> str:
    """`` (did you mean 'column_sign'?)`` or ''."""
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _loc_of(where: str, key: str | None = None) -> tuple[str | int, ...]:
    """``checks[c].tests[1].compare`` + ``rtol`` -> ``("tests", 1, "compare", "rtol")``,
    the path inside the check (for ``grader validate`` to find the line)."""
    inner = re.sub(r"^checks\[[^\]]*\]\.?", "", where)
    loc: list[str | int] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", inner):
        loc.append(int(index) if index else name)
    if key is not None:
        loc.append(key)
    return tuple(loc)


def _error(message: str, source: str | None, loc: tuple) -> RubricError:
    error = RubricError(message, path=source)
    error.loc = loc  # where in the check, for grader validate's line numbers
    return error


class _Fields:
    """Reads one mapping, naming each field in errors; complains about unknown keys."""

    def __init__(self, data: Any, where: str, source: str | None, allowed: set[str]):
        if not isinstance(data, dict):
            raise RubricError(
                f"{where or 'code check'}: expected a mapping, got {type(data).__name__}",
                path=source,
            )
        unknown = sorted(set(map(str, data)) - allowed)
        if unknown:
            raise _error(
                f"{self._name(where, unknown[0])}: unknown field"
                f"{did_you_mean(unknown[0], allowed)} (allowed: {', '.join(sorted(allowed))})",
                source,
                _loc_of(where, unknown[0]),
            )
        self.data, self.where, self.source = data, where, source

    @staticmethod
    def _name(where: str, key: str) -> str:
        return f"{where}.{key}" if where else key

    def error(self, key: str, message: str) -> RubricError:
        return _error(
            f"{self._name(self.where, key)}: {message}", self.source, _loc_of(self.where, key)
        )

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def text(self, key: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self.data.get(key, default)
        if value is None:
            if required:
                raise self.error(key, "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, "must be a non-empty string")
        return value

    def number(
        self,
        key: str,
        default: float | None = None,
        *,
        required: bool = False,
        minimum: float | None = 0.0,
        positive: bool = False,
    ) -> float | None:
        value = self.data.get(key, default)
        if value is None:
            if required:
                raise self.error(key, "is required")
            return None
        if isinstance(value, str):
            try:
                value = float(value)  # YAML reads 1e-6 (no dot) as a string
            except ValueError:
                raise self.error(key, f"must be a number, got {value!r}") from None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise self.error(key, f"must be a number, got {value!r}")
        if positive and value <= 0:
            raise self.error(key, "must be greater than 0")
        if minimum is not None and value < minimum:
            raise self.error(key, f"must be at least {minimum:g}")
        return float(value)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, "must be true or false")
        return value


def _key_path(value: Any, fields: _Fields, key: str) -> KeyPath:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise fields.error(key, "must be a key (string), an index (integer) or a list of them")
    return tuple(items)


def _identifier(value: str | None, fields: _Fields, key: str) -> str | None:
    if value is not None and (not value.isidentifier() or keyword.iskeyword(value)):
        raise fields.error(key, f"{value!r} is not a Python name")
    return value


@dataclass(frozen=True)
class ArraySpec:
    """A random array: ``shape``, a distribution and its parameters."""

    shape: tuple[int, ...]
    distribution: str = "normal"
    mean: float = 0.0
    scale: float = 1.0
    low: float = 0.0
    high: float = 1.0
    bias_column: bool = False  # first column all ones (a design matrix)
    condition: float | None = None  # 2-D: rescale singular values to this condition number

    @classmethod
    def from_mapping(cls, data: Any, where: str, source: str | None) -> ArraySpec:
        fields = _Fields(
            data,
            where,
            source,
            {"shape", "distribution", "mean", "scale", "low", "high", "bias_column", "condition"},
        )
        shape = fields.raw("shape")
        if not isinstance(shape, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape
        ):
            raise fields.error("shape", "must be a list of non-negative integers, e.g. [50, 4]")
        distribution = fields.text("distribution", "normal")
        if distribution not in DISTRIBUTIONS:
            raise fields.error("distribution", f"must be one of {', '.join(DISTRIBUTIONS)}")
        condition = fields.number("condition", None, minimum=1.0)
        if condition is not None and len(shape) != 2:
            raise fields.error("condition", "only applies to 2-D arrays")
        bias = fields.boolean("bias_column", False)
        if bias and len(shape) != 2:
            raise fields.error("bias_column", "only applies to 2-D arrays")
        low, high = (
            fields.number("low", 0.0, minimum=None),
            fields.number("high", 1.0, minimum=None),
        )
        if high <= low:
            raise fields.error("high", "must be greater than low")
        return cls(
            tuple(shape),
            distribution,
            fields.number("mean", 0.0, minimum=None),
            fields.number("scale", 1.0, positive=True),
            low,
            high,
            bias,
            condition,
        )


@dataclass(frozen=True)
class GeneratorSpec:
    """A function of the references file, ``name(rng, **params) -> dict of inputs``."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ModeSpec:
    """A way to be right (``up_to`` these invariances; none: exactly) and the
    fraction of the test's marks it earns."""

    up_to: frozenset[str] = frozenset()
    score: float = 1.0
    rtol: float | None = None  # None: the compare's
    atol: float | None = None
    feedback: str = ""  # said when this mode is the best that passes (default: generated)


@dataclass(frozen=True)
class ComparatorSpec:
    """A function of the references file, ``name(student, reference, **params)``
    -> bool, a score in [0, 1], or (either, message); given plain arrays only."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CompareSpec:
    """Compare the student's result with a reference function's, computed in the grader."""

    reference: str | None
    args: tuple[Any, ...] | None = None  # None: the test's own args and kwargs
    kwargs: dict[str, Any] | None = None
    output: KeyPath | None = None  # None: the test's output path
    rtol: float = 1e-6
    atol: float = 0.0
    modes: tuple[ModeSpec, ...] = (ModeSpec(),)  # the best that passes gives its score
    transform: tuple[str, ...] = ()  # named transforms or references functions, in order
    comparator: ComparatorSpec | None = None  # instead of modes


@dataclass(frozen=True)
class PropertySpec:
    """A generic property (``residual_orthogonal``, ``finite_difference``,
    ``monotone_decrease``) with its parameters; ``required: false`` only reports."""

    name: str
    params: dict[str, Any]
    required: bool = True


@dataclass(frozen=True)
class CodeTestSpec:
    id: str
    marks: float
    seeds: tuple[int, ...] = (0,)
    inputs: dict[str, Any] = field(default_factory=dict)  # name -> ArraySpec | literal
    generator: GeneratorSpec | None = None
    args: tuple[Any, ...] = ()  # input names (strings) or literals
    kwargs: dict[str, Any] = field(default_factory=dict)
    sweep: tuple[str, tuple[Any, ...]] | None = None  # a keyword and its values, one call each
    output: KeyPath = ()
    shape: tuple[int | str, ...] | None = None  # ints or "NAME.k" (dimension k of input NAME)
    compare: CompareSpec | None = None
    properties: tuple[PropertySpec, ...] = ()
    scoring: str = "all"  # all seeds must pass | per_seed: the fraction that passes
    # fixed named cases, after the seeds: (name, {input name: ArraySpec | literal})
    cases: tuple[tuple[str, dict[str, Any]], ...] = ()
    limits: SandboxLimits | None = None
    feedback: str = ""


@dataclass(frozen=True)
class CodeCheckSpec:
    """One ``kind: code`` check: a function in a file, tested by ``tests``."""

    id: str
    points: float
    file: str
    function: str
    tests: tuple[CodeTestSpec, ...]
    references: str | None = None
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    title: str = ""

    @classmethod
    def from_mapping(cls, data: Any, *, source: str | None = None) -> CodeCheckSpec:
        """Build from a rubric mapping; ``RubricError`` names the offending field."""
        known_id = data.get("id") if isinstance(data, dict) else None
        where = f"checks[{known_id}]" if isinstance(known_id, str) and known_id else ""
        fields = _Fields(
            data,
            where,
            source,
            {
                "kind",
                "id",
                "points",
                "file",
                "function",
                "references",
                "tests",
                "limits",
                "time_limit",
                "title",
                "description",
                "feedback",
            },
        )
        if fields.raw("kind", "code") != "code":
            raise fields.error("kind", "must be 'code'")
        check_id = fields.text("id", required=True)
        fields.where = f"checks[{check_id}]"
        points = fields.number("points", required=True)
        filename = fields.text("file", required=True)
        if (
            "/" in filename
            or "\\" in filename
            or filename.startswith(".")
            or not filename.endswith(".py")
        ):
            raise fields.error("file", "must be a plain .py file name, e.g. linreg.py")
        function = _identifier(fields.text("function", required=True), fields, "function")
        limits = _limits(fields, SandboxLimits())
        raw_tests = fields.raw("tests")
        if not isinstance(raw_tests, list) or not raw_tests:
            raise fields.error("tests", "must be a non-empty list of tests")
        given = [t.get("marks") for t in raw_tests if isinstance(t, dict)]
        unmarked = sum(1 for m in given if m is None)
        marked = sum(
            float(m) for m in given if isinstance(m, int | float) and not isinstance(m, bool)
        )
        share = (points - marked) / unmarked if unmarked else 0.0
        tests = tuple(
            _test(t, f"{fields.where}.tests[{i}]", source, share, limits)
            for i, t in enumerate(raw_tests)
        )
        ids = [t.id for t in tests]
        if len(set(ids)) != len(ids):
            raise fields.error("tests", "test ids must be unique")
        total = sum(t.marks for t in tests)
        if abs(total - points) > 1e-9:
            raise fields.error(
                "tests", f"the tests' marks add up to {total:g}, not the check's points {points:g}"
            )
        return cls(
            check_id,
            points,
            filename,
            function,
            tests,
            fields.text("references"),
            limits,
            fields.text("title") or "",
        )


def _limits(fields: _Fields, base: SandboxLimits) -> SandboxLimits:
    values = dict(base.__dict__)
    if fields.has("time_limit"):
        seconds = fields.number("time_limit", positive=True)
        values.update(wall_seconds=seconds, cpu_seconds=seconds)
    if fields.has("limits"):
        inner = _Fields(
            fields.raw("limits"),
            fields._name(fields.where, "limits"),
            fields.source,
            set(base.__dict__),
        )
        for key in base.__dict__:
            if inner.has(key):
                number = inner.number(key, positive=True)
                values[key] = number if key.endswith("seconds") else int(number)
    return SandboxLimits(**values)


def _test(
    data: Any, where: str, source: str | None, share: float, limits: SandboxLimits
) -> CodeTestSpec:
    fields = _Fields(
        data,
        where,
        source,
        {
            "id",
            "marks",
            "seed",
            "seeds",
            "inputs",
            "generator",
            "args",
            "kwargs",
            "sweep",
            "output",
            "shape",
            "compare",
            "properties",
            "scoring",
            "time_limit",
            "limits",
            "feedback",
            "description",
            "cases",
        },
    )
    test_id = fields.text("id", required=True)
    marks = fields.number("marks", share)
    if fields.has("seed") and fields.has("seeds"):
        raise fields.error("seeds", "give seed or seeds, not both")
    cases = _cases(fields, where, source)
    # Fixed cases alone run alone; a test that also generates inputs (a
    # generator, random arrays) runs seed 0 besides them unless told otherwise.
    raw_inputs = fields.raw("inputs")
    generates = fields.has("generator") or (
        isinstance(raw_inputs, dict) and any(isinstance(v, dict) for v in raw_inputs.values())
    )
    alone = cases and not generates and not fields.has("seed")
    default_seeds = [] if alone else [fields.raw("seed", 0)]
    seeds = fields.raw("seeds", default_seeds)
    if (
        not isinstance(seeds, list)
        or not (seeds or cases)
        or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds)
    ):
        raise fields.error("seeds", "must be a non-empty list of non-negative integers")
    inputs = _input_values(fields, "inputs", where, source)
    generator = None
    if fields.has("generator"):
        raw = fields.raw("generator")
        if isinstance(raw, str):
            raw = {"name": raw}
        inner = _Fields(raw, f"{where}.generator", source, {"name", "params"})
        name = _identifier(inner.text("name", required=True), inner, "name")
        params = inner.raw("params", {}) or {}
        if not isinstance(params, dict):
            raise inner.error("params", "must be a mapping")
        generator = GeneratorSpec(name, dict(params))
    if not inputs and generator is None and not cases:
        raise fields.error("inputs", "a test needs inputs or a generator (or fixed cases)")
    args = fields.raw("args", [])
    kwargs = fields.raw("kwargs", {}) or {}
    if not isinstance(args, list):
        raise fields.error("args", "must be a list of input names or values")
    if not isinstance(kwargs, dict):
        raise fields.error("kwargs", "must be a mapping")
    sweep = None
    if fields.has("sweep"):
        raw = fields.raw("sweep")
        if not isinstance(raw, dict) or len(raw) != 1:
            raise fields.error("sweep", "must map one keyword to a list of values")
        ((key, values),) = raw.items()
        if not isinstance(values, list) or not values:
            raise fields.error("sweep", "must map one keyword to a non-empty list of values")
        sweep = (_identifier(str(key), fields, "sweep"), tuple(values))
    shape = fields.raw("shape")
    if shape is not None:
        if not isinstance(shape, list) or not all(
            (isinstance(n, int) and not isinstance(n, bool) and n >= 0)
            or (isinstance(n, str) and _dimension_ref(n) is not None)
            for n in shape
        ):
            raise fields.error(
                "shape", "must list integers or 'NAME.k' (dimension k of input NAME)"
            )
        shape = tuple(shape)
    compare = (
        _compare(fields.raw("compare"), f"{where}.compare", source)
        if fields.has("compare")
        else None
    )
    properties = []
    raw_properties = fields.raw("properties", []) or []
    if not isinstance(raw_properties, list):
        raise fields.error("properties", "must be a list")
    for i, raw in enumerate(raw_properties):
        properties.append(_property(raw, f"{where}.properties[{i}]", source, sweep))
    if compare is None and not properties:
        raise fields.error("compare", "a test needs a compare or at least one property")
    scoring = fields.text("scoring", "all")
    if scoring not in ("all", "per_seed"):
        raise fields.error("scoring", "must be 'all' or 'per_seed'")
    test_limits = _limits(fields, limits)
    return CodeTestSpec(
        id=test_id,
        marks=marks,
        seeds=tuple(seeds),
        inputs=inputs,
        generator=generator,
        args=tuple(args),
        kwargs=dict(kwargs),
        sweep=sweep,
        output=_key_path(fields.raw("output"), fields, "output"),
        shape=shape,
        compare=compare,
        properties=tuple(properties),
        scoring=scoring,
        limits=test_limits,
        feedback=fields.text("feedback") or "",
        cases=cases,
    )


def _input_values(fields: _Fields, key: str, where: str, source: str | None) -> dict[str, Any]:
    """``name: ArraySpec mapping | literal`` for each input of ``fields[key]``."""
    values: dict[str, Any] = {}
    raw = fields.raw(key, {}) or {}
    if not isinstance(raw, dict):
        raise fields.error(key, "must be a mapping of input names")
    for name, value in raw.items():
        _identifier(str(name), fields, key)
        if isinstance(value, dict):
            values[str(name)] = ArraySpec.from_mapping(value, f"{where}.{key}.{name}", source)
        elif value is None or isinstance(value, bool | int | float | str | list):
            values[str(name)] = value
        else:
            raise fields.error(f"{key}.{name}", "must be an array spec or a literal value")
    return values


def _cases(fields: _Fields, where: str, source: str | None) -> tuple:
    """``cases: {identity: {X: [[1, 0], [0, 1]]}, ...}``: fixed inputs by name."""
    if not fields.has("cases"):
        return ()
    raw = fields.raw("cases")
    if not isinstance(raw, dict) or not raw:
        raise fields.error(
            "cases", "must map case names to their inputs, e.g. {identity: {X: ...}}"
        )
    inner = _Fields(raw, f"{where}.cases", source, set(map(str, raw)))
    out = []
    for name in raw:
        if not isinstance(name, str) or not name.strip():
            raise inner.error(str(name), "a case name must be a non-empty string")
        if not isinstance(raw[name], dict) or not raw[name]:
            raise inner.error(name, "must map input names to values")
        out.append((name, _input_values(inner, name, f"{where}.cases", source)))
    return tuple(out)


def _names(value: Any, fields: _Fields, key: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(i, str) and i.strip() for i in items):
        raise fields.error(key, "must be a name or a list of names")
    return tuple(items)


def _up_to(value: Any, fields: _Fields, key: str) -> frozenset[str]:
    names = _names(value, fields, key)
    if names == ("exact",):
        return frozenset()
    for name in names:
        if name not in INVARIANCE_NAMES:
            raise fields.error(
                key,
                f"unknown mode {name!r}{did_you_mean(name, ('exact', *INVARIANCE_NAMES))} "
                f"(modes: exact, {', '.join(INVARIANCE_NAMES)})",
            )
    problem = mode_problem(frozenset(names))
    if problem:
        raise fields.error(key, problem)
    return frozenset(names)


def _mode(raw: Any, where: str, source: str | None) -> ModeSpec:
    """``exact`` | ``column_sign`` | ``{column_sign: 0.75}`` |
    ``{up_to: [column_sign, column_permutation], score: 0.5, rtol, atol, feedback}``."""
    if isinstance(raw, str):
        raw = {"up_to": raw}
    if isinstance(raw, dict) and len(raw) == 1 and str(next(iter(raw))) not in _MODE_KEYS:
        ((name, score),) = raw.items()  # {column_sign: 0.75}
        raw = {"up_to": str(name), "score": score}
    fields = _Fields(raw, where, source, _MODE_KEYS)
    if not fields.has("up_to"):
        raise fields.error("up_to", "is required: exact, or what the answer may differ by")
    score = fields.number("score", 1.0)
    if score > 1 or score <= 0:
        raise fields.error("score", "must be a fraction of the test's marks, in (0, 1]")
    return ModeSpec(
        _up_to(fields.raw("up_to"), fields, "up_to"),
        score,
        fields.number("rtol", None),
        fields.number("atol", None),
        fields.text("feedback") or "",
    )


def _compare(raw: Any, where: str, source: str | None) -> CompareSpec:
    inner = _Fields(
        raw,
        where,
        source,
        {
            "reference",
            "args",
            "kwargs",
            "output",
            "rtol",
            "atol",
            "up_to",
            "modes",
            "transform",
            "comparator",
        },
    )
    c_args, c_kwargs = inner.raw("args"), inner.raw("kwargs")
    if c_args is not None and not isinstance(c_args, list):
        raise inner.error("args", "must be a list")
    if c_kwargs is not None and not isinstance(c_kwargs, dict):
        raise inner.error("kwargs", "must be a mapping")
    comparator = None
    if inner.has("comparator"):
        value = inner.raw("comparator")
        value = {"name": value} if isinstance(value, str) else value
        spec = _Fields(value, f"{where}.comparator", source, {"name", "params"})
        params = spec.raw("params", {}) or {}
        if not isinstance(params, dict):
            raise spec.error("params", "must be a mapping")
        name = _identifier(spec.text("name", required=True), spec, "name")
        comparator = ComparatorSpec(name, dict(params))
    if inner.has("up_to") and inner.has("modes"):
        raise inner.error("modes", "give up_to (one way to be right) or modes, not both")
    if comparator is not None and (inner.has("up_to") or inner.has("modes")):
        raise inner.error("comparator", "a comparator decides alone: remove up_to and modes")
    modes: tuple[ModeSpec, ...] = (ModeSpec(),)
    if inner.has("up_to"):
        modes = (ModeSpec(_up_to(inner.raw("up_to"), inner, "up_to")),)
    elif inner.has("modes"):
        raw_modes = inner.raw("modes")
        if not isinstance(raw_modes, list) or not raw_modes:
            raise inner.error(
                "modes", "must be a non-empty list, e.g. [exact, {column_sign: 0.75}]"
            )
        modes = tuple(_mode(m, f"{where}.modes[{i}]", source) for i, m in enumerate(raw_modes))
        best = max(m.score for m in modes)
        if best < 1.0:
            # every mode accepts an exactly right answer: it would earn only this
            raise inner.error(
                "modes",
                f"no mode earns all the marks: a right answer would earn {best:g} of them "
                "(add exact, or a mode with score 1)",
            )
    transform = ()
    if inner.has("transform"):
        transform = _names(inner.raw("transform"), inner, "transform")
        for name in transform:
            if name not in TRANSFORM_NAMES:
                _identifier(name, inner, "transform")  # else a function of the references
    reference = inner.text("reference", required=comparator is None)
    return CompareSpec(
        reference=_identifier(reference, inner, "reference"),
        args=tuple(c_args) if c_args is not None else None,
        kwargs=dict(c_kwargs) if c_kwargs is not None else None,
        output=_key_path(inner.raw("output"), inner, "output") if inner.has("output") else None,
        rtol=inner.number("rtol", 1e-6),
        atol=inner.number("atol", 0.0),
        modes=modes,
        transform=transform,
        comparator=comparator,
    )


def _dimension_ref(text: str) -> tuple[str, int] | None:
    name, dot, index = text.partition(".")
    if dot and name.isidentifier() and index.isdigit():
        return name, int(index)
    return None


def _property(
    data: Any, where: str, source: str | None, sweep: tuple[str, tuple[Any, ...]] | None
) -> PropertySpec:
    if not isinstance(data, dict) or data.get("property") not in PROPERTIES:
        raise RubricError(
            f"{where}.property: must be one of {', '.join(sorted(PROPERTIES))}", path=source
        )
    name = data["property"]
    fields = _Fields(data, where, source, PROPERTIES[name] | _COMMON_PROPERTY_KEYS)
    params: dict[str, Any] = {}
    if name == "residual_orthogonal":
        params["matrix"] = fields.text("matrix", required=True)
        params["target"] = fields.text("target", required=True)
        params["rtol"] = fields.number("rtol", 1e-8)
    elif name == "finite_difference":
        params["wrt"] = fields.text("wrt", required=True)
        params["of"] = fields.text("of", "student")
        params["loss_output"] = _key_path(fields.raw("loss_output"), fields, "loss_output")
        params["eps"] = fields.number("eps", 1e-6, positive=True)
        params["rtol"] = fields.number("rtol", 1e-5)
        params["atol"] = fields.number("atol", 1e-7)
    else:
        if sweep is None:
            raise fields.error("property", "monotone_decrease needs the test to have a sweep")
        params["loss"] = _identifier(fields.text("loss", required=True), fields, "loss")
        loss_args = fields.raw("loss_args", [])
        if not isinstance(loss_args, list):
            raise fields.error("loss_args", "must be a list of input names or values")
        params["loss_args"] = tuple(loss_args)
        params["min_decrease"] = fields.number("min_decrease", 0.0)
        params["tolerance"] = fields.number("tolerance", 1e-12)
    return PropertySpec(name, params, fields.boolean("required", True))
