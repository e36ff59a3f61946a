"""Test inputs, generated per test from a seed so a regrade sees the same data.

Declarative arrays (:class:`~grader.numeric.spec.ArraySpec`) are drawn first,
in the order the test lists them, from ``numpy.random.default_rng(seed)``;
then the test's generator (a function of the references file) is called with
the same generator and its parameters, and with ``seed``, ``index`` (the
position of this set of inputs in the test) and ``case`` (a fixed case's
name, or None) when its signature names them. Literal values pass through.
A fixed case's values (``cases:``) replace inputs of the same name.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from grader.errors import RubricError
from grader.numeric.references import References
from grader.numeric.spec import ArraySpec, CodeTestSpec

__all__ = ["generate_array", "generate_inputs"]


def generate_array(spec: ArraySpec, rng: np.random.Generator) -> np.ndarray:
    """One random array as ``spec`` describes it."""
    shape = spec.shape
    if spec.distribution == "normal":
        array = rng.normal(spec.mean, spec.scale, size=shape)
    elif spec.distribution == "uniform":
        array = rng.uniform(spec.low, spec.high, size=shape)
    elif spec.distribution == "integers":
        array = rng.integers(int(spec.low), int(spec.high), size=shape, endpoint=True)
    else:  # binary
        array = rng.integers(0, 2, size=shape).astype(float)
    if spec.condition is not None and min(shape) > 0:
        # Keep the singular vectors, space the singular values geometrically
        # from 1 down to 1/condition: a matrix of exactly that conditioning.
        u, _, vt = np.linalg.svd(array.astype(float), full_matrices=False)
        singular = np.geomspace(1.0, 1.0 / spec.condition, num=min(shape))
        array = (u * singular) @ vt * np.sqrt(shape[0])
    if spec.bias_column and shape[1] > 0:
        array = np.array(array, dtype=float)
        array[:, 0] = 1.0
    return array


def _values(declared: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    inputs: dict[str, Any] = {}
    for name, spec in declared.items():
        if isinstance(spec, ArraySpec):
            inputs[name] = generate_array(spec, rng)
        elif isinstance(spec, list):
            inputs[name] = np.asarray(spec, dtype=float)
        else:
            inputs[name] = spec
    return inputs


def _generator_extras(function: Any, params: dict[str, Any], **extras: Any) -> dict[str, Any]:
    """The extras (seed, index, case) that the generator's signature names."""
    try:
        accepts = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return {}
    return {k: v for k, v in extras.items() if k in accepts and k not in params}


def generate_inputs(
    test: CodeTestSpec,
    seed: int,
    references: References | None,
    *,
    index: int = 0,
    case: str | None = None,
) -> dict[str, Any]:
    """The named inputs of ``test`` for one seed, or for its fixed case ``case``
    (drawn with ``seed``, then the case's values)."""
    rng = np.random.default_rng(seed)
    inputs = _values(test.inputs, rng)
    fixed = _values(dict(test.cases).get(case, {}), rng) if case is not None else {}
    if test.generator is not None:
        if references is None:
            raise RubricError(f"test {test.id}: a generator needs a references file")
        params = test.generator.params
        extras = _generator_extras(
            references.function(test.generator.name), params, seed=seed, index=index, case=case
        )
        produced = references.call(test.generator.name, rng, **params, **extras)
        if not isinstance(produced, dict):
            raise RubricError(
                f"{references.path}: generator {test.generator.name} must return a "
                f"dict of inputs, not {type(produced).__name__}"
            )
        for name, value in produced.items():
            if name in inputs and name not in fixed:
                raise RubricError(f"test {test.id}: input {name} is both declared and generated")
            inputs[str(name)] = value
    inputs.update(fixed)
    return inputs
