"""Comparing a student's returned values with expected ones, with diagnostics.

Runs in the grader's process on plain NumPy arrays decoded from the sandbox.
The messages say what is wrong in a way a student can act on (a shape, a
transpose, a sign, a factor 1/n, NaN, how far off and how much of it) without
printing the expected values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.numeric.sandbox import Unsupported

__all__ = ["Finding", "compare_values", "describe_value", "undecided"]


@dataclass
class Finding:
    """The outcome of one comparison or property: passed, and why not.

    ``fraction``: the share of the marks a pass earns (a comparison right only
    up to a sign may earn 0.75; ``message`` then says so). ``undetermined``:
    the comparison could not be decided (a NaN in the reference, a mode that
    does not fit its shape, a comparator that failed): never a silent pass or
    a silent zero, the test fails and the check goes to review with this reason.
    """

    passed: bool
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    fraction: float = 1.0
    undetermined: str = ""


def undecided(label: str, why: str) -> Finding:
    """A comparison the grader cannot decide: the student is told it is not
    their doing, the reason (which may name the instructor's code) goes to review."""
    return Finding(
        False,
        f"{label} could not be compared automatically (not your fault); a person will look at it",
        undetermined=why,
    )


def describe_value(value: Any) -> str:
    """A short, answer-free description of a returned value."""
    if isinstance(value, Unsupported):
        return f"an unsupported value ({value.what})"
    if isinstance(value, np.ndarray):
        return "a number" if value.ndim == 0 else f"an array of shape {value.shape}"
    if isinstance(value, tuple):
        return f"a tuple of {len(value)} items"
    if isinstance(value, list):
        return f"a list of {len(value)} items"
    if isinstance(value, dict):
        return f"a dict with keys {sorted(value)}"
    return f"a {type(value).__name__}"


def _within(actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):
        return np.abs(actual - expected) <= atol + rtol * np.abs(expected)


def _factor_name(factor: float, sizes: Iterable[int]) -> str:
    named = {
        -1.0: "the sign is flipped",
        0.5: "half the expected size (an extra factor 1/2?)",
        2.0: "twice the expected size (a missing factor 1/2?)",
    }
    for value, text in named.items():
        if abs(factor - value) <= 1e-6 * abs(value):
            return text
    for n in sorted(set(sizes)):
        if n > 2 and abs(factor - 1.0 / n) <= 1e-6 / n:
            return f"{n} times too small (divided by {n} once too often: an extra mean?)"
        if n > 2 and abs(factor - n) <= 1e-6 * n:
            return f"{n} times too large (a sum where a mean over {n} was wanted?)"
        if n > 2 and abs(factor + 1.0 / n) <= 1e-6 / n:
            return f"the sign is flipped and it is divided by {n} once too often"
        if n > 2 and abs(factor + n) <= 1e-6 * n:
            return f"the sign is flipped and it is {n} times too large"
    return f"off by a constant factor of about {factor:.3g}"


def _compare_arrays(
    actual: np.ndarray,
    expected: np.ndarray,
    *,
    rtol: float,
    atol: float,
    sizes: Iterable[int],
    label: str,
    up_to: frozenset[str] = frozenset(),
) -> Finding:
    expected = np.asarray(expected)
    if expected.dtype.kind != "c" and actual.dtype.kind == "c":
        if not np.allclose(actual.imag, 0.0):
            return Finding(False, f"{label} has complex values; real numbers were expected")
        actual = actual.real
    actual = actual.astype(np.result_type(actual.dtype, np.float64), copy=False)
    details: dict[str, Any] = {"shape": list(actual.shape), "expected_shape": list(expected.shape)}
    bad = ~np.isfinite(actual)
    if bad.any():
        nan, inf = int(np.isnan(actual).sum()), int(np.isinf(actual).sum())
        details.update(nan=nan, inf=inf)
        parts = [f"{nan} NaN" if nan else "", f"{inf} infinite" if inf else ""]
        return Finding(
            False,
            f"{label} contains {' and '.join(p for p in parts if p)} value(s) out of {actual.size}",
            details,
        )
    if expected.dtype.kind in "fc" and not np.isfinite(expected).all():
        return undecided(
            label,
            f"the reference value for {label} is not finite (NaN or infinite): the "
            "comparison cannot be decided",
        )
    if up_to:
        return _compare_up_to(actual, expected, rtol=rtol, atol=atol, label=label, up_to=up_to)
    if actual.shape != expected.shape:
        return _shape_mismatch(actual, expected, rtol=rtol, atol=atol, label=label, details=details)
    within = _within(actual, expected, rtol, atol)
    if within.all():
        return Finding(True, "", details)
    if actual.ndim == 2 and actual.shape[0] == actual.shape[1] > 1:
        if _within(actual.T, expected, rtol, atol).all():
            return Finding(
                False,
                f"{label} is transposed: it matches the transpose of the "
                "expected result (check the orientation of the matrices)",
                details,
            )
    error = np.abs(actual - expected)
    scale = np.abs(expected)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(scale > 0, error / scale, np.where(error > 0, np.inf, 0.0))
    details.update(
        max_abs_error=float(error.max()),
        max_rel_error=float(relative.max()),
        fraction_within=float(within.mean()),
    )
    summary = (
        f"max absolute error {error.max():.2e}, max relative error {relative.max():.2e}; "
        f"{int(within.sum())} of {within.size} entries within tolerance "
        f"(rtol {rtol:g}, atol {atol:g})"
    )
    if not actual.any():
        return Finding(False, f"{label} is all zeros ({summary})", details)
    denominator = float(np.sum(expected * expected))
    if denominator > 0:
        factor = float(np.sum(actual * expected)) / denominator
        if (
            abs(factor - 1.0) > 1e-6
            and _within(actual, factor * expected, 10 * rtol, 10 * atol + 1e-12).all()
        ):
            details["factor"] = factor
            return Finding(False, f"{label} is {_factor_name(factor, sizes)} ({summary})", details)
    return Finding(False, f"{label} is off: {summary}", details)


def _compare_up_to(actual, expected, *, rtol, atol, label, up_to) -> Finding:
    from grader.numeric.modes import describe_mode, match_up_to

    if actual.dtype.kind == "c" or expected.dtype.kind == "c":
        return undecided(
            label, f"{label}: complex values cannot be compared {describe_mode(up_to)[6:]}"
        )
    found = match_up_to(
        actual=actual, expected=expected.astype(float), invariances=up_to, rtol=rtol, atol=atol
    )
    if found.undetermined:
        return undecided(label, f"{label}: {found.undetermined}")
    if found.passed:
        return Finding(True)
    return Finding(False, f"{label} is not {describe_mode(up_to)}")


def _shape_mismatch(actual, expected, *, rtol, atol, label, details) -> Finding:
    got, want = actual.shape, expected.shape
    if expected.ndim == 0 and actual.size == 1:
        # A scalar wrapped in an array is harmless: judge the value.
        if _within(actual.reshape(()), expected, rtol, atol):
            return Finding(True, "", details)
        return _compare_arrays(
            actual.reshape(()), expected, rtol=rtol, atol=atol, sizes=(), label=label
        )
    if actual.ndim == 2 and expected.ndim == 2 and got == want[::-1]:
        if _within(actual.T, expected, rtol, atol).all():
            return Finding(
                False,
                f"{label} is transposed: shape {got}, expected {want} "
                "(the values match the transpose)",
                details,
            )
    if actual.size == expected.size:
        if _within(actual.reshape(want), expected, rtol, atol).all():
            return Finding(
                False,
                f"{label} has shape {got} but should have shape {want}: the "
                "values are right, the shape is not (a column (n, 1) where a flat "
                "(n,) array is wanted, or the reverse?)",
                details,
            )
    square = actual.ndim == 2 and got[0] == got[1]
    if square and (want == (got[0],) or want == (got[0], 1) or want == (1, got[0])):
        return Finding(
            False,
            f"{label} has shape {got}, expected {want}: an (n, 1) array "
            "combined with an (n,) array broadcasts to (n, n)",
            details,
        )
    return Finding(False, f"{label} has shape {got}, expected {want}", details)


def _stack(items: tuple | list) -> np.ndarray | None:
    if (
        not items
        or not all(isinstance(i, np.ndarray) and i.dtype.kind in "biufc" for i in items)
        or len({i.shape for i in items}) != 1
    ):
        return None
    return np.stack(items)


def compare_values(
    *,
    actual: Any,
    expected: Any,
    rtol: float = 1e-6,
    atol: float = 0.0,
    sizes: Iterable[int] = (),
    label: str = "the result",
    up_to: frozenset[str] = frozenset(),
) -> Finding:
    """Compare a returned value (arrays, tuples, lists, dicts) with the expected one.

    ``sizes`` are the dimensions of the inputs, so that a factor 1/n can be
    named; ``label`` is how the message refers to the value; ``up_to``: what
    each array may differ by (``grader.numeric.modes``), none: elementwise.
    """
    sizes = tuple(sizes)
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return Finding(
                False,
                f"{label} should be a dict with keys {sorted(expected)}, "
                f"not {describe_value(actual)}",
            )
        missing = [k for k in expected if k not in actual]
        if missing:
            return Finding(False, f"{label} lacks the key(s) {missing}")
        for key in expected:
            found = compare_values(
                actual=actual[key],
                expected=expected[key],
                rtol=rtol,
                atol=atol,
                sizes=sizes,
                label=f"{label}[{key!r}]",
                up_to=up_to,
            )
            if not found.passed:
                return found
        return Finding(True)
    if isinstance(expected, tuple | list):
        if not isinstance(actual, tuple | list) or len(actual) != len(expected):
            return Finding(
                False,
                f"{label} should be a sequence of {len(expected)} items, "
                f"not {describe_value(actual)}",
            )
        for index, (got, want) in enumerate(zip(actual, expected, strict=True)):
            found = compare_values(
                actual=got,
                expected=want,
                rtol=rtol,
                atol=atol,
                sizes=sizes,
                label=f"item {index} of {label}",
                up_to=up_to,
            )
            if not found.passed:
                return found
        return Finding(True)
    if isinstance(actual, tuple | list):
        # A list of numbers (or of equal-length rows) where an array is wanted is fine.
        stacked = _stack(actual)
        if stacked is not None:
            actual = stacked
    if isinstance(actual, Unsupported):
        return Finding(False, f"{label} is not numbers: {describe_value(actual)}")
    if not isinstance(actual, np.ndarray):
        return Finding(
            False, f"{label} should be an array or a number, not {describe_value(actual)}"
        )
    return _compare_arrays(
        actual, np.asarray(expected), rtol=rtol, atol=atol, sizes=sizes, label=label, up_to=up_to
    )
