"""Transforms applied to the student's value and the reference's before comparing,
and the conversion of a returned value to plain numbers.

A named transform (``sort``, ``abs``, ``normalize_columns``, ...) maps each
array of a value; any other name is a function of the references file,
called in the grader's process with plain arrays only (never an object the
student's code made: the sandbox sends back numbers and arrays, and
:func:`plain_numbers` refuses anything else).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from grader.numeric.sandbox import Unsupported

__all__ = ["NAMED_TRANSFORMS", "NotNumbers", "apply_named", "plain_numbers"]


def _normalize(x: np.ndarray, axis: int | None) -> np.ndarray:
    norm = np.linalg.norm(x, axis=axis, keepdims=axis is not None)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norm > 0, x / np.where(norm > 0, norm, 1.0), x)


def _columns(function: Callable[[np.ndarray], np.ndarray]):
    """Acts on the columns of a matrix; a vector is one column; a number is left alone."""

    def apply(x: np.ndarray) -> np.ndarray:
        return function(x) if x.ndim == 2 else (function(x[:, None])[:, 0] if x.ndim == 1 else x)

    return apply


def _sort_columns(x: np.ndarray) -> np.ndarray:
    return x[:, np.lexsort(x[::-1])] if x.shape[1] else x


def _sort_rows(x: np.ndarray) -> np.ndarray:
    return x[np.lexsort(x.T[::-1])] if x.ndim == 2 and x.shape[0] else np.sort(x, axis=None)


# name -> (function of one real array, what it does, for the docs and errors)
NAMED_TRANSFORMS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], str]] = {
    "abs": (np.abs, "absolute values"),
    "sort": (lambda x: np.sort(x, axis=None), "all values, flattened and sorted"),
    "sort_rows": (_sort_rows, "the rows in lexicographic order"),
    "sort_columns": (_columns(_sort_columns), "the columns in lexicographic order"),
    "normalize": (lambda x: _normalize(x, None), "divided by its norm"),
    "normalize_rows": (
        lambda x: _normalize(x, -1) if x.ndim >= 1 else x,
        "each row divided by its norm",
    ),
    "normalize_columns": (
        _columns(lambda x: _normalize(x, 0)),
        "each column divided by its norm",
    ),
    "flatten": (np.ravel, "one flat vector"),
    "squeeze": (np.squeeze, "axes of length 1 dropped"),
}


class NotNumbers(ValueError):
    """A value that is not numbers and arrays: it is never handed to instructor code."""


def plain_numbers(value: Any, label: str) -> Any:
    """``value`` as plain data: real arrays copied (writable, numeric dtype),
    0-d arrays as Python numbers, tuples, lists and dicts (string keys) of them.
    Anything else raises :class:`NotNumbers` naming what it was."""
    if isinstance(value, Unsupported):
        raise NotNumbers(f"{label} is not numbers ({value.what})")
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufc":
            raise NotNumbers(f"{label} is an array of {value.dtype}, not numbers")
        array = np.array(value, copy=True)
        return array.item() if array.ndim == 0 else array
    if isinstance(value, bool | int | float | complex) and not isinstance(value, np.generic):
        return value
    if isinstance(value, np.generic) and value.dtype.kind in "biufc":
        return value.item()
    if isinstance(value, tuple | list):
        return type(value)(plain_numbers(v, f"item {i} of {label}") for i, v in enumerate(value))
    if isinstance(value, dict) and all(type(k) is str for k in value):
        return {k: plain_numbers(v, f"{label}[{k!r}]") for k, v in value.items()}
    raise NotNumbers(f"{label} is a {type(value).__name__}, not numbers or arrays")


def apply_named(names: tuple[str, ...], value: Any) -> Any:
    """The named transforms, in order, on every array of ``value``."""
    if isinstance(value, dict):
        return {k: apply_named(names, v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return type(value)(apply_named(names, v) for v in value)
    array = np.asarray(value)
    if array.dtype.kind not in "biufc":
        return value
    for name in names:
        array = NAMED_TRANSFORMS[name][0](array)
    return array
