"""Generic properties that check an answer without a reference value.

- central finite differences of a scalar function, to check a gradient;
- the residual (normal-equation) condition A^T (b - A x) = 0 of least squares;
- a loss that never increases along a sequence and ends below a baseline.

Each returns a :class:`~grader.numeric.compare.Finding`. They know nothing of
any exam: which function, loss or inputs they apply to comes from the check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from grader.numeric.compare import Finding, compare_values

__all__ = [
    "central_difference",
    "gradient_matches_differences",
    "monotone_decrease",
    "numerical_gradient",
    "perturbations",
    "residual_orthogonality",
]


def perturbations(array: np.ndarray, eps: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each entry of ``array`` (C order): copies with that entry +eps and -eps."""
    array = np.asarray(array, dtype=float)
    pairs = []
    for index in np.ndindex(array.shape):
        plus, minus = array.copy(), array.copy()
        plus[index] += eps
        minus[index] -= eps
        pairs.append((plus, minus))
    return pairs


def central_difference(
    plus: Sequence[float], minus: Sequence[float], eps: float, shape: tuple[int, ...]
) -> np.ndarray:
    """(f(x + eps e_i) - f(x - eps e_i)) / (2 eps), arranged in ``shape``."""
    values = (np.asarray(plus, dtype=float) - np.asarray(minus, dtype=float)) / (2 * eps)
    return values.reshape(shape)


def numerical_gradient(
    function: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    """Central-difference gradient of a scalar ``function`` at ``x``."""
    pairs = perturbations(x, eps)
    return central_difference(
        [float(function(p)) for p, _ in pairs],
        [float(function(m)) for _, m in pairs],
        eps,
        np.shape(x),
    )


def gradient_matches_differences(
    *,
    gradient: Any,
    numerical: np.ndarray,
    rtol: float = 1e-5,
    atol: float = 1e-7,
    sizes: Iterable[int] = (),
    label: str = "the gradient",
    of: str = "the loss",
) -> Finding:
    """The returned gradient against central differences of ``of``."""
    found = compare_values(
        actual=gradient, expected=numerical, rtol=rtol, atol=atol, sizes=sizes, label=label
    )
    if found.passed:
        return found
    return Finding(
        False, f"{found.message} -- compared with central finite differences of {of}", found.details
    )


def residual_orthogonality(
    *, matrix: np.ndarray, target: np.ndarray, solution: Any, rtol: float = 1e-8
) -> Finding:
    """Least squares: the residual b - A x is orthogonal to A's columns.

    ``||A^T (b - A x)|| <= rtol * ||A^T b||``: scale-free, and it needs no
    reference solution.
    """
    if not isinstance(solution, np.ndarray) or solution.dtype.kind not in "biuf":
        return Finding(False, "the result is not a real array")
    a, b = np.asarray(matrix, dtype=float), np.asarray(target, dtype=float)
    x = solution.astype(float)
    if x.shape != a.shape[1:] + b.shape[1:]:
        return Finding(
            False, f"the result has shape {x.shape}, expected {a.shape[1:] + b.shape[1:]}"
        )
    if not np.isfinite(x).all():
        return Finding(False, "the result contains NaN or infinite values")
    residual = a.T @ (b - a @ x)
    scale = float(np.linalg.norm(a.T @ b)) or 1.0
    ratio = float(np.linalg.norm(residual)) / scale
    details = {"relative_residual": ratio}
    if ratio <= rtol:
        return Finding(True, "", details)
    return Finding(
        False,
        f"the residual is not orthogonal to the columns of the data: "
        f"||A^T (b - A x)|| / ||A^T b|| = {ratio:.2e} (should be below {rtol:g}), "
        "so this is not the least-squares solution",
        details,
    )


def monotone_decrease(
    losses: Sequence[float],
    *,
    baseline: float,
    min_decrease: float = 0.0,
    tolerance: float = 1e-12,
    labels: Sequence[Any] | None = None,
    what: str = "the loss",
) -> Finding:
    """``losses`` never increase (up to ``tolerance`` relative) and the last is at
    least ``min_decrease`` (a fraction) below ``baseline``."""
    values = [float(v) for v in losses]
    labels = list(labels) if labels is not None else list(range(1, len(values) + 1))
    details: dict[str, Any] = {"losses": values, "baseline": float(baseline)}
    if not all(np.isfinite(values)):
        bad = next(label for label, v in zip(labels, values, strict=True) if not np.isfinite(v))
        return Finding(False, f"{what} is NaN or infinite at {bad}: diverging?", details)
    for previous, current, label in zip(values, values[1:], labels[1:], strict=False):
        if current > previous + tolerance * max(abs(previous), 1.0):
            return Finding(
                False, f"{what} increases (at {label}): {previous:.4g} -> {current:.4g}", details
            )
    goal = baseline - min_decrease * abs(baseline)
    if values and values[-1] > goal:
        return Finding(
            False,
            f"{what} only falls from {baseline:.4g} to {values[-1]:.4g} by "
            f"{labels[-1]}; at least {min_decrease:.0%} lower was expected",
            details,
        )
    return Finding(True, "", details)
